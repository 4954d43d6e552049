"""Trust policies for roles that Amazon DataZone assumes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import aws_iam as iam

DATAZONE = "datazone.amazonaws.com"


def datazone_trust(actions: Sequence[str], conditions: Mapping[str, Mapping[str, Any]]) -> iam.PolicyDocument:
    """One statement trusting the DataZone service, scoped by the given conditions.

    ``iam.Role(assumed_by=...)`` can only express ``sts:AssumeRole``; SMUS roles also need
    ``sts:TagSession`` and ``sts:SetContext`` in the same conditioned statement.
    """
    return iam.PolicyDocument(
        statements=[
            iam.PolicyStatement(
                actions=list(actions),
                principals=[iam.ServicePrincipal(DATAZONE)],
                conditions={k: dict(v) for k, v in conditions.items()},
            )
        ]
    )


def datazone_role(
    scope: Any,
    construct_id: str,
    *,
    description: str,
    managed_policies: Sequence[str],
    actions: Sequence[str],
    conditions: Mapping[str, Mapping[str, Any]],
) -> iam.Role:
    """A role trusted only by DataZone with AWS managed policies attached by name."""
    role = iam.Role(
        scope,
        construct_id,
        assumed_by=iam.ServicePrincipal(DATAZONE),
        description=description,
        managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name(p) for p in managed_policies],
    )
    cfn_role: iam.CfnRole = role.node.default_child  # type: ignore[assignment]
    cfn_role.assume_role_policy_document = datazone_trust(actions, conditions)
    return role


def after_role_policies(resource: Any, *roles: iam.Role) -> None:
    """Order ``resource`` after the inline policies of ``roles``.

    A GetAtt on the role already orders it after the role itself, but not after the role's
    DefaultPolicy; without this DataZone may assume a role that cannot yet act.
    """
    for role in roles:
        policy = role.node.try_find_child("DefaultPolicy")
        if policy is not None:
            resource.node.add_dependency(policy)
