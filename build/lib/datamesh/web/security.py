"""Who may use a local console, and protection of its state changes.

`datamesh serve` listens on the loopback interface only, but any local process, and any web
page through the browser (CSRF, DNS rebinding), can reach loopback. So, as local notebook
servers do, the server makes a random access token at start and prints an address carrying it:
- opening that address (/login?token=...) sets an HttpOnly, SameSite=Strict session cookie;
- API clients send the token as `Authorization: Bearer <token>` instead (browsers never add it
  by themselves, so bearer requests need no CSRF token);
- state-changing requests authenticated by the cookie must also carry the CSRF token (the
  form's hidden `csrf_token` field, or an `X-CSRF-Token` header), derived from the access token;
- the Host header must name the loopback address (TrustedHostMiddleware), against DNS rebinding.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request
from fastapi.responses import RedirectResponse

from datamesh.errors import MeshError

COOKIE = "datamesh_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class Guard:
    def __init__(self, token: str | None = None) -> None:
        self.token = token or secrets.token_urlsafe(32)
        self.csrf_token = hmac.new(self.token.encode(), b"csrf", hashlib.sha256).hexdigest()

    def _is(self, sent: str | None, expected: str) -> bool:
        return sent is not None and hmac.compare_digest(sent.encode(), expected.encode())

    def how(self, request: Request) -> str | None:
        """'cookie', 'bearer', or None when the request carries no valid token."""
        if self._is(request.cookies.get(COOKIE), self.token):
            return "cookie"
        scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and self._is(credentials.strip(), self.token):
            return "bearer"
        return None

    async def __call__(self, request: Request) -> None:
        """The dependency of every API route and console page."""
        how = self.how(request)
        if how is None:
            raise MeshError("not signed in: open the address 'datamesh serve' printed (it carries the token)", "auth")
        if request.method in SAFE_METHODS or how == "bearer":
            return
        sent = request.headers.get(CSRF_HEADER)
        if sent is None and request.headers.get("content-type", "").startswith(FORM_TYPES):
            value = (await request.form()).get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
        if not self._is(sent, self.csrf_token):
            raise MeshError("the CSRF token is missing or wrong: reload the page and try again", "forbidden")

    def login(self, token: str, next_path: str = "/") -> RedirectResponse:
        if not self._is(token, self.token):
            raise MeshError("this access token is not the one 'datamesh serve' printed at its start", "auth")
        target = next_path if next_path.startswith("/") and not next_path.startswith("//") else "/"
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(COOKIE, self.token, httponly=True, samesite="strict", path="/")
        return response
