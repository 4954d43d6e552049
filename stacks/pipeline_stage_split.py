"""One environment over several CodePipeline stages.

CodePipeline allows at most 50 actions per stage. CDK Pipelines deploys every stack of a
cdk.Stage with one action (change sets off) and cuts a stage every 50 of them (``prod.1``,
``prod.2``: ``chunkTranches`` in aws-cdk-lib's pipelines), but puts the pre steps (approval,
broadening check) and post steps (smoke test) on top, so a stage can still hold more than 50. A
MeshStage cannot be split instead: CDK refuses dependencies across cdk.Stage boundaries and the
stacks of an environment reference each other. So the rendered pipeline is cut: a stage with
more than ``max_actions`` actions becomes consecutive stages ``<name>``, ``<name>-2``, ...

Why the order survives: CDK Pipelines encodes the stack dependencies in RunOrder (a stack's
action runs after every action with a lower RunOrder of its stage), and a pipeline stage starts
only when the previous one has succeeded. Cutting between RunOrders therefore keeps every
dependency; actions with the same RunOrder do not depend on each other, so a RunOrder may be cut
apart too, at the price of one more sequential step.

Variables still resolve: the smoke test reads the domain stack's output through the namespace of
the domain's deploy action, which may land in an earlier stage. "To reference variables produced
by an action, the referencing action must occur after the action that produces the variables.
This means it is either in a later stage than the action producing the variables, or in the same
stage but at a higher run order." (CodePipeline User Guide, Variables reference, "Rules for
variables": https://docs.aws.amazon.com/codepipeline/latest/userguide/reference-variables.html).
Input artifacts come from the Source, Build and Assets stages, all earlier than any cut stage.

CDK's own cut is blind to dependencies: it fills each stage to 50 actions and carries the rest of
a RunOrder over to the next, so every cut inside a RunOrder adds a sequential step. Given each
stack's dependency level (its longest chain of dependencies within its cdk.Stage, read from the
stage's cloud assembly, the same graph CDK Pipelines orders by), the consecutive chunks of one
CDK stage (``prod.1``, ``prod.2``, ...) are merged back into one sequence, every deployment at
RunOrder ``pre steps + level``, and cut again where whole levels fit: ``prod.1``, ``prod.2``, ...
The first keeps its name (the broadening check and the approver roles name it).

The layout functions are pure; they work on the stages as CDK renders them (``stack.resolve`` of
the L1 pipeline's ``stages``: camelCase structure, action ``configuration`` as CloudFormation
writes it) and give back the CloudFormation ``Stages`` property, which ``split_pipeline_stages``
writes over the L1 pipeline.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from graphlib import TopologicalSorter
from itertools import pairwise
from typing import Any

import jsii
from aws_cdk import Stack, Stage
from aws_cdk import aws_codepipeline as codepipeline
from constructs import IValidation

# CodePipeline quota: actions per stage.
CODEPIPELINE_MAX_ACTIONS_PER_STAGE = 50
# CodePipeline stage names: [A-Za-z0-9.@\-_]+, at most 100 characters.
STAGE_NAME_MAX_LENGTH = 100
DEPLOY = "Deploy"


@dataclass(frozen=True)
class PlacedAction:
    """``stack``: the stack a Deploy action deploys; ``stage``: the rendered stage the action comes
    from when that is not its layout's origin (a merged CDK chunk)."""

    name: str
    run_order: int
    category: str
    stack: str | None = None
    stage: str | None = None


@dataclass(frozen=True)
class StageLayout:
    """One pipeline stage as deployed. ``origin``: the stage CDK Pipelines made (an environment,
    a wave, a sharing stage, Source, Build, ...), whose actions it holds part or all of."""

    name: str
    origin: str
    actions: tuple[PlacedAction, ...]

    @property
    def deploy_run_orders(self) -> int:
        """Sequential steps of stack deployments in this stage."""
        return len({a.run_order for a in self.actions if a.category == DEPLOY})


