"""Fingerprints of the governance declarations a products stack depends on.

A products stack reads form-type revisions and glossary ids from the governance stack through
weak references (``Fn::GetStackOutput``). CloudFormation resolves those only when the consuming
stack is created or updated, and a deploy skips a stack whose template is unchanged (FACTS.md,
2026-12-01, "Weak references do not propagate"). So a changed form field, which makes a new form
revision, or a replaced glossary, which has a new id, would reach the governance stack alone: data
sources would keep attaching the old revision and the data-source runs would never run again.

Each consumer therefore carries, in its own template, the sha256 of a canonical JSON of exactly
the declarations it uses (the forms, with the glossaries their term fields take; the glossaries
and terms its tables refer to), so editing one of them changes that consumer's template and no
other. Computed here, from the validated configuration alone (no aws_cdk), so the value is the
same on every machine and in every synth.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mesh_config.data_products import Catalog, Table
from mesh_config.governance import FieldType, MetadataForm, split_term_ref
from mesh_config.mesh import MeshDefinition
from mesh_config.product_listings import DataProduct


def canonical_json(value: Any) -> str:
    """One text per value: sorted keys, no whitespace, UTF-8 as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def fingerprint(value: Any) -> str:
    """sha256 (hex) of the canonical JSON of ``value``."""
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class GovernanceRefs:
    """What a consumer uses from the governance stack: form names and (glossary scope, term) pairs."""

    forms: frozenset[str] = frozenset()
    terms: frozenset[tuple[str, str]] = frozenset()

    def __or__(self, other: GovernanceRefs) -> GovernanceRefs:
        return GovernanceRefs(self.forms | other.forms, self.terms | other.terms)

    @staticmethod
    def union(refs: Iterable[GovernanceRefs]) -> GovernanceRefs:
        out = GovernanceRefs()
        for each in refs:
            out = out | each
        return out


def table_refs(table: Table, forms: Mapping[str, MetadataForm]) -> GovernanceRefs:
    """The forms and terms one table's curation uses: its terms, its columns' terms and the
    glossary-term values of its forms ('Term' in a field means the field's own glossary)."""
    refs = [*table.terms, *(c.term for _, _, c in table.all_columns() if c.term)]
    terms = {split_term_ref(r, "") for r in refs}
    for name, values in table.forms.items():
        form = forms.get(name)
        for field in form.fields if form else []:
            if field.type is FieldType.GLOSSARY_TERM and field.name in values:
                terms.add(split_term_ref(str(values[field.name]), field.glossary or ""))
    return GovernanceRefs(frozenset(table.forms), frozenset(terms))


def data_source_refs(catalog: Catalog) -> GovernanceRefs:
    """The forms a catalog's data source attaches (validation keeps glossary terms out of them)."""
    return GovernanceRefs(frozenset(catalog.data_source.forms))


def governance_declarations(mesh: MeshDefinition, refs: GovernanceRefs) -> dict[str, Any]:
    """The declarations behind ``refs``, as plain JSON values.

    - a form: its whole declaration (fields, description, owner): the form-type handler makes a
      new revision when its model or description changes;
    - a glossary: what its id depends on (its scope, which names it, and its owning project: a
      glossary cannot change owner, so a new owner means a new glossary); the glossaries of the
      forms' glossary-term fields are included, their ids are in the forms' models;
    - a term: its whole declaration.
    Names the configuration does not declare are left out (validation reports them)."""
    forms = {f.name: f for f in mesh.metadata_forms}
    glossaries = {g.scope: g for g in mesh.glossaries}
    used_forms = {n: forms[n] for n in sorted(refs.forms) if n in forms}
    scopes = {s for s, _ in refs.terms}
    scopes |= {f.glossary for form in used_forms.values() for f in form.fields if f.glossary}
    terms: dict[str, Any] = {}
    for scope, name in sorted(refs.terms):
        glossary = glossaries.get(scope)
        term = next((t for t in glossary.terms if t.name == name), None) if glossary else None
        if term is not None:
            terms[f"{scope}/{name}"] = term.model_dump(mode="json")
    return {
        "forms": {n: f.model_dump(mode="json") for n, f in used_forms.items()},
        "glossaries": {
            s: {"scope": s, "owning_project": glossaries[s].owning_project} for s in sorted(scopes) if s in glossaries
        },
        "terms": terms,
    }


def governance_fingerprint(mesh: MeshDefinition, refs: GovernanceRefs) -> str:
    return fingerprint(governance_declarations(mesh, refs))


def data_source_fingerprint(mesh: MeshDefinition, catalog: Catalog) -> str:
    """Changes when a form the catalog's data source attaches changes (a new form revision)."""
    return governance_fingerprint(mesh, data_source_refs(catalog))


def curation_fingerprint(mesh: MeshDefinition, products: Sequence[tuple[Catalog, str]]) -> str:
    """Changes when anything the data-source runs of one products stack depend on changes but
    would not otherwise change that stack's template: the forms, glossaries and terms of its
    tables and data sources, and the data sources' form values (a run imports them anew)."""
    forms = {f.name: f for f in mesh.metadata_forms}
    refs = GovernanceRefs.union(
        data_source_refs(catalog) | GovernanceRefs.union(table_refs(t, forms) for t in catalog.tables_of(producer))
        for catalog, producer in products
    )
    sources = {f"{c.business_unit}/{p}": c.data_source.model_dump(mode="json")["forms"] for c, p in products}
    return fingerprint({"governance": governance_declarations(mesh, refs), "data_source_forms": sources})


def data_product_fingerprint(mesh: MeshDefinition, product: DataProduct) -> str:
    """Changes when a form or glossary term a data product uses changes (a new form revision, a
    replaced glossary), so its resource gets an Update although its properties read the same."""
    forms = {f.name: f for f in mesh.metadata_forms}
    terms = {split_term_ref(r, "") for r in product.terms}
    for name, values in product.forms.items():
        form = forms.get(name)
        for field in form.fields if form else []:
            if field.type is FieldType.GLOSSARY_TERM and field.name in values:
                terms.add(split_term_ref(str(values[field.name]), field.glossary or ""))
    return governance_fingerprint(mesh, GovernanceRefs(frozenset(product.forms), frozenset(terms)))
