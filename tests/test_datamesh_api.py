"""The REST API (datamesh/web/api.py) through FastAPI's TestClient, over the same services with
Stubber on real clients: every endpoint, every error mapping (RFC 9457 problem details)."""

from __future__ import annotations

import pytest
from botocore.exceptions import EndpointConnectionError
from fastapi.testclient import TestClient

from datamesh.errors import from_aws
from datamesh.services.projects import ProjectService
from tests.console_app import console_app, session_of, signed_in, site
from tests.datamesh_fakes import (
    DOMAIN,
    GLUE_FORM,
    QUALITY_FORM,
    TOKEN,
    get_asset,
    glossaries,
    grant,
    inbox,
    list_projects,
    overview,
    project_details,
    request_details,
    search_asset,
    subscription,
    subscription_request,
    term_names,
    terms,
    units,
    web_app,
)

BASE = "/api/v1/environments/dev"
PROBLEM = "application/problem+json"


@pytest.fixture
def api(aws):
    clients, stubs = aws
    client = TestClient(web_app(clients), base_url="http://127.0.0.1", headers={"Authorization": f"Bearer {TOKEN}"})
    yield client, stubs["datazone"]
    for stub in stubs.values():
        stub.assert_no_pending_responses()


def problem_of(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["status"] == status and body["instance"] and body["type"].startswith("urn:datamesh:problem:")
    assert "Traceback" not in response.text
    return body


def test_environments_come_from_the_yaml_without_aws(aws):
    clients, stubs = aws
    client = TestClient(web_app(clients), base_url="http://127.0.0.1", headers={"Authorization": f"Bearer {TOKEN}"})
    found = client.get("/api/v1/environments").json()
    assert [(e["name"], e["management_role"]) for e in found] == [
        ("dev", "acme-dev-datamesh-admin"),
        ("staging", "acme-staging-datamesh-admin"),
        ("prod", "acme-prod-datamesh-readonly"),
    ]
    # The domain stack was not read: its pre-answered DescribeStacks is still pending.
    with pytest.raises(AssertionError):
        stubs["cloudformation"].assert_no_pending_responses()


def test_an_environment_has_its_domain_units_and_counts(api):
    client, dz = api
    overview(dz)
    found = client.get(BASE).json()
    assert found["domain_id"] == DOMAIN
    assert [(u["name"], u["parent"]) for u in found["units"]] == [
        ("finance-domain-unit", "(root)"),
        ("sales-domain-unit", "(root)"),
    ]
    assert (found["projects"], found["glossaries"], found["declared_projects"]) == (2, 1, 6)


def test_projects_are_paginated_by_cursor(api):
    client, dz = api
    list_projects(dz)
    first = client.get(BASE + "/projects", params={"limit": 1}).json()
    assert [p["name"] for p in first["items"]] == ["finance-reporting-dev-project"] and first["total"] == 2
    list_projects(dz)
    second = client.get(BASE + "/projects", params={"limit": 1, "cursor": first["next_cursor"]}).json()
    assert [p["name"] for p in second["items"]] == ["sales-analytics-dev-project"]
    assert second["next_cursor"] is None


def test_a_project_with_its_members(api):
    client, dz = api
    project_details(dz)
    found = client.get(BASE + "/projects/finance-reporting").json()
    assert found["project"]["id"] == "p1" and found["members"][0]["designation"] == "PROJECT_OWNER"
    project_details(dz)
    members = client.get(BASE + "/projects/finance-reporting/members").json()
    assert members["items"] == [{"kind": "group", "id": "g1", "designation": "PROJECT_OWNER"}]


def test_assets_are_searched_and_shown_with_pii_and_named_terms(api):
    client, dz = api
    search_asset(dz, "finance_budget_data_table", "a1", searchText="budgets")
    assert client.get(BASE + "/assets", params={"q": "budgets"}).json()["items"][0]["id"] == "a1"
    list_projects(dz)
    search_asset(dz, "finance_budget_data_table", "a1", owningProjectIdentifier="p1")
    assert client.get(BASE + "/assets", params={"project": "finance-reporting"}).json()["total"] == 1
    search_asset(dz, "finance_budget_data_table", "a1", searchText="finance_budget_data_table")
    get_asset(dz, "finance_budget_data_table", "a1", [GLUE_FORM, QUALITY_FORM], terms=["t-Customer"])
    term_names(dz)
    found = client.get(BASE + "/assets/finance_budget_data_table").json()
    assert {c["name"]: c["pii"] for c in found["columns"]} == {"budget_id": False, "budget_owner_email": True}
    assert found["glossary_term_names"] == ["acme-enterprise-glossary/Customer"]
    assert [f["name"] for f in found["forms"]] == ["GlueTableForm", "DataQuality"]


def test_publishing_needs_a_confirmation_and_a_declared_table_is_refused(api):
    client, dz = api
    body = problem_of(client.post(BASE + "/assets/adhoc_churn_scores/publish", json={}), 422)
    assert body["errors"][0]["location"] == "body.confirm"
    search_asset(dz, "finance_budget_data_table", "a1", searchText="finance_budget_data_table")
    get_asset(dz, "finance_budget_data_table", "a1", [GLUE_FORM])
    refused = problem_of(client.post(BASE + "/assets/finance_budget_data_table/publish", json={"confirm": True}), 422)
    assert "declared in the YAML" in refused["detail"] and "published: true" in refused["detail"]


@pytest.mark.parametrize("action", ["publish", "unpublish"])
def test_an_undeclared_asset_is_published_and_unpublished(api, action):
    client, dz = api
    search_asset(dz, "adhoc_churn_scores", "a9", searchText="adhoc_churn_scores")
    get_asset(dz, "adhoc_churn_scores", "a9", [GLUE_FORM], listed=action == "unpublish")
    dz.add_response(
        "create_listing_change_set",
        {"listingId": "lst-9", "listingRevision": "1", "status": "ACTIVE"},
        {"domainIdentifier": DOMAIN, "entityIdentifier": "a9", "entityType": "ASSET", "action": action.upper()},
    )
    found = client.post(f"{BASE}/assets/adhoc_churn_scores/{action}", json={"confirm": True}).json()
    assert found == {"asset": "adhoc_churn_scores", "listing": "lst-9 ACTIVE"}


def test_listings_search_the_published_catalog(api):
    client, dz = api
    dz.add_response(
        "search_listings",
        {"items": [{"assetListing": {"listingId": "l1", "name": "finance_gl_transactions_table"}}]},
        {"domainIdentifier": DOMAIN, "searchText": "gl", "maxResults": 50},
    )
    assert client.get(BASE + "/listings", params={"q": "gl"}).json()["items"][0]["id"] == "l1"


def test_the_inbox_and_a_consumers_requests(api):
    client, dz = api
    inbox(dz, [subscription_request()])
    found = client.get(BASE + "/subscription-requests", params={"approver": "finance-reporting"}).json()
    assert [(r["id"], r["requester"], r["reason"]) for r in found["items"]] == [("r1", "sales-analytics", "dashboards")]
    list_projects(dz)
    dz.add_response(
        "list_subscription_requests",
        {"items": []},
        {"domainIdentifier": DOMAIN, "owningProjectId": "p2", "status": "ACCEPTED", "maxResults": 50},
    )
    params = {"requester": "sales-analytics", "status": "ACCEPTED"}
    assert client.get(BASE + "/subscription-requests", params=params).json()["items"] == []
    both = problem_of(client.get(BASE + "/subscription-requests"), 422)
    assert "exactly one of ?approver=" in both["detail"]
    assert problem_of(client.get(BASE + "/subscription-requests?approver=x&status=MAYBE"), 422)["errors"]


def test_a_request_is_made_read_accepted_and_rejected(api):
    client, dz = api
    list_projects(dz)
    dz.add_response(
        "search_listings",
        {"items": [{"assetListing": {"listingId": "l1", "name": "finance_gl_transactions_table"}}]},
        {"domainIdentifier": DOMAIN, "searchText": "finance_gl_transactions_table", "maxResults": 50},
    )
    dz.add_response(
        "create_subscription_request",
        subscription_request(),
        {
            "domainIdentifier": DOMAIN,
            "subscribedListings": [{"identifier": "l1"}],
            "subscribedPrincipals": [{"project": {"identifier": "p2"}}],
            "requestReason": "dashboards",
        },
    )
    body = {"listing": "finance_gl_transactions_table", "consumer": "sales-analytics", "reason": "dashboards"}
    made = client.post(BASE + "/subscription-requests", json=body)
    assert made.status_code == 201 and made.json()["status"] == "PENDING"
    request_details(dz)
    assert client.get(BASE + "/subscription-requests/r1").json()["listing_id"] == "l1"
    dz.add_response(
        "accept_subscription_request",
        subscription_request("ACCEPTED"),
        {"domainIdentifier": DOMAIN, "identifier": "r1", "decisionComment": "Approved"},
    )
    accepted = client.post(BASE + "/subscription-requests/r1/accept", json={"confirm": True})
    assert accepted.json()["status"] == "ACCEPTED"
    no_comment = problem_of(client.post(BASE + "/subscription-requests/r1/reject", json={"confirm": True}), 422)
    assert no_comment["errors"][0]["location"] == "body.comment"
    dz.add_response(
        "reject_subscription_request",
        subscription_request("REJECTED"),
        {"domainIdentifier": DOMAIN, "identifier": "r1", "decisionComment": "use the sample"},
    )
    rejected = client.post(
        BASE + "/subscription-requests/r1/reject", json={"confirm": True, "comment": "use the sample"}
    )
    assert rejected.json()["status"] == "REJECTED"


def test_subscriptions_their_grants_and_revoking_one(api):
    client, dz = api
    dz.add_response(
        "list_subscriptions",
        {"items": [subscription()]},
        {"domainIdentifier": DOMAIN, "subscriptionRequestIdentifier": "r1", "maxResults": 50},
    )
    found = client.get(BASE + "/subscriptions", params={"request_id": "r1"}).json()["items"]
    assert found == [
        {
            "id": "s1",
            "status": "APPROVED",
            "listing": "finance_gl_transactions_table",
            "subscriber": "sales-analytics-dev-project",
            "request_id": "r1",
        }
    ]
    problem_of(client.get(BASE + "/subscriptions"), 422)
    dz.add_response(
        "list_subscription_grants",
        {"items": [grant("COMPLETED")]},
        {"domainIdentifier": DOMAIN, "subscriptionId": "s1", "maxResults": 50},
    )
    assert client.get(BASE + "/subscriptions/s1/grants").json() == [{"id": "g1", "status": "COMPLETED", "failures": []}]
    dz.add_response(
        "revoke_subscription",
        subscription("REVOKED"),
        {"domainIdentifier": DOMAIN, "identifier": "s1", "retainPermissions": False},
    )
    assert client.post(BASE + "/subscriptions/s1/revoke", json={"confirm": True}).status_code == 204


def test_glossaries_and_their_terms(api):
    client, dz = api
    glossaries(dz, [("g1", "acme-enterprise-glossary")])
    assert client.get(BASE + "/glossaries").json()["items"][0]["name"] == "acme-enterprise-glossary"
    glossaries(dz, [("g1", "acme-enterprise-glossary")])
    terms(dz, "g1", [("Customer", "A party that buys"), ("Revenue", "Money in")])
    found = client.get(BASE + "/glossaries/acme-enterprise-glossary/terms", params={"limit": 1}).json()
    assert [t["name"] for t in found["items"]] == ["Customer"] and found["next_cursor"]


def test_drift_reports_what_differs(api):
    client, dz = api
    units(dz, "root-unit-1", [])
    dz.add_response("list_projects", {"items": []}, {"domainIdentifier": DOMAIN, "maxResults": 50})
    glossaries(dz, [])
    found = client.get(BASE + "/drift").json()
    assert found["environment"] == "dev" and found["domain_id"] == DOMAIN
    assert {"kind": "project", "name": "finance-reporting-dev-project", "state": "missing", "detail": ""} in found[
        "items"
    ]


# --- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "http", "status", "words"),
    [
        ("AccessDeniedException", 403, 403, "access denied"),
        ("ExpiredTokenException", 400, 503, "session credentials expired"),  # AWS's, not the console's sign-in
        ("ResourceNotFoundException", 404, 404, "not found"),
        ("ConflictException", 409, 409, "conflict"),
        ("ValidationException", 400, 422, "listing projects: bad"),
        ("ThrottlingException", 429, 429, "throttled"),
        ("InternalServerException", 500, 503, "unavailable"),
        ("ServiceQuotaExceededException", 402, 502, "ServiceQuotaExceededException"),
    ],
)
def test_aws_errors_are_problem_details(api, code, http, status, words):
    client, dz = api
    dz.add_client_error("list_projects", code, "bad", http)
    body = problem_of(client.get(BASE + "/projects"), status)
    assert words in body["detail"]
    if status == 429:
        dz.add_client_error("list_projects", code, "bad", http)
        assert client.get(BASE + "/projects").headers["retry-after"] == "30"


