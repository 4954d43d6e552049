"""Metadata rules of a domain unit: what DataZone requires before an asset is published in the unit,
or before a subscription to one of its assets is requested (DataZone's rules API, CreateRule).

A rule names up to five metadata forms, or (publishing only) up to five glossary terms: DataZone's
rule detail is one of ``metadataFormEnforcementDetail`` / ``glossaryTermEnforcementDetail``, each
holding 1-5 entries (botocore datazone service model, RequiredMetadataFormList /
GlossaryTermIdentifiers), and the SMUS user guide, "Metadata enforcement rules for publishing",
offers glossary associations for publishing only.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from mesh_config.formats import FormName, Slug

# RuleName in the service model: [\w -]+, 1-256 characters.
RULE_NAME_PATTERN = r"^[\w -]+$"
MAX_RULE_NAME = 256
# RequiredMetadataFormList and GlossaryTermIdentifiers hold 1-5 entries.
MAX_RULE_ENTRIES = 5

RuleName = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_RULE_NAME,
        pattern=RULE_NAME_PATTERN,
        description="letters, digits, '_', '-' and spaces, unique in the mesh, e.g. classified-before-publishing",
    ),
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)


class RuleAction(StrEnum):
    """What the rule guards, and DataZone's RuleAction for it."""

    PUBLISH = "publish"
    SUBSCRIBE = "subscribe"

    @property
    def api_action(self) -> str:
        return {"publish": "CREATE_LISTING_CHANGE_SET", "subscribe": "CREATE_SUBSCRIPTION_REQUEST"}[self.value]


class MetadataRule(_Model):
    """One DataZone metadata-enforcement rule on a domain unit."""

    name: RuleName
    action: RuleAction = Field(
        description=(
            "publish: an asset of the unit is published only with the required forms (or terms); subscribe: a "
            "subscription request to an asset of the unit must carry the required forms"
        )
    )
    description: str = Field("", max_length=2048)
    forms: list[FormName] = Field(
        default_factory=list,
        max_length=MAX_RULE_ENTRIES,
        description="metadata forms (metadata_forms names) required, at most 5",
    )
    terms: list[str] = Field(
        default_factory=list,
        max_length=MAX_RULE_ENTRIES,
        description="publish rules only, instead of forms: glossary terms '<scope>/Term' an asset carries, at most 5",
    )
    include_child_units: bool = Field(
        True, description="the rule also applies in the unit's child units (DataZone includeChildDomainUnits)"
    )
    environments: list[Slug] | None = Field(None, description="environments where the rule exists; default: every one")

    @model_validator(mode="after")
    def _forms_or_terms(self) -> MetadataRule:
        if bool(self.forms) == bool(self.terms):
            raise PydanticCustomError(
                "rule_forms_or_terms",
                "a rule requires either forms or terms (DataZone's rule detail is one of the two)",
                {"fix": "list the required forms under 'forms', or the required glossary terms under 'terms'"},
            )
        if self.terms and self.action is RuleAction.SUBSCRIBE:
            raise PydanticCustomError(
                "rule_terms_on_subscribe",
                "a subscribe rule cannot require glossary terms: DataZone enforces only forms on subscription requests",
                {"fix": "require forms in this rule, or make it a publish rule"},
            )
        return self

    def exists_in(self, env: str) -> bool:
        return self.environments is None or env in self.environments
