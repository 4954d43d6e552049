"""What the YAML declares for one environment, read from the YAML alone: the console shows it when
AWS cannot be read (no credentials, no answer), marked as declared, never as what exists."""

from __future__ import annotations

from dataclasses import dataclass

from mesh_config import EnvironmentConfig, MeshConfig
from mesh_config.data_products import asset_name
from mesh_config.mesh import Project

ROOT = "(root)"


@dataclass(frozen=True)
class DeclaredUnit:
    name: str
    parent: str  # the parent's name, ROOT under the root unit


@dataclass(frozen=True)
class DeclaredProject:
    name: str  # in the environment's domain: finance-reporting-dev-project
    key: str
    domain_unit: str
    profile: str
    description: str
    owners: list[str]  # Identity Center groups, by their YAML names
    contributors: list[str]


@dataclass(frozen=True)
class DeclaredGlossary:
    name: str
    owning_project: str  # its name in the domain
    description: str
    terms: list[tuple[str, str]]  # (name, short description)


@dataclass(frozen=True)
class DeclaredTable:
    name: str  # the asset's name: <bu>_<dataset>_<type>
    description: str
    producer: str  # the producing project's name in the domain
    published: bool


class DeclaredMesh:
    def __init__(self, config: MeshConfig, env: EnvironmentConfig) -> None:
        self.config, self.env = config, env
        self.naming = config.naming(env)
        self._by_key = {p.key: p for p in config.mesh.projects}

    def _project_name(self, key: str) -> str:
        project = self._by_key.get(key)
        return self.config.project_name(self.env, project) if project else key

    def units(self) -> list[DeclaredUnit]:
        return [
            DeclaredUnit(self.naming.domain_unit(u.id), self.naming.domain_unit(u.parent) if u.parent else ROOT)
            for u in self.config.mesh.domain_units
        ]

    def projects(self) -> list[DeclaredProject]:
        declared = self.config.declared_projects(self.env)
        return [self._project(name, declared[name]) for name in sorted(declared)]

    def project(self, key_or_name: str) -> DeclaredProject | None:
        """A declared project by key (finance-reporting) or name; None if the YAML has none here."""
        return next((p for p in self.projects() if key_or_name in (p.key, p.name)), None)

    def _project(self, name: str, project: Project) -> DeclaredProject:
        env = self.env.name
        return DeclaredProject(
            name=name,
            key=project.key,
            domain_unit=self.naming.domain_unit(project.domain_unit),
            profile=self.naming.project_profile(project.profile),
            description=project.description,
            owners=list(project.owners_in(env)),
            contributors=list(project.contributors_in(env)),
        )

    def glossaries(self) -> list[DeclaredGlossary]:
        return [
            DeclaredGlossary(
                self.naming.glossary(g.scope),
                self._project_name(g.owning_project),
                g.description,
                [(t.name, t.short_description) for t in g.terms],
            )
            for g in self.config.mesh.glossaries
        ]

    def glossary(self, name: str) -> DeclaredGlossary | None:
        return next((g for g in self.glossaries() if g.name == name), None)

    def tables(self, q: str = "") -> list[DeclaredTable]:
        """The catalogs' tables in this environment; ``q``: words the name or description must hold."""
        words = q.lower().split()
        found = [
            DeclaredTable(
                asset_name(c.business_unit, t), t.description, self._project_name(c.producer_of(t)), t.published
            )
            for c in self.config.catalogs_in(self.env)
            for t in c.tables
        ]
        return [t for t in found if all(w in f"{t.name} {t.description}".lower() for w in words)]
