"""Cross-reference rules for data products and the subscriptions to them (mesh.yaml)."""

from __future__ import annotations

from collections.abc import Mapping

from mesh_config.data_product_checks import check_form_values, check_term
from mesh_config.data_products import tables_by_asset
from mesh_config.errors import ConfigIssue, choices, repeated_indexes
from mesh_config.governance import MetadataForm
from mesh_config.mesh import MeshDefinition, Project
from mesh_config.product_listings import MAX_PRODUCT_FORMS, DataProduct
from mesh_config.project_references import referenced_project
from mesh_config.yaml_source import YamlDocument

Loc = tuple[str | int, ...]

# DataZone builds a data product from its owning project's inventory (user guide, "Create new data
# products": in the project, Inventory data, Select assets), and the mesh's tables are in the
# inventory of their producer.
ONE_PROJECT = "a data product groups assets of its owner project's inventory (DataZone)"


def check_product_listings(mesh: MeshDefinition, doc: YamlDocument) -> list[ConfigIssue]:
    projects = {p.key: p for p in mesh.projects}
    terms = {g.scope: {t.name for t in g.terms} for g in mesh.glossaries}
    forms = {f.name: f for f in mesh.metadata_forms}
    names = [p.name for p in mesh.data_products]
    issues = [
        doc.issue(
            ("data_products", i, "name"),
            f"a second data product named '{names[i]}'",
            "data product names are unique in the domain: rename one, or merge their tables",
        )
        for i in repeated_indexes(names)
    ]
    for i, product in enumerate(mesh.data_products):
        issues += _check_product(mesh, doc, ("data_products", i), product, projects, terms, forms)
    issues += _check_product_subscriptions(mesh, doc)
    return issues


def _check_product(
    mesh: MeshDefinition,
    doc: YamlDocument,
    loc: Loc,
    product: DataProduct,
    projects: Mapping[str, Project],
    terms: Mapping[str, set[str]],
    forms: Mapping[str, MetadataForm],
) -> list[ConfigIssue]:
    envs = [e for e in (product.environments or mesh.environments) if e in mesh.environments]
    _, issues = referenced_project(
        doc,
        (*loc, "owner"),
        product.owner,
        projects,
        envs,
        ", where the data product is",
        "limit the data product with environments: [...], or add {missing} to the project's 'environments'",
    )
    assets = tables_by_asset(mesh.catalogs)
    owned = sorted(n for n, (c, t) in assets.items() if c.producer_of(t) == product.owner and t.published)
    for k in repeated_indexes(list(product.tables)):
        issues.append(
            doc.issue((*loc, "tables", k), f"table '{product.tables[k]}' is listed twice", "remove the repeated entry")
        )
    producers: dict[str, list[str]] = {}
    for k, name in enumerate(product.tables):
        tloc = (*loc, "tables", k)
        found = assets.get(name)
        if found is None:
            issues.append(
                doc.issue(
                    tloc,
                    f"no table '{name}' in any catalog",
                    f"use <bu>_<dataset>_<type> of a published table of '{product.owner}': {choices(owned)}",
                )
            )
            continue
        catalog, table = found
        producers.setdefault(catalog.producer_of(table), []).append(name)
        if not table.published:
            issues.append(
                doc.issue(
                    tloc,
                    f"table '{name}' is not published: a data product lists published assets only",
                    "set published: true on the table, or remove it from the data product",
                )
            )
        absent = [e for e in envs if not catalog.exists_in(e)]
        if absent:
            issues.append(
                doc.issue(
                    tloc,
                    f"catalog '{catalog.business_unit}' of '{name}' does not exist in {', '.join(absent)}",
                    "limit the data product with environments: [...] to where its catalogs exist",
                )
            )
    if len(producers) > 1:
        spread = "; ".join(f"'{p}' ({', '.join(t)})" for p, t in producers.items())
        issues.append(
            doc.issue(
                (*loc, "tables"),
                f"data product '{product.name}' spans the tables of {len(producers)} producer projects: {spread}; "
                f"{ONE_PROJECT}",
                f"keep the tables of one project (one data product per producer), or make '{product.owner}' the "
                "producer of all of them (producer: on each table, a project of the table's business unit)",
            )
        )
    elif producers and product.owner not in producers:
        (producer,) = producers
        issues.append(
            doc.issue(
                (*loc, "owner"),
                f"project '{product.owner}' produces none of the product's tables, '{producer}' does; {ONE_PROJECT}",
                f"set owner: {producer}, or make '{product.owner}' the tables' producer",
            )
        )
    for k, ref in enumerate(product.terms):
        issues += check_term(doc, (*loc, "terms", k), ref, terms)
    if len(product.forms) > MAX_PRODUCT_FORMS:
        issues.append(
            doc.issue(
                (*loc, "forms"),
                f"{len(product.forms)} forms; a data product holds at most {MAX_PRODUCT_FORMS} (DataZone)",
                "keep the forms consumers need, or move some to the tables",
            )
        )
    for form, values in product.forms.items():
        issues += check_form_values(doc, (*loc, "forms", form), form, values, forms, terms)
    return issues


def _check_product_subscriptions(mesh: MeshDefinition, doc: YamlDocument) -> list[ConfigIssue]:
    products = {p.name: p for p in mesh.data_products}
    issues = []
    for k, sub in enumerate(mesh.subscriptions):
        loc: Loc = ("subscriptions", k)
        if (sub.asset is None) == (sub.data_product is None):
            issues.append(
                doc.issue(
                    loc,
                    "a subscription names both an asset and a data product"
                    if sub.asset
                    else "a subscription names neither an asset nor a data product",
                    "give exactly one of asset: <bu>_<dataset>_<type> or data_product: <name>",
                )
            )
            continue
        if sub.data_product is None:
            continue
        if sub.extra_principals:
            issues.append(
                doc.issue(
                    (*loc, "extra_principals"),
                    "extra_principals are granted on the subscribed table; a data product's subscription has none",
                    "subscribe the roles' tables one by one (asset: ...) with extra_principals, or remove them here",
                )
            )
        product = products.get(sub.data_product)
        if product is None:
            issues.append(
                doc.issue(
                    (*loc, "data_product"),
                    f"no data product '{sub.data_product}'",
                    f"use the name of a declared data product: {choices(products)}",
                )
            )
            continue
        envs = [e for e in (sub.environments or mesh.environments) if e in mesh.environments]
        absent = [e for e in envs if not product.exists_in(e)]
        if absent:
            issues.append(
                doc.issue(
                    (*loc, "data_product"),
                    f"data product '{product.name}' does not exist in {', '.join(absent)}",
                    "limit the subscription with environments: [...] to where the data product exists",
                )
            )
        if product.owner == sub.consumer:
            issues.append(
                doc.issue(
                    (*loc, "consumer"),
                    f"project '{sub.consumer}' owns data product '{product.name}': a project does not subscribe to "
                    "its own data product",
                    "remove the subscription",
                )
            )
    return issues
