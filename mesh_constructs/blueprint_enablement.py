"""Enablement of managed SMUS blueprints in a domain, with the roles they run under."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from aws_cdk import ArnFormat, CfnResource, Stack
from aws_cdk import aws_datazone as datazone
from aws_cdk import aws_iam as iam
from constructs import Construct

from mesh_constructs.acknowledge import acknowledge, wildcard_resource_finding
from mesh_constructs.datazone_trust import after_role_policies, datazone_role
from mesh_constructs.domain_key_use import grant_domain_key_use

# Blueprints without regional network/storage parameters (seen in the SMUS reference templates).
_NO_REGIONAL_PARAMETERS = frozenset({"LakehouseCatalog"})


@dataclass(frozen=True)
class BlueprintEnablementProps:
    """Props of :class:`BlueprintEnablement`.

    ``blueprints``: managed blueprint identifiers (Tooling, DataLake, ...), enabled in this order.
    ``domain_key_arn``: the domain's KMS key, used by the provisioning and manage-access roles.
    ``s3_location``: s3:// URI where projects keep their artefacts, encrypted with
    ``s3_kms_key_arn``, which becomes the project roles' ``KmsKeyId`` tag. ``vpc_id`` and
    ``subnet_ids``: network of the Tooling and compute environments.
    ``root_domain_unit_id``: unit whose projects (and children's) may create on-demand
    environments from these blueprints.
    """

    domain_id: str
    domain_arn: str
    domain_key_arn: str
    root_domain_unit_id: str
    blueprints: Sequence[str]
    s3_location: str
    s3_kms_key_arn: str
    vpc_id: str
    subnet_ids: Sequence[str] = field(default_factory=tuple)


class BlueprintEnablement(Construct):
    """One ``EnvironmentBlueprintConfiguration`` per blueprint, enabled one after another
    (parallel enablement hits DataZone's rate limits), plus the provisioning and
    manage-access roles and the grant that lets project contributors use each blueprint.
    """

    def __init__(self, scope: Construct, construct_id: str, props: BlueprintEnablementProps) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        account, region = stack.account, stack.region

        self.provisioning_role = datazone_role(
            self,
            "ProvisioningRole",
            description="Provisions SMUS project environments from enabled blueprints",
            managed_policies=["service-role/SageMakerStudioProjectProvisioningRolePolicy"],
            actions=["sts:AssumeRole"],
            conditions={"StringEquals": {"aws:SourceAccount": account}},
        )
        self.manage_access_role = datazone_role(
            self,
            "ManageAccessRole",
            description="Grants and revokes access to Glue, Redshift and SageMaker assets of the domain",
            managed_policies=[
                "service-role/AmazonDataZoneGlueManageAccessRolePolicy",
                "service-role/AmazonDataZoneRedshiftManageAccessRolePolicy",
                "AmazonDataZoneSageMakerManageAccessRolePolicy",
            ],
            actions=["sts:AssumeRole"],
            conditions={
                "StringEquals": {"aws:SourceAccount": account},
                "ArnEquals": {"aws:SourceArn": props.domain_arn},
            },
        )
        # Redshift connections keep credentials in secrets tagged with the domain id.
        secrets = stack.format_arn(
            service="secretsmanager", resource="secret", resource_name="*", arn_format=ArnFormat.COLON_RESOURCE_NAME
        )
        self.manage_access_role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["secretsmanager:GetSecretValue"],
                resources=[secrets],
                conditions={"StringEquals": {"secretsmanager:ResourceTag/AmazonDataZoneDomain": props.domain_id}},
            )
        )

        for role in (self.provisioning_role, self.manage_access_role):
            grant_domain_key_use(role, props.domain_key_arn)

        # KmsKeyArn beside S3Location: SMUS tags each project user role with KmsKeyId from it,
        # and SageMakerStudioProjectUserRolePolicy allows KMS only on key/${aws:PrincipalTag/KmsKeyId}.
        # Without it the roles cannot read or write the KMS-encrypted project bucket (MDAA
        # sagemaker-domain-helper.ts passes KmsKeyArn with S3Location; the official SMUS
        # enable_all_blueprints.yaml passes the same regional parameters to every blueprint but
        # LakehouseCatalog).
        regional = {
            "S3Location": props.s3_location,
            "KmsKeyArn": props.s3_kms_key_arn,
            "VpcId": props.vpc_id,
            "Subnets": ",".join(props.subnet_ids),
        }
        self._configs: dict[str, datazone.CfnEnvironmentBlueprintConfiguration] = {}
        previous: CfnResource | None = None
        for blueprint in props.blueprints:
            config = datazone.CfnEnvironmentBlueprintConfiguration(
                self,
                blueprint,
                domain_identifier=props.domain_id,
                environment_blueprint_identifier=blueprint,
                enabled_regions=[region],
                provisioning_role_arn=self.provisioning_role.role_arn,
                manage_access_role_arn=self.manage_access_role.role_arn,
                regional_parameters=[
                    datazone.CfnEnvironmentBlueprintConfiguration.RegionalParameterProperty(
                        region=region,
                        parameters={} if blueprint in _NO_REGIONAL_PARAMETERS else regional,
                    )
                ],
            )
            after_role_policies(config, self.provisioning_role, self.manage_access_role)
            if previous is not None:
                config.node.add_dependency(previous)
            previous = config
            self._configs[blueprint] = config
            datazone.CfnPolicyGrant(
                self,
                f"{blueprint}ProjectsMayCreateEnvironments",
                domain_identifier=props.domain_id,
                entity_type="ENVIRONMENT_BLUEPRINT_CONFIGURATION",
                entity_identifier=f"{account}:{config.attr_environment_blueprint_id}",
                policy_type="CREATE_ENVIRONMENT_FROM_BLUEPRINT",
                detail=datazone.CfnPolicyGrant.PolicyGrantDetailProperty(create_environment_from_blueprint={}),
                principal=datazone.CfnPolicyGrant.PolicyGrantPrincipalProperty(
                    project=datazone.CfnPolicyGrant.ProjectPolicyGrantPrincipalProperty(
                        project_designation="CONTRIBUTOR",
                        project_grant_filter=datazone.CfnPolicyGrant.ProjectGrantFilterProperty(
                            domain_unit_filter=datazone.CfnPolicyGrant.DomainUnitFilterForProjectProperty(
                                domain_unit=props.root_domain_unit_id, include_child_domain_units=True
                            )
                        ),
                    )
                ),
            )

        acknowledge(
            self.provisioning_role,
            "SMUS provisions project environments with the AWS managed "
            "SageMakerStudioProjectProvisioningRolePolicy, which AWS keeps in step with the blueprints.",
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/SageMakerStudioProjectProvisioningRolePolicy]",
        )
        acknowledge(
            self.manage_access_role,
            "DataZone's documented manage-access role uses the AWS managed AmazonDataZone*ManageAccessRolePolicy "
            "policies (Glue, Redshift, SageMaker) to grant subscribers access to those assets.",
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonDataZoneGlueManageAccessRolePolicy]",
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonDataZoneRedshiftManageAccessRolePolicy]",
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonDataZoneSageMakerManageAccessRolePolicy]",
        )
        acknowledge(
            self.manage_access_role,
            "Redshift credentials secrets are created per subscription with unknown names; GetSecretValue is "
            "limited to secrets of this account tagged with this domain's id "
            "(secretsmanager:ResourceTag/AmazonDataZoneDomain condition).",
            wildcard_resource_finding(self, secrets),
        )

    def blueprint_id(self, blueprint: str) -> str:
        return self._configs[blueprint].attr_environment_blueprint_id
