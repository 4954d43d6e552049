"""One rule for what happens to stateful resources removed from the configuration."""

from __future__ import annotations

from aws_cdk import RemovalPolicy

from mesh_config import EnvironmentConfig


def stateful_removal_policy(env_config: EnvironmentConfig) -> RemovalPolicy:
    """RETAIN unless the environment explicitly opted out with ``deletion_protection: false``."""
    return RemovalPolicy.RETAIN if env_config.deletion_protection else RemovalPolicy.DESTROY
