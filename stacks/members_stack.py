"""A slice of the projects' group memberships (mesh.yaml `layout.membership_stacks`).

Each project's memberships are together in one members stack, chosen by a hash of the project's
key; they read the project's id from its projects stack (a stack output, ``Fn::GetStackOutput``),
so a members stack deploys after the projects stacks it refers to, beside governance. Moving the
memberships out of the projects stacks keeps those at one resource per project: the projects of a
5 000-project mesh then fit one pipeline stage (docs/large-meshes.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import Stack
from constructs import Construct

from mesh_config import EnvironmentConfig, MeshConfig
from mesh_config.mesh import Project as ProjectConfig
from mesh_constructs.fragment_synthesizer import FragmentSynthesizer
from mesh_constructs.member_set import KeyedMembers, MemberSet
from mesh_constructs.project import DeployedProject
from stacks.domain_stack import DomainStack
from stacks.projects_stack import project_members


class MembersStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: MeshConfig,
        env_config: EnvironmentConfig,
        domain: DomainStack,
        projects: Mapping[str, DeployedProject],
        members_of: Sequence[ProjectConfig],
        **kwargs: Any,
    ) -> None:
        """``members_of``: the projects whose memberships this stack holds; ``projects``: the
        deployed projects by key, whose ids they reference."""
        # Writes the fragment's plain memberships (mesh_constructs/fragment_synthesizer.py).
        super().__init__(scope, construct_id, synthesizer=FragmentSynthesizer(), **kwargs)
        domain_id = domain.domain.domain_id
        # The projects' keys, as in their projects stacks: the memberships keep their logical ids.
        MemberSet(
            self,
            "Members",
            [
                KeyedMembers(
                    project.key,
                    domain_id=domain_id,
                    project_id=projects[project.key].project_id,
                    members=project_members(project, env_config, domain),
                )
                for project in members_of
            ],
        )
