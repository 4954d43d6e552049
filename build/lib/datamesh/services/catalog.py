"""The business catalog: listings search, glossaries and terms, glossary export as CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from datamesh.context import MeshContext
from datamesh.errors import NotFound
from datamesh.services.paging import search_results


@dataclass(frozen=True)
class Listing:
    id: str
    name: str
    owner_project_id: str
    description: str
    glossary_terms: tuple[str, ...]


@dataclass(frozen=True)
class Glossary:
    id: str
    name: str
    status: str
    owning_project_id: str


@dataclass(frozen=True)
class Term:
    id: str
    name: str
    short_description: str
    long_description: str


class CatalogService:
    def __init__(self, ctx: MeshContext) -> None:
        self.ctx = ctx

    def search(self, text: str) -> list[Listing]:
        found = search_results(
            self.ctx.datazone,
            "search_listings",
            "assetListing",
            f"searching the catalog for '{text}'",
            domainIdentifier=self.ctx.domain_id,
            searchText=text,
        )
        return [
            Listing(
                listing["listingId"],
                listing.get("name", ""),
                listing.get("owningProjectId", ""),
                listing.get("description", ""),
                tuple(t.get("name", "") for t in listing.get("glossaryTerms", [])),
            )
            for listing in found
        ]

    def glossaries(self) -> list[Glossary]:
        found = search_results(
            self.ctx.datazone,
            "search",
            "glossaryItem",
            "listing glossaries",
            domainIdentifier=self.ctx.domain_id,
            searchScope="GLOSSARY",
        )
        return sorted(
            (Glossary(g["id"], g["name"], g.get("status", ""), g.get("owningProjectId", "")) for g in found),
            key=lambda g: g.name,
        )

    def glossary(self, name: str) -> Glossary:
        for glossary in self.glossaries():
            if name in (glossary.name, glossary.id):
                return glossary
        raise NotFound(f"no glossary '{name}' in {self.ctx.env.name}")

    def terms(self, glossary_name: str) -> list[Term]:
        return self.terms_of(self.glossary(glossary_name))

    def terms_of(self, glossary: Glossary) -> list[Term]:
        terms = search_results(
            self.ctx.datazone,
            "search",
            "glossaryTermItem",
            f"listing the terms of {glossary.name}",
            domainIdentifier=self.ctx.domain_id,
            searchScope="GLOSSARY_TERM",
            filters={"filter": {"attribute": "BusinessGlossaryTermForm.businessGlossaryId", "value": glossary.id}},
        )
        return sorted(
            (
                Term(t["id"], t["name"], t.get("shortDescription", ""), t.get("longDescription", ""))
                for t in terms
                if t.get("glossaryId") == glossary.id
            ),
            key=lambda t: t.name,
        )

    def term_names(self) -> dict[str, str]:
        """Every term id of the domain -> '<glossary>/<term>': ids differ between domains, names do not."""
        glossaries = {g.id: g.name for g in self.glossaries()}
        terms = search_results(
            self.ctx.datazone,
            "search",
            "glossaryTermItem",
            "listing glossary terms",
            domainIdentifier=self.ctx.domain_id,
            searchScope="GLOSSARY_TERM",
        )
        return {t["id"]: f"{glossaries.get(t.get('glossaryId', ''), '?')}/{t['name']}" for t in terms}

    def export_csv(self, glossary_name: str) -> str:
        """The glossary's terms as CSV: name, short_description, long_description."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["name", "short_description", "long_description"])
        for term in self.terms(glossary_name):
            writer.writerow([term.name, term.short_description, term.long_description])
        return out.getvalue()
