"""The Lake Formation grants handler against botocore Stubber on a real Lake Formation client; the
account's grant registry is an in-memory table here (tests/test_grant_registry_handler.py has
the registry's own Stubber tests, and the two-set scenarios)."""

from __future__ import annotations

import pytest
from botocore.stub import ANY, Stubber

from mesh_constructs.handlers import lake_formation_grants as handler
from tests.lake_formation_fakes import FakeRegistryTable

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/datazone_usr_role_prj1_env1"
OTHER = f"arn:aws:iam::{ACCOUNT}:role/datazone_usr_role_prj2_env2"
DB = "finance_dev_catalog"
TABLE = "acme-dev-lakeformation-grant-registry"


@pytest.fixture
def registry() -> FakeRegistryTable:
    return FakeRegistryTable(TABLE)


def grant(principal=ROLE, table="", permissions=("DESCRIBE",), grantable=()):
    return {
        "Principal": principal,
        "Database": DB,
        "Table": table,
        "Permissions": list(permissions),
        "Grantable": list(grantable),
    }


def props(*grants):
    return {"Name": "products-finance", "CatalogId": ACCOUNT, "Registry": TABLE, "Grants": list(grants)}


def update(lakeformation, registry, deadline, new, old, physical_id="x"):
    return handler.handle(
        {
            "RequestType": "Update",
            "PhysicalResourceId": physical_id,
            "ResourceProperties": new,
            "OldResourceProperties": old,
        },
        lakeformation,
        registry,
        deadline,
    )


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


def test_create_grants_database_table_and_wildcard_entries_in_one_batch(lakeformation, registry, sleeps, deadline):
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
        result = handler.handle(event, lakeformation, registry, deadline)
        stub.assert_no_pending_responses()
    assert result == {"PhysicalResourceId": "lakeformation-grants/products-finance"}
    assert sleeps == []


def test_more_than_twenty_grants_go_in_batches_of_twenty(lakeformation, registry, deadline):
    grants = [grant(table=f"t{i:02d}", permissions=("SELECT",)) for i in range(45)]
    with Stubber(lakeformation) as stub:
        for _batch in range(3):  # 20 + 20 + 5
            stub.add_response("batch_grant_permissions", {"Failures": []}, {"Entries": ANY})
        handler.handle(
            {"RequestType": "Create", "ResourceProperties": props(*grants)}, lakeformation, registry, deadline
        )
        stub.assert_no_pending_responses()


def test_concurrent_modification_is_retried_for_the_failed_entries_only(lakeformation, registry, sleeps, deadline):
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
            registry,
            deadline,
        )
        stub.assert_no_pending_responses()
    assert sleeps == [1]


def test_a_lasting_concurrent_modification_raises_after_the_bounded_retries(lakeformation, registry, sleeps, deadline):
    only = entry(0, ROLE, DATABASE, ["DESCRIBE"])
    with Stubber(lakeformation) as stub:
        for _ in range(6):
            stub.add_response(
                "batch_grant_permissions", {"Failures": [failure(only, "ConcurrentModificationException")]}
            )
        with pytest.raises(RuntimeError, match="still busy after retries: DESCRIBE on database finance_dev_catalog"):
            handler.handle(
                {"RequestType": "Create", "ResourceProperties": props(grant())}, lakeformation, registry, deadline
            )
    assert sleeps == [1, 2, 4, 8, 16]


def test_a_refused_grant_raises_with_the_principal_resource_and_reason(lakeformation, registry, deadline):
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
                registry,
                deadline,
            )
    assert str(raised.value) == (
        f"Lake Formation refused: SELECT on table finance_dev_catalog.missing for {ROLE}: "
        "EntityNotFoundException Table missing not found"
    )


def test_update_revokes_only_what_was_removed_then_grants_the_declaration(lakeformation, registry, deadline):
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
        result = update(
            lakeformation, registry, deadline, new, old, physical_id="lakeformation-grants/products-finance"
        )
        stub.assert_no_pending_responses()
    assert result["PhysicalResourceId"] == "lakeformation-grants/products-finance"


