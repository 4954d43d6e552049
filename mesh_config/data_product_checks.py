"""Cross-reference rules for domain catalogs, their tables and subscriptions (mesh.yaml)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from mesh_config.blueprints import Blueprint
from mesh_config.data_products import (
    MAX_DATA_SOURCE_FORMS,
    MAX_GLUE_NAME,
    PRODUCT_LAYERS,
    Catalog,
    Table,
    asset_name,
    tables_by_asset,
)
from mesh_config.errors import ConfigIssue, choices, repeated_indexes
from mesh_config.glue_types import glue_type_problem
from mesh_config.governance import FieldType, MetadataForm, split_term_ref
from mesh_config.mesh import DeploymentMode, MeshDefinition, Project
from mesh_config.placement import unit_ancestors
from mesh_config.project_references import referenced_project
from mesh_config.retired_keys import PREFIXES_NOTE, upgrade_note
from mesh_config.yaml_source import YamlDocument

Loc = tuple[str | int, ...]


def check_data_products(mesh: MeshDefinition, doc: YamlDocument) -> list[ConfigIssue]:
    projects = {p.key: p for p in mesh.projects}
    terms = {g.scope: {t.name for t in g.terms} for g in mesh.glossaries}
    forms = {f.name: f for f in mesh.metadata_forms}
    issues = _check_catalog_units(mesh, doc)
    for i, catalog in enumerate(mesh.catalogs):
        issues += _check_catalog(mesh, doc, ("catalogs", i), catalog, projects, terms, forms)
    issues += _check_locations(mesh, doc)
    issues += _check_unique_assets(mesh, doc)
    issues += _check_subscriptions(mesh, doc, projects)
    return issues


def _check_catalog_units(mesh: MeshDefinition, doc: YamlDocument) -> list[ConfigIssue]:
    business_units = {u.id for u in mesh.domain_units if u.parent is None}
    ids = [c.business_unit for c in mesh.catalogs]
    issues = [
        doc.issue(
            ("catalogs", i, "business_unit"),
            f"a second catalog for business unit '{ids[i]}'",
            "a business unit has one domain catalog: merge the tables into the first entry",
        )
        for i in repeated_indexes(ids)
    ]
    for i, bu in enumerate(ids):
        if bu not in business_units:
            issues.append(
                doc.issue(
                    ("catalogs", i, "business_unit"),
                    f"'{bu}' is not a business unit (a domain unit without parent)",
                    f"use one of: {choices(business_units)}",
                )
            )
    return issues


def _check_catalog(
    mesh: MeshDefinition,
    doc: YamlDocument,
    loc: Loc,
    catalog: Catalog,
    projects: Mapping[str, Project],
    terms: Mapping[str, set[str]],
    forms: Mapping[str, MetadataForm],
) -> list[ConfigIssue]:
    issues = _check_producer(mesh, doc, (*loc, "owner"), catalog.owner, catalog, projects)
    source_forms = catalog.data_source.forms
    if len(source_forms) > MAX_DATA_SOURCE_FORMS:
        issues.append(
            doc.issue(
                (*loc, "data_source", "forms"),
                f"{len(source_forms)} forms; a data source attaches at most {MAX_DATA_SOURCE_FORMS}",
                "move some forms to the tables that need them",
            )
        )
    for name, values in source_forms.items():
        floc = (*loc, "data_source", "forms", name)
        issues += check_form_values(doc, floc, name, values, forms, terms)
        form = forms.get(name)
        for field in form.fields if form else []:
            if field.type is FieldType.GLOSSARY_TERM and field.name in values:
                issues.append(
                    doc.issue(
                        (*floc, field.name),
                        f"'{field.name}' takes a glossary term, whose id a data source cannot resolve",
                        "set this field in the forms of each table instead (the deployment resolves terms there)",
                    )
                )
    for j, table in enumerate(catalog.tables):
        tloc = (*loc, "tables", j)
        if table.producer is not None and table.producer != catalog.owner:
            issues += _check_producer(mesh, doc, (*tloc, "producer"), table.producer, catalog, projects)
        issues += _check_table(doc, tloc, catalog, table, terms, forms)
        if catalog.data_source.publish_on_import and not table.published:
            issues.append(
                doc.issue(
                    (*tloc, "published"),
                    "the catalog's data source publishes every table it imports (publish_on_import: true), so "
                    "this table cannot stay unpublished",
                    "set published: true, or data_source.publish_on_import: false on the catalog",
                )
            )
    return issues


def _check_locations(mesh: MeshDefinition, doc: YamlDocument) -> list[ConfigIssue]:
    """No two tables' locations overlap in one layer's bucket of one environment. The layer buckets
    belong to the environment, not to a business unit (<org>-<env>-<layer>-<account>), so the rule
    spans every catalog that exists there: a table whose prefix contains another's would read (and
    its grants expose) the other's files. Prefixes are normalised segments ending with '/'
    (formats.S3Prefix), so one contains the other exactly when it is a string prefix of it, and
    looking up each prefix's ancestors finds every pair without comparing all tables two by two."""
    located: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
    for i, catalog in enumerate(mesh.catalogs):
        for j, table in enumerate(catalog.tables):
            located[(table.storage.layer, table.storage.prefix)].append((i, j))
    issues = []
    for (layer, prefix), deeper in located.items():
        ancestors = [prefix[: k + 1] for k, char in enumerate(prefix) if char == "/"]
        for ancestor in ancestors:
            for outer in located.get((layer, ancestor), []):
                for inner in deeper:
                    # Equal prefixes meet from both sides: the pair is taken once.
                    if outer == inner or (ancestor == prefix and outer > inner):
                        continue
                    shared = [
                        e
                        for e in mesh.environments
                        if mesh.catalogs[outer[0]].exists_in(e) and mesh.catalogs[inner[0]].exists_in(e)
                    ]
                    if shared:  # catalogs that never exist in one environment never share a bucket
                        issues.append(_overlap_issue(mesh, doc, layer, outer, inner, shared))
    return issues


