"""The mesh_dir setting: which folder holds the mesh (mesh.yaml and one <env>.yaml per
environment), decided here, once, for `cdk synth`, every `datamesh` command, `datamesh serve` and
the change plan.

Precedence, first given wins: the explicit setting (`--mesh-dir`, or `-c mesh_dir=` for cdk), the
``MESH_DIR`` environment variable, cdk.json's ``context.mesh_dir`` (the cdk.json of the current
directory or its nearest parent holding one: the project root), then ``environments``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from mesh_config.errors import ConfigError, ConfigIssue

DEFAULT_MESH_DIR = "environments"
ENV_VAR = "MESH_DIR"
CONTEXT_KEY = "mesh_dir"
CDK_JSON = "cdk.json"


@dataclass(frozen=True)
class MeshFolder:
    path: str
    # How it was chosen, for messages and the plan's header: "--mesh-dir", "MESH_DIR", "cdk.json", ...
    source: str

    def describe(self) -> str:
        return f"{self.path} ({self.source})"


def find_cdk_json(start: Path | None = None) -> Path | None:
    """The cdk.json of ``start`` (default: the current directory) or of its nearest parent."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CDK_JSON).is_file():
            return folder / CDK_JSON
    return None


def cdk_json_mesh_dir(cdk_json: Path, shown_as: str | None = None) -> str | None:
    """cdk.json's context.mesh_dir as written, or None when it sets none; a malformed file is an
    error naming it, never a silent fall back to another mesh."""
    shown = shown_as or str(cdk_json)
    try:
        document = json.loads(cdk_json.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        fix = "correct the JSON (cdk synth reads the same file), or give the folder with --mesh-dir or MESH_DIR"
        raise ConfigError([ConfigIssue(shown, "", f"cannot be read: {error}", fix)]) from error
    context = document.get("context") if isinstance(document, dict) else None
    value = context.get(CONTEXT_KEY) if isinstance(context, dict) else None
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        fix = 'a folder path relative to cdk.json, e.g. "mesh_dir": "environments"'
        problem = f"context.{CONTEXT_KEY} must be a non-empty folder path, not {value!r}"
        raise ConfigError([ConfigIssue(shown, f"context.{CONTEXT_KEY}", problem, fix)])
    return value


def resolve_mesh_dir(
    given: str | os.PathLike[str] | None = None,
    *,
    given_by: str = "--mesh-dir",
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> MeshFolder:
    """The mesh folder, by the precedence above. ``given``: the explicit setting, None when absent.

    A relative path from a parent's cdk.json is taken relative to that cdk.json, as cdk reads it
    when run in the project root."""
    if given is not None and str(given).strip():
        return MeshFolder(str(given), given_by)
    variable = (os.environ if environ is None else environ).get(ENV_VAR, "").strip()
    if variable:
        return MeshFolder(variable, ENV_VAR)
    here = (cwd or Path.cwd()).resolve()
    found = find_cdk_json(here)
    if found is not None:
        value = cdk_json_mesh_dir(found)
        if value is not None:
            if found.parent == here or Path(value).is_absolute():
                return MeshFolder(value, f"context.{CONTEXT_KEY} of {CDK_JSON}")
            return MeshFolder(str(found.parent / value), f"context.{CONTEXT_KEY} of {found}")
    return MeshFolder(DEFAULT_MESH_DIR, "default")


def resolve_cdk_context(context_value: object, cwd: Path, *, environ: Mapping[str, str] | None = None) -> MeshFolder:
    """The mesh folder of the CDK app run in ``cwd`` (where cdk reads cdk.json). The app's context
    merges cdk.json with `-c` flags: a value equal to cdk.json's own is cdk.json speaking, so
    MESH_DIR may override it; any other value was given with `-c mesh_dir=` (or cdk.context.json)
    and wins. (The CLI hands the app one merged context: `-c mesh_dir=<the folder cdk.json names>`
    cannot be told apart and yields to MESH_DIR.)"""
    cdk_json = cwd / CDK_JSON
    default = cdk_json_mesh_dir(cdk_json, CDK_JSON) if cdk_json.is_file() else None
    if isinstance(context_value, str) and context_value.strip() and context_value != default:
        return MeshFolder(context_value, f"-c {CONTEXT_KEY}")
    return resolve_mesh_dir(None, environ=environ, cwd=cwd)
