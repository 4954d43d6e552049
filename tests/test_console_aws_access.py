"""The console and the API when AWS cannot be used (aws_access.py), over real botocore clients made
as `datamesh serve` makes them (context.console_clients): no credentials, an STS that refuses the
management role, an expired session, an endpoint that refuses or never answers; and `serve`
refusing an unknown profile at start. The same states in a real browser: test_console_browser.py."""

from __future__ import annotations

import re
import socket
import time

import pytest
from typer.testing import CliRunner

from datamesh import cli
from datamesh.aws_access import CONNECT_TIMEOUT_S, CONSOLE_ATTEMPTS
from datamesh.context import console_clients
from datamesh.web import listener
from tests.aws_outage import black_hole, keys_and_endpoint, no_credentials, refusing_port, sts_refusing_assume_role
from tests.console_app import console_app, served_app, signed_in
from tests.datamesh_fakes import MESH

ROLE = "arn:aws:iam::123456789012:role/acme-dev-datamesh-admin"
PROBLEM = "application/problem+json"
# A guard against waiting on botocore's defaults (60 s a connect, several attempts), not a
# benchmark: the bound by design is 2 attempts x 1.5 s connect timeout (aws_access.py),
# and making the clients comes on top.
PAGE_BOUND_S = 5


def title_of(html: str) -> str:
    found = re.search(r"<title>(.*?)</title>", html, re.S)
    assert found, html
    return found.group(1)


@pytest.fixture
def without_credentials(monkeypatch, tmp_path):
    no_credentials(monkeypatch, tmp_path)
    return signed_in(served_app(console_clients))


@pytest.mark.parametrize("path", ["/env/dev/drift", "/env/dev/inbox?project=finance-reporting", "/env/dev/assets/x"])
def test_without_credentials_a_page_says_so_and_never_asks_to_sign_in(without_credentials, path):
    page = without_credentials.get(path)
    assert page.status_code == 503
    assert title_of(page.text) == "AWS credentials unavailable · datamesh · dev"
    assert f"assuming {ROLE}: no AWS credentials were found" in page.text
    assert "none given: the default credential chain" in page.text and ROLE in page.text
    assert "<code>aws sso login --profile &lt;profile&gt;</code>" in page.text
    assert "<code>datamesh --profile &lt;profile&gt; serve</code>" in page.text
    assert "You are still signed in to this console" in page.text
    assert "Access token" not in page.text and "not signed in" not in page.text.lower()


def test_without_credentials_the_api_answers_a_problem_naming_the_role_and_the_fix(without_credentials):
    answer = without_credentials.get("/api/v1/environments/dev/projects")
    assert answer.status_code == 503 and answer.headers["content-type"] == PROBLEM
    body = answer.json()
    assert body["type"] == "urn:datamesh:problem:aws-credentials"
    assert body["title"] == "AWS credentials unavailable"
    assert body["aws"] == {
        "environment": "dev",
        "profile": None,
        "role": ROLE,
        "failure": "no-credentials",
        "fix": [
            "sign in with your AWS profile: `aws sso login --profile <profile>`",
            "restart the console with it: `datamesh --profile <profile> serve`",
        ],
    }


def test_without_credentials_the_yaml_pages_show_what_is_declared_marked_as_such(without_credentials):
    projects = without_credentials.get("/env/dev/projects")
    assert projects.status_code == 503
    assert title_of(projects.text) == "Projects (declared) · AWS credentials unavailable · datamesh · dev"
    assert "Declared in the mesh, not read from AWS." in projects.text
    assert "Projects the mesh declares in dev: 6" in projects.text
    assert 'href="/env/dev/projects/finance-reporting">finance-reporting-dev-project</a>' in projects.text
    project = without_credentials.get("/env/dev/projects/finance-reporting")
    assert project.status_code == 503 and "finance-analysts</td><td>PROJECT_CONTRIBUTOR" in project.text
    glossaries = without_credentials.get("/env/dev/glossaries")
    assert "Glossaries the mesh declares: 4" in glossaries.text
    assert "<td>acme-enterprise-glossary</td>" not in glossaries.text  # a link to its terms
    terms = without_credentials.get("/env/dev/glossaries/finance-glossary")
    assert "Terms the mesh declares: 4" in terms.text and "<td>EBITDA</td>" in terms.text
    catalog = without_credentials.get("/env/dev/catalog", params={"q": "transactions"})
    assert "Declared tables matching “transactions”" in catalog.text
    assert "<td>finance_gl_transactions_table</td>" in catalog.text
    home = without_credentials.get("/env/dev")
    assert "acme-dev-unified-domain" in home.text
    assert "<td>finance-analytics-domain-unit</td><td>finance-domain-unit</td>" in home.text
    for page in (projects, project, glossaries, terms, catalog, home):
        assert "Declared in the mesh, not read from AWS." in page.text and "You are still signed in" in page.text
    # What the YAML does not declare is no declared page: the AWS state, with the fix.
    unknown = without_credentials.get("/env/dev/projects/made-in-the-portal")
    assert unknown.status_code == 503 and "Declared in the mesh" not in unknown.text
    assert title_of(unknown.text).startswith("AWS credentials unavailable")


def test_a_refused_management_role_names_the_role_and_who_may_assume_it(monkeypatch, tmp_path):
    with sts_refusing_assume_role(ROLE) as sts:
        keys_and_endpoint(monkeypatch, tmp_path, sts)
        client = signed_in(served_app(console_clients))
        page = client.get("/env/dev/drift")
        api = client.get("/api/v1/environments/dev/drift").json()
    assert page.status_code == 503 and title_of(page.text).startswith("AWS credentials unavailable")
    assert f"assuming {ROLE}: refused: User: arn:aws:iam::444444444444:user/alice is not authorized" in page.text
    assert "trusts only the principals in &#39;management.principals&#39; of environment dev" in page.text
    assert api["aws"]["failure"] == "assume-role"
    assert "`datamesh --profile <profile> --no-assume serve`" in api["aws"]["fix"][2]