def _overlap_issue(
    mesh: MeshDefinition,
    doc: YamlDocument,
    layer: str,
    outer: tuple[int, int],
    inner: tuple[int, int],
    environments: list[str],
) -> ConfigIssue:
    """Reported at the later of the two tables in the file, naming the earlier one."""
    later, earlier = max(outer, inner), min(outer, inner)
    mine, theirs = (mesh.catalogs[c].tables[t].storage.prefix for c, t in (later, earlier))
    other = mesh.catalogs[earlier[0]]
    whose = "" if earlier[0] == later[0] else f" (catalog '{other.business_unit}')"
    relation = "repeats" if mine == theirs else "lies inside" if mine.startswith(theirs) else "contains"
    plural = "s" if len(environments) > 1 else ""
    where = (
        "every environment" if environments == mesh.environments else f"environment{plural} {', '.join(environments)}"
    )
    return doc.issue(
        ("catalogs", later[0], "tables", later[1], "storage", "prefix"),
        f"prefix '{mine}' {relation} the prefix '{theirs}' of catalogs[{earlier[0]}].tables[{earlier[1]}]{whose}: "
        f"the two overlap in the {layer} layer's bucket of {where}, which every business unit shares, so each "
        "table would read the other's files",
        "give every table a prefix of its own, e.g. <bu>/<dataset>/ (a deployed mesh: see "
        f"{upgrade_note(PREFIXES_NOTE)})",
    )


def _check_producer(
    mesh: MeshDefinition,
    doc: YamlDocument,
    loc: Loc,
    key: str,
    catalog: Catalog,
    projects: Mapping[str, Project],
) -> list[ConfigIssue]:
    business_unit = catalog.business_unit
    envs = [e for e in mesh.environments if catalog.exists_in(e)]
    project, issues = referenced_project(
        doc,
        loc,
        key,
        projects,
        envs,
        ", where its catalog's tables do",
        "pick a project present in every environment of the catalog, or add {missing} to its 'environments'",
    )
    if project is None:
        return issues
    units = {u.id: u for u in mesh.domain_units}
    if business_unit not in unit_ancestors(project.domain_unit, units):
        issues.append(
            doc.issue(
                loc,
                f"project '{key}' belongs to unit '{project.domain_unit}', outside business unit '{business_unit}': "
                "a domain catalog is produced by its own business unit's projects",
                f"pick a project of '{business_unit}' or its teams, or move the table to the catalog of its unit",
            )
        )
    issues += _check_lakehouse(mesh, doc, loc, project, PRODUCER_BLUEPRINTS, "imports its tables", envs)
    return issues


# A producer's data source imports through its Lakehouse connection, which exists once the
# Tooling and DataLake (Lakehouse Database) environments are deployed; a consumer receives
# subscribed tables in its Lakehouse Database (the subscription target).
PRODUCER_BLUEPRINTS = (Blueprint.TOOLING, Blueprint.DATA_LAKE)
CONSUMER_BLUEPRINTS = (Blueprint.TOOLING, Blueprint.DATA_LAKE)


