"""The two stages of Lake Formation sharing, deployed after every environment's own stage:

    ... -> prod (its catalogs and tables) -> prod-shares (filters, grants to the consumer accounts)
        -> [prod-dev-shared-data | prod-staging-shared-data] (links, grants to consumer principals)

The data stays in the producer (e.g. PROD), which the pipeline promotes last; the producer's
grants must exist before a consumer links and re-grants them. So sharing is its own step after
the promotion chain, producers first, then the consumers in one wave.
"""

from __future__ import annotations

from aws_cdk import Stack, Stage
from constructs import Construct

from mesh_config import EnvironmentConfig, MeshConfig
from stacks.shared_data_stack import SharedDataStack
from stacks.shares_stack import SharesStack
from stacks.stack_defaults import environment_of, stack_settings, tag_environment


class _SharingStage(Stage):
    """A stage of one stack in one environment's account, named <env>-<part>."""

    def __init__(
        self,
        scope: Construct,
        *,
        config: MeshConfig,
        env_config: EnvironmentConfig,
        stack_class: type[Stack],
        construct_id: str,
        part: str,
        what: str,
    ) -> None:
        super().__init__(scope, f"{env_config.name}-{part}", env=environment_of(env_config))
        self.stack = stack_class(self, construct_id, **stack_settings(config, env_config, part, what))
        tag_environment(self, config, env_config)


class SharesStage(_SharingStage):
    """The producer side, in the producer environment's account."""

    def __init__(self, scope: Construct, *, config: MeshConfig, env_config: EnvironmentConfig) -> None:
        super().__init__(
            scope,
            config=config,
            env_config=env_config,
            stack_class=SharesStack,
            construct_id="Shares",
            part="shares",
            what="Lake Formation shares to other environments' accounts",
        )


class SharedDataStage(_SharingStage):
    """The consumer side, in a consumer environment's account."""

    def __init__(self, scope: Construct, *, config: MeshConfig, env_config: EnvironmentConfig) -> None:
        super().__init__(
            scope,
            config=config,
            env_config=env_config,
            stack_class=SharedDataStack,
            construct_id="SharedData",
            part="shared-data",
            what="tables shared with this account",
        )


def sharing_producers(config: MeshConfig, environments: list[EnvironmentConfig]) -> list[EnvironmentConfig]:
    return [e for e in environments if config.shares_produced_by(e)]


def sharing_consumers(config: MeshConfig, environments: list[EnvironmentConfig]) -> list[EnvironmentConfig]:
    return [e for e in environments if config.shares_consumed_by(e)]
