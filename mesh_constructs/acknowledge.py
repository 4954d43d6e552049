"""cdk-nag 3 acknowledgments: each finding id named exactly, each with its reason."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any
from weakref import WeakKeyDictionary

import jsii
from aws_cdk import Acknowledgment, Aspects, IAspect, Stack, Validations
from aws_cdk import aws_datazone as datazone
from constructs import IConstruct

from mesh_constructs.scope_cache import stack_of


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
    return f"AwsSolutions-IAM5[Resource::{render_for_nag(stack_of(scope).resolve(resource))}]"


# Context key an app sets to False when it synthesizes without CDK's built-in CloudFormation
# validation (cdk.App(builtin_cloud_formation_validation=False)): the E3019 acknowledgments below
# serve that validator only, and with thousands of memberships they are a quarter of a large synth.
BUILTIN_VALIDATION_CONTEXT = "mesh:builtinValidation"


def builtin_validation_runs(scope: IConstruct) -> bool:
    """Whether CDK's built-in validation runs on ``scope``'s app (unknown counts as yes)."""
    return stack_of(scope).node.try_get_context(BUILTIN_VALIDATION_CONTEXT) is not False


DISTINCT_MEMBERS_REASON = (
    "E3019 false positive: ProjectMembership's primary identifier includes the member, so several members of one "
    "project are distinct."
)


def acknowledge_distinct_members(
    scope: IConstruct, membership: datazone.CfnProjectMembership, domain_identifier: str, project_identifier: str
) -> None:
    """cfn-lint's E3019 compares ProjectMembership resources without their member, so two members
    of one project in one template look like duplicates. Whether a membership has such a sibling
    is known only once the stack is complete, so one ``_DistinctMembers`` aspect per stack tells
    cfn-lint (metadata) and CDK's built-in validator (acknowledgment) at synth, for exactly those.

    ``scope`` is the membership's scope and the identifiers are the values it was created with:
    given here, they cost no round trip to the jsii kernel (a mesh has thousands of memberships)."""
    stack = stack_of(scope)
    aspect = _DISTINCT_MEMBERS.get(stack)
    if aspect is None:
        aspect = _DISTINCT_MEMBERS[stack] = _DistinctMembers(stack)
        # On the stack's first membership, not on the stack: an aspect is called back from Node
        # for every construct of its scope, and a membership has no children, so this is one call.
        Aspects.of(membership).add(aspect)
    aspect.members.append((membership, domain_identifier, project_identifier))


@jsii.implements(IAspect)
class _DistinctMembers:
    def __init__(self, stack: Stack) -> None:
        self._stack = stack
        self._done = False
        self.members: list[tuple[datazone.CfnProjectMembership, str, str]] = []

    def visit(self, node: IConstruct) -> None:
        # Once, at synth: every membership of the stack exists by then.
        if self._done:
            return
        self._done = True
        acknowledged = builtin_validation_runs(self._stack)
        # One resolve for all of the stack's memberships instead of one each.
        keys = self._stack.resolve([[domain, project] for _, domain, project in self.members])
        by_project: dict[str, list[datazone.CfnProjectMembership]] = defaultdict(list)
        for (membership, _, _), key in zip(self.members, keys, strict=True):
            by_project[json.dumps(key, sort_keys=True)].append(membership)
        for siblings in by_project.values():
            if len(siblings) < 2:
                continue
            for membership in siblings:
                # cfn-lint reads the template, whoever runs it: always written.
                membership.add_metadata("cfn-lint", {"config": {"ignore_checks": ["E3019"]}})
                if acknowledged:
                    acknowledge(membership, DISTINCT_MEMBERS_REASON, "CloudFormation-Validate::E3019")


_DISTINCT_MEMBERS: WeakKeyDictionary[Stack, _DistinctMembers] = WeakKeyDictionary()
