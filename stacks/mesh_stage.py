"""One environment of the mesh: every stack of its account, deployable as a unit."""

from __future__ import annotations

from aws_cdk import Environment, Stage, Tags
from constructs import Construct

from mesh_config import EnvironmentConfig, MeshConfig
from mesh_config.placement import has_catalog_stack, has_governance_stack
from stacks.catalogs_stack import CatalogsStack
from stacks.domain_stack import DomainStack
from stacks.foundation_stack import FoundationStack
from stacks.governance_stack import GovernanceStack
from stacks.products_stack import ProductsStack
from stacks.projects_stack import ProjectsStack
from stacks.subscriptions_stack import SubscriptionsStack
from stacks.team_grants_stack import TeamGrantsStack


class MeshStage(Stage):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: MeshConfig, env_config: EnvironmentConfig
    ) -> None:
        env = Environment(account=env_config.account, region=env_config.region)
        super().__init__(scope, construct_id, env=env)
        naming = config.naming(env_config)
        common = {"env": env, "termination_protection": env_config.deletion_protection}

        self.foundation = FoundationStack(
            self,
            "Foundation",
            stack_name=naming.stack("foundation"),
            description=f"{config.mesh.org} {env_config.name}: data-lake buckets and Lake Formation admins",
            config=config,
            env_config=env_config,
            **common,
        )
        self.domain = DomainStack(
            self,
            "Domain",
            stack_name=naming.stack("domain"),
            description=f"{config.mesh.org} {env_config.name}: SMUS domain, units, blueprints and profiles",
            config=config,
            env_config=env_config,
            project_storage_s3_uri=self.foundation.project_storage_s3_uri,
            project_storage_key_arn=self.foundation.project_storage_key_arn,
            **common,
        )

        self.projects: dict[str, ProjectsStack] = {}
        for part, projects in config.project_stacks(env_config).items():
            self.projects[part] = ProjectsStack(
                self,
                part.replace("projects-", "Projects-", 1),
                stack_name=naming.stack(part),
                description=f"{config.mesh.org} {env_config.name}: {part}",
                config=config,
                env_config=env_config,
                domain=self.domain,
                projects=projects,
                **common,
            )

        all_projects = {key: p for stack in self.projects.values() for key, p in stack.projects.items()}
        self.governance: GovernanceStack | None = None
        if has_governance_stack(config.mesh):
            self.governance = GovernanceStack(
                self,
                "Governance",
                stack_name=naming.stack("governance"),
                description=f"{config.mesh.org} {env_config.name}: business glossaries and metadata forms",
                config=config,
                env_config=env_config,
                domain=self.domain,
                projects=all_projects,
                **common,
            )

        self.catalogs: CatalogsStack | None = None
        self.products: dict[str, ProductsStack] = {}
        if has_catalog_stack(config.mesh, env_config.name):
            self.catalogs = CatalogsStack(
                self,
                "Catalogs",
                stack_name=naming.stack("catalogs"),
                description=f"{config.mesh.org} {env_config.name}: domain catalogs and Lake Formation locations",
                config=config,
                env_config=env_config,
                foundation=self.foundation,
                domain=self.domain,
                **common,
            )
            for part, products in config.product_stacks(env_config).items():
                stack = ProductsStack(
                    self,
                    part.replace("products-", "Products-", 1),
                    stack_name=naming.stack(part),
                    description=f"{config.mesh.org} {env_config.name}: {part} (tables, data sources, publication)",
                    config=config,
                    env_config=env_config,
                    catalogs=self.catalogs,
                    governance=self.governance,
                    projects=all_projects,
                    products=products,
                    part=part,
                    # Wide tables make large templates: no indentation keeps them well under 1 MB.
                    suppress_template_indentation=True,
                    **common,
                )
                # The tables go into the catalogs' databases, referenced by name.
                stack.add_stack_dependency(self.catalogs)
                if self.governance is not None:
                    stack.add_stack_dependency(self.governance)
                self.products[part] = stack

        self.team_grants: TeamGrantsStack | None = None
        if config.teams_in(env_config) and self.catalogs is not None:
            self.team_grants = TeamGrantsStack(
                self,
                "TeamGrants",
                stack_name=naming.stack("team-grants"),
                description=f"{config.mesh.org} {env_config.name}: teams' Lake Formation grants on catalog tables",
                config=config,
                env_config=env_config,
                catalogs=self.catalogs,
                **common,
            )
            for stack in self.products.values():
                self.team_grants.add_stack_dependency(stack)

        self.subscriptions: SubscriptionsStack | None = None
        if config.subscriptions_in(env_config):
            self.subscriptions = SubscriptionsStack(
                self,
                "Subscriptions",
                stack_name=naming.stack("subscriptions"),
                description=f"{config.mesh.org} {env_config.name}: subscriptions of consumer projects",
                config=config,
                env_config=env_config,
                domain=self.domain,
                projects=all_projects,
                **common,
            )
            # Listings exist once the products stacks have run and published.
            for stack in self.products.values():
                self.subscriptions.add_stack_dependency(stack)

        tags = {**config.mesh.tags, **env_config.tags, "Environment": env_config.name}
        for key, value in sorted(tags.items()):
            Tags.of(self).add(key, value)
