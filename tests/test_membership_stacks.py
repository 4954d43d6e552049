"""layout.membership_stacks: the projects' group memberships in a pool of members stacks, placed by
the project's key, reading the project ids from the projects stacks, and counted by validation.
(membership_stacks 0 keeps every template as it was: tests/test_snapshots.py proves it.)"""

from __future__ import annotations

import math
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mesh_config import MeshConfig, load_mesh
from mesh_config.layout import Layout
from mesh_config.layout_checks import synth_resources
from mesh_config.mesh import Project
from mesh_config.placement import jump_hash, membership_stack_part
from mesh_plan.changes import Action, plan
from mesh_plan.rules import violations as violations_of
from scripts.smoke_test import expected_for
from tests.config_edits import EXAMPLE, assert_issue, edit_yaml, load_issues
from tests.synth import SynthesizedApp, of_type, synth_app
from tests.test_cfn_lint import cfn_lint
from tests.test_change_plan import stage_stacks
from tests.test_nag import violations

MEMBERSHIP = "AWS::DataZone::ProjectMembership"
# Three projects stacks and two members stacks: a members stack refers to several projects stacks.
LAYOUT = {"project_stacks": 3, "membership_stacks": 2}


def _copy(tmp_path: Path, change: Callable[[Any], None]) -> Path:
    env_dir = tmp_path / "environments"
    shutil.copytree(EXAMPLE, env_dir)
    edit_yaml(env_dir / "mesh.yaml", change)
    return env_dir


def _with_layout(layout: dict[str, int], projects: list[dict] | None = None) -> Callable[[Any], None]:
    def change(mesh: dict) -> None:
        mesh["layout"] = layout
        mesh["projects"] += projects or []

    return change


def _lab_projects(count: int, contributors: list[str]) -> list[dict]:
    """Projects nothing refers to, in the example's ops unit, with the example's groups."""
    return [
        {
            "domain_unit": "ops",
            "use_case": f"lab{i}",
            "profile": "sql-analytics",
            "owners": ["data-engineers"],
            "contributors": contributors,
        }
        for i in range(count)
    ]


def _members_placement(config: MeshConfig) -> dict[str, str]:
    """Project key -> its members stack, in dev."""
    dev = config.environment("dev")
    return {p.key: part for part, projects in config.membership_stacks(dev).items() for p in projects}


# Placement


def test_a_projects_memberships_go_to_the_members_stack_of_its_key() -> None:
    project = Project(domain_unit="ops", use_case="inventory", profile="sql-analytics", owners=["data-engineers"])
    assert membership_stack_part(project, Layout()) is None
    for stacks in (1, 2, 7, 40):
        layout = Layout(membership_stacks=stacks)
        assert membership_stack_part(project, layout) == f"members-{jump_hash('ops-inventory', stacks) + 1}"


def test_without_membership_stacks_there_is_no_members_stack() -> None:
    config = load_mesh(EXAMPLE)
    assert config.membership_stacks(config.environment("dev")) == {}


def test_adding_or_removing_projects_never_moves_another_projects_memberships(tmp_path: Path) -> None:
    env_dir = _copy(tmp_path, _with_layout({"membership_stacks": 4}, _lab_projects(12, [])))
    before = _members_placement(load_mesh(env_dir))
    assert len(set(before.values())) == 4, "the test mesh should use every members stack"

    def add_and_remove(mesh: dict) -> None:
        mesh["projects"] = [p for p in mesh["projects"] if p["use_case"] not in ("lab3", "lab7")]
        mesh["projects"] = _lab_projects(20, [])[12:] + mesh["projects"]  # new ones first

    edit_yaml(env_dir / "mesh.yaml", add_and_remove)
    after = _members_placement(load_mesh(env_dir))
    kept = set(before) & set(after)
    assert kept == set(before) - {"ops-lab3", "ops-lab7"}
    assert {k: before[k] for k in kept} == {k: after[k] for k in kept}
    assert set(after) - set(before) == {f"ops-lab{i}" for i in range(12, 20)}


def test_raising_membership_stacks_moves_memberships_only_into_the_new_stack(tmp_path: Path) -> None:
    env_dir = _copy(tmp_path, _with_layout({"membership_stacks": 3}, _lab_projects(30, [])))
    before = _members_placement(load_mesh(env_dir))
    edit_yaml(env_dir / "mesh.yaml", lambda m: m["layout"].update(membership_stacks=4))
    after = _members_placement(load_mesh(env_dir))
    moved = {k for k in before if before[k] != after[k]}
    assert moved and {after[k] for k in moved} == {"members-4"}


# Templates


@pytest.fixture(scope="module")
def pooled(tmp_path_factory: pytest.TempPathFactory) -> tuple[MeshConfig, SynthesizedApp, SynthesizedApp]:
    """The example laid out with LAYOUT, and without membership stacks, both synthesized (direct mode)."""
    base = tmp_path_factory.mktemp("members")
    env_dir = _copy(base, _with_layout(LAYOUT))
    plain_dir = _copy(base / "plain", _with_layout({"project_stacks": 3}))
    return (
        load_mesh(env_dir),
        synth_app(env_dir, base / "out", direct="true"),
        synth_app(plain_dir, base / "plain-out", direct="true"),
    )