@dataclass(frozen=True)
class OriginLayout:
    """Where one CDK Pipelines stage (for an environment: the environment) ended up."""

    origin: str
    stages: tuple[str, ...]
    actions_per_stage: tuple[int, ...]
    # Sum over its pipeline stages of the distinct RunOrders holding Deploy actions: the longest
    # chain of stack deployments one after another. Each cut inside a RunOrder adds one.
    sequential_depth: int


def _head_length(actions: Sequence[PlacedAction]) -> int:
    """The pre steps: every action before the first deployment. They must stay together in the
    first stage, under the original stage name: the permissions-broadening check approves the
    Confirm action of its own stage by stage name (CDK passes STAGE_NAME / ACTION_NAME to it), and
    the approver roles' policies name ``<stage>/<approval action>``."""
    deploys = [a.run_order for a in actions if a.category == DEPLOY]
    if not deploys:
        return 0
    first = min(deploys)
    return sum(1 for a in actions if a.run_order < first)


def _cost(part: Sequence[PlacedAction]) -> tuple[int, int, int]:
    """What a cut stage costs, compared lexicographically: deployment steps first (the depth the
    brief minimises), then sequential steps of any kind (a cut smoke-test RunOrder waits too),
    then one stage."""
    return (
        len({a.run_order for a in part if a.category == DEPLOY}),
        len({a.run_order for a in part}),
        1,
    )


def split_stage(
    name: str,
    actions: Sequence[PlacedAction],
    max_actions: int = CODEPIPELINE_MAX_ACTIONS_PER_STAGE,
    *,
    first: str | None = None,
    then: str = "{name}-{index}",
) -> list[StageLayout]:
    """One stage, cut into consecutive stages of at most ``max_actions`` actions with the least
    sequential depth (then the fewest stages). A stage within the limit is returned as it is.
    The parts are named ``first`` (default: ``name``), then ``then`` with index 2, 3, ..."""
    if max_actions < 1:
        raise ValueError(f"max_actions must be positive, not {max_actions}")
    first = first or name
    if len(actions) <= max_actions:
        return [StageLayout(first, name, tuple(actions))]
    ordered = sorted(actions, key=lambda a: a.run_order)  # stable: same-RunOrder actions keep their order
    head = _head_length(ordered)
    if head > max_actions:
        raise ValueError(
            f"stage {name}: its {head} pre-deployment actions do not fit in one stage of {max_actions} actions"
        )
    # Dynamic programme over cut positions: best[j] is the cheapest way to lay out ordered[:j].
    # No cut inside the head. n is a few hundred and max_actions 50: quadratic per stage is cheap.
    n = len(ordered)
    infinity = (n + 1, n + 1, n + 1)
    best: list[tuple[tuple[int, int, int], int]] = [((0, 0, 0), 0)] + [(infinity, -1)] * n
    for j in range(1, n + 1):
        for i in range(max(0, j - max_actions), j):
            if 0 < i < head or best[i][1] < 0:
                continue
            cost = _cost(ordered[i:j])
            total = tuple(x + y for x, y in zip(best[i][0], cost, strict=True))
            # On a tie the later start wins: earlier stages fill up, the last holds the rest.
            if total <= best[j][0]:
                best[j] = (total, i)  # type: ignore[assignment]
    cuts = [n]
    while cuts[-1] > 0:
        cuts.append(best[cuts[-1]][1])
    bounds = list(reversed(cuts))
    stages = []
    for index, (start, end) in enumerate(pairwise(bounds)):
        part = ordered[start:end]
        renumber = {order: k for k, order in enumerate(sorted({a.run_order for a in part}), start=1)}
        stage_name = first if index == 0 else then.format(name=name, index=index + 1)
        if len(stage_name) > STAGE_NAME_MAX_LENGTH:
            raise ValueError(f"pipeline stage name {stage_name!r} is longer than {STAGE_NAME_MAX_LENGTH} characters")
        stages.append(
            StageLayout(
                stage_name,
                name,
                tuple(PlacedAction(a.name, renumber[a.run_order], a.category, a.stack, a.stage) for a in part),
            )
        )
    return stages


