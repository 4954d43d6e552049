"""Every ARN the mesh builds is in the partition of its stack's region; only ARNs typed in the
YAML stay as typed.

With ``@aws-cdk/core:enablePartitionLiterals`` (cdk.json) CDK writes the partition of a stack
with a known region as a literal: ``arn:aws:`` in eu-west-1 is what ``Stack.format_arn`` and
``Aws.PARTITION`` produce there, and right. A partition written by hand shows only in another
partition, so the examples are synthesized with every region moved: the bundled example into
aws-cn, three-prod-accounts into aws-us-gov (pipeline included in both).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest

from app import build_app
from mesh_config import MeshConfig, load_mesh
from mesh_config.network import zone_id_prefix
from mesh_config.regions import partition_of
from tests.synth import ROOT, cdk_json_context

MOVES = [("environments", "cn-north-1"), ("examples/three-prod-accounts", "us-gov-west-1")]


def _moved(source: Path, region: str, target: Path) -> Path:
    """A copy of a mesh folder with every region (environments' and the pipeline's) replaced."""
    shutil.copytree(source, target)
    for path in target.glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"allowed_regions: \[[^\]]*\]", f"allowed_regions: [{region}]", text)  # the organisation's
        # Typed ARNs with a region (an alarm topic must be in its environment's region) move too;
        # their partition stays as typed.
        text = text.replace(":eu-west-1:", f":{region}:")
        # So do the Availability Zones of a VPC the mesh creates (AZ IDs such as euw1-az1).
        text = text.replace("euw1-az", f"{zone_id_prefix(region)}-az")
        path.write_text(text.replace("region: eu-west-1", f"region: {region}"), encoding="utf-8")
    return target


def _without(text: str, typed: set[str]) -> str:
    """``text`` without the typed ARNs in it (a typed ARN may sit inside a JSON string, e.g. a
    Lambda's routing table): what remains was built by the app."""
    for arn in sorted(typed, key=len, reverse=True):
        text = text.replace(arn, "")
    return text


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def typed_arns(config: MeshConfig) -> set[str]:
    """Every ARN string of the loaded YAML (principals, the Identity Center instance, the
    connection...): the user's, kept exactly as typed."""
    dumps = [config.mesh.model_dump(mode="json"), *(e.model_dump(mode="json") for e in config.environments)]
    return {s for d in dumps for s in _strings(d) if s.startswith("arn:")}


def _synth(mesh_dir: Path, outdir: Path) -> list[tuple[str, dict]]:
    # CloudFormation has no DataZone resource types in aws-cn and aws-us-gov (CDK's built-in
    # validation reports F3006 for each): availability is not what this test is about, so that
    # validation is off. cdk-nag stays on: its acknowledgements name ARNs too, and an unmatched
    # one fails the synth here.
    context = {**cdk_json_context(), "mesh_dir": str(mesh_dir), "@aws-cdk/core:validateAgainstDefaultRules": False}
    app = cdk.App(outdir=str(outdir), context=context)
    assembly = build_app(app).synth()
    return [(s.stack_name, s.template) for s in assembly.stacks_recursively]


@pytest.mark.parametrize(("mesh", "region"), MOVES, ids=[f"{m}-{r}" for m, r in MOVES])
def test_no_arn_is_in_the_aws_partition_but_the_yamls(mesh: str, region: str, tmp_path: Path):
    mesh_dir = _moved(ROOT / mesh, region, tmp_path / "mesh")
    config = load_mesh(mesh_dir)
    partition = partition_of(region)
    assert partition != "aws"
    # The move is complete: no stack of the mesh stays in eu-west-1.
    assert {e.region for e in config.environments} | {config.mesh.pipeline.region} == {region}
    typed = typed_arns(config)
    assert any(a.startswith("arn:aws:") for a in typed), "the example should type ARNs in the aws partition"

    templates = _synth(mesh_dir, tmp_path / "cdk.out")
    assert len(templates) > 3
    wrong = sorted(
        {
            f"{name}: {text}"
            for name, template in templates
            for text in _strings(template)
            if "arn:aws:" in _without(text, typed)
        }
    )
    assert not wrong, f"ARNs in the aws partition in {partition} stacks:\n" + "\n".join(wrong)
    # And the stacks' own ARNs are in the region's partition (the check above is not vacuous).
    assert any(f"arn:{partition}:" in text for _, template in templates for text in _strings(template))


def test_what_the_partition_test_lets_through_is_what_the_user_wrote():
    config = load_mesh(ROOT / "environments")
    raw = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "environments").glob("*.yaml"))
    typed = typed_arns(config)
    assert typed and all(arn in raw for arn in typed)
