"""The console's pages through FastAPI's TestClient: the confirmation flow's server side (CSRF,
a rejection without a comment, the redirect after a decision), error pages, and `datamesh serve`.
The pages themselves are driven in a real browser in test_console_browser.py."""

from __future__ import annotations

import re
import socket

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from datamesh import cli
from datamesh.web import listener
from datamesh.web.security import COOKIE
from tests.console_app import console_app, session_of, signed_in
from tests.datamesh_fakes import (
    DOMAIN,
    MESH,
    glossaries,
    list_projects,
    request_details,
    subscription_request,
)


@pytest.fixture
def console(aws):
    """A signed-in browser session (the cookie) and its CSRF token."""
    clients, stubs = aws
    client = signed_in(console_app(clients))
    yield client, stubs["datazone"], session_of(client).csrf_token
    # Every DataZone answer was asked for (the domain stack's output only where a page needed it).
    stubs["datazone"].assert_no_pending_responses()


def test_the_root_opens_the_first_environment(console):
    client, dz, _ = console
    assert client.get("/").headers["location"] == "/env/dev"
    glossaries(dz, [])  # the domain stack's output is read once the first environment page opens
    list_projects(dz)
    assert client.get("/env/dev/glossaries").status_code == 200


def test_a_decision_without_the_csrf_token_is_refused(console):
    client, dz, _ = console
    glossaries(dz, [])
    list_projects(dz)
    client.get("/env/dev/glossaries")
    refused = client.post("/env/dev/requests/r1/accept", data={"comment": "ok", "project": "finance-reporting"})
    assert refused.status_code == 403
    assert "the CSRF token is missing or wrong" in refused.text and "Traceback" not in refused.text
    forged = client.post("/env/dev/requests/r1/accept", data={"comment": "ok", "csrf_token": "guess"})
    assert forged.status_code == 403


def test_an_accepted_request_returns_to_the_inbox_with_a_notice(console):
    client, dz, csrf = console
    dz.add_response(
        "accept_subscription_request",
        subscription_request("ACCEPTED"),
        {"domainIdentifier": DOMAIN, "identifier": "r1", "decisionComment": "Approved"},
    )
    done = client.post("/env/dev/requests/r1/accept", data={"csrf_token": csrf, "project": "finance-reporting"})
    assert done.status_code == 303
    assert done.headers["location"] == "/env/dev/inbox?project=finance-reporting&done=accepted&request_id=r1"


def test_a_rejection_without_a_comment_shows_the_form_again_with_why(console):
    client, dz, csrf = console
    request_details(dz)
    again = client.post("/env/dev/requests/r1/reject", data={"csrf_token": csrf, "comment": " "})
    assert again.status_code == 422
    assert "a rejection needs a comment: the requester reads it" in again.text
    assert 'aria-describedby="comment-error"' in again.text


def test_a_decided_request_offers_nothing_to_confirm(console):
    client, dz, _ = console
    request_details(dz, "ACCEPTED")
    page = client.get("/env/dev/requests/r1/accept")
    assert "This request is ACCEPTED already" in page.text and '<form method="post"' not in page.text


def test_aws_errors_are_a_page_with_one_line(console):
    client, dz, _ = console
    dz.add_client_error("list_projects", "AccessDeniedException", "not a member", 403)
    denied = client.get("/env/dev/projects")
    assert denied.status_code == 403 and "listing projects: access denied: not a member" in denied.text
    dz.add_client_error("list_projects", "ThrottlingException", "slow down", 429)
    throttled = client.get("/env/dev/projects")
    assert throttled.status_code == 429 and throttled.headers["retry-after"] == "30"
    assert "Traceback" not in denied.text + throttled.text


def test_an_unknown_page_is_404_in_html(console):
    client, _, _ = console
    missing = client.get("/env/dev/nothing/here")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")


