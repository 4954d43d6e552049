"""One environment (environments/<name>.yaml): the account and what differs per account."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from mesh_config.budget import Budget
from mesh_config.formats import (
    AccountId,
    IdentityCenterInstanceArn,
    KmsKeyArn,
    Region,
    S3Uri,
    Slug,
    SubnetId,
    VpcId,
)
from mesh_config.management import Management
from mesh_config.network import CreatedNetwork
from mesh_config.notifications import Notifications
from mesh_config.promotion import Promotion
from mesh_config.tags import Tags


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Network(_Model):
    """The VPC where the Tooling and compute blueprints place project resources: one that exists
    (vpc_id and subnet_ids) or one the mesh creates (create). Exactly one of the two forms."""

    vpc_id: VpcId | None = Field(None, description="an existing VPC of the account; with subnet_ids, without create")
    subnet_ids: list[SubnetId] = Field(
        default_factory=list,
        min_length=2,
        description=(
            "private subnets of vpc_id, one per Availability Zone: at least two, and three when a project "
            "profile uses RedshiftServerless"
        ),
    )
    create: CreatedNetwork | None = Field(
        None,
        description=(
            "let the mesh create the VPC (the <org>-<env>-network stack: private subnets in three Availability "
            "Zones, VPC endpoints, flow logs) instead of naming one; without vpc_id and subnet_ids"
        ),
    )


class EnvironmentConfig(_Model):
    name: Slug = Field(description="must match the file name, e.g. staging")
    short_name: Slug | None = Field(
        None, description="used in project and profile names (stg for staging); default: name"
    )
    account: AccountId = Field(description="12-digit AWS account id, quoted")
    shared_account_reason: str | None = Field(
        None,
        examples=["sandbox shares the dev account until its own account is approved"],
        min_length=10,
        description=(
            "environments have one account each; to deploy this one into an account another environment "
            "already uses, say why here"
        ),
    )
    region: Region
    identity_center_instance_arn: IdentityCenterInstanceArn
    network: Network
    project_artifacts_s3_uri: S3Uri | None = Field(
        None,
        description="S3 location for project artefacts; default: the foundation stack's bucket",
        examples=["s3://acme-projects-dev/artifacts/"],
    )
    project_artifacts_kms_key_arn: KmsKeyArn | None = Field(
        None,
        examples=["arn:aws:kms:eu-west-1:123456789012:key/1a2b3c4d-5e6f-4a5b-8c9d-0e1f2a3b4c5d"],
        description=(
            "KMS key that encrypts project_artifacts_s3_uri (required with it): SMUS project roles may use "
            "only this key; default: the foundation's project storage key"
        ),
    )
    production_data: bool = Field(
        False,
        description=(
            "the account may hold production data, personal data included (e.g. prod, and a pre-production "
            "account that validates on full data); sharing a pii column to any other environment needs a "
            "reasoned override"
        ),
    )
    deletion_protection: bool = Field(
        True,
        description=(
            "RETAIN the domain, keys, buckets and projects when removed from config and enable stack "
            "termination protection; set false only for throw-away environments"
        ),
    )
    tags: Tags = Field(
        default_factory=dict,
        description="extra tags; Environment is added automatically (at most 50 with mesh.yaml's)",
    )
    promotion: Promotion = Field(default_factory=Promotion, description="how the pipeline promotes into it")
    management: Management = Field(
        default_factory=Management, description="the role through which the datamesh CLI and console act here"
    )
    notifications: Notifications | None = Field(
        None,
        description=(
            "who is told what: alarm recipients, group -> e-mail for DataZone notifications, the QA list told "
            "when the pipeline has deployed and smoke-tested the environment @default none (no monitoring stack)"
        ),
    )
    budget: Budget | None = Field(
        None,
        description=("an AWS Budgets cost budget of this account with alerts, in the <org>-<env>-baseline stack"),
    )

    @property
    def short(self) -> str:
        return self.short_name or self.name
