"""The two stages of Lake Formation sharing, deployed after every environment's own stage:

    ... -> prod (its catalogs and tables) -> prod-shares (filters, grants to the consumer accounts)
        -> [prod-dev-shared-data | prod-staging-shared-data] (links, grants to consumer principals)

The data stays in the producer (seed 001's PROD), which the pipeline promotes last; the producer's
grants must exist before a consumer links and re-grants them. So sharing is its own step after
the promotion chain, producers first, then the consumers in one wave.
"""

from __future__ import annotations

from aws_cdk import Environment, Stage, Tags
from constructs import Construct

from mesh_config import EnvironmentConfig, MeshConfig
from stacks.shared_data_stack import SharedDataStack
from stacks.shares_stack import SharesStack


def shares_stage_id(env: EnvironmentConfig) -> str:
    return f"{env.name}-shares"


def shared_data_stage_id(env: EnvironmentConfig) -> str:
    return f"{env.name}-shared-data"


def _tag(stage: Stage, config: MeshConfig, env_config: EnvironmentConfig) -> None:
    tags = {**config.mesh.tags, **env_config.tags, "Environment": env_config.name}
    for key, value in sorted(tags.items()):
        Tags.of(stage).add(key, value)


class SharesStage(Stage):
    """The producer side, in the producer environment's account."""

    def __init__(self, scope: Construct, *, config: MeshConfig, env_config: EnvironmentConfig) -> None:
        env = Environment(account=env_config.account, region=env_config.region)
        super().__init__(scope, shares_stage_id(env_config), env=env)
        self.stack = SharesStack(
            self,
            "Shares",
            stack_name=config.naming(env_config).stack("shares"),
            description=f"{config.mesh.org} {env_config.name}: Lake Formation shares to other environments' accounts",
            config=config,
            env_config=env_config,
            env=env,
            termination_protection=env_config.deletion_protection,
        )
        _tag(self, config, env_config)


class SharedDataStage(Stage):
    """The consumer side, in a consumer environment's account."""

    def __init__(self, scope: Construct, *, config: MeshConfig, env_config: EnvironmentConfig) -> None:
        env = Environment(account=env_config.account, region=env_config.region)
        super().__init__(scope, shared_data_stage_id(env_config), env=env)
        self.stack = SharedDataStack(
            self,
            "SharedData",
            stack_name=config.naming(env_config).stack("shared-data"),
            description=f"{config.mesh.org} {env_config.name}: tables shared with this account",
            config=config,
            env_config=env_config,
            env=env,
            termination_protection=env_config.deletion_protection,
        )
        _tag(self, config, env_config)


def sharing_producers(config: MeshConfig, environments: list[EnvironmentConfig]) -> list[EnvironmentConfig]:
    return [e for e in environments if config.shares_produced_by(e)]


def sharing_consumers(config: MeshConfig, environments: list[EnvironmentConfig]) -> list[EnvironmentConfig]:
    return [e for e in environments if config.shares_consumed_by(e)]