def _check_lakehouse(
    mesh: MeshDefinition,
    doc: YamlDocument,
    loc: Loc,
    project: Project,
    needed: tuple[Blueprint, ...],
    role: str,
    envs: list[str],
) -> list[ConfigIssue]:
    profiles = {p.capability: p for p in mesh.project_profiles}
    issues = []
    for env in envs:
        profile = profiles.get(project.profile_in(env) or "")
        if profile is None or not project.exists_in(env):
            continue  # reported by the project rules
        on_create = {e.blueprint for e in profile.environments if e.deployment_mode is DeploymentMode.ON_CREATE}
        lacking = [b.value for b in needed if b not in on_create]
        if lacking:
            issues.append(
                doc.issue(
                    loc,
                    f"in environment '{env}', project '{project.key}' uses profile '{profile.capability}', which does "
                    f"not deploy {', '.join(lacking)} on create: the project {role} through its Lakehouse Database",
                    f"add {', '.join(lacking)} (deployment_mode ON_CREATE) to profile '{profile.capability}', or "
                    "pick a project whose profile has them",
                )
            )
    return issues


def _check_table(
    doc: YamlDocument,
    loc: Loc,
    catalog: Catalog,
    table: Table,
    terms: Mapping[str, set[str]],
    forms: Mapping[str, MetadataForm],
) -> list[ConfigIssue]:
    issues = []
    name = asset_name(catalog.business_unit, table)
    if len(name) > MAX_GLUE_NAME:
        issues.append(
            doc.issue(
                (*loc, "dataset"),
                f"table name '{name}' is {len(name)} characters; Glue allows {MAX_GLUE_NAME}",
                "shorten the dataset",
            )
        )
    if table.storage.layer not in PRODUCT_LAYERS:
        issues.append(
            doc.issue(
                (*loc, "storage", "layer"),
                f"unknown data-lake layer '{table.storage.layer}'",
                f"use one of: {choices(PRODUCT_LAYERS)} (raw data is not a data product)",
            )
        )
    columns = table.all_columns()
    names = [c.name for _, _, c in columns]
    for k in repeated_indexes(names):
        kind, index, column = columns[k]
        issues.append(
            doc.issue(
                (*loc, kind, index, "name"),
                f"column '{column.name}' is declared twice (partition keys and columns share one namespace)",
                "rename or remove one of them",
            )
        )
    for kind, index, column in columns:
        problem = glue_type_problem(column.type)
        if problem:
            issues.append(
                doc.issue(
                    (*loc, kind, index, "type"),
                    f"'{column.type}' is not a Glue type: {problem}",
                    "use a Hive/Glue type such as string, int, bigint, double, decimal(18,2), date, timestamp, "
                    "boolean, array<string>, map<string,int> or struct<name:string,qty:int>",
                )
            )
        if column.term is not None:
            issues += check_term(doc, (*loc, kind, index, "term"), column.term, terms)
    for k, term in enumerate(table.terms):
        issues += check_term(doc, (*loc, "terms", k), term, terms)
    for form, values in table.forms.items():
        issues += check_form_values(doc, (*loc, "forms", form), form, values, forms, terms)
    return issues


def check_term(doc: YamlDocument, loc: Loc, ref: str, terms: Mapping[str, set[str]]) -> list[ConfigIssue]:
    scope, sep, term = ref.partition("/")
    if not sep:
        return [doc.issue(loc, f"'{ref}' names no glossary", f"write '<scope>/{ref}', e.g. 'enterprise/{ref}'")]
    if scope not in terms:
        return [doc.issue(loc, f"unknown glossary '{scope}'", f"use one of the glossaries: {choices(terms)}")]
    if term not in terms[scope]:
        return [
            doc.issue(
                loc,
                f"glossary '{scope}' has no term '{term}'",
                f"use one of its terms ({choices(terms[scope])}) or add the term to the glossary",
            )
        ]
    return []


