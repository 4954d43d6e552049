"""<org>-<env>-lineage: the declared lineage of the environment's tables (``derived_from``),
posted to DataZone once the tables exist.

Why a stack of its own, after every products stack: a table of one business unit may be derived
from another unit's, and the products stacks of different units deploy side by side, so no
products stack can be sure the other unit's table exists. This stack depends on all of them and
on nothing after them: it sits at the subscriptions' level (sixth in the environment's chain:
foundation, domain, projects, governance, products, then this), so it adds no sequential step.
Only for an environment where some table declares ``derived_from``: other meshes keep their stacks.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from constructs import Construct, IConstruct

from mesh_config import EnvironmentConfig, MeshConfig
from mesh_config.data_products import Catalog, Table, asset_name, tables_by_asset
from mesh_constructs.acknowledge import acknowledge
from mesh_constructs.datazone_handler import DataZoneHandler, DataZoneHandlerProps
from mesh_constructs.handler_role import HandlerRole
from mesh_constructs.scope_cache import account_of, partition_of
from mesh_constructs.table_lineage import LINEAGE_ACTIONS, GlueDataset, TableLineage, TableLineageProps
from stacks.domain_stack import DomainStack


def derived_tables(config: MeshConfig, env_config: EnvironmentConfig) -> list[tuple[Catalog, Table]]:
    """The tables of the environment that declare lineage, in declaration order."""
    return [(c, t) for c in config.catalogs_in(env_config) for t in c.tables if t.derived_from]


class LineageStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: MeshConfig,
        env_config: EnvironmentConfig,
        domain: DomainStack,
        tables: Sequence[tuple[Catalog, Table]],
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        naming = config.naming(env_config)
        role = iam.Role(
            self,
            "HandlerRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Posts the mesh's declared table lineage to DataZone",
        )
        identity = HandlerRole(self, "HandlerIdentity", role)
        self.handler = DataZoneHandler(
            self,
            "LineageHandler",
            DataZoneHandlerProps(
                module="lineage",
                identity=identity,
                actions=(),
                statements=[iam.PolicyStatement(actions=list(LINEAGE_ACTIONS), resources=["*"])],
                description="Posts the mesh's declared table lineage to DataZone as OpenLineage run events",
                timeout_minutes=5,
            ),
        )
        acknowledge(
            identity.policy,
            "datazone:PostLineageEvent has no resource type in the Service Authorization Reference: IAM evaluates "
            "it against * only. The role may do nothing else.",
            "AwsSolutions-IAM5[Resource::*]",
        )
        partition, account, region = partition_of(self), account_of(self), env_config.region
        by_asset = tables_by_asset(config.mesh.catalogs)

        def dataset(catalog: Catalog, table: Table) -> GlueDataset:
            database = naming.catalog_database(catalog.business_unit, catalog.database)
            return GlueDataset(partition, region, account, database, asset_name(catalog.business_unit, table))

        self.lineage: dict[str, TableLineage] = {}
        previous: IConstruct | None = None
        for catalog, table in tables:
            name = asset_name(catalog.business_unit, table)
            output = dataset(catalog, table)
            construct = TableLineage(
                self,
                f"Lineage-{name}",
                TableLineageProps(
                    domain_id=domain.domain.domain_id,
                    producer=f"urn:{naming.org}-data-mesh:mesh.yaml",
                    job_namespace=naming.stack("mesh"),
                    job_name=f"{output.database}.{name}",
                    inputs=[dataset(*by_asset[u]) for u in table.derived_from],
                    output=output,
                    handler=self.handler,
                ),
            )
            # One post at a time: the API's rate is not documented, and a few tables take seconds.
            if previous is not None:
                construct.node.add_dependency(previous)
            previous = construct
            self.lineage[name] = construct
