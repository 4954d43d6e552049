"""The RAM invitation handler against botocore Stubber on a real RAM client."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
import pytest
from botocore.stub import ANY, Stubber

from mesh_constructs.handlers import ram_invitation as handler
from mesh_constructs.handlers.support import SAFETY_MARGIN, WAIT_INTERVAL, WaitTimeout
from tests.conftest import LAMBDA_SECONDS

PRODUCER = "333333333333"
NOW = datetime(2026, 1, 1, tzinfo=UTC)
# A whole invocation's wait (the fake clock advances only by sleeping).
WAITED = LAMBDA_SECONDS - SAFETY_MARGIN
EVENT = {"RequestType": "Create", "ResourceProperties": {"SenderAccountId": PRODUCER, "SharePrefix": "LakeFormation"}}


@pytest.fixture
def ram():
    return boto3.client("ram", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")


def invitation(status: str, sender: str = PRODUCER, name: str = "LakeFormation-V4-abc", n: int = 1) -> dict:
    return {
        "resourceShareInvitationArn": f"arn:aws:ram:eu-west-1:{sender}:resource-share-invitation/i{n}",
        "resourceShareName": name,
        "senderAccountId": sender,
        "receiverAccountId": "111111111111",
        "invitationTimestamp": NOW,
        "status": status,
    }


def listed(stub: Stubber, *items: dict) -> None:
    stub.add_response("get_resource_share_invitations", {"resourceShareInvitations": list(items)}, {"maxResults": 50})


def test_waits_for_the_invitation_then_accepts_pending_ones_only(ram, sleeps, deadline):
    with Stubber(ram) as stub:
        listed(stub, invitation("PENDING", sender="999999999999"))  # another sender's: not ours
        listed(stub, invitation("PENDING"), invitation("ACCEPTED", n=2), invitation("PENDING", name="other-share", n=3))
        stub.add_response(
            "accept_resource_share_invitation",
            {"resourceShareInvitation": invitation("ACCEPTED")},
            {"resourceShareInvitationArn": invitation("PENDING")["resourceShareInvitationArn"], "clientToken": ANY},
        )
        result = handler.handle(EVENT, ram, deadline)
        stub.assert_no_pending_responses()
    assert result == {"PhysicalResourceId": f"ram-invitations/{PRODUCER}", "Data": {"Accepted": "1"}}
    assert sleeps == [WAIT_INTERVAL]


def test_rerun_with_everything_accepted_calls_no_accept(ram, deadline):
    with Stubber(ram) as stub:
        listed(stub, invitation("ACCEPTED"))
        assert handler.handle(EVENT, ram, deadline)["Data"] == {"Accepted": "0"}
        stub.assert_no_pending_responses()


def test_an_expired_invitation_fails_with_what_to_do(ram, deadline):
    with Stubber(ram) as stub:
        listed(stub, invitation("EXPIRED"))
        with pytest.raises(handler.InvitationError, match="is EXPIRED: revoke and grant the share again"):
            handler.handle(EVENT, ram, deadline)


def test_no_invitation_times_out_with_a_clear_error(ram, deadline):
    with Stubber(ram) as stub:
        for _ in range(WAITED // WAIT_INTERVAL + 1):
            listed(stub)
        with pytest.raises(WaitTimeout, match="from account 333333333333 \\(deploy the producer's shares first\\)"):
            handler.handle(EVENT, ram, deadline)


def test_already_accepted_in_between_is_fine_and_other_errors_raise(ram, deadline):
    with Stubber(ram) as stub:
        listed(stub, invitation("PENDING"))
        stub.add_client_error("accept_resource_share_invitation", "ResourceShareInvitationAlreadyAcceptedException")
        handler.handle(EVENT, ram, deadline)
        listed(stub, invitation("PENDING"))
        stub.add_client_error("accept_resource_share_invitation", "OperationNotPermittedException")
        with pytest.raises(Exception, match="OperationNotPermittedException"):
            handler.handle(EVENT, ram, deadline)


def test_delete_does_nothing(ram, deadline):
    with Stubber(ram) as stub:
        event = {"RequestType": "Delete", "PhysicalResourceId": "x", "ResourceProperties": EVENT["ResourceProperties"]}
        assert handler.handle(event, ram, deadline) == {"PhysicalResourceId": "x"}
        stub.assert_no_pending_responses()
