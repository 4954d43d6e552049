"""Schema errors in the project's words: for every kind of error pydantic can raise on the mesh
files, what is wrong (quoting the value as the user typed it) and a concrete fix.

pydantic's own text ("Input should be a valid list", "Field required") never reaches a user:
WORDS has an entry for every error type the models can produce (``possible_error_types`` reads
them from the models' core schemas, and tests/test_schema_errors.py fails when one is missing),
and an unknown type still gets words of ours rather than pydantic's message.

Locations are the file's: pydantic adds the name of a union's member to the path of each
member's error (``profile.constrained-str``) and ``[key]`` for an invalid mapping key; those are
removed, and of a union's errors only those of the member the value's shape fits are kept.
"""

from __future__ import annotations

import difflib
import re
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from mesh_config.errors import ConfigIssue, clip, quoted
from mesh_config.formats import EXPLAINED, PLAIN_WORDS
from mesh_config.retired_keys import PREFIXES_NOTE, upgrade_note
from mesh_config.yaml_source import YamlDocument

SCHEMA_HINT = "the JSON Schema in schemas/ lists every allowed key"


@dataclass(frozen=True)
class SchemaError:
    """One pydantic error, seen from the file."""

    kind: str
    loc: tuple[str | int, ...]  # in the file: union member names and '[key]' removed
    value: Any
    typed: str | None  # the scalar as written in the file, when it is one
    ctx: dict[str, Any]
    on_key: bool = False  # the error is about a mapping key, not its value
    info: FieldInfo | None = None  # the field the location ends in, when it is one
    known_fields: frozenset[str] = field(default_factory=frozenset)

    @property
    def key(self) -> str:
        return str(self.loc[-1]) if self.loc else "(document root)"

    @property
    def shown(self) -> str:
        """The value as messages quote it: as typed for numbers and booleans (leading zeros kept)."""
        if self.typed is not None and not isinstance(self.value, str):
            return clip(self.typed)
        return quoted(self.value)

    @property
    def about(self) -> str:
        """' (what the key holds)' from the field's description, or nothing."""
        return f" ({clip(self.info.description, 200)})" if self.info is not None and self.info.description else ""


def kind_of(value: Any, typed: str | None = None) -> str:
    """'the number 12', 'the text 'x'', 'a list'... for 'got ...'."""
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return f"the boolean {value!r}"
    if isinstance(value, int | float):
        return f"the number {clip(typed or str(value))}"
    if isinstance(value, str):
        return f"the text {quoted(value)}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, bytes):
        return "binary data (!!binary)"
    if isinstance(value, date):
        return f"the date {clip(typed or str(value))}"
    return "a value of another kind"


def _written(e: SchemaError) -> str:
    return e.typed if e.typed is not None else str(e.value)


# --- one function per error type ------------------------------------------------------------
Words = Callable[[SchemaError], tuple[str, str]]


def _missing(e: SchemaError) -> tuple[str, str]:
    return f"required key '{e.key}' is missing", f"add '{e.key}: ...'{e.about}"


def _extra(e: SchemaError) -> tuple[str, str]:
    close = difflib.get_close_matches(e.key, sorted(e.known_fields), n=1)
    hint = f"did you mean '{close[0]}'?" if close else "remove it"
    return f"unknown key '{clip(e.key)}'", f"{hint} ({SCHEMA_HINT})"


def _text(e: SchemaError) -> tuple[str, str]:
    value = e.value
    if isinstance(value, bool):
        return (
            f"expected text, got the boolean {value!r}",
            'quote the value in YAML (e.g. "true"): unquoted true/false/yes/no/on/off are booleans',
        )
    if isinstance(value, int | float):
        shown = clip(_written(e))
        return (
            f"expected text, got the number {shown}",
            f'quote the value in YAML ("{shown}"): unquoted digits are read as a number and can lose leading zeros',
        )
    if isinstance(value, date):
        return f"expected text, got {kind_of(value, e.typed)}", f'quote the value in YAML ("{clip(_written(e))}")'
    if value is None:
        return (
            "expected text, got an empty value",
            f"write the value after '{e.key}:' (a key with nothing after it is null in YAML; \"\" is empty text), "
            "or remove the key",
        )
    return f"expected text, got {kind_of(value)}", f"write a single value{e.about}"


def _unicode(e: SchemaError) -> tuple[str, str]:
    return f"expected text, got {kind_of(e.value)}", "write the value as plain text, without the !!binary tag"