def test_update_with_nothing_removed_only_grants(lakeformation, registry, deadline):
    same = props(grant())
    with Stubber(lakeformation) as stub:
        stub.add_response("batch_grant_permissions", {"Failures": []})
        update(lakeformation, registry, deadline, same, same, physical_id="x")
        stub.assert_no_pending_responses()


def test_delete_revokes_everything_and_tolerates_what_is_already_gone(lakeformation, registry, deadline):
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
            registry,
            deadline,
        )
        stub.assert_no_pending_responses()
    assert result == {"PhysicalResourceId": "lakeformation-grants/products-finance"}


def test_delete_raises_when_a_revoke_is_refused_for_another_reason(lakeformation, registry, deadline):
    only = entry(0, ROLE, DATABASE, ["DESCRIBE"])
    with Stubber(lakeformation) as stub:
        stub.add_response(
            "batch_revoke_permissions", {"Failures": [failure(only, "AccessDeniedException", "not an admin")]}
        )
        with pytest.raises(RuntimeError, match="AccessDeniedException not an admin"):
            handler.handle(
                {"RequestType": "Delete", "PhysicalResourceId": "x", "ResourceProperties": props(grant())},
                lakeformation,
                registry,
                deadline,
            )


def test_a_client_error_of_the_call_itself_propagates(lakeformation, registry, deadline):
    with Stubber(lakeformation) as stub:
        stub.add_client_error("batch_grant_permissions", "AccessDeniedException", http_status_code=403)
        with pytest.raises(Exception, match="AccessDeniedException"):
            handler.handle(
                {"RequestType": "Create", "ResourceProperties": props(grant())}, lakeformation, registry, deadline
            )


def test_shared_table_filter_and_columns_become_their_resources(lakeformation, registry, deadline):
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
        handler.handle(
            {"RequestType": "Create", "ResourceProperties": props(*grants)}, lakeformation, registry, deadline
        )
        stub.assert_no_pending_responses()


# --- grants another set of the account still declares (the account's grant registry) -----------

TEAM = "acme-dev-team-grants"


def team_props(*grants):
    return {"Name": TEAM, "CatalogId": ACCOUNT, "Registry": TABLE, "Grants": list(grants)}


def registered(registry, name, *grants, deadline):
    from mesh_constructs.handlers.grant_registry import GrantRegistry

    GrantRegistry(registry, TABLE, deadline).register(name, handler.declared({"Grants": list(grants)}, ACCOUNT))


def test_delete_keeps_a_permission_another_set_still_declares(lakeformation, registry, deadline):
    """The review's finding: deleting the team grants revoked the DESCRIBE the products set declares."""
    registered(registry, "products-finance", grant(grantable=("DESCRIBE",)), deadline=deadline)
    registered(registry, TEAM, grant(), grant(table="a", permissions=("SELECT",)), deadline=deadline)
    with Stubber(lakeformation) as stub:
        stub.add_response(
            "batch_revoke_permissions", {"Failures": []}, {"Entries": [entry(0, ROLE, table("a"), ["SELECT"])]}
        )
        result = handler.handle(
            {
                "RequestType": "Delete",
                "PhysicalResourceId": f"lakeformation-grants/{TEAM}",
                "ResourceProperties": team_props(grant(), grant(table="a", permissions=("SELECT",))),
            },
            lakeformation,
            registry,
            deadline,
        )
        stub.assert_no_pending_responses()
    assert result == {"PhysicalResourceId": f"lakeformation-grants/{TEAM}"}
    assert registry.sets() == {"products-finance"}


