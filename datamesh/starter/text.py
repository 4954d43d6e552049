"""YAML text helpers shared by the starter templates: placeholders that validate, quoting, the modeline."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import mesh_config
from mesh_config.regions import partition_of

if TYPE_CHECKING:
    from datamesh.starter.answers import Answers, EnvironmentAnswers

# The JSON Schemas of the checkout (make schemas), when this is one: editors then validate the
# starter files as they are edited. An installed package has no schemas/ folder: no modeline.
SCHEMAS_DIR = Path(mesh_config.__file__).resolve().parent.parent / "schemas"


def schema_reference(target: Path, schema: str) -> str | None:
    """``schema`` relative to ``target`` (the mesh folder), or None outside a checkout."""
    path = SCHEMAS_DIR / schema
    if not path.exists():
        return None
    return Path(os.path.relpath(path, target.resolve())).as_posix()


def modeline(target: Path, schema: str) -> str:
    """The yaml-language-server line pointing from ``target`` (the mesh folder) to ``schema``."""
    reference = schema_reference(target, schema)
    return f"# yaml-language-server: $schema={reference}\n" if reference else ""


def quoted(value: str) -> str:
    """A YAML double-quoted scalar (JSON strings are YAML)."""
    return json.dumps(value)


def flow(values: list[str] | tuple[str, ...]) -> str:
    return "[" + ", ".join(values) + "]"


def vpc_id(position: int) -> str:
    return f"vpc-{position + 1:017x}"


def subnet_ids(position: int, count: int = 3) -> list[str]:
    return [f"subnet-{position + 1:08x}{k + 1:09x}" for k in range(count)]


def group_id(number: int) -> str:
    """A placeholder Identity Center group id (a version-4-shaped UUID)."""
    return f"00000000-0000-4000-8000-{number:012d}"


def arn(region: str, rest: str) -> str:
    """An ARN in the partition of ``region`` (aws, aws-cn, aws-us-gov): a sample in China or
    GovCloud must not name the aws partition."""
    return f"arn:{partition_of(region)}:{rest}"


def connection_arn(region: str, account: str) -> str:
    return arn(region, f"codeconnections:{region}:{account}:connection/00000000-0000-0000-0000-000000000000")


def sso_role(region: str, account: str, permission_set: str) -> str:
    """An Identity Center permission-set role of the tools account ('*': the path and the suffix)."""
    return arn(region, f"iam::{account}:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_{permission_set}_*")


def starter_files(
    answers: Answers, mesh_text: str, environment: Callable[[EnvironmentAnswers, int], str]
) -> dict[str, str]:
    """File name -> text: mesh.yaml and one <env>.yaml per environment, in promotion order."""
    files = {"mesh.yaml": mesh_text}
    for position, env in enumerate(answers.environments):
        files[f"{env.name}.yaml"] = environment(env, position)
    return files
