"""Read-only access for the pipeline's post-deploy smoke test, assumed from the tools account."""

from __future__ import annotations

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from mesh_constructs.acknowledge import acknowledge, wildcard_resource_finding
from mesh_constructs.datazone_handler_identity import allow_datazone_actions
from stacks.tools_account_trust import tools_runner_principal


def smoke_test_role(
    scope: Construct,
    *,
    role_name: str,
    tools_account: str,
    runner_role_name: str,
    domain_arn: str,
    stack_name_prefix: str,
    account_settings: bool = False,
) -> iam.Role:
    """What scripts/smoke_test.py reads, and nothing else: the domain and its units, this
    environment's stacks, the account's Lake Formation settings, and with ``account_settings``
    (the environment's baseline owns them) its S3 Block Public Access and EBS default encryption.

    DataZone authorizes ListProjects for the caller's DataZone identity, which this role does
    not have; projects are checked through the CloudFormation stacks that created them.
    """
    stack = Stack.of(scope)
    role = iam.Role(
        scope,
        "SmokeTestRole",
        role_name=role_name,
        description="Assumed by the deployment pipeline to check the deployed SMUS domain (read only)",
        assumed_by=tools_runner_principal(scope, tools_account, runner_role_name),
    )
    # GetDomain on the domain; ListDomainUnitsForParent has no IAM resource type (on *).
    allow_datazone_actions(role, ["datazone:GetDomain", "datazone:ListDomainUnitsForParent"], domain_arn)
    stacks = stack.format_arn(
        service="cloudformation",
        resource="stack",
        resource_name=f"{stack_name_prefix}*/*",
        arn_format=ArnFormat.SLASH_RESOURCE_NAME,
    )
    role.add_to_policy(
        iam.PolicyStatement(
            actions=["cloudformation:DescribeStacks", "cloudformation:ListStackResources"], resources=[stacks]
        )
    )
    # The account's Lake Formation settings, read back (GetDataLakeSettings has no resource type
    # in the Service Authorization Reference: IAM evaluates it against "*").
    role.add_to_policy(iam.PolicyStatement(actions=["lakeformation:GetDataLakeSettings"], resources=["*"]))
    acknowledge(
        role,
        "Stack ARNs end in an id CloudFormation assigns at creation; the wildcard is limited to this "
        "environment's stacks by their name prefix, for two read-only actions.",
        wildcard_resource_finding(role, stacks),
    )
    reads = (
        "lakeformation:GetDataLakeSettings has no resource-level permissions; it reads the data-lake "
        "administrators and settings parameters, nothing else."
    )
    if account_settings:
        # Two reads of one flag set each, no resource types in the Service Authorization Reference
        # (as for the baseline's handler, mesh_constructs/account_baseline.py): IAM evaluates them on "*".
        actions = ["s3:GetAccountPublicAccessBlock", "ec2:GetEbsEncryptionByDefault"]
        role.add_to_policy(iam.PolicyStatement(actions=actions, resources=["*"]))
        reads += (
            " s3:GetAccountPublicAccessBlock and ec2:GetEbsEncryptionByDefault have none either; they read the "
            "Block Public Access flags and the EBS encryption default, nothing else."
        )
    acknowledge(role, reads, "AwsSolutions-IAM5[Resource::*]")
    return role
