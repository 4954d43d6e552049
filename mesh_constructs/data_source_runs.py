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
    """Field values of one metadata form; ``term_fields``: glossary_term fields, resolved at deploy.
    ``fields`` @default (): every field of the form's model; values the asset holds for other
    fields (of an older revision) are dropped, values of these fields that the declaration does
    not set are kept. Empty: every value the asset holds is kept."""

    name: str
    type_revision: str
    values: Mapping[str, Any]
    term_fields: Mapping[str, TermId] = field(default_factory=dict)
    fields: Sequence[str] = ()


@dataclass(frozen=True)
class CuratedTable:
    """``column_descriptions``: column -> description, written into the asset's column metadata."""

    name: str
    publish: bool
    terms: Sequence[TermId] = ()
    column_terms: Mapping[str, TermId] = field(default_factory=dict)
    forms: Sequence[CuratedForm] = ()
    column_descriptions: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RunSource:
    data_source_id: str
    project_id: str
    tables: Sequence[CuratedTable]


@dataclass(frozen=True)
class DataSourceRunsProps:
    """The handler's identity must be a member of every source's project (the caller orders it).
    ``fingerprint`` @default "": changes whenever the runs must run again although nothing else of
    their properties does (mesh_config.fingerprints.curation_fingerprint: form revisions and
    glossary ids are weak references, which CloudFormation does not follow)."""

    domain_id: str
    name: str
    sources: Sequence[RunSource]
    handler: DataZoneHandler
    fingerprint: str = ""


def _term(t: TermId) -> dict[str, str]:
    return {"GlossaryId": t.glossary_id, "Term": t.term}


def term_property(t: TermId) -> dict[str, str]:
    """A term as the handlers read it: {GlossaryId, Term}."""
    return _term(t)


def form_property(f: CuratedForm) -> dict[str, Any]:
    """A form as the handlers read it: {Name, TypeRevision, Content (JSON text), TermFields[, Fields]}."""
    return {
        "Name": f.name,
        "TypeRevision": f.type_revision,
        "Content": json.dumps(dict(f.values), sort_keys=True),
        "TermFields": [{"Field": k, **_term(x)} for k, x in sorted(f.term_fields.items())],
        **({"Fields": list(f.fields)} if f.fields else {}),
    }


def _table(t: CuratedTable) -> dict[str, Any]:
    return {
        "Name": t.name,
        "Publish": "true" if t.publish else "false",
        "Terms": [_term(x) for x in t.terms],
        "ColumnTerms": [{"Column": c, **_term(x)} for c, x in sorted(t.column_terms.items())],
        # Apart from ColumnTerms, which a handler of an earlier release reads too (a rollback sends
        # the old properties to the new handler, an update the new ones as OldResourceProperties).
        **(
            {"ColumnDescriptions": [{"Column": c, "Description": d} for c, d in sorted(t.column_descriptions.items())]}
            if t.column_descriptions
            else {}
        ),
        "Forms": [form_property(f) for f in t.forms],
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
                **({"Fingerprint": props.fingerprint} if props.fingerprint else {}),
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
