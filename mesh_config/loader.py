"""Load environments/ into a validated MeshConfig, or raise one ConfigError listing everything.

Only files inside the mesh folder are read: an environment name becomes a file name only once it
is a valid name (never a path such as ../secret), and yaml_source refuses a file that resolves
outside the folder. An error can then quote only the mesh's own files.

Tools that edit mesh.yaml (datamesh's MeshEditor) read it with read_mesh_text and validate the
edited text with load_mesh(..., mesh_text=...): the same boundary and the same messages, without
copying the folder (a copy replaces each link by what it points to, outside or not).
"""

from __future__ import annotations

import difflib
import functools
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from mesh_config.environment import EnvironmentConfig
from mesh_config.errors import ConfigError, ConfigIssue, quoted
from mesh_config.formats import PLAIN_WORDS, SLUG_PATTERN
from mesh_config.loaded import MeshConfig
from mesh_config.mesh import MeshDefinition
from mesh_config.retired_keys import ENVIRONMENT_FILE, refuse_removed_keys
from mesh_config.salvage import MESH_PLACEHOLDERS, Salvaged, environment_placeholders, salvage
from mesh_config.schema_errors import schema_issues
from mesh_config.tags import check_environment_tag_total, without_oversized_tags
from mesh_config.validation import check_environment, check_environments, check_mesh, check_names, check_network
from mesh_config.workload_tables import with_workload_tables
from mesh_config.yaml_source import MAX_FILE_BYTES, YamlDocument, decode_text, parse_yaml, read_inside, read_yaml

MESH_FILE = "mesh.yaml"
# Far above any name that fits the derived names (<org>-<env>-unified-domain is at most 64) and
# far below the 255 bytes of a file name: a longer name is refused before it becomes one.
MAX_ENVIRONMENT_NAME = 64


def _validate(
    model: type[BaseModel], doc: YamlDocument, file: str, placeholders: dict[str, Any]
) -> tuple[Any, list[ConfigIssue], Salvaged | None]:
    """(the model or None, the file's issues, a partial model for the rules when it failed)."""
    if not isinstance(doc.data, dict):
        issue = doc.issue((), "the file must be a YAML mapping (key: value pairs)", "see environments/ examples")
        return None, [issue], None
    # Thousands of tags are refused before pydantic or any rule looks at them one by one. The rest
    # is validated without them, and the model returned so that the other rules still report
    # (the refusal alone makes the load fail). Removed keys likewise (retired_keys).
    data, refused = without_oversized_tags(doc)
    data, retired = refuse_removed_keys(data, doc, file)
    refused += retired
    try:
        return model.model_validate(data), refused, None
    except ValidationError as exc:
        issues = schema_issues(model, doc, exc.errors(), data)
        return None, refused + issues, salvage(model, doc, data, exc.errors(), placeholders)


def _files_beside(root: Path) -> list[tuple[int, str]]:
    """Every <name>.yaml beside mesh.yaml whose name is a valid environment name."""
    stems = sorted(p.stem for p in root.glob("*.yaml") if p.name != MESH_FILE)
    return [(0, s) for s in stems if len(s) <= MAX_ENVIRONMENT_NAME and re.fullmatch(SLUG_PATTERN, s)]


def _environment_names(doc: YamlDocument) -> tuple[list[tuple[int, str]], list[ConfigIssue]]:
    """(index in the list, name) of each declared environment name that may become a file name, and
    an issue for each that may not.

    Checked on the raw list, before pydantic and before any path is built, because the names are
    needed to read the environment files even when mesh.yaml is otherwise invalid. An entry that is
    not text is left to pydantic's message (and never becomes a file name either).
    """
    declared = doc.data.get("environments") if isinstance(doc.data, dict) else None
    names: list[tuple[int, str]] = []
    issues: list[ConfigIssue] = []
    for index, name in enumerate(declared if isinstance(declared, list) else []):
        if not isinstance(name, str):
            continue
        if len(name) <= MAX_ENVIRONMENT_NAME and re.fullmatch(SLUG_PATTERN, name):
            names.append((index, name))
            continue
        issues.append(
            doc.issue(
                ("environments", index),
                f"{quoted(name)} is not a valid environment name, so no file was read for it",
                f"use {PLAIN_WORDS[SLUG_PATTERN]}, at most {MAX_ENVIRONMENT_NAME} characters: the name is also "
                "the file name <name>.yaml beside mesh.yaml",
            )
        )
    return names, issues


def _missing_environment_file(
    root: Path, display_root: str, mesh_doc: YamlDocument, index: int, name: str, declared: list[str]
) -> ConfigIssue:
    """Names both files, and the file that was probably meant for it."""
    expected = f"{display_root}/{name}.yaml"
    spare = sorted(p.stem for p in root.glob("*.yaml") if p.name != MESH_FILE and p.stem not in declared)
    close = difflib.get_close_matches(name, spare, n=1, cutoff=0.6)
    fix = (
        f"rename {display_root}/{close[0]}.yaml to {name}.yaml, or list '{close[0]}' in mesh.yaml instead"
        if close
        else f"create {expected} (copy another environment's file and change name, account and network), "
        f"or remove '{name}' from the list"
    )
    return mesh_doc.issue(
        ("environments", index),
        f"environment '{name}' is listed in {mesh_doc.file}, but {expected} does not exist",
        fix,
    )


def _display_root(root: Path) -> str:
    return root.as_posix().rstrip("/")


