"""An environment over several pipeline stages: the split rule, and the example pipeline split at a
forced small limit (order, approvals, smoke tests, approver roles, broadening check, cfn-lint)."""

from __future__ import annotations

import json
import re

import aws_cdk as cdk
import pytest
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_codepipeline_actions as actions
from aws_cdk import aws_s3 as s3

import stacks.pipeline_stack as pipeline_stack
from stacks.pipeline_stage_split import (
    CODEPIPELINE_MAX_ACTIONS_PER_STAGE,
    PlacedAction,
    StageLayout,
    apply_layout,
    dependency_levels,
    layout_of,
    merge_chunks,
    origins,
    split_layout,
    split_pipeline_stages,
    split_stage,
    stack_levels,
)
from tests.synth import ROOT, SynthesizedApp, synth_app
from tests.test_cfn_lint import PIPELINE_IGNORED_RULES, cfn_lint

# --- The rule, on synthetic stages ----------------------------------------------------------------


def environment(groups: list[int], *, pre: int = 0, post: int = 1) -> list[PlacedAction]:
    """A stage as CDK Pipelines makes one: ``pre`` approvals at RunOrder 1, then one RunOrder per
    group of independent stacks, then ``post`` smoke tests."""
    placed = [PlacedAction(f"Approve-{i}", 1, "Approval") for i in range(pre)]
    order = 2 if pre else 1
    for g, size in enumerate(groups):
        placed += [PlacedAction(f"stack-{g}-{i}.Deploy", order, "Deploy") for i in range(size)]
        order += 1
    placed += [PlacedAction(f"SmokeTest-{i}", order, "Build") for i in range(post)]
    return placed


def positions(stages: list[StageLayout]) -> dict[str, tuple[int, int]]:
    """Action name -> (pipeline stage index, RunOrder): the order in which actions can start."""
    return {a.name: (i, a.run_order) for i, s in enumerate(stages) for a in s.actions}


def assert_order_kept(original: list[PlacedAction], stages: list[StageLayout]) -> None:
    where = positions(stages)
    assert sorted(where) == sorted(a.name for a in original), "every action exactly once"
    for a in original:
        for b in original:
            if a.run_order < b.run_order:
                assert where[a.name] < where[b.name], f"{a.name} must finish before {b.name} starts"


def test_a_stage_within_the_limit_is_left_as_it_is():
    stage = environment([1, 1, 5], pre=2)
    assert split_stage("dev", stage, 50) == [StageLayout("dev", "dev", tuple(stage))]


@pytest.mark.parametrize("limit", [3, 4, 5, 6, 7, 10, 50])
@pytest.mark.parametrize(
    "groups", [[1, 1, 5, 1, 3, 1], [1, 1, 60, 1, 30, 1], [1, 1, 12, 1, 20, 2, 1], [9], [2, 2, 2, 2, 2, 2, 2, 2]]
)
def test_split_keeps_order_names_limit_and_renumbers_from_one(groups, limit):
    stage = environment(groups, pre=2)
    if len(stage) <= limit:
        return
    split = split_stage("prod", stage, limit)
    assert [s.name for s in split] == ["prod"] + [f"prod-{i}" for i in range(2, len(split) + 1)]
    assert all(s.origin == "prod" for s in split)
    assert all(0 < len(s.actions) <= limit for s in split)
    assert_order_kept(stage, split)
    for s in split:
        orders = sorted({a.run_order for a in s.actions})
        assert orders == list(range(1, len(orders) + 1))
    # Pre steps at the start of the first stage, under the original name; the smoke test last.
    assert [a.name for a in split[0].actions[:2]] == ["Approve-0", "Approve-1"]
    assert split[-1].actions[-1].name == "SmokeTest-0"
    assert split[-1].actions[-1].run_order == max(a.run_order for a in split[-1].actions)


def test_cuts_fall_between_run_orders_when_whole_ones_fit():
    # Greedy filling would cut the second group of 3 (3 + 1 of 3 in the first stage); whole groups
    # keep the depth at 4 deployment steps.
    stage = environment([1, 3, 3, 1], post=0)
    split = split_stage("dev", stage, 4)
    assert [[a.name for a in s.actions] for s in split] == [
        ["stack-0-0.Deploy", "stack-1-0.Deploy", "stack-1-1.Deploy", "stack-1-2.Deploy"],
        ["stack-2-0.Deploy", "stack-2-1.Deploy", "stack-2-2.Deploy", "stack-3-0.Deploy"],
    ]
    assert origins(split)[0].sequential_depth == 4


