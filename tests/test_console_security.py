"""The security review of `datamesh serve`, server side (FastAPI's TestClient, a raw ASGI call where
the body's reading itself is the question, and a real uvicorn for its log): sessions are not the
API token, expire and end; headers on every response; no body read before sign-in, and none above
64 KiB; names from DataZone stay inert in links; only https URLs become links; no sign-in secret
in the server's log; /docs offline and signed in. The browser's side is in test_console_browser.py."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from html.parser import HTMLParser

import pytest
import uvicorn
from fastapi.testclient import TestClient

from datamesh.services.overview import EnvironmentSummary, Overview
from datamesh.web import console
from datamesh.web.gate import MAX_BODY
from datamesh.web.pages import is_https_url, segment
from datamesh.web.security import COOKIE
from datamesh.web.sessions import Sessions
from tests.console_app import console_app, session_of, signed_in, site
from tests.datamesh_fakes import DOMAIN, GLUE_FORM, TOKEN, get_asset, glossaries, list_projects, search_asset

BEARER = {"Authorization": f"Bearer {TOKEN}"}
DECISION = "/env/dev/requests/r1/accept"


# --- sessions ------------------------------------------------------------------------------


def test_the_session_cookie_is_a_random_id_host_only_httponly_and_strict(aws):
    clients, _ = aws
    app = console_app(clients)
    client = TestClient(app, base_url=site(app), follow_redirects=False)
    response = client.get("/login", params={"code": app.state.guard.sign_in_code})
    cookie = response.headers["set-cookie"]
    session_id = client.cookies[COOKIE]
    assert session_id != TOKEN and TOKEN not in cookie
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert attributes == {"httponly", "max-age", "path", "samesite"}  # no Domain: host-only
    assert "samesite=strict" in cookie.lower() and "path=/" in cookie.lower()


def test_a_session_id_is_not_a_bearer_token(aws):
    clients, _ = aws
    app = console_app(clients)
    client = signed_in(app)
    session_id = client.cookies[COOKIE]
    replayed = TestClient(app, base_url=site(app), headers={"Authorization": f"Bearer {session_id}"})
    assert replayed.get("/api/v1/environments").status_code == 401
    assert TestClient(app, base_url=site(app), headers=BEARER).get("/api/v1/environments").status_code == 200


def test_each_session_has_its_own_csrf_token(aws):
    clients, _ = aws
    app = console_app(clients)
    first = signed_in(app)
    second = TestClient(app, base_url=site(app), follow_redirects=False)
    assert second.post("/login", data={"token": TOKEN}).status_code == 303
    mine, theirs = session_of(first).csrf_token, session_of(second).csrf_token
    assert mine != theirs and TOKEN not in (mine, theirs)
    refused = first.post(DECISION, data={"csrf_token": theirs, "project": "finance-reporting"})
    assert refused.status_code == 403


def test_a_session_expires(aws):
    clients, _ = aws
    now = [1000.0]
    app = console_app(clients, sessions=Sessions(lifetime_s=60, clock=lambda: now[0]))
    client = signed_in(app)
    assert client.get("/api/v1/environments").status_code == 200
    now[0] += 59
    assert client.get("/api/v1/environments").status_code == 200
    now[0] += 2
    assert client.get("/api/v1/environments").status_code == 401
    assert app.state.guard.sessions.get(client.cookies[COOKIE]) is None


def test_signing_out_needs_the_csrf_token_and_ends_the_session(aws):
    clients, _ = aws
    app = console_app(clients)
    client = signed_in(app)
    session = session_of(client)
    assert client.post("/logout").status_code == 403
    out = client.post("/logout", data={"csrf_token": session.csrf_token})
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert f'{COOKIE}="";' in out.headers["set-cookie"] or "max-age=0" in out.headers["set-cookie"].lower()
    replayed = TestClient(app, base_url=site(app), cookies={COOKIE: session.id})
    assert replayed.get("/api/v1/environments").status_code == 401


# --- what a request that is not signed in learns -------------------------------------------


@pytest.mark.parametrize("path", ["/env/dev", "/env/dev/projects", "/no/such/page", "/static/missing.css", "/docs"])
def test_without_signing_in_a_page_reveals_nothing_of_the_mesh(aws, path):
    clients, _ = aws
    app = console_app(clients)
    page = TestClient(app, base_url=site(app)).get(path)
    # Neither the other environments' names nor any link into the mesh (the navigation is empty).
    assert not re.search(r"staging|prod|acme|href=\"/env/", page.text), page.text
    if path != "/static/missing.css":  # a public path answers what it is: not found
        assert page.status_code == 401 and 'name="token"' in page.text  # the sign-in form


@pytest.mark.parametrize("path", ["/docs", "/openapi.json", "/redoc", "/docs/oauth2-redirect"])
def test_the_api_documents_need_sign_in(aws, path):
    clients, _ = aws
    app = console_app(clients)
    anonymous = TestClient(app, base_url=site(app)).get(path)
    assert anonymous.status_code == 401 and "/api/v1/environments" not in anonymous.text
    with_token = TestClient(app, base_url=site(app), headers=BEARER).get(path)
    assert with_token.status_code == (200 if path in ("/docs", "/openapi.json") else 404)


# --- security headers ----------------------------------------------------------------------


def check_headers(response, cached: bool = False) -> None:
    csp = {d.strip().split(" ", 1)[0]: d.strip() for d in response.headers["content-security-policy"].split(";")}
    assert csp["default-src"] == "default-src 'self'" and csp["script-src"] == "script-src 'self'"
    assert csp["frame-ancestors"] == "frame-ancestors 'none'" and csp["form-action"] == "form-action 'self'"
    assert csp["base-uri"] == "base-uri 'none'" and csp["object-src"] == "object-src 'none'"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert (response.headers.get("cache-control") == "no-store") is not cached


def test_every_response_carries_the_security_headers(aws, monkeypatch):
    clients, stubs = aws
    app = console_app(clients)
    client = signed_in(app, raise_server_exceptions=False)
    check_headers(client.get("/"))  # a redirect
    glossaries(stubs["datazone"], [])
    list_projects(stubs["datazone"])
    check_headers(client.get("/env/dev/glossaries"))  # a page with a CSRF token
    check_headers(client.get("/api/v1/environments"))
    check_headers(client.get("/env/dev/nothing"))  # an error page
    check_headers(client.get("/static/console.css"), cached=True)
    check_headers(client.get("/static/swagger-ui/swagger-ui-bundle.js"), cached=True)
    check_headers(client.get("/static/missing.css"))
    check_headers(TestClient(app, base_url=site(app)).get("/env/dev"))  # 401
    check_headers(TestClient(app, base_url="http://rebound.example").get("/"))  # the Host check's 400

    def broken(self):
        raise KeyError("id")

    monkeypatch.setattr(console.ProjectService, "list", broken)
    failed = client.get("/env/dev/projects")
    assert failed.status_code == 500
    check_headers(failed)  # Starlette's ServerErrorMiddleware answers it


# --- bodies: none read before sign-in, none above the cap ----------------------------------


def asgi_post(app, path: str, headers: dict[str, str], chunks: Iterable[bytes]) -> tuple[int, int]:
    """POSTs the chunks straight to the ASGI app: (the status, how many chunks it took)."""
    taken = 0
    pending = iter(chunks)
    messages: list[dict] = []

    async def receive() -> dict:
        nonlocal taken
        chunk = next(pending, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        taken += 1
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict) -> None:
        messages.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in {"host": "127.0.0.1", **headers}.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8765),
    }
    asyncio.run(app(scope, receive, send))
    return messages[0]["status"], taken


MIB = b"x" * (1024 * 1024)
FORM = {"content-type": "application/x-www-form-urlencoded"}


@pytest.mark.parametrize("path", [DECISION, "/api/v1/environments/dev/subscription-requests", "/logout"])
def test_an_unauthenticated_body_is_refused_unread(aws, path):
    clients, _ = aws
    status, taken = asgi_post(console_app(clients), path, {**FORM, "content-length": str(200 * len(MIB))}, [MIB] * 200)
    assert (status, taken) == (401, 0)


def test_a_declared_body_over_the_cap_is_413_unread(aws):
    clients, _ = aws
    headers = {**BEARER, **FORM, "content-length": str(MAX_BODY + 1)}
    assert asgi_post(console_app(clients), DECISION, headers, [MIB]) == (413, 0)


def test_a_streamed_body_is_cut_at_the_cap(aws):
    clients, _ = aws
    chunk = b"a" * (16 * 1024)
    status, taken = asgi_post(console_app(clients), DECISION, {**BEARER, **FORM}, itertools.repeat(chunk))
    assert status == 413 and taken == MAX_BODY // len(chunk) + 1


def test_a_body_under_the_cap_is_read(aws):
    clients, _ = aws
    app = console_app(clients)
    client = TestClient(app, base_url="http://127.0.0.1", headers=BEARER)
    too_long = client.post("/api/v1/environments/dev/subscription-requests", content=b"{" + b" " * MAX_BODY + b"}")
    assert too_long.status_code == 413 and too_long.json()["type"] == "urn:datamesh:problem:too-large"
    # Under the cap the body reaches the route's validation (the same body without a field).
    assert client.post("/api/v1/environments/dev/subscription-requests", json={}).status_code == 422


# --- links ---------------------------------------------------------------------------------


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.scripts: list[tuple[str | None, str]] = []
        self._in_script: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag in ("a", "link") and found.get("href"):
            self.hrefs.append(found["href"] or "")
        if tag == "script":
            self.scripts.append((found.get("src"), ""))

    def handle_data(self, data: str) -> None:
        if self.scripts and self.lasttag == "script" and data.strip():
            src, _ = self.scripts[-1]
            self.scripts[-1] = (src, data)


def links_of(html: str) -> Links:
    parser = Links()
    parser.feed(html)
    return parser


HOSTILE = "../requests/r1/accept?project=x#top"


def test_names_from_datazone_stay_inside_their_link_segment(aws):
    clients, stubs = aws
    dz = stubs["datazone"]
    client = signed_in(console_app(clients))
    search_asset(dz, HOSTILE, "a1", owner="p1/../../x")
    list_projects(dz)
    hrefs = links_of(client.get("/env/dev/catalog").text).hrefs
    assert "/env/dev/assets/..%2Frequests%2Fr1%2Faccept%3Fproject%3Dx%23top" in hrefs
    assert "/env/dev/projects/p1%2F..%2F..%2Fx" in hrefs
    assert not [h for h in hrefs if "/requests/" in h or "?project=x" in h]
    # The encoded name reaches the asset's page, under that very name.
    search_asset(dz, HOSTILE, "a1", searchText=HOSTILE)
    get_asset(dz, HOSTILE, "a1", [GLUE_FORM])
    list_projects(dz)
    page = client.get("/env/dev/assets/" + segment(HOSTILE))
    assert page.status_code == 200 and "<h1>../requests/r1/accept?project=x#top</h1>" in page.text
    glossaries(dz, [("g1", "terms/of?x")])
    list_projects(dz)
    assert "/env/dev/glossaries/terms%2Fof%3Fx" in links_of(client.get("/env/dev/glossaries").text).hrefs


@pytest.mark.parametrize(
    ("url", "linked"),
    [
        ("https://dzd_abc123def456.sagemaker.eu-west-1.on.aws", True),
        ("javascript:alert(document.domain)", False),
        ("JavaScript:alert(1)", False),
        ("data:text/html,<script>alert(1)</script>", False),
        ("http://portal.example", False),
        ("https:portal.example", False),
        ("//portal.example", False),
    ],
)
def test_only_https_urls_become_links(aws, monkeypatch, url, linked):
    clients, _ = aws

    class Fake:
        def __init__(self, ctx) -> None:
            pass

        def overview(self) -> Overview:
            environment = EnvironmentSummary("dev", "111111111111", "eu-west-1", None)
            return Overview(environment, DOMAIN, url, [], 0, 0, 0)

    monkeypatch.setattr(console, "OverviewService", Fake)
    assert is_https_url(url) is linked
    page = signed_in(console_app(clients)).get("/env/dev")
    assert page.status_code == 200
    hrefs = links_of(page.text).hrefs
    assert (url in hrefs) is linked
    assert not [h for h in hrefs if h.lower().startswith(("javascript:", "data:"))]


# --- the API docs --------------------------------------------------------------------------


def test_the_docs_load_only_this_servers_files(aws):
    clients, _ = aws
    client = signed_in(console_app(clients))
    docs = client.get("/docs")
    assert docs.status_code == 200
    found = links_of(docs.text)
    assert found.scripts and all(src and src.startswith("/static/") and not body for src, body in found.scripts)
    assert all(h.startswith("/static/") for h in found.hrefs) and "http" not in docs.text
    for path in [src for src, _ in found.scripts] + found.hrefs:
        answer = client.get(path)
        assert answer.status_code == 200, path
    init = client.get("/static/docs.js").text
    assert "validatorUrl: null" in init and "X-CSRF-Token" in init


# --- the server's log ----------------------------------------------------------------------


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def test_no_sign_in_secret_reaches_the_servers_log(aws):
    clients, _ = aws
    app = console_app(clients)
    code = app.state.guard.sign_in_code
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="info"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    captured = Lines()
    loggers = [logging.getLogger(name) for name in ("uvicorn.access", "uvicorn.error", "datamesh", "")]
    for logger in loggers:
        logger.addHandler(captured)
    try:
        port = server.servers[0].sockets[0].getsockname()[1]
        console_host = {"Host": f"{app.state.guard.console_host}:{port}"}
        base = f"http://127.0.0.1:{port}"
        for path, data, headers in [
            (f"/login?code={code}&next=/api/v1/environments", None, console_host),
            (f"/login?token={TOKEN}", None, console_host),  # an old bookmark
            ("/login", f"token={TOKEN}".encode(), console_host),
            ("/api/v1/environments", None, BEARER),
        ]:
            request = urllib.request.Request(base + path, data=data, headers=headers)
            with contextlib.suppress(urllib.error.HTTPError):  # the answers do not matter here, the log does
                urllib.request.urlopen(request, timeout=10).close()
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        for logger in loggers:
            logger.removeHandler(captured)
    log = "\n".join(captured.lines)
    assert '"GET /login?[redacted] HTTP/1.1" 303' in log and '"GET /api/v1/environments HTTP/1.1" 200' in log
    assert code not in log and TOKEN not in log, log
