"""The account's Lake Formation grant registry: its DynamoDB calls against botocore Stubber, and
two grant sets declaring the same permission followed across several deployments (both deletion
orders, a re-deploy, a concurrent one), with the registry in memory and, when moto is installed,
in moto's DynamoDB."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import moto
import pytest
from botocore.stub import Stubber

from mesh_constructs.handlers import lake_formation_grants as handler
from mesh_constructs.handlers.grant_registry import GrantRegistry, RegistryMissing, key_hash
from mesh_constructs.handlers.support import RETRY_DELAYS, Deadline, OutOfTime
from tests.lake_formation_fakes import FakeLakeFormation, FakeRegistryTable

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/datazone_usr_role_prj1_env1"
DB = "finance_dev_catalog"
TABLE = "acme-dev-lakeformation-grant-registry"
PRODUCTS, TEAM = "acme-dev-products-finance", "acme-dev-team-grants"
DESCRIBE_DB = (ROLE, ACCOUNT, DB, "", "", (), "")
DATABASE = {"Database": {"CatalogId": ACCOUNT, "Name": DB}}


def table(name: str) -> dict:
    return {"Table": {"CatalogId": ACCOUNT, "DatabaseName": DB, "Name": name}}


@pytest.fixture
def dynamodb():
    return boto3.client("dynamodb", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")


def item(grant_set: str, key: tuple, permissions: list[str], grantable: list[str] = ()) -> dict:
    # A catalog resource's key is stored in six elements (as before data locations), a location's in seven.
    stored = [*key[:5], list(key[5]), *([key[6]] if key[6] else [])]
    return {
        "Grant": {"S": key_hash(key)},
        "GrantSet": {"S": grant_set},
        "Key": {"S": json.dumps(stored)},
        "Permissions": {"L": [{"S": p} for p in permissions]},
        "Grantable": {"L": [{"S": p} for p in grantable]},
    }


# --- the registry's DynamoDB calls (Stubber) ----------------------------------------------------


def test_snapshot_is_a_consistent_scan_of_every_page(dynamodb, deadline):
    other = (ROLE, ACCOUNT, DB, "t", "", ("a", "b"), "")
    with Stubber(dynamodb) as stub:
        stub.add_response(
            "scan",
            {
                "Items": [item(PRODUCTS, DESCRIBE_DB, ["DESCRIBE"], ["DESCRIBE"])],
                "LastEvaluatedKey": {"Grant": {"S": "x"}},
            },
            {"TableName": TABLE, "ConsistentRead": True},
        )
        stub.add_response(
            "scan",
            {"Items": [item(TEAM, DESCRIBE_DB, ["DESCRIBE"]), item(TEAM, other, ["SELECT"])]},
            {"TableName": TABLE, "ConsistentRead": True, "ExclusiveStartKey": {"Grant": {"S": "x"}}},
        )
        snapshot = GrantRegistry(dynamodb, TABLE, deadline).snapshot()
        stub.assert_no_pending_responses()
    assert snapshot == {
        PRODUCTS: {DESCRIBE_DB: (frozenset({"DESCRIBE"}), frozenset({"DESCRIBE"}))},
        TEAM: {DESCRIBE_DB: (frozenset({"DESCRIBE"}), frozenset()), other: (frozenset({"SELECT"}), frozenset())},
    }


LOCATION = f"arn:aws:s3:::acme-dev-curated-{ACCOUNT}/finance/gl_transactions"
DATA_LOCATION = (ROLE, ACCOUNT, "", "", "", (), LOCATION)


def test_keys_registered_before_data_locations_keep_their_hash_and_item():
    """Registries deployed before issue 22 hold six-element keys: the same grant must hash and read
    back the same, or a set's next revoke would not see what another set registered."""
    import hashlib

    before = hashlib.sha256(json.dumps([ROLE, ACCOUNT, DB, "", "", []]).encode()).hexdigest()
    assert key_hash(DESCRIBE_DB) == before
    assert key_hash(DATA_LOCATION) != key_hash((ROLE, ACCOUNT, "", "", "", (), ""))