def _list(e: SchemaError) -> tuple[str, str]:
    value = e.value
    problem = f"expected a list, got {kind_of(value, e.typed)}"
    if isinstance(value, str):
        items = [part.strip() for part in re.split(r"[,;]", value) if part.strip()] or [value]
        shown = ", ".join(clip(item, 40) for item in items[:5]) + (", ..." if len(items) > 5 else "")
        return problem, f"write a YAML list: [{shown}]"
    if value is None:
        return problem, f"write the items as [a, b] or one '- item' per line under '{e.key}:', [] for none"
    if isinstance(value, dict):
        return problem, f"write one '- item' line per entry under '{e.key}:', not 'key: value' pairs"
    return problem, f"write a YAML list: [{clip(_written(e), 40)}]"


def _mapping(e: SchemaError) -> tuple[str, str]:
    problem = f"expected a mapping (key: value lines), got {kind_of(e.value, e.typed)}"
    keys = _model_keys(e.info)
    if keys:
        return problem, f"write the keys ({', '.join(keys)}) indented under '{e.key}:'"
    return problem, f"write 'name: value' pairs indented under '{e.key}:' ({{}} for none){e.about}"


def _too_short(e: SchemaError) -> tuple[str, str]:
    least, actual = e.ctx.get("min_length", 1), e.ctx.get("actual_length", 0)
    what = "list" if e.ctx.get("field_type", "List") == "List" else "mapping"
    plural = "s" if least != 1 else ""
    if actual == 0:
        return f"the {what} is empty; at least {least} item{plural} needed", f"add at least {least}{e.about}"
    return f"the {what} has {actual} item(s); at least {least} needed", f"add {least - actual} more{e.about}"


def _too_long(e: SchemaError) -> tuple[str, str]:
    most, actual = e.ctx.get("max_length", 0), e.ctx.get("actual_length")
    actual = len(e.value) if actual is None and isinstance(e.value, list | dict) else actual
    what = "list" if e.ctx.get("field_type", "List") == "List" else "mapping"
    has = f"has {actual:,} items" if isinstance(actual, int) else "has too many items"
    return f"the {what} {has}; at most {most:,} are allowed", f"remove items until at most {most:,} are left"


def _string_too_short(e: SchemaError) -> tuple[str, str]:
    least = e.ctx.get("min_length", 1)
    length = len(e.value) if isinstance(e.value, str) else 0
    if length == 0:
        return "the text is empty", f"write a value{e.about}, or remove the key if it is optional"
    return f"the text is {length} characters long; at least {least} are needed", f"write a longer value{e.about}"


def _string_too_long(e: SchemaError) -> tuple[str, str]:
    most = e.ctx.get("max_length", 0)
    length = len(e.value) if isinstance(e.value, str) else 0
    return f"the text is {length:,} characters long; at most {most:,} are allowed", f"shorten it to {most:,} characters"


def _pattern(e: SchemaError) -> tuple[str, str]:
    pattern = e.ctx.get("pattern", "")
    words = PLAIN_WORDS.get(pattern)
    explain = EXPLAINED.get(pattern)
    why = explain(e.value) if explain is not None and isinstance(e.value, str) else None
    what = "key" if e.on_key else "value"
    problem = f"{what} {quoted(e.value)} has the wrong format" + (f": {why}" if why else "")
    fix = f"use {words}" if words else f"write a {what} of the form the key's description gives{e.about}"
    # Explained formats are the location rules added after release: a mesh that loaded before learns why.
    return problem, fix + (f" (a deployed mesh: see {upgrade_note(PREFIXES_NOTE)})" if why else "")


