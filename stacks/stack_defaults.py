"""What every stack of an environment gets: its name, description, account, termination
protection and tags, the same in the environment's stage and in the sharing stages."""

from __future__ import annotations

from typing import Any

from aws_cdk import Environment, Stage, Tags

from mesh_config import EnvironmentConfig, MeshConfig


def environment_of(env_config: EnvironmentConfig) -> Environment:
    return Environment(account=env_config.account, region=env_config.region)


def stack_settings(config: MeshConfig, env_config: EnvironmentConfig, part: str, what: str) -> dict[str, Any]:
    """Keyword arguments of a stack <org>-<env>-<part> that holds ``what``."""
    return {
        "stack_name": config.naming(env_config).stack(part),
        "description": f"{config.mesh.org} {env_config.name}: {what}",
        "config": config,
        "env_config": env_config,
        "env": environment_of(env_config),
        "termination_protection": env_config.deletion_protection,
    }


def tag_environment(stage: Stage, config: MeshConfig, env_config: EnvironmentConfig) -> None:
    tags = {**config.mesh.tags, **env_config.tags, "Environment": env_config.name}
    for key, value in sorted(tags.items()):
        Tags.of(stage).add(key, value)
