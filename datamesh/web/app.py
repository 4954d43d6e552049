"""The ASGI application of `datamesh serve`: the REST API under /api/v1 (OpenAPI at /docs), the
console everywhere else, both behind the access-token guard (security.py)."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, Query
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.trustedhost import TrustedHostMiddleware

from datamesh.web import api, console, problems
from datamesh.web.environments import Environments
from datamesh.web.security import Guard

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def url_host(host: str) -> str:
    """The host as it stands in a URL and in the Host header ([::1] for an IPv6 address)."""
    return f"[{host}]" if ":" in host else host


def allowed_hosts(host: str) -> list[str]:
    """The Host headers a server bound to loopback ``host`` answers (127.0.0.2 included)."""
    return sorted({*LOOPBACK_HOSTS, url_host(host)})


def create_app(environments: Environments, guard: Guard, allowed_hosts: Sequence[str] = LOOPBACK_HOSTS) -> FastAPI:
    app = FastAPI(
        title="datamesh",
        version="1",
        summary="Run the SMUS data mesh: projects, catalog, glossaries, subscription requests and drift.",
        description=(
            "Send the token `datamesh serve` printed as `Authorization: Bearer <token>`. Lists are paginated: "
            'pass `next_cursor` back as `?cursor=`. State changes require `"confirm": true` in their body. '
            "Errors are RFC 9457 problem details (application/problem+json)."
        ),
    )
    app.state.environments = environments
    app.state.guard = guard
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))
    problems.install(app, console.problem_page)

    @app.get("/login", include_in_schema=False)
    def login(token: str = "", next_path: Annotated[str, Query(alias="next")] = "/") -> RedirectResponse:
        """The address `datamesh serve` prints: sets the session cookie, then opens the console."""
        return guard.login(token, next_path)

    app.include_router(api.router, dependencies=[Depends(guard)])
    app.include_router(console.router, dependencies=[Depends(guard)])
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    return app