def test_a_run_order_larger_than_the_limit_is_cut_into_as_few_parts_as_possible():
    # 1 + 7 + 1 deployments, limit 3: the 7 independent stacks need three stages whatever happens,
    # so the depth can be 3 + 2 = 5 but no more.
    stage = environment([1, 7, 1], post=0)
    split = split_stage("dev", stage, 3)
    assert_order_kept(stage, split)
    assert origins(split)[0].sequential_depth == 5
    assert all(len(s.actions) <= 3 for s in split)


def test_the_pre_steps_are_never_cut_apart():
    # The broadening check (RunOrder 1) approves the Confirm action (RunOrder 2) of its own stage by
    # stage name: they must stay in the first stage together.
    stage = [
        PlacedAction("Approve-prod", 1, "Approval"),
        PlacedAction("ConfirmPermissionsBroadening.Check", 1, "Build"),
        PlacedAction("ConfirmPermissionsBroadening.Confirm", 2, "Approval"),
        *[PlacedAction(f"s{i}.Deploy", 3, "Deploy") for i in range(4)],
        PlacedAction("SmokeTest-prod", 4, "Build"),
    ]
    for limit in (3, 4, 5):
        first = split_stage("prod", stage, limit)[0]
        assert first.name == "prod"
        assert {a.name for a in first.actions} >= {a.name for a in stage[:3]}
    with pytest.raises(ValueError, match="pre-deployment actions do not fit"):
        split_stage("prod", stage, 2)


def test_a_split_name_that_exists_is_refused():
    stages = [StageLayout("dev", "dev", tuple(environment([5]))), StageLayout("dev-2", "dev-2", ())]
    with pytest.raises(ValueError, match="dev-2"):
        split_layout(stages, 3)


def test_apply_layout_writes_cloudformation_casing_and_every_action_once():
    rendered = [
        {
            "name": "dev",
            "actions": [
                {
                    "name": f"s{i}.Deploy",
                    "runOrder": i + 1,
                    "actionTypeId": {
                        "category": "Deploy",
                        "owner": "AWS",
                        "provider": "CloudFormation",
                        "version": "1",
                    },
                    "configuration": {"StackName": f"s{i}"},
                    "inputArtifacts": [{"name": "Synth_Output"}],
                    "namespace": f"ns{i}",
                    "roleArn": {"Fn::GetAtt": ["Role", "Arn"]},
                }
                for i in range(3)
            ],
        }
    ]
    layout = split_layout(
        [StageLayout("dev", "dev", tuple(PlacedAction(f"s{i}.Deploy", i + 1, "Deploy") for i in range(3)))], 2
    )
    stages = apply_layout(rendered, layout)
    assert [s["Name"] for s in stages] == ["dev", "dev-2"]
    assert stages[1]["Actions"] == [
        {
            "Name": "s2.Deploy",
            "RunOrder": 1,
            "ActionTypeId": {"Category": "Deploy", "Owner": "AWS", "Provider": "CloudFormation", "Version": "1"},
            "Configuration": {"StackName": "s2"},
            "InputArtifacts": [{"Name": "Synth_Output"}],
            "Namespace": "ns2",
            "RoleArn": {"Fn::GetAtt": ["Role", "Arn"]},
        }
    ]
    rendered[0]["actions"][0]["somethingNew"] = True
    with pytest.raises(ValueError, match="somethingNew"):
        apply_layout(rendered, layout)


# --- CDK Pipelines' own chunks, cut again at dependency levels -----------------------------------


