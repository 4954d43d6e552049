"""The domain catalogs of one account: the registered data-lake locations, the handlers and
identity the products stacks run their custom resources with, and the business units' Glue
databases (all of them, or none with layout.catalog_stacks: catalog_databases_stack.py).

Deployed after the foundation (buckets, the grants role) and the domain (manage-access role,
domain id, the Lake Formation settings that make the deployer and the grants role administrators);
before the products stacks, which put tables into these databases.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_s3 as s3
from constructs import Construct

from mesh_config import EnvironmentConfig, MeshConfig
from mesh_config.data_products import PRODUCT_LAYERS, Catalog
from mesh_config.product_listings import products_in
from mesh_constructs.data_lake_locations import DataLakeLocations, DataLakeLocationsProps
from mesh_constructs.data_product import DATA_PRODUCT_ACTIONS
from mesh_constructs.data_source_runs import DATA_SOURCE_RUNS_ACTIONS
from mesh_constructs.datazone_handler import DataZoneHandler, DataZoneHandlerProps
from mesh_constructs.domain_catalog import DomainCatalog, DomainCatalogProps
from mesh_constructs.lake_formation_grants import GlueDatabaseRef, lake_formation_grants_handler
from mesh_constructs.project_connections import PROJECT_CONNECTIONS_ACTIONS
from stacks.domain_stack import DomainStack
from stacks.foundation_stack import FoundationStack
from stacks.removal import stateful_removal_policy

MAX_NAMED_DATABASES = 30


class CatalogsStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: MeshConfig,
        env_config: EnvironmentConfig,
        foundation: FoundationStack,
        domain: DomainStack,
        catalogs: Sequence[Catalog],
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        naming = config.naming(env_config)

        self.locations = DataLakeLocations(
            self,
            "Locations",
            DataLakeLocationsProps(
                # By name (the naming convention), so the policy names the buckets literally.
                buckets={
                    layer: s3.Bucket.from_bucket_name(self, f"Bucket-{layer}", naming.bucket(layer))
                    for layer in PRODUCT_LAYERS
                },
                key=foundation.lake.key,
                role_name=naming.lake_formation_data_access_role(),
            ),
        )

        self.catalogs = domain_catalogs(self, config, env_config, domain, catalogs)
        databases = [naming.catalog_database(c.business_unit, c.database) for c in config.catalogs_in(env_config)]
        if len(databases) > MAX_NAMED_DATABASES:
            # An inline policy holds 10 240 characters (IAM quotas), two ARNs a database: past a few
            # dozen, the convention's pattern names the conventional ones, the declared names stay.
            declared = sorted({c.database for c in config.catalogs_in(env_config) if c.database})
            databases = [naming.catalog_database_pattern(), *declared]
        self.identity = domain.handler_identity(
            self,
            naming.catalog_handler_role(),
            "DataZone identity that imports, curates and publishes the domain catalogs' tables",
        )
        self.connections_handler = DataZoneHandler(
            self,
            "ConnectionsHandler",
            DataZoneHandlerProps(
                module="project_connections",
                identity=self.identity,
                actions=PROJECT_CONNECTIONS_ACTIONS,
                description="Looks up the Lakehouse connection and user role of SMUS projects",
            ),
        )
        self.grants_handler = lake_formation_grants_handler(
            self,
            naming.lake_formation_grants_role(),
            [GlueDatabaseRef(db) for db in databases],
            "Keeps the producer projects' Lake Formation grants on their tables",
            naming.lake_formation_grant_registry(),
        )
        self.runs_handler = DataZoneHandler(
            self,
            "RunsHandler",
            DataZoneHandlerProps(
                module="data_source_runs",
                identity=self.identity,
                actions=DATA_SOURCE_RUNS_ACTIONS,
                description="Runs the catalogs' data sources, then curates and publishes their assets",
            ),
        )
        # Only with data products in this environment: other meshes' templates stay as they were.
        self.products_handler: DataZoneHandler | None = None
        if products_in(config.mesh.data_products, env_config.name):
            self.products_handler = DataZoneHandler(
                self,
                "DataProductsHandler",
                DataZoneHandlerProps(
                    module="data_product",
                    identity=self.identity,
                    actions=DATA_PRODUCT_ACTIONS,
                    description="Creates, revises, publishes and deletes the mesh's data products",
                ),
            )
        CfnOutput(self, "HandlerRoleArn", value=self.identity.role.role_arn)
        CfnOutput(self, "DataAccessRoleArn", value=self.locations.role.role_arn)
        database_outputs(self, self.catalogs)


def domain_catalogs(
    stack: Stack, config: MeshConfig, env_config: EnvironmentConfig, domain: DomainStack, catalogs: Sequence[Catalog]
) -> dict[str, DomainCatalog]:
    """The Glue databases of ``catalogs`` in ``stack``, their grants one at a time (Lake Formation
    answers concurrent grants with ConcurrentModificationException), outputs: database_outputs)."""
    naming = config.naming(env_config)
    removal = stateful_removal_policy(env_config)
    built: dict[str, DomainCatalog] = {}
    for catalog in catalogs:
        built[catalog.business_unit] = DomainCatalog(
            stack,
            f"Catalog-{catalog.business_unit}",
            DomainCatalogProps(
                database_name=naming.catalog_database(catalog.business_unit, catalog.database),
                description=catalog.description,
                manage_access_role_arn=domain.blueprints.manage_access_role.role_arn,
                removal_policy=removal,
            ),
        )
    for previous, current in itertools.pairwise(built.values()):
        current.database.node.add_dependency(previous.last_grant)
    return built


def database_outputs(stack: Stack, catalogs: dict[str, DomainCatalog]) -> None:
    for bu, catalog in catalogs.items():
        CfnOutput(stack, f"Database-{bu}", value=catalog.database_name)
