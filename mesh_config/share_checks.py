"""Rules for Lake Formation shares and team grants (mesh.yaml; the PII rule also reads the
environment files' production_data)."""

from __future__ import annotations

from collections.abc import Mapping

from mesh_config.data_products import Table, asset_name, tables_by_asset
from mesh_config.environment import EnvironmentConfig
from mesh_config.errors import ConfigIssue, choices, repeated_indexes
from mesh_config.mesh import MeshDefinition
from mesh_config.project_references import referenced_project
from mesh_config.row_filter import row_filter_problems
from mesh_config.shares import Principals, Share, ShareConsumer, TableGrant, TeamPermission
from mesh_config.yaml_source import YamlDocument

Loc = tuple[str | int, ...]

UPDATE_FIX = (
    "Lake Formation has no UPDATE permission, per column or per table: Athena rewrites rows of Iceberg tables "
    "with INSERT and DELETE, so grant [insert, delete] on the whole table if the team may rewrite any row, or "
    "let the producer's pipeline apply the change (e.g. a status update job) and grant select only"
)


def shared_tables(mesh: MeshDefinition, share: Share) -> list[tuple[str, Table]]:
    """(name, table) of the share's tables that its catalog declares."""
    catalogs = [c for c in mesh.catalogs if c.business_unit == share.catalog]
    tables = tables_by_asset(catalogs)
    return [(name, tables[name][1]) for name in share.tables if name in tables]


def visible_pii(table: Table, consumer: ShareConsumer) -> list[str]:
    """The table's pii columns a consumer would see."""
    excluded = set(consumer.filter.excluded_columns) if consumer.filter else set()
    return [c.name for _, _, c in table.all_columns() if c.pii and c.name not in excluded]


def check_shares(mesh: MeshDefinition, doc: YamlDocument) -> list[ConfigIssue]:
    envs = mesh.environments
    catalogs = {c.business_unit: c for c in mesh.catalogs}
    projects = {p.key: p for p in mesh.projects}
    names = [s.name for s in mesh.shares]
    issues = [
        doc.issue(("shares", i, "name"), f"duplicate share '{names[i]}'", "give every share a name of its own")
        for i in repeated_indexes(names)
    ]
    for i, share in enumerate(mesh.shares):
        loc: Loc = ("shares", i)
        if share.producer not in envs:
            issues.append(
                doc.issue((*loc, "producer"), f"unknown environment '{share.producer}'", f"use one of: {choices(envs)}")
            )
        catalog = catalogs.get(share.catalog)
        if catalog is None:
            issues.append(
                doc.issue(
                    (*loc, "catalog"),
                    f"no catalog for business unit '{share.catalog}'",
                    f"use one of: {choices(catalogs)}",
                )
            )
            continue
        if share.producer in envs and not catalog.exists_in(share.producer):
            issues.append(
                doc.issue(
                    (*loc, "producer"),
                    f"catalog '{share.catalog}' does not exist in '{share.producer}'",
                    "share from an environment where the catalog exists (see its 'environments')",
                )
            )
        declared = {asset_name(catalog.business_unit, t): t for t in catalog.tables}
        for j, name in enumerate(share.tables):
            if name not in declared:
                issues.append(
                    doc.issue(
                        (*loc, "tables", j),
                        f"catalog '{share.catalog}' has no table '{name}'",
                        f"use one of: {choices(declared)}",
                    )
                )
        for j in repeated_indexes(list(share.tables)):
            issues.append(doc.issue((*loc, "tables", j), "table listed twice", "remove the repeated entry"))
        tables = shared_tables(mesh, share)
        consumer_envs = [c.environment for c in share.consumers]
        for k in repeated_indexes(consumer_envs):
            issues.append(
                doc.issue((*loc, "consumers", k, "environment"), "consumer listed twice", "merge the two entries")
            )
        for k, consumer in enumerate(share.consumers):
            issues += _check_consumer(mesh, doc, (*loc, "consumers", k), share, consumer, tables, projects)
    return issues


