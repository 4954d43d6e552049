"""The group memberships of many projects in one template fragment: the same resources and
logical ids as one ``ProjectMembers`` construct per project (``<key>/Member-<group>``), built in one
call to the jsii kernel (mesh_constructs/template_fragment.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from constructs import Construct

from mesh_constructs.acknowledge import DISTINCT_MEMBERS_REASON, acknowledge, builtin_validation_runs
from mesh_constructs.project_members import Members
from mesh_constructs.scope_cache import stack_of
from mesh_constructs.template_fragment import FragmentTemplate, TemplateFragment

# cfn-lint's E3019 compares ProjectMembership resources without their member (acknowledge.py).
DISTINCT_MEMBERS_METADATA = {"cfn-lint": {"config": {"ignore_checks": ["E3019"]}}}


@dataclass(frozen=True)
class KeyedMembers:
    """``key``: the project's mesh key (the memberships' logical ids derive from it);
    ``project_id``: the project's id, a token of another stack."""

    key: str
    domain_id: str
    project_id: str
    members: Members


def add_memberships(template: FragmentTemplate, key: str, domain: Any, project: Any, members: Members) -> list[str]:
    """The project's memberships at ``<key>/Member-<group>``; ``domain`` and ``project`` are
    template values. Returns the logical ids of memberships that share their project (E3019)."""
    siblings = len(members) > 1
    ids = [
        template.add(
            [key, f"Member-{group_name}"],
            "AWS::DataZone::ProjectMembership",
            {
                "Designation": designation.value,
                "DomainIdentifier": domain,
                "Member": {"GroupIdentifier": template.value(group_id)},
                "ProjectIdentifier": project,
            },
            metadata=DISTINCT_MEMBERS_METADATA if siblings else None,
            # Nothing references a membership and no cdk-nag rule inspects one.
            plain=True,
        )
        for group_name, (group_id, designation) in members.items()
    ]
    return ids if siblings else []


def acknowledge_shared(fragment: TemplateFragment, logical_ids: Sequence[str]) -> None:
    """CDK's built-in validation (when it runs) takes its E3019 acknowledgments on the constructs."""
    # Without the validation there is nothing to acknowledge, and only then are memberships plain.
    if not logical_ids or not builtin_validation_runs(fragment):
        return
    for logical_id in logical_ids:
        acknowledge(
            fragment.include.get_resource(logical_id), DISTINCT_MEMBERS_REASON, "CloudFormation-Validate::E3019"
        )


class MemberSet(Construct):
    def __init__(self, scope: Construct, construct_id: str, projects: Sequence[KeyedMembers]) -> None:
        super().__init__(scope, construct_id)
        template = FragmentTemplate(stack_of(scope))
        shared: list[str] = []
        for p in projects:
            shared += add_memberships(
                template, p.key, template.value(p.domain_id), template.value(p.project_id), p.members
            )
        self.fragment = TemplateFragment(self, "Fragment", template)
        acknowledge_shared(self.fragment, shared)
