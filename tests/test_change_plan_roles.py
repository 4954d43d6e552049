"""The pipeline's plan reads each account through its plan role, and fails closed when it cannot
(STS and CloudFormation Stubbers on real clients)."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
import pytest
from botocore.stub import Stubber

from mesh_config import load_mesh
from mesh_plan import __main__ as cli
from mesh_plan.baseline import BaselineError
from tests.synth import ROOT

NOW = datetime(2026, 1, 1, tzinfo=UTC)
CREDS = {"AccessKeyId": "ASIAEXAMPLEKEY123456", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": NOW}
PROD = "345678901234"
READER = f"arn:aws:iam::{PROD}:role/acme-prod-mesh-plan-reader"
LOOKUP = f"arn:aws:iam::{PROD}:role/cdk-hnb659fds-lookup-role-{PROD}-eu-west-1"
SESSION = "mesh-change-plan"


@pytest.fixture
def clients(monkeypatch):
    """Real STS and CloudFormation clients, stubbed, handed out by boto3.client in mesh_plan."""
    kw = {"region_name": "eu-west-1", "aws_access_key_id": "x", "aws_secret_access_key": "x"}
    sts, cfn = boto3.client("sts", **kw), boto3.client("cloudformation", **kw)
    made = {"sts": sts, "cloudformation": cfn}
    monkeypatch.setattr(cli.boto3, "client", lambda service, **_: made[service])
    with Stubber(sts) as sts_stub, Stubber(cfn) as cfn_stub:
        yield sts_stub, cfn_stub
        sts_stub.assert_no_pending_responses()
        cfn_stub.assert_no_pending_responses()


def _denied(stub: Stubber, arn: str) -> None:
    stub.add_client_error(
        "assume_role", "AccessDenied", "not authorized to perform sts:AssumeRole", expected_params=_assume(arn)
    )


def _assume(arn: str) -> dict[str, str]:
    return {"RoleArn": arn, "RoleSessionName": SESSION}


def _foundation(stub: Stubber, status: str | None) -> None:
    params = {"StackName": "acme-prod-foundation"}
    if status is None:
        stub.add_client_error(
            "describe_stacks", "ValidationError", "Stack with id acme-prod-foundation does not exist", 400, params
        )
    else:
        stack = {"StackName": "acme-prod-foundation", "CreationTime": NOW, "StackStatus": status}
        stub.add_response("describe_stacks", {"Stacks": [stack]}, params)


def test_assumes_the_plan_reader_role_once_per_account(clients):
    sts, _ = clients
    sts.add_response(
        "assume_role", {"Credentials": CREDS}, _assume("arn:aws:iam::123456789012:role/acme-dev-mesh-plan-reader")
    )
    factory = cli.role_client_factory(load_mesh(ROOT / "environments"))
    dev = factory("123456789012", "eu-west-1")
    assert dev is factory("123456789012", "eu-west-1")  # cached: one AssumeRole per account
    assert dev.meta.service_model.service_name == "cloudformation"


def test_a_denied_reader_fails_closed_when_the_foundation_stack_exists(clients):
    """A broken trust must not turn the data-loss gate off (it used to pass as a first deployment)."""
    sts, cfn = clients
    _denied(sts, READER)
    sts.add_response("assume_role", {"Credentials": CREDS}, _assume(LOOKUP))
    _foundation(cfn, "UPDATE_COMPLETE")
    factory = cli.role_client_factory(load_mesh(ROOT / "environments"))
    with pytest.raises(BaselineError, match=r"prod: .*plan-reader cannot be assumed .*acme-prod-foundation.* exists"):
        factory(PROD, "eu-west-1")


def test_a_denied_reader_fails_closed_when_the_lookup_role_cannot_tell(clients):
    sts, _ = clients
    _denied(sts, READER)
    _denied(sts, LOOKUP)
    factory = cli.role_client_factory(load_mesh(ROOT / "environments"))
    with pytest.raises(BaselineError, match=r"refuses to pass blind: bootstrap account 345678901234"):
        factory(PROD, "eu-west-1")


@pytest.mark.parametrize("status", [None, "ROLLBACK_COMPLETE"])
def test_a_first_deployment_is_read_through_the_lookup_role(clients, capsys, status):
    """No foundation stack (or one whose creation rolled back) holds nothing: the lookup client then
    reads the other stacks, so none that exists on its own escapes the plan."""
    sts, cfn = clients
    _denied(sts, READER)
    sts.add_response("assume_role", {"Credentials": CREDS}, _assume(LOOKUP))
    _foundation(cfn, status)
    client = cli.role_client_factory(load_mesh(ROOT / "environments"))(PROD, "eu-west-1")
    assert client.meta.service_model.service_name == "cloudformation"
    if status is None:
        assert "prod: " + READER + " cannot be assumed and stack acme-prod-foundation does not exist" in (
            capsys.readouterr().err
        )


def test_other_assume_role_errors_stop_the_plan(clients):
    sts, _ = clients
    sts.add_client_error("assume_role", "RegionDisabledException", "STS is not activated", 403, _assume(READER))
    with pytest.raises(BaselineError, match=r"assume .*plan-reader"):
        cli.role_client_factory(load_mesh(ROOT / "environments"))(PROD, "eu-west-1")