def _check_consumer(
    mesh: MeshDefinition,
    doc: YamlDocument,
    loc: Loc,
    share: Share,
    consumer: ShareConsumer,
    tables: list[tuple[str, Table]],
    projects: Mapping[str, object],
) -> list[ConfigIssue]:
    issues = []
    if consumer.environment not in mesh.environments:
        issues.append(
            doc.issue(
                (*loc, "environment"),
                f"unknown environment '{consumer.environment}'",
                f"use one of: {choices(mesh.environments)}",
            )
        )
    elif consumer.environment == share.producer:
        issues.append(
            doc.issue(
                (*loc, "environment"),
                "the producer's own environment: its principals are granted in place (teams), not shared",
                "remove this consumer, or grant the principals through 'teams'",
            )
        )
    issues += _check_principals(mesh, doc, (*loc, "principals"), consumer.principals, consumer.environment)
    if consumer.filter is not None:
        for name, table in tables:
            columns = {c.name for _, _, c in table.all_columns()}
            partitions = {c.name for c in table.partition_keys}
            if consumer.filter.row_filter is not None:
                for problem in row_filter_problems(consumer.filter.row_filter, columns, partitions):
                    issues.append(
                        doc.issue(
                            (*loc, "filter", "row_filter"),
                            f"on table '{name}': {problem}",
                            "write a condition Lake Formation accepts: declared columns compared with constants "
                            "(= <> < > <= >= BETWEEN IN LIKE IS [NOT] NULL) joined by AND / OR / NOT",
                        )
                    )
            for m, column in enumerate(consumer.filter.excluded_columns):
                if column not in columns:
                    issues.append(
                        doc.issue(
                            (*loc, "filter", "excluded_columns", m),
                            f"table '{name}' has no column '{column}'",
                            f"use its columns: {choices(columns)}",
                        )
                    )
        if consumer.filter.row_filter is None and not consumer.filter.excluded_columns:
            issues.append(
                doc.issue((*loc, "filter"), "a filter that filters nothing", "remove 'filter' for full access")
            )
    if consumer.pii_override is not None:
        pii = {c.name for _, t in tables for _, _, c in t.all_columns() if c.pii}
        for m, column in enumerate(consumer.pii_override.columns):
            if column not in pii:
                issues.append(
                    doc.issue(
                        (*loc, "pii_override", "columns", m),
                        f"'{column}' is not a pii column of the shared tables",
                        f"list only pii columns: {choices(pii)}",
                    )
                )
    return issues


def _check_principals(
    mesh: MeshDefinition, doc: YamlDocument, loc: Loc, principals: Principals, env: str
) -> list[ConfigIssue]:
    issues = []
    if principals.empty():
        issues.append(doc.issue(loc, "nobody receives the grants", "name projects (their roles) or IAM role names"))
    projects = {p.key: p for p in mesh.projects}
    envs = [env] if env in mesh.environments else []
    for m, key in enumerate(principals.projects):
        issues += referenced_project(doc, (*loc, "projects", m), key, projects, envs)[1]
    return issues


def check_share_pii(
    mesh: MeshDefinition, envs: Mapping[str, EnvironmentConfig], doc: YamlDocument
) -> list[ConfigIssue]:
    """Sharing a pii column to an environment without production_data needs a reasoned override."""
    issues = []
    for i, share in enumerate(mesh.shares):
        tables = shared_tables(mesh, share)
        for k, consumer in enumerate(share.consumers):
            env = envs.get(consumer.environment)
            if env is None or env.production_data:
                continue
            allowed = set(consumer.pii_override.columns) if consumer.pii_override else set()
            for name, table in tables:
                exposed = [c for c in visible_pii(table, consumer) if c not in allowed]
                if exposed:
                    issues.append(
                        doc.issue(
                            ("shares", i, "consumers", k),
                            f"table '{name}' would share its pii column{'s' if len(exposed) > 1 else ''} "
                            f"{', '.join(exposed)} to '{consumer.environment}', which holds no production data",
                            "add them to filter.excluded_columns, or declare pii_override: {columns: [...], reason: "
                            "...} with why this environment may see them",
                        )
                    )
    return issues


