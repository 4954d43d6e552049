"""The Lake Formation grants handler against botocore Stubber on a real Lake Formation client."""

from __future__ import annotations

import pytest
from botocore.stub import ANY, Stubber

from mesh_constructs.handlers import lake_formation_grants as handler

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/datazone_usr_role_prj1_env1"
OTHER = f"arn:aws:iam::{ACCOUNT}:role/datazone_usr_role_prj2_env2"
DB = "finance_dev_catalog"


def grant(principal=ROLE, table="", permissions=("DESCRIBE",), grantable=()):
    return {
        "Principal": principal,
        "Database": DB,
        "Table": table,
        "Permissions": list(permissions),
        "Grantable": list(grantable),
    }


def props(*grants):
    return {"Name": "products-finance", "CatalogId": ACCOUNT, "Grants": list(grants)}


def entry(i, principal, resource, permissions, grantable=None):
    out = {
        "Id": str(i),
        "Principal": {"DataLakePrincipalIdentifier": principal},
        "Resource": resource,
        "Permissions": permissions,
    }
    if grantable:
        out["PermissionsWithGrantOption"] = grantable
    return out


DATABASE = {"Database": {"CatalogId": ACCOUNT, "Name": DB}}


def table(name):
    return {"Table": {"CatalogId": ACCOUNT, "DatabaseName": DB, "Name": name}}


WILDCARD = {"Table": {"CatalogId": ACCOUNT, "DatabaseName": DB, "TableWildcard": {}}}


def failure(request_entry, code, message=""):
    return {"RequestEntry": request_entry, "Error": {"ErrorCode": code, "ErrorMessage": message}}


def test_create_grants_database_table_and_wildcard_entries_in_one_batch(lakeformation, sleeps):
    event = {
        "RequestType": "Create",
        "ResourceProperties": props(
            grant(),
            grant(table="finance_gl_transactions_table", permissions=("SELECT", "INSERT")),
            grant(principal=OTHER, table="*", permissions=("SELECT",), grantable=("SELECT",)),
        ),
    }
    expected = [
        entry(0, ROLE, DATABASE, ["DESCRIBE"]),
        entry(1, ROLE, table("finance_gl_transactions_table"), ["INSERT", "SELECT"]),
        entry(2, OTHER, WILDCARD, ["SELECT"], ["SELECT"]),
    ]
    with Stubber(lakeformation) as stub:
        stub.add_response("batch_grant_permissions", {"Failures": []}, {"Entries": expected})
        result = handler.handle(event, lakeformation, sleeps)
        stub.assert_no_pending_responses()
    assert result == {"PhysicalResourceId": "lakeformation-grants/products-finance"}
    assert sleeps == []


def test_more_than_twenty_grants_go_in_batches_of_twenty(lakeformation, sleeps):
    grants = [grant(table=f"t{i:02d}", permissions=("SELECT",)) for i in range(45)]
    with Stubber(lakeformation) as stub:
        for _batch in range(3):  # 20 + 20 + 5
            stub.add_response("batch_grant_permissions", {"Failures": []}, {"Entries": ANY})
        handler.handle({"RequestType": "Create", "ResourceProperties": props(*grants)}, lakeformation, sleeps)
        stub.assert_no_pending_responses()


def test_concurrent_modification_is_retried_for_the_failed_entries_only(lakeformation, sleeps):
    first = entry(0, ROLE, DATABASE, ["DESCRIBE"])
    second = entry(1, ROLE, table("a"), ["SELECT"])
    with Stubber(lakeformation) as stub:
        stub.add_response(
            "batch_grant_permissions",
            {"Failures": [failure(second, "ConcurrentModificationException")]},
            {"Entries": [first, second]},
        )
        stub.add_response("batch_grant_permissions", {"Failures": []}, {"Entries": [second]})
        handler.handle(
            {"RequestType": "Create", "ResourceProperties": props(grant(), grant(table="a", permissions=("SELECT",)))},
            lakeformation,
            sleeps,
        )
        stub.assert_no_pending_responses()
    assert sleeps == [1]


def test_a_lasting_concurrent_modification_raises_after_the_bounded_retries(lakeformation, sleeps):
    only = entry(0, ROLE, DATABASE, ["DESCRIBE"])
    with Stubber(lakeformation) as stub:
        for _ in range(6):
            stub.add_response(
                "batch_grant_permissions", {"Failures": [failure(only, "ConcurrentModificationException")]}
            )
        with pytest.raises(RuntimeError, match="still busy after retries: DESCRIBE on database finance_dev_catalog"):
            handler.handle({"RequestType": "Create", "ResourceProperties": props(grant())}, lakeformation, sleeps)
    assert sleeps == [1, 2, 4, 8, 16]


def test_a_refused_grant_raises_with_the_principal_resource_and_reason(lakeformation, sleeps):
    only = entry(0, ROLE, table("missing"), ["SELECT"])
    with Stubber(lakeformation) as stub:
        stub.add_response(
            "batch_grant_permissions",
            {"Failures": [failure(only, "EntityNotFoundException", "Table missing not found")]},
        )
        with pytest.raises(RuntimeError) as raised:
            handler.handle(
                {"RequestType": "Create", "ResourceProperties": props(grant(table="missing", permissions=("SELECT",)))},
                lakeformation,
                sleeps,
            )
    assert str(raised.value) == (
        f"Lake Formation refused: SELECT on table finance_dev_catalog.missing for {ROLE}: "
        "EntityNotFoundException Table missing not found"
    )