def merge_chunks(stages: Sequence[StageLayout], levels: Mapping[str, int]) -> list[StageLayout]:
    """CDK Pipelines' chunks of one stage (``prod.1``, ``prod.2``, ...) merged into one stage named
    after their origin (``prod``), every deployment at RunOrder ``pre steps + its stack's level``,
    the post steps after the last level. Chunks are left as they are unless every deployment's
    stack has a level and the chunks hold pre steps, deployments, post steps in that order."""
    result: list[StageLayout] = []
    index = 0
    while index < len(stages):
        group = _chunk_group(stages, index)
        merged = _merged(group, levels) if len(group) > 1 else None
        result += [merged] if merged is not None else group
        index += len(group)
    return result


def _chunk_group(stages: Sequence[StageLayout], start: int) -> list[StageLayout]:
    match = _CHUNK.match(stages[start].name)
    if match is None or match["index"] != "1":
        return [stages[start]]
    group = [stages[start]]
    while start + len(group) < len(stages) and stages[start + len(group)].name == f"{match['origin']}.{len(group) + 1}":
        group.append(stages[start + len(group)])
    return group


def _merged(group: Sequence[StageLayout], levels: Mapping[str, int]) -> StageLayout | None:
    origin = _CHUNK.match(group[0].name)["origin"]  # type: ignore[index]
    actions = [(stage.name, a) for stage in group for a in sorted(stage.actions, key=lambda a: a.run_order)]
    kinds = ["deploy" if a.category == DEPLOY else "other" for _, a in actions]
    first, last = kinds.index("deploy") if "deploy" in kinds else -1, len(kinds) - 1 - kinds[::-1].index("deploy")
    if first < 0 or "other" in kinds[first:last] or any(a.stack not in levels for _, a in actions[first : last + 1]):
        return None
    head = actions[:first]
    if any(stage != group[0].name for stage, _ in head):
        return None
    head_orders = max((a.run_order for _, a in head), default=0)
    deepest = max(levels[a.stack] for _, a in actions[first : last + 1])  # type: ignore[index]

    def placed(stage: str, action: PlacedAction, run_order: int) -> PlacedAction:
        return PlacedAction(action.name, run_order, action.category, action.stack, stage)

    tail = actions[last + 1 :]
    tail_base = min((a.run_order for _, a in tail), default=0)
    return StageLayout(
        origin,
        origin,
        (
            *(placed(stage, a, a.run_order) for stage, a in head),
            *(placed(stage, a, head_orders + levels[a.stack]) for stage, a in actions[first : last + 1]),  # type: ignore[index]
            *(placed(stage, a, head_orders + deepest + 1 + a.run_order - tail_base) for stage, a in tail),
        ),
    )


_CHUNK = re.compile(r"^(?P<origin>.+)\.(?P<index>[1-9][0-9]*)$")


def split_layout(
    stages: Iterable[StageLayout],
    max_actions: int = CODEPIPELINE_MAX_ACTIONS_PER_STAGE,
    levels: Mapping[str, int] | None = None,
) -> list[StageLayout]:
    """Every stage over the limit split (the rule is generic: environments, waves, sharing stages,
    asset stages), in pipeline order; refuses a split name that another stage already has. With
    ``levels`` (stack name -> dependency level), CDK's chunks are first merged (merge_chunks) and
    cut again at level boundaries, named like CDK's: ``<origin>.1``, ``<origin>.2``, ..."""
    stages = list(stages)
    if levels:
        stages = merge_chunks(stages, levels)
    result = [
        part
        for stage in stages
        for part in (
            split_stage(stage.name, stage.actions, max_actions, first=f"{stage.name}.1", then="{name}.{index}")
            if any(a.stage for a in stage.actions)
            else split_stage(stage.name, stage.actions, max_actions)
        )
    ]
    names = [s.name for s in result]
    clashes = sorted({n for n in names if names.count(n) > 1})
    if clashes:
        raise ValueError(
            f"splitting pipeline stages over {max_actions} actions makes stage names that already exist: "
            f"{', '.join(clashes)}; rename the environment or wave"
        )
    return result


