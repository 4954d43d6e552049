"""The web console in a real headless Chromium (Debian's, driven by Playwright) against the running
`datamesh serve` application, with Stubber answering for AWS: every page loads, passes axe-core's
WCAG 2 A/AA rules, the catalog is searched, and a subscription request is approved end to end.

A failing test leaves a screenshot in test-artifacts/screenshots/. With SCREENSHOTS_DIR set
(`make screenshots`), the pages are also saved there for the README.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Page, expect, sync_playwright

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
    web_app,
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


@pytest.fixture
def server(aws):
    """`datamesh serve`'s application on a free loopback port, over Stubber-backed clients."""
    clients, stubs = aws
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(web_app(clients), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", stubs["datazone"]
    server.should_exit = True
    thread.join(timeout=10)
    for stub in stubs.values():
        stub.assert_no_pending_responses()


@pytest.fixture
def page(browser, server, request):
    base, _ = server
    context = browser.new_context(base_url=base, viewport={"width": 1366, "height": 800})
    page = context.new_page()
    yield page
    report = getattr(request.node, "report_call", None)
    if report is None or report.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


def sign_in(page: Page, path: str) -> None:
    """The address `datamesh serve` prints, going on to ``path``."""
    page.goto(f"/login?token={TOKEN}&next={path}")


def accessible(page: Page, name: str) -> None:
    """axe-core's WCAG 2 A and AA rules find nothing; the page is saved for the README when asked."""
    page.add_script_tag(path=str(AXE))
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
    _, dz = server
    overview(dz)
    sign_in(page, "/env/dev")
    expect(page.get_by_role("heading", level=1)).to_have_text("dev")
    expect(page.get_by_text(DOMAIN)).to_be_visible()
    expect(page.get_by_role("link", name="2 projects")).to_be_visible()
    expect(page.get_by_role("cell", name="finance-domain-unit")).to_be_visible()
    accessible(page, "home")


def test_projects_and_a_project_with_its_members(page, server):
    _, dz = server
    list_projects(dz)
    sign_in(page, "/env/dev/projects")
    expect(page.get_by_role("row", name="sales-analytics-dev-project sales-analytics ACTIVE p2")).to_be_visible()
    accessible(page, "projects")
    project_details(dz)
    page.get_by_role("link", name="finance-reporting-dev-project").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("finance-reporting-dev-project")
    expect(page.get_by_role("row", name="group g1 PROJECT_OWNER")).to_be_visible()
    expect(page.get_by_role("cell", name="finance-analysts")).to_be_visible()  # declared in mesh.yaml
    accessible(page, "project")


def test_catalog_search_and_an_assets_columns_pii_terms_and_forms(page, server):
    _, dz = server
    search_asset(dz, "finance_budget_data_table", "a1")
    list_projects(dz)
    sign_in(page, "/env/dev/catalog")
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
    _, dz = server
    glossaries(dz, [("g1", "acme-enterprise-glossary")])
    list_projects(dz)
    sign_in(page, "/env/dev/glossaries")
    accessible(page, "glossaries")
    glossaries(dz, [("g1", "acme-enterprise-glossary")])
    terms(dz, "g1", [("Customer", "A party that buys from Acme")])
    page.get_by_role("link", name="acme-enterprise-glossary").click()
    expect(page.get_by_role("row", name="Customer A party that buys from Acme")).to_be_visible()
    accessible(page, "glossary")


def test_the_drift_report(page, server):
    _, dz = server
    units(dz, ROOT_UNIT, [])
    dz.add_response("list_projects", {"items": []}, {"domainIdentifier": DOMAIN, "maxResults": 50})
    glossaries(dz, [])
    sign_in(page, "/env/dev/drift")
    expect(page.get_by_role("row", name="project finance-reporting-dev-project missing")).to_be_visible()
    accessible(page, "drift")


def test_a_request_is_approved_end_to_end(page, server):
    _, dz = server
    sign_in(page, "/env/dev/inbox")
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
    _, dz = server
    request_details(dz)
    sign_in(page, "/env/dev/requests/r1/reject?project=finance-reporting")
    page.get_by_role("button", name="Confirm: reject").click()
    # The browser refuses the empty required field: nothing reached DataZone.
    expect(page.get_by_role("heading", level=1)).to_have_text("Reject this request?")
    assert page.get_by_label("Comment for sales-analytics (required)").evaluate("e => !e.validity.valid")
    confirm(page, dz, "reject", "Comment for sales-analytics (required)", "Use the anonymised sample")


def test_the_keyboard_reaches_the_content_first(page, server):
    _, dz = server
    glossaries(dz, [])
    list_projects(dz)
    sign_in(page, "/env/dev/glossaries")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def test_without_signing_in_the_console_says_how(page, server):
    _, dz = server
    page.goto("/env/dev")
    expect(page.get_by_role("alert")).to_contain_text("open the address 'datamesh serve' printed")
    accessible(page, "sign-in")
    glossaries(dz, [])
    list_projects(dz)
    sign_in(page, "/env/dev/glossaries")
    expect(page.get_by_role("heading", level=1)).to_have_text("Glossaries")
