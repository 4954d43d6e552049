"""Business glossaries, metadata forms and the project grants that let projects curate them."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from mesh_config.formats import FormName, Slug

# A business unit's glossary is <bu>-glossary; this scope names <org>-enterprise-glossary.
ENTERPRISE_SCOPE = "enterprise"
# CreateGlossaryTerm: termRelations isA / classifies hold 1-10 term ids each.
MAX_RELATIONS = 10
# DataZone quotas per domain (Amazon DataZone quotas page).
MAX_GLOSSARIES_PER_DOMAIN = 1_000
MAX_TERMS_PER_DOMAIN = 10_000


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)


TermName = Field(min_length=1, max_length=256, description="1-256 characters, unique in its glossary")


class GlossaryTerm(_Model):
    name: str = TermName
    short_description: str = Field("", max_length=1024, description="one line shown in search results")
    long_description: str = Field("", max_length=4096, description="the full definition")
    is_a: list[str] = Field(
        default_factory=list,
        description=(
            "terms this term is a kind of: 'Term' in the same glossary or '<scope>/Term' in another "
            "(e.g. 'enterprise/Revenue'); at most 10"
        ),
    )
    classifies: list[str] = Field(
        default_factory=list,
        description="terms this term classifies, written like is_a; at most 10",
    )


class Glossary(_Model):
    """One business glossary, in every environment's domain."""

    scope: Slug = Field(
        description=(
            "'enterprise' for <org>-enterprise-glossary, or a business-unit id for <bu>-glossary "
            "(e.g. finance -> finance-glossary)"
        )
    )
    owning_project: Slug = Field(
        description="key <unit>-<use-case> of the project that owns the glossary, e.g. data-platform-etl"
    )
    description: str = Field("", max_length=4096)
    terms: list[GlossaryTerm] = Field(default_factory=list, description="the glossary's terms")

    def relations(self) -> list[tuple[int, str, int, str]]:
        """(term index, 'is_a' | 'classifies', position, reference) of every relation."""
        return [
            (i, kind, j, ref)
            for i, term in enumerate(self.terms)
            for kind in ("is_a", "classifies")
            for j, ref in enumerate(getattr(term, kind))
        ]


def split_term_ref(ref: str, own_scope: str) -> tuple[str, str]:
    """'Term' -> (own scope, Term); 'scope/Term' -> (scope, Term)."""
    scope, sep, term = ref.partition("/")
    return (scope, term) if sep else (own_scope, ref)


class FieldType(StrEnum):
    STRING = "string"
    INTEGER = "integer"
    FLOAT = "float"
    BOOLEAN = "boolean"
    GLOSSARY_TERM = "glossary_term"


class FormField(_Model):
    name: FormName = Field(max_length=128)
    type: FieldType = Field(description="glossary_term fields name their glossary")
    description: str = Field("", max_length=2048, description="help text shown beside the field")
    required: bool = Field(False, description="the form cannot be saved without a value")
    searchable: bool = Field(False, description="indexed for catalog search")
    allowed_values: list[str] | None = Field(
        None, min_length=1, description="string fields only: the values a user may pick from"
    )
    glossary: Slug | None = Field(
        None, description="glossary_term fields only: scope of the glossary whose terms the field takes"
    )

    @field_validator("allowed_values", mode="before")
    @classmethod
    def _only_on_string_fields(cls, value: object, info: ValidationInfo) -> object:
        # Before the items are checked as text: on an integer field, [1, 2] would otherwise be
        # answered "expected text, quote it", and the quoted values with a second error.
        kind = info.data.get("type")  # absent when 'type' itself is invalid (reported on its own)
        if value is not None and isinstance(kind, FieldType) and kind is not FieldType.STRING:
            article = "an" if kind.value[0] in "aeiou" else "a"
            raise PydanticCustomError(
                "allowed_values_on_non_string",
                "allowed_values on {article} {kind} field: allowed_values applies to string fields only",
                {
                    "article": article,
                    "kind": kind.value,
                    "fix": "remove allowed_values, or make the field type: string if its values are codes to pick from",
                },
            )
        return value


class MetadataForm(_Model):
    """A metadata form type that data products carry, in every environment's domain."""

    name: FormName = Field(max_length=128, description="unique in the domain, e.g. DataClassification")
    description: str = Field("", max_length=2048)
    owning_project: Slug = Field(description="key <unit>-<use-case> of the project that owns the form type")
    fields: list[FormField] = Field(min_length=1)


# grants key -> the DataZone policy type it grants.
GRANT_POLICY = {"create_glossary": "CREATE_GLOSSARY", "create_form_type": "CREATE_FORM_TYPE"}


class UnitGrants(_Model):
    """DataZone policies granted to named projects on a unit and its child units."""

    create_glossary: list[Slug] = Field(
        default_factory=list, description="project keys allowed to create glossaries (CREATE_GLOSSARY)"
    )
    create_form_type: list[Slug] = Field(
        default_factory=list, description="project keys allowed to create metadata forms (CREATE_FORM_TYPE)"
    )

    def entries(self) -> list[tuple[str, int, str]]:
        return [(kind, i, key) for kind in GRANT_POLICY for i, key in enumerate(getattr(self, kind))]