def check_form_values(
    doc: YamlDocument,
    loc: Loc,
    form_name: str,
    values: Mapping[str, Any],
    forms: Mapping[str, MetadataForm],
    terms: Mapping[str, set[str]],
) -> list[ConfigIssue]:
    form = forms.get(form_name)
    if form is None:
        return [doc.issue(loc, f"unknown metadata form '{form_name}'", f"use one of: {choices(forms)}")]
    fields = {f.name: f for f in form.fields}
    issues = []
    for name, value in values.items():
        field = fields.get(name)
        if field is None:
            issues.append(
                doc.issue((*loc, name), f"form '{form_name}' has no field '{name}'", f"use one of: {choices(fields)}")
            )
            continue
        problem = _value_problem(field.type, value)
        if problem:
            issues.append(doc.issue((*loc, name), problem, f"give a {field.type.value} value"))
        elif field.allowed_values and value not in field.allowed_values:
            issues.append(
                doc.issue(
                    (*loc, name), f"'{value}' is not an allowed value", f"use one of: {choices(field.allowed_values)}"
                )
            )
        elif field.type is FieldType.GLOSSARY_TERM:
            scope, term = split_term_ref(str(value), field.glossary or "")
            if scope != field.glossary:
                issues.append(
                    doc.issue(
                        (*loc, name),
                        f"field '{name}' takes terms of glossary '{field.glossary}', not '{scope}'",
                        f"use '{field.glossary}/<Term>'",
                    )
                )
            else:
                issues += check_term(doc, (*loc, name), f"{scope}/{term}", terms)
    missing = [f.name for f in form.fields if f.required and f.name not in values]
    if missing:
        issues.append(
            doc.issue(
                loc,
                f"required field{'s' if len(missing) > 1 else ''} of form '{form_name}' missing: {', '.join(missing)}",
                "give a value to every required field",
            )
        )
    return issues


def _value_problem(kind: FieldType, value: Any) -> str | None:
    ok = {
        FieldType.STRING: isinstance(value, str),
        FieldType.GLOSSARY_TERM: isinstance(value, str),
        FieldType.BOOLEAN: isinstance(value, bool),
        FieldType.INTEGER: isinstance(value, int) and not isinstance(value, bool),
        FieldType.FLOAT: isinstance(value, int | float) and not isinstance(value, bool),
    }[kind]
    return None if ok else f"{value!r} is not a {kind.value} value"


def _check_unique_assets(mesh: MeshDefinition, doc: YamlDocument) -> list[ConfigIssue]:
    located = [
        (("catalogs", i, "tables", j, "dataset"), asset_name(c.business_unit, t))
        for i, c in enumerate(mesh.catalogs)
        for j, t in enumerate(c.tables)
    ]
    names = [n for _, n in located]
    return [
        doc.issue(located[k][0], f"table '{names[k]}' is declared twice", "rename the dataset or remove one entry")
        for k in repeated_indexes(names)
    ]


def _check_subscriptions(mesh: MeshDefinition, doc: YamlDocument, projects: Mapping[str, Project]) -> list[ConfigIssue]:
    assets = tables_by_asset(mesh.catalogs)
    issues = []
    keys = [f"{s.consumer}/{s.target}" for s in mesh.subscriptions]
    for k in repeated_indexes(keys):
        issues.append(
            doc.issue(("subscriptions", k), f"subscription {keys[k]} is declared twice", "remove the repeated entry")
        )
    for k, sub in enumerate(mesh.subscriptions):
        loc: Loc = ("subscriptions", k)
        envs = [e for e in (sub.environments or mesh.environments) if e in mesh.environments]
        consumer, found_issues = referenced_project(
            doc,
            (*loc, "consumer"),
            sub.consumer,
            projects,
            envs,
            fix="limit the subscription with environments: [...], or add {missing} to the project's 'environments'",
        )
        issues += found_issues
        if consumer is not None:
            issues += _check_lakehouse(
                mesh, doc, (*loc, "consumer"), consumer, CONSUMER_BLUEPRINTS, "receives data", envs
            )
        if sub.asset is None:
            continue  # a data product's subscription: product_listing_checks.py
        found = assets.get(sub.asset)
        if found is None:
            issues.append(
                doc.issue(
                    (*loc, "asset"),
                    f"no table '{sub.asset}' in any catalog",
                    f"use <bu>_<dataset>_<type> of a declared table: {choices(assets)}",
                )
            )
            continue
        catalog, table = found
        absent = [e for e in envs if not catalog.exists_in(e)]
        if absent:
            issues.append(
                doc.issue(
                    (*loc, "asset"),
                    f"catalog '{catalog.business_unit}' of '{sub.asset}' does not exist in {', '.join(absent)}",
                    "limit the subscription with environments: [...] to where the catalog exists",
                )
            )
        if not table.published:
            issues.append(
                doc.issue(
                    (*loc, "asset"),
                    f"table '{sub.asset}' is not published: only published assets can be subscribed to",
                    "set published: true on the table, or remove the subscription",
                )
            )
        if catalog.producer_of(table) == sub.consumer:
            issues.append(
                doc.issue(
                    (*loc, "consumer"),
                    f"project '{sub.consumer}' produces '{sub.asset}': a project does not subscribe to its own asset",
                    "remove the subscription",
                )
            )
    return issues
