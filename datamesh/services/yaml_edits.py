"""Changes to what the YAML owns (projects, members, glossary terms) are made in the YAML, never in
the domain: the pipeline deploys the YAML, and a direct API write would be undone or drift.

Each edit is a round trip through ruamel.yaml (comments, order and quoting kept), validated by
loading the whole mesh with the edited text in place of mesh.yaml (every problem at once, the same
messages as `cdk synth`), and returned as a unified diff. It is written only when asked, ready to
commit.

mesh.yaml is read and written only inside the mesh folder, as the loader reads it: a link leading
outside is refused with the loader's message, so no diff or message shows a file outside and no
edit changes one. The write replaces the file (a temporary file beside it, then a rename), in a
folder opened without following links, so a link swapped in meanwhile is replaced, not followed.
"""

from __future__ import annotations

import contextlib
import difflib
import errno
import io
import os
import secrets
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from datamesh.errors import MeshError, NotFound, did_you_mean
from datamesh.glossary_csv import glossary_rows
from mesh_config import ConfigError, load_mesh
from mesh_config.loader import mesh_folder, read_mesh_text
from mesh_config.naming import glossary_name

MESH_FILE = "mesh.yaml"


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
        # Read as the loader reads (raises its ConfigError): a mesh.yaml linked outside the folder is
        # refused before any of it can reach a diff. Line endings as Path.read_text gave them, so that
        # a file saved with CRLF does not show every line as changed.
        before = _universal_newlines(read_mesh_text(self.mesh_dir))
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
                self._write(before, after)
        return YamlEdit(str(self.path), diff, write and bool(diff))

    def _validate(self, mesh_text: str) -> None:
        """Load the whole mesh with the edit applied: the edit must leave a valid configuration."""
        try:
            # The edited text in memory, every other file from the folder itself and read safely: a
            # copy of the folder would replace each link by what it points to, inside or not.
            load_mesh(self.mesh_dir, mesh_text=mesh_text)
        except ConfigError as error:
            raise MeshError(
                f"the change would make the configuration invalid, nothing written:\n{error.render()}"
            ) from None

    def _write(self, before: str, after: str) -> None:
        # Checked again just before writing, because the file may have changed since it was read:
        # a link outside gets the loader's refusal, and someone else's edit is not overwritten.
        if _universal_newlines(read_mesh_text(self.mesh_dir)) != before:
            raise MeshError(
                f"{self.path} changed while the edit was being made, nothing written: run the command again",
                "conflict",
            )
        folder = mesh_folder(self.mesh_dir)
        # The file itself, where a link inside the folder leads (the link is kept).
        try:
            real = self.path.resolve()
        except (OSError, RuntimeError):  # a link loop swapped in since the read
            raise _swapped(self.path) from None
        if not real.is_relative_to(folder) or real == folder:
            raise _swapped(self.path)
        _replace_inside(folder, real, after, self.path)

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

    def import_glossary(
        self, glossary: str, csv_data: bytes | str, *, source: str = "the CSV", write: bool = False
    ) -> YamlEdit:
        """Terms from CSV (name, short_description, long_description) into a declared glossary:
        new names are added, known ones get the CSV's descriptions; terms absent from the CSV stay.
        ``source`` names the file in messages."""
        rows = glossary_rows(csv_data, source)

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


def _universal_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
# EXCL: the temporary name is new, never an existing file or a link planted under that name.
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC | getattr(os, "O_BINARY", 0)
# os.replace takes the same folder arguments as os.rename but is not listed in supports_dir_fd.
_BENEATH = bool(_NOFOLLOW) and {os.open, os.stat, os.rename, os.unlink} <= os.supports_dir_fd


def _swapped(shown: Path) -> MeshError:
    return MeshError(
        f"{shown} (or a folder on its path) became a symbolic link while the edit was being made, nothing "
        "written: check what changes the mesh folder meanwhile",
        "conflict",
    )


def _open_folder_beneath(folder: Path, directory: Path) -> int:
    """``directory`` (resolved, inside ``folder``) opened one part at a time without following links:
    a part replaced by a link after it was resolved fails to open instead of leading outside."""
    fd = os.open(folder, os.O_RDONLY | _DIRECTORY | _CLOEXEC)
    try:
        for part in directory.relative_to(folder).parts:
            inner = os.open(part, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC, dir_fd=fd)
            os.close(fd)
            fd = inner
    except BaseException:
        os.close(fd)
        raise
    return fd


def _replace_inside(folder: Path, real: Path, text: str, shown: Path) -> None:
    """Replace the regular file ``real`` (resolved, inside the resolved ``folder``) by ``text``.

    A temporary file in the same folder, then a rename onto the file: readers see the old file or
    the new one, never half of one. Both are made relative to the folder opened beneath ``folder``
    without following links, and a rename replaces a link at its destination instead of writing
    through it, so nothing outside the mesh folder is written whatever is swapped in meanwhile. Plain
    paths where the platform cannot work relative to a folder (Windows)."""
    try:
        directory = _open_folder_beneath(folder, real.parent) if _BENEATH else None
    except OSError as exc:
        # ELOOP: a link where NOFOLLOW forbids one; ENOTDIR: a link (or a file) where a folder was.
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            raise _swapped(shown) from None
        raise MeshError(f"cannot write {shown}: {exc.strerror}, nothing written") from None
    name = real.name if directory is not None else str(real)
    temporary = f".{real.name}.{secrets.token_hex(8)}.tmp"
    if directory is None:
        temporary = str(real.parent / temporary)
    created = False
    try:
        status = os.stat(name, dir_fd=directory, follow_symlinks=False)
        if stat.S_ISLNK(status.st_mode):
            raise _swapped(shown)
        if not stat.S_ISREG(status.st_mode):
            raise MeshError(f"{shown} is no longer a regular file, nothing written")
        # The file's permissions are kept (the umask would otherwise narrow them).
        mode = stat.S_IMODE(status.st_mode)
        fd = os.open(temporary, _NEW_FILE, mode, dir_fd=directory)
        created = True
        with os.fdopen(fd, "wb") as file:
            file.write(text.encode("utf-8"))
            if hasattr(os, "fchmod"):
                os.fchmod(file.fileno(), mode)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, name, src_dir_fd=directory, dst_dir_fd=directory)
        created = False
        if directory is not None:
            os.fsync(directory)  # the rename itself survives a crash
    except FileNotFoundError:
        raise MeshError(f"{shown} was removed while the edit was being made, nothing written") from None
    except OSError as exc:
        raise MeshError(f"cannot write {shown}: {exc.strerror}, nothing written") from None
    finally:
        if created:
            # Best effort: a failure to clean up must not hide why the write failed.
            with contextlib.suppress(OSError):
                os.unlink(temporary, dir_fd=directory)
        if directory is not None:
            os.close(directory)


def _groups(project: Any) -> list[str]:
    return [
        e.get("group") if isinstance(e, dict) else e
        for field in ("owners", "contributors")
        for e in project.get(field) or []
    ]
