"""Changes to what the YAML owns (projects, members, glossary terms) are made in the YAML, never in
the domain: the pipeline deploys the YAML, and a direct API write would be undone or drift.

Each edit is a round trip through ruamel.yaml (comments, order and quoting kept), validated by
loading the whole mesh from a copy of the folder with the edit applied (every problem at once,
the same messages as `cdk synth`), and returned as a unified diff. It is written only when asked,
ready to commit.
"""

from __future__ import annotations

import csv
import difflib
import io
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from datamesh.errors import MeshError, NotFound, did_you_mean
from mesh_config import ConfigError, load_mesh
from mesh_config.naming import glossary_name

MESH_FILE = "mesh.yaml"
CSV_COLUMNS = ("name", "short_description", "long_description")


@dataclass(frozen=True)
class YamlEdit:
    file: str
    diff: str
    written: bool

    @property
    def changed(self) -> bool:
        return bool(self.diff)


def _yaml() -> YAML:
    # The bundled files' layout (sequences indented under their key); long lines are not re-wrapped.
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def _flow(values: list[str]) -> CommentedSeq:
    seq = CommentedSeq(values)
    seq.fa.set_flow_style()
    return seq


class MeshEditor:
    def __init__(self, mesh_dir: str | Path) -> None:
        self.mesh_dir = Path(mesh_dir)
        self.path = self.mesh_dir / MESH_FILE

    def _edit(self, change: Callable[[Any], None], write: bool) -> YamlEdit:
        before = self.path.read_text(encoding="utf-8")
        yaml = _yaml()
        data = yaml.load(before)
        change(data)
        out = io.StringIO()
        yaml.dump(data, out)
        after = out.getvalue()
        diff = "".join(
            difflib.unified_diff(
                before.splitlines(keepends=True),
                after.splitlines(keepends=True),
                fromfile=f"a/{_shown(self.path)}",
                tofile=f"b/{_shown(self.path)}",
            )
        )
        if diff:
            self._validate(after)
            if write:
                self.path.write_text(after, encoding="utf-8")
        return YamlEdit(str(self.path), diff, write and bool(diff))

    def _validate(self, mesh_text: str) -> None:
        """Load the whole mesh with the edit applied: the edit must leave a valid configuration."""
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / self.mesh_dir.name
            shutil.copytree(self.mesh_dir, copy)
            (copy / MESH_FILE).write_text(mesh_text, encoding="utf-8")
            try:
                load_mesh(copy)
            except ConfigError as error:
                rendered = error.render().replace(str(copy), str(self.mesh_dir))
                raise MeshError(
                    f"the change would make the configuration invalid, nothing written:\n{rendered}"
                ) from None

    @staticmethod
    def _project(data: Any, key: str) -> Any:
        projects = {_key(p): p for p in data.get("projects") or []}
        if key in projects:
            return projects[key]
        raise NotFound(f"no project '{key}' in {MESH_FILE}{did_you_mean(key, projects)}")

    def new_project(
        self,
        *,
        domain_unit: str,
        use_case: str,
        profile: str,
        description: str,
        owners: list[str],
        contributors: list[str] | None = None,
        environments: list[str] | None = None,
        write: bool = False,
    ) -> YamlEdit:
        def change(data: Any) -> None:
            key = f"{domain_unit}-{use_case}"
            if any(_key(p) == key for p in data.get("projects") or []):
                raise MeshError(f"project '{key}' already exists in {MESH_FILE}")
            project = CommentedMap()
            project["domain_unit"] = domain_unit
            project["use_case"] = use_case
            project["profile"] = profile
            project["description"] = description
            if environments:
                project["environments"] = _flow(environments)
            project["owners"] = _flow(owners)
            if contributors:
                project["contributors"] = _flow(contributors)
            if data.get("projects") is None:
                data["projects"] = CommentedSeq()
            data["projects"].append(project)

        return self._edit(change, write)

    def add_member(
        self, project_key: str, group: str, *, owner: bool, environments: list[str] | None = None, write: bool = False
    ) -> YamlEdit:
        def change(data: Any) -> None:
            project = self._project(data, project_key)
            if group in _groups(project):
                raise MeshError(f"{group} is already a member of {project_key}: remove it first to change its role")
            field = "owners" if owner else "contributors"
            if project.get(field) is None:
                project[field] = _flow([])
            entry: Any = group
            if environments:
                entry = CommentedMap(group=group, environments=_flow(environments))
                entry.fa.set_flow_style()
            project[field].append(entry)

        return self._edit(change, write)

    def remove_member(self, project_key: str, group: str, *, write: bool = False) -> YamlEdit:
        def change(data: Any) -> None:
            project = self._project(data, project_key)
            for field in ("owners", "contributors"):
                entries = project.get(field) or []
                for i, entry in enumerate(entries):
                    if (entry.get("group") if isinstance(entry, dict) else entry) == group:
                        del entries[i]
                        if field == "contributors" and not entries:
                            del project[field]
                        return
            raise NotFound(f"{group} is no member of {project_key} (members: {', '.join(_groups(project)) or 'none'})")

        return self._edit(change, write)

    def import_glossary(self, glossary: str, csv_text: str, *, write: bool = False) -> YamlEdit:
        """Terms from CSV (name, short_description, long_description) into a declared glossary:
        new names are added, known ones get the CSV's descriptions; terms absent from the CSV stay."""
        rows = _csv_rows(csv_text)

        def change(data: Any) -> None:
            org = data["org"]
            declared = data.get("glossaries") or []
            names = {glossary_name(org, g["scope"]): g for g in declared}
            target = names.get(glossary) or next((g for g in declared if g["scope"] == glossary), None)
            if target is None:
                raise NotFound(f"no glossary '{glossary}' in {MESH_FILE} (declared: {', '.join(names) or 'none'})")
            if target.get("terms") is None:
                target["terms"] = CommentedSeq()
            terms = {t["name"]: t for t in target["terms"]}
            for row in rows:
                term = terms.get(row["name"])
                if term is None:
                    term = CommentedMap(name=row["name"])
                    target["terms"].append(term)
                if row["short_description"]:
                    term["short_description"] = row["short_description"]
                if row["long_description"]:
                    term["long_description"] = row["long_description"]

        return self._edit(change, write)


def _key(project: Any) -> str:
    """A YAML project's key <unit>-<use-case> (mesh_config's Project.key, on the raw mapping)."""
    return f"{project['domain_unit']}-{project['use_case']}"


def _shown(path: Path) -> str:
    """The path as git shows it when it is under the working directory."""
    try:
        return path.resolve().relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.as_posix()


def _groups(project: Any) -> list[str]:
    return [
        e.get("group") if isinstance(e, dict) else e
        for field in ("owners", "contributors")
        for e in project.get(field) or []
    ]


def _csv_rows(text: str) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in ("name", "short_description") if c not in (reader.fieldnames or [])]
    if missing:
        raise MeshError(
            f"the CSV has no column {', '.join(missing)}: its header must be {','.join(CSV_COLUMNS)} "
            "(the format of export-glossary)"
        )
    rows = []
    problems = []
    for line, row in enumerate(reader, start=2):
        name = (row.get("name") or "").strip()
        if not name:
            problems.append(f"line {line}: the term has no name")
            continue
        rows.append(
            {
                "name": name,
                "short_description": (row.get("short_description") or "").strip(),
                "long_description": (row.get("long_description") or "").strip(),
            }
        )
    if problems:
        raise MeshError("the CSV has problems; nothing imported:\n  " + "\n  ".join(problems))
    return rows
