"""The web console in a real headless Chromium (Debian's, driven by Playwright) against the running
`datamesh serve` application, opened as `serve` prints it (http://<nonce>.localhost:<port>), with
Stubber answering for AWS: every page loads, passes axe-core's WCAG 2 A/AA rules under the pages'
own Content-Security-Policy, the catalog is searched, and a subscription request is approved end
to end. Against other local web servers: none receives a usable credential, none can frame the
console; /docs works offline with the server's own scripts.

A failing test leaves a screenshot in test-artifacts/screenshots/. With SCREENSHOTS_DIR set
(`make screenshots`), the pages are also saved there for the README.
"""

from __future__ import annotations

import http.server
import os
import socket
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlencode

import pytest
import uvicorn
from fastapi import FastAPI
from playwright.sync_api import Page, expect, sync_playwright

from tests.console_app import console_app
from tests.datamesh_fakes import (
    DOMAIN,
    GLUE_FORM,
    QUALITY_FORM,
    ROOT_UNIT,
    TOKEN,
    get_asset,
    glossaries,
    inbox,
    list_projects,
    overview,
    project_details,
    request_details,
    search_asset,
    subscription_request,
    term_names,
    terms,
    units,
)
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
    dz: object  # the DataZone Stubber
    app: FastAPI


@pytest.fixture
def server(aws):
    """`datamesh serve`'s application on a free loopback port, over Stubber-backed clients."""
    clients, stubs = aws
    port = _free_port()
    app = console_app(clients)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield Served(f"http://{app.state.guard.console_host}:{port}", stubs["datazone"], app)
    server.should_exit = True
    thread.join(timeout=10)
    for stub in stubs.values():
        stub.assert_no_pending_responses()


@pytest.fixture
def page(browser, server, request):
    context = browser.new_context(base_url=server.base, viewport={"width": 1366, "height": 800})
    page = context.new_page()
    # axe-core from this origin: the pages' CSP refuses inline and third-party scripts.
    page.route(f"{server.base}/test-axe.js", lambda route: route.fulfill(path=str(AXE), content_type="text/javascript"))
    yield page
    report = getattr(request.node, "report_call", None)
    if report is None or report.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


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


def confirm(page: Page, dz, verdict: str, label: str, comment: str) -> None:
    """Types the comment and confirms; what the steward typed is what DataZone receives (the stub
    expects exactly it), and the inbox says so."""
    status = {"accept": "ACCEPTED", "reject": "REJECTED"}[verdict]
    dz.add_response(
        f"{verdict}_subscription_request",
        subscription_request(status),
        {"domainIdentifier": DOMAIN, "identifier": "r1", "decisionComment": comment},
    )
    inbox(dz, [])
    page.get_by_label(label).fill(comment)
    page.get_by_role("button", name=f"Confirm: {'approve' if verdict == 'accept' else 'reject'}").click()
    expect(page.get_by_role("status")).to_have_text(f"Request r1 {verdict}ed.")


def test_home_shows_the_domain_its_units_and_counts(page, server):
    dz = server.dz
    overview(dz)
    sign_in(page, server, "/env/dev")
    expect(page.get_by_role("heading", level=1)).to_have_text("dev")
    expect(page.get_by_text(DOMAIN)).to_be_visible()
    expect(page.get_by_role("link", name="2 projects")).to_be_visible()
    expect(page.get_by_role("cell", name="finance-domain-unit")).to_be_visible()
    accessible(page, "home")


def test_projects_and_a_project_with_its_members(page, server):
    dz = server.dz
    list_projects(dz)
    sign_in(page, server, "/env/dev/projects")
    expect(page.get_by_role("row", name="sales-analytics-dev-project sales-analytics ACTIVE p2")).to_be_visible()
    accessible(page, "projects")
    project_details(dz)
    page.get_by_role("link", name="finance-reporting-dev-project").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("finance-reporting-dev-project")
    expect(page.get_by_role("row", name="group g1 PROJECT_OWNER")).to_be_visible()
    expect(page.get_by_role("cell", name="finance-analysts")).to_be_visible()  # declared in mesh.yaml
    accessible(page, "project")


def test_catalog_search_and_an_assets_columns_pii_terms_and_forms(page, server):
    dz = server.dz
    search_asset(dz, "finance_budget_data_table", "a1")
    list_projects(dz)
    sign_in(page, server, "/env/dev/catalog")
    search_asset(dz, "finance_budget_data_table", "a1", searchText="budget")
    list_projects(dz)
    page.get_by_label("Search the inventory").fill("budget")
    page.get_by_label("Search the inventory").press("Enter")
    expect(page.get_by_text("Assets matching “budget”: 1")).to_be_visible()
    expect(page.get_by_role("row", name="finance_budget_data_table finance-reporting-dev-project")).to_be_visible()
    accessible(page, "catalog")
    search_asset(dz, "finance_budget_data_table", "a1", searchText="finance_budget_data_table")
    get_asset(dz, "finance_budget_data_table", "a1", [GLUE_FORM, QUALITY_FORM], terms=["t-Customer"])
    term_names(dz)
    list_projects(dz)
    page.get_by_role("link", name="finance_budget_data_table").click()
    expect(page.get_by_role("row", name="budget_owner_email string PII")).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text="acme-enterprise-glossary/Customer")).to_be_visible()
    expect(page.get_by_role("heading", name="DataQuality")).to_be_visible()
    expect(page.get_by_text("mesh.yaml: catalog of finance, table with dataset 'budget_data'")).to_be_visible()
    expect(page.get_by_role("link", name="finance-reporting-dev-project")).to_be_visible()
    accessible(page, "asset")


