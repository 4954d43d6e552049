"""What reaches the application: a pure ASGI middleware, after authentication (Starlette's
AuthenticationMiddleware with security.Guard) and before anything reads a body.

FastAPI reads and parses a route's body before its dependencies run, so a check in a dependency
comes too late: an unauthenticated 200 MB form was parsed in full. Here an unauthenticated
request is refused with its body unread, and a body is capped by its Content-Length and, for a
streamed one, by the bytes actually received.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from datamesh.web import problems
from datamesh.web.security import NOT_SIGNED_IN, caller

# The largest body any route takes (a decision comment of 4096 characters) is far below it.
MAX_BODY = 64 * 1024
# Open without signing in: the sign-in itself, and the style sheet and scripts its page needs.
PUBLIC_PATHS = frozenset({"/login"})
PUBLIC_PREFIXES = ("/static/",)


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


class Gate:
    def __init__(self, app: ASGIApp, render_page: problems.PageRenderer, max_body: int = MAX_BODY) -> None:
        self.app = app
        self.render_page = render_page
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)  # without receive: nothing here can read the body
        if caller(request) is None and not is_public(scope["path"]):
            await self._refuse(request, 401, "auth", NOT_SIGNED_IN, send, {"WWW-Authenticate": "Bearer"})
            return
        declared = request.headers.get("content-length")
        if declared is not None and not declared.isdigit():
            await self._refuse(request, 400, "invalid", "the Content-Length header is not a number", send)
            return
        if declared is not None and int(declared) > self.max_body:
            await self._refuse(request, 413, "too_large", self._too_large(), send)
            return
        await self.app(scope, self._capped(receive), send)

    def _too_large(self) -> str:
        return f"the request body is larger than {self.max_body // 1024} KiB"

    def _capped(self, receive: Receive) -> Receive:
        received = 0

        async def capped() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    # Raised inside the route's body reading: the app's handlers answer 413.
                    raise HTTPException(413, self._too_large())
            return message

        return capped

    async def _refuse(
        self, request: Request, status: int, kind: str, detail: str, send: Send, headers: dict[str, str] | None = None
    ) -> None:
        response = problems.respond(request, problems.problem(request, status, kind, detail), self.render_page)
        response.headers.update(headers or {})
        await response(request.scope, self._unread, send)

    @staticmethod
    async def _unread() -> Message:
        # Handed to the refusal instead of the real receive, so the body stays unread whatever it does.
        return {"type": "http.disconnect"}
