"""The paging helper asks each operation for no more than the page the service accepts: botocore
checks only the minimum of maxResults, so a page above the model's maximum would pass the Stubber
and be refused by DataZone (ListPolicyGrants and ListDomainUnitsForParent take at most 25)."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from datamesh.services.paging import PAGE_SIZE, items, page_size

REGION = "eu-west-1"


def _client(service: str = "datazone"):
    return boto3.client(service, region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")


def _paginated(client) -> list[tuple[str, int]]:
    """(method name, the model's maxResults maximum) of every paginated operation."""
    out = []
    model = client.meta.service_model
    for method, api in client.meta.method_to_api_mapping.items():
        if not client.can_paginate(method):
            continue
        members = model.operation_model(api).input_shape.members
        limit = members.get("maxResults") or members.get("MaxResults")
        if limit is not None and "max" in limit.metadata:
            out.append((method, int(limit.metadata["max"])))
    return out


@pytest.mark.parametrize("service", ["datazone", "lakeformation", "glue", "cloudformation"])
def test_no_page_is_larger_than_the_operation_accepts(service):
    client = _client(service)
    operations = _paginated(client)
    for method, maximum in operations:
        assert page_size(client, method) == min(PAGE_SIZE, maximum), method


def test_datazone_has_operations_below_the_default_page():
    """Guards the test above from passing vacuously: the 25-item operations exist and are capped."""
    client = _client()
    below = {method for method, maximum in _paginated(client) if maximum < PAGE_SIZE}
    assert {"list_policy_grants", "list_domain_units_for_parent"} <= below
    assert page_size(client, "list_policy_grants") == 25


def test_the_capped_page_is_what_the_client_sends():
    client = _client()
    stub = Stubber(client)
    params = {"domainIdentifier": "dzd_a", "parentDomainUnitIdentifier": "root"}
    stub.add_response(
        "list_domain_units_for_parent",
        {"items": [{"id": "u1", "name": "a"}], "nextToken": "t"},
        {**params, "maxResults": 25},
    )
    stub.add_response(
        "list_domain_units_for_parent",
        {"items": [{"id": "u2", "name": "b"}]},
        {**params, "maxResults": 25, "nextToken": "t"},
    )
    with stub:
        found = [u["id"] for u in items(client, "list_domain_units_for_parent", "listing units", **params)]
    assert found == ["u1", "u2"]
    stub.assert_no_pending_responses()
