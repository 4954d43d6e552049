"""Foundation of one account: data-lake buckets, the role the Lake Formation grants handlers run
as, and the registry of which grant set declares which Lake Formation grant. The account's Lake
Formation settings (administrators, parameters) are written by the domain stack, the first stack
where every principal they name exists."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Duration, Stack
from constructs import Construct

from mesh_config import EnvironmentConfig, MeshConfig
from mesh_config.naming import ACCESS_LOGS, PROJECT_STORAGE_LAYER, plan_reader_role_name, plan_runner_role_name
from mesh_config.promotion import PromotionMode
from mesh_config.workload_tables import workload_business_unit, workloads_in
from mesh_constructs import DataLakeBuckets, DataLakeBucketsProps
from mesh_constructs.lake_formation_grants import (
    LakeFormationGrantRegistry,
    LakeFormationGrantRegistryProps,
    LakeFormationGrantsRole,
    LakeFormationGrantsRoleProps,
)
from stacks.plan_access import plan_reader_role
from stacks.removal import stateful_removal_policy


class FoundationStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: MeshConfig, env_config: EnvironmentConfig, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        naming = config.naming(env_config)
        removal = stateful_removal_policy(env_config)

        self.lake = DataLakeBuckets(
            self,
            "DataLake",
            DataLakeBucketsProps(
                layers=naming.data_lake_buckets(),
                access_logs_name=naming.bucket(ACCESS_LOGS),
                project_storage_layer=PROJECT_STORAGE_LAYER,
                removal_policy=removal,
            ),
        )
        # A workload's metadata records live as long as its images (the same retention).
        for workload in workloads_in(config.mesh, env_config.name):
            self.lake.bucket("curated").add_lifecycle_rule(
                id=f"workload-{workload.name}",
                prefix=workload.curated_prefix(workload_business_unit(config.mesh, workload)),
                expiration=Duration.days(workload.retention_days),
                noncurrent_version_expiration=Duration.days(1),
            )
        # Every grants handler of the account (catalogs, shared data) runs as this role, which the
        # domain stack's settings make a data-lake administrator: it exists before them, as Lake
        # Formation requires of every principal the settings name.
        self.lake_formation_grants_role = LakeFormationGrantsRole(
            self,
            "LakeFormationGrantsRole",
            LakeFormationGrantsRoleProps(role_name=naming.lake_formation_grants_role()),
        )
        # Every grants custom resource of the account (catalogs, team grants, shared data) records
        # its declaration here and revokes only what no other set declares: Lake Formation keeps
        # one permission however many sets grant it. Here because every other stack of the
        # account, the sharing stages' included, is deployed after the foundation and removed
        # before it.
        self.grant_registry = LakeFormationGrantRegistry(
            self,
            "LakeFormationGrantRegistry",
            LakeFormationGrantRegistryProps(table_name=naming.lake_formation_grant_registry(), removal_policy=removal),
        )
        # The pipeline's change plan compares what it will deploy with what runs here.
        if config.mesh.pipeline is not None and env_config.promotion.mode is PromotionMode.PIPELINE:
            plan_reader_role(
                self,
                role_name=plan_reader_role_name(config.mesh.org, env_config.name),
                tools_account=config.mesh.pipeline.account,
                runner_role_name=plan_runner_role_name(config.mesh.org),
                stack_name_prefix=naming.stack(""),
            )
        for layer, bucket in self.lake.buckets.items():
            CfnOutput(self, f"{layer.capitalize()}BucketName", value=bucket.bucket_name)

    @property
    def project_storage_s3_uri(self) -> str:
        return self.lake.bucket(PROJECT_STORAGE_LAYER).s3_url_for_object()

    @property
    def project_storage_key_arn(self) -> str:
        return self.lake.project_storage_key.key_arn  # type: ignore[union-attr]
