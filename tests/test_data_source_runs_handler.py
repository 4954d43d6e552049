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


# The asset as a previous run left it (GetAsset returns typeName, not typeIdentifier).
CURRENT = [GLUE_FORM, *({k: v for k, v in f.items() if k != "typeIdentifier"} for f in (OUR_FORM, COLUMN_FORM))]


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
    with Stubber(client) as stub:
        start_and_finish(stub, "SUCCESS")
        found_asset(stub)
        stub.add_response("get_asset", asset(CURRENT, ["trm-tx"], listing="ACTIVE"))
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


def test_an_asset_the_search_index_does_not_have_yet_is_awaited(client, sleeps, deadline):
    """Search lags the import: the run SUCCEEDED, the asset shows up a poll later."""
    with Stubber(client) as stub:
        start_and_finish(stub, "SUCCESS")
        stub.add_response("search", {"items": []})
        found_asset(stub)
        stub.add_response("get_asset", asset(CURRENT, ["trm-tx"], listing="ACTIVE"))
        terms(stub)
        handler.handle(event("Update"), client, deadline)
        stub.assert_no_pending_responses()
    assert sleeps == [WAIT_INTERVAL]


def test_a_table_that_never_reaches_the_inventory_fails_at_the_deadline(client, sleeps, deadline):
    with Stubber(client) as stub:
        start_and_finish(stub, "SUCCESS")
        for _ in range(WAITED // WAIT_INTERVAL + 1):
            stub.add_response("search", {"items": []})
        with pytest.raises(WaitTimeout) as raised:
            handler.handle(event(), client, deadline)
        stub.assert_no_pending_responses()
    assert str(raised.value).startswith(
        f"gave up after {WAITED} s waiting for table {ASSET} in the inventory of project prj1 after the run of data "
        "source ds1 (the search index follows an import within minutes; if it never appears, check that the Glue "
        "table exists and that the project role can DESCRIBE it)"
    )
    assert sum(sleeps) == WAITED


def test_a_term_the_search_index_does_not_have_yet_is_awaited(client, sleeps, deadline):
    with Stubber(client) as stub:
        start_and_finish(stub, "SUCCESS")
        found_asset(stub)
        stub.add_response("get_asset", asset(CURRENT, ["trm-tx"], listing="ACTIVE"))
        stub.add_response("search", {"items": []})  # the glossary's terms are not indexed yet
        terms(stub)
        handler.handle(event("Update"), client, deadline)
        stub.assert_no_pending_responses()
    assert sleeps == [WAIT_INTERVAL]


def test_a_term_that_never_appears_fails_at_the_deadline(client, deadline):
    with Stubber(client) as stub:
        start_and_finish(stub, "SUCCESS")
        found_asset(stub)
        stub.add_response("get_asset", asset([GLUE_FORM]))
        for _ in range(WAITED // WAIT_INTERVAL + 1):
            stub.add_response("search", {"items": []})  # the glossary has no terms
        with pytest.raises(WaitTimeout) as raised:
            handler.handle(event(), client, deadline)
        stub.assert_no_pending_responses()
    assert f"gave up after {WAITED} s waiting for term Transaction of glossary gls1 in the search index" in str(
        raised.value
    )
    assert "deploy the governance stack first" in str(raised.value)


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


# --- the merge: what the portal curated stays, what the YAML declares is set ------------------------


def column_form(*entries: dict, revision: str | None = "7") -> dict:
    """A ColumnBusinessMetadataForm as GetAsset returns it."""
    out = {
        "formName": "ColumnBusinessMetadataForm",
        "typeName": "amazon.datazone.ColumnBusinessMetadataFormType",
        "content": json.dumps({"columnsBusinessMetadata": list(entries)}),
    }
    return {**out, "typeRevision": revision} if revision else out


def our_form(revision: str = "3", **content) -> dict:
    values = {"classification": "confidential", "contains_pii": False, "business_term": ["trm-tx"], **content}
    return {
        "formName": "DataClassification",
        "typeName": "DataClassification",
        "typeRevision": revision,
        "content": json.dumps(values),
    }


def as_input(form: dict) -> dict:
    """A GetAsset form as CreateAssetRevision takes it again."""
    out = {k: v for k, v in form.items() if k != "typeName"}
    return {**out, "typeIdentifier": form["typeName"]}


def revision_written(stub: Stubber, forms: list[dict], terms: list[str], description: str | None = None) -> None:
    expected = {
        "domainIdentifier": DOMAIN,
        "identifier": "ast1",
        "name": ASSET,
        "formsInput": forms,
        "glossaryTerms": terms,
        "clientToken": ANY,
    }
    if description is not None:
        expected["description"] = description
    stub.add_response("create_asset_revision", {**asset([GLUE_FORM]), "revision": "3"}, expected)


def republished(stub: Stubber) -> None:
    stub.add_response(
        "create_listing_change_set",
        {"listingId": "lst1", "listingRevision": "2", "status": "ACTIVE"},
        {
            "domainIdentifier": DOMAIN,
            "entityIdentifier": "ast1",
            "entityType": "ASSET",
            "entityRevision": "3",
            "action": "PUBLISH",
            "clientToken": ANY,
        },
    )


DESCRIBED = table(
    ColumnDescriptions=[
        {"Column": "amount", "Description": "Signed amount in the transaction currency"},
        {"Column": "customer_id", "Description": "CRM customer id"},
    ]
)
DESCRIPTION = "General-ledger postings, one row per journal line"


def test_curated_columns_and_keys_stay_and_the_yaml_descriptions_are_written(client, deadline):
    """ColumnBusinessMetadataForm is merged into, never rebuilt: a column the YAML does not name, a
    term added in the portal, the asset's description and its other forms are sent again as they are."""
    status = {"columnIdentifier": "status", "description": "Curated in the portal", "glossaryTerms": ["trm-st"]}
    customer = {"columnIdentifier": "customer_id", "glossaryTerms": ["trm-pii"], "description": "Customer"}
    current = [GLUE_FORM, our_form(), column_form(status, customer)]
    with Stubber(client) as stub:
        start_and_finish(stub, "SUCCESS")
        found_asset(stub)
        stub.add_response("get_asset", {**asset(current, ["trm-tx", "trm-own"], "ACTIVE"), "description": DESCRIPTION})
        terms(stub)
        merged = column_form(
            status,
            {
                "columnIdentifier": "customer_id",
                "glossaryTerms": ["trm-pii", "trm-cu"],
                "description": "CRM customer id",
            },
            {"columnIdentifier": "amount", "description": "Signed amount in the transaction currency"},
        )
        revision_written(
            stub, [as_input(GLUE_FORM), as_input(our_form()), as_input(merged)], ["trm-tx", "trm-own"], DESCRIPTION
        )
        republished(stub)
        handler.handle(event("Update", DESCRIBED), client, deadline)
        stub.assert_no_pending_responses()


def test_no_revision_when_nothing_declared_differs_whatever_the_portal_added(client, deadline):
    """Only what the YAML declares is compared: more columns, keys, terms and field values are no change."""
    current = [
        GLUE_FORM,
        our_form(retention="7 years"),
        column_form(
            {"columnIdentifier": "status", "description": "Curated in the portal"},
            {
                "columnIdentifier": "customer_id",
                "glossaryTerms": ["trm-cu", "trm-pii"],
                "description": "CRM customer id",
                "readme": "x",
            },
            {"columnIdentifier": "amount", "description": "Signed amount in the transaction currency"},
        ),
    ]
    with Stubber(client) as stub:
        start_and_finish(stub, "SUCCESS")
        found_asset(stub)
        stub.add_response("get_asset", {**asset(current, ["trm-own", "trm-tx"], "ACTIVE"), "description": "Mine"})
        terms(stub)
        handler.handle(event("Update", DESCRIBED), client, deadline)
        stub.assert_no_pending_responses()


def test_a_new_form_revision_moves_the_form_keeping_the_values_its_model_still_has(client, deadline):
    """A form field changed in the YAML makes a new form revision: the asset's form follows it, with
    the values of the fields the new model has (retention) and without those it dropped (obsolete)."""
    declared = table(
        Forms=[
            {
                **table()["Forms"][0],
                "TypeRevision": "4",
                "Fields": ["business_term", "classification", "contains_pii", "retention"],
            }
        ]
    )
    current = [
        GLUE_FORM,
        our_form(retention="7 years", obsolete="gone"),
        column_form(*json.loads(COLUMN_FORM["content"])["columnsBusinessMetadata"]),
    ]
    with Stubber(client) as stub:
        start_and_finish(stub, "SUCCESS")
        found_asset(stub)
        stub.add_response("get_asset", asset(current, ["trm-tx"], "ACTIVE"))
        terms(stub)
        moved = {
            "formName": "DataClassification",
            "typeIdentifier": "DataClassification",
            "typeRevision": "4",
            "content": json.dumps(
                {
                    "classification": "confidential",
                    "contains_pii": False,
                    "business_term": ["trm-tx"],
                    "retention": "7 years",
                }
            ),
        }
        revision_written(stub, [as_input(GLUE_FORM), moved, as_input(current[2])], ["trm-tx"])
        republished(stub)
        handler.handle(event("Update", declared), client, deadline)
        stub.assert_no_pending_responses()


def test_what_the_previous_deployment_declared_and_this_one_does_not_is_taken_back(client, deadline):
    """OldResourceProperties says what the YAML declared before: a term removed from the YAML leaves
    the asset and the column; a description removed leaves too unless it was edited since."""
    before = table(
        Terms=[{"GlossaryId": GLOSSARY, "Term": "Transaction"}, {"GlossaryId": GLOSSARY, "Term": "Customer"}],
        ColumnDescriptions=[
            {"Column": "customer_id", "Description": "CRM customer id"},
            {"Column": "amount", "Description": "Signed amount"},
        ],
    )
    now = table(ColumnTerms=[])
    current = [
        GLUE_FORM,
        our_form(),
        column_form(
            {
                "columnIdentifier": "customer_id",
                "glossaryTerms": ["trm-cu", "trm-pii"],
                "description": "CRM customer id",
            },
            {"columnIdentifier": "amount", "description": "Signed amount, edited in the portal"},
        ),
    ]
    request = event("Update", now)
    request["OldResourceProperties"] = event("Update", before)["ResourceProperties"]
    with Stubber(client) as stub:
        start_and_finish(stub, "SUCCESS")
        found_asset(stub)
        stub.add_response("get_asset", asset(current, ["trm-tx", "trm-cu", "trm-own"], "ACTIVE"))
        terms(stub)
        taken_back = column_form(
            {"columnIdentifier": "customer_id", "glossaryTerms": ["trm-pii"]},
            {"columnIdentifier": "amount", "description": "Signed amount, edited in the portal"},
        )
        revision_written(stub, [as_input(GLUE_FORM), as_input(our_form()), as_input(taken_back)], ["trm-tx", "trm-own"])
        republished(stub)
        handler.handle(request, client, deadline)
        stub.assert_no_pending_responses()


def test_more_terms_than_an_asset_takes_is_an_error_naming_the_way_out(client, deadline):
    curated = [f"trm-{n}" for n in range(20)]
    with Stubber(client) as stub:
        start_and_finish(stub, "SUCCESS")
        found_asset(stub)
        stub.add_response("get_asset", asset(CURRENT, curated, "ACTIVE"))
        terms(stub)
        with pytest.raises(handler.DataProductError, match="would carry 21 glossary terms, DataZone allows 20"):
            handler.handle(event("Update"), client, deadline)
