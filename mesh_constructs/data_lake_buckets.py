"""The data-lake storage of one account: raw, curated and published layers plus artefacts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from mesh_constructs.acknowledge import acknowledge


@dataclass(frozen=True)
class DataLakeBucketsProps:
    """``layers``: layer name (raw, curated, ...) -> bucket name; ``access_logs_name``: name of
    the bucket receiving their access logs. ``removal_policy`` @default RETAIN (data is never
    deleted by a config change unless this is DESTROY)."""

    layers: Mapping[str, str]
    access_logs_name: str
    removal_policy: RemovalPolicy = RemovalPolicy.RETAIN


class DataLakeBuckets(Construct):
    """KMS-encrypted, versioned, TLS-only buckets whose access is logged to a log bucket.

    Example::

        lake = DataLakeBuckets(self, "Lake", DataLakeBucketsProps(layers={"raw": "..."}, access_logs_name="..."))
        lake.bucket("curated").grant_read(role)
    """

    def __init__(self, scope: Construct, construct_id: str, props: DataLakeBucketsProps) -> None:
        super().__init__(scope, construct_id)
        self.key = kms.Key(
            self,
            "Key",
            description="Encrypts the data-lake buckets",
            enable_key_rotation=True,
            removal_policy=props.removal_policy,
            pending_window=Duration.days(30),
        )
        # Server access logs cannot be delivered to a KMS-encrypted bucket: SSE-S3 here.
        self.access_logs = s3.Bucket(
            self,
            "AccessLogs",
            bucket_name=props.access_logs_name,
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
            removal_policy=props.removal_policy,
            auto_delete_objects=False,
            lifecycle_rules=[
                s3.LifecycleRule(expiration=Duration.days(365), noncurrent_version_expiration=Duration.days(30))
            ],
        )
        acknowledge(
            self.access_logs,
            "This is the access-log bucket itself; logging it into itself would loop.",
            "AwsSolutions-S1",
        )
        self._buckets: dict[str, s3.Bucket] = {}
        for layer, bucket_name in props.layers.items():
            self._buckets[layer] = s3.Bucket(
                self,
                layer.capitalize(),
                bucket_name=bucket_name,
                encryption=s3.BucketEncryption.KMS,
                encryption_key=self.key,
                bucket_key_enabled=True,
                block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
                enforce_ssl=True,
                versioned=True,
                server_access_logs_bucket=self.access_logs,
                server_access_logs_prefix=f"{layer}/",
                removal_policy=props.removal_policy,
                # Emptying buckets on delete needs a Lambda custom resource; a throw-away
                # environment is emptied by hand instead of shipping one.
                auto_delete_objects=False,
            )

    def bucket(self, layer: str) -> s3.Bucket:
        return self._buckets[layer]

    @property
    def buckets(self) -> dict[str, s3.Bucket]:
        return dict(self._buckets)
