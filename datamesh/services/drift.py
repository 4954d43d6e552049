"""Drift: what the YAML declares for an environment against what exists in its domain.

Compared: domain units (name and parent), projects, group members of declared projects (with
their designation), glossaries and their terms. Only what the YAML owns is compared: user
members (the mesh's own handler and management roles are users) and projects created in the
portal outside the YAML are reported as "not declared", never as errors.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from datamesh.context import MeshContext
from datamesh.services.catalog import CatalogService
from datamesh.services.overview import ROOT, OverviewService
from datamesh.services.projects import ProjectService
from mesh_config.mesh import Project


class DriftState(StrEnum):
    MISSING = "missing"  # declared, absent from the domain
    UNDECLARED = "not declared"  # in the domain, absent from the YAML
    DIFFERS = "differs"


@dataclass(frozen=True)
class DriftItem:
    kind: str  # unit | project | member | glossary | term
    name: str
    state: DriftState
    detail: str = ""


@dataclass(frozen=True)
class DriftReport:
    environment: str
    domain_id: str
    items: list[DriftItem]

    @property
    def clean(self) -> bool:
        return not self.items


class DriftService:
    def __init__(self, ctx: MeshContext) -> None:
        self.ctx = ctx
        self.naming = ctx.config.naming(ctx.env)
        self.projects = ProjectService(ctx)

    def report(self) -> DriftReport:
        found = [*self.units(), *self.projects_and_members(), *self.glossaries()]
        return DriftReport(self.ctx.env.name, self.ctx.domain_id, found)

    def units(self) -> list[DriftItem]:
        actual = {u.name: u.parent for u in OverviewService(self.ctx).units()}
        declared = {
            self.naming.domain_unit(u.id): self.naming.domain_unit(u.parent) if u.parent else ROOT
            for u in self.ctx.config.mesh.domain_units
        }
        return _compare("unit", declared, actual, lambda want, have: f"parent {have}, declared under {want}")

    def projects_and_members(self) -> list[DriftItem]:
        actual = {p.name: p for p in self.projects.list()}
        declared = self.ctx.config.declared_projects(self.ctx.env)
        out = _compare("project", dict.fromkeys(declared, ""), dict.fromkeys(actual, ""), lambda *_: "")
        for name, project in sorted(declared.items()):
            if name in actual:
                out += self._members(name, actual[name].id, project)
        return out

    def _members(self, name: str, project_id: str, project: Project) -> list[DriftItem]:
        env = self.ctx.env.name
        declared = dict.fromkeys(project.contributors_in(env), "PROJECT_CONTRIBUTOR")
        declared.update(dict.fromkeys(project.owners_in(env), "PROJECT_OWNER"))
        actual = self.projects.group_members(project_id, name, list(declared))
        return _compare(
            "member",
            {f"{name}: {g}": d for g, d in declared.items()},
            {f"{name}: {g}": d for g, d in actual.items()},
            lambda want, have: f"{have}, declared {want}",
        )

    def glossaries(self) -> list[DriftItem]:
        catalog = CatalogService(self.ctx)
        actual = {g.name: g for g in catalog.glossaries()}
        declared = {self.naming.glossary(g.scope): g for g in self.ctx.config.mesh.glossaries}
        out = _compare("glossary", dict.fromkeys(declared, ""), dict.fromkeys(actual, ""), lambda *_: "")
        for name, glossary in sorted(declared.items()):
            if name not in actual:
                continue
            have = {t.name: t.short_description for t in catalog.terms_of(actual[name])}
            want = {t.name: t.short_description for t in glossary.terms}
            out += _compare(
                "term",
                {f"{name}/{t}": d for t, d in want.items()},
                {f"{name}/{t}": d for t, d in have.items()},
                lambda want, have: f"short description '{have}', declared '{want}'",
            )
        return out


def _compare(
    kind: str, declared: dict[str, str], actual: dict[str, str], differs: Callable[[str, str], str]
) -> list[DriftItem]:
    out = [DriftItem(kind, n, DriftState.MISSING) for n in sorted(set(declared) - set(actual))]
    out += [DriftItem(kind, n, DriftState.UNDECLARED) for n in sorted(set(actual) - set(declared))]
    out += [
        DriftItem(kind, n, DriftState.DIFFERS, differs(declared[n], actual[n]))
        for n in sorted(set(declared) & set(actual))
        if declared[n] != actual[n]
    ]
    return out