def origins(layout: Iterable[StageLayout]) -> list[OriginLayout]:
    """Per CDK Pipelines stage (an environment, a wave, ...): its pipeline stages and their depth."""
    by_origin: dict[str, list[StageLayout]] = {}
    for stage in layout:
        by_origin.setdefault(stage.origin, []).append(stage)
    return [
        OriginLayout(
            origin,
            tuple(s.name for s in parts),
            tuple(len(s.actions) for s in parts),
            sum(s.deploy_run_orders for s in parts),
        )
        for origin, parts in by_origin.items()
    ]


# --- The rendered L1 pipeline -------------------------------------------------------------------


def layout_of(rendered_stages: Sequence[dict[str, Any]]) -> list[StageLayout]:
    """The layout of stages as CDK renders them (camelCase: name, actions, runOrder, actionTypeId)."""
    return [
        StageLayout(
            stage["name"],
            stage["name"],
            tuple(
                PlacedAction(
                    a["name"],
                    int(a.get("runOrder", 1)),
                    a["actionTypeId"]["category"],
                    _stack_name(a) if a["actionTypeId"]["category"] == DEPLOY else None,
                )
                for a in stage["actions"]
            ),
        )
        for stage in rendered_stages
    ]


def _stack_name(action: dict[str, Any]) -> str | None:
    name = action.get("configuration", {}).get("StackName")
    return name if isinstance(name, str) else None


def apply_layout(rendered_stages: Sequence[dict[str, Any]], layout: Sequence[StageLayout]) -> list[dict[str, Any]]:
    """The rendered stages rearranged as ``layout`` says (every action exactly once, new RunOrders),
    in CloudFormation's casing, ready for ``add_property_override("Stages", ...)``."""
    actions = {(s["name"], a["name"]): a for s in rendered_stages for a in s["actions"]}
    placed = [(a.stage or stage.origin, a.name) for stage in layout for a in stage.actions]
    if sorted(placed) != sorted(actions):
        raise ValueError("the layout does not hold every action of the pipeline exactly once")
    for stage in rendered_stages:
        extra = set(stage) - {"name", "actions"}
        if extra:
            raise ValueError(f"stage {stage['name']}: unexpected stage properties {sorted(extra)}; extend apply_layout")
    return [
        {
            "Name": stage.name,
            "Actions": [
                _action_to_cloudformation({**actions[(a.stage or stage.origin, a.name)], "runOrder": a.run_order})
                for a in stage.actions
            ],
        }
        for stage in layout
    ]


# ActionDeclaration properties whose values CDK already renders as CloudFormation writes them
# (strings, numbers, intrinsics, lists of strings): only the key is recased.
_ACTION_SCALARS = {
    "name": "Name",
    "namespace": "Namespace",
    "region": "Region",
    "roleArn": "RoleArn",
    "runOrder": "RunOrder",
    "timeoutInMinutes": "TimeoutInMinutes",
    "commands": "Commands",
    "outputVariables": "OutputVariables",
    # Free-form: CloudFormation takes the action's configuration keys as the provider names them.
    "configuration": "Configuration",
}
_ACTION_TYPE_ID = {"category": "Category", "owner": "Owner", "provider": "Provider", "version": "Version"}
_ARTIFACT = {"name": "Name", "files": "Files"}


