"""Read-only access for the pipeline's change plan: the deployed templates of one environment."""

from __future__ import annotations

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from mesh_constructs.acknowledge import acknowledge, wildcard_resource_finding
from stacks.tools_account_trust import tools_runner_principal


def plan_reader_role(
    scope: Construct, *, role_name: str, tools_account: str, runner_role_name: str, stack_name_prefix: str
) -> iam.Role:
    """GetTemplate on this environment's stacks, for the pipeline's synth role only."""
    stack = Stack.of(scope)
    role = iam.Role(
        scope,
        "PlanReaderRole",
        role_name=role_name,
        description="Assumed by the pipeline's change plan to read the deployed templates (read only)",
        assumed_by=tools_runner_principal(scope, tools_account, runner_role_name),
    )
    stacks = stack.format_arn(
        service="cloudformation",
        resource="stack",
        resource_name=f"{stack_name_prefix}*/*",
        arn_format=ArnFormat.SLASH_RESOURCE_NAME,
    )
    # DescribeStackResource finds a nested stack's id (the domain's units stacks) in its parent.
    role.add_to_policy(
        iam.PolicyStatement(
            actions=["cloudformation:GetTemplate", "cloudformation:DescribeStackResource"], resources=[stacks]
        )
    )
    acknowledge(
        role,
        "Stack ARNs end in an id CloudFormation assigns at creation; the wildcard is limited to this "
        "environment's stacks by their name prefix (nested stacks' names start with their parent's), for two "
        "read-only actions.",
        wildcard_resource_finding(role, stacks),
    )
    return role
