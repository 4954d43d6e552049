"""cdk-nag 3 acknowledgments: each finding id named exactly, each with its reason."""

from __future__ import annotations

from typing import Any

from aws_cdk import Acknowledgment, CfnResource, Stack, Validations
from constructs import IConstruct


def acknowledge(construct: IConstruct, reason: str, *finding_ids: str) -> None:
    Validations.of(construct).acknowledge(*(Acknowledgment(id=f, reason=reason) for f in finding_ids))


def render_for_nag(value: Any) -> str:
    """A resolved template value as cdk-nag prints it in a finding id: ``<LogicalId.Arn>`` for
    GetAtt, ``<LogicalId>`` (or ``<AWS::Partition>``) for Ref, joins concatenated."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        logical_id, attribute = value["Fn::GetAtt"]
        return f"<{logical_id}.{attribute}>"
    if isinstance(value, dict) and "Ref" in value:
        return f"<{value['Ref']}>"
    if isinstance(value, dict) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return separator.join(render_for_nag(p) for p in parts)
    return str(value)


def wildcard_resource_finding(scope: IConstruct, resource: str) -> str:
    """The AwsSolutions-IAM5 finding id of a policy resource, rendered from what CDK synthesizes
    (the partition is a literal or a Ref depending on the stack's region and feature flags)."""
    return f"AwsSolutions-IAM5[Resource::{render_for_nag(Stack.of(scope).resolve(resource))}]"


def acknowledge_distinct_members(membership: CfnResource) -> None:
    """cfn-lint's E3019 compares ProjectMembership resources without their member, so two members
    of one project look like duplicates. Both cfn-lint (metadata) and CDK's built-in validator
    (acknowledgment) must be told."""
    reason = (
        "E3019 false positive: ProjectMembership's primary identifier includes the member, so "
        "several members of one project are distinct."
    )
    membership.add_metadata("cfn-lint", {"config": {"ignore_checks": ["E3019"]}})
    acknowledge(membership, reason, "CloudFormation-Validate::E3019")
