"""The account's one writer of its Lake Formation settings (issue 22 #5): its handler against
botocore Stubber on a real Lake Formation client (every path), against moto's Lake Formation (a
whole-object writer beside it), and what the stacks declare and the smoke test expects."""

from __future__ import annotations

import boto3
import moto
import pytest
from botocore.stub import Stubber

from mesh_config import load_mesh
from mesh_constructs.handlers import lake_formation_settings as handler
from mesh_constructs.handlers.support import RETRY_DELAYS, Deadline
from scripts.smoke_test import expected_for
from tests.synth import ROOT, of_type

ACCOUNT = "123456789012"
DEPLOYER = f"arn:aws:iam::{ACCOUNT}:role/cdk-hnb659fds-cfn-exec-role-{ACCOUNT}-eu-west-1"
GRANTS = f"arn:aws:iam::{ACCOUNT}:role/acme-dev-lakeformation-grants"
READER = f"arn:aws:iam::{ACCOUNT}:role/acme-dev-datamesh-admin"
OUTSIDE = f"arn:aws:iam::{ACCOUNT}:role/OrgDataLakeAdmin"  # set by the organisation, not the mesh
DATAZONE = f"arn:aws:iam::{ACCOUNT}:role/AmazonDataZoneGlueAccess-eu-west-1-dzd_abc"
RETIRED = f"arn:aws:iam::{ACCOUNT}:role/acme-dev-mesh-catalog-handler"
DEFAULTS = [{"Principal": {"DataLakePrincipalIdentifier": "IAM_ALLOWED_PRINCIPALS"}, "Permissions": ["ALL"]}]


def principals(*arns: str) -> list[dict]:
    return [{"DataLakePrincipalIdentifier": a} for a in arns]


def props(**overrides: object) -> dict:
    return {
        "CatalogId": ACCOUNT,
        "Admins": [DEPLOYER, GRANTS],
        "ReadOnlyAdmins": [READER],
        "Parameters": {"CROSS_ACCOUNT_VERSION": "4"},
        "Retired": [RETIRED],
        "KeepOnDelete": [DEPLOYER],
        **overrides,
    }


def create(**overrides: object) -> dict:
    return {"RequestType": "Create", "ResourceProperties": props(**overrides)}


def current(admins=(OUTSIDE,), read_only=(), parameters=None, **fields: object) -> dict:
    settings: dict = {
        "DataLakeAdmins": principals(*admins),
        "ReadOnlyAdmins": principals(*read_only),
        "CreateDatabaseDefaultPermissions": DEFAULTS,
        "CreateTableDefaultPermissions": DEFAULTS,
        "TrustedResourceOwners": [],
        "AllowExternalDataFiltering": False,
        **fields,
    }
    if parameters is not None:
        settings["Parameters"] = parameters
    return settings


def get(stub: Stubber, settings: dict) -> None:
    stub.add_response("get_data_lake_settings", {"DataLakeSettings": settings}, {"CatalogId": ACCOUNT})


def put(stub: Stubber, settings: dict) -> None:
    stub.add_response("put_data_lake_settings", {}, {"CatalogId": ACCOUNT, "DataLakeSettings": settings})


def test_create_adds_the_meshs_principals_and_parameter_and_keeps_everything_else(lakeformation, deadline):
    before = current(read_only=(DATAZONE,), parameters={"SET_CONTEXT": "TRUE"})
    after = current(
        admins=(OUTSIDE, DEPLOYER, GRANTS),
        read_only=(DATAZONE, READER),
        parameters={"SET_CONTEXT": "TRUE", "CROSS_ACCOUNT_VERSION": "4"},
    )
    with Stubber(lakeformation) as stub:
        get(stub, before)
        put(stub, after)
        get(stub, after)
        result = handler.handle(create(), lakeformation, deadline)
        stub.assert_no_pending_responses()
    assert result == {"PhysicalResourceId": f"lakeformation-settings/{ACCOUNT}"}


