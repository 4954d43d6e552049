"""The lineage handler against botocore Stubber on a real DataZone client (real service model)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from mesh_constructs.handlers import lineage as handler
from mesh_constructs.handlers.support import RETRY_DELAYS, client_token

NOW = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
GLUE = "arn:aws:glue:eu-west-1:123456789012"
PROPS = {
    "DomainId": "dzd_abc123",
    "Producer": "urn:acme-data-mesh:mesh.yaml",
    "JobNamespace": "acme-dev-mesh",
    "JobName": "finance_dev_catalog.finance_pnl_reports_table",
    "Inputs": [
        {"Namespace": GLUE, "Name": "table/finance_dev_catalog/finance_gl_transactions_table"},
        {"Namespace": GLUE, "Name": "table/finance_dev_catalog/finance_budget_data_table"},
    ],
    "Outputs": [{"Namespace": GLUE, "Name": "table/finance_dev_catalog/finance_pnl_reports_table"}],
}
PHYSICAL = "lineage/acme-dev-mesh/finance_dev_catalog.finance_pnl_reports_table"


def event(kind: str = "Create", props: dict | None = None) -> dict:
    found = {"RequestType": kind, "ResourceProperties": props or PROPS}
    if kind != "Create":
        found["PhysicalResourceId"] = PHYSICAL
    return found


def expected_post(props: dict = PROPS) -> dict:
    run = handler.run_id(props)
    body = handler.run_event(props, NOW)
    return {
        "domainIdentifier": props["DomainId"],
        "event": json.dumps(body, sort_keys=True).encode(),
        "clientToken": client_token("lineage", props["DomainId"], run),
    }


def test_create_posts_one_openlineage_run_event_naming_the_glue_tables(client, deadline):
    with Stubber(client) as stub:
        stub.add_response("post_lineage_event", {"id": "ev-1", "domainId": "dzd_abc123"}, expected_post())
        result = handler.handle(event(), client, deadline, NOW)
        stub.assert_no_pending_responses()
    assert result == {"PhysicalResourceId": PHYSICAL, "Data": {"RunId": handler.run_id(PROPS), "EventId": "ev-1"}}
    body = handler.run_event(PROPS, NOW)
    assert body["eventType"] == "COMPLETE" and body["schemaURL"].endswith("#/definitions/RunEvent")
    assert body["inputs"][0] == {"namespace": GLUE, "name": "table/finance_dev_catalog/finance_gl_transactions_table"}
    assert body["outputs"] == [{"namespace": GLUE, "name": "table/finance_dev_catalog/finance_pnl_reports_table"}]
    assert body["eventTime"] == "2026-12-01T18:00:00.000000Z"


def test_the_same_declaration_is_the_same_run_whatever_the_order_or_the_time():
    reordered = {**PROPS, "Inputs": list(reversed(PROPS["Inputs"])), "Producer": "urn:other"}
    assert handler.run_id(reordered) == handler.run_id(PROPS)
    assert handler.run_event(PROPS, NOW)["run"] == handler.run_event(PROPS, datetime.now(UTC))["run"]
    changed = {**PROPS, "Inputs": PROPS["Inputs"][:1]}
    assert handler.run_id(changed) != handler.run_id(PROPS)


def test_update_with_a_new_input_posts_a_new_run_under_the_same_physical_id(client, deadline):
    props = {**PROPS, "Inputs": PROPS["Inputs"][:1]}
    with Stubber(client) as stub:
        stub.add_response("post_lineage_event", {"id": "ev-2"}, expected_post(props))
        result = handler.handle(event("Update", props), client, deadline, NOW)
        stub.assert_no_pending_responses()
    assert result["PhysicalResourceId"] == PHYSICAL
    assert result["Data"]["RunId"] == handler.run_id(props) != handler.run_id(PROPS)


def test_throttling_is_retried_with_the_same_client_token(client, deadline, sleeps):
    with Stubber(client) as stub:
        stub.add_client_error("post_lineage_event", "ThrottlingException", expected_params=expected_post())
        stub.add_client_error("post_lineage_event", "ConflictException", expected_params=expected_post())
        stub.add_response("post_lineage_event", {"id": "ev-1"}, expected_post())
        assert handler.handle(event(), client, deadline, NOW)["Data"]["EventId"] == "ev-1"
        stub.assert_no_pending_responses()
    assert list(sleeps) == list(RETRY_DELAYS[:2])


def test_throttling_that_outlasts_the_retries_is_raised(client, deadline):
    with Stubber(client) as stub:
        for _ in range(len(RETRY_DELAYS) + 1):
            stub.add_client_error("post_lineage_event", "ThrottlingException", expected_params=expected_post())
        with pytest.raises(ClientError, match="ThrottlingException"):
            handler.handle(event(), client, deadline, NOW)


@pytest.mark.parametrize("code", ["ValidationException", "AccessDeniedException", "ResourceNotFoundException"])
def test_a_refused_event_fails_the_deployment_at_once(client, deadline, sleeps, code):
    with Stubber(client) as stub:
        stub.add_client_error("post_lineage_event", code, "refused", expected_params=expected_post())
        with pytest.raises(ClientError, match=code):
            handler.handle(event(), client, deadline, NOW)
        stub.assert_no_pending_responses()
    assert list(sleeps) == []


def test_delete_calls_nothing_a_run_that_happened_stays_recorded(client, deadline):
    with Stubber(client) as stub:
        assert handler.handle(event("Delete"), client, deadline, NOW) == {"PhysicalResourceId": PHYSICAL}
        stub.assert_no_pending_responses()
