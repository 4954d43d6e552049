"""Promotion check: one project in two environments, and what promoting it from the
first into the second will change: group members, environments, published assets, their
glossary terms and metadata forms.

Ids differ between domains, so everything is compared by name: projects by their key, terms as
'<glossary>/<term>', forms by name and content. Technical forms (columns, data-source
references) hold environment-specific ids and are left out. A member the YAML declares for the
source environment only is reported as staying there, not as a change.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from datamesh.context import MeshContext
from datamesh.errors import NotFound, did_you_mean
from datamesh.services.assets import TABLE_FORMS, AssetService
from datamesh.services.catalog import CatalogService
from datamesh.services.projects import ProjectService
from mesh_config.mesh import Project

# Forms DataZone fills from the data source, with ids of the environment.
TECHNICAL_FORMS = frozenset({*TABLE_FORMS, "DataSourceReferenceForm", "AssetCommonDetailsForm"})


@dataclass(frozen=True)
class ProjectState:
    environment: str
    name: str
    members: dict[str, str] = field(default_factory=dict)  # group -> designation
    environments: dict[str, str] = field(default_factory=dict)  # name -> status
    assets: dict[str, AssetState] = field(default_factory=dict)


@dataclass(frozen=True)
class AssetState:
    published: bool
    terms: tuple[str, ...]
    forms: dict[str, str]  # form name -> content (JSON text, keys sorted)


@dataclass(frozen=True)
class PromotionChange:
    aspect: str  # member | environment | asset | published | term | form
    item: str
    change: str  # add | remove | change | stays
    source: str = ""
    target: str = ""


@dataclass(frozen=True)
class PromotionCheck:
    project: str
    source: ProjectState
    target: ProjectState | None  # None: the project does not exist there yet
    changes: list[PromotionChange]


class PromotionService:
    def __init__(self, source: MeshContext, target: MeshContext) -> None:
        self.source, self.target = source, target

    def check(self, key: str) -> PromotionCheck:
        project = _declared(self.source, key)
        source = self.state(self.source, key)
        target = self.state(self.target, key) if project.exists_in(self.target.env.name) else None
        return PromotionCheck(key, source, target, self._changes(project, source, target))

    def state(self, ctx: MeshContext, key: str) -> ProjectState:
        projects = ProjectService(ctx)
        summary = projects.find(key)
        # Every group the YAML names for the project, in any environment, is named in the result.
        groups = sorted({group for _, _, group, _ in _declared(ctx, key).member_entries()})
        details = projects.show(key)
        assets_service = AssetService(ctx)
        term_names = CatalogService(ctx).term_names()
        assets: dict[str, AssetState] = {}
        for asset in assets_service.search("", summary.id):
            shown = assets_service.show(asset.id)
            assets[asset.name] = AssetState(
                published=shown.listing_status == "ACTIVE",
                terms=tuple(sorted(term_names.get(t, t) for t in shown.glossary_terms)),
                forms={f.name: _canonical(f.content) for f in shown.forms if f.name not in TECHNICAL_FORMS},
            )
        return ProjectState(
            environment=ctx.env.name,
            name=summary.name,
            members=projects.group_members(summary.id, summary.name, groups),
            environments=dict(details.environments),
            assets=assets,
        )

    def _changes(self, project: Project, source: ProjectState, target: ProjectState | None) -> list[PromotionChange]:
        if target is None:
            return [PromotionChange("project", source.name, "add", source.name, "(created by the promotion)")]
        out: list[PromotionChange] = []
        target_env = self.target.env.name
        declared_in_target = {*project.owners_in(target_env), *project.contributors_in(target_env)}
        for group in sorted({*source.members, *target.members}):
            have, want = target.members.get(group), source.members.get(group)
            if have == want:
                continue
            if want and not have and group not in declared_in_target:
                out.append(PromotionChange("member", group, "stays", want, f"declared for {source.environment} only"))
            elif want and not have:
                out.append(PromotionChange("member", group, "add", want, ""))
            elif have and not want:
                out.append(PromotionChange("member", group, "remove", "", have))
            else:
                out.append(PromotionChange("member", group, "change", want or "", have or ""))
        for name in sorted(set(source.environments) ^ set(target.environments)):
            change = "add" if name in source.environments else "remove"
            out.append(
                PromotionChange(
                    "environment", name, change, source.environments.get(name, ""), target.environments.get(name, "")
                )
            )
        for name in sorted({*source.assets, *target.assets}):
            out += _asset_changes(name, source.assets.get(name), target.assets.get(name))
        return out


def _asset_changes(name: str, want: AssetState | None, have: AssetState | None) -> list[PromotionChange]:
    if want is None:
        return [PromotionChange("asset", name, "remove")]
    if have is None:
        return [PromotionChange("asset", name, "add", "published" if want.published else "inventory only")]
    out = []
    if want.published != have.published:
        out.append(PromotionChange("published", name, "change", str(want.published), str(have.published)))
    for term in sorted(set(want.terms) - set(have.terms)):
        out.append(PromotionChange("term", f"{name}: {term}", "add"))
    for term in sorted(set(have.terms) - set(want.terms)):
        out.append(PromotionChange("term", f"{name}: {term}", "remove"))
    for form in sorted({*want.forms, *have.forms}):
        if want.forms.get(form) != have.forms.get(form):
            change = "add" if form not in have.forms else "remove" if form not in want.forms else "change"
            out.append(
                PromotionChange("form", f"{name}: {form}", change, want.forms.get(form, ""), have.forms.get(form, ""))
            )
    return out


def _canonical(content: dict[str, Any]) -> str:
    return json.dumps(content, sort_keys=True)


def _declared(ctx: MeshContext, key: str) -> Project:
    projects = {p.key: p for p in ctx.config.mesh.projects}
    if key in projects:
        return projects[key]
    raise NotFound(f"no project '{key}' in the YAML{did_you_mean(key, projects)}")