def cdk_chunks(name: str, levels: list[int], pre: int = 3, post: int = 1) -> tuple[list[dict], dict[str, int]]:
    """An environment rendered as CDK Pipelines renders one over 50 actions: its tranches (the pre
    steps, one per dependency level, the post steps) cut every 50 actions by aws-cdk-lib's
    ``chunkTranches`` (a tranche that does not fit is split, its rest opens the next chunk), named
    ``<name>.1``, ``<name>.2``, each chunk's RunOrders from 1. Also gives each stack's level."""

    def action(action_name: str, category: str, stack: str | None = None) -> dict:
        rendered = {
            "name": action_name,
            "actionTypeId": {"category": category, "owner": "AWS", "provider": "X", "version": "1"},
        }
        if stack:
            rendered["configuration"] = {"StackName": stack}
        return rendered

    stack_level = {f"{name}-s{lv}-{i}": lv for lv, size in enumerate(levels, start=1) for i in range(size)}
    # Pre steps: an approval and the broadening check (RunOrder 1), its confirmation (2).
    head = [[action("Approve", "Approval"), action("Check", "Build")], [action("Confirm", "Approval")]][
        : max(1, pre - 1)
    ]
    tranches = [*head]
    tranches += [
        [action(f"{s}.Deploy", "Deploy", s) for s, lv in stack_level.items() if lv == level]
        for level in range(1, len(levels) + 1)
    ]
    tranches += [[action(f"Smoke-{i}", "Build") for i in range(post)]]
    chunks: list[list[list[dict]]] = []
    pending = [list(t) for t in tranches]
    while pending:
        chunk, count = [], 0
        while pending:
            room = 50 - count
            if len(pending[0]) <= room:
                chunk.append(pending.pop(0))
                count += len(chunk[-1])
            else:
                chunk.append(pending[0][:room])
                pending[0] = pending[0][room:]
                break
        chunks.append(chunk)
    stages = []
    for index, chunk in enumerate(chunks, start=1):
        actions_, order = [], 1
        for tranche in chunk:
            actions_ += [{**a, "runOrder": order} for a in tranche]
            order += 1 if tranche else 0
        stages.append({"name": f"{name}.{index}" if len(chunks) > 1 else name, "actions": actions_})
    return stages, stack_level


def test_dependency_levels_are_the_longest_chain_below_each_node():
    assert dependency_levels({"f": [], "d": ["f"], "p": ["d"], "c": ["d", "f"], "g": ["p", "c"], "x": ["assets"]}) == {
        "f": 1,
        "d": 2,
        "p": 3,
        "c": 3,
        "g": 4,
        "x": 1,
    }
    with pytest.raises(ValueError, match="cycle"):
        dependency_levels({"a": ["b"], "b": ["a"]})


@pytest.mark.parametrize(
    "levels", [[1, 1, 46, 1, 9, 5], [1, 1, 40, 39, 9, 5], [1, 1, 60, 30, 9, 5], [1, 1, 20, 20, 20, 20]]
)
def test_cdk_chunks_are_cut_again_where_whole_levels_fit(levels):
    rendered, stack_level = cdk_chunks("prod", levels)
    cdk_layout = layout_of(rendered)
    assert len(cdk_layout) > 1, "the case must make CDK Pipelines cut"
    cdk_depth = sum(s.deploy_run_orders for s in cdk_layout)
    layout = split_layout(cdk_layout, 50, stack_level)
    names = [s.name for s in layout]
    assert names == [f"prod.{i}" for i in range(1, len(names) + 1)]
    assert all(len(s.actions) <= 50 for s in layout)
    where = {a.name: (i, a.run_order) for i, s in enumerate(layout) for a in s.actions}
    assert sorted(where) == sorted(a["name"] for s in rendered for a in s["actions"]), "every action exactly once"
    # Dependencies: a deeper stack starts after every shallower one has finished.
    for a, la in stack_level.items():
        for b, lb in stack_level.items():
            if la < lb:
                assert where[f"{a}.Deploy"] < where[f"{b}.Deploy"]
    assert {a.name for a in layout[0].actions} >= {"Approve", "Check", "Confirm"}
    assert where["Smoke-0"][0] == len(layout) - 1
    depth = sum(s.deploy_run_orders for s in layout)
    # A level over 50 must be cut (one step more); otherwise every level is one step.
    assert depth == len(levels) + sum(1 for n in levels if n > 50 - 3)
    assert depth <= cdk_depth
    # apply_layout finds every action in the chunk it came from.
    stages = apply_layout(rendered, layout)
    assert [len(s["Actions"]) for s in stages] == [len(s.actions) for s in layout]


