"""A partial model of a file that failed its schema, so that one run reports every problem.

Without it, one schema error in a file hides every rule that needs the file's model: an unquoted
account hid a bad region in the same file, a typo in one project hid every cross-reference error
in mesh.yaml. The salvage takes out what the schema refused, at the smallest place it can, and
validates the rest:
- an item of a list (a project, a subnet, an owner) is dropped; later items keep their place in
  messages (``SalvagedDocument`` maps their indexes back to the file's);
- an optional key is dropped (its default applies); an unknown key is dropped;
- a required key of the file itself is replaced by a placeholder where one is given (an
  environment file's account, region, ...), otherwise the salvage gives up;
- what is left may fail again (a list now too short): the parent is taken out, and so on, a few
  times at most.

Issues the rules then find are kept only where the removals cannot have caused them
(``Salvaged.keeps``): not at or around a removed place, not about a name that only a removed
item declared (a project dropped for a bad profile is not "unknown" to its glossary), and not a
reference that names no item of a section which lost items (REFERENCE_WORDS: a project whose
use_case was refused may be the one a subscription names). Those wait for the next run. The
salvaged model is for reporting only; a file with a schema error never loads.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from mesh_config.errors import ConfigIssue, format_path
from mesh_config.schema_errors import field_at, file_location
from mesh_config.yaml_source import YamlDocument

Loc = tuple[str | int, ...]
MAX_PASSES = 8

# Values that pass the schema, for the required keys of a file that are wrong: the rules then
# run on the rest. Issues at a replaced key are dropped (it was reported by the schema), and
# cross-file rules never see a replaced environment (the loader runs them on files as written).
MESH_PLACEHOLDERS: dict[str, Any] = {"org": "org"}


def environment_placeholders(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "account": "000000000000",
        "region": "us-east-1",
        "identity_center_instance_arn": "arn:aws:sso:::instance/ssoins-0000000000000000",
        "network": {"vpc_id": "vpc-00000000", "subnet_ids": [f"subnet-0000000{i}" for i in range(3)]},
    }


@dataclass
class SalvagedDocument(YamlDocument):
    """The file's document for rules that run on a salvaged model: their locations (indexes in the
    salvaged lists) become the file's before they are shown."""

    # list path in the file -> the file index of each item the salvaged list kept
    index_maps: dict[Loc, list[int]] = field(default_factory=dict)

    def to_file(self, loc: Loc) -> Loc:
        out: list[str | int] = []
        for part in _parts(loc):
            kept = self.index_maps.get(tuple(out))
            out.append(kept[part] if kept is not None and isinstance(part, int) and 0 <= part < len(kept) else part)
        return tuple(out)

    def line_of(self, loc: Loc) -> int | None:
        return super().line_of(self.to_file(loc))

    def text_of(self, loc: Loc) -> str | None:
        return super().text_of(self.to_file(loc))

    def issue(self, loc: Loc, problem: str, fix: str) -> ConfigIssue:
        place = self.to_file(loc)
        return ConfigIssue(self.file, format_path(place), problem, fix, YamlDocument.line_of(self, place))


