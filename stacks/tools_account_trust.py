"""Trust of a target account's read-only role in exactly one role of the tools account."""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from constructs import Construct


def tools_runner_principal(scope: Construct, tools_account: str, runner_role_name: str) -> iam.IPrincipal:
    """The tools account, limited to one role by ARN in a condition: IAM refuses a principal that
    does not exist yet, and the pipeline stack may be deployed after the target's stacks (direct
    mode, first deployment)."""
    stack = Stack.of(scope)
    runner = stack.format_arn(
        service="iam", region="", account=tools_account, resource="role", resource_name=runner_role_name
    )
    return iam.AccountPrincipal(tools_account).with_conditions({"ArnEquals": {"aws:PrincipalArn": runner}})
