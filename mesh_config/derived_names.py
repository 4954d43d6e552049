"""Names the app derives from the configuration, unique where AWS keeps them unique.

Each declaration can be valid on its own and still give a name another one already has: a
catalog's declared database and another unit's <bu>_<env>_catalog, two resource links
shared_<database> to two producers, a business unit 'finance-1' and the first shard of
'finance''s stacks, a share 'a-b' to 'c' and a share 'a' to 'b-c'. Synth then stops, or
CloudFormation fails half-way through a deployment, or, where a handler adopts what exists by
name, two declarations silently manage one resource. Only the whole mesh (and, for what lives
in an account, every environment's account and region) shows these clashes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from mesh_config.data_products import tables_by_asset
from mesh_config.environment import EnvironmentConfig
from mesh_config.errors import ConfigIssue
from mesh_config.mesh import MeshDefinition
from mesh_config.naming import GLUE_DATABASE_RULE, NameRule, Naming
from mesh_config.retired_keys import PREFIXES_NOTE, upgrade_note
from mesh_config.yaml_source import YamlDocument

Loc = tuple[str | int, ...]

# AWS::DataZone::DataSource Name and AWS::LakeFormation::DataCellsFilter Name (provider schemas):
# lengths only.
DATA_SOURCE_RULE = NameRule("DataZone data source", r"[\s\S]+", 256)
DATA_CELLS_FILTER_RULE = NameRule("data-cells filter", r"[\s\S]+", 255)


def check_mesh_names(mesh: MeshDefinition, doc: YamlDocument) -> list[ConfigIssue]:
    """The names that do not depend on an environment's account: stacks and filters."""
    return _check_filter_names(mesh, doc)


# Where a mesh that used to load learns what to do (these rules were added after release).
UPGRADE_NOTE = upgrade_note(PREFIXES_NOTE)


def _check_filter_names(mesh: MeshDefinition, doc: YamlDocument) -> list[ConfigIssue]:
    """A share to one consumer is named <share>-<consumer> in its producer's shares stack (construct
    id) and <share>_<consumer>_<table dataset>_v<hash> for its filters (Lake Formation keeps filter
    names unique per table, within 255 characters). Names join slugs with '-' (and '-' becomes
    '_'), so share 'a-b' to 'c' and share 'a' to 'b-c' give one name: synth stops on the duplicate
    construct, and equal filters would share a name."""
    tables = tables_by_asset(mesh.catalogs)
    issues = []
    seen: dict[tuple[str, str], tuple[int, str]] = {}
    for i, share in enumerate(mesh.shares):
        for k, consumer in enumerate(share.consumers):
            loc: Loc = ("shares", i, "consumers", k, "environment")
            joined = f"{share.name}-{consumer.environment}"
            earlier = seen.setdefault((share.producer, joined), (i, consumer.environment))
            # Two shares of one name are reported as duplicates by the share rules.
            if earlier[0] != i and mesh.shares[earlier[0]].name != share.name:
                issues.append(
                    doc.issue(
                        loc,
                        f"share '{share.name}' to '{consumer.environment}' and share '{mesh.shares[earlier[0]].name}' "
                        f"to '{earlier[1]}' are both named {joined} in the shares stack of '{share.producer}' (and "
                        f"their filters {joined.replace('-', '_')}_<table>_v<hash>): synth stops on the second",
                        "rename one of the shares so that <share>-<consumer> differs",
                    )
                )
            if consumer.filter is None:
                continue
            for name in dict.fromkeys(share.tables):
                found = tables.get(name)
                if found is None:
                    continue  # reported by the share rules
                # The content hash has a fixed length: an empty content gives the name's length.
                filter_name = Naming.data_cells_filter(share.name, consumer.environment, found[1].dataset, "")
                for problem in DATA_CELLS_FILTER_RULE.problems(filter_name):
                    issues.append(
                        doc.issue(
                            loc,
                            f"on table '{name}': {problem} (<share>_<consumer>_<dataset>_v<hash>)",
                            "give the share a shorter name",
                        )
                    )
    return issues


@dataclass(frozen=True)
class _GlueDatabase:
    """One AWS::Glue::Database the app creates: its name, where it lives, where it is declared."""

    name: str
    environment: str
    loc: Loc
    what: str
    # A resource link's target (producer account, region, database): links of one target are one
    # database (the shared-data stack creates it once), links of two targets with one name are not.
    target: tuple[str, str, str] | None = None


