"""The group memberships of one SMUS project, beside the project or in a stack of their own."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from aws_cdk import Stack
from aws_cdk import aws_datazone as datazone
from constructs import Construct

from mesh_constructs.acknowledge import acknowledge_distinct_members
from mesh_constructs.scope_cache import stack_of


class Designation(StrEnum):
    """The managed designations of SMUS V2 projects. The DataZone API also lists
    PROJECT_CATALOG_VIEWER / _CONSUMER / _STEWARD, but AWS::DataZone::ProjectMembership accepts
    only these two and the SMUS admin guide names Owner and Contributor as the managed
    designations (MDAA's project construct and aws/CICD-for-SageMakerUnifiedStudio use the same two)."""

    OWNER = "PROJECT_OWNER"
    CONTRIBUTOR = "PROJECT_CONTRIBUTOR"


# Group name -> (DataZone group id, designation).
Members = Mapping[str, tuple[str, Designation]]


@dataclass(frozen=True)
class ProjectMembersProps:
    """``project_id``: the project's id, from its own stack or another (a cross-stack reference).
    ``members`` @default none: group name -> (DataZone group id, designation); the name is the
    construct id, so adding or removing one member never touches another."""

    domain_id: str
    project_id: str
    members: Members = field(default_factory=dict)


class ProjectMembers(Construct):
    """Children ``Member-<group>``, one AWS::DataZone::ProjectMembership each.

    Example (a members stack, the project in a projects stack)::

        ProjectMembers(stack, project_key, ProjectMembersProps(domain_id, project.project_id, members))
    """

    def __init__(self, scope: Construct, construct_id: str, props: ProjectMembersProps) -> None:
        super().__init__(scope, construct_id)
        self._props = props
        # Of the scope, usually the stack itself: no round trip to the jsii kernel per project.
        self._stack = stack_of(scope)
        self.memberships: dict[str, datazone.CfnProjectMembership] = {}
        for group_name, (group_id, designation) in props.members.items():
            self.add_member(group_name, group_id, designation)

    def add_member(self, group_name: str, group_id: str, designation: Designation) -> datazone.CfnProjectMembership:
        membership = add_project_member(
            self, self._stack, self._props.domain_id, self._props.project_id, group_name, group_id, designation
        )
        self.memberships[group_name] = membership
        return membership


def add_project_member(
    scope: Construct,
    stack: Stack,
    domain_id: str,
    project_id: str,
    group_name: str,
    group_id: str,
    designation: Designation,
) -> datazone.CfnProjectMembership:
    """One membership ``Member-<group_name>`` in ``scope``: a ProjectMembers, or the Project itself,
    whose deployed memberships are its direct children (their logical ids and paths are kept).
    ``stack`` is the scope's stack, given by the caller, which knows it without asking the kernel."""
    membership = datazone.CfnProjectMembership(
        scope,
        f"Member-{group_name}",
        domain_identifier=domain_id,
        project_identifier=project_id,
        designation=designation.value,
        member=datazone.CfnProjectMembership.MemberProperty(group_identifier=group_id),
    )
    acknowledge_distinct_members(stack, membership, domain_id, project_id)
    return membership
