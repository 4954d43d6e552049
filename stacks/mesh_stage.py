"""One environment of the mesh: every stack of its account, deployable as a unit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import Stack, Stage
from constructs import Construct

from mesh_config import EnvironmentConfig, MeshConfig
from mesh_config.change_safety import AllowedKind
from mesh_config.placement import (
    catalog_stack_part,
    construct_id_of,
    has_catalog_stack,
    has_governance_stack,
    products_stack_part,
)
from mesh_config.workload_tables import workloads_in
from stacks.baseline_stack import BaselineStack, baseline_description, has_baseline_stack
from stacks.catalog_databases_stack import CatalogDatabasesStack
from stacks.catalogs_stack import CatalogsStack
from stacks.domain_stack import DomainStack
from stacks.foundation_stack import FoundationStack
from stacks.governance_stack import GovernanceStack
from stacks.ingestion_stack import IngestionStack
from stacks.lineage_stack import LineageStack, derived_tables
from stacks.members_stack import MembersStack
from stacks.monitoring_stack import MonitoringStack
from stacks.network_stack import NetworkStack, has_network_stack
from stacks.products_stack import ProductsStack
from stacks.projects_stack import ProjectsStack
from stacks.stack_defaults import environment_of, stack_settings, tag_environment
from stacks.subscriptions_stack import SubscriptionsStack
from stacks.team_grants_stack import TeamGrantsStack


class MeshStage(Stage):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: MeshConfig, env_config: EnvironmentConfig
    ) -> None:
        super().__init__(scope, construct_id, env=environment_of(env_config))

        def settings(part: str, what: str) -> dict[str, Any]:
            return stack_settings(config, env_config, part, what)

        self.foundation = FoundationStack(
            self, "Foundation", **settings("foundation", "data-lake buckets, Lake Formation grants role and registry")
        )
        # network.create: the VPC beside the foundation; the domain stack reads its ids.
        self.network: NetworkStack | None = None
        if has_network_stack(env_config):
            self.network = NetworkStack(self, "Network", **settings("network", "VPC of the projects"))
        self.domain = DomainStack(
            self,
            "Domain",
            project_storage_s3_uri=self.foundation.project_storage_s3_uri,
            project_storage_key_arn=self.foundation.project_storage_key_arn,
            network=self.network,
            **settings("domain", "SMUS domain, units, blueprints, profiles and Lake Formation settings"),
        )
        # The domain stack's Lake Formation settings name the foundation's grants role, which must
        # exist first (with project_artifacts_* configured no reference orders the two).
        self.domain.add_stack_dependency(self.foundation)

        self.projects: dict[str, ProjectsStack] = {}
        for part, projects in config.project_stacks(env_config).items():
            self.projects[part] = ProjectsStack(
                self,
                construct_id_of(part),
                domain=self.domain,
                projects=projects,
                **settings(part, part),
            )

        all_projects = {key: p for stack in self.projects.values() for key, p in stack.projects.items()}
        self.governance: GovernanceStack | None = None
        if has_governance_stack(config.mesh):
            self.governance = GovernanceStack(
                self,
                "Governance",
                domain=self.domain,
                projects=all_projects,
                **settings("governance", "business glossaries and metadata forms"),
            )

        # layout.membership_stacks > 0: the projects' memberships, after the projects stacks whose ids
        # they read and beside governance (nothing depends on them).
        self.members: dict[str, MembersStack] = {}
        for part, members_of in config.membership_stacks(env_config).items():
            self.members[part] = MembersStack(
                self,
                construct_id_of(part),
                domain=self.domain,
                projects=all_projects,
                members_of=members_of,
                **settings(part, f"{part}: projects' group memberships"),
            )

        self.catalogs: CatalogsStack | None = None
        self.catalog_databases: dict[str, CatalogDatabasesStack] = {}
        self.products: dict[str, ProductsStack] = {}
        if has_catalog_stack(config.mesh, env_config.name):
            catalog_parts = config.catalog_stacks(env_config)
            self.catalogs = CatalogsStack(
                self,
                "Catalogs",
                foundation=self.foundation,
                domain=self.domain,
                catalogs=catalog_parts.pop("catalogs", []),
                **settings("catalogs", "domain catalogs and Lake Formation locations"),
            )
            for part, catalogs in catalog_parts.items():
                self.catalog_databases[part] = CatalogDatabasesStack(
                    self,
                    construct_id_of(part),
                    domain=self.domain,
                    catalogs=catalogs,
                    **settings(part, f"{part}: business units' Glue databases"),
                )
            for part, products in config.product_stacks(env_config).items():
                stack = ProductsStack(
                    self,
                    construct_id_of(part),
                    catalogs=self.catalogs,
                    governance=self.governance,
                    management=self.domain.management,
                    projects=all_projects,
                    products=products,
                    part=part,
                    # Wide tables make large templates: no indentation keeps them well under 1 MB.
                    suppress_template_indentation=True,
                    **settings(part, f"{part} (tables, data sources, publication)"),
                )
                # The tables go into the catalogs' databases, referenced by name.
                stack.add_stack_dependency(self.catalogs)
                for bu in sorted({catalog.business_unit for catalog, _ in products}):
                    databases = self.catalog_databases.get(catalog_stack_part(bu, config.mesh.layout))
                    if databases is not None:
                        stack.add_stack_dependency(databases)
                if self.governance is not None:
                    stack.add_stack_dependency(self.governance)
                self.products[part] = stack

        self.team_grants: TeamGrantsStack | None = None
        if config.teams_in(env_config) and self.catalogs is not None:
            self.team_grants = TeamGrantsStack(
                self,
                "TeamGrants",
                catalogs=self.catalogs,
                **settings("team-grants", "teams' Lake Formation grants on catalog tables"),
            )
            for stack in self.products.values():
                self.team_grants.add_stack_dependency(stack)

        self.subscriptions: dict[str, SubscriptionsStack] = {}
        for part, subscriptions in config.subscription_stacks(env_config).items():
            subscriptions_stack = SubscriptionsStack(
                self,
                construct_id_of(part),
                domain=self.domain,
                projects=all_projects,
                subscriptions=subscriptions,
                part=part,
                governance=self.governance,
                catalogs=self.catalogs,
                **settings(part, "subscriptions of consumer projects"),
            )
            # Listings exist once the products stacks have run and published.
            for stack in self.products.values():
                subscriptions_stack.add_stack_dependency(stack)
            self.subscriptions[part] = subscriptions_stack

        # Lineage may cross business units, whose products stacks deploy side by side: after all of them.
        self.lineage: LineageStack | None = None
        lineage_tables = derived_tables(config, env_config)
        if lineage_tables and self.products:
            self.lineage = LineageStack(
                self,
                "Lineage",
                domain=self.domain,
                tables=lineage_tables,
                **settings("lineage", "declared lineage of the catalog tables (DataZone)"),
            )
            for stack in self.products.values():
                self.lineage.add_stack_dependency(stack)

        # Image-ingestion workloads: after the products stack declaring their metadata table (the
        # depth of a subscriptions stack: products + 1).
        self.ingestion: dict[str, IngestionStack] = {}
        for workload in workloads_in(config.mesh, env_config.name):
            part = f"ingestion-{workload.name}"
            ingestion = IngestionStack(
                self,
                construct_id_of(part),
                workload=workload,
                foundation=self.foundation,
                **settings(part, f"image-ingestion workload {workload.name} of {workload.owner}"),
            )
            products = self.products.get(products_stack_part(workload.owner, config.mesh.layout))
            if products is not None:
                ingestion.add_stack_dependency(products)
            self.ingestion[workload.name] = ingestion

        # Beside the others, referencing none: it watches their first deployment too.
        self.monitoring: MonitoringStack | None = None
        if env_config.notifications is not None:
            self.monitoring = MonitoringStack(
                self, "Monitoring", **settings("monitoring", "alarms, dashboard and DataZone notifications")
            )

        # Issue 25's account baseline: independent of the mesh's stacks, deployed beside them.
        self.baseline: BaselineStack | None = None
        if has_baseline_stack(config, env_config):
            self.baseline = BaselineStack(
                self, "Baseline", **settings("baseline", baseline_description(config, env_config))
            )

        for pool in (self.projects, self.catalog_databases, self.products, self.subscriptions):
            order_rebalance(config, env_config, pool)
        # A membership holds no data, so the change plan lets it move without an allow_changes entry
        # to mark the rebalance: the newest members stack always follows the others. It is a leaf
        # (nothing depends on a members stack), so this lengthens no chain the other stacks wait on.
        order_rebalance(config, env_config, self.members, always=True)
        tag_environment(self, config, env_config)


def order_rebalance(
    config: MeshConfig, env_config: EnvironmentConfig, pool: Mapping[str, Stack], *, always: bool = False
) -> None:
    """During a rebalance (allow_changes accepts a replacement in one of the pool's stacks), the
    stack that receives the moved items deploys after the ones that give them up: a moved project or
    table keeps its name, which DataZone and Glue hold unique, so the old one must be gone first. A
    jump hash moves items only into the newest stack of a pool, the last one. ``always``: for a pool
    whose moves no allow_changes entry marks (memberships: a moved one created before the old one is
    deleted would be deleted with it)."""
    naming = config.naming(env_config)
    stacks = {naming.stack(part) for part in pool}
    if len(pool) < 2:
        return
    if not always and not any(a.change is AllowedKind.REPLACE and a.stack in stacks for a in config.mesh.allow_changes):
        return
    *givers, receiver = pool.values()
    for giver in givers:
        receiver.add_stack_dependency(giver)
