"""A slice of a business unit's projects (stacks are split to stay under 500 resources)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import Stack
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from mesh_config import EnvironmentConfig, MeshConfig
from mesh_config.mesh import Project as ProjectConfig
from mesh_config.tooling import repository_in
from mesh_constructs import Designation, ProjectProps
from mesh_constructs.fragment_synthesizer import FragmentSynthesizer
from mesh_constructs.project_members import Members
from mesh_constructs.project_repository import GitRepository
from mesh_constructs.project_set import KeyedProject, ProjectRef, ProjectSet
from stacks.domain_stack import DomainStack
from stacks.removal import stateful_removal_policy


class ProjectsStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: MeshConfig,
        env_config: EnvironmentConfig,
        domain: DomainStack,
        projects: Sequence[ProjectConfig],
        **kwargs: Any,
    ) -> None:
        # Writes the fragment's plain memberships (mesh_constructs/fragment_synthesizer.py).
        super().__init__(scope, construct_id, synthesizer=FragmentSynthesizer(), **kwargs)
        naming = config.naming(env_config)
        removal = stateful_removal_policy(env_config)
        # layout.membership_stacks > 0: the memberships are in the members stacks (members_stack.py).
        with_members = config.mesh.layout.membership_stacks == 0
        # The construct ids are the projects' keys: placement and ids never depend on siblings.
        project_set = ProjectSet(
            self,
            "Projects",
            [
                KeyedProject(
                    project.key,
                    ProjectProps(
                        domain_id=domain.domain.domain_id,
                        domain_unit_id=domain.unit_id(project.domain_unit, self),
                        project_profile_id=domain.profile_id(project.profile_in(env_config.name)),  # type: ignore[arg-type]
                        name=naming.project(project.domain_unit, project.use_case),
                        description=project.description,
                        members=project_members(project, env_config, domain) if with_members else {},
                        removal_policy=removal,
                        repository=git_repository(config, project, env_config),
                    ),
                )
                for project in projects
            ],
        )
        self.projects: dict[str, ProjectRef] = project_set.projects_by_key
        published = set(config.share_principal_projects(env_config))
        for key, construct in self.projects.items():
            if key in published:
                ssm.StringParameter(
                    self,
                    f"Published-{key}",
                    parameter_name=naming.ssm_parameter("projects", key, "id"),
                    string_value=construct.project_id,
                )


def git_repository(config: MeshConfig, project: ProjectConfig, env_config: EnvironmentConfig) -> GitRepository | None:
    found = repository_in(config.mesh, project, env_config.name)
    if found is None:
        return None
    return GitRepository(found.connection_arn, found.repository, found.branch, found.tooling)


def project_members(project: ProjectConfig, env_config: EnvironmentConfig, domain: DomainStack) -> Members:
    """The project's groups in ``env_config`` with their designations, owners first."""
    return {
        **{g: (domain.groups.group_id(g), Designation.OWNER) for g in project.owners_in(env_config.name)},
        **{g: (domain.groups.group_id(g), Designation.CONTRIBUTOR) for g in project.contributors_in(env_config.name)},
    }
