"""The ASGI application of `datamesh serve`: the REST API under /api/v1 (OpenAPI at /docs), the
console everywhere else, all behind sign-in (security.py, docs/console-security.md).

A request passes, from the outside in: the security headers (headers.py, on every response), the
Host check (against DNS rebinding), authentication (Starlette's AuthenticationMiddleware with
security.Guard), the gate (gate.py: no body is read before sign-in, bodies are capped), then the
routes, each of which also checks the CSRF token of a browser session's state changes."""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Sequence
from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp

from datamesh.version import package_version
from datamesh.web import api, console, docs, pages, problems, product_pages, signin
from datamesh.web.environments import Environments
from datamesh.web.gate import Gate
from datamesh.web.headers import SecurityHeaders
from datamesh.web.logs import redacted_access_log
from datamesh.web.security import Guard, protected

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")
# The bound addresses that `<name>.localhost` reaches: Chromium and curl resolve such names to
# 127.0.0.1 and ::1 themselves (RFC 6761), never to another 127.x address.
LOCALHOST_NAMES_REACH = ("127.0.0.1", "::1", "localhost")


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


def console_host(bound: str) -> str:
    """The host name the console is opened at. Browsers send a cookie to every port of its host,
    so on 127.0.0.1 the session cookie would reach every local web server the user visits; a
    random `<nonce>.localhost` is a name no other server is visited under. A loopback address
    that such names do not reach keeps its own name (and shares its cookies with its ports)."""
    return f"{secrets.token_hex(8)}.localhost" if bound in LOCALHOST_NAMES_REACH else url_host(bound)


class MeshApp(FastAPI):
    def build_middleware_stack(self) -> ASGIApp:
        # Outside Starlette's ServerErrorMiddleware too, so that a 500 carries the headers as well.
        return SecurityHeaders(super().build_middleware_stack())


def create_app(environments: Environments, guard: Guard, allowed_hosts: Sequence[str] = LOOPBACK_HOSTS) -> FastAPI:
    app = MeshApp(
        title="datamesh",
        version=package_version(),
        summary="Run the SMUS data mesh: projects, catalog, glossaries, subscription requests and drift.",
        description=(
            "Send the API token `datamesh serve` printed as `Authorization: Bearer <token>`; in the browser, "
            "this page uses your console session. Lists are paginated: pass `next_cursor` back as `?cursor=`. "
            'State changes require `"confirm": true` in their body. '
            "Errors are RFC 9457 problem details (application/problem+json)."
        ),
        docs_url=None,
        redoc_url=None,
        lifespan=redacted_access_log,
    )
    app.state.environments = environments
    app.state.guard = guard
    # add_middleware wraps what is there: the last one added sees a request first.
    app.add_middleware(Gate, render_page=pages.problem_page)
    app.add_middleware(AuthenticationMiddleware, backend=guard)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))
    problems.install(app, pages.problem_page)

    signed_in = [Depends(protected)]
    app.include_router(signin.router)
    app.include_router(docs.router, dependencies=signed_in)
    app.include_router(api.router, dependencies=signed_in)
    app.include_router(console.router, dependencies=signed_in)
    app.include_router(product_pages.router, dependencies=signed_in)
    docs.mount_assets(app)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    return app
