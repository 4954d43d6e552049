"""What a custom-resource handler runs as when it calls no DataZone API: an IAM role and the policy
its rights go into (``DataZoneHandler`` takes it in place of a ``DataZoneHandlerIdentity``)."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import aws_iam as iam
from constructs import Construct


class HandlerRole(Construct):
    """``role``: the role, created elsewhere (``iam.Role``, or one imported by name from the stack
    that owns it); ``policy``: an ``AWS::IAM::Policy`` of this stack on it, for the rights this
    stack's handler needs. It is no DataZone user: ``allow`` refuses DataZone actions."""

    def __init__(self, scope: Construct, construct_id: str, role: iam.IRole) -> None:
        super().__init__(scope, construct_id)
        self.role = role
        self.policy = iam.Policy(self, "Policy", roles=[role])

    def allow(self, actions: Sequence[str]) -> None:
        if actions:
            raise ValueError(f"{self.node.path} is no DataZone identity: it cannot be allowed {', '.join(actions)}")
