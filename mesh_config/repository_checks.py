"""Rules for projects' Git repositories (mesh_config/repositories.py): each connection is in the
account of the environment it serves, for an environment the project exists in, whose profile
there has a Tooling environment that does not pin the Git parameters."""

from __future__ import annotations

from mesh_config.environment import EnvironmentConfig
from mesh_config.errors import ConfigIssue, choices
from mesh_config.mesh import MeshDefinition
from mesh_config.repositories import GIT_PARAMETERS, connection_account
from mesh_config.tooling import tooling_environment
from mesh_config.yaml_source import YamlDocument


def check_repositories(
    mesh: MeshDefinition, envs: list[tuple[EnvironmentConfig, YamlDocument]], mesh_doc: YamlDocument
) -> list[ConfigIssue]:
    by_name = {env.name: env for env, _ in envs}
    issues: list[ConfigIssue] = []
    for i, project in enumerate(mesh.projects):
        if project.repository is None:
            continue
        for env_name, arn in project.repository.connections.items():
            loc = ("projects", i, "repository", "connections", env_name)
            env = by_name.get(env_name)
            if env_name in mesh.environments and env is None:
                continue  # its file failed to load: reported there
            if env is None or not project.exists_in(env_name):
                where = [e for e in by_name if project.exists_in(e)]
                issues.append(
                    mesh_doc.issue(
                        loc,
                        f"project '{project.key}' has no environment '{env_name}'",
                        f"use one of the environments the project exists in: {choices(where)}",
                    )
                )
                continue
            account = connection_account(arn)
            if account != env.account:
                issues.append(
                    mesh_doc.issue(
                        loc,
                        f"the connection is in account {account}, but project '{project.key}' in {env_name} lives "
                        f"in account {env.account}: SMUS uses a CodeConnections connection of the project's own "
                        "account",
                        f"create a connection to the Git provider in account {env.account} (Developer Tools console > "
                        "Settings > Connections, then complete its handshake) and give its ARN here",
                    )
                )
            tooling = tooling_environment(mesh, project, env_name)
            if tooling is None:
                issues.append(
                    mesh_doc.issue(
                        loc,
                        f"project '{project.key}' uses profile '{project.profile_in(env_name)}' in {env_name}, which "
                        "has no Tooling environment: the repository is a parameter of the Tooling blueprint",
                        "give the project a profile with a Tooling environment in this environment, or remove the "
                        "connection",
                    )
                )
                continue
            pinned = [o.name for o in tooling.parameter_overrides if o.name in GIT_PARAMETERS and not o.editable]
            if pinned:
                issues.append(
                    mesh_doc.issue(
                        loc,
                        f"the Tooling environment of profile '{project.profile_in(env_name)}' fixes "
                        f"{', '.join(pinned)} for every project (editable: false), so this project cannot set them",
                        "remove those parameter_overrides from the profile (the mesh marks the Git parameters "
                        "editable for projects that declare a repository), or mark them editable: true",
                    )
                )
    return issues