def test_the_projects_stacks_keep_the_projects_and_the_members_stacks_hold_every_membership(pooled) -> None:
    config, app, plain = pooled
    templates, plain_templates = app.templates(), plain.templates()
    dev = config.environment("dev")
    for part in config.project_stacks(dev):
        template = templates[f"acme-dev-{part}"]
        assert not of_type(template, MEMBERSHIP)
        assert of_type(template, "AWS::DataZone::Project") == of_type(
            plain_templates[f"acme-dev-{part}"], "AWS::DataZone::Project"
        )
    members = {
        logical_id: resource
        for part in config.membership_stacks(dev)
        for logical_id, resource in of_type(templates[f"acme-dev-{part}"], MEMBERSHIP).items()
    }
    # The same memberships, with the same logical ids, as in the projects stacks without the pool.
    plain_members = {
        logical_id: resource
        for part in config.project_stacks(dev)
        for logical_id, resource in of_type(plain_templates[f"acme-dev-{part}"], MEMBERSHIP).items()
    }
    count = sum(len(p.owners_in("dev")) + len(p.contributors_in("dev")) for p in config.projects_in(dev))
    assert set(members) == set(plain_members) and len(members) == count > 0
    for logical_id, resource in members.items():
        props, plain_props = resource["Properties"], plain_members[logical_id]["Properties"]
        assert {k: props[k] for k in ("Designation", "Member", "DomainIdentifier")} == {
            k: plain_props[k] for k in ("Designation", "Member", "DomainIdentifier")
        }


def test_a_membership_reads_its_projects_id_from_the_projects_stack(pooled) -> None:
    config, app, _ = pooled
    templates = app.templates()
    dev = config.environment("dev")
    projects_stack = {
        p.key: f"acme-dev-{part}" for part, projects in config.project_stacks(dev).items() for p in projects
    }
    referenced_stacks = set()
    for part, projects in config.membership_stacks(dev).items():
        memberships = of_type(templates[f"acme-dev-{part}"], MEMBERSHIP)
        for project in projects:
            own = {k: r for k, r in memberships.items() if r["Metadata"]["aws:cdk:path"].split("/")[2] == project.key}
            assert len(own) == len(project.owners_in("dev")) + len(project.contributors_in("dev")) > 0
            for resource in own.values():
                ref = resource["Properties"]["ProjectIdentifier"]["Fn::GetStackOutput"]
                assert ref["StackName"] == projects_stack[project.key]
                output = templates[ref["StackName"]]["Outputs"][ref["OutputName"]]
                project_id = next(
                    k for k, r in of_type(templates[ref["StackName"]], "AWS::DataZone::Project").items()
                    if r["Metadata"]["aws:cdk:path"].endswith(f"/{project.key}/Resource")
                )  # fmt: skip
                assert output["Value"] == {"Fn::GetAtt": [project_id, "Id"]}
                referenced_stacks.add(ref["StackName"])
    assert len(referenced_stacks) > 1, "a members stack reads ids from several projects stacks"


def test_several_members_of_one_project_carry_the_e3019_acknowledgement_and_one_alone_none(pooled) -> None:
    config, app, _ = pooled
    dev = config.environment("dev")
    seen = {"acknowledged": 0, "alone": 0}
    for part, projects in config.membership_stacks(dev).items():
        memberships = of_type(app.templates()[f"acme-dev-{part}"], MEMBERSHIP)
        for project in projects:
            own = [r for r in memberships.values() if r["Metadata"]["aws:cdk:path"].split("/")[2] == project.key]
            if len(own) > 1:
                seen["acknowledged"] += 1
                assert all(r["Metadata"]["cfn-lint"] == {"config": {"ignore_checks": ["E3019"]}} for r in own)
            else:
                seen["alone"] += 1
                assert all("cfn-lint" not in r["Metadata"] for r in own)
    assert seen["acknowledged"] and seen["alone"]


def test_members_stacks_deploy_after_the_projects_stacks_they_read_and_the_newest_last(pooled) -> None:
    config, app, _ = pooled
    stacks = {s.stack_name: s for s in app.stacks()}
    dev = config.environment("dev")
    for part in config.membership_stacks(dev):
        stack = stacks[f"acme-dev-{part}"]
        depends_on = {d.stack_name for d in stack.dependencies if hasattr(d, "stack_name")}
        read = {
            r["Properties"]["ProjectIdentifier"]["Fn::GetStackOutput"]["StackName"]
            for r in of_type(stack.template, MEMBERSHIP).values()
        }
        assert read <= depends_on, part
        # A receiving stack of a rebalance follows the givers: memberships carry no allow_changes entry.
        assert ("acme-dev-members-1" in depends_on) is (part == "members-2")


# Validation


