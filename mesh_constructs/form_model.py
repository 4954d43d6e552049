"""The Smithy model of a metadata form type, generated from typed fields.

DataZone reads a form type as a Smithy ``structure`` whose members are the fields (namespace
added by the handler, where the domain id is known). Traits used:
``@required``, ``@documentation``, ``@amazon.datazone#searchable`` (CreateFormType API
reference), ``@amazon.datazone#glossaryterm("<glossary id>")`` on a one-element list of String
(how the SMUS portal itself writes a glossary-bound field), and Smithy's ``@enum`` for allowed
values.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

# AWS::DataZone::FormType Model.Smithy and CreateFormType: at most 100 000 characters.
MAX_MODEL_LENGTH = 100_000


class FormFieldType(StrEnum):
    STRING = "String"
    INTEGER = "Integer"
    FLOAT = "Float"
    BOOLEAN = "Boolean"
    GLOSSARY_TERM = "GlossaryTerm"


@dataclass(frozen=True)
class FormFieldSpec:
    """``glossary_id``: for GLOSSARY_TERM fields, the id of the glossary whose terms the field
    takes. ``allowed_values``: for STRING fields, the values a user may pick from."""

    name: str
    type: FormFieldType
    description: str = ""
    required: bool = False
    searchable: bool = False
    allowed_values: Sequence[str] = field(default_factory=tuple)
    glossary_id: str | None = None


def _pascal(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split("_") if part)


def _quoted(text: str) -> str:
    return json.dumps(text)  # a Smithy string literal: JSON escapes are valid Smithy escapes


def form_model(form_name: str, fields: Sequence[FormFieldSpec]) -> str:
    """The ``structure`` of the form and the shapes its fields need."""
    members: list[str] = []
    shapes: list[str] = []
    for spec in fields:
        traits = []
        if spec.description:
            traits.append(f"@documentation({_quoted(spec.description)})")
        if spec.required:
            traits.append("@required")
        if spec.searchable:
            traits.append("@amazon.datazone#searchable")
        target = spec.type.value
        if spec.type is FormFieldType.GLOSSARY_TERM:
            if not spec.glossary_id:
                raise ValueError(f"form {form_name}: glossary-term field {spec.name} needs a glossary id")
            traits.append(f"@amazon.datazone#glossaryterm({_quoted(spec.glossary_id)})")
            target = f"{form_name}{_pascal(spec.name)}Terms"
            shapes.append(f"@length(min: 1, max: 1)\nlist {target} {{\n    member: String\n}}")
        elif spec.allowed_values:
            if spec.type is not FormFieldType.STRING:
                raise ValueError(f"form {form_name}: allowed values on the {spec.type.value} field {spec.name}")
            target = f"{form_name}{_pascal(spec.name)}Values"
            values = ", ".join(f"{{value: {_quoted(v)}}}" for v in spec.allowed_values)
            shapes.append(f"@enum([{values}])\nstring {target}")
        members.append("".join(f"    {t}\n" for t in traits) + f"    {spec.name}: {target}")
    structure = f"structure {form_name} {{\n" + "\n\n".join(members) + "\n}\n"
    return "\n".join([structure, *(f"{s}\n" for s in shapes)])
