"""The web console in a real headless Chromium (Debian's, driven by Playwright) against the running
`datamesh serve` application, opened as `serve` prints it (http://<nonce>.localhost:<port>), with
Stubber answering for AWS from one consistent stubbed domain (console_mesh.py): every page loads,
passes axe-core's WCAG 2 A/AA rules under the pages' own Content-Security-Policy, shows names where
DataZone answers ids, the catalog is searched, and a subscription request is approved end to end.
Without AWS credentials and with AWS unreachable (real botocore clients, aws_outage.py), pages say
which profile or role failed and how to fix it, answer within the bound, and the pages the YAML can
build show what it declares. Against other local web servers: none receives a usable credential,
none can frame the console; /docs works offline with the server's own scripts.

A failing test leaves a screenshot in test-artifacts/screenshots/. With SCREENSHOTS_DIR set
(`make screenshots`), the pages are also saved there for the README.
"""

from __future__ import annotations

import contextlib
import http.server
import os
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlencode

import pytest
import uvicorn
from fastapi import FastAPI
from playwright.sync_api import Page, expect, sync_playwright

from datamesh.aws_access import CONNECT_TIMEOUT_S, CONSOLE_ATTEMPTS
from datamesh.context import console_clients
from tests.aws_outage import black_hole, keys_and_endpoint, no_credentials
from tests.console_app import console_app, served_app
from tests.console_mesh import EDITED_TERM, MISSING_MEMBER, PORTAL_PROJECT, StubbedDomain
from tests.datamesh_fakes import TOKEN
from tests.synth import ROOT

CHROMIUM = "/usr/bin/chromium"
# As root, without a sandbox; no background traffic (the machine's network is closed).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
ROLE = "arn:aws:iam::123456789012:role/acme-dev-datamesh-admin"
# A guard against botocore's defaults (60 s a connect, several attempts), not a benchmark: by design
# an unreachable AWS costs 2 attempts x 1.5 s (aws_access.py); making the clients and the browser's
# own time come on top.
PAGE_BOUND_S = 5


@pytest.fixture(scope="module")
def browser():
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: `make test` installs Debian's chromium"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Served(NamedTuple):
    base: str  # http://<nonce>.localhost:<port>, the address `datamesh serve` prints
    app: FastAPI


@contextlib.contextmanager
def served(app: FastAPI) -> Iterator[Served]:
    """`datamesh serve`'s application on a free loopback port."""
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield Served(f"http://{app.state.guard.console_host}:{port}", app)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def server(aws):
    """Over Stubber-backed clients; every answer queued was asked for."""
    clients, stubs = aws
    with served(console_app(clients)) as found:
        yield found
    for stub in stubs.values():
        stub.assert_no_pending_responses()


@pytest.fixture
def mesh(aws) -> StubbedDomain:
    return StubbedDomain(aws[1]["datazone"])


@pytest.fixture
def open_page(browser, request) -> Iterator[Callable[[Served], Page]]:
    """A fresh browser context on a served console; saved as an artefact when the test failed."""
    pages: list[Page] = []

    def opened(site: Served) -> Page:
        context = browser.new_context(base_url=site.base, viewport={"width": 1366, "height": 800})
        page = context.new_page()
        # axe-core from this origin: the pages' CSP refuses inline and third-party scripts.
        page.route(f"{site.base}/test-axe.js", lambda r: r.fulfill(path=str(AXE), content_type="text/javascript"))
        pages.append(page)
        return page

    yield opened
    report = getattr(request.node, "report_call", None)
    for page in pages:
        if report is None or report.failed:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
        page.context.close()


@pytest.fixture
def page(open_page, server) -> Page:
    return open_page(server)


def sign_in(page: Page, server: Served, path: str) -> None:
    """The address `datamesh serve` prints, going on to ``path``."""
    page.goto("/login?" + urlencode({"code": server.app.state.guard.sign_in_code, "next": path}))


