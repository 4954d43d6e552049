"""How every HTML page is rendered (Jinja2): the console's pages, the sign-in page, the API docs
page and error pages, with what they share: the navigation, the CSRF token, and the filters
that keep names from DataZone inert in links."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from datamesh.context import MeshContext
from datamesh.web.problems import Problem
from datamesh.web.security import CSRF_FIELD, caller


def segment(value: object) -> str:
    """One path segment: `/`, `?`, `#`, `%` and the rest are encoded, so a name such as
    `../requests/r1/accept?x` stays inside the segment it is linked as."""
    return quote(str(value), safe="")


def is_https_url(value: object) -> bool:
    """Only these become links: a `javascript:` or `data:` URL from an output would run here."""
    parts = urlsplit(str(value))
    return parts.scheme == "https" and bool(parts.netloc)


def code_spans(value: object) -> Markup:
    """Text whose `backquoted` parts are commands: escaped, and those parts set as <code>."""
    parts = str(value).split("`")
    return Markup("").join(Markup("<code>{}</code>").format(p) if i % 2 else escape(p) for i, p in enumerate(parts))


templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.filters["code_spans"] = code_spans
templates.env.filters["segment"] = segment
templates.env.tests["https_url"] = is_https_url


def page(request: Request, name: str, ctx: MeshContext | None, status: int = 200, **values: Any) -> HTMLResponse:
    return _render(request, name, ctx.env.name if ctx else None, status, values)


def problem_page(request: Request, problem: Problem) -> Response:
    env = request.path_params.get("env")
    known = env if caller(request) and env in request.app.state.environments.names else None
    return _render(request, "error.html", known, problem.status, {"problem": problem, "next_path": _here(request)})


def _here(request: Request) -> str:
    """Where the sign-in form returns to: this page, as a local path."""
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def _render(request: Request, name: str, env: str | None, status: int, values: dict[str, Any]) -> HTMLResponse:
    """Every page gets the navigation and, in a browser session, the session's CSRF token for its
    forms; a request that is not signed in learns nothing about the mesh, not even its
    environments' names."""
    found = caller(request)
    session = found.session if found else None
    shared = {
        "env": env,
        "environments": request.app.state.environments.names if found else [],
        "signed_in": found is not None,
        "session": session,
        "csrf_field": CSRF_FIELD,
        "csrf_token": session.csrf_token if session else "",
    }
    return templates.TemplateResponse(request, name, {**shared, **values}, status_code=status)
