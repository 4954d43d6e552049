"""Runs the data sources of a stack at deployment, then curates and publishes their assets."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aws_cdk import RemovalPolicy
from constructs import Construct

from mesh_constructs.datazone_handler import DataZoneHandler

# Actions the runs handler calls (mesh_constructs/handlers/data_source_runs.py).
DATA_SOURCE_RUNS_ACTIONS = (
    "datazone:CreateAssetRevision",
    "datazone:CreateListingChangeSet",
    "datazone:GetAsset",
    "datazone:GetDataSourceRun",
    "datazone:Search",
    "datazone:StartDataSourceRun",
)


@dataclass(frozen=True)
class TermId:
    """A glossary term by glossary id (a deploy-time value) and term name."""

    glossary_id: str
    term: str


@dataclass(frozen=True)
class CuratedForm:
    """Field values of one metadata form; ``term_fields``: glossary_term fields, resolved at deploy."""

    name: str
    type_revision: str
    values: Mapping[str, Any]
    term_fields: Mapping[str, TermId] = field(default_factory=dict)


@dataclass(frozen=True)
class CuratedTable:
    name: str
    publish: bool
    terms: Sequence[TermId] = ()
    column_terms: Mapping[str, TermId] = field(default_factory=dict)
    forms: Sequence[CuratedForm] = ()


@dataclass(frozen=True)
class RunSource:
    data_source_id: str
    project_id: str
    tables: Sequence[CuratedTable]


@dataclass(frozen=True)
class DataSourceRunsProps:
    """The handler's identity must be a member of every source's project (the caller orders it)."""

    domain_id: str
    name: str
    sources: Sequence[RunSource]
    handler: DataZoneHandler


def _term(t: TermId) -> dict[str, str]:
    return {"GlossaryId": t.glossary_id, "Term": t.term}


def _table(t: CuratedTable) -> dict[str, Any]:
    return {
        "Name": t.name,
        "Publish": "true" if t.publish else "false",
        "Terms": [_term(x) for x in t.terms],
        "ColumnTerms": [{"Column": c, **_term(x)} for c, x in sorted(t.column_terms.items())],
        "Forms": [
            {
                "Name": f.name,
                "TypeRevision": f.type_revision,
                "Content": json.dumps(dict(f.values), sort_keys=True),
                "TermFields": [{"Field": k, **_term(x)} for k, x in sorted(f.term_fields.items())],
            }
            for f in t.forms
        ],
    }


class DataSourceRuns(Construct):
    def __init__(self, scope: Construct, construct_id: str, props: DataSourceRunsProps) -> None:
        super().__init__(scope, construct_id)
        self.resource = props.handler.resource(
            self,
            "Resource",
            "Custom::DataZoneDataSourceRuns",
            {
                "DomainId": props.domain_id,
                "Name": props.name,
                "DataSources": [
                    {
                        "DataSourceId": s.data_source_id,
                        "ProjectId": s.project_id,
                        "Tables": [_table(t) for t in s.tables],
                    }
                    for s in props.sources
                ],
            },
            RemovalPolicy.DESTROY,
        )
