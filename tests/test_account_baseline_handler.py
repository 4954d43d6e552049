"""The account-baseline handler (S3 account-level Block Public Access, EBS encryption by default)
against botocore Stubber on real S3 Control and EC2 clients: every path."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from mesh_constructs.handlers import account_baseline as handler
from mesh_constructs.handlers.support import RETRY_DELAYS

ACCOUNT = "123456789012"
PROPS = {"AccountId": ACCOUNT, "Region": "eu-west-1"}
CREATE = {"RequestType": "Create", "ResourceProperties": PROPS}
ALL_ON = dict(handler.BLOCK_ALL)


@pytest.fixture
def s3control():
    return boto3.client("s3control", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")


@pytest.fixture
def ec2():
    return boto3.client("ec2", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")


def got_block(stub: Stubber, flags: dict) -> None:
    stub.add_response("get_public_access_block", {"PublicAccessBlockConfiguration": flags}, {"AccountId": ACCOUNT})


def put_block(stub: Stubber) -> None:
    stub.add_response("put_public_access_block", {}, {"AccountId": ACCOUNT, "PublicAccessBlockConfiguration": ALL_ON})


def got_ebs(stub: Stubber, on: bool) -> None:
    stub.add_response("get_ebs_encryption_by_default", {"EbsEncryptionByDefault": on}, {})


def test_create_turns_on_what_is_off_and_leaves_what_is_on(s3control, ec2, deadline):
    with Stubber(s3control) as s3, Stubber(ec2) as ebs:
        got_block(s3, {**ALL_ON, "RestrictPublicBuckets": False})
        put_block(s3)
        got_ebs(ebs, True)
        result = handler.handle(CREATE, s3control, ec2, deadline)
        s3.assert_no_pending_responses()
        ebs.assert_no_pending_responses()
    assert result == {
        "PhysicalResourceId": f"account-baseline/{ACCOUNT}/eu-west-1",
        "Data": {"PublicAccessBlock": "set", "EbsEncryptionByDefault": "already"},
    }


def test_an_account_without_any_public_access_block_gets_every_flag(s3control, ec2, deadline):
    with Stubber(s3control) as s3, Stubber(ec2) as ebs:
        s3.add_client_error("get_public_access_block", handler.NO_CONFIGURATION, http_status_code=404)
        put_block(s3)
        got_ebs(ebs, False)
        ebs.add_response("enable_ebs_encryption_by_default", {"EbsEncryptionByDefault": True}, {})
        result = handler.handle(CREATE, s3control, ec2, deadline)
        s3.assert_no_pending_responses()
        ebs.assert_no_pending_responses()
    assert result["Data"] == {"PublicAccessBlock": "set", "EbsEncryptionByDefault": "set"}


def test_an_update_with_everything_on_writes_nothing(s3control, ec2, deadline):
    update = {**CREATE, "RequestType": "Update", "PhysicalResourceId": "old", "OldResourceProperties": PROPS}
    with Stubber(s3control) as s3, Stubber(ec2) as ebs:
        got_block(s3, ALL_ON)
        got_ebs(ebs, True)
        result = handler.handle(update, s3control, ec2, deadline)
    assert result["Data"] == {"PublicAccessBlock": "already", "EbsEncryptionByDefault": "already"}


def test_delete_leaves_both_settings_on_and_calls_nothing(s3control, ec2, deadline):
    delete = {"RequestType": "Delete", "ResourceProperties": PROPS, "PhysicalResourceId": "account-baseline/x"}
    with Stubber(s3control) as s3, Stubber(ec2) as ebs:
        assert handler.handle(delete, s3control, ec2, deadline) == {"PhysicalResourceId": "account-baseline/x"}
        s3.assert_no_pending_responses()
        ebs.assert_no_pending_responses()


def test_throttling_is_retried_with_the_bounded_backoff(s3control, ec2, deadline, sleeps):
    with Stubber(s3control) as s3, Stubber(ec2) as ebs:
        s3.add_client_error("get_public_access_block", "SlowDown", http_status_code=503)
        got_block(s3, {})
        s3.add_client_error("put_public_access_block", "Throttling", http_status_code=400)
        put_block(s3)
        got_ebs(ebs, True)
        assert handler.handle(CREATE, s3control, ec2, deadline)["Data"]["PublicAccessBlock"] == "set"
    assert sleeps == [RETRY_DELAYS[0], RETRY_DELAYS[0]]


def test_throttling_that_outlasts_the_retries_raises(s3control, ec2, deadline):
    with Stubber(s3control) as s3:
        for _ in range(len(RETRY_DELAYS) + 1):
            s3.add_client_error("get_public_access_block", "SlowDown", http_status_code=503)
        with pytest.raises(s3control.exceptions.ClientError, match="SlowDown"):
            handler.handle(CREATE, s3control, ec2, deadline)


def test_access_denied_is_raised_not_retried(s3control, ec2, deadline, sleeps):
    with Stubber(s3control) as s3:
        s3.add_client_error("get_public_access_block", "AccessDenied", http_status_code=403)
        with pytest.raises(s3control.exceptions.ClientError, match="AccessDenied"):
            handler.handle(CREATE, s3control, ec2, deadline)
    assert sleeps == []


def test_ebs_left_off_by_the_service_fails_with_the_likely_cause(s3control, ec2, deadline):
    with Stubber(s3control) as s3, Stubber(ec2) as ebs:
        got_block(s3, ALL_ON)
        got_ebs(ebs, False)
        ebs.add_response("enable_ebs_encryption_by_default", {"EbsEncryptionByDefault": False}, {})
        with pytest.raises(RuntimeError, match="SCP or a declarative policy"):
            handler.handle(CREATE, s3control, ec2, deadline)


def test_ebs_refused_is_raised(s3control, ec2, deadline):
    with Stubber(s3control) as s3, Stubber(ec2) as ebs:
        got_block(s3, ALL_ON)
        got_ebs(ebs, False)
        ebs.add_client_error("enable_ebs_encryption_by_default", "UnauthorizedOperation", http_status_code=403)
        with pytest.raises(ec2.exceptions.ClientError, match="UnauthorizedOperation"):
            handler.handle(CREATE, s3control, ec2, deadline)