def test_the_cdk_split_of_level_three_costs_a_step_that_the_merge_gives_back():
    rendered, stack_level = cdk_chunks("dev", [1, 1, 40, 39, 9, 5])
    assert sum(s.deploy_run_orders for s in layout_of(rendered)) == 7
    assert sum(s.deploy_run_orders for s in split_layout(layout_of(rendered), 50, stack_level)) == 6


def test_chunks_are_left_as_cdk_cut_them_without_every_level():
    rendered, stack_level = cdk_chunks("dev", [1, 1, 40, 39, 9, 5])
    layout = layout_of(rendered)
    assert merge_chunks(layout, {}) == layout
    missing = dict(stack_level)
    missing.pop(next(iter(missing)))
    assert merge_chunks(layout, missing) == layout
    assert [s.name for s in split_layout(layout, 50)] == ["dev.1", "dev.2"]


def test_the_example_stacks_have_their_dependency_levels(example_app):
    levels = stack_levels(_pipeline_stack(example_app).stages)
    for env in ("dev", "staging", "prod"):
        assert levels[f"acme-{env}-foundation"] == 1 and levels[f"acme-{env}-domain"] == 2
    by_name = {s.stack_name: s for s in example_app.assembly.stacks_recursively}
    for name, level in levels.items():
        deps = [
            d for d in by_name[name].dependencies if d.id in {s.id for s in example_app.assembly.stacks_recursively}
        ]
        assert level == 1 + max((levels[by_name_of(example_app, d.id)] for d in deps), default=0), name


def by_name_of(app: SynthesizedApp, artifact_id: str) -> str:
    return next(s.stack_name for s in app.assembly.stacks_recursively if s.id == artifact_id)


def _small_pipeline(stack: cdk.Stack) -> codepipeline.Pipeline:
    bucket = s3.Bucket(stack, "Source")
    source = codepipeline.Artifact("Src")
    return codepipeline.Pipeline(
        stack,
        "Pipeline",
        pipeline_type=codepipeline.PipelineType.V2,
        stages=[
            codepipeline.StageProps(
                stage_name="Source",
                actions=[actions.S3SourceAction(action_name="S3", bucket=bucket, bucket_key="k", output=source)],
            ),
            codepipeline.StageProps(
                stage_name="dev",
                actions=[actions.ManualApprovalAction(action_name=f"A{i}", run_order=i + 1) for i in range(5)],
            ),
        ],
    )


def test_the_pipeline_is_split_and_a_later_change_fails_the_synth():
    app = cdk.App()
    stack = cdk.Stack(app, "Small", env=cdk.Environment(account="111111111111", region="eu-west-1"))
    pipeline = _small_pipeline(stack)
    layout = split_pipeline_stages(pipeline, 2)
    assert [s.name for s in layout] == ["Source", "dev", "dev-2", "dev-3"]
    (resource,) = cdk.assertions.Template.from_stack(stack).find_resources("AWS::CodePipeline::Pipeline").values()
    assert [[(a["Name"], a["RunOrder"]) for a in s["Actions"]] for s in resource["Properties"]["Stages"][1:]] == [
        [("A0", 1), ("A1", 2)],
        [("A2", 1), ("A3", 2)],
        [("A4", 1)],
    ]
    late = cdk.App()
    stack = cdk.Stack(late, "Small", env=cdk.Environment(account="111111111111", region="eu-west-1"))
    pipeline = _small_pipeline(stack)
    split_pipeline_stages(pipeline, 2)
    pipeline.add_stage(stage_name="Late", actions=[actions.ManualApprovalAction(action_name="Late")])
    with pytest.raises(Exception, match="changed after they were split"):
        late.synth()


def test_a_pipeline_within_the_limit_is_not_overridden():
    def template(split: bool) -> dict:
        app = cdk.App()
        stack = cdk.Stack(app, "Small", env=cdk.Environment(account="111111111111", region="eu-west-1"))
        pipeline = _small_pipeline(stack)
        if split:
            assert len(split_pipeline_stages(pipeline, CODEPIPELINE_MAX_ACTIONS_PER_STAGE)) == 2
        return cdk.assertions.Template.from_stack(stack).to_json()

    assert template(split=True) == template(split=False)


# --- The example pipeline, split at a forced small limit -------------------------------------------

