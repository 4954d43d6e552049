"""Custom-resource handler: the account-wide settings CloudFormation has no resource type for, the
S3 account-level public access block and EBS encryption by default (per region).

Resource properties::

    AccountId   the account
    Region      the region whose EBS default the resource sets (EBS encryption by default is regional)

Create and Update read each setting and write it only when it is not already on: all four S3 Block
Public Access flags true (S3 Control PutPublicAccessBlock, which replaces the whole configuration),
and EnableEbsEncryptionByDefault (new volumes encrypted with the region's default EBS key,
aws/ebs, unless the account chose another). The EBS write is read back: EnableEbsEncryptionByDefault
answers with the state it left.

Delete leaves both on and says so in the log. They protect every bucket and volume of the account,
not only the mesh's; taking the baseline out of `owns` (or deleting the stack) must not silently
expose data that other teams rely on these settings for. Switching them off is a deliberate act in
the console or the CLI (s3control delete-public-access-block, ec2 disable-ebs-encryption-by-default).
"""

from __future__ import annotations

from typing import Any

import boto3
from botocore.exceptions import ClientError

from .support import CLIENT_CONFIG, LOG, Deadline, LambdaContext, error_code, retrying

# What S3 Control and EC2 answer when throttled: worth another try after botocore's own retries.
THROTTLED = frozenset({"Throttling", "ThrottlingException", "SlowDown", "RequestLimitExceeded"})
NO_CONFIGURATION = "NoSuchPublicAccessBlockConfiguration"
BLOCK_ALL = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}
SET, ALREADY = "set", "already"


def on_event(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    region = event["ResourceProperties"].get("Region")
    return handle(
        event,
        boto3.client("s3control", config=CLIENT_CONFIG, region_name=region),
        boto3.client("ec2", config=CLIENT_CONFIG, region_name=region),
        Deadline.of(context),
    )


def physical_id(props: dict[str, Any]) -> str:
    return f"account-baseline/{props['AccountId']}/{props['Region']}"


def public_access_block(s3control: Any, account: str, deadline: Deadline) -> dict[str, bool]:
    """The account's Block Public Access flags; none set when it has no configuration at all."""
    try:
        answer = retrying(lambda: s3control.get_public_access_block(AccountId=account), deadline, THROTTLED)
    except ClientError as error:
        if error_code(error) == NO_CONFIGURATION:
            return {}
        raise
    return answer.get("PublicAccessBlockConfiguration", {})


def block_public_access(s3control: Any, account: str, deadline: Deadline) -> str:
    current = public_access_block(s3control, account, deadline)
    if all(current.get(flag) is True for flag in BLOCK_ALL):
        return ALREADY
    LOG.info("S3 Block Public Access of %s was %s: turning every flag on", account, current or "not configured")
    retrying(
        lambda: s3control.put_public_access_block(AccountId=account, PublicAccessBlockConfiguration=BLOCK_ALL),
        deadline,
        THROTTLED,
    )
    return SET


def encrypt_ebs_by_default(ec2: Any, deadline: Deadline) -> str:
    if retrying(ec2.get_ebs_encryption_by_default, deadline, THROTTLED).get("EbsEncryptionByDefault") is True:
        return ALREADY
    answer = retrying(ec2.enable_ebs_encryption_by_default, deadline, THROTTLED)
    if answer.get("EbsEncryptionByDefault") is not True:
        raise RuntimeError(
            "EC2 answered EnableEbsEncryptionByDefault with encryption by default still off: an SCP or a "
            "declarative policy of the organisation may forbid it (check ec2:EnableEbsEncryptionByDefault)"
        )
    return SET


def handle(event: dict[str, Any], s3control: Any, ec2: Any, deadline: Deadline) -> dict[str, Any]:
    props = event["ResourceProperties"]
    if event["RequestType"] == "Delete":
        LOG.info(
            "leaving S3 Block Public Access and EBS encryption by default on in %s (%s): they protect the whole "
            "account, and switching them off is a deliberate act",
            props.get("AccountId"),
            props.get("Region"),
        )
        return {"PhysicalResourceId": event["PhysicalResourceId"]}
    account = str(props["AccountId"])
    public_access = block_public_access(s3control, account, deadline)
    ebs = encrypt_ebs_by_default(ec2, deadline)
    LOG.info(
        "account baseline of %s: public access block %s, EBS encryption by default %s", account, public_access, ebs
    )
    return {
        "PhysicalResourceId": physical_id(props),
        "Data": {"PublicAccessBlock": public_access, "EbsEncryptionByDefault": ebs},
    }