def test_the_projects_stacks_count_every_projects_id_as_an_output(tmp_path: Path) -> None:
    """210 projects in one projects stack: they and their memberships fit its resources, and without
    membership stacks its outputs (nothing refers to most of them); with, each id is an output: refused."""
    labs = _lab_projects(204, [])
    assert load_mesh(_copy(tmp_path / "plain", _with_layout({"project_stacks": 1}, labs)))
    env_dir = _copy(tmp_path / "pooled", _with_layout({"project_stacks": 1, "membership_stacks": 2}, labs))
    issues = load_issues(env_dir)
    issue = assert_issue(issues, "mesh.yaml", "layout.project_stacks", "210 outputs (ids other stacks refer to)")
    assert "acme-dev-projects-1" in issue.problem and "CloudFormation allows 200 in a stack" in issue.problem
    assert f"set layout.project_stacks: {math.ceil(210 / (200 * 0.7))} in mesh.yaml" in issue.fix
    assert {i.path for i in issues} == {"layout.project_stacks"}  # one per environment


def test_a_members_stack_over_the_resource_limit_is_refused_with_the_count_to_set(tmp_path: Path) -> None:
    labs = _lab_projects(160, ["finance-analysts", "executives"])
    env_dir = _copy(tmp_path, _with_layout({"project_stacks": 2, "membership_stacks": 1}, labs))
    config = load_mesh(_copy(tmp_path / "valid", _with_layout({"project_stacks": 2, "membership_stacks": 5}, labs)))
    memberships = sum(
        len(p.owners_in("dev")) + len(p.contributors_in("dev")) for p in config.projects_in(config.environment("dev"))
    )
    issues = load_issues(env_dir)
    issue = assert_issue(issues, "mesh.yaml", "layout.membership_stacks", f"about {memberships + 1} resources")
    assert "acme-dev-members-1" in issue.problem and "over this tool's 450" in issue.problem
    assert f"set layout.membership_stacks: {math.ceil((memberships + 1) / (450 * 0.7))} in mesh.yaml" in issue.fix
    assert not [i for i in issues if i.path == "layout.project_stacks"], "the projects stacks hold one each"


def test_the_synth_estimate_counts_the_members_stacks(tmp_path: Path) -> None:
    """The memberships move and the estimate keeps them; it gains each members stack's fixed part."""
    labs = _lab_projects(40, ["finance-analysts"])
    plain = load_mesh(_copy(tmp_path / "plain", _with_layout({"project_stacks": 2}, labs)))
    pooled = load_mesh(_copy(tmp_path / "pooled", _with_layout({"project_stacks": 2, "membership_stacks": 3}, labs)))
    envs = list(pooled.environments)
    members_stacks = sum(len(pooled.membership_stacks(env)) for env in envs)
    assert members_stacks == 3 * len(envs)
    assert synth_resources(pooled.mesh, envs) == synth_resources(plain.mesh, envs) + members_stacks


def test_the_members_and_projects_stacks_pass_cfn_lint_and_the_builtin_validation(pooled) -> None:
    """E3019 would report several memberships of one project in one template without the metadata
    (cfn-lint) and the acknowledgments (CDK's built-in validation, which the synth ran)."""
    _, app, _ = pooled
    assert violations(app.validation_report()) == []
    stacks = [s for s in app.stacks() if "-members-" in s.stack_name or "-projects-" in s.stack_name]
    assert len([s for s in stacks if "-members-" in s.stack_name]) == 2 * 3
    paths = [Path(s.template_full_path) for s in stacks]
    result = cfn_lint(paths)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_smoke_test_checks_the_members_stacks(tmp_path: Path) -> None:
    config = load_mesh(_copy(tmp_path, _with_layout(LAYOUT)))
    stacks = expected_for(config, "staging").stacks
    assert {name: names for name, names in stacks.items() if "-members-" in name} == {
        "acme-staging-members-1": (),
        "acme-staging-members-2": (),
    }
    assert not [name for name in expected_for(load_mesh(EXAMPLE), "staging").stacks if "-members-" in name]


def test_turning_it_on_moves_each_membership_which_the_plan_reports_and_does_not_refuse(pooled) -> None:
    """The plan compares templates: a membership's project reference is a GetAtt in its projects stack
    and a stack output in its members stack, so it lists a deletion there and an addition here."""
    config, app, plain = pooled
    changes = plan(stage_stacks(plain.outdir), stage_stacks(app.outdir))
    # (environment, logical id): the memberships keep their logical ids.
    deleted = {(c.stack.split("-")[1], c.logical_id) for c in changes if c.action is Action.DELETED}
    added = {(c.stack.split("-")[1], c.logical_id) for c in changes if c.action is Action.ADDED}
    assert deleted and deleted == added
    assert all("-projects-" in c.stack if c.action is Action.DELETED else "-members-" in c.stack for c in changes)
    # Nothing else: the projects stay, and the projects stacks only gain outputs.
    assert {(c.resource_type, c.action) for c in changes} == {(MEMBERSHIP, Action.DELETED), (MEMBERSHIP, Action.ADDED)}
    assert len(changes) == 2 * len(deleted)
    assert violations_of(changes, config.mesh.allow_changes) == []
