"""How the organisation's audit logs are kept (mesh.yaml `organization.audit`): the log-archive
bucket's lifecycle and the AWS Config rules deployed where the tool owns AWS Config."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from mesh_config.formats import _format

# The AWS managed Config rules the mesh deploys by default (identifiers from the AWS Config
# Developer Guide, "List of AWS Config Managed Rules"), chosen for what a data lake leaks or loses:
DATA_LAKE_RULES = (
    # its buckets encrypted at rest, and reachable over TLS only
    "S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED",
    "S3_BUCKET_SSL_REQUESTS_ONLY",
    # nothing in them readable or writable by the public
    "S3_BUCKET_PUBLIC_READ_PROHIBITED",
    "S3_BUCKET_PUBLIC_WRITE_PROHIBITED",
    "S3_ACCOUNT_LEVEL_PUBLIC_ACCESS_BLOCKS_PERIODIC",
    # versions to recover an overwritten or deleted object
    "S3_BUCKET_VERSIONING_ENABLED",
    # every API call on the lake recorded (the organisation trail counts)
    "CLOUDTRAIL_ENABLED",
    # KMS keys of the lake and the domain not scheduled for deletion unnoticed
    "KMS_CMK_NOT_SCHEDULED_FOR_DELETION",
    # EBS volumes of the projects' compute encrypted
    "EC2_EBS_ENCRYPTION_BY_DEFAULT",
    # no IAM policy granting "*" on "*"
    "IAM_POLICY_NO_STATEMENTS_WITH_ADMIN_ACCESS",
)

ManagedRule = _format(
    r"^[A-Z0-9_]{1,128}$", 'an AWS managed Config rule identifier in capitals (e.g. "S3_BUCKET_SSL_REQUESTS_ONLY")'
)


class Audit(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    archive_after_days: int = Field(
        90,
        ge=1,
        le=3650,
        description="days after which trail logs move to S3 Glacier Flexible Retrieval",
    )
    expire_after_days: int | None = Field(
        None,
        ge=1,
        le=36500,
        description=(
            "days after which trail logs are deleted by the bucket's lifecycle (nobody else may delete them); "
            "more than archive_after_days @default never"
        ),
        examples=[2555],
    )
    config_rules: list[ManagedRule] = Field(
        default_factory=lambda: list(DATA_LAKE_RULES),
        description=(
            "AWS managed Config rule identifiers deployed in each environment account where `config` is owned "
            "@default the data-lake rules (S3 encryption, TLS, public access, versioning; CloudTrail; KMS; EBS; IAM)"
        ),
        examples=[["S3_BUCKET_SSL_REQUESTS_ONLY", "CLOUDTRAIL_ENABLED"]],
    )
