"""One environment at a glance: its domain, the domain-unit tree and how many projects and
glossaries it holds (the console's home page and the API's environment resource)."""

from __future__ import annotations

from dataclasses import dataclass

from datamesh.context import MeshContext
from datamesh.services.catalog import CatalogService
from datamesh.services.paging import items
from datamesh.services.projects import ProjectService
from mesh_config import EnvironmentConfig, MeshConfig

ROOT = "(root)"


@dataclass(frozen=True)
class DomainUnit:
    id: str
    name: str
    parent: str  # the parent's name, ROOT under the root unit


@dataclass(frozen=True)
class EnvironmentSummary:
    name: str
    account: str
    region: str
    management_role: str | None  # assumed from the tools account, None when there is no tools account


@dataclass(frozen=True)
class Overview:
    environment: EnvironmentSummary
    domain_id: str
    portal_url: str
    units: list[DomainUnit]
    projects: int
    declared_projects: int  # what the YAML deploys into this environment
    glossaries: int


def environment_summary(config: MeshConfig, env: EnvironmentConfig) -> EnvironmentSummary:
    role = config.management_role_name(env) if config.tools_account(env) else None
    return EnvironmentSummary(env.name, env.account, env.region, role)


class OverviewService:
    def __init__(self, ctx: MeshContext) -> None:
        self.ctx = ctx

    def units(self) -> list[DomainUnit]:
        """Every domain unit under the root, depth first (DataZone lists one parent's children a call)."""
        found: list[DomainUnit] = []
        pending = [(self.ctx.root_domain_unit_id, ROOT)]
        while pending:
            parent_id, parent_name = pending.pop()
            for unit in items(
                self.ctx.datazone,
                "list_domain_units_for_parent",
                "listing domain units",
                domainIdentifier=self.ctx.domain_id,
                parentDomainUnitIdentifier=parent_id,
            ):
                found.append(DomainUnit(unit["id"], unit["name"], parent_name))
                pending.append((unit["id"], unit["name"]))
        return found

    def overview(self) -> Overview:
        return Overview(
            environment=environment_summary(self.ctx.config, self.ctx.env),
            domain_id=self.ctx.domain_id,
            portal_url=self.ctx.outputs.get("PortalUrl", ""),
            units=self.units(),
            projects=len(ProjectService(self.ctx).list()),
            declared_projects=len(self.ctx.config.projects_in(self.ctx.env)),
            glossaries=len(CatalogService(self.ctx).glossaries()),
        )