def accessible(page: Page, name: str) -> None:
    """axe-core's WCAG 2 A and AA rules find nothing; the page is saved for the README when asked."""
    page.add_script_tag(url="/test-axe.js")
    found = page.evaluate("axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}})")
    violations = [(v["id"], v["help"], [n["target"] for n in v["nodes"]]) for v in found["violations"]]
    assert violations == [], f"{name}: {violations}"
    if folder := os.environ.get("SCREENSHOTS_DIR"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def confirm(page: Page, mesh: StubbedDomain, verdict: str, label: str, comment: str) -> None:
    """Types the comment and confirms; what the steward typed is what DataZone receives (the stub
    expects exactly it), and the inbox says so."""
    mesh.decision(verdict, comment)
    mesh.inbox("finance-reporting", pending=False)
    page.get_by_label(label).fill(comment)
    page.get_by_role("button", name=f"Confirm: {'approve' if verdict == 'accept' else 'reject'}").click()
    expect(page.get_by_role("status")).to_have_text(f"Request r1 {verdict}ed.")


def no_id_shown(page: Page, mesh: StubbedDomain, *allowed: str) -> None:
    """No project, unit, glossary, group or term id of the stubbed domain in the page's text where its
    name exists (``allowed``: an id the page shows on purpose, beside the name)."""
    ids = [*mesh.project_ids.values(), *(u for u, _, _ in mesh.units), *mesh.group_profiles.values()]
    ids += [g for g, _, _, _ in mesh.glossaries.values()] + list(mesh.term_ids.values())
    text = page.locator("main").inner_text()
    assert [i for i in ids if i in text and i not in allowed] == []


def test_home_shows_the_domain_its_units_and_counts(page, server, mesh):
    mesh.home()
    sign_in(page, server, "/env/dev")
    expect(page.get_by_role("heading", level=1)).to_have_text("dev")
    expect(page.get_by_text("acme-dev-unified-domain")).to_be_visible()
    expect(page.get_by_role("link", name="7 projects")).to_be_visible()  # the six declared and the portal's
    expect(page.get_by_role("row", name="finance-analytics-domain-unit finance-domain-unit")).to_be_visible()
    expect(page.get_by_role("link", name="4 glossaries")).to_be_visible()
    no_id_shown(page, mesh)
    accessible(page, "home")


def test_projects_and_a_project_with_its_members_named(page, server, mesh):
    mesh.projects_page()
    sign_in(page, server, "/env/dev/projects")
    finance = mesh.project_ids["finance-reporting-dev-project"]
    expect(
        page.get_by_role("row", name=f"finance-reporting-dev-project finance-reporting ACTIVE {finance}")
    ).to_be_visible()
    expect(page.get_by_role("row", name=f"{PORTAL_PROJECT} not declared")).to_be_visible()
    accessible(page, "projects")
    mesh.project("finance-reporting")
    page.get_by_role("link", name="finance-reporting-dev-project").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("finance-reporting-dev-project")
    expect(page.get_by_role("row", name="group finance-team-leads PROJECT_OWNER")).to_be_visible()
    expect(page.get_by_role("row", name="group finance-analysts PROJECT_CONTRIBUTOR")).to_be_visible()
    expect(page.get_by_role("row", name="user acme-dev-mesh-datazone-handler PROJECT_OWNER")).to_be_visible()
    expect(page.get_by_text("sql-analytics-dev-profile")).to_be_visible()
    no_id_shown(page, mesh, finance)
    accessible(page, "project")


def test_catalog_search_and_an_assets_columns_pii_terms_and_forms(page, server, mesh):
    mesh.catalog()
    sign_in(page, server, "/env/dev/catalog")
    # The example's 12 declared tables and its workload's metadata table (ops_shipment_photos_table).
    expect(page.get_by_text("Every asset: 13")).to_be_visible()
    mesh.catalog("crm")
    page.get_by_label("Search the inventory").fill("crm")
    page.get_by_label("Search the inventory").press("Enter")
    # The CRM accounts, and the two customer360 tables built from them.
    expect(page.get_by_text("Assets matching “crm”: 3")).to_be_visible()
    expect(page.get_by_role("row", name="sales_crm_accounts_table")).to_contain_text("sales-forecasting-dev-project")
    no_id_shown(page, mesh)
    accessible(page, "catalog")
    mesh.asset("sales_crm_accounts_table")
    page.get_by_role("link", name="sales_crm_accounts_table").click()
    expect(page.get_by_role("row", name="contact_name string PII")).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text="acme-enterprise-glossary/Customer")).to_be_visible()
    expect(page.get_by_role("heading", name="DataClassification")).to_be_visible()
    expect(page.get_by_text("mesh.yaml: catalog of sales, table with dataset 'crm_accounts'")).to_be_visible()
    expect(page.get_by_role("link", name="sales-forecasting-dev-project")).to_be_visible()
    no_id_shown(page, mesh)
    accessible(page, "asset")