LIMIT = 6


@pytest.fixture(scope="module")
def split_app(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedApp:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pipeline_stack, "MAX_ACTIONS_PER_STAGE", LIMIT)
        return synth_app(ROOT / "environments", tmp_path_factory.mktemp("split"))


def _pipeline(app: SynthesizedApp) -> dict:
    (resource,) = [
        r
        for r in app.templates()["acme-mesh-pipeline"]["Resources"].values()
        if r["Type"] == "AWS::CodePipeline::Pipeline"
    ]
    return resource["Properties"]


def _pipeline_stack(app: SynthesizedApp) -> pipeline_stack.PipelineStack:
    return next(c for c in app.app.node.find_all() if isinstance(c, pipeline_stack.PipelineStack))


def _env_stages(stages: list[dict], env: str) -> list[dict]:
    return [s for s in stages if s["Name"] == env or re.fullmatch(rf"{re.escape(env)}-\d+", s["Name"])]


def test_the_split_example_deploys_each_environment_over_consecutive_stages(split_app):
    stages = _pipeline(split_app)["Stages"]
    names = [s["Name"] for s in stages]
    assert names[:4] == ["Source", "Build", "UpdatePipeline", "Assets"]
    for env in ("dev", "staging", "prod"):
        mine = [s["Name"] for s in _env_stages(stages, env)]
        assert mine[0] == env and len(mine) > 1
        assert mine == [env] + [f"{env}-{i}" for i in range(2, len(mine) + 1)]
        first = names.index(env)
        assert names[first : first + len(mine)] == mine, "an environment's stages are consecutive"
    last = {env: _env_stages(stages, env)[-1]["Name"] for env in ("dev", "staging")}
    assert names.index(last["dev"]) < names.index("staging") and names.index(last["staging"]) < names.index("prod")
    assert all(len(s["Actions"]) <= LIMIT for s in stages)


def test_the_split_keeps_every_action_unchanged_but_its_run_order(split_app, example_app):
    """The stages are rewritten from CDK's rendering: each action must come out as CDK writes it."""
    before = {a["Name"]: a for s in _pipeline(example_app)["Stages"] for a in s["Actions"]}
    after = {a["Name"]: a for s in _pipeline(split_app)["Stages"] for a in s["Actions"]}
    assert sorted(before) == sorted(after)
    strip = lambda a: {k: v for k, v in a.items() if k != "RunOrder"}  # noqa: E731
    for name, action in after.items():
        assert strip(action) == strip(before[name]), name
    unsplit = {s["Name"]: s for s in _pipeline(example_app)["Stages"]}
    for stage in _pipeline(split_app)["Stages"][:4]:
        assert stage == unsplit[stage["Name"]]


def test_the_split_keeps_the_dependency_order_and_the_depth(split_app, example_app):
    before = {s["Name"]: s for s in _pipeline(example_app)["Stages"]}
    after = _pipeline(split_app)["Stages"]
    layout = {o.origin: o for o in _pipeline_stack(split_app).origin_layout()}
    for env in ("dev", "staging", "prod"):
        original = {a["Name"]: a["RunOrder"] for a in before[env]["Actions"]}
        where = {a["Name"]: (i, a["RunOrder"]) for i, s in enumerate(_env_stages(after, env)) for a in s["Actions"]}
        for a, order_a in original.items():
            for b, order_b in original.items():
                if order_a < order_b:
                    assert where[a] < where[b], f"{env}: {a} before {b}"
        deploy_orders = {a["RunOrder"] for a in before[env]["Actions"] if a["ActionTypeId"]["Category"] == "Deploy"}
        assert layout[env].sequential_depth == len(deploy_orders), "no RunOrder of the example needs cutting"
        assert layout[env].stages == tuple(s["Name"] for s in _env_stages(after, env))