def test_a_data_location_key_is_registered_and_read_back_with_its_location(dynamodb, deadline):
    with Stubber(dynamodb) as stub:
        stub.add_response(
            "batch_write_item",
            {},
            {"RequestItems": {TABLE: [{"PutRequest": {"Item": item(TEAM, DATA_LOCATION, ["DATA_LOCATION_ACCESS"])}}]}},
        )
        stub.add_response(
            "scan",
            {"Items": [item(TEAM, DATA_LOCATION, ["DATA_LOCATION_ACCESS"]), item(TEAM, DESCRIBE_DB, ["DESCRIBE"])]},
            {"TableName": TABLE, "ConsistentRead": True},
        )
        registry = GrantRegistry(dynamodb, TABLE, deadline)
        registry.register(TEAM, {DATA_LOCATION: (frozenset({"DATA_LOCATION_ACCESS"}), frozenset())})
        snapshot = registry.snapshot()
        stub.assert_no_pending_responses()
    assert snapshot == {
        TEAM: {
            DATA_LOCATION: (frozenset({"DATA_LOCATION_ACCESS"}), frozenset()),
            DESCRIBE_DB: (frozenset({"DESCRIBE"}), frozenset()),
        }
    }


def test_register_writes_one_item_per_grant_in_batches_of_25(dynamodb, deadline):
    perms = {(ROLE, ACCOUNT, DB, f"t{i:02d}", "", (), ""): (frozenset({"SELECT"}), frozenset()) for i in range(30)}
    first = sorted(perms)[0]
    with Stubber(dynamodb) as stub:
        stub.add_response("batch_write_item", {"UnprocessedItems": {}})
        stub.add_response("batch_write_item", {"UnprocessedItems": {}})
        GrantRegistry(dynamodb, TABLE, deadline).register(PRODUCTS, perms)
        stub.assert_no_pending_responses()
    # The item format, checked on one exact call.
    with Stubber(dynamodb) as stub:
        stub.add_response(
            "batch_write_item",
            {},
            {"RequestItems": {TABLE: [{"PutRequest": {"Item": item(PRODUCTS, first, ["SELECT"])}}]}},
        )
        GrantRegistry(dynamodb, TABLE, deadline).register(PRODUCTS, {first: perms[first]})
        stub.assert_no_pending_responses()


def test_deregister_deletes_the_sets_items_by_key(dynamodb, deadline):
    with Stubber(dynamodb) as stub:
        stub.add_response(
            "batch_write_item",
            {},
            {
                "RequestItems": {
                    TABLE: [
                        {"DeleteRequest": {"Key": {"Grant": {"S": key_hash(DESCRIBE_DB)}, "GrantSet": {"S": TEAM}}}}
                    ]
                }
            },
        )
        GrantRegistry(dynamodb, TABLE, deadline).deregister(TEAM, [DESCRIBE_DB])
        GrantRegistry(dynamodb, TABLE, deadline).deregister(TEAM, [])  # nothing: no call
        stub.assert_no_pending_responses()


def test_unprocessed_writes_are_sent_again_with_backoff(dynamodb, sleeps, deadline):
    request = {"DeleteRequest": {"Key": {"Grant": {"S": key_hash(DESCRIBE_DB)}, "GrantSet": {"S": TEAM}}}}
    with Stubber(dynamodb) as stub:
        stub.add_response("batch_write_item", {"UnprocessedItems": {TABLE: [request]}})
        stub.add_response("batch_write_item", {"UnprocessedItems": {}}, {"RequestItems": {TABLE: [request]}})
        GrantRegistry(dynamodb, TABLE, deadline).deregister(TEAM, [DESCRIBE_DB])
        stub.assert_no_pending_responses()
    assert sleeps == [1]


def test_writes_still_unprocessed_after_the_retries_raise(dynamodb, sleeps, deadline):
    request = {"DeleteRequest": {"Key": {"Grant": {"S": key_hash(DESCRIBE_DB)}, "GrantSet": {"S": TEAM}}}}
    with Stubber(dynamodb) as stub:
        for _ in range(len(RETRY_DELAYS) + 1):
            stub.add_response("batch_write_item", {"UnprocessedItems": {TABLE: [request]}})
        with pytest.raises(OutOfTime, match="left 1 writes unprocessed after retries"):
            GrantRegistry(dynamodb, TABLE, deadline).deregister(TEAM, [DESCRIBE_DB])
        stub.assert_no_pending_responses()
    assert sleeps == list(RETRY_DELAYS)


def test_unprocessed_writes_are_not_retried_past_the_deadline(dynamodb, sleeps):
    request = {"DeleteRequest": {"Key": {"Grant": {"S": key_hash(DESCRIBE_DB)}, "GrantSet": {"S": TEAM}}}}
    short = Deadline(2, clock=lambda: float(sum(sleeps)), sleep=sleeps)
    with Stubber(dynamodb) as stub:
        for _ in range(2):
            stub.add_response("batch_write_item", {"UnprocessedItems": {TABLE: [request]}})
        with pytest.raises(OutOfTime):
            GrantRegistry(dynamodb, TABLE, short).deregister(TEAM, [DESCRIBE_DB])
    assert sleeps == [1]  # the 2 s retry no longer fits


