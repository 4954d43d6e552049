"""Who may use a local console, and protection of its state changes (docs/console-security.md).

`datamesh serve` listens on loopback only, but every local process, and every web page through
the browser, can reach loopback. So the server makes two secrets at start:
- the API token, sent by API clients as `Authorization: Bearer <token>`, and nothing else: it
  never travels in a cookie or a URL;
- a one-time sign-in code, in the address it prints: opening it starts a browser session (the
  sign-in form takes the API token instead, once the code is spent).
A session is a random id in an HttpOnly, SameSite=Strict, host-only cookie, mapped to a CSRF
token and an expiry (sessions.py). It is set and honoured only on the console's own host name
(a random `<nonce>.localhost`), because browsers send a cookie to every port of its host: a
cookie of 127.0.0.1 would reach every other local web server the user opens. Bearer requests
need no CSRF token: browsers never add that header on their own.
"""

from __future__ import annotations

import hmac
import secrets
import threading
from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import Response
from starlette.authentication import AuthCredentials, AuthenticationBackend, BaseUser
from starlette.requests import HTTPConnection

from datamesh.errors import MeshError
from datamesh.web.sessions import Session, Sessions

COOKIE = "datamesh_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
NOT_SIGNED_IN = (
    "not signed in: open the address 'datamesh serve' printed, or sign in with its access token "
    "(API clients: 'Authorization: Bearer <token>')"
)


def _same(sent: str | None, expected: str | None) -> bool:
    return sent is not None and expected is not None and hmac.compare_digest(sent.encode(), expected.encode())


@dataclass(frozen=True)
class Caller(BaseUser):
    """A request that may use the server: by a browser session, or by the API token (session None)."""

    session: Session | None

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def display_name(self) -> str:
        return "session" if self.session else "bearer"


def caller(request: HTTPConnection) -> Caller | None:
    """The request's caller; None before or without AuthenticationMiddleware's verdict."""
    user = request.scope.get("user")
    return user if isinstance(user, Caller) else None


class Guard(AuthenticationBackend):
    """Starlette's authentication backend of the app: it runs before anything reads the body."""

    def __init__(
        self, token: str | None = None, console_host: str | None = None, sessions: Sessions | None = None
    ) -> None:
        """``console_host``: the only host name whose cookies are honoured; None accepts any name
        the Host check lets in (a server reached under one name only)."""
        self.token = token or secrets.token_urlsafe(32)
        self.console_host = console_host.lower() if console_host else None
        self.sessions = sessions if sessions is not None else Sessions()
        self.sign_in_code: str | None = secrets.token_urlsafe(32)
        self._lock = threading.Lock()

    def _serves_sessions(self, conn: HTTPConnection) -> bool:
        return self.console_host is None or (conn.url.hostname or "").lower() == self.console_host

    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, BaseUser] | None:
        scheme, _, credentials = conn.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer":
            # The API token only: a session id replayed as bearer is refused like any wrong token.
            return (AuthCredentials(["bearer"]), Caller(None)) if _same(credentials.strip(), self.token) else None
        if self._serves_sessions(conn) and (session := self.sessions.get(conn.cookies.get(COOKIE))):
            return AuthCredentials(["session"]), Caller(session)
        return None

    def sign_in(self, conn: HTTPConnection, code: str | None = None, token: str | None = None) -> Session:
        """A new session for the printed one-time code, or for the API token typed into the form."""
        if not self._serves_sessions(conn):
            raise MeshError("sign in at the address 'datamesh serve' printed: this host name keeps no session", "auth")
        with self._lock:
            if code is not None:
                valid = _same(code, self.sign_in_code)
                if valid:
                    self.sign_in_code = None  # once: the address in the history or a log is spent
            else:
                valid = _same(token, self.token)
        if not valid:
            raise MeshError(
                "this sign-in address is spent or wrong (it works once): sign in with the access token "
                "'datamesh serve' printed",
                "auth",
            )
        return self.sessions.start()

    def set_cookie(self, response: Response, session: Session) -> None:
        # Host-only (no Domain) and Path=/; not Secure, nor __Host-, which needs Secure: over plain http
        # a browser that does not count <nonce>.localhost as a secure context would drop it.
        max_age = int(self.sessions.lifetime_s)
        response.set_cookie(COOKIE, session.id, max_age=max_age, httponly=True, samesite="strict", path="/")

    def sign_out(self, response: Response, session: Session | None) -> None:
        if session is not None:
            self.sessions.end(session.id)
        response.delete_cookie(COOKIE, httponly=True, samesite="strict", path="/")


async def protected(request: Request) -> None:
    """The dependency of every route but sign-in: a caller, and for a session's state changes its
    CSRF token (the form's hidden field, or the X-CSRF-Token header)."""
    found = caller(request)
    if found is None:
        raise MeshError(NOT_SIGNED_IN, "auth")
    if request.method in SAFE_METHODS or found.session is None:
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(FORM_TYPES):
        value = (await request.form()).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not _same(sent, found.session.csrf_token):
        raise MeshError("the CSRF token is missing or wrong: reload the page and try again", "forbidden")
