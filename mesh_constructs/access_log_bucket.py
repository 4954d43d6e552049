"""The bucket that receives S3 server access logs of the buckets beside it."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_s3 as s3
from constructs import Construct


def access_log_bucket(
    scope: Construct, construct_id: str, *, removal_policy: RemovalPolicy, bucket_name: str | None = None
) -> s3.Bucket:
    """Versioned, TLS-only, private, with logs kept a year.

    Server access logs cannot be delivered to a KMS-encrypted bucket, hence SSE-S3; and they are
    delivered only within a region, so each region needs its own.
    """
    bucket = s3.Bucket(
        scope,
        construct_id,
        bucket_name=bucket_name,
        encryption=s3.BucketEncryption.S3_MANAGED,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        enforce_ssl=True,
        versioned=True,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
        removal_policy=removal_policy,
        auto_delete_objects=False,
        lifecycle_rules=[
            s3.LifecycleRule(expiration=Duration.days(365), noncurrent_version_expiration=Duration.days(30))
        ],
    )
    # No AwsSolutions-S1 acknowledgement: cdk-nag exempts a bucket that receives another bucket's
    # server access logs in the same stack, and an access-log bucket nothing logs to should fail.
    return bucket