@pytest.mark.parametrize("operation", ["scan", "batch_write_item"])
def test_a_missing_table_says_to_deploy_the_foundation(dynamodb, deadline, operation):
    registry = GrantRegistry(dynamodb, TABLE, deadline)
    with Stubber(dynamodb) as stub:
        stub.add_client_error(operation, "ResourceNotFoundException", http_status_code=400)
        with pytest.raises(RegistryMissing, match=f"DynamoDB table {TABLE}\\) does not exist: deploy the account's"):
            registry.snapshot() if operation == "scan" else registry.deregister(TEAM, [DESCRIBE_DB])


@pytest.mark.parametrize("operation", ["scan", "batch_write_item"])
def test_other_registry_errors_propagate(dynamodb, deadline, operation):
    registry = GrantRegistry(dynamodb, TABLE, deadline)
    with Stubber(dynamodb) as stub:
        stub.add_client_error(operation, "AccessDeniedException", http_status_code=400)
        with pytest.raises(Exception, match="AccessDeniedException"):
            registry.snapshot() if operation == "scan" else registry.deregister(TEAM, [DESCRIBE_DB])


def grants_props(name: str, *grants: dict) -> dict:
    return {"Name": name, "CatalogId": ACCOUNT, "Registry": TABLE, "Grants": list(grants)}


def describe(grantable: tuple[str, ...] = ()) -> dict:
    return {"Principal": ROLE, "Database": DB, "Table": "", "Permissions": ["DESCRIBE"], "Grantable": list(grantable)}


def select(name: str) -> dict:
    return {"Principal": ROLE, "Database": DB, "Table": name, "Permissions": ["SELECT"], "Grantable": []}


def test_create_refuses_to_grant_without_the_registry(lakeformation, dynamodb, deadline):
    with Stubber(dynamodb) as ddb, Stubber(lakeformation) as lf:
        ddb.add_client_error("scan", "ResourceNotFoundException", http_status_code=400)
        with pytest.raises(RegistryMissing):
            handler.handle(
                {"RequestType": "Create", "ResourceProperties": grants_props(TEAM, describe())},
                lakeformation,
                dynamodb,
                deadline,
            )
        lf.assert_no_pending_responses()


def test_delete_without_the_registry_revokes_the_declaration(lakeformation, dynamodb, deadline):
    """No registry: the account's foundation stack is gone, and every stack of its stage with it."""
    with Stubber(dynamodb) as ddb, Stubber(lakeformation) as lf:
        ddb.add_client_error("scan", "ResourceNotFoundException", http_status_code=400)
        lf.add_response(
            "batch_revoke_permissions",
            {"Failures": []},
            {
                "Entries": [
                    {
                        "Id": "0",
                        "Principal": {"DataLakePrincipalIdentifier": ROLE},
                        "Resource": DATABASE,
                        "Permissions": ["DESCRIBE"],
                    }
                ]
            },
        )
        handler.handle(
            {"RequestType": "Delete", "PhysicalResourceId": "x", "ResourceProperties": grants_props(TEAM, describe())},
            lakeformation,
            dynamodb,
            deadline,
        )
        lf.assert_no_pending_responses()


# --- two grant sets over several deployments ----------------------------------------------------


