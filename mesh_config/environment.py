"""One environment (environments/<name>.yaml): the account and what differs per account."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from mesh_config.promotion import Promotion

_ACCOUNT = r"^\d{12}$"
_REGION = r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$"
_KMS_KEY_ARN = r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[a-zA-Z0-9-]+$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Network(_Model):
    """The VPC where the Tooling and compute blueprints place project resources."""

    vpc_id: Annotated[str, Field(pattern=r"^vpc-[0-9a-f]{8,17}$")]
    subnet_ids: list[Annotated[str, Field(pattern=r"^subnet-[0-9a-f]{8,17}$")]] = Field(
        min_length=2,
        description=(
            "private subnets, one per Availability Zone: at least two, and three when a project profile "
            "uses RedshiftServerless"
        ),
    )


class EnvironmentConfig(_Model):
    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")] = Field(
        description="must match the file name, e.g. staging"
    )
    short_name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")] | None = Field(
        None, description="used in project and profile names (stg for staging); default: name"
    )
    account: Annotated[str, Field(pattern=_ACCOUNT)] = Field(description="12-digit AWS account id, quoted")
    region: Annotated[str, Field(pattern=_REGION)]
    identity_center_instance_arn: Annotated[
        str, Field(pattern=r"^arn:(aws|aws-us-gov|aws-cn):sso:::instance/(sso)?ins-[a-zA-Z0-9-.]{16}$")
    ]
    network: Network
    project_artifacts_s3_uri: Annotated[str, Field(pattern=r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?$")] | None = (
        Field(None, description="S3 location for project artefacts; default: the foundation stack's bucket")
    )
    project_artifacts_kms_key_arn: Annotated[str, Field(pattern=_KMS_KEY_ARN)] | None = Field(
        None,
        description=(
            "KMS key that encrypts project_artifacts_s3_uri (required with it): SMUS project roles may use "
            "only this key; default: the foundation's project storage key"
        ),
    )
    deletion_protection: bool = Field(
        True,
        description=(
            "RETAIN the domain, keys, buckets and projects when removed from config and enable stack "
            "termination protection; set false only for throw-away environments"
        ),
    )
    tags: dict[str, str] = Field(default_factory=dict, description="extra tags; Environment is added automatically")
    promotion: Promotion = Field(default_factory=Promotion, description="how the pipeline promotes into it")

    @property
    def short(self) -> str:
        return self.short_name or self.name