def _choice(e: SchemaError) -> tuple[str, str]:
    expected = str(e.ctx.get("expected", ""))
    allowed = re.findall(r"'([^']*)'", expected) or [expected]
    if not isinstance(e.value, str):
        return (
            f"expected one of {', '.join(allowed)}, got {kind_of(e.value, e.typed)}",
            f"use one of: {', '.join(allowed)}",
        )
    by_case = {a.lower(): a for a in allowed}
    same_but_case = by_case.get(e.value.lower())
    close = [same_but_case] if same_but_case else difflib.get_close_matches(e.value, allowed, n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    return f"value {quoted(e.value)} is not allowed", f"{hint}use one of: {', '.join(allowed)}"


def _boolean(e: SchemaError) -> tuple[str, str]:
    return f"expected true or false, got {kind_of(e.value, e.typed)}", "write true or false, without quotes"


def _whole_number(e: SchemaError) -> tuple[str, str]:
    if e.kind == "int_from_float":
        return f"expected a whole number, got {kind_of(e.value, e.typed)}", "drop the fraction (e.g. 3, not 3.5)"
    return f"expected a whole number, got {kind_of(e.value, e.typed)}", "write digits only, without quotes (e.g. 3)"


def _number(e: SchemaError) -> tuple[str, str]:
    return f"expected a number, got {kind_of(e.value, e.typed)}", "write digits only, without quotes (e.g. 0.5)"


def _bounds(info: FieldInfo | None) -> tuple[Any, Any]:
    low = high = None
    for item in info.metadata if info is not None else ():
        low = getattr(item, "ge", low)
        high = getattr(item, "le", high)
    return low, high


def _range(e: SchemaError) -> str:
    low, high = _bounds(e.info)
    low = e.ctx.get("ge", e.ctx.get("gt", low))
    high = e.ctx.get("le", e.ctx.get("lt", high))
    if low is not None and high is not None:
        return f"use a number from {low} to {high}"
    return f"use a number of at least {low}" if low is not None else f"use a number of at most {high}"


def _too_small(e: SchemaError) -> tuple[str, str]:
    bound = e.ctx.get("ge", e.ctx.get("gt"))
    word = "below the minimum" if "ge" in e.ctx else "not above"
    return f"{_written(e)} is {word} {bound}", _range(e)


def _too_large(e: SchemaError) -> tuple[str, str]:
    bound = e.ctx.get("le", e.ctx.get("lt"))
    word = "above the maximum" if "le" in e.ctx else "not below"
    return f"{_written(e)} is {word} {bound}", _range(e)


def _rule(e: SchemaError) -> tuple[str, str]:
    """A validator's ValueError / assertion: its message is ours; the models' own rules raise
    PydanticCustomError with a fix instead (_custom), so this is the fallback for one that did not."""
    message = str(e.ctx.get("error", "the value breaks a rule of this key"))
    return f"{message} (got {kind_of(e.value, e.typed)})", f"change the value so that it keeps the rule{e.about}"


def _custom(e: SchemaError, message: str) -> tuple[str, str]:
    return message, str(e.ctx["fix"])


def _json(e: SchemaError) -> tuple[str, str]:
    """Only the API's request bodies are JSON; the mesh files are YAML, parsed before any model."""
    return f"the body is not valid JSON ({e.ctx.get('error', 'unreadable')})", "send a JSON object"


def _unknown(e: SchemaError) -> tuple[str, str]:
    return f"{kind_of(e.value, e.typed)} is not accepted here", f"write what the key's description asks{e.about}"


WORDS: dict[str, Words] = {
    "missing": _missing,
    "extra_forbidden": _extra,
    "string_type": _text,
    "string_unicode": _unicode,
    "string_too_short": _string_too_short,
    "string_too_long": _string_too_long,
    "string_pattern_mismatch": _pattern,
    "list_type": _list,
    "too_short": _too_short,
    "too_long": _too_long,
    "dict_type": _mapping,
    "model_type": _mapping,
    "model_attributes_type": _mapping,
    "enum": _choice,
    "literal_error": _choice,
    "bool_type": _boolean,
    "bool_parsing": _boolean,
    "int_type": _whole_number,
    "int_parsing": _whole_number,
    "int_parsing_size": _whole_number,
    "int_from_float": _whole_number,
    "float_type": _number,
    "float_parsing": _number,
    "finite_number": _number,
    "greater_than_equal": _too_small,
    "greater_than": _too_small,
    "less_than_equal": _too_large,
    "less_than": _too_large,
    "value_error": _rule,
    "assertion_error": _rule,
    "json_invalid": _json,
}

# Error types that say only "this member of a union takes another shape of value".
_SHAPE_KINDS = frozenset(
    {"string_type", "list_type", "dict_type", "model_type", "int_type", "bool_type", "float_type", "none_required"}
)
_FORMS = {"string_type": "text", "list_type": "a list", "dict_type": "a mapping", "model_type": "a mapping"}


def _form(error: dict[str, Any]) -> str:
    """The shape of value a union member takes, from its error: 'text', 'a list', 'one of A, B'."""
    if error["type"] in ("enum", "literal_error"):
        names = re.findall(r"'([^']*)'", str((error.get("ctx") or {}).get("expected", "")))
        return f"one of {', '.join(names)}" if names else "one of the listed names"
    return _FORMS.get(error["type"], "another kind of value")


def _is_shape_mismatch(error: dict[str, Any], at_union: bool) -> bool:
    """Whether a union member's error says only that the value has another shape: an error about
    the union's value itself (an error deeper down is about a member that fits)."""
    kind = error["type"]
    if not at_union:
        return False
    return kind in _SHAPE_KINDS or (kind in ("enum", "literal_error") and not isinstance(error.get("input"), str))


# --- the walk over the models' core schemas ---------------------------------------------------
_BY_SCHEMA: dict[str, tuple[str, ...]] = {
    "str": ("string_type", "string_unicode"),
    "list": ("list_type",),
    "dict": ("dict_type",),
    "model": ("model_type",),
    "bool": ("bool_type", "bool_parsing"),
    "int": ("int_type", "int_parsing", "int_parsing_size", "int_from_float"),
    "float": ("float_type", "float_parsing", "finite_number"),
    "enum": ("enum",),
    "literal": ("literal_error",),
    "function-after": ("value_error", "assertion_error"),
    "function-before": ("value_error", "assertion_error"),
    "function-wrap": ("value_error", "assertion_error"),
    "function-plain": ("value_error", "assertion_error"),
}
_BY_CONSTRAINT: dict[tuple[str, str], str] = {
    ("str", "pattern"): "string_pattern_mismatch",
    ("str", "min_length"): "string_too_short",
    ("str", "max_length"): "string_too_long",
    ("list", "min_length"): "too_short",
    ("list", "max_length"): "too_long",
    ("dict", "min_length"): "too_short",
    ("dict", "max_length"): "too_long",
    ("int", "ge"): "greater_than_equal",
    ("int", "gt"): "greater_than",
    ("int", "le"): "less_than_equal",
    ("int", "lt"): "less_than",
    ("float", "ge"): "greater_than_equal",
    ("float", "gt"): "greater_than",
    ("float", "le"): "less_than_equal",
    ("float", "lt"): "less_than",
}
# Constraints that pydantic applies through a validator function (Field(min_length=...) after an
# AfterValidator): the function's name says which error it raises.
_BY_VALIDATOR = {
    "min_length_validator": "too_short",
    "max_length_validator": "too_long",
    "greater_than_validator": "greater_than",
    "greater_than_or_equal_validator": "greater_than_equal",
    "less_than_validator": "less_than",
    "less_than_or_equal_validator": "less_than_equal",
}


def possible_error_types(model: type[BaseModel]) -> set[str]:
    """Every pydantic error type that validating ``model`` can raise, read from its core schema.
    Custom errors (PydanticCustomError) carry their fix and are not listed: _custom covers them."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, list | tuple):
            for item in node:
                walk(item)
            return
        if not isinstance(node, dict):
            return
        kind = node.get("type")
        if isinstance(kind, str):
            found.update(_BY_SCHEMA.get(kind, ()))
            found.update(e for (k, key), e in _BY_CONSTRAINT.items() if k == kind and node.get(key) is not None)
            if kind == "model-fields":
                config_extra = node.get("extra_behavior")
                if config_extra == "forbid":
                    found.add("extra_forbidden")
                if any(f.get("schema", {}).get("type") != "default" for f in node.get("fields", {}).values()):
                    found.add("missing")
            if kind == "model" and node.get("config", {}).get("extra_fields_behavior") == "forbid":
                found.add("extra_forbidden")
            if kind.startswith("function-"):
                function = node.get("function", {}).get("function")
                name = getattr(getattr(function, "func", function), "__name__", "")
                if name in _BY_VALIDATOR:
                    found.add(_BY_VALIDATOR[name])
        for value in node.values():
            walk(value)

    walk(model.__pydantic_core_schema__)
    return found


# --- locations: from pydantic's path to the file's --------------------------------------------
def file_location(loc: tuple[Any, ...], data: Any) -> tuple[tuple[str | int, ...], bool, int | None]:
    """(the location in the file, whether the error is on a mapping key, the length of the prefix
    at which the first union member name was removed, or None)."""
    out: list[str | int] = []
    current = data
    on_key = False
    union_at: int | None = None
    for i, part in enumerate(loc):
        if part == "[key]":
            on_key = True
            continue
        in_file = (isinstance(current, dict) and part in current) or (
            isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current)
        )
        if in_file:
            current = current[part]
        elif _is_tag(part) or i < len(loc) - 1:
            # A union member's name (the last part, absent from the file, is a missing key).
            union_at = len(out) if union_at is None else union_at
            continue
        out.append(part)
    return tuple(out), on_key, union_at


def _is_tag(part: Any) -> bool:
    """pydantic's names of union members: constrained-str, dict[...], str-enum[...], a model's class name."""
    return isinstance(part, str) and (
        "[" in part or part in ("str", "int", "bool", "float", "none", "constrained-str") or part[:1].isupper()
    )


def _annotation_items(annotation: Any) -> list[Any]:
    """The types inside Annotated / Optional / unions / list / dict, outermost first."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _annotation_items(typing.get_args(annotation)[0])
    if origin is None:
        return [annotation]
    return [annotation, *(t for arg in typing.get_args(annotation) for t in _annotation_items(arg))]


def field_at(model: type[BaseModel], loc: tuple[str | int, ...]) -> FieldInfo | None:
    """The field a location in the file ends in (through lists, mappings and unions), or None."""
    current: list[Any] = [model]
    info: FieldInfo | None = None
    for part in loc:
        models = [t for a in current for t in _annotation_items(a) if isinstance(t, type) and issubclass(t, BaseModel)]
        fields = [m.model_fields[part] for m in models if isinstance(part, str) and part in m.model_fields]
        if fields:
            info = fields[0]
            current = [info.annotation]
            continue
        # An index of a list or a key of a mapping: step into the item types.
        inner = [arg for a in current for t in _annotation_items(a) for arg in typing.get_args(t)]
        if not inner:
            return None
        current = inner
        info = info if isinstance(part, int) else None
    return info


def _model_keys(info: FieldInfo | None) -> list[str]:
    if info is None:
        return []
    models = [t for t in _annotation_items(info.annotation) if isinstance(t, type) and issubclass(t, BaseModel)]
    return list(models[0].model_fields) if len(models) == 1 else []


def field_names(model: type[BaseModel], seen: set[type] | None = None) -> set[str]:
    """Every field name reachable from a model, for 'did you mean' hints."""
    seen = seen if seen is not None else set()
    if model in seen:
        return set()
    seen.add(model)
    names = set(model.model_fields)
    for info in model.model_fields.values():
        for arg in _annotation_items(info.annotation):
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                names |= field_names(arg, seen)
    return names


def words_for(error: SchemaError, message: str = "") -> tuple[str, str]:
    """(problem, fix) for one error; never pydantic's text."""
    if isinstance(error.ctx.get("fix"), str):  # a model's own rule (PydanticCustomError) that knows its fix
        return _custom(error, message)
    return WORDS.get(error.kind, _unknown)(error)


def schema_issues(
    model: type[BaseModel], doc: YamlDocument, errors: list[dict[str, Any]], data: Any
) -> list[ConfigIssue]:
    """The issues of one file's schema errors (``data``: what was validated), in the file's
    locations and our words."""
    known_fields = field_names(model)
    located = []
    for error in errors:
        loc, on_key, union_at = file_location(tuple(error["loc"]), data)
        located.append((error, loc, on_key, union_at))
    # A union's errors: of each group (one value), those of the member whose shape fits the value;
    # when none fits, one issue naming the shapes it may take.
    groups: dict[tuple[str | int, ...], list[int]] = {}
    for index, (_, loc, _, union_at) in enumerate(located):
        if union_at is not None:
            groups.setdefault(loc[:union_at], []).append(index)
    skipped: set[int] = set()
    issues: list[ConfigIssue] = []
    for prefix, members in groups.items():
        fitting = [i for i in members if not _is_shape_mismatch(located[i][0], located[i][1] == prefix)]
        if fitting:
            skipped |= set(members) - set(fitting)
            continue
        skipped |= set(members)
        value = located[members[0]][0].get("input")
        forms = sorted({_form(located[i][0]) for i in members})
        info = field_at(model, prefix)
        about = f" ({clip(info.description, 200)})" if info is not None and info.description else ""
        issues.append(
            doc.issue(
                prefix,
                f"expected {' or '.join(forms)}, got {kind_of(value, doc.text_of(prefix))}",
                f"write {' or '.join(forms)}{about}",
            )
        )
    for index, (error, loc, on_key, _) in enumerate(located):
        if index in skipped:
            continue
        value = error.get("input")
        schema_error = SchemaError(
            kind=error["type"],
            loc=loc,
            value=value,
            typed=None if on_key else doc.text_of(loc),
            ctx=dict(error.get("ctx") or {}),
            on_key=on_key,
            info=field_at(model, loc),
            known_fields=frozenset(known_fields),
        )
        problem, fix = words_for(schema_error, str(error.get("msg", "")))
        issues.append(doc.issue(loc, problem, fix))
    return issues