runner = CliRunner()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_serve_prints_no_secret_when_another_program_holds_the_port(monkeypatch):
    """Bound before printing: a program squatting the port never sees the one-time code."""
    ran = {}
    monkeypatch.setattr(listener, "run", lambda app, sock: ran.update(app=app))
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen(1)
        port = squatter.getsockname()[1]
        result = runner.invoke(cli.app, ["--mesh-dir", MESH, "serve", "--port", str(port)])
    assert result.exit_code == 1 and f"cannot listen on 127.0.0.1:{port}" in result.output
    assert "code=" not in result.output and "Bearer" not in result.output and not ran


def test_serve_listens_on_loopback_only():
    result = runner.invoke(cli.app, ["--mesh-dir", MESH, "serve", "--host", "0.0.0.0"])
    assert result.exit_code == 1 and "is not a loopback address" in result.output


def test_serve_runs_the_app_on_loopback_and_prints_the_address(monkeypatch):
    ran = {}
    monkeypatch.setattr(
        listener, "run", lambda app, sock: ran.update(app=app, address=sock.getsockname()[:2]) or sock.close()
    )
    port = _free_port()
    result = runner.invoke(cli.app, ["--mesh-dir", MESH, "serve", "--port", str(port)])
    assert result.exit_code == 0, result.output
    guard = ran["app"].state.guard
    assert re.fullmatch(r"[0-9a-f]{16}\.localhost", guard.console_host)
    assert f"open http://{guard.console_host}:{port}/login?code={guard.sign_in_code}" in result.output
    assert f"send 'Authorization: Bearer {guard.token}' to http://127.0.0.1:{port}/api/v1" in result.output
    assert guard.sign_in_code != guard.token
    assert ran["address"] == ("127.0.0.1", port)
    assert ran["app"].state.environments.names == ["dev", "staging", "prod"]


def test_the_printed_address_signs_a_browser_in_once_on_the_console_host_only(monkeypatch):
    ran = {}
    monkeypatch.setattr(listener, "run", lambda app, sock: ran.update(app=app) or sock.close())
    assert runner.invoke(cli.app, ["--mesh-dir", MESH, "serve", "--port", str(_free_port())]).exit_code == 0
    app = ran["app"]
    code = app.state.guard.sign_in_code
    shared = TestClient(app, base_url="http://127.0.0.1:8765", follow_redirects=False)
    assert shared.get("/login", params={"code": code}).status_code == 401  # no cookie for 127.0.0.1
    browser = TestClient(app, base_url=f"http://{app.state.guard.console_host}:8765", follow_redirects=False)
    assert browser.get("/login", params={"code": code, "next": "/api/v1/environments"}).status_code == 303
    assert browser.get("/api/v1/environments").status_code == 200
    again = TestClient(app, base_url=f"http://{app.state.guard.console_host}:8765", follow_redirects=False)
    spent = again.get("/login", params={"code": code})
    assert spent.status_code == 401 and "spent or wrong" in spent.text
    # The same cookie sent to the server under a shared loopback name is not a session there.
    shared.cookies.set(COOKIE, browser.cookies[COOKIE])
    assert shared.get("/api/v1/environments").status_code == 401


def test_serve_answers_the_loopback_address_it_is_bound_to(monkeypatch):
    ran = {}
    monkeypatch.setattr(listener, "run", lambda app, sock: ran.update(app=app) or sock.close())
    result = runner.invoke(cli.app, ["--mesh-dir", MESH, "serve", "--host", "127.0.0.2", "--port", "8765"])
    assert result.exit_code == 0
    # <nonce>.localhost reaches 127.0.0.1 and ::1 only: the console keeps the address's own name.
    assert "open http://127.0.0.2:8765/login?code=" in result.output
    assert "127.0.0.2 shares its cookies with every server on it" in result.output
    bearer = {"Authorization": f"Bearer {ran['app'].state.guard.token}"}
    bound = TestClient(ran["app"], base_url="http://127.0.0.2:8765", headers=bearer)
    assert bound.get("/api/v1/environments").status_code == 200
    rebound = TestClient(ran["app"], base_url="http://rebound.example:8765", headers=bearer)
    assert rebound.get("/api/v1/environments").status_code == 400
