"""Producer side of the Lake Formation shares of one account (e.g. the PROD account).

For each share and consumer: DESCRIBE on the database, and per table either the table itself
(full access) or a data-cells filter (rows and columns), granted to the consumer account; every
grant of the account in one DependsOn chain (Lake Formation refuses concurrent grants). Deployed
in the pipeline after the producer's own stage (the tables must exist) and before the consumers'
shared-data stages (their links and grants need these).
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Stack
from constructs import Construct, IConstruct

from mesh_config import EnvironmentConfig, MeshConfig
from mesh_constructs.lake_formation_share import LakeFormationShare, LakeFormationShareProps, SharedTableSpec


class SharesStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: MeshConfig, env_config: EnvironmentConfig, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        accounts = {e.name: e.account for e in config.environments}
        previous: IConstruct | None = None
        self.shares: dict[str, LakeFormationShare] = {}
        for share in config.shares_produced_by(env_config):
            database = config.shared_database(share)
            for consumer in share.consumers:
                data_filter = consumer.filter
                specs = [
                    SharedTableSpec(
                        name,
                        filter_name=config.data_cells_filter_name(share, consumer, name),
                        row_filter=data_filter.row_filter if data_filter else None,
                        excluded_columns=tuple(data_filter.excluded_columns) if data_filter else (),
                    )
                    for name in share.tables
                ]
                construct = LakeFormationShare(
                    self,
                    f"Share-{share.name}-{consumer.environment}",
                    LakeFormationShareProps(
                        database=database, tables=specs, consumer_account=accounts[consumer.environment], after=previous
                    ),
                )
                previous = construct.last
                self.shares[f"{share.name}/{consumer.environment}"] = construct