def test_an_unreachable_endpoint_is_504(api, monkeypatch):
    client, _ = api

    def unreachable(self):
        assert self.ctx.domain_id == DOMAIN
        error = EndpointConnectionError(endpoint_url="https://datazone.eu-west-1.amazonaws.com")
        raise from_aws(error, "listing projects")

    monkeypatch.setattr(ProjectService, "list", unreachable)
    body = problem_of(client.get(BASE + "/projects"), 504)
    assert "Could not connect" in body["detail"] and body["type"] == "urn:datamesh:problem:aws-unreachable"


def test_unknown_names_are_404_with_a_suggestion(api):
    client, dz = api
    list_projects(dz)
    body = problem_of(client.get(BASE + "/projects/finance-reportin"), 404)
    assert body["detail"] == "no project 'finance-reportin' in dev; did you mean 'finance-reporting'?"
    assert body["title"] == "Not Found" and body["instance"] == "/api/v1/environments/dev/projects/finance-reportin"
    unknown = problem_of(client.get("/api/v1/environments/dve/projects"), 404)["detail"]
    assert "unknown environment 'dve'" in unknown and unknown.endswith("did you mean 'dev'?")
    assert "/docs" in problem_of(client.get("/api/v1/nothing"), 404)["detail"]


def test_bad_paging_input_is_422(api):
    client, dz = api
    assert problem_of(client.get(BASE + "/projects", params={"limit": 500}), 422)["errors"][0]["location"] == (
        "query.limit"
    )
    list_projects(dz)
    assert "not one this API returned" in problem_of(client.get(BASE + "/projects?cursor=bogus"), 422)["detail"]


