"""The Glue Data Quality of a products stack's tables (mesh_constructs/table_quality.py), and the
Lake Formation grants their evaluation roles read the tables with."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_cdk import Stack
from aws_cdk import aws_sns as sns

from mesh_config import EnvironmentConfig, MeshConfig
from mesh_config.data_products import Catalog, asset_name
from mesh_config.dqdl import ruleset
from mesh_config.quality import ruleset_name
from mesh_constructs.catalog_table import CatalogTable
from mesh_constructs.lake_formation_grants import (
    DATABASE,
    LakeFormationGrant,
    LakeFormationGrants,
    LakeFormationGrantsProps,
)
from mesh_constructs.table_quality import TableQuality, TableQualityProps
from stacks.catalogs_stack import CatalogsStack

# What a Glue Data Quality evaluation reads: the table's rows and its definition.
EVALUATION_PERMISSIONS = ("DESCRIBE", "SELECT")


def table_qualities(
    stack: Stack,
    config: MeshConfig,
    env_config: EnvironmentConfig,
    products: Sequence[tuple[Catalog, str]],
    tables: Mapping[str, CatalogTable],
    catalogs: CatalogsStack,
    after: object,
) -> dict[str, TableQuality]:
    """One ``TableQuality`` per table of ``products`` with a ``quality`` section, none otherwise (the
    stack's template then stays as it was). ``after``: the stack's producer grants, which the
    quality grants follow (Lake Formation refuses concurrent grants)."""
    naming = config.naming(env_config)
    topic: sns.ITopic | None = None
    if env_config.notifications is not None:
        topic = sns.Topic.from_topic_arn(
            stack, "AlarmTopic", stack.format_arn(service="sns", resource=naming.alarm_topic())
        )
    built: dict[str, TableQuality] = {}
    grants: list[LakeFormationGrant] = []
    for catalog, producer in products:
        database = naming.catalog_database(catalog.business_unit, catalog.database)
        for table in catalog.tables_of(producer):
            if table.quality is None:
                continue
            name = asset_name(catalog.business_unit, table)
            quality = table.quality
            built[name] = TableQuality(
                stack,
                f"Quality-{name}",
                TableQualityProps(
                    database_name=database,
                    table_name=name,
                    ruleset_name=ruleset_name(database, name),
                    ruleset=ruleset(quality.rules),
                    description=f"Data quality rules of {name} (mesh.yaml)",
                    schedule=quality.schedule.cron if quality.schedule else None,
                    timezone=quality.schedule.timezone if quality.schedule else "UTC",
                    min_score=quality.min_score,
                    alarm_topic=topic,
                ),
            )
            # The ruleset's TargetTable names the table: it must exist first.
            built[name].ruleset.node.add_dependency(tables[name])
            role = built[name].role.role_arn
            grants.append(LakeFormationGrant(role, database, ("DESCRIBE",), DATABASE))
            grants.append(LakeFormationGrant(role, database, EVALUATION_PERMISSIONS, name))
    if grants:
        quality_grants = LakeFormationGrants(
            stack,
            "QualityGrants",
            LakeFormationGrantsProps(
                name=f"{stack.stack_name}-quality", grants=grants, handler=catalogs.grants_handler
            ),
        )
        # The roles' ARNs in the grants already order them after the roles.
        quality_grants.node.add_dependency(after)  # type: ignore[arg-type]
        for quality in built.values():
            if quality.schedule is not None:
                quality.schedule.node.add_dependency(quality_grants)
    return built