def check_glue_databases(
    mesh: MeshDefinition, envs: Sequence[EnvironmentConfig], doc: YamlDocument
) -> list[ConfigIssue]:
    """Every Glue database name is unique in its Data Catalog, which is per account and region:
    two AWS::Glue::Database of one name fail the deploy ("already exists"), or, for two resource
    links of one name, leave one share without its link (the shared-data stack creates a link
    once per name). Names are derived (<bu>_<env>_catalog, shared_<producer database>) or
    declared (a catalog's 'database'); environments sharing an account share its catalog."""
    by_name = {e.name: e for e in envs}
    databases = _glue_databases(mesh, by_name)
    issues = []
    for db in databases:
        for problem in GLUE_DATABASE_RULE.problems(db.name) if db.target else []:
            # Catalog databases are checked with the environment's other names (check_names).
            issues.append(
                doc.issue(
                    db.loc,
                    f"in environment '{db.environment}': {problem} ({db.what}: shared_<producer database>)",
                    "shorten the shared catalog's 'database' name or business unit id",
                )
            )
    holders: dict[tuple[str, str, str], list[_GlueDatabase]] = defaultdict(list)
    # (declaration, the earlier ones of its name) -> where they clash: one issue for all environments.
    clashes: dict[tuple[_GlueDatabase, tuple[_GlueDatabase, ...]], list[str]] = defaultdict(list)
    for db in databases:
        env = by_name[db.environment]
        earlier = holders[(env.account, env.region, db.name)]
        same_link = any(db.target is not None and db.target == e.target for e in earlier)
        if earlier and not same_link:  # a link already created for its target clashed there
            where = {e.environment for e in earlier} - {db.environment}
            shared = f" (sharing account {env.account} with {', '.join(sorted(where))})" if where else ""
            key = (replace(db, environment=""), tuple(replace(e, environment="") for e in earlier))
            clashes[key].append(f"{db.environment}{shared}")
        if not same_link:
            earlier.append(db)
    for (db, earlier), where in clashes.items():
        issues.append(
            doc.issue(
                db.loc,
                f"Glue database '{db.name}' ({db.what}) has the name of {' and of '.join(e.what for e in earlier)}, "
                f"in environment{'s' if len(where) > 1 else ''} {', '.join(where)}: an account's Data Catalog holds "
                "one database of a name in a region, so the second is not created (the deploy fails; of two "
                "resource links, one share would query through the other's)",
                _DATABASE_FIX[db.target is not None],
            )
        )
    return issues + _check_data_source_names(mesh, envs, doc)


def _glue_databases(mesh: MeshDefinition, envs: Mapping[str, EnvironmentConfig]) -> list[_GlueDatabase]:
    """The catalogs' databases, then the consumers' resource links, of every environment."""
    catalogs = {c.business_unit: c for c in reversed(mesh.catalogs)}  # the first of a unit (a second is refused)
    databases = []
    for env in envs.values():
        naming = Naming.of(mesh.org, env)
        for i, catalog in enumerate(mesh.catalogs):
            if catalog.exists_in(env.name):
                name = naming.catalog_database(catalog.business_unit, catalog.database)
                field = "database" if catalog.database else "business_unit"
                what = f"the database of catalogs[{i}] ('{catalog.business_unit}')"
                databases.append(_GlueDatabase(name, env.name, ("catalogs", i, field), what))
    for s, share in enumerate(mesh.shares):
        producer = envs.get(share.producer)
        catalog = catalogs.get(share.catalog)
        if producer is None or catalog is None:
            continue  # reported by the share rules
        naming = Naming.of(mesh.org, producer)
        database = naming.catalog_database(catalog.business_unit, catalog.database)
        for k, consumer in enumerate(share.consumers):
            if consumer.environment in envs and consumer.environment != share.producer:
                databases.append(
                    _GlueDatabase(
                        Naming.resource_link(database),
                        consumer.environment,
                        ("shares", s, "consumers", k, "environment"),
                        f"the resource link of shares[{s}] ('{share.name}') to {database} of '{share.producer}'",
                        (producer.account, producer.region, database),
                    )
                )
    return databases


_DATABASE_FIX = {
    False: "give the catalog a 'database' name of its own, or remove 'database' to use <bu>_<env>_catalog",
    True: "a resource link is named shared_<producer database>: rename the 'database' of one of the catalogs "
    "involved, or share from one producer environment only",
}


def _check_data_source_names(
    mesh: MeshDefinition, envs: Sequence[EnvironmentConfig], doc: YamlDocument
) -> list[ConfigIssue]:
    """<database>-<producer key>: within the 256 characters of a data source name."""
    issues = []
    for env in envs:
        naming = Naming.of(mesh.org, env)
        for i, catalog in enumerate(mesh.catalogs):
            if not catalog.exists_in(env.name):
                continue
            database = naming.catalog_database(catalog.business_unit, catalog.database)
            for producer in catalog.producers():
                for problem in DATA_SOURCE_RULE.problems(naming.data_source(database, producer)):
                    issues.append(
                        doc.issue(
                            ("catalogs", i, "database" if catalog.database else "business_unit"),
                            f"in environment '{env.name}': {problem} (<database>-<producer project>)",
                            "shorten the catalog's 'database' name (or the producer's use case)",
                        )
                    )
    return issues