def test_nothing_is_written_when_the_settings_already_hold_the_declaration(lakeformation, deadline):
    settled = current(
        admins=(DEPLOYER, OUTSIDE, GRANTS), read_only=(READER,), parameters={"CROSS_ACCOUNT_VERSION": "4"}
    )
    with Stubber(lakeformation) as stub:
        get(stub, settled)
        handler.handle(create(), lakeformation, deadline)
        stub.assert_no_pending_responses()


def test_settings_without_lists_or_parameters_get_only_what_is_declared(lakeformation, deadline):
    """Get leaves out what was never set: nothing empty is added, nothing is written for nothing."""
    bare = {"DataLakeAdmins": principals(DEPLOYER, GRANTS)}
    with Stubber(lakeformation) as stub:
        get(stub, bare)
        handler.handle(create(ReadOnlyAdmins=[], Parameters={}), lakeformation, deadline)
        stub.assert_no_pending_responses()


def test_update_removes_what_the_old_declaration_named_and_the_new_one_does_not(lakeformation, deadline):
    gone = f"arn:aws:iam::{ACCOUNT}:role/acme-dev-old-reader"
    before = current(admins=(OUTSIDE, DEPLOYER, GRANTS), read_only=(gone, READER), parameters={})
    after = current(admins=(OUTSIDE, DEPLOYER, GRANTS), read_only=(READER,), parameters={})
    event = {
        "RequestType": "Update",
        "PhysicalResourceId": f"lakeformation-settings/{ACCOUNT}",
        "ResourceProperties": props(Parameters={}),
        "OldResourceProperties": props(ReadOnlyAdmins=[gone, READER], Parameters={}),
    }
    with Stubber(lakeformation) as stub:
        get(stub, before)
        put(stub, after)
        get(stub, after)
        handler.handle(event, lakeformation, deadline)
        stub.assert_no_pending_responses()


def test_the_retired_handler_roles_are_taken_off_both_lists(lakeformation, deadline):
    """Before issue 22 the catalog and share handler identities were administrators."""
    before = current(admins=(OUTSIDE, RETIRED, DEPLOYER, GRANTS), read_only=(READER,), parameters={})
    after = current(admins=(OUTSIDE, DEPLOYER, GRANTS), read_only=(READER,), parameters={})
    with Stubber(lakeformation) as stub:
        get(stub, before)
        put(stub, after)
        get(stub, after)
        handler.handle(create(Parameters={}), lakeformation, deadline)
        stub.assert_no_pending_responses()


def test_a_principal_moved_between_the_lists_is_not_held_twice(lakeformation, deadline):
    before = current(admins=(OUTSIDE, DEPLOYER, GRANTS, READER), read_only=(), parameters={})
    after = current(admins=(OUTSIDE, DEPLOYER, GRANTS), read_only=(READER,), parameters={})
    event = {
        "RequestType": "Update",
        "PhysicalResourceId": f"lakeformation-settings/{ACCOUNT}",
        "ResourceProperties": props(Parameters={}),
        "OldResourceProperties": props(Admins=[DEPLOYER, GRANTS, READER], ReadOnlyAdmins=[], Parameters={}),
    }
    with Stubber(lakeformation) as stub:
        get(stub, before)
        put(stub, after)
        get(stub, after)
        handler.handle(event, lakeformation, deadline)
        stub.assert_no_pending_responses()


def test_a_read_only_principal_already_a_full_admin_outside_the_mesh_stays_one(lakeformation, deadline):
    settled = current(admins=(READER, DEPLOYER, GRANTS), parameters={"CROSS_ACCOUNT_VERSION": "4"})
    with Stubber(lakeformation) as stub:
        get(stub, settled)
        handler.handle(create(), lakeformation, deadline)
        stub.assert_no_pending_responses()


