"""Custom-resource handler: accept the AWS RAM invitations of Lake Formation shares from an account.

Resource properties::

    SenderAccountId   the producer account
    SharePrefix       name prefix of the resource shares Lake Formation creates ("LakeFormation")

Lake Formation shares cross-account grants through AWS RAM. Inside one AWS Organization with RAM
sharing enabled the consumer account receives them at once; otherwise each share arrives as an
invitation that someone must accept, and no CloudFormation resource does. This waits (bounded)
until the sender's Lake Formation invitations exist, accepts every PENDING one (idempotent: an
ACCEPTED one is left alone), and fails on a REJECTED or EXPIRED one with what to do. Delete does
nothing: the producer revoking its grants removes the shares.
"""

from __future__ import annotations

from typing import Any

import boto3
from botocore.exceptions import ClientError

from .support import (
    CLIENT_CONFIG,
    LOG,
    PAGE_SIZE,
    WRITE_RETRYABLE,
    Deadline,
    LambdaContext,
    client_token,
    error_code,
    retrying,
    wait_for,
)

PENDING, ACCEPTED = "PENDING", "ACCEPTED"


class InvitationError(RuntimeError):
    """An invitation cannot be accepted any more."""


def on_event(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return handle(event, boto3.client("ram", config=CLIENT_CONFIG), Deadline.of(context))


def physical_id(props: dict[str, Any]) -> str:
    return f"ram-invitations/{props['SenderAccountId']}"


def invitations(client: Any, sender: str, prefix: str) -> list[dict[str, Any]]:
    pages = client.get_paginator("get_resource_share_invitations").paginate(PaginationConfig={"PageSize": PAGE_SIZE})
    found = (i for page in pages for i in page.get("resourceShareInvitations", []))
    return [i for i in found if i["senderAccountId"] == sender and i.get("resourceShareName", "").startswith(prefix)]


def handle(event: dict[str, Any], client: Any, deadline: Deadline) -> dict[str, Any]:
    props = event["ResourceProperties"]
    if event["RequestType"] == "Delete":
        return {"PhysicalResourceId": event["PhysicalResourceId"]}
    sender, prefix = props["SenderAccountId"], props.get("SharePrefix", "LakeFormation")
    found = wait_for(
        lambda: invitations(client, sender, prefix) or None,
        deadline,
        f"a Lake Formation resource-share invitation from account {sender} (deploy the producer's shares first)",
    )
    accepted = 0
    for invitation in found:
        status, arn = invitation["status"], invitation["resourceShareInvitationArn"]
        if status == ACCEPTED:
            continue
        if status != PENDING:
            raise InvitationError(
                f"invitation {arn} ({invitation.get('resourceShareName')}) is {status}: revoke and grant the share "
                "again in the producer account to send a new one"
            )
        try:
            retrying(
                lambda arn=arn: client.accept_resource_share_invitation(
                    resourceShareInvitationArn=arn, clientToken=client_token(arn)
                ),
                deadline,
                WRITE_RETRYABLE | {"ConcurrentModificationException"},
            )
        except ClientError as error:
            if error_code(error) != "ResourceShareInvitationAlreadyAcceptedException":
                raise
        accepted += 1
        LOG.info("accepted %s", arn)
    return {"PhysicalResourceId": physical_id(props), "Data": {"Accepted": str(accepted)}}
