"""A form type's Smithy model read back into the mesh's form fields.

The inverse of ``mesh_constructs.form_model`` for the subset of Smithy that the SMUS portal and
this project write: one ``structure`` named after the form whose members carry ``@required``,
``@documentation("...")``, ``@amazon.datazone#searchable`` and
``@amazon.datazone#glossaryterm("<glossary id>")`` (on a list of String), targets String, Integer,
Long, Float, Double or Boolean, and ``@enum([{value: ...}])`` string shapes for allowed values.
Anything else is reported as a reason, never guessed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

SCALARS = {"String": "string", "Integer": "integer", "Long": "integer", "Float": "float", "Double": "float"}
SCALARS["Boolean"] = "boolean"
_STRING = r'"(?:[^"\\]|\\.)*"'
_TRAIT = re.compile(rf"@([\w.#]+)(\((?:{_STRING}|[^()])*\))?")
_MEMBER = re.compile(r"^(\w+)\s*:\s*([\w.#]+)\s*,?$")


@dataclass
class ParsedField:
    name: str
    type: str  # a mesh FieldType value
    description: str = ""
    required: bool = False
    searchable: bool = False
    allowed_values: list[str] | None = None
    glossary_id: str | None = None


@dataclass
class ParsedForm:
    fields: list[ParsedField] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # what the mesh format cannot express


def _strip_comments(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.strip().startswith("//"))


def _body(text: str, start: int) -> str:
    """The text between the brace at ``start`` and its match."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return text[start + 1 : i]
    return text[start + 1 :]


def _shapes(text: str) -> dict[str, tuple[str, str, str]]:
    """shape name -> (kind, traits text before it, body)."""
    out = {}
    for match in re.finditer(r"^(structure|list|string|integer)\s+(\w+)\s*(\{)?", text, re.M):
        kind, name = match.group(1), match.group(2)
        line_start = text.rfind("\n\n", 0, match.start())
        traits = text[line_start + 1 if line_start >= 0 else 0 : match.start()]
        body = _body(text, match.start(3)) if match.group(3) else ""
        out[name] = (kind, traits, body)
    return out


def _traits(text: str) -> dict[str, str | None]:
    return {m.group(1): (m.group(2)[1:-1].strip() if m.group(2) else None) for m in _TRAIT.finditer(text)}


def _text(argument: str | None) -> str:
    if not argument:
        return ""
    try:
        return str(json.loads(argument))
    except json.JSONDecodeError:
        return argument.strip('"')


def parse_form(form_name: str, smithy: str) -> ParsedForm:
    text = _strip_comments(smithy)
    shapes = _shapes(text)
    parsed = ParsedForm()
    structure = shapes.get(form_name) or next((s for s in shapes.values() if s[0] == "structure"), None)
    if structure is None or structure[0] != "structure":
        parsed.problems.append("its Smithy model has no structure to read fields from")
        return parsed
    pending: list[str] = []
    for raw in structure[2].splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("@"):
            pending.append(line)
            continue
        member = _MEMBER.match(line)
        if member is None:
            parsed.problems.append(f"a member line the export cannot read: {line!r}")
            pending = []
            continue
        name, target = member.group(1), member.group(2)
        traits = _traits(" ".join(pending))
        pending = []
        entry = ParsedField(
            name=name,
            type="string",
            description=_text(traits.get("documentation")),
            required="required" in traits,
            searchable="amazon.datazone#searchable" in traits,
        )
        if target in SCALARS:
            entry.type = SCALARS[target]
        elif "amazon.datazone#glossaryterm" in traits:
            entry.type = "glossary_term"
            entry.glossary_id = _text(traits["amazon.datazone#glossaryterm"])
        elif target in shapes and shapes[target][0] == "string" and "enum" in _traits(shapes[target][1]):
            entry.allowed_values = re.findall(
                r"value\s*:\s*(" + _STRING + ")", _traits(shapes[target][1])["enum"] or ""
            )
            entry.allowed_values = [_text(v) for v in entry.allowed_values] or None
        else:
            parsed.problems.append(f"field {name} has type {target}, which the mesh's form fields cannot express")
            continue
        unknown = set(traits) - {
            "required",
            "documentation",
            "amazon.datazone#searchable",
            "amazon.datazone#glossaryterm",
        }
        if unknown:
            parsed.problems.append(f"field {name}: traits {', '.join(sorted(unknown))} are not kept")
        parsed.fields.append(entry)
    return parsed
