"""Over an existing mesh.yaml, the sections the export does not read stay as they were.

The export describes the domain: it replaces the sections it reads from it (EXPORTED) and keeps
every other MeshDefinition field (org, environments, tags, pipeline, catalogs, subscriptions,
shares, teams, organization, layout, allow_changes, and any field added later) from the existing
file. A kept section is kept as its text, with its comments: the lines of a top-level key, its
value, and the column-0 comment lines directly above it, cut out where ruamel.yaml places the key
(the same round-trip parser the CLI's YAML edits use, datamesh/services/yaml_edits.py). The result
is read again as the loader reads it (PyYAML) and must give back exactly the kept data and the
exported data; when it does not (a flow-style document, an alias to an anchor of a replaced section,
a key not at column 0...) the kept sections are written as their data instead, and the outcome says
why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import YAMLError

from datamesh.errors import MeshError
from mesh_config.mesh import MeshDefinition

# The sections `datamesh export` writes from what the domain holds.
EXPORTED = (
    "identity_center",
    "domain",
    "blueprints",
    "domain_units",
    "project_profiles",
    "projects",
    "glossaries",
    "metadata_forms",
)
FIELD_ORDER = tuple(MeshDefinition.model_fields)
KEPT = tuple(f for f in FIELD_ORDER if f not in EXPORTED)


@dataclass(frozen=True)
class Sections:
    """A mesh.yaml cut into top-level sections: what precedes the first key, then each key's text."""

    head: str
    blocks: dict[str, str]


@dataclass(frozen=True)
class Merged:
    text: str
    kept: list[str]  # sections of the existing file written as they were, in the mesh's field order
    replaced: list[str]  # sections written from the domain
    comments_lost: str | None = None  # why the kept sections are their data only, None when their text is kept


def _normalized(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def split_sections(text: str) -> Sections | None:
    """The sections of a block-style mapping document, or None when its keys cannot be cut out by lines."""
    try:
        data = YAML().load(text)
    except YAMLError:
        return None
    if not isinstance(data, CommentedMap) or data.fa.flow_style() or not data:
        return None
    starts = [data.lc.key(k) for k in data]
    lines_at = [line for line, _ in starts]
    if any(column != 0 for _, column in starts) or lines_at != sorted(set(lines_at)):
        return None
    # Cut at '\n' only, where ruamel counts lines (str.splitlines also cuts at \f, \v, \x1c...).
    lines = re.findall(r"[^\n]*\n|[^\n]+$", text)
    begin: list[int] = []
    for i, line_no in enumerate(lines_at):
        start = line_no
        if i > 0:
            # Column-0 comments directly above a key (blank lines between allowed) introduce it; an
            # indented comment belongs to the value above.
            while start - 1 > lines_at[i - 1] and (not lines[start - 1].strip() or lines[start - 1].startswith("#")):
                start -= 1
            while start < line_no and not lines[start].strip():
                start += 1
        begin.append(start)
    begin.append(len(lines))
    blocks = {}
    for i, key in enumerate(data):
        block = "".join(lines[begin[i] : begin[i + 1]])
        blocks[str(key)] = block if block.endswith("\n") else block + "\n"
    return Sections("".join(lines[: begin[0]]), blocks)


def kept_keys(existing_text: str) -> list[str]:
    """The sections of the existing file that the export keeps, in the mesh's field order."""
    data = _read(_normalized(existing_text))
    return [k for k in KEPT if k in data]


def merge(exported_text: str, existing_text: str) -> Merged:
    """The export's mesh.yaml with the existing file's kept sections in their places."""
    existing_text = _normalized(existing_text)
    existing, exported = _read(existing_text), _read(exported_text)
    kept = [k for k in KEPT if k in existing]
    replaced = [k for k in EXPORTED if k in exported]
    expected = {k: existing[k] if k in kept else exported[k] for k in FIELD_ORDER if k in kept or k in replaced}
    ours, theirs = split_sections(exported_text), split_sections(existing_text)
    if ours is None:  # the export's own dump is block style: cannot happen
        raise MeshError("the exported mesh.yaml cannot be cut into sections: please report this")
    if theirs is None:
        why = "the existing mesh.yaml is not a block mapping with its keys at column 0"
    else:
        text = _join(ours, theirs, kept)
        if _reads_as(text, expected):
            return Merged(text, kept, replaced)
        why = "cut out of the existing mesh.yaml, their text does not read back as the same data"
    # Each kept section dumped by the parser the loader reads with, so that it reads back the same.
    as_data = Sections(
        "", {k: yaml.safe_dump({k: existing[k]}, sort_keys=False, allow_unicode=True, width=100) for k in kept}
    )
    text = _join(ours, as_data, kept)
    if not _reads_as(text, expected):
        raise MeshError(
            "the kept sections of mesh.yaml do not read back as they were, nothing written: please report this"
        )
    return Merged(text, kept, replaced, why)


def _read(text: str) -> dict[str, Any]:
    """The document as the mesh loader reads it (PyYAML, mesh_config/yaml_source.py)."""
    data = yaml.safe_load(text)
    return data if isinstance(data, dict) else {}


def _reads_as(text: str, expected: dict[str, Any]) -> bool:
    try:
        return _read(text) == expected
    except yaml.YAMLError:
        return False


def _join(ours: Sections, theirs: Sections, kept: list[str]) -> str:
    parts = [ours.head]
    for key in FIELD_ORDER:
        block = theirs.blocks.get(key) if key in kept else ours.blocks.get(key)
        if block is None:
            continue
        if len(parts) > 1 and not parts[-1].endswith("\n\n"):
            parts.append("\n")  # one blank line between sections, as the bundled files have
        parts.append(block)
    return "".join(parts)