def test_update_revokes_only_what_was_removed_then_grants_the_declaration(lakeformation, sleeps):
    old = props(grant(), grant(table="a", permissions=("SELECT", "INSERT")), grant(principal=OTHER))
    new = props(grant(), grant(table="a", permissions=("SELECT",)))
    with Stubber(lakeformation) as stub:
        stub.add_response(
            "batch_revoke_permissions",
            {"Failures": []},
            {"Entries": [entry(0, ROLE, table("a"), ["INSERT"]), entry(1, OTHER, DATABASE, ["DESCRIBE"])]},
        )
        stub.add_response(
            "batch_grant_permissions",
            {"Failures": []},
            {"Entries": [entry(0, ROLE, DATABASE, ["DESCRIBE"]), entry(1, ROLE, table("a"), ["SELECT"])]},
        )
        result = handler.handle(
            {
                "RequestType": "Update",
                "PhysicalResourceId": "lakeformation-grants/products-finance",
                "ResourceProperties": new,
                "OldResourceProperties": old,
            },
            lakeformation,
            sleeps,
        )
        stub.assert_no_pending_responses()
    assert result["PhysicalResourceId"] == "lakeformation-grants/products-finance"


def test_update_with_nothing_removed_only_grants(lakeformation, sleeps):
    same = props(grant())
    with Stubber(lakeformation) as stub:
        stub.add_response("batch_grant_permissions", {"Failures": []})
        handler.handle(
            {
                "RequestType": "Update",
                "PhysicalResourceId": "x",
                "ResourceProperties": same,
                "OldResourceProperties": same,
            },
            lakeformation,
            sleeps,
        )
        stub.assert_no_pending_responses()


def test_delete_revokes_everything_and_tolerates_what_is_already_gone(lakeformation, sleeps):
    first = entry(0, ROLE, DATABASE, ["DESCRIBE"])
    second = entry(1, ROLE, table("a"), ["SELECT"])
    with Stubber(lakeformation) as stub:
        stub.add_response(
            "batch_revoke_permissions",
            {
                "Failures": [
                    failure(
                        first,
                        "InvalidInputException",
                        "Grantee has no permissions and no grantable permissions on resource",
                    ),
                    failure(second, "EntityNotFoundException", "Table a not found"),
                ]
            },
            {"Entries": [first, second]},
        )
        result = handler.handle(
            {
                "RequestType": "Delete",
                "PhysicalResourceId": "lakeformation-grants/products-finance",
                "ResourceProperties": props(grant(), grant(table="a", permissions=("SELECT",))),
            },
            lakeformation,
            sleeps,
        )
        stub.assert_no_pending_responses()
    assert result == {"PhysicalResourceId": "lakeformation-grants/products-finance"}


def test_delete_raises_when_a_revoke_is_refused_for_another_reason(lakeformation, sleeps):
    only = entry(0, ROLE, DATABASE, ["DESCRIBE"])
    with Stubber(lakeformation) as stub:
        stub.add_response(
            "batch_revoke_permissions", {"Failures": [failure(only, "AccessDeniedException", "not an admin")]}
        )
        with pytest.raises(RuntimeError, match="AccessDeniedException not an admin"):
            handler.handle(
                {"RequestType": "Delete", "PhysicalResourceId": "x", "ResourceProperties": props(grant())},
                lakeformation,
                sleeps,
            )


def test_a_client_error_of_the_call_itself_propagates(lakeformation, sleeps):
    with Stubber(lakeformation) as stub:
        stub.add_client_error("batch_grant_permissions", "AccessDeniedException", http_status_code=403)
        with pytest.raises(Exception, match="AccessDeniedException"):
            handler.handle({"RequestType": "Create", "ResourceProperties": props(grant())}, lakeformation, sleeps)


def test_shared_table_filter_and_columns_become_their_resources(lakeformation, sleeps):
    producer = "333333333333"
    grants = [
        {**grant(table="customers", permissions=("SELECT",)), "CatalogId": producer, "Filter": "customers_v1"},
        {**grant(table="customers", permissions=("SELECT", "DESCRIBE")), "CatalogId": producer},
        {**grant(principal=OTHER, table="items", permissions=("SELECT",)), "Columns": ["name", "item_id"]},
    ]
    expected = [
        entry(
            0, ROLE, {"Table": {"CatalogId": producer, "DatabaseName": DB, "Name": "customers"}}, ["DESCRIBE", "SELECT"]
        ),
        entry(
            1,
            ROLE,
            {
                "DataCellsFilter": {
                    "TableCatalogId": producer,
                    "DatabaseName": DB,
                    "TableName": "customers",
                    "Name": "customers_v1",
                }
            },
            ["SELECT"],
        ),
        entry(
            2,
            OTHER,
            {
                "TableWithColumns": {
                    "CatalogId": ACCOUNT,
                    "DatabaseName": DB,
                    "Name": "items",
                    "ColumnNames": ["item_id", "name"],
                }
            },
            ["SELECT"],
        ),
    ]
    with Stubber(lakeformation) as stub:
        stub.add_response("batch_grant_permissions", {"Failures": []}, {"Entries": expected})
        handler.handle({"RequestType": "Create", "ResourceProperties": props(*grants)}, lakeformation, sleeps)
        stub.assert_no_pending_responses()
