"""A SageMaker Unified Studio (DataZone V2) domain with its key and roles."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_datazone as datazone
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from mesh_constructs.acknowledge import acknowledge
from mesh_constructs.datazone_trust import after_role_policies, datazone_role
from mesh_constructs.domain_key_use import KEY_USE_ACTIONS, grant_domain_key_use

IAM4_FINDINGS = (
    [
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/SageMakerStudioDomainExecutionRolePolicy]"
    ],
    [
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/SageMakerStudioDomainServiceRolePolicy]"
    ],
)


class UserAssignment(StrEnum):
    AUTOMATIC = "AUTOMATIC"
    MANUAL = "MANUAL"


@dataclass(frozen=True)
class SmusDomainProps:
    """Props of :class:`SmusDomain`.

    ``name``: domain name. ``idc_instance_arn``: IAM Identity Center instance used for
    single sign-on. ``user_assignment`` @default MANUAL (only assigned groups sign in).
    ``description`` @default "". ``removal_policy`` @default RETAIN: the domain holds the
    catalog, glossaries and subscriptions; destroying it is never a default.
    """

    name: str
    idc_instance_arn: str
    user_assignment: UserAssignment = UserAssignment.MANUAL
    description: str = ""
    removal_policy: RemovalPolicy = RemovalPolicy.RETAIN


class SmusDomain(Construct):
    """A V2 domain, encrypted with its own customer-managed key.

    Example::

        domain = SmusDomain(self, "Domain", SmusDomainProps(
            name="acme-dev-unified-domain",
            idc_instance_arn="arn:aws:sso:::instance/ssoins-0123456789abcdef"))
        domain.domain_id, domain.root_domain_unit_id
    """

    def __init__(self, scope: Construct, construct_id: str, props: SmusDomainProps) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        account, region = stack.account, stack.region

        self.key = kms.Key(
            self,
            "Key",
            description=f"Encrypts the metadata of SMUS domain {props.name}",
            enable_key_rotation=True,
            alias=f"alias/{props.name}",
            removal_policy=props.removal_policy,
            pending_window=Duration.days(30),
        )
        # DataZone encrypts domain metadata with grants it creates while acting for a caller of
        # this account: any principal, but only through DataZone and only from this account
        # (MDAA common-domain-helper.ts createDomainKmsKey writes the same pair of conditions).
        # The key's default statement already delegates to IAM, so no root statement is repeated.
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowDataZoneThroughService",
                principals=[iam.AnyPrincipal()],
                actions=[*KEY_USE_ACTIONS, "kms:CreateGrant"],
                resources=["*"],
                conditions={
                    "StringEquals": {
                        "kms:ViaService": f"datazone.{region}.amazonaws.com",
                        "kms:CallerAccount": account,
                    }
                },
            )
        )
        # Project user roles (datazone_usr_role_<project>_<environment>) are created by SMUS after
        # this key exists, so they can only be matched by name; they read domain metadata
        # through DataZone, never directly.
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowSmusProjectRolesThroughDataZone",
                principals=[iam.AnyPrincipal()],
                actions=["kms:Decrypt", "kms:GenerateDataKey"],
                resources=["*"],
                conditions={
                    "StringEquals": {
                        "aws:PrincipalAccount": account,
                        "kms:ViaService": f"datazone.{region}.amazonaws.com",
                    },
                    "ArnLike": {
                        "aws:PrincipalArn": stack.format_arn(
                            service="iam", region="", resource="role", resource_name="datazone_*"
                        )
                    },
                },
            )
        )

        self.execution_role = datazone_role(
            self,
            "ExecutionRole",
            description=f"SMUS domain execution role of {props.name}",
            managed_policies=["service-role/SageMakerStudioDomainExecutionRolePolicy"],
            actions=["sts:AssumeRole", "sts:TagSession", "sts:SetContext"],
            conditions={
                "StringEquals": {"aws:SourceAccount": account},
                "ForAllValues:StringLike": {"aws:TagKeys": "datazone*"},
            },
        )
        self.service_role = datazone_role(
            self,
            "ServiceRole",
            description=f"SMUS domain service role of {props.name}",
            managed_policies=["service-role/SageMakerStudioDomainServiceRolePolicy"],
            actions=["sts:AssumeRole"],
            conditions={"StringEquals": {"aws:SourceAccount": account}},
        )
        for role in (self.execution_role, self.service_role):
            grant_domain_key_use(role, self.key.key_arn)

        self.domain = datazone.CfnDomain(
            self,
            "Resource",
            name=props.name,
            description=props.description or None,
            domain_version="V2",
            domain_execution_role=self.execution_role.role_arn,
            service_role=self.service_role.role_arn,
            kms_key_identifier=self.key.key_arn,
            single_sign_on=datazone.CfnDomain.SingleSignOnProperty(
                type="IAM_IDC",
                user_assignment=props.user_assignment.value,
                idc_instance_arn=props.idc_instance_arn,
            ),
        )
        self.domain.apply_removal_policy(props.removal_policy)
        after_role_policies(self.domain, self.execution_role, self.service_role)

        self.domain_id: str = self.domain.attr_id
        self.domain_arn: str = self.domain.attr_arn
        self.root_domain_unit_id: str = self.domain.attr_root_domain_unit_id
        self.portal_url: str = self.domain.attr_portal_url

        for role in (self.execution_role, self.service_role):
            acknowledge(
                role,
                "SMUS requires the AWS managed SageMakerStudioDomain*RolePolicy on its domain roles; AWS "
                "maintains them as the service adds features.",
                *IAM4_FINDINGS[role is self.service_role],
            )
