"""The pipeline's plan reads each account through its plan role (STS Stubber on a real client)."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
from botocore.stub import Stubber

from mesh_config import load_mesh
from mesh_plan import __main__ as cli
from tests.synth import ROOT

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_assumes_the_plan_reader_role_once_per_account_and_treats_a_missing_one_as_first_deployment(
    monkeypatch, capsys
):
    config = load_mesh(ROOT / "environments")
    sts = boto3.client("sts", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")
    real_client = boto3.client
    monkeypatch.setattr(
        cli.boto3, "client", lambda service, **kw: sts if service == "sts" else real_client(service, **kw)
    )
    creds = {"AccessKeyId": "ASIAEXAMPLEKEY123456", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": NOW}
    with Stubber(sts) as stub:
        stub.add_response(
            "assume_role",
            {"Credentials": creds},
            {
                "RoleArn": "arn:aws:iam::123456789012:role/acme-dev-mesh-plan-reader",
                "RoleSessionName": "mesh-change-plan",
            },
        )
        stub.add_client_error("assume_role", "AccessDenied", "not authorized to perform sts:AssumeRole")
        factory = cli.role_client_factory(config)
        dev = factory("123456789012", "eu-west-1")
        assert dev is factory("123456789012", "eu-west-1")  # cached: one AssumeRole per account
        assert factory("345678901234", "eu-west-1") is None
        stub.assert_no_pending_responses()
    assert dev.meta.service_model.service_name == "cloudformation"
    assert (
        "prod: arn:aws:iam::345678901234:role/acme-prod-mesh-plan-reader cannot be assumed" in capsys.readouterr().err
    )