def test_update_keeps_a_removed_permission_another_set_still_declares(lakeformation, registry, deadline):
    registered(registry, TEAM, grant(principal=OTHER), deadline=deadline)
    old = props(grant(), grant(principal=OTHER))
    with Stubber(lakeformation) as stub:
        # OTHER's DESCRIBE is no longer declared here, but the team set declares it: no revoke.
        stub.add_response(
            "batch_grant_permissions", {"Failures": []}, {"Entries": [entry(0, ROLE, DATABASE, ["DESCRIBE"])]}
        )
        update(lakeformation, registry, deadline, props(grant()), old, physical_id="x")
        stub.assert_no_pending_responses()


def test_a_grant_option_no_longer_declared_is_revoked_and_the_plain_permission_granted_back(
    lakeformation, registry, deadline
):
    """Lake Formation's revoke of a grant option takes the permission with it; the other set's
    plain DESCRIBE is granted again right after."""
    registered(registry, TEAM, grant(), deadline=deadline)
    with Stubber(lakeformation) as stub:
        stub.add_response(
            "batch_revoke_permissions",
            {"Failures": []},
            {"Entries": [entry(0, ROLE, DATABASE, ["DESCRIBE"], ["DESCRIBE"])]},
        )
        stub.add_response(
            "batch_grant_permissions", {"Failures": []}, {"Entries": [entry(0, ROLE, DATABASE, ["DESCRIBE"])]}
        )
        handler.handle(
            {
                "RequestType": "Delete",
                "PhysicalResourceId": "lakeformation-grants/products-finance",
                "ResourceProperties": props(grant(grantable=("DESCRIBE",))),
            },
            lakeformation,
            registry,
            deadline,
        )
        stub.assert_no_pending_responses()


def test_create_registers_the_declaration_before_granting(lakeformation, registry, deadline):
    def grant_sees_the_registration(**_: object) -> dict:
        assert registry.sets() == {"products-finance"}
        return {"Failures": []}

    lakeformation.batch_grant_permissions = grant_sees_the_registration
    handler.handle({"RequestType": "Create", "ResourceProperties": props(grant())}, lakeformation, registry, deadline)


def test_create_releases_what_a_failed_create_of_the_same_set_left_registered(lakeformation, registry, deadline):
    """The framework skips the Delete after a failed Create: its registrations (and any grant it
    made) are found by the set's name on the next Create."""
    registered(registry, "products-finance", grant(), grant(table="old", permissions=("SELECT",)), deadline=deadline)
    with Stubber(lakeformation) as stub:
        stub.add_response(
            "batch_revoke_permissions", {"Failures": []}, {"Entries": [entry(0, ROLE, table("old"), ["SELECT"])]}
        )
        stub.add_response(
            "batch_grant_permissions", {"Failures": []}, {"Entries": [entry(0, ROLE, DATABASE, ["DESCRIBE"])]}
        )
        handler.handle(
            {"RequestType": "Create", "ResourceProperties": props(grant())}, lakeformation, registry, deadline
        )
        stub.assert_no_pending_responses()
    assert len(registry.items) == 1


def test_a_renamed_set_leaves_the_old_names_grants_to_the_old_names_delete(lakeformation, registry, deadline):
    """A new Name is a new physical id: CloudFormation deletes the old resource afterwards, and
    that Delete sees the new name's registration and keeps what it declares."""
    registered(registry, "products-finance", grant(), deadline=deadline)
    renamed = {**props(grant()), "Name": "products-finance-1"}
    with Stubber(lakeformation) as stub:
        stub.add_response("batch_grant_permissions", {"Failures": []})
        result = update(
            lakeformation,
            registry,
            deadline,
            renamed,
            props(grant()),
            physical_id="lakeformation-grants/products-finance",
        )
        stub.assert_no_pending_responses()
        assert result == {"PhysicalResourceId": "lakeformation-grants/products-finance-1"}
        # The old name's Delete: nothing to revoke, the new name declares the same grant.
        handler.handle(
            {
                "RequestType": "Delete",
                "PhysicalResourceId": "lakeformation-grants/products-finance",
                "ResourceProperties": props(grant()),
            },
            lakeformation,
            registry,
            deadline,
        )
        stub.assert_no_pending_responses()
    assert registry.sets() == {"products-finance-1"}


