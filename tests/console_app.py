"""`datamesh serve`'s application as `serve` builds it: cookie sessions on one random
`<nonce>.localhost` name only, the loopback names for API clients (bearer), over Stubber-backed
clients; and a TestClient signed in the way a browser is, by the printed one-time address."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from datamesh.web.app import allowed_hosts, console_host, create_app
from datamesh.web.environments import Environments
from datamesh.web.security import COOKIE, Guard
from datamesh.web.sessions import Session, Sessions
from mesh_config import load_mesh
from tests.datamesh_fakes import MESH, TOKEN


def console_app(
    clients, sessions: Sessions | None = None, host: str | None = None, profile: str | None = None
) -> FastAPI:
    return served_app(lambda profile, role: lambda service, region: clients[service], sessions, host, profile)


def served_app(
    clients_for, sessions: Sessions | None = None, host: str | None = None, profile: str | None = None
) -> FastAPI:
    """The application over ``clients_for`` (profile, role) -> clients: context.console_clients for
    real botocore clients, as `serve` runs it."""
    host = host or console_host("127.0.0.1")
    environments = Environments(load_mesh(MESH), clients_for, profile)
    guard = Guard(TOKEN, console_host=host, sessions=sessions)
    return create_app(environments, guard, [*allowed_hosts("127.0.0.1"), host])


def site(app: FastAPI) -> str:
    """The console's own address, as `serve` prints it (without the port)."""
    return f"http://{app.state.guard.console_host}"


def signed_in(app: FastAPI, **options) -> TestClient:
    client = TestClient(app, base_url=site(app), follow_redirects=False, **options)
    response = client.get("/login", params={"code": app.state.guard.sign_in_code})
    assert response.status_code == 303, response.text
    return client


def session_of(client: TestClient) -> Session:
    session = client.app.state.guard.sessions.get(client.cookies.get(COOKIE))
    assert session is not None
    return session
