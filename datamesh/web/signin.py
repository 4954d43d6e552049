"""Signing a browser in and out (security.py says why it works this way).

`GET /login?code=` is the address `datamesh serve` prints: the one-time code starts a session.
It is a GET so that opening the address is all it takes; the code is spent by then, so the
browser's history and the access log (logs.py redacts it anyway) keep nothing usable. Once it is
spent, the sign-in form POSTs the API token: a body, which no log line and no history holds.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from datamesh.web.pages import page
from datamesh.web.security import Guard, caller, protected
from datamesh.web.sessions import Session

router = APIRouter(include_in_schema=False)
Next = Annotated[str, Query(alias="next", max_length=2048)]


def _local(path: str) -> str:
    """Only a path of this server: no open redirect to `//elsewhere` or `/\\elsewhere`."""
    return path if path.startswith("/") and not path.startswith(("//", "/\\")) else "/"


def _signed_in(guard: Guard, session: Session, next_path: str) -> RedirectResponse:
    response = RedirectResponse(_local(next_path), status_code=303)
    guard.set_cookie(response, session)
    return response


@router.get("/login")
def sign_in_page(request: Request, code: str | None = None, next_path: Next = "/") -> Response:
    guard: Guard = request.app.state.guard
    if code is not None:
        return _signed_in(guard, guard.sign_in(request, code=code), next_path)
    return page(request, "signin.html", None, next_path=_local(next_path))


@router.post("/login")
def sign_in_with_token(
    request: Request,
    token: Annotated[str, Form(max_length=256)],
    next_path: Annotated[str, Form(alias="next", max_length=2048)] = "/",
) -> RedirectResponse:
    guard: Guard = request.app.state.guard
    return _signed_in(guard, guard.sign_in(request, token=token), next_path)


@router.post("/logout", dependencies=[Depends(protected)])
def sign_out(request: Request) -> RedirectResponse:
    """Ends the session (a POST with the session's CSRF token: no other page can sign you out)."""
    found = caller(request)
    response = RedirectResponse("/login", status_code=303)
    request.app.state.guard.sign_out(response, found.session if found else None)
    return response
