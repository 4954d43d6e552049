"""The data-lake storage of one account: raw, curated and published layers plus artefacts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from aws_cdk import ArnFormat, Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from mesh_constructs.access_log_bucket import access_log_bucket


@dataclass(frozen=True)
class DataLakeBucketsProps:
    """``layers``: layer name (raw, curated, ...) -> bucket name; ``access_logs_name``: name of
    the bucket receiving their access logs. ``project_storage_layer`` @default None: the layer
    whose bucket SMUS projects use as their S3Location; it gets a key of its own that SMUS
    project roles may use, so their key rights never reach the data-lake layers.
    ``removal_policy`` @default RETAIN (data is never deleted by a config change unless this
    is DESTROY)."""

    layers: Mapping[str, str]
    access_logs_name: str
    project_storage_layer: str | None = None
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
        self.access_logs = access_log_bucket(
            self, "AccessLogs", bucket_name=props.access_logs_name, removal_policy=props.removal_policy
        )
        self.project_storage_key: kms.Key | None = None
        if props.project_storage_layer is not None:
            self.project_storage_key = self._project_storage_key(props.removal_policy)
        self._buckets: dict[str, s3.Bucket] = {}
        for layer, bucket_name in props.layers.items():
            self._buckets[layer] = s3.Bucket(
                self,
                layer.capitalize(),
                bucket_name=bucket_name,
                encryption=s3.BucketEncryption.KMS,
                encryption_key=self.project_storage_key if layer == props.project_storage_layer else self.key,
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

    def _project_storage_key(self, removal_policy: RemovalPolicy) -> kms.Key:
        stack = Stack.of(self)
        key = kms.Key(
            self,
            "ProjectStorageKey",
            description="Encrypts the SMUS project storage bucket (blueprint S3Location and KmsKeyArn)",
            enable_key_rotation=True,
            removal_policy=removal_policy,
            pending_window=Duration.days(30),
        )
        # SMUS creates the project user roles (datazone_usr_role_<project>_<environment>) long
        # after this key, so they are matched by name. Their managed policy
        # (SageMakerStudioProjectUserRolePolicy, statement KmsWithEncrypt) already allows this key
        # once the blueprint's KmsKeyArn tags them with its id; the key policy says the same
        # explicitly, and only through S3 and DataZone.
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowSmusProjectRolesThroughS3AndDataZone",
                principals=[iam.AnyPrincipal()],
                actions=["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
                resources=["*"],
                conditions={
                    "StringEquals": {
                        "aws:PrincipalAccount": stack.account,
                        "kms:ViaService": [
                            f"s3.{stack.region}.amazonaws.com",
                            f"datazone.{stack.region}.amazonaws.com",
                        ],
                    },
                    "ArnLike": {
                        "aws:PrincipalArn": stack.format_arn(
                            service="iam", region="", resource="role", resource_name="datazone_usr_role_*"
                        )
                    },
                },
            )
        )
        # The Tooling environment encrypts its CloudWatch log groups (datazone-*, and airflow-*
        # for Workflows) with the key passed as KmsKeyArn (MDAA sagemaker-domain-helper.ts adds
        # the same CloudWatchLogsEncryption statement to its tooling key).
        log_groups = [
            stack.format_arn(
                service="logs",
                resource="log-group",
                resource_name=f"{prefix}-*",
                arn_format=ArnFormat.COLON_RESOURCE_NAME,
            )
            for prefix in ("datazone", "airflow")
        ]
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchLogsOfSmusProjects",
                principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
                actions=[
                    "kms:Encrypt",
                    "kms:Decrypt",
                    "kms:ReEncryptFrom",
                    "kms:ReEncryptTo",
                    "kms:GenerateDataKey",
                    "kms:DescribeKey",
                ],
                resources=["*"],
                conditions={"ArnLike": {"kms:EncryptionContext:aws:logs:arn": log_groups}},
            )
        )
        return key

    def bucket(self, layer: str) -> s3.Bucket:
        return self._buckets[layer]

    @property
    def buckets(self) -> dict[str, s3.Bucket]:
        return dict(self._buckets)
