"""Trust of a target account's read-only role in exactly one role of the tools account."""

from __future__ import annotations

from collections.abc import Sequence

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


def principals_matching(arns: Sequence[str]) -> iam.IPrincipal:
    """Principals of each account, limited to the ARNs (wildcards allowed) the config names.

    ``aws:PrincipalArn`` with ArnLike instead of naming the roles as principals: Identity Center
    role names end in a random suffix, and IAM refuses a trust policy naming a role that does
    not exist yet.
    """
    by_account: dict[str, list[str]] = {}
    for arn in arns:
        by_account.setdefault(arn.split(":")[4], []).append(arn)
    principals = [
        iam.AccountPrincipal(account).with_conditions({"ArnLike": {"aws:PrincipalArn": sorted(matching)}})
        for account, matching in sorted(by_account.items())
    ]
    return principals[0] if len(principals) == 1 else iam.CompositePrincipal(*principals)
