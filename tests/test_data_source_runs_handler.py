"""The data-source runs handler (run, curate, publish) against botocore Stubber on a real DataZone client."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from botocore.stub import ANY, Stubber

from mesh_constructs.handlers import data_source_runs as handler
from mesh_constructs.handlers.support import SAFETY_MARGIN, WAIT_INTERVAL, WaitTimeout
from tests.conftest import LAMBDA_SECONDS

DOMAIN = "dzd_abc123def456"
PROJECT = "prj1"
SOURCE = "ds1"
GLOSSARY = "gls1"
ASSET = "finance_gl_transactions_table"
NOW = datetime(2026, 1, 1, tzinfo=UTC)
# A whole invocation's wait (the fake clock advances only by sleeping).
WAITED = LAMBDA_SECONDS - SAFETY_MARGIN


def table(publish: str = "true", **extra) -> dict:
    return {
        "Name": ASSET,
        "Publish": publish,
        "Terms": [{"GlossaryId": GLOSSARY, "Term": "Transaction"}],
        "ColumnTerms": [{"Column": "customer_id", "GlossaryId": GLOSSARY, "Term": "Customer"}],
        "Forms": [
            {
                "Name": "DataClassification",
                "TypeRevision": "3",
                "Content": json.dumps({"classification": "confidential", "contains_pii": False}),
                "TermFields": [{"Field": "business_term", "GlossaryId": GLOSSARY, "Term": "Transaction"}],
            }
        ],
        **extra,
    }


def event(request: str = "Create", *tables: dict) -> dict:
    return {
        "RequestType": request,
        "RequestId": "req-1",
        "PhysicalResourceId": f"{DOMAIN}/data-source-runs/products-finance",
        "ResourceProperties": {
            "DomainId": DOMAIN,
            "Name": "products-finance",
            "DataSources": [{"DataSourceId": SOURCE, "ProjectId": PROJECT, "Tables": list(tables or [table()])}],
        },
    }


def run(status: str, error: str | None = None) -> dict:
    out = {
        "domainId": DOMAIN,
        "dataSourceId": SOURCE,
        "id": "run1",
        "projectId": PROJECT,
        "status": status,
        "type": "PRIORITIZED",
        "createdAt": NOW,
        "updatedAt": NOW,
    }
    if error:
        out["errorMessage"] = {"errorType": "ACCESS_DENIED_EXCEPTION", "errorDetail": error}
    return out


def start_and_finish(stub: Stubber, *statuses: str) -> None:
    stub.add_response(
        "start_data_source_run",
        run("REQUESTED"),
        {"domainIdentifier": DOMAIN, "dataSourceIdentifier": SOURCE, "clientToken": ANY},
    )
    for status in statuses:
        stub.add_response("get_data_source_run", run(status), {"domainIdentifier": DOMAIN, "identifier": "run1"})


def found_asset(stub: Stubber) -> None:
    item = {
        "assetItem": {
            "domainId": DOMAIN,
            "identifier": "ast1",
            "name": ASSET,
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
            "searchText": ASSET,
            "maxResults": 50,
        },
    )


GLUE_FORM = {
    "formName": "GlueTableForm",
    "typeName": "amazon.datazone.GlueTableFormType",
    "typeRevision": "14",
    "content": '{"tableName": "finance_gl_transactions_table"}',
}


def asset(forms: list[dict], terms: list[str] | None = None, listing: str | None = None) -> dict:
    out = {
        "id": "ast1",
        "name": ASSET,
        "typeIdentifier": "amazon.datazone.GlueTableAssetType",
        "typeRevision": "1",
        "revision": "2",
        "owningProjectId": PROJECT,
        "domainId": DOMAIN,
        "formsOutput": forms,
        **({"glossaryTerms": terms} if terms else {}),
    }
    if listing:
        out["listing"] = {"listingId": "lst1", "listingStatus": listing}
    return out


def terms(stub: Stubber) -> None:
    items = [
        {"glossaryTermItem": {"domainId": DOMAIN, "glossaryId": GLOSSARY, "id": tid, "name": name, "status": "ENABLED"}}
        for name, tid in (("Transaction", "trm-tx"), ("Customer", "trm-cu"))
    ]
    stub.add_response("search", {"items": items})


OUR_FORM = {
    "formName": "DataClassification",
    "typeIdentifier": "DataClassification",
    "typeRevision": "3",
    "content": json.dumps({"classification": "confidential", "contains_pii": False, "business_term": ["trm-tx"]}),
}
COLUMN_FORM = {
    "formName": "ColumnBusinessMetadataForm",
    "typeIdentifier": "amazon.datazone.ColumnBusinessMetadataFormType",
    "content": json.dumps(
        {"columnsBusinessMetadata": [{"columnIdentifier": "customer_id", "glossaryTerms": ["trm-cu"]}]}
    ),
}


def test_create_runs_the_source_curates_the_asset_and_publishes_it(client, sleeps, deadline):
    with Stubber(client) as stub:
        start_and_finish(stub, "RUNNING", "SUCCESS")
        found_asset(stub)
        stub.add_response("get_asset", asset([GLUE_FORM]), {"domainIdentifier": DOMAIN, "identifier": "ast1"})
        terms(stub)
        stub.add_response(
            "create_asset_revision",
            {**asset([GLUE_FORM]), "revision": "3"},
            {
                "domainIdentifier": DOMAIN,
                "identifier": "ast1",
                "name": ASSET,
                "glossaryTerms": ["trm-tx"],
                "formsInput": [
                    {
                        "formName": "GlueTableForm",
                        "typeIdentifier": "amazon.datazone.GlueTableFormType",
                        "typeRevision": "14",
                        "content": GLUE_FORM["content"],
                    },
                    OUR_FORM,
                    COLUMN_FORM,
                ],
                "clientToken": ANY,
            },
        )
        stub.add_response(
            "create_listing_change_set",
            {"listingId": "lst1", "listingRevision": "1", "status": "CREATING"},
            {
                "domainIdentifier": DOMAIN,
                "entityIdentifier": "ast1",
                "entityType": "ASSET",
                "entityRevision": "3",
                "action": "PUBLISH",
                "clientToken": ANY,
            },
        )
        result = handler.handle(event(), client, deadline)
        stub.assert_no_pending_responses()
    assert result == {"PhysicalResourceId": f"{DOMAIN}/data-source-runs/products-finance"}
    assert sleeps == [WAIT_INTERVAL]


def test_rerun_of_a_curated_and_listed_asset_writes_nothing(client, deadline):
    current = [GLUE_FORM, *({k: v for k, v in f.items() if k != "typeIdentifier"} for f in (OUR_FORM, COLUMN_FORM))]
    with Stubber(client) as stub:
        start_and_finish(stub, "SUCCESS")
        found_asset(stub)
        stub.add_response("get_asset", asset(current, ["trm-tx"], listing="ACTIVE"))
        terms(stub)
        handler.handle(event("Update"), client, deadline)
        stub.assert_no_pending_responses()


def test_an_unpublished_table_that_is_listed_is_unpublished(client, deadline):
    bare = table(publish="false", Terms=[], ColumnTerms=[], Forms=[])
    with Stubber(client) as stub:
        start_and_finish(stub, "PARTIALLY_SUCCEEDED")
        found_asset(stub)
        stub.add_response("get_asset", asset([GLUE_FORM], listing="ACTIVE"))
        stub.add_response(
            "create_listing_change_set",
            {"listingId": "lst1", "listingRevision": "2", "status": "INACTIVE"},
            {
                "domainIdentifier": DOMAIN,
                "entityIdentifier": "ast1",
                "entityType": "ASSET",
                "entityRevision": "2",
                "action": "UNPUBLISH",
                "clientToken": ANY,
            },
        )
        handler.handle(event("Update", bare), client, deadline)
        stub.assert_no_pending_responses()


def test_a_failed_run_raises_with_the_run_error(client, deadline):
    with Stubber(client) as stub:
        stub.add_response("start_data_source_run", run("REQUESTED"))
        stub.add_response("get_data_source_run", run("FAILED", "Insufficient Lake Formation permission(s)"))
        with pytest.raises(handler.DataProductError) as raised:
            handler.handle(event(), client, deadline)
    assert "data source ds1 run run1 failed: Insufficient Lake Formation permission(s)" in str(raised.value)


def test_a_run_that_never_ends_times_out_with_a_clear_error(client, deadline):
    with Stubber(client) as stub:
        start_and_finish(stub, *["RUNNING"] * (WAITED // WAIT_INTERVAL + 1))
        with pytest.raises(WaitTimeout, match=f"gave up after {WAITED} s waiting for the runs of data sources ds1"):
            handler.handle(event(), client, deadline)
        stub.assert_no_pending_responses()


def test_a_table_missing_from_the_inventory_is_an_error(client, deadline):
    with Stubber(client) as stub:
        start_and_finish(stub, "SUCCESS")
        stub.add_response("search", {"items": []})
        with pytest.raises(handler.DataProductError, match="is not in the inventory of project prj1"):
            handler.handle(event(), client, deadline)


def test_an_unknown_glossary_term_is_an_error(client, deadline):
    with Stubber(client) as stub:
        start_and_finish(stub, "SUCCESS")
        found_asset(stub)
        stub.add_response("get_asset", asset([GLUE_FORM]))
        stub.add_response("search", {"items": []})  # the glossary has no terms
        with pytest.raises(handler.DataProductError, match="glossary gls1 has no term Transaction"):
            handler.handle(event(), client, deadline)


def test_a_throttled_revision_is_retried(client, sleeps, deadline):
    with Stubber(client) as stub:
        start_and_finish(stub, "SUCCESS")
        found_asset(stub)
        stub.add_response("get_asset", asset([GLUE_FORM], listing="ACTIVE"))
        terms(stub)
        stub.add_client_error("create_asset_revision", "ThrottlingException", http_status_code=429)
        stub.add_response("create_asset_revision", {**asset([GLUE_FORM]), "revision": "3"})
        stub.add_response("create_listing_change_set", {"listingId": "l", "listingRevision": "2", "status": "ACTIVE"})
        handler.handle(event("Update"), client, deadline)
        stub.assert_no_pending_responses()
    assert sleeps == [1]


def test_an_access_denied_start_propagates(client, deadline):
    with Stubber(client) as stub:
        stub.add_client_error("start_data_source_run", "AccessDeniedException", http_status_code=403)
        with pytest.raises(Exception, match="AccessDeniedException"):
            handler.handle(event(), client, deadline)


def test_delete_calls_nothing(client, deadline):
    with Stubber(client) as stub:
        result = handler.handle(event("Delete"), client, deadline)
        stub.assert_no_pending_responses()
    assert result == {"PhysicalResourceId": f"{DOMAIN}/data-source-runs/products-finance"}
