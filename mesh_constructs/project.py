"""A SMUS project and its members."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from aws_cdk import RemovalPolicy
from aws_cdk import aws_datazone as datazone
from constructs import Construct

from mesh_constructs.project_members import Designation, Members, add_project_member
from mesh_constructs.project_repository import GitRepository
from mesh_constructs.scope_cache import stack_of

__all__ = ["DeployedProject", "Designation", "Project", "ProjectProps"]


class DeployedProject(Protocol):
    """What other stacks use of a project: its id (a token)."""

    @property
    def project_id(self) -> str: ...


@dataclass(frozen=True)
class ProjectProps:
    """``members``: group name -> (DataZone group id, designation); the name is the construct id,
    so adding or removing one member never touches another. ``removal_policy`` @default RETAIN:
    a project holds its members' work, deleting it is an explicit choice. ``repository``: its Git
    repository, updated in place (UserParameters is not create-only)."""

    domain_id: str
    domain_unit_id: str
    project_profile_id: str
    name: str
    description: str = ""
    members: Members = field(default_factory=dict)
    removal_policy: RemovalPolicy = RemovalPolicy.RETAIN
    # The project's Git repository (mesh_constructs/project_repository.py): its UserParameters.
    repository: GitRepository | None = None


class Project(Construct):
    def __init__(self, scope: Construct, construct_id: str, props: ProjectProps) -> None:
        super().__init__(scope, construct_id)
        self._props = props
        self._stack = stack_of(scope)
        self.project = datazone.CfnProject(
            self,
            "Resource",
            domain_identifier=props.domain_id,
            domain_unit_id=props.domain_unit_id,
            project_profile_id=props.project_profile_id,
            name=props.name,
            description=props.description or None,
            user_parameters=[props.repository.user_parameter()] if props.repository else None,
        )
        self.project.apply_removal_policy(props.removal_policy)
        self.project_id: str = self.project.attr_id
        for group_name, (group_id, designation) in props.members.items():
            self.add_member(group_name, group_id, designation)

    def add_member(self, group_name: str, group_id: str, designation: Designation) -> datazone.CfnProjectMembership:
        # The path of ProjectMembers' memberships without its level: a project's memberships are its
        # direct children, as deployed (their logical ids and paths are a contract).
        return add_project_member(
            self, self._stack, self._props.domain_id, self.project_id, group_name, group_id, designation
        )
