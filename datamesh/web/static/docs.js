// Swagger UI for /docs, from this server's own files. A file, not an inline script: the
// Content-Security-Policy allows scripts from this origin only.
"use strict";
(() => {
  const root = document.getElementById("swagger-ui");
  const csrfToken = root.dataset.csrfToken;
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    presets: [SwaggerUIBundle.presets.apis],
    // No badge from validator.swagger.io: nothing leaves this machine.
    validatorUrl: null,
    // "Try it out" runs in the browser's session: a state change needs the session's CSRF token.
    requestInterceptor: (request) => {
      if (csrfToken && request.method !== "GET") {
        request.headers["X-CSRF-Token"] = csrfToken;
      }
      return request;
    },
  });
})();