def test_an_unexpected_error_is_500_without_a_trace(aws, monkeypatch):
    clients, _ = aws

    def broken(self):
        raise KeyError("id")

    monkeypatch.setattr(ProjectService, "list", broken)
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    client = TestClient(web_app(clients), base_url="http://127.0.0.1", headers=bearer, raise_server_exceptions=False)
    body = problem_of(client.get(BASE + "/projects"), 500)
    assert body["detail"] == "an unexpected error; the server's log has the details" and "KeyError" not in str(body)


# --- sign-in, CSRF and hosts ----------------------------------------------------------------


def test_without_the_token_the_api_is_401(aws):
    clients, _ = aws
    client = TestClient(web_app(clients), base_url="http://127.0.0.1")
    refused = client.get("/api/v1/environments")
    assert "open the address 'datamesh serve' printed" in problem_of(refused, 401)["detail"]
    assert refused.headers["www-authenticate"] == "Bearer"
    wrong = client.get("/api/v1/environments", headers={"Authorization": "Bearer nope"})
    problem_of(wrong, 401)
    assert client.get("/login", params={"code": "nope"}).status_code == 401


def test_a_cookie_session_needs_its_csrf_token_to_change_anything(aws):
    clients, stubs = aws
    app = console_app(clients)
    client = signed_in(app)
    assert client.get("/api/v1/environments").json()[0]["name"] == "dev"
    assert client.cookies.get("datamesh_session") != TOKEN
    refused = problem_of(client.post(BASE + "/subscription-requests/r1/accept", json={"confirm": True}), 403)
    assert "CSRF" in refused["detail"]
    stubs["datazone"].add_response(
        "accept_subscription_request",
        subscription_request("ACCEPTED"),
        {"domainIdentifier": DOMAIN, "identifier": "r1", "decisionComment": "Approved"},
    )
    accepted = client.post(
        BASE + "/subscription-requests/r1/accept",
        json={"confirm": True},
        headers={"X-CSRF-Token": session_of(client).csrf_token},
    )
    assert accepted.json()["status"] == "ACCEPTED"