@pytest.fixture(params=["in-memory", "moto"])
def registry_table(request) -> Iterator[object]:
    """The registry table: in memory, and in moto's DynamoDB (which checks the in-memory table
    against DynamoDB's behaviour)."""
    if request.param == "in-memory":
        yield FakeRegistryTable(TABLE)
        return
    with moto.mock_aws():
        client = boto3.client("dynamodb", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")
        client.create_table(
            TableName=TABLE,
            KeySchema=[
                {"AttributeName": "Grant", "KeyType": "HASH"},
                {"AttributeName": "GrantSet", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "Grant", "AttributeType": "S"},
                {"AttributeName": "GrantSet", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        yield client


class Account:
    """One account: Lake Formation's permissions, its grant registry, and the two grant sets of the
    finding (the products set and the team set both declare DESCRIBE on the database for ROLE)."""

    declarations = {
        PRODUCTS: (describe(grantable=("DESCRIBE",)), select("orders")),
        TEAM: (describe(), select("customers")),
    }

    def __init__(self, registry_table: object, deadline: Deadline) -> None:
        self.lf = FakeLakeFormation()
        self.registry, self.deadline = registry_table, deadline

    def deploy(self, name: str, *grants: dict) -> None:
        grants = grants or self.declarations[name]
        self._handle({"RequestType": "Create", "ResourceProperties": grants_props(name, *grants)})

    def delete(self, name: str) -> None:
        props = grants_props(name, *self.declarations[name])
        self._handle(
            {"RequestType": "Delete", "PhysicalResourceId": f"lakeformation-grants/{name}", "ResourceProperties": props}
        )

    def _handle(self, event: dict) -> None:
        handler.handle(event, self.lf, self.registry, self.deadline)

    def describe_db(self) -> tuple[set[str], set[str]]:
        return self.lf.permissions(ROLE, DATABASE)

    def can_select(self, name: str) -> bool:
        return "SELECT" in self.lf.permissions(ROLE, table(name))[0]


@pytest.mark.parametrize("first, second", [(TEAM, PRODUCTS), (PRODUCTS, TEAM)])
def test_deleting_either_set_first_keeps_what_the_other_still_declares(registry_table, deadline, first, second):
    account = Account(registry_table, deadline)
    account.deploy(PRODUCTS)
    account.deploy(TEAM)
    assert account.describe_db() == ({"DESCRIBE"}, {"DESCRIBE"})

    account.delete(first)
    remaining = {PRODUCTS: ({"DESCRIBE"}, {"DESCRIBE"}), TEAM: ({"DESCRIBE"}, set())}[second]
    assert account.describe_db() == remaining
    assert account.can_select("orders") == (second == PRODUCTS)
    assert account.can_select("customers") == (second == TEAM)

    account.delete(second)
    assert account.describe_db() == (set(), set())
    assert not account.can_select("orders") and not account.can_select("customers")


def test_a_redeploy_after_a_delete_registers_again(registry_table, deadline):
    account = Account(registry_table, deadline)
    account.deploy(PRODUCTS)
    account.deploy(TEAM)
    account.delete(TEAM)
    account.deploy(TEAM)
    account.delete(PRODUCTS)
    assert account.describe_db() == ({"DESCRIBE"}, set())  # the team set's plain DESCRIBE
    assert account.can_select("customers") and not account.can_select("orders")


def test_a_set_registered_while_another_revokes_gets_its_grant_back(registry_table, deadline):
    """The team set is deployed (registered and granted) between the products set's registry read
    and its revoke: the products set reads again after revoking and grants the DESCRIBE back."""
    account = Account(registry_table, deadline)
    account.deploy(PRODUCTS)
    account.lf.before_revoke = lambda: account.deploy(TEAM)
    account.delete(PRODUCTS)
    assert account.describe_db() == ({"DESCRIBE"}, set())
    assert account.can_select("customers") and not account.can_select("orders")


def test_two_sets_removing_the_same_grant_leave_nothing_behind(registry_table, deadline):
    account = Account(registry_table, deadline)
    account.deploy(PRODUCTS)
    account.deploy(TEAM)
    account.lf.before_revoke = lambda: account.delete(TEAM)  # the team set goes while products revokes
    account.delete(PRODUCTS)
    assert account.describe_db() == (set(), set())


def test_a_data_location_two_sets_declare_stays_until_the_last_one_goes():
    """With moto's Lake Formation and DynamoDB: the products set and a team set both declare
    DATA_LOCATION_ACCESS on one prefix for the same role; deleting either keeps it, deleting both
    revokes it."""
    location = {"Principal": ROLE, "Location": LOCATION, "Permissions": ["DATA_LOCATION_ACCESS"], "Grantable": []}
    with moto.mock_aws():
        lakeformation = boto3.client("lakeformation", region_name="eu-west-1")
        dynamodb = boto3.client("dynamodb", region_name="eu-west-1")
        dynamodb.create_table(
            TableName=TABLE,
            KeySchema=[
                {"AttributeName": "Grant", "KeyType": "HASH"},
                {"AttributeName": "GrantSet", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "Grant", "AttributeType": "S"},
                {"AttributeName": "GrantSet", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        deadline = Deadline(600, clock=lambda: 0.0, sleep=lambda _: None)

        def run(request: str, name: str) -> None:
            event = {"RequestType": request, "ResourceProperties": grants_props(name, location)}
            if request == "Delete":
                event["PhysicalResourceId"] = f"lakeformation-grants/{name}"
            handler.handle(event, lakeformation, dynamodb, deadline)

        def granted() -> list[str]:
            found = lakeformation.list_permissions(ResourceType="DATA_LOCATION")["PrincipalResourcePermissions"]
            return [p["Resource"]["DataLocation"]["ResourceArn"] for p in found if p["Permissions"]]

        run("Create", PRODUCTS)
        run("Create", TEAM)
        run("Delete", TEAM)
        assert granted() == [LOCATION]
        run("Delete", PRODUCTS)
        assert granted() == []
