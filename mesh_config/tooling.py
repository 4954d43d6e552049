"""The Tooling environment of a project's profile, and the Git repository a project gets there in
one environment (mesh_config/repositories.py): shared by the checks, the stacks and the profiles."""

from __future__ import annotations

from dataclasses import dataclass

from mesh_config.blueprints import Blueprint
from mesh_config.mesh import MeshDefinition, ProfileEnvironment, Project


@dataclass(frozen=True)
class RepositoryIn:
    """A project's repository in one environment. ``tooling``: the name of its profile's Tooling
    environment configuration, whose parameters carry it."""

    connection_arn: str
    repository: str
    branch: str
    tooling: str
    profile: str


def tooling_environment(mesh: MeshDefinition, project: Project, env: str) -> ProfileEnvironment | None:
    """The Tooling environment configuration of the project's profile in ``env``."""
    capability = project.profile_in(env)
    profile = next((p for p in mesh.project_profiles if p.capability == capability), None)
    if profile is None:
        return None
    return next((e for e in profile.environments if e.blueprint is Blueprint.TOOLING), None)


def repository_in(mesh: MeshDefinition, project: Project, env: str) -> RepositoryIn | None:
    """The project's repository in ``env``: None without one, or without a connection there."""
    if project.repository is None or not project.exists_in(env):
        return None
    arn = project.repository.connection_in(env)
    tooling = tooling_environment(mesh, project, env)
    if arn is None or tooling is None:
        return None
    return RepositoryIn(
        connection_arn=arn,
        repository=project.repository.repository,
        branch=project.repository.branch,
        tooling=tooling.name or tooling.blueprint.value,
        profile=project.profile_in(env) or "",
    )


def profiles_with_repositories(mesh: MeshDefinition, env: str) -> frozenset[str]:
    """Capabilities of the profiles whose Tooling environment carries a project's repository in ``env``."""
    found = (repository_in(mesh, p, env) for p in mesh.projects)
    return frozenset(r.profile for r in found if r is not None)