def test_glossaries_and_their_terms(page, server):
    dz = server.dz
    glossaries(dz, [("g1", "acme-enterprise-glossary")])
    list_projects(dz)
    sign_in(page, server, "/env/dev/glossaries")
    accessible(page, "glossaries")
    glossaries(dz, [("g1", "acme-enterprise-glossary")])
    terms(dz, "g1", [("Customer", "A party that buys from Acme")])
    page.get_by_role("link", name="acme-enterprise-glossary").click()
    expect(page.get_by_role("row", name="Customer A party that buys from Acme")).to_be_visible()
    accessible(page, "glossary")


def test_the_drift_report(page, server):
    dz = server.dz
    units(dz, ROOT_UNIT, [])
    dz.add_response("list_projects", {"items": []}, {"domainIdentifier": DOMAIN, "maxResults": 50})
    glossaries(dz, [])
    sign_in(page, server, "/env/dev/drift")
    expect(page.get_by_role("row", name="project finance-reporting-dev-project missing")).to_be_visible()
    accessible(page, "drift")


def test_a_request_is_approved_end_to_end(page, server):
    dz = server.dz
    sign_in(page, server, "/env/dev/inbox")
    accessible(page, "inbox-empty")
    inbox(dz, [subscription_request()])
    page.get_by_label("Producer project").select_option("finance-reporting")
    page.get_by_role("button", name="Show its pending requests").click()
    expect(page.get_by_role("row", name="finance_gl_transactions_table sales-analytics dashboards")).to_be_visible()
    accessible(page, "inbox")
    request_details(dz)
    page.get_by_role("link", name="Approve sales-analytics's request for finance_gl_transactions_table").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Approve this request?")
    accessible(page, "approve")
    confirm(page, dz, "accept", "Comment for sales-analytics", "Approved for the Q3 dashboards")
    expect(page.get_by_role("cell", name="Nothing waits for finance-reporting.")).to_be_visible()


def test_a_rejection_needs_a_comment_before_it_is_sent(page, server):
    dz = server.dz
    request_details(dz)
    sign_in(page, server, "/env/dev/requests/r1/reject?project=finance-reporting")
    page.get_by_role("button", name="Confirm: reject").click()
    # The browser refuses the empty required field: nothing reached DataZone.
    expect(page.get_by_role("heading", level=1)).to_have_text("Reject this request?")
    assert page.get_by_label("Comment for sales-analytics (required)").evaluate("e => !e.validity.valid")
    confirm(page, dz, "reject", "Comment for sales-analytics (required)", "Use the anonymised sample")


def test_the_keyboard_reaches_the_content_first(page, server):
    dz = server.dz
    glossaries(dz, [])
    list_projects(dz)
    sign_in(page, server, "/env/dev/glossaries")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def test_without_signing_in_the_console_says_how(page, server):
    dz = server.dz
    page.goto("/env/dev")
    expect(page.get_by_role("alert")).to_contain_text("open the address 'datamesh serve' printed")
    accessible(page, "sign-in")
    glossaries(dz, [])
    list_projects(dz)
    sign_in(page, server, "/env/dev/glossaries")
    expect(page.get_by_role("heading", level=1)).to_have_text("Glossaries")


def test_signing_out_ends_the_session_and_the_token_signs_in_again(page, server):
    dz = server.dz
    glossaries(dz, [])
    list_projects(dz)
    sign_in(page, server, "/env/dev/glossaries")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    accessible(page, "signed-out")
    page.goto("/env/dev/glossaries")
    expect(page.get_by_role("alert")).to_contain_text("not signed in")
    expect(page.get_by_role("navigation", name="Environments")).not_to_contain_text("dev")
    # The printed address is spent: the form takes the API token, in a body, never in a URL.
    glossaries(dz, [])
    list_projects(dz)
    page.get_by_label("Access token").fill(TOKEN)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Glossaries")


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


def test_another_local_server_receives_no_usable_credential(page, server):
    dz = server.dz
    glossaries(dz, [])
    list_projects(dz)
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


def test_a_page_of_another_local_server_cannot_frame_the_console(page, server):
    dz = server.dz
    glossaries(dz, [])
    list_projects(dz)
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


def test_the_api_docs_work_offline_with_the_servers_own_scripts(page, server):
    dz = server.dz
    glossaries(dz, [])
    list_projects(dz)
    sign_in(page, server, "/env/dev/glossaries")
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    page.on("console", lambda message: seen.append(f"console {message.type}: {message.text}"))
    page.goto("/docs")
    expect(page.get_by_role("heading", name="datamesh")).to_be_visible()
    expect(page.get_by_text("/api/v1/environments/{env}/drift")).to_be_visible()
    # "Try it out" acts in the browser's session, its state changes with the session's CSRF token.
    dz.add_response(
        "accept_subscription_request",
        subscription_request("ACCEPTED"),
        {"domainIdentifier": DOMAIN, "identifier": "r1", "decisionComment": "Approved"},
    )
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