def mesh_folder(directory: str | Path) -> Path:
    """The boundary of every read: the folder the caller named, with its links resolved (naming a
    linked folder is the caller's choice; links inside it must stay inside it)."""
    root = Path(directory)
    try:
        return root.resolve()
    except (OSError, RuntimeError):  # a link loop: RuntimeError before Python 3.13, OSError after
        raise ConfigError(
            [
                ConfigIssue(
                    _display_root(root), "", "the mesh folder is a symbolic link that leads in a loop", "fix the link"
                )
            ]
        ) from None


def read_mesh_text(directory: str | Path) -> str:
    """The text of mesh.yaml, read as load_mesh reads it: only inside the folder (a link outside is
    refused before anything is read), bounded in size, UTF-8. Raises ConfigError with the loader's
    issue, so that a tool editing the file refuses what the loader refuses, in the same words."""
    root = Path(directory)
    display = f"{_display_root(root)}/{MESH_FILE}"
    raw, issues = read_inside(root / MESH_FILE, display, mesh_folder(root))
    if raw is None:
        raise ConfigError(
            issues or [ConfigIssue(display, "", "file not found", f"create {display} (see environments/ for examples)")]
        )
    text, issues = decode_text(raw, display)
    if text is None:
        raise ConfigError(issues)
    return text


def _parse_text(text: str, display_name: str) -> tuple[YamlDocument | None, list[ConfigIssue]]:
    """read_yaml's bounds and parsing, for text given in memory instead of a file: the same messages
    (tests/test_config_input_safety.py compares the two on the same broken inputs)."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_FILE_BYTES:
        return None, [
            ConfigIssue(
                display_name,
                "",
                f"the file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}",
                "a mesh definition of 1 000 projects is about 300 KiB: check that this is the right file",
            )
        ]
    return parse_yaml(text, display_name)


def load_mesh(directory: str | Path, *, mesh_text: str | None = None) -> MeshConfig:
    """Read mesh.yaml and one <env>.yaml per environment it lists; raise ConfigError on any problem.

    ``mesh_text``: the content of mesh.yaml to validate instead of the file (an edit not yet
    written); it is reported as the folder's mesh.yaml, and the environment files are read from the
    folder as usual."""
    root = Path(directory)
    display_root = _display_root(root)
    issues: list[ConfigIssue] = []
    folder = mesh_folder(root)

    mesh_display = f"{display_root}/{MESH_FILE}"
    mesh_doc, found = (
        read_yaml(root / MESH_FILE, mesh_display, folder) if mesh_text is None else _parse_text(mesh_text, mesh_display)
    )
    issues += found
    # One run reports every file's problems: the rules also run on a partial model of a file that
    # failed its schema (salvage), and their issues are kept where no removal explains them.
    rules: list[ConfigIssue] = []
    salvaged: list[Salvaged] = []
    mesh: MeshDefinition | None = None
    checked_mesh, mesh_view = None, mesh_doc
    names: list[tuple[int, str]] = []
    if mesh_doc is not None:
        names, name_issues = _environment_names(mesh_doc)
        mesh, found, partial = _validate(MeshDefinition, mesh_doc, MESH_FILE, MESH_PLACEHOLDERS)
        # A name refused above is reported once, in the loader's words (pydantic's would say only "wrong format").
        refused = {i.path for i in name_issues}
        issues += name_issues + [i for i in found if i.path not in refused]
        checked_mesh, mesh_view = (mesh, mesh_doc) if partial is None else (partial.model, partial.doc)
        salvaged += [partial] if partial is not None else []
        if checked_mesh is not None:
            rules += check_mesh(checked_mesh, mesh_view)
    if (
        mesh_doc is None
        or not isinstance(mesh_doc.data, dict)
        or not isinstance(mesh_doc.data.get("environments"), list)
    ):
        names = _files_beside(root)  # mesh.yaml does not say which: check every environment file there is

    # Environment files are read even when mesh.yaml is invalid; cross-file checks need a mesh
    # (salvaged or not) and the environment file as written.
    # ``names`` are the valid names only, whether or not the rest of mesh.yaml is valid.
    declared = [name for _, name in names]
    environments: list[EnvironmentConfig] = []
    env_docs: list[tuple[EnvironmentConfig, YamlDocument]] = []
    for position, (index, name) in enumerate(names):
        if name in declared[:position]:
            continue

        # Without mesh.yaml the names come from the files themselves: none is missing.
        on_missing = (
            functools.partial(_missing_environment_file, root, display_root, mesh_doc, index, name, declared)
            if mesh_doc is not None
            else None
        )
        env_doc, found = read_yaml(root / f"{name}.yaml", f"{display_root}/{name}.yaml", folder, on_missing)
        issues += found
        if env_doc is None:
            continue
        env, found, partial = _validate(EnvironmentConfig, env_doc, ENVIRONMENT_FILE, environment_placeholders(name))
        issues += found
        if partial is not None:
            salvaged.append(partial)
            rules += check_environment(partial.model, partial.doc, name)
        if env is None:
            continue
        rules += check_environment(env, env_doc, name)
        if checked_mesh is not None:
            rules += check_names(checked_mesh, env, mesh_view, env_doc)
            rules += check_network(checked_mesh, env, mesh_view, env_doc)
            rules += check_environment_tag_total(checked_mesh.tags, env.tags, mesh_view, env_doc)
        environments.append(env)
        env_docs.append((env, env_doc))
    if checked_mesh is not None:
        rules += check_environments(checked_mesh, env_docs, mesh_view)

    issues += [i for i in rules if all(s.keeps(i) for s in salvaged)]
    if issues or mesh is None:
        raise ConfigError(issues)
    return MeshConfig(with_workload_tables(mesh), tuple(environments))