def test_delete_removes_the_meshs_roles_but_the_deployer_and_keeps_the_parameters(lakeformation, deadline):
    """A role deleted while it is an administrator makes Lake Formation refuse every later put
    ("Invalid principal", aws/aws-cdk #19492): the mesh's roles go with their stacks. The CDK
    execution role and the cross-account version stay: others use them."""
    before = current(admins=(OUTSIDE, DEPLOYER, GRANTS), read_only=(READER,), parameters={"CROSS_ACCOUNT_VERSION": "4"})
    after = current(admins=(OUTSIDE, DEPLOYER), read_only=(), parameters={"CROSS_ACCOUNT_VERSION": "4"})
    event = {
        "RequestType": "Delete",
        "PhysicalResourceId": f"lakeformation-settings/{ACCOUNT}",
        "ResourceProperties": props(),
    }
    with Stubber(lakeformation) as stub:
        get(stub, before)
        put(stub, after)
        get(stub, after)
        result = handler.handle(event, lakeformation, deadline)
        stub.assert_no_pending_responses()
    assert result == {"PhysicalResourceId": f"lakeformation-settings/{ACCOUNT}"}


def test_a_concurrent_writer_that_dropped_the_change_is_merged_again(lakeformation, sleeps, deadline):
    """DataZone adds its manage-access role (a whole-object put of its own read) between this put and
    the read-back: the mesh's principals are gone, DataZone's is there; merging again keeps both."""
    before = current(parameters={})
    mine = current(admins=(OUTSIDE, DEPLOYER, GRANTS), read_only=(READER,), parameters={"CROSS_ACCOUNT_VERSION": "4"})
    theirs = current(admins=(OUTSIDE, DATAZONE), parameters={})
    both = current(
        admins=(OUTSIDE, DATAZONE, DEPLOYER, GRANTS), read_only=(READER,), parameters={"CROSS_ACCOUNT_VERSION": "4"}
    )
    with Stubber(lakeformation) as stub:
        get(stub, before)
        put(stub, mine)
        get(stub, theirs)  # the read-back
        get(stub, theirs)  # the next round's read
        put(stub, both)
        get(stub, both)
        handler.handle(create(), lakeformation, deadline)
        stub.assert_no_pending_responses()
    assert sleeps == [1]


@pytest.mark.parametrize("code", ["ConcurrentModificationException", "ThrottlingException", "InternalServiceException"])
def test_a_transient_put_failure_is_read_merged_and_put_again(lakeformation, sleeps, deadline, code):
    before = current(parameters={})
    after = current(admins=(OUTSIDE, DEPLOYER, GRANTS), read_only=(READER,), parameters={"CROSS_ACCOUNT_VERSION": "4"})
    with Stubber(lakeformation) as stub:
        get(stub, before)
        stub.add_client_error("put_data_lake_settings", code, http_status_code=400)
        get(stub, before)
        put(stub, after)
        get(stub, after)
        handler.handle(create(), lakeformation, deadline)
        stub.assert_no_pending_responses()
    assert sleeps == [1]


def test_a_writer_that_keeps_replacing_the_settings_fails_the_deployment(lakeformation, sleeps, deadline):
    before = current(parameters={})
    with Stubber(lakeformation) as stub:
        for _ in range(len(RETRY_DELAYS) + 1):
            get(stub, before)
            stub.add_response("put_data_lake_settings", {})
            get(stub, before)
        with pytest.raises(RuntimeError, match="another writer keeps replacing them"):
            handler.handle(create(), lakeformation, deadline)
        stub.assert_no_pending_responses()
    assert sleeps == list(RETRY_DELAYS)


def test_a_lasting_transient_failure_raises_it_after_the_bounded_retries(lakeformation, sleeps, deadline):
    before = current(parameters={})
    with Stubber(lakeformation) as stub:
        for _ in range(len(RETRY_DELAYS) + 1):
            get(stub, before)
            stub.add_client_error("put_data_lake_settings", "ThrottlingException", http_status_code=400)
        with pytest.raises(Exception, match="ThrottlingException"):
            handler.handle(create(), lakeformation, deadline)
    assert sleeps == list(RETRY_DELAYS)


