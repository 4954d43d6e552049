"""A DataZone data source importing tables of one Glue database into a project (V2 domains)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aws_cdk import aws_datazone as datazone
from constructs import Construct


@dataclass(frozen=True)
class AssetForm:
    """A metadata form attached to every imported asset: form type name, revision, field values."""

    name: str
    type_revision: str
    values: Mapping[str, Any]


@dataclass(frozen=True)
class GlueDataSourceProps:
    """``connection_id``: the project's Lakehouse connection (V2 data sources take a connection,
    not an environment; see ProjectConnections). ``tables``: the table names to import (INCLUDE
    filters). ``schedule`` @default None: runs only when started (the mesh's DataSourceRuns does at
    each deployment); else ``cron(m h ...)`` with ``timezone``. ``forms_fingerprint`` @default "":
    a fingerprint of the declarations of ``forms`` (mesh_config.fingerprints), shown at the end of
    the description, see below. ``import_quality_results`` @default False: each run also imports
    the tables' Glue Data Quality results into their assets (GlueRunConfigurationInput
    AutoImportDataQualityResult, provider schema); unset when False, so a mesh without quality rules
    keeps its template."""

    domain_id: str
    project_id: str
    connection_id: str
    name: str
    database_name: str
    tables: Sequence[str]
    description: str = ""
    publish_on_import: bool = False
    schedule: str | None = None
    timezone: str = "UTC"
    forms: Sequence[AssetForm] = field(default_factory=tuple)
    forms_fingerprint: str = ""
    import_quality_results: bool = False


# Characters of the fingerprint kept in the description: enough to tell two versions apart.
FINGERPRINT_CHARS = 16


def described(description: str, forms_fingerprint: str) -> str:
    """The description, ending with the forms' fingerprint when there is one.

    The forms' revisions are weak references to the governance stack, which CloudFormation does not
    follow: a new form revision must change a property of the data source itself, or the data source
    keeps attaching the old one. Description is the only free-text property of
    AWS::DataZone::DataSource (the form contents must match the form's model), hence it."""
    if not forms_fingerprint:
        return description
    suffix = f"metadata forms {forms_fingerprint[:FINGERPRINT_CHARS]}"
    return f"{description} ({suffix})" if description else suffix.capitalize()


class GlueDataSource(Construct):
    def __init__(self, scope: Construct, construct_id: str, props: GlueDataSourceProps) -> None:
        super().__init__(scope, construct_id)
        description = described(props.description, props.forms_fingerprint)
        self.resource = datazone.CfnDataSource(
            self,
            "Resource",
            domain_identifier=props.domain_id,
            project_identifier=props.project_id,
            connection_identifier=props.connection_id,
            name=props.name,
            description=description or None,
            type="GLUE",
            enable_setting="ENABLED",
            publish_on_import=props.publish_on_import,
            # The Glue names are the <domain>_<dataset>_<type> asset names: keep them.
            recommendation=datazone.CfnDataSource.RecommendationConfigurationProperty(
                enable_business_name_generation=False
            ),
            configuration=datazone.CfnDataSource.DataSourceConfigurationInputProperty(
                glue_run_configuration=datazone.CfnDataSource.GlueRunConfigurationInputProperty(
                    auto_import_data_quality_result=True if props.import_quality_results else None,
                    relational_filter_configurations=[
                        datazone.CfnDataSource.RelationalFilterConfigurationProperty(
                            database_name=props.database_name,
                            filter_expressions=[
                                datazone.CfnDataSource.FilterExpressionProperty(expression=t, type="INCLUDE")
                                for t in props.tables
                            ],
                        )
                    ],
                )
            ),
            schedule=datazone.CfnDataSource.ScheduleConfigurationProperty(
                schedule=props.schedule, timezone=props.timezone
            )
            if props.schedule
            else None,
            asset_forms_input=[
                datazone.CfnDataSource.FormInputProperty(
                    form_name=f.name,
                    type_identifier=f.name,
                    type_revision=f.type_revision,
                    content=json.dumps(dict(f.values), sort_keys=True),
                )
                for f in props.forms
            ]
            or None,
        )
        self.data_source_id: str = self.resource.attr_id