def test_an_expired_session_of_a_profile_says_to_sign_in_to_aws_with_that_profile(aws):
    clients, stubs = aws
    stubs["datazone"].add_client_error("list_projects", "ExpiredTokenException", "The security token expired", 400)
    client = signed_in(console_app(clients, profile="tools-admin"))
    page = client.get("/env/dev/projects")
    assert page.status_code == 503
    assert "listing projects: the AWS session credentials expired" in page.text
    assert "<code>aws sso login --profile tools-admin</code>" in page.text and "<code>tools-admin</code>" in page.text
    assert "Declared in the mesh, not read from AWS." in page.text


@pytest.mark.parametrize("endpoint", [refusing_port, black_hole], ids=["refused", "never-answers"])
def test_an_unreachable_aws_answers_within_the_bound(monkeypatch, tmp_path, endpoint):
    with endpoint() as address:
        keys_and_endpoint(monkeypatch, tmp_path, address)
        client = signed_in(served_app(console_clients))
        started = time.monotonic()
        page = client.get("/env/dev/drift")
        took = time.monotonic() - started
        declared = client.get("/env/dev/glossaries")
    assert page.status_code == 504, page.text
    assert title_of(page.text) == "AWS unreachable · datamesh · dev"
    assert f"assuming {ROLE}: AWS did not answer: " in page.text and f"endpoint URL: &#34;{address}/&#34;" in page.text
    assert "check the network, VPN or proxy" in page.text
    print(f"{endpoint.__name__}: {took:.2f} s")
    assert took < PAGE_BOUND_S, f"the page took {took:.1f} s"
    if endpoint is black_hole:  # every attempt waited its connect timeout, no more
        assert took >= CONNECT_TIMEOUT_S * CONSOLE_ATTEMPTS - 0.1
    assert declared.status_code == 504 and "Glossaries the mesh declares: 4" in declared.text


def test_the_console_clients_have_bounded_timeouts_and_retries(monkeypatch, tmp_path):
    keys_and_endpoint(monkeypatch, tmp_path, "http://127.0.0.1:9")
    config = console_clients(None)("datazone", "eu-west-1").meta.config
    assert (config.connect_timeout, config.read_timeout) == (1.5, 5)
    assert config.retries == {"mode": "standard", "total_max_attempts": 2}


runner = CliRunner()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_refuses_an_unknown_profile_at_start(monkeypatch, tmp_path):
    no_credentials(monkeypatch, tmp_path, "[profile tools-admin]\nregion = eu-west-1\n")
    ran = {}
    monkeypatch.setattr(listener, "run", lambda app, sock: ran.update(app=app) or sock.close())
    port = str(_free_port())
    refused = runner.invoke(cli.app, ["--mesh-dir", MESH, "--profile", "tools-admn", "serve", "--port", port])
    assert refused.exit_code == 1 and not ran
    (line,) = refused.output.strip().splitlines()
    assert line == (
        f"error: AWS profile 'tools-admn' is not defined in {tmp_path / 'config'} or {tmp_path / 'credentials'} "
        "(defined: tools-admin): create it with 'aws configure sso --profile tools-admn', or pick one of those"
    )
    started = runner.invoke(cli.app, ["--mesh-dir", MESH, "--profile", "tools-admin", "serve", "--port", port])
    assert started.exit_code == 0, started.output
    assert ran["app"].state.environments.acting_as("dev").profile == "tools-admin"


SSO_PROFILE = """[profile data-engineer]
sso_start_url = https://acme.awsapps.com/start
sso_region = eu-west-1
sso_account_id = 444444444444
sso_role_name = DataEngineer
region = eu-west-1
"""


def test_an_sso_profile_without_a_live_sso_session_says_to_sign_in_with_that_profile(monkeypatch, tmp_path):
    """botocore's own SSO provider, with no token in the SSO cache (never signed in, or signed out)."""
    no_credentials(monkeypatch, tmp_path, SSO_PROFILE)
    monkeypatch.setenv("HOME", str(tmp_path))  # ~/.aws/sso/cache: empty
    client = signed_in(served_app(console_clients, profile="data-engineer"))
    page = client.get("/env/dev/catalog")
    assert page.status_code == 503 and "Declared in the mesh, not read from AWS." in page.text
    assert f"assuming {ROLE}: the AWS SSO session expired or was never started" in page.text
    assert "<code>aws sso login --profile data-engineer</code>" in page.text
    problem = client.get("/api/v1/environments/dev/glossaries").json()
    assert (problem["aws"]["profile"], problem["aws"]["failure"]) == ("data-engineer", "expired")


def test_a_profile_gone_from_the_config_files_is_a_credentials_problem_not_a_crash(monkeypatch, tmp_path):
    no_credentials(monkeypatch, tmp_path)
    client = signed_in(served_app(console_clients, profile="tools-admin"))
    problem = client.get("/api/v1/environments/dev/drift").json()
    assert problem["status"] == 503 and problem["aws"]["failure"] == "unknown-profile"
    assert problem["detail"] == "opening AWS profile tools-admin: The config profile (tools-admin) could not be found"
    assert problem["aws"]["fix"][0] == "list the profiles: `aws configure list-profiles`"