def check_share_regions(
    mesh: MeshDefinition, envs: Mapping[str, EnvironmentConfig], doc: YamlDocument
) -> list[ConfigIssue]:
    """A share stays in one region: the producer's and every consumer's environment deploy there.

    Refused rather than built: a cross-region share is granted and re-granted through Lake
    Formation in the producer's region (where the shared database appears in the consumer
    account) while the consumer's link lives in its own, so the consumer stack would need a second
    regional Lake Formation client and ARNs of the producer's region for everything it re-grants;
    none of that can be checked without two accounts in two regions, and a half-right version
    deploys grants that point at nothing."""
    issues = []
    for i, share in enumerate(mesh.shares):
        producer = envs.get(share.producer)
        if producer is None:
            continue  # check_shares reports the unknown environment
        for k, consumer in enumerate(share.consumers):
            env = envs.get(consumer.environment)
            if env is None or env.region == producer.region:
                continue
            issues.append(
                doc.issue(
                    ("shares", i, "consumers", k, "environment"),
                    f"'{consumer.environment}' deploys in {env.region} and the producer '{share.producer}' in "
                    f"{producer.region}: the mesh shares tables within one region only",
                    f"consume the share from an environment in {producer.region} (region: in "
                    f"{consumer.environment}.yaml), or copy the data into {env.region} and share it from there",
                )
            )
    return issues


def check_teams(mesh: MeshDefinition, doc: YamlDocument) -> list[ConfigIssue]:
    names = [t.name for t in mesh.teams]
    issues = [
        doc.issue(("teams", i, "name"), f"duplicate team '{names[i]}'", "declare each team once")
        for i in repeated_indexes(names)
    ]
    groups = mesh.identity_center.groups
    for i, team in enumerate(mesh.teams):
        loc: Loc = ("teams", i)
        if not (team.groups or team.roles):
            issues.append(doc.issue(loc, "the team has no principal", "list its IdC groups or IAM role names"))
        for m, group in enumerate(team.groups):
            if group not in groups:
                issues.append(
                    doc.issue(
                        (*loc, "groups", m),
                        f"unknown group '{group}'",
                        f"declare it under identity_center.groups: {choices(groups)}",
                    )
                )
        envs = list(team.environments or mesh.environments)
        for j, grant in enumerate(team.grants):
            issues += _check_table_grant(mesh, doc, (*loc, "grants", j), grant, envs)
    return issues


def _check_table_grant(
    mesh: MeshDefinition, doc: YamlDocument, loc: Loc, grant: TableGrant, envs: list[str]
) -> list[ConfigIssue]:
    issues = []
    every = tables_by_asset(mesh.catalogs)
    found = every.get(grant.table)
    if found is None:
        return [doc.issue((*loc, "table"), f"no table '{grant.table}' in any catalog", f"use one of: {choices(every)}")]
    catalog, table = found
    absent = [e for e in envs if e in mesh.environments and not catalog.exists_in(e)]
    if absent:
        issues.append(
            doc.issue(
                (*loc, "table"),
                f"table '{grant.table}' does not exist in {', '.join(absent)}",
                "limit the team with environments: [...] to where the table's catalog exists",
            )
        )
    if TeamPermission.UPDATE in grant.permissions:
        scope = f"of columns {', '.join(grant.columns)} " if grant.columns else ""
        issues.append(
            doc.issue((*loc, "permissions"), f"UPDATE {scope}cannot be expressed in Lake Formation", UPDATE_FIX)
        )
    if grant.columns is not None:
        others = [p.value for p in grant.permissions if p not in (TeamPermission.SELECT, TeamPermission.UPDATE)]
        if others:
            issues.append(
                doc.issue(
                    (*loc, "columns"),
                    f"Lake Formation restricts only SELECT to columns, not {', '.join(others)}",
                    "give column-restricted SELECT in one grant and the table-level permissions in another",
                )
            )
        columns = {c.name for _, _, c in table.all_columns()}
        for m, column in enumerate(grant.columns):
            if column not in columns:
                issues.append(
                    doc.issue(
                        (*loc, "columns", m),
                        f"table '{grant.table}' has no column '{column}'",
                        f"use: {choices(columns)}",
                    )
                )
    for m in repeated_indexes([p.value for p in grant.permissions]):
        issues.append(doc.issue((*loc, "permissions", m), "permission listed twice", "remove the repeated entry"))
    return issues