def test_glossaries_their_owners_and_terms(page, server, mesh):
    mesh.glossaries_page()
    sign_in(page, server, "/env/dev/glossaries")
    glossary = page.get_by_role("row", name="acme-enterprise-glossary")
    expect(glossary).to_contain_text("data-platform-etl-dev-project")
    no_id_shown(page, mesh)
    accessible(page, "glossaries")
    mesh.glossary("acme-enterprise-glossary")
    page.get_by_role("link", name="acme-enterprise-glossary").click()
    expect(page.get_by_role("row", name="Customer A person or organisation that buys acme products")).to_be_visible()
    accessible(page, "glossary")


def test_data_products_their_owners_assets_and_terms(page, server, mesh):
    mesh.products_page()
    sign_in(page, server, "/env/dev/products")
    row = page.get_by_role("row", name="customer360")
    expect(row).to_contain_text("finance-customer360-dev-project")
    expect(row).to_contain_text("revision 2")
    expect(row).to_contain_text("mesh.yaml data_products[0]")
    no_id_shown(page, mesh)
    accessible(page, "products")
    mesh.product("customer360")
    page.get_by_role("link", name="customer360", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("customer360")
    expect(page.get_by_role("link", name="finance_customer_profiles_table")).to_be_visible()
    expect(page.get_by_role("link", name="finance_customer_revenue_table")).to_be_visible()
    expect(page.get_by_text("acme-enterprise-glossary/Customer")).to_be_visible()
    expect(page.get_by_role("heading", name="DataProductOwner")).to_be_visible()
    expect(page.locator("main")).to_contain_text("published")
    no_id_shown(page, mesh)
    accessible(page, "product")


def test_the_drift_report_shows_the_differences_of_the_stubbed_domain_only(page, server, mesh):
    mesh.drift()
    sign_in(page, server, "/env/dev/drift")
    project, group = MISSING_MEMBER
    glossary, term, edited = EDITED_TERM
    expect(page.get_by_role("table")).to_contain_text("3 differences")
    expect(page.get_by_role("row", name=f"project {PORTAL_PROJECT} not declared")).to_be_visible()
    expect(page.get_by_role("row", name=f"member {project}: {group} missing")).to_be_visible()
    expect(page.get_by_role("row", name=f"term {glossary}/{term} differs")).to_contain_text(edited)
    accessible(page, "drift")


def test_a_request_is_approved_end_to_end(page, server, mesh):
    sign_in(page, server, "/env/dev/inbox")
    accessible(page, "inbox-empty")
    mesh.inbox("finance-reporting")
    page.get_by_label("Producer project").select_option("finance-reporting")
    page.get_by_role("button", name="Show its pending requests").click()
    row = f"{mesh.LISTING} {mesh.REQUESTER} {mesh.REASON}"
    expect(page.get_by_role("row", name=row)).to_be_visible()
    accessible(page, "inbox")
    mesh.request_details()
    page.get_by_role("link", name=f"Approve {mesh.REQUESTER}'s request for {mesh.LISTING}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Approve this request?")
    accessible(page, "approve")
    confirm(page, mesh, "accept", f"Comment for {mesh.REQUESTER}", "Approved for the cost allocation")
    expect(page.get_by_role("cell", name="Nothing waits for finance-reporting.")).to_be_visible()


def test_a_rejection_needs_a_comment_before_it_is_sent(page, server, mesh):
    mesh.request_details()
    sign_in(page, server, "/env/dev/requests/r1/reject?project=finance-reporting")
    page.get_by_role("button", name="Confirm: reject").click()
    # The browser refuses the empty required field: nothing reached DataZone.
    expect(page.get_by_role("heading", level=1)).to_have_text("Reject this request?")
    assert page.get_by_label(f"Comment for {mesh.REQUESTER} (required)").evaluate("e => !e.validity.valid")
    confirm(page, mesh, "reject", f"Comment for {mesh.REQUESTER} (required)", "Use the anonymised sample")


def test_the_keyboard_reaches_the_content_first(page, server, mesh):
    mesh.glossaries_page()
    sign_in(page, server, "/env/dev/glossaries")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def test_without_signing_in_the_console_says_how(page, server, mesh):
    page.goto("/env/dev")
    expect(page.get_by_role("heading", level=1)).to_have_text("Not signed in")
    expect(page.get_by_role("alert")).to_contain_text("open the address 'datamesh serve' printed")
    accessible(page, "sign-in")
    mesh.glossaries_page()
    sign_in(page, server, "/env/dev/glossaries")
    expect(page.get_by_role("heading", level=1)).to_have_text("Glossaries")


def test_signing_out_ends_the_session_and_the_token_signs_in_again(page, server, mesh):
    mesh.glossaries_page()
    sign_in(page, server, "/env/dev/glossaries")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    accessible(page, "signed-out")
    page.goto("/env/dev/glossaries")
    expect(page.get_by_role("alert")).to_contain_text("not signed in")
    expect(page.get_by_role("navigation", name="Environments")).not_to_contain_text("dev")
    # The printed address is spent: the form takes the API token, in a body, never in a URL.
    mesh.glossaries_page()
    page.get_by_label("Access token").fill(TOKEN)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Glossaries")


# --- without AWS: no credentials, no answer ------------------------------------------------------


@pytest.fixture
def without_credentials(monkeypatch, tmp_path) -> Iterator[Served]:
    """`serve` as it runs, with real botocore clients, on a machine without AWS credentials."""
    no_credentials(monkeypatch, tmp_path)
    with served(served_app(console_clients)) as found:
        yield found


@pytest.fixture
def unreachable(monkeypatch, tmp_path) -> Iterator[Served]:
    """`serve` as it runs, with real botocore clients, and AWS behind a network that drops every packet."""
    with black_hole() as address:
        keys_and_endpoint(monkeypatch, tmp_path, address)
        with served(served_app(console_clients)) as found:
            yield found


def timed_goto(page: Page, path: str) -> float:
    started = time.monotonic()
    page.goto(path)
    return time.monotonic() - started


def test_without_aws_credentials_a_signed_in_user_is_told_what_failed_and_how_to_fix_it(open_page, without_credentials):
    page = open_page(without_credentials)
    sign_in(page, without_credentials, "/env/dev/drift")
    expect(page).to_have_title("AWS credentials unavailable · datamesh · dev")
    expect(page.get_by_role("heading", level=1)).to_have_text("AWS credentials unavailable")
    expect(page.get_by_role("alert")).to_have_text(f"assuming {ROLE}: no AWS credentials were found")
    expect(page.get_by_role("definition").filter(has_text=ROLE)).to_be_visible()
    fix = page.get_by_role("list").filter(has_text="aws sso login")
    expect(fix.get_by_role("listitem")).to_have_text(
        [
            "sign in with your AWS profile: aws sso login --profile <profile>",
            "restart the console with it: datamesh --profile <profile> serve",
        ]
    )
    # Still signed in: no sign-in form, the session's own button.
    expect(page.get_by_label("Access token")).to_have_count(0)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    accessible(page, "aws-credentials")
    # A page the YAML can build: what it declares, marked as such.
    page.get_by_role("navigation", name="Sections of dev").get_by_role("link", name="Projects").click()
    expect(page).to_have_title("Projects (declared) · AWS credentials unavailable · datamesh · dev")
    expect(page.get_by_text("Declared in the mesh, not read from AWS.")).to_be_visible()
    expect(
        page.get_by_role("row", name="finance-reporting-dev-project finance-reporting finance-domain-unit")
    ).to_be_visible()
    accessible(page, "declared-projects")


def test_with_aws_unreachable_every_page_answers_within_the_bound(open_page, unreachable):
    page = open_page(unreachable)
    sign_in(page, unreachable, "/env/dev/glossaries")
    expect(page.get_by_role("heading", level=1)).to_have_text("Glossaries")
    expect(page.get_by_role("heading", name="AWS unreachable")).to_be_visible()
    expect(page.get_by_text("Declared in the mesh, not read from AWS.")).to_be_visible()
    expect(page.get_by_role("row", name="finance-glossary 4 finance-reporting-dev-project")).to_be_visible()
    accessible(page, "aws-unreachable-declared")
    for path in ("/env/dev/drift", "/env/dev", "/env/dev/inbox?project=finance-reporting"):
        took = timed_goto(page, path)
        print(f"{path}: {took:.2f} s")
        assert took < PAGE_BOUND_S, f"{path} took {took:.1f} s"
        assert took >= CONNECT_TIMEOUT_S * CONSOLE_ATTEMPTS - 0.1, f"{path}: {took:.1f} s, sooner than the timeouts"
        expect(page.get_by_role("heading", name="AWS unreachable")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text(f"assuming {ROLE}: AWS did not answer")
    expect(page.get_by_text("check the network, VPN or proxy")).to_be_visible()
    accessible(page, "aws-unreachable")


# --- what another local web server gets ---------------------------------------------------------


class OtherServer:
    """Another web server on 127.0.0.1 (a developer's, or a hostile local user's): serves ``pages``
    and records the headers every request brought it."""

    def __init__(self, pages: dict[str, str]) -> None:
        self.requests: list[dict[str, str]] = []
        recorded, served = self.requests, pages

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                recorded.append({k.lower(): v for k, v in self.headers.items()})
                body = served.get(self.path, "<!doctype html><title>other</title><p>other server</p>").encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> OtherServer:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def status_of(url: str, headers: dict[str, str]) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_another_local_server_receives_no_usable_credential(page, server, mesh):
    mesh.glossaries_page()
    sign_in(page, server, "/env/dev/glossaries")
    expect(page.get_by_role("heading", level=1)).to_have_text("Glossaries")
    (cookie,) = page.context.cookies()
    assert cookie["domain"] == server.app.state.guard.console_host  # host-only, on the nonce name
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    with OtherServer({}) as other:
        port = other.base.rsplit(":", 1)[1]
        for address in (f"{other.base}/", f"http://localhost:{port}/"):
            page.goto(address)
            expect(page.get_by_text("other server")).to_be_visible()
        received = other.requests
    assert received and all("cookie" not in r and "authorization" not in r for r in received), received
    # What a cookie could be worth elsewhere: the session id is no bearer credential, and the
    # API token is in no cookie (the browser holds one cookie, the session's).
    api = f"http://127.0.0.1:{server.base.rsplit(':', 1)[1]}/api/v1/environments"
    assert status_of(api, {"Authorization": f"Bearer {cookie['value']}"}) == 401
    assert status_of(api, {"Cookie": f"{cookie['name']}={cookie['value']}"}) == 401  # not on a shared name
    assert cookie["value"] != TOKEN and status_of(api, {"Authorization": f"Bearer {TOKEN}"}) == 200


def test_a_page_of_another_local_server_cannot_frame_the_console(page, server, mesh):
    mesh.glossaries_page()
    sign_in(page, server, "/env/dev/glossaries")
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text))
    framing = f'<!doctype html><title>framing</title><iframe src="{server.base}/env/dev/glossaries"></iframe>'
    with OtherServer({"/frame": framing}) as other:
        page.goto(f"{other.base}/frame")
        page.wait_for_load_state("load")
        (child,) = page.main_frame.child_frames
        expect(page.locator("iframe")).to_be_attached()
        page.wait_for_timeout(200)
    assert child.url == "chrome-error://chromewebdata/", child.url  # blocked, not the console
    assert any("frame-ancestors 'none'" in m for m in messages), messages


def test_the_api_docs_work_offline_with_the_servers_own_scripts(page, server, mesh):
    mesh.glossaries_page()
    sign_in(page, server, "/env/dev/glossaries")
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    page.on("console", lambda message: seen.append(f"console {message.type}: {message.text}"))
    page.goto("/docs")
    expect(page.get_by_role("heading", name="datamesh")).to_be_visible()
    expect(page.get_by_text("/api/v1/environments/{env}/drift")).to_be_visible()
    # "Try it out" acts in the browser's session, its state changes with the session's CSRF token.
    mesh.decision("accept", "Approved")
    accept = page.locator(
        "#operations-subscriptions-accept_request_api_v1_environments__env__subscription_requests__request_id__accept_post"
    )
    accept.locator(".opblock-summary").click()
    accept.get_by_role("button", name="Try it out").click()
    accept.get_by_placeholder("env").fill("dev")
    accept.get_by_placeholder("request_id").fill("r1")
    accept.get_by_role("button", name="Execute").click()
    expect(accept.locator(".live-responses-table tbody .response-col_status").first).to_have_text("200")
    foreign = [u for u in seen if not u.startswith(server.base)]
    assert foreign == [], foreign  # no CDN, no validator badge, no CSP violation reported