def test_retries_stop_at_the_invocations_deadline(lakeformation, sleeps):
    short = Deadline(2, clock=lambda: float(sum(sleeps)), sleep=sleeps)
    before = current(parameters={})
    with Stubber(lakeformation) as stub:
        for _ in range(2):
            get(stub, before)
            stub.add_client_error("put_data_lake_settings", "ThrottlingException", http_status_code=400)
        with pytest.raises(Exception, match="ThrottlingException"):
            handler.handle(create(), lakeformation, short)
    assert sleeps == [1]  # the 2 s retry no longer fits


def test_an_invalid_principal_says_what_to_remove_after_the_bounded_retries(lakeformation, sleeps, deadline):
    """Retried first: a role created seconds before (the management role, same stack) may not be
    visible to Lake Formation yet. One deleted long ago stays invalid."""
    with Stubber(lakeformation) as stub:
        for _ in range(len(RETRY_DELAYS) + 1):
            get(stub, current(admins=(f"arn:aws:iam::{ACCOUNT}:role/deleted-long-ago",), parameters={}))
            stub.add_client_error(
                "put_data_lake_settings",
                "InvalidInputException",
                "Invalid principal, arn: arn:aws:iam::123456789012:role/deleted-long-ago",
                http_status_code=400,
            )
        with pytest.raises(RuntimeError) as raised:
            handler.handle(create(), lakeformation, deadline)
        stub.assert_no_pending_responses()
    assert sleeps == list(RETRY_DELAYS)
    message = str(raised.value)
    assert "Invalid principal, arn: arn:aws:iam::123456789012:role/deleted-long-ago" in message
    assert "must be removed (Lake Formation console, Administrative roles and tasks)" in message


def test_a_principal_not_yet_visible_is_put_again(lakeformation, sleeps, deadline):
    before = current(parameters={})
    after = current(admins=(OUTSIDE, DEPLOYER, GRANTS), read_only=(READER,), parameters={"CROSS_ACCOUNT_VERSION": "4"})
    with Stubber(lakeformation) as stub:
        get(stub, before)
        stub.add_client_error("put_data_lake_settings", "InvalidInputException", f"Invalid principal, arn: {READER}")
        get(stub, before)
        put(stub, after)
        get(stub, after)
        handler.handle(create(), lakeformation, deadline)
        stub.assert_no_pending_responses()
    assert sleeps == [1]


def test_a_failed_read_propagates(lakeformation, deadline):
    with Stubber(lakeformation) as stub:
        stub.add_client_error("get_data_lake_settings", "AccessDeniedException", http_status_code=403)
        with pytest.raises(Exception, match="AccessDeniedException"):
            handler.handle(create(), lakeformation, deadline)


def test_beside_a_whole_object_writer_in_moto_nothing_of_the_others_is_lost():
    """moto's PutDataLakeSettings replaces the whole object, as the API reference says the service
    does: the organisation's admin and default permissions set first, the mesh's settings merged
    in, then a later update, then the Delete."""
    deadline = Deadline(600, clock=lambda: 0.0, sleep=lambda _: None)
    with moto.mock_aws():
        lakeformation = boto3.client("lakeformation", region_name="eu-west-1")
        outside = current(parameters={"SET_CONTEXT": "TRUE"})
        lakeformation.put_data_lake_settings(CatalogId=ACCOUNT, DataLakeSettings=outside)

        handler.handle(create(), lakeformation, deadline)
        settings = lakeformation.get_data_lake_settings(CatalogId=ACCOUNT)["DataLakeSettings"]
        assert settings["DataLakeAdmins"] == principals(OUTSIDE, DEPLOYER, GRANTS)
        assert settings["ReadOnlyAdmins"] == principals(READER)
        assert settings["Parameters"] == {"SET_CONTEXT": "TRUE", "CROSS_ACCOUNT_VERSION": "4"}
        assert settings["CreateTableDefaultPermissions"] == DEFAULTS

        handler.handle(
            {
                "RequestType": "Delete",
                "PhysicalResourceId": f"lakeformation-settings/{ACCOUNT}",
                "ResourceProperties": props(),
            },
            lakeformation,
            deadline,
        )
        settings = lakeformation.get_data_lake_settings(CatalogId=ACCOUNT)["DataLakeSettings"]
        assert settings["DataLakeAdmins"] == principals(OUTSIDE, DEPLOYER)
        assert settings["ReadOnlyAdmins"] == []
        assert settings["Parameters"] == {"SET_CONTEXT": "TRUE", "CROSS_ACCOUNT_VERSION": "4"}


