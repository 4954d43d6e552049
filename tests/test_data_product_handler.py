"""The data-product handler against botocore Stubber on a real DataZone client."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from botocore.exceptions import ClientError
from botocore.stub import ANY, Stubber

from mesh_constructs.handlers import data_product as handler
from mesh_constructs.handlers.support import WAIT_INTERVAL, WaitTimeout

DOMAIN = "dzd_abc123def456"
PROJECT = "prj-owner"
OTHER = "prj-other"
NAME = "customer360"
ASSETS = ("finance_customer_profiles_table", "finance_customer_revenue_table")
ASSET_IDS = {"finance_customer_profiles_table": "ast1", "finance_customer_revenue_table": "ast2"}
GLOSSARY = "gls1"
NOW = datetime(2026, 1, 1, tzinfo=UTC)
FORM_CONTENT = {"owner_team": "c360", "owner_email": "c360@acme.example"}
PROPS = {
    "DomainId": DOMAIN,
    "ProjectId": PROJECT,
    "Name": NAME,
    "Description": "Everything about a customer",
    "Assets": list(ASSETS),
    "Terms": [{"GlossaryId": GLOSSARY, "Term": "Customer"}],
    "Forms": [{"Name": "DataProductOwner", "TypeRevision": "3", "Content": json.dumps(FORM_CONTENT), "TermFields": []}],
}
ITEMS = [{"itemType": "ASSET", "identifier": "ast1"}, {"itemType": "ASSET", "identifier": "ast2"}]
FORMS_INPUT = [
    {
        "formName": "DataProductOwner",
        "typeIdentifier": "DataProductOwner",
        "typeRevision": "3",
        "content": json.dumps(FORM_CONTENT, sort_keys=True),
    }
]
WANTED = {
    "name": NAME,
    "description": "Everything about a customer",
    "items": ITEMS,
    "formsInput": FORMS_INPUT,
    "glossaryTerms": ["trm-cu"],
}


def event(request: str = "Create", old: dict | None = None, **changes) -> dict:
    out = {"RequestType": request, "ResourceProperties": {**PROPS, **changes}, "PhysicalResourceId": "dp1"}
    if request == "Create":
        out["PhysicalResourceId"] = "req-1"
    if old is not None:
        out["OldResourceProperties"] = old
    return out


def assets_found(stub: Stubber, names=ASSETS) -> None:
    for name in names:
        item = {
            "assetItem": {
                "domainId": DOMAIN,
                "identifier": ASSET_IDS[name],
                "name": name,
                "typeIdentifier": "t",
                "typeRevision": "1",
                "owningProjectId": PROJECT,
            }
        }
        stub.add_response(
            "search",
            {"items": [item]},
            {
                "domainIdentifier": DOMAIN,
                "searchScope": "ASSET",
                "owningProjectIdentifier": PROJECT,
                "searchText": name,
                "maxResults": 50,
            },
        )


def terms_found(stub: Stubber) -> None:
    item = {
        "glossaryTermItem": {
            "domainId": DOMAIN,
            "glossaryId": GLOSSARY,
            "id": "trm-cu",
            "name": "Customer",
            "status": "ENABLED",
        }
    }
    stub.add_response("search", {"items": [{**item}]})


def declared(stub: Stubber) -> None:
    assets_found(stub)
    terms_found(stub)


def product_search(stub: Stubber, project: str | None = PROJECT, found: str | None = None) -> None:
    items = []
    if found is not None:
        items = [{"dataProductItem": {"domainId": DOMAIN, "id": "dp1", "name": NAME, "owningProjectId": found}}]
    params = {"domainIdentifier": DOMAIN, "searchScope": "DATA_PRODUCT", "searchText": NAME, "maxResults": 50}
    if project is not None:
        params["owningProjectIdentifier"] = project
    stub.add_response("search", {"items": items}, params)


def product(revision: str = "1", status: str = "CREATED", **changes) -> dict:
    out = {
        "domainId": DOMAIN,
        "id": "dp1",
        "revision": revision,
        "owningProjectId": PROJECT,
        "name": NAME,
        "status": status,
        "description": "Everything about a customer",
        "glossaryTerms": ["trm-cu"],
        "items": ITEMS,
        "formsOutput": [
            {
                "formName": "DataProductOwner",
                "typeName": "DataProductOwner",
                "typeRevision": "3",
                "content": json.dumps(FORM_CONTENT),
            }
        ],
    }
    out.update(changes)
    return out


def get_product(stub: Stubber, body: dict | None = None) -> None:
    stub.add_response("get_data_product", body or product(), {"domainIdentifier": DOMAIN, "identifier": "dp1"})


def listings(stub: Stubber, revision: str | None = None) -> None:
    items = []
    if revision is not None:
        items = [
            {
                "dataProductListing": {
                    "listingId": "lst1",
                    "name": NAME,
                    "entityId": "dp1",
                    "entityRevision": revision,
                    "owningProjectId": PROJECT,
                }
            }
        ]
    stub.add_response(
        "search_listings", {"items": items}, {"domainIdentifier": DOMAIN, "searchText": NAME, "maxResults": 50}
    )


def change_set(stub: Stubber, revision: str, action: str = "PUBLISH") -> None:
    stub.add_response(
        "create_listing_change_set",
        {"listingId": "lst1", "listingRevision": "1", "status": "ACTIVE"},
        {
            "domainIdentifier": DOMAIN,
            "entityIdentifier": "dp1",
            "entityType": "DATA_PRODUCT",
            "entityRevision": revision,
            "action": action,
            "clientToken": ANY,
        },
    )


def created(revision: str = "1") -> dict:
    return {k: v for k, v in product(revision).items() if k != "formsOutput"}


def test_create_finds_the_assets_creates_waits_and_publishes_as_one_listing(client, deadline):
    with Stubber(client) as stub:
        declared(stub)
        product_search(stub)  # not in the project (a first Create)
        product_search(stub, project=None)  # nor elsewhere in the domain
        stub.add_response(
            "create_data_product",
            created(),
            {"domainIdentifier": DOMAIN, "owningProjectIdentifier": PROJECT, **WANTED, "clientToken": ANY},
        )
        get_product(stub, product(status="CREATING"))
        get_product(stub)
        listings(stub)
        change_set(stub, "1")
        result = handler.handle(event(), client, deadline)
        stub.assert_no_pending_responses()
    assert result == {"PhysicalResourceId": "dp1", "Data": {"DataProductId": "dp1"}}


def test_a_retried_create_adopts_the_product_of_that_name_in_the_project(client, deadline):
    with Stubber(client) as stub:
        declared(stub)
        product_search(stub, found=PROJECT)
        get_product(stub)
        get_product(stub)  # not CREATING
        listings(stub, revision="1")
        result = handler.handle(event(), client, deadline)
        stub.assert_no_pending_responses()
    assert result["PhysicalResourceId"] == "dp1"


def test_a_product_of_that_name_in_another_project_is_refused(client, deadline):
    with Stubber(client) as stub:
        declared(stub)
        product_search(stub)
        product_search(stub, project=None, found=OTHER)
        with pytest.raises(handler.DataProductError, match=f"exists in project {OTHER} already"):
            handler.handle(event(), client, deadline)


def test_update_with_nothing_changed_writes_no_revision(client, deadline):
    with Stubber(client) as stub:
        declared(stub)
        get_product(stub)
        get_product(stub)
        listings(stub, revision="1")
        result = handler.handle(event("Update", old=dict(PROPS)), client, deadline)
        stub.assert_no_pending_responses()
    assert result["PhysicalResourceId"] == "dp1"


def test_update_with_nothing_changed_publishes_a_revision_not_listed_yet(client, deadline):
    with Stubber(client) as stub:
        declared(stub)
        get_product(stub, product(revision="2"))
        get_product(stub, product(revision="2"))
        listings(stub, revision="1")
        change_set(stub, "2")
        handler.handle(event("Update", old=dict(PROPS)), client, deadline)
        stub.assert_no_pending_responses()


def test_a_changed_asset_list_makes_a_new_revision_and_publishes_it(client, deadline):
    with Stubber(client) as stub:
        assets_found(stub, ASSETS[:1])
        terms_found(stub)
        get_product(stub)
        wanted = {**WANTED, "items": ITEMS[:1]}
        stub.add_response(
            "create_data_product_revision",
            created("2"),
            {"domainIdentifier": DOMAIN, "identifier": "dp1", **wanted, "clientToken": ANY},
        )
        get_product(stub, product(revision="2"))
        listings(stub, revision="1")
        change_set(stub, "2")
        handler.handle(event("Update", old=dict(PROPS), Assets=[ASSETS[0]]), client, deadline)
        stub.assert_no_pending_responses()


def test_a_form_at_another_type_revision_is_a_change(client, deadline):
    current = product()
    current["formsOutput"][0]["typeRevision"] = "2"
    assert handler.differs(current, WANTED)
    assert not handler.differs(product(), WANTED)
    # The order of assets does not count.
    assert not handler.differs(product(items=list(reversed(ITEMS))), WANTED)


def test_glossary_term_form_fields_are_resolved_to_term_ids(client, deadline):
    form = {"Name": "DataClassification", "TypeRevision": "1", "Content": '{"classification": "internal"}'}
    form["TermFields"] = [{"Field": "business_term", "GlossaryId": GLOSSARY, "Term": "Customer"}]
    with Stubber(client) as stub:
        assets_found(stub)
        terms_found(stub)
        wanted = handler.declared(client, {**PROPS, "Terms": [], "Forms": [form]}, deadline)
    assert json.loads(wanted["formsInput"][0]["content"]) == {"classification": "internal", "business_term": ["trm-cu"]}
    assert "glossaryTerms" not in wanted


def test_throttled_create_is_retried_with_backoff(client, sleeps, deadline):
    with Stubber(client) as stub:
        declared(stub)
        product_search(stub)
        product_search(stub, project=None)
        stub.add_client_error("create_data_product", "ThrottlingException", http_status_code=429)
        stub.add_client_error("create_data_product", "ThrottlingException", http_status_code=429)
        stub.add_response("create_data_product", created())
        get_product(stub)
        listings(stub)
        change_set(stub, "1")
        handler.handle(event(), client, deadline)
        stub.assert_no_pending_responses()
    assert sleeps == [1, 2]


def test_a_failed_create_stops_with_an_error(client, deadline):
    with Stubber(client) as stub:
        declared(stub)
        product_search(stub)
        product_search(stub, project=None)
        stub.add_response("create_data_product", created())
        get_product(stub, product(status="CREATE_FAILED"))
        with pytest.raises(handler.DataProductError, match="CREATE_FAILED"):
            handler.handle(event(), client, deadline)


def test_access_denied_on_create_propagates(client, deadline):
    with Stubber(client) as stub:
        declared(stub)
        product_search(stub)
        product_search(stub, project=None)
        stub.add_client_error("create_data_product", "AccessDeniedException", http_status_code=403)
        with pytest.raises(ClientError, match="AccessDeniedException"):
            handler.handle(event(), client, deadline)


def test_an_asset_never_in_the_inventory_times_out_with_a_clear_error(client, sleeps, deadline):
    with Stubber(client) as stub:
        for _ in range(60):
            stub.add_response("search", {"items": []})
        with pytest.raises(WaitTimeout, match=f"asset {ASSETS[0]} in the inventory of project {PROJECT}"):
            handler.handle(event(), client, deadline)
    assert set(sleeps) == {WAIT_INTERVAL}


def test_a_new_owner_project_makes_a_new_product(client, deadline):
    """Another owner is a new product (CloudFormation then deletes the old one): the physical id of
    the old project is not looked up."""
    with Stubber(client) as stub:
        declared(stub)
        product_search(stub)
        product_search(stub, project=None)
        stub.add_response("create_data_product", created())
        get_product(stub)
        listings(stub)
        change_set(stub, "1")
        handler.handle(event("Update", old={**PROPS, "ProjectId": OTHER}), client, deadline)
        stub.assert_no_pending_responses()


def test_delete_unpublishes_then_deletes(client, deadline):
    with Stubber(client) as stub:
        get_product(stub, product(revision="3"))
        listings(stub, revision="3")
        change_set(stub, "3", "UNPUBLISH")
        stub.add_response("delete_data_product", {}, {"domainIdentifier": DOMAIN, "identifier": "dp1"})
        assert handler.handle(event("Delete"), client, deadline) == {"PhysicalResourceId": "dp1"}
        stub.assert_no_pending_responses()


def test_delete_of_an_unlisted_product_retries_a_conflict(client, sleeps, deadline):
    with Stubber(client) as stub:
        get_product(stub)
        listings(stub)
        stub.add_client_error("delete_data_product", "ConflictException", http_status_code=409)
        stub.add_response("delete_data_product", {})
        handler.handle(event("Delete"), client, deadline)
        stub.assert_no_pending_responses()
    assert sleeps == [1]


def test_delete_tolerates_a_product_already_gone(client, deadline):
    with Stubber(client) as stub:
        stub.add_client_error("get_data_product", "ResourceNotFoundException", http_status_code=404)
        handler.handle(event("Delete"), client, deadline)
        stub.assert_no_pending_responses()


def test_delete_tolerates_a_product_deleted_meanwhile(client, deadline):
    with Stubber(client) as stub:
        get_product(stub)
        listings(stub)
        stub.add_client_error("delete_data_product", "ResourceNotFoundException", http_status_code=404)
        handler.handle(event("Delete"), client, deadline)
        stub.assert_no_pending_responses()


def test_delete_tolerates_the_domain_gone(client, deadline):
    with Stubber(client) as stub:
        stub.add_client_error("get_data_product", "AccessDeniedException", http_status_code=403)
        stub.add_client_error("get_domain", "ResourceNotFoundException", http_status_code=404)
        handler.handle(event("Delete"), client, deadline)
        stub.assert_no_pending_responses()


def test_delete_after_a_failed_create_has_nothing_to_delete(client, deadline):
    with Stubber(client) as stub:
        stub.add_client_error("get_data_product", "ValidationException", http_status_code=400)
        handler.handle(event("Delete"), client, deadline)
        stub.assert_no_pending_responses()


def test_delete_denied_in_a_live_domain_propagates(client, deadline):
    with Stubber(client) as stub:
        get_product(stub)
        listings(stub)
        stub.add_client_error("delete_data_product", "AccessDeniedException", http_status_code=403)
        with pytest.raises(ClientError, match="AccessDeniedException"):
            handler.handle(event("Delete"), client, deadline)