def test_the_registry_defaults_to_the_functions_environment(lakeformation, registry, deadline, monkeypatch):
    monkeypatch.setenv(handler.REGISTRY_ENV, TABLE)
    without = {k: v for k, v in props(grant()).items() if k != "Registry"}
    with Stubber(lakeformation) as stub:
        stub.add_response("batch_grant_permissions", {"Failures": []})
        handler.handle({"RequestType": "Create", "ResourceProperties": without}, lakeformation, registry, deadline)
    assert registry.sets() == {"products-finance"}


def test_no_registry_at_all_is_an_error(lakeformation, registry, deadline, monkeypatch):
    from mesh_constructs.handlers.grant_registry import RegistryMissing

    monkeypatch.delenv(handler.REGISTRY_ENV, raising=False)
    without = {k: v for k, v in props(grant()).items() if k != "Registry"}
    with pytest.raises(RegistryMissing, match="no Registry property"):
        handler.handle({"RequestType": "Create", "ResourceProperties": without}, lakeformation, registry, deadline)


# --- data locations (issue 22 #2) -----------------------------------------------------------------

LOCATION = f"arn:aws:s3:::acme-dev-curated-{ACCOUNT}/finance/gl_transactions"
DATA_LOCATION = {"DataLocation": {"CatalogId": ACCOUNT, "ResourceArn": LOCATION}}


def location_grant(principal=ROLE, location=LOCATION):
    return {"Principal": principal, "Location": location, "Permissions": ["DATA_LOCATION_ACCESS"], "Grantable": []}


def test_a_data_location_grant_is_sent_as_a_data_location_resource(lakeformation, registry, deadline):
    """A producer adds partitions in a registered (hybrid-mode) location: Lake Formation wants
    DATA_LOCATION_ACCESS on it besides the table permissions."""
    expected = [  # sorted by key: a location's database is ""
        entry(0, ROLE, DATA_LOCATION, ["DATA_LOCATION_ACCESS"]),
        entry(1, ROLE, DATABASE, ["DESCRIBE"]),
    ]
    with Stubber(lakeformation) as stub:
        stub.add_response("batch_grant_permissions", {"Failures": []}, {"Entries": expected})
        handler.handle(
            {"RequestType": "Create", "ResourceProperties": props(grant(), location_grant())},
            lakeformation,
            registry,
            deadline,
        )
        stub.assert_no_pending_responses()
    assert registry.sets() == {"products-finance"}


def test_a_data_location_no_longer_declared_is_revoked(lakeformation, registry, deadline):
    old = props(grant(), location_grant())
    with Stubber(lakeformation) as stub:
        stub.add_response(
            "batch_revoke_permissions",
            {"Failures": []},
            {"Entries": [entry(0, ROLE, DATA_LOCATION, ["DATA_LOCATION_ACCESS"])]},
        )
        stub.add_response(
            "batch_grant_permissions", {"Failures": []}, {"Entries": [entry(0, ROLE, DATABASE, ["DESCRIBE"])]}
        )
        update(
            lakeformation, registry, deadline, props(grant()), old, physical_id="lakeformation-grants/products-finance"
        )
        stub.assert_no_pending_responses()


def test_a_refused_data_location_grant_names_the_location(lakeformation, registry, deadline):
    only = entry(0, ROLE, DATA_LOCATION, ["DATA_LOCATION_ACCESS"])
    with Stubber(lakeformation) as stub:
        stub.add_response(
            "batch_grant_permissions",
            {"Failures": [failure(only, "InvalidInputException", "Location is not registered")]},
        )
        with pytest.raises(RuntimeError) as raised:
            handler.handle(
                {"RequestType": "Create", "ResourceProperties": props(location_grant())},
                lakeformation,
                registry,
                deadline,
            )
    assert str(raised.value) == (
        f"Lake Formation refused: DATA_LOCATION_ACCESS on location {LOCATION} for {ROLE}: "
        "InvalidInputException Location is not registered"
    )
