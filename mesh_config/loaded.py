"""The validated configuration handed to the stacks: one mesh, its environments in order."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from mesh_config.blueprints import Blueprint
from mesh_config.data_products import Catalog, Subscription, Table, tables_by_asset
from mesh_config.environment import EnvironmentConfig
from mesh_config.governance import Glossary
from mesh_config.governance_checks import glossary_dependencies
from mesh_config.management import tools_account_of
from mesh_config.mesh import DomainUnit, MeshDefinition, Project, ProjectProfile
from mesh_config.naming import Naming, approver_role_name
from mesh_config.placement import (
    catalog_stack_part,
    membership_stack_part,
    products_stack_part,
    project_stack_part,
    subscription_stack_part,
)
from mesh_config.promotion import PromotionMode
from mesh_config.regions import partition_of
from mesh_config.shares import Share, ShareConsumer, Team

T = TypeVar("T")

# Changes every filter's name when what its consumer account is granted on it changes.
FILTER_GRANT_VERSION = "|grant:SELECT"


@dataclass(frozen=True)
class MeshConfig:
    mesh: MeshDefinition
    environments: tuple[EnvironmentConfig, ...]

    def naming(self, env: EnvironmentConfig) -> Naming:
        return Naming.of(self.mesh.org, env)

    @property
    def units(self) -> dict[str, DomainUnit]:
        return {u.id: u for u in self.mesh.domain_units}

    @property
    def profiles(self) -> dict[str, ProjectProfile]:
        return {p.capability: p for p in self.mesh.project_profiles}

    def projects_in(self, env: EnvironmentConfig) -> list[Project]:
        return [p for p in self.mesh.projects if p.exists_in(env.name)]

    def project_name(self, env: EnvironmentConfig, project: Project) -> str:
        """The project's name in ``env``'s domain (finance-reporting-dev-project)."""
        return self.naming(env).project(project.domain_unit, project.use_case)

    def declared_projects(self, env: EnvironmentConfig) -> dict[str, Project]:
        """The projects deployed into ``env``, by their name in its domain."""
        return {self.project_name(env, p): p for p in self.projects_in(env)}

    def profiles_in(self, env: EnvironmentConfig) -> list[ProjectProfile]:
        return [p for p in self.mesh.project_profiles if p.exists_in(env.name)]

    def blueprints_in(self, env: EnvironmentConfig) -> list[Blueprint]:
        return self.mesh.blueprints_in(env.name)

    def pipeline_environments(self) -> list[EnvironmentConfig]:
        """Environments the pipeline deploys, in promotion order (direct-only ones excluded)."""
        return [e for e in self.environments if e.promotion.mode is PromotionMode.PIPELINE]

    def project_stacks(self, env: EnvironmentConfig) -> dict[str, list[Project]]:
        """Stack-name suffix (projects-<n>) -> the projects it holds in ``env``, in stack order."""
        return _by_stack(self.projects_in(env), lambda p: project_stack_part(p, self.mesh.layout))

    def membership_stacks(self, env: EnvironmentConfig) -> dict[str, list[Project]]:
        """Stack-name suffix (members-<n>) -> the projects whose memberships it holds in ``env``; empty
        with layout.membership_stacks 0 (each project's memberships are in its projects stack)."""
        if self.mesh.layout.membership_stacks == 0:
            return {}
        return _by_stack(self.projects_in(env), lambda p: membership_stack_part(p, self.mesh.layout) or "")

    def catalog_stacks(self, env: EnvironmentConfig) -> dict[str, list[Catalog]]:
        """Stack-name suffix (catalogs, or catalogs-<n> with layout.catalog_stacks) -> the catalogs whose
        Glue databases it holds in ``env``."""
        return _by_stack(self.catalogs_in(env), lambda c: catalog_stack_part(c.business_unit, self.mesh.layout))

    def subscription_stacks(self, env: EnvironmentConfig) -> dict[str, list[Subscription]]:
        """Stack-name suffix (subscriptions, subscriptions-<n>) -> the subscriptions it holds in ``env``."""
        return _by_stack(self.subscriptions_in(env), lambda s: subscription_stack_part(s, self.mesh.layout))

    def catalogs_in(self, env: EnvironmentConfig) -> list[Catalog]:
        return [c for c in self.mesh.catalogs if c.exists_in(env.name)]

    def product_stacks(self, env: EnvironmentConfig) -> dict[str, list[tuple[Catalog, str]]]:
        """Stack-name suffix (products-<n>) -> (catalog, producer project key) pairs it holds in ``env``."""
        pairs = [(catalog, producer) for catalog in self.catalogs_in(env) for producer in catalog.producers()]
        return _by_stack(pairs, lambda pair: products_stack_part(pair[1], self.mesh.layout))

    def tooling_environment_name(self, project: Project, env: EnvironmentConfig) -> str:
        """The name of the Tooling environment SMUS creates for ``project`` in ``env`` (its profile's
        Tooling configuration name, the blueprint name by default)."""
        profile = self.profiles[project.profile_in(env.name) or ""]
        tooling = next(e for e in profile.environments if e.blueprint is Blueprint.TOOLING)
        return tooling.name or tooling.blueprint.value

    def shares_produced_by(self, env: EnvironmentConfig) -> list[Share]:
        return [s for s in self.mesh.shares if s.producer == env.name]

    def shares_consumed_by(self, env: EnvironmentConfig) -> list[tuple[Share, ShareConsumer]]:
        return [(s, c) for s in self.mesh.shares for c in s.consumers if c.environment == env.name]

    def shared_database(self, share: Share) -> str:
        """The producer's Glue database of a share, as named in the producer's account."""
        catalog = next(c for c in self.mesh.catalogs if c.business_unit == share.catalog)
        return self.naming(self.environment(share.producer)).catalog_database(catalog.business_unit, catalog.database)

    def share_principal_projects(self, env: EnvironmentConfig) -> list[str]:
        """Projects of ``env`` whose roles receive shared tables: the shared-data stage, deployed
        later, reads their ids from SSM parameters."""
        keys = {key for _, c in self.shares_consumed_by(env) for key in c.principals.projects}
        return sorted(keys)

    def data_cells_filter_name(self, share: Share, consumer: ShareConsumer, table_name: str) -> str | None:
        """The versioned name of the filter through which ``consumer`` sees a shared table (None for
        full access), the same in the producer's and the consumer's stacks."""
        if consumer.filter is None:
            return None
        _, table = self.table(table_name)
        content = json.dumps(
            [table_name, consumer.filter.row_filter, sorted(consumer.filter.excluded_columns)], sort_keys=True
        )
        # The consumer account's permissions on the filter are part of its identity too: they are
        # create-only on the producer's grant, and a grant replaced on the same filter would be
        # revoked by the deletion of the one it replaces (same principal, same resource). The
        # account gets SELECT only (mesh_constructs/lake_formation_share.py).
        content += FILTER_GRANT_VERSION
        return Naming.data_cells_filter(share.name, consumer.environment, table.dataset, content)

    def teams_in(self, env: EnvironmentConfig) -> list[Team]:
        return [t for t in self.mesh.teams if t.exists_in(env.name)]

    def table(self, name: str) -> tuple[Catalog, Table]:
        """The catalog and declaration of a table by its (asset) name."""
        return tables_by_asset(self.mesh.catalogs)[name]

    def subscriptions_in(self, env: EnvironmentConfig) -> list[Subscription]:
        return [s for s in self.mesh.subscriptions if s.exists_in(env.name)]

    def glossaries_in_order(self) -> list[Glossary]:
        """Glossaries in deployment order: each after the glossaries its terms relate to
        (validation refuses cycles), declaration order otherwise."""
        deps = glossary_dependencies(self.mesh.glossaries)
        placed: list[Glossary] = []
        pending = list(self.mesh.glossaries)
        while pending:
            done = {g.scope for g in placed}
            ready = [g for g in pending if deps[g.scope] <= done] or pending[:1]
            placed.append(ready[0])
            pending.remove(ready[0])
        return placed

    def tools_account(self, env: EnvironmentConfig) -> str | None:
        """The account the management application runs in and assumes <org>-<env>-datamesh-* from."""
        pipeline = self.mesh.pipeline
        return tools_account_of(env.management, pipeline.account if pipeline else None)

    def management_role_name(self, env: EnvironmentConfig) -> str:
        return self.naming(env).management_role(env.management.access.value)

    def management_role_arn(self, env: EnvironmentConfig) -> str:
        return f"arn:{partition_of(env.region)}:iam::{env.account}:role/{self.management_role_name(env)}"

    def approver_role_arn(self, env: EnvironmentConfig) -> str | None:
        """The tools-account role that alone may approve the promotion into ``env``."""
        pipeline = self.mesh.pipeline
        if pipeline is None:
            return None
        name = approver_role_name(self.mesh.org, env.name)
        return f"arn:{partition_of(pipeline.region)}:iam::{pipeline.account}:role/{name}"

    def environment(self, name: str) -> EnvironmentConfig:
        for env in self.environments:
            if env.name == name:
                return env
        raise KeyError(name)


def _by_stack(items: Iterable[T], part_of: Callable[[T], str]) -> dict[str, list[T]]:
    """Items grouped by the stack-name suffix ``part_of`` gives them, stacks in order: projects-2
    before projects-10, a pool's unnumbered first stack (subscriptions) first."""
    by_stack: dict[str, list[T]] = defaultdict(list)
    for item in items:
        by_stack[part_of(item)].append(item)

    def order(part: str) -> tuple[str, int]:
        kind, _, number = part.partition("-")
        return kind, int(number) if number.isdigit() else 0

    return dict(sorted(by_stack.items(), key=lambda entry: order(entry[0])))
