"""A DataZone business glossary and its terms, reconciled by the glossary handler."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from aws_cdk import RemovalPolicy
from constructs import Construct

from mesh_constructs.datazone_handler import DataZoneHandler

# Actions the glossary handler calls (mesh_constructs/handlers/glossary.py), nothing else.
GLOSSARY_ACTIONS = (
    "datazone:CreateGlossary",
    "datazone:CreateGlossaryTerm",
    "datazone:DeleteGlossary",
    "datazone:DeleteGlossaryTerm",
    "datazone:GetDomain",
    "datazone:GetGlossary",
    "datazone:Search",
    "datazone:UpdateGlossary",
    "datazone:UpdateGlossaryTerm",
)


@dataclass(frozen=True)
class TermRef:
    """A term by glossary name and term name (resolved to ids at deploy time)."""

    glossary: str
    term: str


@dataclass(frozen=True)
class GlossaryTermSpec:
    name: str
    short_description: str = ""
    long_description: str = ""
    is_a: Sequence[TermRef] = field(default_factory=tuple)
    classifies: Sequence[TermRef] = field(default_factory=tuple)


@dataclass(frozen=True)
class GlossaryProps:
    """``handler``: the stack's glossary handler (one per stack, shared by its glossaries).
    ``removal_policy`` @default RETAIN: terms are attached to assets; deleting the glossary is an
    explicit choice. Glossaries whose terms relate to another glossary's terms must be created
    after it: the caller orders them (``add_dependency``)."""

    domain_id: str
    owning_project_id: str
    name: str
    handler: DataZoneHandler
    description: str = ""
    terms: Sequence[GlossaryTermSpec] = field(default_factory=tuple)
    removal_policy: RemovalPolicy = RemovalPolicy.RETAIN


def _refs(refs: Sequence[TermRef]) -> list[dict[str, str]]:
    return [{"Glossary": r.glossary, "Term": r.term} for r in refs]


class Glossary(Construct):
    def __init__(self, scope: Construct, construct_id: str, props: GlossaryProps) -> None:
        super().__init__(scope, construct_id)
        terms = [
            {
                "Name": t.name,
                "ShortDescription": t.short_description,
                "LongDescription": t.long_description,
                **({"IsA": _refs(t.is_a)} if t.is_a else {}),
                **({"Classifies": _refs(t.classifies)} if t.classifies else {}),
            }
            for t in props.terms
        ]
        self.resource = props.handler.resource(
            self,
            "Resource",
            "Custom::DataZoneGlossary",
            {
                "DomainId": props.domain_id,
                "OwningProjectId": props.owning_project_id,
                "Name": props.name,
                "Description": props.description,
                "Terms": terms,
            },
            props.removal_policy,
        )
        self.glossary_id: str = self.resource.get_att_string("GlossaryId")
