"""Stacks of a synthesized cloud assembly (cdk.out), stages' nested assemblies and nested stacks
included: a nested stack (the domain stack's units stacks) is planned as a stack of its own, named
``<parent stack>/<logical id of its AWS::CloudFormation::Stack>``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STACK = "aws:cloudformation:stack"
NESTED = "cdk:cloud-assembly"
NESTED_STACK = "AWS::CloudFormation::Stack"
# Where CDK writes a nested stack's template (asset metadata, on by default in the CLI).
ASSET_PATH = "aws:asset:path"
CONSTRUCT_PATH = "aws:cdk:path"


@dataclass(frozen=True)
class StackTemplate:
    name: str
    account: str
    region: str
    template: dict[str, Any]
    # For a nested stack: its parent stack's name and its logical id there.
    parent: str | None = None
    logical_id: str | None = None
    # The stack's construct path (dev/Projects-1), which its resources' aws:cdk:path start with.
    path: str = ""

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        return dict(self.template.get("Resources", {}))


def read_assembly(directory: Path) -> dict[str, StackTemplate]:
    """Stack name -> template of every stack in ``directory`` and its nested assemblies."""
    manifest = json.loads((directory / "manifest.json").read_text())
    stacks: dict[str, StackTemplate] = {}
    for artifact in manifest.get("artifacts", {}).values():
        props = artifact.get("properties", {})
        if artifact.get("type") == NESTED:
            stacks.update(read_assembly(directory / props["directoryName"]))
        elif artifact.get("type") == STACK:
            _, _, location = artifact.get("environment", "aws://unknown/unknown").partition("aws://")
            account, _, region = location.partition("/")
            template = json.loads((directory / props["templateFile"]).read_text())
            name = props.get("stackName") or props["templateFile"].removesuffix(".template.json")
            path = artifact.get("displayName", "").partition(" (")[0]
            stacks[name] = StackTemplate(name, account, region, template, path=path)
            stacks.update(_nested(directory, stacks[name]))
    return stacks


def _nested(directory: Path, stack: StackTemplate) -> dict[str, StackTemplate]:
    out: dict[str, StackTemplate] = {}
    for logical_id, resource in stack.resources.items():
        path = resource.get("Metadata", {}).get(ASSET_PATH, "")
        if resource.get("Type") != NESTED_STACK or not path.endswith(".nested.template.json"):
            continue
        template = json.loads((directory / path).read_text())
        # CDK puts a nested stack <id>'s resource at <parent path>/<id>.NestedStack/<id>.NestedStackResource.
        resource_path = resource.get("Metadata", {}).get(CONSTRUCT_PATH, "")
        own_path = resource_path.rpartition("/")[0].removesuffix(".NestedStack")
        child = StackTemplate(
            f"{stack.name}/{logical_id}", stack.account, stack.region, template, stack.name, logical_id, own_path
        )
        out[child.name] = child
        out.update(_nested(directory, child))
    return out
