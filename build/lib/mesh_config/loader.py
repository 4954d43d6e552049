"""Load environments/ into a validated MeshConfig, or raise one ConfigError listing everything."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from mesh_config.environment import EnvironmentConfig
from mesh_config.errors import ConfigError, ConfigIssue
from mesh_config.formats import PLAIN_WORDS
from mesh_config.loaded import MeshConfig
from mesh_config.mesh import MeshDefinition
from mesh_config.validation import check_environment, check_environments, check_mesh, check_names, check_network
from mesh_config.yaml_source import YamlDocument, read_yaml

MESH_FILE = "mesh.yaml"


def _field_names(model: type[BaseModel], seen: set[type] | None = None) -> set[str]:
    """Every field name reachable from a model, for 'did you mean' hints."""
    seen = seen if seen is not None else set()
    if model in seen:
        return set()
    seen.add(model)
    names = set(model.model_fields)
    for info in model.model_fields.values():
        for arg in _types_in(info.annotation):
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                names |= _field_names(arg, seen)
    return names


def _types_in(annotation: Any) -> list[Any]:
    out = [annotation]
    for arg in getattr(annotation, "__args__", ()) or ():
        out += _types_in(arg)
    return out


def _fix_for(error: dict[str, Any], known_fields: set[str], typed: str | None) -> tuple[str, str]:
    """(problem, fix) in the user's terms for one pydantic error; ``typed`` is the scalar as
    written in the file, quoted instead of the parsed value."""
    kind = error["type"]
    loc = error["loc"]
    value = error.get("input")
    shown = typed if typed is not None and not isinstance(value, str) else value
    if kind == "extra_forbidden":
        key = str(loc[-1])
        close = difflib.get_close_matches(key, sorted(known_fields), n=1)
        hint = f"did you mean '{close[0]}'?" if close else "remove it"
        return f"unknown key '{key}'", f"{hint} (the JSON Schema in schemas/ lists every allowed key)"
    if kind == "missing":
        return f"required key '{loc[-1]}' is missing", f"add '{loc[-1]}'"
    if kind == "string_type" and isinstance(value, bool):
        return (
            f"expected text, got the boolean {value!r}",
            'quote the value in YAML (e.g. "true"): unquoted true/false/yes/no/on/off are booleans',
        )
    if kind == "string_type" and isinstance(value, int | float):
        return (
            f"expected text, got the number {shown}",
            f'quote the value in YAML ("{shown}"): unquoted digits are read as a number and can lose leading zeros',
        )
    if kind == "string_pattern_mismatch":
        pattern = error.get("ctx", {}).get("pattern", "")
        words = PLAIN_WORDS.get(pattern)
        return f"value {value!r} has the wrong format", f"use {words}" if words else f"it must match {pattern}"
    if kind == "enum":
        return f"value {value!r} is not allowed", f"use one of: {error.get('ctx', {}).get('expected', '')}"
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{message} (got {value!r})" if "input" in error and not isinstance(value, dict | list) else message, (
        "correct the value as described"
    )


def _validate(model: type[BaseModel], doc: YamlDocument) -> tuple[Any, list[ConfigIssue]]:
    if not isinstance(doc.data, dict):
        return None, [doc.issue((), "the file must be a YAML mapping (key: value pairs)", "see environments/ examples")]
    try:
        return model.model_validate(doc.data), []
    except ValidationError as exc:
        known = _field_names(model)
        issues = []
        for error in exc.errors():
            problem, fix = _fix_for(error, known, doc.text_of(tuple(error["loc"])))
            issues.append(doc.issue(tuple(error["loc"]), problem, fix))
        return None, issues


def _declared_environments(doc: YamlDocument) -> list[str]:
    declared = doc.data.get("environments") if isinstance(doc.data, dict) else None
    return [n for n in declared if isinstance(n, str) and n] if isinstance(declared, list) else []


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


def load_mesh(directory: str | Path) -> MeshConfig:
    """Read mesh.yaml and one <env>.yaml per environment it lists; raise ConfigError on any problem."""
    root = Path(directory)
    display_root = root.as_posix().rstrip("/")
    issues: list[ConfigIssue] = []

    mesh_doc, found = read_yaml(root / MESH_FILE, f"{display_root}/{MESH_FILE}")
    issues += found
    if mesh_doc is None:
        raise ConfigError(issues)
    mesh, found = _validate(MeshDefinition, mesh_doc)
    issues += found
    if mesh is not None:
        issues += check_mesh(mesh, mesh_doc)

    # Environment files are read even when mesh.yaml is invalid, so that one run reports
    # every file's problems; cross-file checks need a valid mesh and are skipped otherwise.
    names = mesh.environments if mesh is not None else _declared_environments(mesh_doc)
    environments: list[EnvironmentConfig] = []
    env_docs: list[tuple[EnvironmentConfig, YamlDocument]] = []
    for index, name in enumerate(names):
        if name in names[:index]:
            continue
        env_path = root / f"{name}.yaml"
        if not env_path.is_file():
            issues.append(_missing_environment_file(root, display_root, mesh_doc, index, name, names))
            continue
        env_doc, found = read_yaml(env_path, f"{display_root}/{name}.yaml")
        issues += found
        if env_doc is None:
            continue
        env, found = _validate(EnvironmentConfig, env_doc)
        issues += found
        if env is None:
            continue
        issues += check_environment(env, env_doc, name)
        if mesh is not None:
            issues += check_names(mesh, env, mesh_doc, env_doc)
            issues += check_network(mesh, env, mesh_doc, env_doc)
        environments.append(env)
        env_docs.append((env, env_doc))
    if mesh is not None:
        issues += check_environments(mesh, env_docs, mesh_doc)

    if issues:
        raise ConfigError(issues)
    return MeshConfig(mesh, tuple(environments))
