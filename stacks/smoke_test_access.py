"""Read-only access for the pipeline's post-deploy smoke test, assumed from the tools account."""

from __future__ import annotations

from aws_cdk import aws_iam as iam
from constructs import Construct


def smoke_test_role(scope: Construct, *, role_name: str, tools_account: str, domain_arn: str) -> iam.Role:
    role = iam.Role(
        scope,
        "SmokeTestRole",
        role_name=role_name,
        description="Assumed by the deployment pipeline to check the deployed SMUS domain (read only)",
        assumed_by=iam.AccountPrincipal(tools_account),
    )
    role.add_to_policy(
        iam.PolicyStatement(
            actions=["datazone:GetDomain", "datazone:ListDomainUnitsForParent", "datazone:ListProjects"],
            resources=[domain_arn],
        )
    )
    return role
