"""The data products of some producer projects (one shard of a business unit): their Glue tables,
the Lake Formation grants their project roles need, their DataZone data sources, and the run
that imports, curates and publishes the tables at each deployment.

Order inside the stack: the catalog handler becomes a member of each producer project, then the
lookup reads the projects' Lakehouse connections and roles (waiting for their environments), the
tables exist, the roles are granted on them, the data sources are created, then the run, and last
the data products of the stack's producers: they group assets the run imported and published, so
a deploy never creates a product before its assets exist.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import Stack
from constructs import Construct

from mesh_config import EnvironmentConfig, MeshConfig
from mesh_config.data_products import Catalog, Table, asset_name
from mesh_config.fingerprints import curation_fingerprint, data_product_fingerprint, data_source_fingerprint
from mesh_config.governance import FieldType
from mesh_config.product_listings import products_in
from mesh_config.workload_tables import derived_tables
from mesh_constructs.catalog_table import CatalogTable, CatalogTableProps, ColumnSpec, TableFormat
from mesh_constructs.data_product import DataProduct, DataProductProps
from mesh_constructs.data_source_runs import (
    CuratedForm,
    CuratedTable,
    DataSourceRuns,
    DataSourceRunsProps,
    RunSource,
    TermId,
)
from mesh_constructs.datazone_handler_identity import DataZoneHandlerIdentity
from mesh_constructs.glue_data_source import AssetForm, GlueDataSource, GlueDataSourceProps
from mesh_constructs.lake_formation_grants import (
    DATABASE,
    DataLocationGrant,
    LakeFormationGrant,
    LakeFormationGrants,
    LakeFormationGrantsProps,
    data_location_arn,
)
from mesh_constructs.project import DeployedProject
from mesh_constructs.project_connections import ProjectConnections, ProjectConnectionsProps
from stacks.catalogs_stack import CatalogsStack
from stacks.governance_stack import GovernanceStack
from stacks.removal import stateful_removal_policy
from stacks.table_qualities import table_qualities

# A producer manages its own tables through Lake Formation-integrated engines (Athena INSERT /
# DELETE, Glue and EMR jobs with credential vending) and lets DataZone publish them: SELECT and
# DESCRIBE with grant option, as MDAA grants SMUS project roles (datazone_project.ts).
PRODUCER_TABLE_PERMISSIONS = ("ALTER", "DELETE", "DESCRIBE", "INSERT", "SELECT")
PRODUCER_GRANTABLE = ("DESCRIBE", "SELECT")


class ProductsStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: MeshConfig,
        env_config: EnvironmentConfig,
        catalogs: CatalogsStack,
        governance: GovernanceStack | None,
        management: DataZoneHandlerIdentity | None,
        projects: Mapping[str, DeployedProject],
        products: Sequence[tuple[Catalog, str]],
        part: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        naming = config.naming(env_config)
        removal = stateful_removal_policy(env_config)
        domain_id = catalogs.identity.domain_id
        mesh_projects = {p.key: p for p in config.mesh.projects}
        producers = sorted({producer for _, producer in products})

        memberships = {
            key: catalogs.identity.own_project(self, f"HandlerOwns-{key}", projects[key].project_id)
            for key in producers
        }
        # The admin management role decides the producers' subscription requests (datamesh CLI).
        if management is not None and management.member_pool is not None:
            for key in producers:
                management.own_project(self, f"ManagementOwns-{key}", projects[key].project_id)
        self.connections = ProjectConnections(
            self,
            "Connections",
            ProjectConnectionsProps(
                domain_id=domain_id,
                projects={
                    key: (projects[key].project_id, config.tooling_environment_name(mesh_projects[key], env_config))
                    for key in producers
                },
                handler=catalogs.connections_handler,
            ),
        )
        self.connections.node.add_dependency(*memberships.values())

        self.tables: dict[str, CatalogTable] = {}
        grants: list[LakeFormationGrant | DataLocationGrant] = []
        # A workload's metadata table carries its partition projection (mesh_config/workloads.py).
        derived = derived_tables(config.mesh)
        projected = {asset_name(bu, table): w for bu, tables in derived.items() for w, table in tables}
        for catalog, producer in products:
            database = naming.catalog_database(catalog.business_unit, catalog.database)
            role = self.connections.role_arn(producer)
            grants.append(LakeFormationGrant(role, database, ("DESCRIBE",), DATABASE, ("DESCRIBE",)))
            for table in catalog.tables_of(producer):
                name = asset_name(catalog.business_unit, table)
                bucket = naming.bucket(table.storage.layer)
                location = f"s3://{bucket}/{table.storage.prefix}"
                workload = projected.get(name)
                parameters = workload.partition_projection(location) if workload else {}
                self.tables[name] = self._table(bucket, database, name, table, removal, parameters)
                grants.append(LakeFormationGrant(role, database, PRODUCER_TABLE_PERMISSIONS, name, PRODUCER_GRANTABLE))
                # Adding partitions (and any table change) on a registered location also needs
                # data-location permission on it: the table's prefix, nothing wider.
                grants.append(DataLocationGrant(role, data_location_arn(self, bucket, table.storage.prefix)))
        self.grants = LakeFormationGrants(
            self,
            "ProducerGrants",
            LakeFormationGrantsProps(name=naming.stack(part), grants=grants, handler=catalogs.grants_handler),
        )
        self.grants.node.add_dependency(*self.tables.values())
        self.quality = table_qualities(self, config, env_config, products, self.tables, catalogs, self.grants)

        forms = governance.forms if governance else {}
        glossaries = governance.glossaries if governance else {}

        def term(ref: str) -> TermId:
            scope, _, name = ref.partition("/")
            return TermId(glossaries[scope].glossary_id, name)

        self.data_sources: dict[tuple[str, str], GlueDataSource] = {}
        sources: list[RunSource] = []
        for catalog, producer in products:
            tables = catalog.tables_of(producer)
            settings = catalog.data_source
            database = naming.catalog_database(catalog.business_unit, catalog.database)
            source = GlueDataSource(
                self,
                f"DataSource-{catalog.business_unit}-{producer}",
                GlueDataSourceProps(
                    domain_id=domain_id,
                    project_id=projects[producer].project_id,
                    connection_id=self.connections.connection_id(producer),
                    name=naming.data_source(database, producer),
                    description=f"Tables of {producer} in {database}",
                    database_name=database,
                    tables=[asset_name(catalog.business_unit, t) for t in tables],
                    publish_on_import=settings.publish_on_import,
                    schedule=settings.schedule.cron if settings.schedule else None,
                    timezone=settings.schedule.timezone.value if settings.schedule else "UTC",
                    forms=[AssetForm(n, forms[n].revision, values) for n, values in settings.forms.items()],
                    # The revisions above are weak references: a new one must change this template.
                    forms_fingerprint=data_source_fingerprint(config.mesh, catalog) if settings.forms else "",
                    import_quality_results=any(t.quality is not None for t in tables),
                ),
            )
            source.node.add_dependency(self.grants)
            self.data_sources[(catalog.business_unit, producer)] = source
            sources.append(
                RunSource(
                    data_source_id=source.data_source_id,
                    project_id=projects[producer].project_id,
                    tables=[self._curated(config, catalog, t, forms, term) for t in tables],
                )
            )
        self.runs = DataSourceRuns(
            self,
            "Runs",
            DataSourceRunsProps(
                domain_id=domain_id,
                name=naming.stack(part),
                sources=sources,
                handler=catalogs.runs_handler,
                # Form revisions and glossary ids are weak references: their changes must change
                # this resource, or the runs never curate with them.
                fingerprint=curation_fingerprint(config.mesh, products),
            ),
        )

        # After the run: a product lists assets the run imported and published. The catalog
        # handler's identity owns every producer of this stack (memberships above), which DataZone
        # asks of whoever creates a product in a project.
        self.data_products: dict[str, DataProduct] = {}
        for product in products_in(config.mesh.data_products, env_config.name):
            if product.owner not in producers or catalogs.products_handler is None:
                continue
            built = DataProduct(
                self,
                f"DataProduct-{product.name}",
                DataProductProps(
                    domain_id=domain_id,
                    project_id=projects[product.owner].project_id,
                    name=product.name,
                    description=product.description,
                    assets=list(product.tables),
                    terms=[term(t) for t in product.terms],
                    forms=self._forms(config, product.forms, forms, term),
                    handler=catalogs.products_handler,
                    fingerprint=data_product_fingerprint(config.mesh, product),
                ),
            )
            built.node.add_dependency(self.runs)
            self.data_products[product.name] = built

    def _table(
        self, bucket: str, database: str, name: str, table: Table, removal: Any, parameters: Mapping[str, str]
    ) -> CatalogTable:
        def spec(c: Any) -> ColumnSpec:
            return ColumnSpec(name=c.name, type=c.type, description=c.description, pii=c.pii)

        return CatalogTable(
            self,
            f"Table-{name}",
            CatalogTableProps(
                database_name=database,
                name=name,
                location=f"s3://{bucket}/{table.storage.prefix}",
                columns=[spec(c) for c in table.columns],
                partition_keys=[spec(c) for c in table.partition_keys],
                description=table.description,
                format=TableFormat(table.storage.format.value),
                removal_policy=removal,
                parameters=parameters,
            ),
        )

    @staticmethod
    def _curated(
        config: MeshConfig, catalog: Catalog, table: Table, forms: Mapping[str, Any], term: Any
    ) -> CuratedTable:
        curated_forms = ProductsStack._forms(config, table.forms, forms, term)
        return CuratedTable(
            name=asset_name(catalog.business_unit, table),
            publish=table.published,
            terms=[term(t) for t in table.terms],
            column_terms={c.name: term(c.term) for _, _, c in table.all_columns() if c.term},
            forms=curated_forms,
            column_descriptions={c.name: c.description for _, _, c in table.all_columns() if c.description},
        )

    @staticmethod
    def _forms(
        config: MeshConfig, declared_values: Mapping[str, Any], forms: Mapping[str, Any], term: Any
    ) -> list[CuratedForm]:
        """Declared form values with their glossary-term fields apart (resolved at deploy)."""
        declared = {f.name: f for f in config.mesh.metadata_forms}
        curated_forms = []
        for name, values in declared_values.items():
            term_fields = {
                f.name: term(str(values[f.name]) if "/" in str(values[f.name]) else f"{f.glossary}/{values[f.name]}")
                for f in declared[name].fields
                if f.type is FieldType.GLOSSARY_TERM and f.name in values
            }
            plain = {k: v for k, v in values.items() if k not in term_fields}
            fields = [f.name for f in declared[name].fields]
            curated_forms.append(CuratedForm(name, forms[name].revision, plain, term_fields, fields))
        return curated_forms