def test_approvals_open_the_first_stage_and_the_smoke_test_closes_the_last(split_app):
    stages = _pipeline(split_app)["Stages"]
    for env in ("dev", "staging", "prod"):
        mine = _env_stages(stages, env)
        approvals = [a for s in mine for a in s["Actions"] if a["ActionTypeId"]["Category"] == "Approval"]
        if env != "dev":
            first = mine[0]["Actions"]
            first_deploy = min(a["RunOrder"] for a in first if a["ActionTypeId"]["Category"] == "Deploy")
            assert approvals and all(a in first and a["RunOrder"] < first_deploy for a in approvals)
        (smoke,) = [a for s in mine for a in s["Actions"] if a["Name"] == f"SmokeTest-{env}"]
        assert smoke in mine[-1]["Actions"]
        assert smoke["RunOrder"] == max(a["RunOrder"] for a in mine[-1]["Actions"])


def _action(stages: list[dict], stage: str, action: str) -> dict | None:
    found = [a for s in stages if s["Name"] == stage for a in s["Actions"] if a["Name"] == action]
    return found[0] if found else None


def test_approver_roles_and_the_auto_approver_name_real_approval_actions(split_app):
    template = split_app.templates()["acme-mesh-pipeline"]
    stages = _pipeline(split_app)["Stages"]
    granted = [
        resource
        for r in template["Resources"].values()
        if r["Type"] == "AWS::IAM::Policy"
        for statement in r["Properties"]["PolicyDocument"]["Statement"]
        if "codepipeline:PutApprovalResult" in json.dumps(statement["Action"])
        for resource in (statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]])
    ]
    name = _pipeline(split_app)["Name"]
    targets = [re.fullmatch(rf"arn:aws:codepipeline:[^:]+:\d{{12}}:{name}/([^/]+)/(.+)", r).groups() for r in granted]
    assert ("staging", "Approve-staging") in targets and ("prod", "Approve-prod") in targets
    assert ("prod", "ConfirmPermissionsBroadening.Confirm") in targets
    for stage, action in targets:
        found = _action(stages, stage, action)
        assert found is not None and found["ActionTypeId"]["Category"] == "Approval", (stage, action)
    assert _pipeline_stack(split_app).approval_action("prod") == ("prod", "Approve-prod")


def test_the_broadening_check_approves_an_action_of_its_own_stage(split_app):
    stages = _pipeline(split_app)["Stages"]
    # prod's, and the organisation stage's (checked whenever an environment is).
    checks = [a for s in stages for a in s["Actions"] if a["Name"].endswith("ConfirmPermissionsBroadening.Check")]
    assert len(checks) == 2
    for check in checks:
        # CDK writes the variables as a JSON list inside an Fn::Join (the topic ARN is a Ref).
        joined = check["Configuration"]["EnvironmentVariables"]["Fn::Join"][1]
        text = "".join(p if isinstance(p, str) else "ref" for p in joined)
        variables = {v["name"]: v["value"] for v in json.loads(text)}
        stage, action = variables["STAGE_NAME"], variables["ACTION_NAME"]
        confirm = _action(stages, stage, action)
        assert confirm is not None and confirm["ActionTypeId"]["Category"] == "Approval"
        assert check in next(s for s in stages if s["Name"] == stage)["Actions"]


def test_the_smoke_test_reads_a_namespace_of_an_earlier_action(split_app):
    stages = _pipeline(split_app)["Stages"]
    where = {a.get("Namespace"): (i, a["RunOrder"]) for i, s in enumerate(stages) for a in s["Actions"]}
    for i, stage in enumerate(stages):
        for action in stage["Actions"]:
            for namespace in re.findall(r"#\{([^.}]+)\.", json.dumps(action.get("Configuration", {}))):
                assert namespace in where, namespace
                assert where[namespace] < (i, action["RunOrder"]), f"{action['Name']} reads {namespace} before it runs"


def test_the_split_pipeline_passes_cfn_lint(split_app):
    pipeline = [t for t in split_app.template_files() if t.parent == split_app.outdir]
    result = cfn_lint(pipeline, PIPELINE_IGNORED_RULES)
    assert result.returncode == 0, result.stdout


def test_the_example_at_the_real_limit_is_not_split(example_app):
    layout = _pipeline_stack(example_app).origin_layout()
    assert all(len(o.stages) == 1 for o in layout)
    names = [s["Name"] for s in _pipeline(example_app)["Stages"]]
    assert not [n for n in names if re.search(r"-\d+$", n)]
    assert pipeline_stack.MAX_ACTIONS_PER_STAGE == CODEPIPELINE_MAX_ACTIONS_PER_STAGE == 50