@dataclass
class Salvaged:
    model: Any
    doc: SalvagedDocument
    removed: tuple[Loc, ...]  # places of the file taken out or replaced
    removed_names: frozenset[str]  # names only the removed places declared
    # Sets, so that a mesh with thousands of removals and issues is filtered in linear time.
    _shown: set[str] = field(init=False, repr=False)
    _around: set[str] = field(init=False, repr=False)
    _names: set[str] = field(init=False, repr=False)
    _sections: set[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._shown = {format_path(p) for p in self.removed}
        self._around = {format_path(p[:end]) for p in self.removed for end in range(1, len(p))}
        self._names = {n.lower() for n in self.removed_names}
        self._sections = {str(p[0]) for p in self.removed}

    def keeps(self, issue: ConfigIssue) -> bool:
        """Whether a rule's issue on the salvaged model can stand beside the schema's issues."""
        # In a removed place, or around it (the parent list or mapping: "no owner left").
        in_place = issue.path in self._around or any(p in self._shown for p in _prefixes(issue.path))
        if issue.file == self.doc.file and in_place:
            return False
        if any(quoted.lower() in self._names for quoted in re.findall(r"'([^']*)'", issue.problem)):
            return False  # about a name only a removed item declared
        return not any(words in issue.problem for s in self._sections for words in REFERENCE_WORDS.get(s, ()))


def _prefixes(path: str) -> list[str]:
    """'a.b[2].c' -> ['a', 'a.b', 'a.b[2]', 'a.b[2].c']."""
    cuts = [m.start() for m in re.finditer(r"[.\[]", path)]
    return [path[:cut] for cut in cuts if cut] + [path]


def _parts(loc: Loc) -> Loc:
    """Rules may name a section as one dotted text ('network.subnet_ids', 'project_profiles[0].environments'):
    its parts, so that its indexes are mapped too. Only the first part: later ones are keys of the
    file, which may hold dots (a tag 'cost.center')."""
    if not loc or not isinstance(loc[0], str) or not re.search(r"[.\[]", loc[0]):
        return loc
    head = [int(p[1:-1]) if p.startswith("[") else p for p in re.findall(r"\[\d+\]|[^.\[\]]+", loc[0])]
    return (*head, *loc[1:])


def _value_at(data: Any, loc: Loc) -> Any:
    for part in loc:
        data = data[part]
    return data


# Keys that name an item, so that other items refer to it by that name.
_NAME_KEYS = ("id", "name", "capability", "scope", "database", "group")


def _names_of(value: Any) -> set[str]:
    """The names a removed value declared, as other items would refer to it: a text item of a
    list itself, an item's id / name / ..., and a project's key <unit>-<use-case>."""
    if isinstance(value, str):
        return {value}
    if not isinstance(value, dict):
        return set()
    names = {v for k in _NAME_KEYS if isinstance(v := value.get(k), str)}
    unit, use_case = value.get("domain_unit"), value.get("use_case")
    if isinstance(unit, str) and isinstance(use_case, str):
        names.add(f"{unit}-{use_case}")
    return names


# What rules say when a reference names no item of a section: with items of that section taken
# out, such a finding may be about one of them, so it waits for the next run.
REFERENCE_WORDS: dict[str, tuple[str, ...]] = {
    "projects": ("unknown project '",),
    "domain_units": ("unknown domain unit", "not a declared domain unit"),
    "project_profiles": ("unknown project profile",),
    "glossaries": ("unknown glossary",),
    "metadata_forms": ("unknown metadata form",),
    "environments": ("unknown environment",),
    "identity_center": ("not declared under identity_center.groups", "unknown group"),
}


def _rebuild(data: Any, removed: set[Loc], replaced: Mapping[Loc, Any], loc: Loc, maps: dict[Loc, list[int]]) -> Any:
    """``data`` without the removed places and with the replaced ones; ``maps`` gets the file
    index of each kept item of every list that lost one."""
    if loc in replaced:
        return replaced[loc]
    if isinstance(data, dict):
        out = {k: _rebuild(v, removed, replaced, (*loc, k), maps) for k, v in data.items() if (*loc, k) not in removed}
        # A required key that was missing gets its placeholder too.
        absent = {p[-1]: value for p, value in replaced.items() if p[:-1] == loc and p[-1] not in out}
        out.update(absent)
        return out
    if isinstance(data, list):
        kept = [i for i in range(len(data)) if (*loc, i) not in removed]
        if len(kept) != len(data):
            maps[loc] = kept
        return [_rebuild(data[i], removed, replaced, (*loc, i), maps) for i in kept]
    return data


def _removal_point(
    model: type[BaseModel], data: Any, loc: Loc, placeholders: Mapping[str, Any]
) -> tuple[str, Loc] | None:
    """('remove' | 'replace', place): the deepest place at or above ``loc`` whose value the salvage
    may take out (a list item, an optional or unknown key, a mapping entry) or replace (a required
    key of the file with a placeholder); None when there is none."""
    for end in range(len(loc), 0, -1):
        place = loc[:end]
        last = place[-1]
        try:
            parent = _value_at(data, place[:-1])
        except (KeyError, IndexError, TypeError):
            continue
        if isinstance(parent, list) and isinstance(last, int):
            return "remove", place
        if not isinstance(parent, dict):
            continue
        info = field_at(model, place) if isinstance(last, str) else None
        is_field = info is not None
        if not is_field and last in parent:
            return "remove", place  # an unknown key or a mapping's entry
        if info is not None and not info.is_required() and last in parent:
            return "remove", place
        if end == 1 and isinstance(last, str) and last in placeholders:
            return "replace", place
    return None


def salvage(
    model: type[BaseModel],
    doc: YamlDocument,
    data: Any,
    errors: list[dict[str, Any]],
    placeholders: Mapping[str, Any] | None = None,
) -> Salvaged | None:
    """A model of ``data`` (what was validated) without what ``errors`` refused, or None."""
    placeholders = placeholders or {}
    removed: set[Loc] = set()
    replaced: dict[Loc, Any] = {}
    current, maps = data, {}
    for _ in range(MAX_PASSES):
        view = SalvagedDocument(doc.file, doc.data, doc.lines, doc.texts, maps)
        grew = False
        for error in errors:
            loc, _, _ = file_location(tuple(error["loc"]), current)
            point = _removal_point(model, data, view.to_file(loc), placeholders)
            if point is None:
                return None
            action, place = point
            if action == "remove" and place not in removed:
                removed.add(place)
                grew = True
            elif action == "replace" and place not in replaced:
                replaced[place] = placeholders[str(place[0])]
                grew = True
        if not grew:
            return None
        maps = {}
        current = _rebuild(data, removed, replaced, (), maps)
        try:
            partial = model.model_validate(current)
        except ValidationError as exc:
            errors = exc.errors()
            continue
        names = {n for place in removed for n in _names_of(_value_at(data, place))}
        return Salvaged(
            partial,
            SalvagedDocument(doc.file, doc.data, doc.lines, doc.texts, maps),
            tuple(sorted(removed | set(replaced), key=str)),
            frozenset(names),
        )
    return None
