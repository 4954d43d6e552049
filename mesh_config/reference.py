"""The configuration reference, generated from the models: every key of mesh.yaml and <env>.yaml.

python -m mesh_config.reference docs/reference/configuration-reference.md   # `make docs`

It reads the same JSON Schemas the editors use (mesh_config.schema), so a key's type, default and
description are the models' own. A key's example is the field's `examples`, else the first value
the bundled example meshes give it (environments/, then examples/*/), so an example is always one
the app accepts. tests/test_reference.py fails when the committed file is stale.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from mesh_config.environment import EnvironmentConfig
from mesh_config.mesh import MeshDefinition

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "docs" / "reference" / "configuration-reference.md"
# Where examples come from, in order of preference: the bundled mesh, then the other examples.
EXAMPLE_FOLDERS = (ROOT / "environments", *sorted(p for p in (ROOT / "examples").glob("*") if p.is_dir()))
# A longer example is a block of YAML, better read in the example files than in a table cell.
MAX_EXAMPLE = 110


@dataclass(frozen=True)
class FileSpec:
    title: str
    intro: str
    model: type
    # Which YAML files of an example folder hold this kind of document.
    matches: Any


FILES = (
    FileSpec(
        "mesh.yaml",
        "The mesh, shared by every environment: organisation, units, profiles, projects, governance, data products.",
        MeshDefinition,
        lambda path: path.name == "mesh.yaml",
    ),
    FileSpec(
        "<env>.yaml",
        "One file per name in mesh.yaml's `environments`, beside it: the account and what differs per account.",
        EnvironmentConfig,
        lambda path: path.name != "mesh.yaml",
    ),
)


@dataclass
class Section:
    """One object of the schema (a model), reached through one or more YAML paths."""

    name: str
    schema: dict[str, Any]
    paths: list[str] = field(default_factory=list)


def _anchor(file_title: str, name: str) -> str:
    prefix = "mesh" if file_title == "mesh.yaml" else "env"
    return f"{prefix}-{name.lower()}"


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _ref_name(schema: dict[str, Any]) -> str | None:
    ref = schema.get("$ref")
    return ref.rsplit("/", 1)[-1] if ref else None


def _is_enum(defs: dict[str, Any], name: str) -> bool:
    return "enum" in defs[name]


def _without_null(options: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [o for o in options if o.get("type") != "null"]


class _Renderer:
    def __init__(self, file: FileSpec) -> None:
        self.file = file
        self.schema = file.model.model_json_schema()
        self.defs: dict[str, Any] = self.schema.get("$defs", {})
        self.sections: dict[str, Section] = {}
        self.examples = _example_values(file)

    # Types -----------------------------------------------------------------------------------
    def type_of(self, schema: dict[str, Any]) -> str:
        name = _ref_name(schema)
        if name:
            target = self.defs[name]
            if _is_enum(self.defs, name):
                return " | ".join(f"`{v}`" for v in target["enum"])
            return f"[{name}](#{_anchor(self.file.title, name)})"
        if "enum" in schema:
            return " | ".join(f"`{v}`" for v in schema["enum"])
        if "const" in schema:
            return f"`{schema['const']}`"
        options = schema.get("anyOf") or schema.get("oneOf")
        if options:
            return " or ".join(self.type_of(o) for o in _without_null(options)) or "null"
        kind = schema.get("type")
        if kind == "array":
            return f"list of {self.type_of(schema.get('items', {}))}"
        if kind == "object":
            values = schema.get("additionalProperties")
            if isinstance(values, dict):
                return f"map of text to {self.type_of(values)}"
            for values in schema.get("patternProperties", {}).values():
                return f"map of name to {self.type_of(values)}"
            return "mapping"
        names = {"string": "text", "integer": "integer", "number": "number", "boolean": "true | false"}
        return names.get(kind, "any") if kind else "any"

    def constraints(self, schema: dict[str, Any]) -> list[str]:
        """Bounds in words; a pattern only when no format description explains it."""
        found: list[str] = []
        options = _without_null(schema.get("anyOf") or [])
        target = options[0] if len(options) == 1 else schema
        for key, words in (
            ("minLength", "at least {} characters"),
            ("maxLength", "at most {} characters"),
            ("minItems", "at least {} entries"),
            ("maxItems", "at most {} entries"),
            ("maxProperties", "at most {} entries"),
            ("minimum", "at least {}"),
            ("maximum", "at most {}"),
            ("exclusiveMinimum", "more than {}"),
        ):
            for source in (schema, target):
                if key in source:
                    phrase = words.format(source[key])
                    found.append(phrase.replace("1 entries", "1 entry").replace("1 characters", "1 character"))
                    break
        items = target.get("items", {})
        for source in (target, items if isinstance(items, dict) else {}):
            if source.get("description") and source is not schema:
                found.append(source["description"])
            elif "pattern" in source and not source.get("description"):
                found.append(f"pattern `{source['pattern']}`")
        return found

    # Sections --------------------------------------------------------------------------------
    def referenced(self, schema: dict[str, Any]) -> Iterator[str]:
        name = _ref_name(schema)
        if name and not _is_enum(self.defs, name):
            yield name
        for key in ("anyOf", "oneOf"):
            for option in schema.get(key, []):
                yield from self.referenced(option)
        if isinstance(schema.get("items"), dict):
            yield from self.referenced(schema["items"])
        if isinstance(schema.get("additionalProperties"), dict):
            yield from self.referenced(schema["additionalProperties"])

    def collect(self) -> list[Section]:
        """The root, then every object model in the order a reader meets it (breadth first)."""
        root = Section(self.file.model.__name__, self.schema, [""])
        order = [root]
        queue = [root]
        while queue:
            section = queue.pop(0)
            for key, prop in section.schema.get("properties", {}).items():
                is_list = prop.get("type") == "array" or any(o.get("type") == "array" for o in prop.get("anyOf", []))
                for name in self.referenced(prop):
                    for base in section.paths:
                        path = f"{base}.{key}" if base else key
                        path += "[]" if is_list else ""
                        if name not in self.sections:
                            self.sections[name] = Section(name, self.defs[name])
                            order.append(self.sections[name])
                            queue.append(self.sections[name])
                        if path not in self.sections[name].paths:
                            self.sections[name].paths.append(path)
        return order

    def example(self, section: Section, key: str, prop: dict[str, Any]) -> str:
        for source in (prop, *(prop.get("anyOf") or [])):
            if source.get("examples"):
                return _flow(source["examples"][0])
        for base in section.paths:
            path = f"{base}.{key}" if base else key
            if path in self.examples:
                text = _flow(self.examples[path])
                return text if len(text) <= MAX_EXAMPLE else ""
        return self.other_choice(prop)

    def other_choice(self, prop: dict[str, Any]) -> str:
        """For a closed set the examples leave unused: the choice that is not the default."""
        schema = next(iter(_without_null(prop.get("anyOf") or [prop])), prop)
        name = _ref_name(schema)
        choices = self.defs[name].get("enum", []) if name else schema.get("enum", [])
        if schema.get("type") == "boolean":
            choices = [True, False]
        others = [c for c in choices if c != prop.get("default")]
        return _flow(others[0]) if others else ""

    def table(self, section: Section) -> list[str]:
        required = set(section.schema.get("required", []))
        lines = [
            "| key | type | required / default | description | example |",
            "|---|---|---|---|---|",
        ]
        for key, prop in section.schema.get("properties", {}).items():
            if key in required:
                default = "**required**"
            elif "default" in prop:
                written = _flow(prop["default"]) or '""'
                default = "none" if prop["default"] is None else f"`{written}`"
            else:
                default = "optional"
            description = prop.get("description", "")
            linked = [self.defs[n].get("description", "") for n in self.referenced(prop)]
            if not description and linked:
                description = linked[0]
            extra = self.constraints(prop)
            if extra:
                description = "; ".join(part for part in (description, *extra) if part)
            example = self.example(section, key, prop)
            lines.append(
                f"| `{key}` | {_cell(self.type_of(prop))} | {_cell(default)} | {_cell(description)} | "
                f"{'`' + _cell(example) + '`' if example else ''} |"
            )
        return lines

    def render(self) -> list[str]:
        lines: list[str] = []
        for index, section in enumerate(self.collect()):
            if index == 0:
                anchor = "mesh-yaml" if self.file.title == "mesh.yaml" else "env-yaml"
                lines += [f'## `{self.file.title}` <a id="{anchor}"></a>', "", self.file.intro, ""]
            else:
                paths = ", ".join(f"`{p}`" for p in section.paths)
                lines += [f'### {section.name} <a id="{_anchor(self.file.title, section.name)}"></a>', ""]
                lines += [f"Where: {paths}.", ""]
                if section.schema.get("description"):
                    lines += [_cell(section.schema["description"]), ""]
            lines += [*self.table(section), ""]
        return lines


def _flow(value: Any) -> str:
    """A value as it would be written inline in YAML (flow style, one line)."""
    if isinstance(value, str):
        return value
    text = yaml.safe_dump(value, default_flow_style=True, width=10_000, sort_keys=False).strip()
    return text.removesuffix("\n...").removesuffix("...").strip()


def _walk(value: Any, path: str, found: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            child_path = f"{path}.{key}" if path else str(key)
            found.setdefault(child_path, child)
            _walk(child, child_path, found)
    elif isinstance(value, list):
        for child in value:
            _walk(child, f"{path}[]", found)


def _example_values(file: FileSpec) -> dict[str, Any]:
    """The first value each YAML path has in the bundled examples (list positions written [])."""
    found: dict[str, Any] = {}
    for folder in EXAMPLE_FOLDERS:
        for path in sorted(folder.glob("*.yaml")):
            if file.matches(path):
                _walk(yaml.safe_load(path.read_text(encoding="utf-8")), "", found)
    return found


def render() -> str:
    lines = [
        "# Configuration reference",
        "",
        "<!-- Generated from the models by `make docs` (python -m mesh_config.reference). Do not edit. -->",
        "",
        "Every key of `mesh.yaml` (the mesh, shared by every environment) and of each `<env>.yaml`",
        "(one environment's account). Types, defaults and descriptions come from the models the app",
        "validates with; examples are the models' own or values of the bundled examples",
        "(`environments/`, `examples/`). A key marked **required** must be present; an `optional`",
        "key may be left out (a list or mapping is then empty, a section takes its own defaults). For",
        "what the keys mean together, read [Configuration](../configuration.md).",
        "",
        "- [`mesh.yaml`](#mesh-yaml)",
        "- [`<env>.yaml`](#env-yaml)",
        "",
    ]
    for file in FILES:
        lines += _Renderer(file).render()
    return "\n".join(lines).rstrip() + "\n"


def main(target: str | None = None) -> None:
    out = Path(target) if target else DEFAULT_OUTPUT
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(), encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
