"""Stacks of a synthesized cloud assembly (cdk.out), stages' nested assemblies included."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STACK = "aws:cloudformation:stack"
NESTED = "cdk:cloud-assembly"


@dataclass(frozen=True)
class StackTemplate:
    name: str
    account: str
    region: str
    template: dict[str, Any]

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
            stacks[name] = StackTemplate(name, account, region, template)
    return stacks
