"""In-memory stand-ins for the two services of the Lake Formation grants handler, for tests that
follow the state across several handler calls (two grant sets, both deletion orders). Each
request is validated against the real botocore service model, as Stubber does; the request
shapes and failure paths themselves are tested with Stubber.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from typing import Any

import botocore.session
from botocore.validate import validate_parameters

_SESSION = botocore.session.get_session()


def _validated(service: str, operation: str, params: dict[str, Any]) -> None:
    model = _SESSION.get_service_model(service).operation_model(operation)
    validate_parameters(params, model.input_shape)


class FakeRegistryTable:
    """The DynamoDB calls of ``GrantRegistry`` (Scan, BatchWriteItem) over a dict of items keyed
    by (Grant, GrantSet). Reads see every write before them, as a strongly consistent read does."""

    def __init__(self, table: str) -> None:
        self.table = table
        self.items: dict[tuple[str, str], dict[str, Any]] = {}

    def get_paginator(self, operation: str) -> FakeRegistryTable:
        assert operation == "scan"
        return self

    def paginate(self, **params: Any) -> Iterator[dict[str, Any]]:
        _validated("dynamodb", "Scan", params)
        assert params == {"TableName": self.table, "ConsistentRead": True}
        yield {"Items": [copy.deepcopy(i) for i in self.items.values()]}

    def batch_write_item(self, **params: Any) -> dict[str, Any]:
        _validated("dynamodb", "BatchWriteItem", params)
        requests = params["RequestItems"][self.table]
        assert len(requests) <= 25
        for request in requests:
            if "PutRequest" in request:
                item = request["PutRequest"]["Item"]
                self.items[(item["Grant"]["S"], item["GrantSet"]["S"])] = copy.deepcopy(item)
            else:
                key = request["DeleteRequest"]["Key"]
                self.items.pop((key["Grant"]["S"], key["GrantSet"]["S"]), None)
        return {"UnprocessedItems": {}}

    def sets(self) -> set[str]:
        return {grant_set for _, grant_set in self.items}


class FakeLakeFormation:
    """Lake Formation's data permissions: one set of permissions (and of grant options) per
    principal and resource, whoever granted them; revoking a permission takes its grant option
    with it. ``before_revoke`` runs once, just before the next revoke (a concurrent deployment)."""

    def __init__(self) -> None:
        self.granted: dict[tuple[str, str], tuple[set[str], set[str]]] = {}
        self.before_revoke: Callable[[], None] | None = None

    @staticmethod
    def _key(entry: dict[str, Any]) -> tuple[str, str]:
        return entry["Principal"]["DataLakePrincipalIdentifier"], json.dumps(entry["Resource"], sort_keys=True)

    def batch_grant_permissions(self, **params: Any) -> dict[str, Any]:
        _validated("lakeformation", "BatchGrantPermissions", params)
        for entry in params["Entries"]:
            perms, grantable = self.granted.setdefault(self._key(entry), (set(), set()))
            perms |= set(entry["Permissions"])
            grantable |= set(entry.get("PermissionsWithGrantOption", []))
        return {"Failures": []}

    def batch_revoke_permissions(self, **params: Any) -> dict[str, Any]:
        _validated("lakeformation", "BatchRevokePermissions", params)
        if self.before_revoke is not None:
            hook, self.before_revoke = self.before_revoke, None
            hook()
        for entry in params["Entries"]:
            perms, grantable = self.granted.get(self._key(entry), (set(), set()))
            perms -= set(entry["Permissions"])
            grantable -= set(entry["Permissions"]) | set(entry.get("PermissionsWithGrantOption", []))
        return {"Failures": []}

    def permissions(self, principal: str, resource: dict[str, Any]) -> tuple[set[str], set[str]]:
        """(permissions, grantable) of ``principal`` on ``resource``."""
        return self.granted.get((principal, json.dumps(resource, sort_keys=True)), (set(), set()))
