"""The organisation's log-archive bucket (in the log-archive account) and the KMS key it is
encrypted with: the organisation trail in the management account writes here, nobody deletes.

Written from the CloudTrail User Guide: "Amazon S3 bucket policy for CloudTrail" (the organisation
trail's statements: GetBucketAcl, and PutObject under AWSLogs/<management account>/ and
AWSLogs/<organization id>/ with ``s3:x-amz-acl = bucket-owner-full-control``, each conditioned on
``aws:SourceArn`` = the trail's ARN) and "Configure AWS KMS key policies for CloudTrail"
(GenerateDataKey* for cloudtrail.amazonaws.com with ``kms:EncryptionContext:aws:cloudtrail:arn``
and ``aws:SourceArn``; DescribeKey). The organisation id is not in the configuration, so the
organisation's prefix is matched as ``AWSLogs/o-*/``; ``aws:SourceArn`` still admits this one trail only.

Deletion: a bucket policy that denies every principal s3:DeleteObject / DeleteObjectVersion, and
denies changing the bucket's protection (policy, lifecycle, versioning, encryption, public access,
deleting the bucket) to everyone but the CloudFormation execution role that deploys this stack.
Logs leave only by the lifecycle rule, which S3 applies itself. S3 Object Lock was not chosen: it
must be switched on when the bucket is created, in COMPLIANCE mode it cannot be undone even by the
account's root user (a wrong retention is permanent), in GOVERNANCE mode anyone allowed
s3:BypassGovernanceRetention lifts it anyway, and AWS Config cannot deliver into such a bucket. The
account's root user can still replace a bucket policy; that is the log-archive account's break-glass
and belongs to nobody's daily work.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from mesh_constructs.access_log_bucket import access_log_bucket

CLOUDTRAIL = "cloudtrail.amazonaws.com"
# What nobody but the deployment may change on the bucket: each would weaken what protects the logs.
PROTECTION_ACTIONS = (
    "s3:DeleteBucket",
    "s3:DeleteBucketPolicy",
    "s3:PutBucketPolicy",
    "s3:PutLifecycleConfiguration",
    "s3:PutBucketVersioning",
    "s3:PutEncryptionConfiguration",
    "s3:PutBucketPublicAccessBlock",
    "s3:PutBucketOwnershipControls",
)
DELETE_ACTIONS = ("s3:DeleteObject", "s3:DeleteObjectVersion")


@dataclass(frozen=True)
class LogArchiveBucketProps:
    """``trail_arn``: the organisation trail allowed to write (in the management account).
    ``management_account``: its account. ``deployer_role_arn``: the role that alone may change the
    bucket's protection (the CDK CloudFormation execution role of this account). ``archive_after_days``:
    to S3 Glacier Flexible Retrieval. ``expire_after_days``: deleted by the lifecycle @default never."""

    bucket_name: str
    access_logs_bucket_name: str
    key_alias: str
    trail_arn: str
    management_account: str
    deployer_role_arn: str
    archive_after_days: int = 90
    expire_after_days: int | None = None


class LogArchiveBucket(Construct):
    def __init__(self, scope: Construct, construct_id: str, props: LogArchiveBucketProps) -> None:
        super().__init__(scope, construct_id)
        partition = Stack.of(self).partition
        trail_condition = {"aws:SourceArn": props.trail_arn}
        self.key = kms.Key(
            self,
            "Key",
            alias=props.key_alias,
            enable_key_rotation=True,
            description="Encrypts the organisation trail's logs in the log-archive bucket",
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudTrailToEncryptLogs",
                principals=[iam.ServicePrincipal(CLOUDTRAIL)],
                actions=["kms:GenerateDataKey*"],
                resources=["*"],
                conditions={
                    "StringEquals": trail_condition,
                    "StringLike": {
                        "kms:EncryptionContext:aws:cloudtrail:arn": (
                            f"arn:{partition}:cloudtrail:*:{props.management_account}:trail/*"
                        )
                    },
                },
            )
        )
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudTrailToDescribeKey",
                principals=[iam.ServicePrincipal(CLOUDTRAIL)],
                actions=["kms:DescribeKey"],
                resources=["*"],
                conditions={"StringEquals": trail_condition},
            )
        )
        self.access_logs = access_log_bucket(
            self, "AccessLogs", bucket_name=props.access_logs_bucket_name, removal_policy=RemovalPolicy.RETAIN
        )
        expiry = (
            {
                "expiration": Duration.days(props.expire_after_days),
                "noncurrent_version_expiration": Duration.days(props.expire_after_days),
            }
            if props.expire_after_days is not None
            else {}
        )
        archive = Duration.days(props.archive_after_days)
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            bucket_name=props.bucket_name,
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.key,
            bucket_key_enabled=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix="log-archive/",
            removal_policy=RemovalPolicy.RETAIN,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="archive",
                    transitions=[s3.Transition(storage_class=s3.StorageClass.GLACIER, transition_after=archive)],
                    noncurrent_version_transitions=[
                        s3.NoncurrentVersionTransition(storage_class=s3.StorageClass.GLACIER, transition_after=archive)
                    ],
                    **expiry,
                )
            ],
        )
        bucket_arn = self.bucket.bucket_arn
        write_condition = {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", **trail_condition}}
        for sid, statement in (
            (
                "AWSCloudTrailAclCheck",
                iam.PolicyStatement(
                    principals=[iam.ServicePrincipal(CLOUDTRAIL)],
                    actions=["s3:GetBucketAcl"],
                    resources=[bucket_arn],
                    conditions={"StringEquals": trail_condition},
                ),
            ),
            (
                "AWSCloudTrailWrite",
                iam.PolicyStatement(
                    principals=[iam.ServicePrincipal(CLOUDTRAIL)],
                    actions=["s3:PutObject"],
                    resources=[
                        f"{bucket_arn}/AWSLogs/{props.management_account}/*",
                        f"{bucket_arn}/AWSLogs/o-*/*",
                    ],
                    conditions=write_condition,
                ),
            ),
            (
                "DenyDeletingLogs",
                iam.PolicyStatement(
                    effect=iam.Effect.DENY,
                    principals=[iam.AnyPrincipal()],
                    actions=list(DELETE_ACTIONS),
                    resources=[f"{bucket_arn}/*"],
                ),
            ),
            (
                "DenyWeakeningTheBucket",
                iam.PolicyStatement(
                    effect=iam.Effect.DENY,
                    principals=[iam.AnyPrincipal()],
                    actions=list(PROTECTION_ACTIONS),
                    resources=[bucket_arn],
                    conditions={"ArnNotLike": {"aws:PrincipalArn": props.deployer_role_arn}},
                ),
            ),
        ):
            statement.sid = sid
            self.bucket.add_to_resource_policy(statement)