# --- what the stacks declare ---------------------------------------------------------------------


def test_the_smoke_test_expects_what_the_domain_stack_declares(example_app):
    """Two computations of one declaration (the stack from CDK, the smoke test from the config):
    they must agree, or a healthy deployment would fail its smoke test."""
    config = load_mesh(ROOT / "environments")
    templates = example_app.templates()
    for env in config.environments:
        domain = templates[f"acme-{env.name}-domain"]
        (settings,) = of_type(domain, "Custom::LakeFormationSettings").values()
        declared = settings["Properties"]
        expected = expected_for(config, env.name).lake_formation
        deployer, grants = declared["Admins"]
        assert deployer == {"Fn::Sub": expected.admins[0].replace("arn:aws:", "arn:${AWS::Partition}:")}
        assert grants == expected.admins[1]
        roles = of_type(domain, "AWS::IAM::Role")
        read_only = [roles[r["Fn::GetAtt"][0]]["Properties"]["RoleName"] for r in declared["ReadOnlyAdmins"]]
        assert read_only == [arn.rsplit("/", 1)[-1] for arn in expected.read_only_admins]
        assert declared["Parameters"] == dict(expected.parameters)


def test_the_settings_function_may_read_and_write_the_settings_and_nothing_else_of_lake_formation(example_app):
    domain = example_app.templates()["acme-dev-domain"]
    (function,) = [
        f
        for k, f in of_type(domain, "AWS::Lambda::Function").items()
        if k.startswith("LakeFormationSettingsHandlerFunction")
    ]
    role_id = function["Properties"]["Role"]["Fn::GetAtt"][0]
    statements = [
        s
        for p in of_type(domain, "AWS::IAM::Policy").values()
        if {"Ref": role_id} in p["Properties"]["Roles"]
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    lake_formation = [s for s in statements if "lakeformation" in str(s["Action"])]
    assert lake_formation == [
        {
            "Action": ["lakeformation:GetDataLakeSettings", "lakeformation:PutDataLakeSettings"],
            "Effect": "Allow",
            "Resource": "*",
        }
    ]


def test_the_smoke_test_role_may_read_the_settings(example_app):
    domain = example_app.templates()["acme-prod-domain"]
    (role_id,) = [k for k in of_type(domain, "AWS::IAM::Role") if k.startswith("SmokeTestRole")]
    statements = [
        s
        for p in of_type(domain, "AWS::IAM::Policy").values()
        if {"Ref": role_id} in p["Properties"]["Roles"]
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    # (CDK merges it with other actions on "*" into one statement)
    assert any(
        "lakeformation:GetDataLakeSettings" in s["Action"] and s["Resource"] == "*" and s["Effect"] == "Allow"
        for s in statements
    )


def test_the_domain_stack_deploys_after_the_foundation_whose_grants_role_it_names(example_app):
    stacks = {s.stack_name: s for s in example_app.stacks()}
    foundation = stacks["acme-dev-foundation"]
    assert foundation.id in {d.id for d in stacks["acme-dev-domain"].dependencies}