def test_an_open_redirect_after_login_goes_home(aws):
    clients, _ = aws
    app = console_app(clients)
    client = TestClient(app, base_url=site(app), follow_redirects=False)
    signed_in = client.get("/login", params={"code": app.state.guard.sign_in_code, "next": "//evil.example"})
    assert signed_in.headers["location"] == "/"
    form = client.post("/login", data={"token": TOKEN, "next": "/\\evil.example"})
    assert form.headers["location"] == "/"


def test_another_host_name_is_refused_against_dns_rebinding(aws):
    clients, _ = aws
    client = TestClient(
        web_app(clients), base_url="http://rebound.example", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert client.get("/api/v1/environments").status_code == 400


def test_the_openapi_document_lists_every_resource_and_its_problems(aws):
    clients, _ = aws
    client = TestClient(web_app(clients), base_url="http://127.0.0.1", headers={"Authorization": f"Bearer {TOKEN}"})
    spec = client.get("/openapi.json").json()
    paths = set(spec["paths"])
    assert {
        "/api/v1/environments",
        "/api/v1/environments/{env}",
        "/api/v1/environments/{env}/projects/{project}/members",
        "/api/v1/environments/{env}/assets/{asset}/publish",
        "/api/v1/environments/{env}/subscription-requests/{request_id}/reject",
        "/api/v1/environments/{env}/subscriptions/{subscription_id}/grants",
        "/api/v1/environments/{env}/glossaries/{glossary}/terms",
        "/api/v1/environments/{env}/drift",
    } <= paths
    assert not [p for p in paths if not p.startswith("/api/v1/")], "console pages stay out of the API document"
    responses = spec["paths"]["/api/v1/environments/{env}/projects"]["get"]["responses"]
    assert {"404", "422", "429", "503"} <= set(responses)


def test_invalid_requests_are_told_in_our_words_not_pydantics(aws):
    # Refused before any handler runs: no AWS call (the domain lookup stays unanswered).
    clients, _ = aws
    client = TestClient(web_app(clients), base_url="http://127.0.0.1", headers={"Authorization": f"Bearer {TOKEN}"})
    missing = problem_of(client.post(BASE + "/assets/adhoc_churn_scores/publish", json={}), 422)
    assert missing["errors"][0]["message"] == "required key 'confirm' is missing; add 'confirm: ...'"
    refused = problem_of(client.post(BASE + "/assets/adhoc_churn_scores/publish", json={"confirm": False}), 422)
    assert refused["errors"][0]["message"] == "expected one of True, got the boolean False; use one of: True"
    paging = problem_of(client.get(BASE + "/projects", params={"limit": "many"}), 422)
    assert paging["errors"][0]["message"] == (
        "expected a whole number, got the text 'many'; write digits only, without quotes (e.g. 3)"
    )
    broken = client.post(
        BASE + "/assets/adhoc_churn_scores/publish", content=b"{", headers={"Content-Type": "application/json"}
    )
    assert problem_of(broken, 422)["errors"][0]["message"].startswith("the body is not valid JSON (")
    for body in (missing, refused, paging, broken.json()):
        assert "Input should be" not in str(body) and "Field required" not in str(body)
