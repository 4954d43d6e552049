"""Assets of the inventory: find, show (columns, PII, glossary terms, forms, listing), publish and
unpublish through listing change sets, attach glossary terms and set form values.

The YAML owns the catalog tables it declares (publication, terms, forms: the products stacks
apply them on every deployment), so those changes are refused here with the line to edit
instead; only assets the YAML does not declare (added in the portal) are changed directly.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from datamesh.context import MeshContext
from datamesh.errors import MeshError, NotFound, by_name_or_id
from datamesh.services.catalog import CatalogService
from datamesh.services.paging import call, search_results
from mesh_config.data_products import tables_by_asset

# The Glue asset types' technical form (DataZone's managed amazon.datazone.GlueTableFormType).
TABLE_FORMS = ("GlueTableForm", "RedshiftTableForm")


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str = ""
    pii: bool = False


@dataclass(frozen=True)
class Form:
    name: str
    type_name: str
    type_revision: str
    content: dict[str, Any]


@dataclass(frozen=True)
class AssetSummary:
    id: str
    name: str
    owning_project_id: str
    description: str = ""


@dataclass(frozen=True)
class AssetDetails:
    asset: AssetSummary
    revision: str
    type: str
    glossary_terms: tuple[str, ...]  # term ids
    columns: list[Column] = field(default_factory=list)
    forms: list[Form] = field(default_factory=list)  # every form, the technical one included
    listing_id: str | None = None
    listing_status: str | None = None  # ACTIVE when published
    declared_in: str | None = None  # where the YAML declares it, when it does
    glossary_term_names: tuple[str, ...] = ()  # '<glossary>/<term>', when asked for (show(name_terms=True))


class AssetService:
    def __init__(self, ctx: MeshContext) -> None:
        self.ctx = ctx
        self.declared = tables_by_asset(ctx.config.mesh.catalogs)

    def search(self, text: str, project_id: str | None = None) -> list[AssetSummary]:
        """Assets of the inventory (published or not) whose text matches."""
        extra = {"owningProjectIdentifier": project_id} if project_id else {}
        found = search_results(
            self.ctx.datazone,
            "search",
            "assetItem",
            f"searching the inventory for '{text}'",
            domainIdentifier=self.ctx.domain_id,
            searchScope="ASSET",
            **({"searchText": text} if text else {}),
            **extra,
        )
        return [
            AssetSummary(a["identifier"], a["name"], a.get("owningProjectId", ""), a.get("description", ""))
            for a in found
        ]

    def find(self, name: str) -> AssetSummary:
        """An asset by its exact name or id, with a suggestion when there is none."""
        return by_name_or_id(name, self.search(name), "asset", self.ctx.env.name, self.declared)

    def show(self, name: str, name_terms: bool = False) -> AssetDetails:
        """The asset; ``name_terms`` also names its glossary terms (two more searches)."""
        summary = self.find(name)
        asset = call(
            f"reading asset {summary.name}",
            self.ctx.datazone.get_asset,
            domainIdentifier=self.ctx.domain_id,
            identifier=summary.id,
        )
        forms = [
            Form(f["formName"], f.get("typeName", ""), f.get("typeRevision", ""), _content(f.get("content")))
            for f in asset.get("formsOutput", [])
        ]
        listing = asset.get("listing") or {}
        terms = tuple(asset.get("glossaryTerms", []))
        names = CatalogService(self.ctx).term_names() if name_terms and terms else {}
        return AssetDetails(
            asset=summary,
            revision=asset.get("revision", ""),
            type=asset.get("typeIdentifier", ""),
            glossary_terms=terms,
            columns=self._columns(summary.name, forms),
            forms=forms,
            listing_id=listing.get("listingId"),
            listing_status=listing.get("listingStatus"),
            declared_in=self._declared_in(summary.name),
            glossary_term_names=tuple(names.get(t, t) for t in terms),
        )

    def _columns(self, name: str, forms: list[Form]) -> list[Column]:
        """The technical form's columns; PII flags come from the YAML, the only place that marks them."""
        pii: set[str] = set()
        if name in self.declared:
            _, table = self.declared[name]
            pii = {c.name for _, _, c in table.all_columns() if c.pii}
        for form in forms:
            if form.name in TABLE_FORMS:
                return [
                    Column(c.get("columnName", ""), c.get("dataType", ""), c.get("description", ""))
                    if c.get("columnName") not in pii
                    else Column(c["columnName"], c.get("dataType", ""), c.get("description", ""), True)
                    for c in form.content.get("columns", [])
                ]
        return []

    def _declared_in(self, name: str) -> str | None:
        if name not in self.declared:
            return None
        catalog, table = self.declared[name]
        return f"mesh.yaml: catalog of {catalog.business_unit}, table with dataset '{table.dataset}'"

    def _refuse_declared(self, details: AssetDetails, what: str, fix: str) -> None:
        if details.declared_in:
            raise MeshError(
                f"{details.asset.name} is declared in the YAML ({details.declared_in}), which owns its {what}: {fix}, "
                "commit, and let the pipeline deploy it"
            )

    def publish(self, name: str) -> str:
        return self._listing_change(name, "PUBLISH")

    def unpublish(self, name: str) -> str:
        return self._listing_change(name, "UNPUBLISH")

    def _listing_change(self, name: str, action: str) -> str:
        details = self.show(name)
        value = "true" if action == "PUBLISH" else "false"
        self._refuse_declared(details, "publication", f"set 'published: {value}' there")
        result = call(
            f"{action.lower()}ing {details.asset.name}",
            self.ctx.datazone.create_listing_change_set,
            domainIdentifier=self.ctx.domain_id,
            entityIdentifier=details.asset.id,
            entityType="ASSET",
            action=action,
        )
        return f"{result.get('listingId', '?')} {result.get('status', '')}".strip()

    def attach_terms(self, name: str, term_refs: list[str]) -> AssetDetails:
        """Add glossary terms ('<glossary>/<term>') to the asset in a new revision."""
        details = self.show(name)
        self._refuse_declared(details, "glossary terms", "add them to the table's 'terms'")
        catalog = CatalogService(self.ctx)
        ids = list(details.glossary_terms)
        for ref in term_refs:
            glossary, _, term = ref.partition("/")
            if not term:
                raise MeshError(f"'{ref}': name a term as <glossary>/<term>, e.g. acme-enterprise-glossary/Customer")
            matches = [t.id for t in catalog.terms(glossary) if t.name == term]
            if not matches:
                raise NotFound(f"no term '{term}' in glossary {glossary}")
            if matches[0] not in ids:
                ids.append(matches[0])
        return self._revise(details, glossary_terms=ids, forms=details.forms)

    def set_form(self, name: str, form_name: str, values: dict[str, Any]) -> AssetDetails:
        """Set fields of one of the asset's metadata forms (merged into its current content)."""
        details = self.show(name)
        self._refuse_declared(details, "forms", "set the values in the table's 'forms'")
        forms = {f.name: f for f in details.forms}
        if form_name not in forms:
            attached = ", ".join(forms) or "none"
            raise NotFound(f"{details.asset.name} has no form '{form_name}' (attached: {attached})")
        current = forms[form_name]
        forms[form_name] = Form(current.name, current.type_name, current.type_revision, {**current.content, **values})
        return self._revise(details, glossary_terms=list(details.glossary_terms), forms=list(forms.values()))

    def _revise(self, details: AssetDetails, *, glossary_terms: list[str], forms: list[Form]) -> AssetDetails:
        # A revision replaces the asset's whole form set (the technical GlueTableForm and
        # DataSourceReferenceForm included): every form is sent again, changed or not, as the
        # data_source_runs handler does.
        call(
            f"revising {details.asset.name}",
            self.ctx.datazone.create_asset_revision,
            domainIdentifier=self.ctx.domain_id,
            identifier=details.asset.id,
            name=details.asset.name,
            # The model refuses an empty list: no terms is no parameter.
            **({"glossaryTerms": glossary_terms} if glossary_terms else {}),
            formsInput=[
                {
                    "formName": f.name,
                    "typeIdentifier": f.type_name,
                    "typeRevision": f.type_revision,
                    "content": json.dumps(f.content),
                }
                for f in forms
            ],
        )
        return self.show(details.asset.name)


def _content(text: str | None) -> dict[str, Any]:
    try:
        parsed = json.loads(text or "{}")
    except json.JSONDecodeError:
        return {}
    return parsed if isinstance(parsed, dict) else {}