def _recase(value: dict[str, Any], keys: dict[str, str], what: str) -> dict[str, Any]:
    unknown = set(value) - set(keys)
    if unknown:
        # A CDK upgrade that renders a new property must be seen, not dropped from the pipeline.
        raise ValueError(f"{what}: unexpected properties {sorted(unknown)}; extend pipeline_stage_split")
    return {keys[k]: v for k, v in value.items()}


def _action_to_cloudformation(action: dict[str, Any]) -> dict[str, Any]:
    what = f"action {action.get('name')}"
    nested = {"actionTypeId", "inputArtifacts", "outputArtifacts"}
    rendered = _recase({k: v for k, v in action.items() if k not in nested}, _ACTION_SCALARS, what)
    rendered["ActionTypeId"] = _recase(action["actionTypeId"], _ACTION_TYPE_ID, what)
    for key, cfn_key in (("inputArtifacts", "InputArtifacts"), ("outputArtifacts", "OutputArtifacts")):
        if key in action:
            rendered[cfn_key] = [_recase(artifact, _ARTIFACT, what) for artifact in action[key]]
    return rendered


# --- The CDK pipeline ---------------------------------------------------------------------------


def dependency_levels(dependencies: Mapping[str, Iterable[str]]) -> dict[str, int]:
    """Node -> 1 + the longest chain of dependencies below it (1: depends on nothing listed)."""
    levels: dict[str, int] = {}
    graph = {node: [d for d in deps if d in dependencies] for node, deps in dependencies.items()}
    for node in TopologicalSorter(graph).static_order():  # dependencies first; a cycle raises
        levels[node] = 1 + max((levels[d] for d in graph[node]), default=0)
    return levels


def stack_levels(stages: Iterable[Stage]) -> dict[str, int]:
    """Stack name -> its dependency level within its stage, from each stage's cloud assembly
    (synthesized once: CDK Pipelines has read it already, the same graph it orders by)."""
    levels: dict[str, int] = {}
    for stage in stages:
        artifacts = {a.id: a for a in stage.synth().stacks}
        by_id = dependency_levels({i: [d.id for d in a.dependencies] for i, a in artifacts.items()})
        levels.update({artifacts[i].stack_name: level for i, level in by_id.items()})
    return levels


def split_pipeline_stages(
    pipeline: codepipeline.Pipeline, max_actions: int, levels: Mapping[str, int] | None = None
) -> list[StageLayout]:
    """Cut every stage of a built pipeline over ``max_actions`` actions into consecutive stages and
    return the final layout; with ``levels`` (stack_levels), CDK's own chunks are cut again at
    dependency levels. A pipeline within the limit is left exactly as CDK renders it. Call it
    after the last action is added (CDK Pipelines: after ``build_pipeline()``)."""
    stack = Stack.of(pipeline)
    cfn: codepipeline.CfnPipeline = pipeline.node.default_child  # type: ignore[assignment]
    rendered = stack.resolve(cfn.stages)
    layout = split_layout(layout_of(rendered), max_actions, levels)
    if [(s.name, len(s.actions)) for s in layout] != [(s["name"], len(s["actions"])) for s in rendered] or any(
        a.stage for s in layout for a in s.actions
    ):
        cfn.add_property_override("Stages", apply_layout(rendered, layout))
        cfn.node.add_validation(_StagesStillAsSplit(stack, cfn.stages, rendered))
    return layout


@jsii.implements(IValidation)
class _StagesStillAsSplit:
    """The split overrides the rendered stages: an action added afterwards would be missing from
    the deployed pipeline, so it fails the synth instead."""

    def __init__(self, stack: Stack, stages: Any, frozen: list[dict[str, Any]]) -> None:
        self._stack, self._stages, self._frozen = stack, stages, frozen

    def validate(self) -> list[str]:
        if self._stack.resolve(self._stages) == self._frozen:
            return []
        return ["the pipeline's stages changed after they were split: split them after the last change"]
