"""Shape of the synthesized pipeline: actions per stage and sequential deployment depth.

    python benchmark/pipeline_shape.py cdk.out

CodePipeline allows 50 actions per stage. CDK Pipelines deploys each stack with one action
(two with change sets: create and execute) and orders stacks by dependency with RunOrder, so the
longest chain of sequential stack deployments is the number of distinct deploy RunOrders
(halved with change sets).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

CODEPIPELINE_ACTIONS_PER_STAGE = 50


def find_stages(cdk_out: Path) -> list[dict] | None:
    """The `Stages` of the AWS::CodePipeline::Pipeline among cdk.out's top-level templates."""
    for path in sorted(cdk_out.glob("*.template.json")):
        for resource in json.loads(path.read_text()).get("Resources", {}).values():
            if resource["Type"] == "AWS::CodePipeline::Pipeline":
                return resource["Properties"]["Stages"]
    return None


def pipeline_stages(cdk_out: Path) -> list[dict]:
    stages = find_stages(cdk_out)
    if stages is None:
        raise SystemExit(f"no AWS::CodePipeline::Pipeline in {cdk_out}/*.template.json")
    return stages


def shape(cdk_out: Path) -> list[tuple[str, int, int]]:
    rows = []
    for stage in pipeline_stages(cdk_out):
        deploys = [a for a in stage["Actions"] if a["ActionTypeId"]["Provider"] == "CloudFormation"]
        orders = {a["RunOrder"] for a in deploys}
        change_sets = any(a["Configuration"].get("ActionMode") == "CHANGE_SET_REPLACE" for a in deploys)
        rows.append((stage["Name"], len(stage["Actions"]), len(orders) // 2 if change_sets else len(orders)))
    return rows


def main(argv: list[str]) -> int:
    cdk_out = Path(argv[1] if len(argv) > 1 else "cdk.out")
    print("| stage | actions (limit 50) | longest chain of sequential stack deployments |")
    print("| --- | --- | --- |")
    over = False
    for name, actions, chain in shape(cdk_out):
        over |= actions > CODEPIPELINE_ACTIONS_PER_STAGE
        print(f"| {name} | {actions} | {chain or '-'} |")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
