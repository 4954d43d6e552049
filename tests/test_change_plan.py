"""The change plan on real synthesized templates of the example, before and after config edits."""

from __future__ import annotations

import copy
import json
import os
import shutil
from pathlib import Path

import pytest

from mesh_config.change_safety import AllowedChange, AllowedKind
from mesh_plan.__main__ import main
from mesh_plan.assembly import StackTemplate, read_assembly
from mesh_plan.changes import Action, Change, plan
from mesh_plan.rules import violations
from tests.config_edits import edit_text, edit_yaml
from tests.synth import ROOT, synth_app


def stage_stacks(outdir: Path) -> dict[str, StackTemplate]:
    return {n: s for n, s in read_assembly(outdir).items() if n != "acme-mesh-pipeline"}


@pytest.fixture(scope="module")
def example_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled example's stages, synthesized once into a cloud assembly folder."""
    out = tmp_path_factory.mktemp("before")
    synth_app(ROOT / "environments", out, direct="true")
    return out


@pytest.fixture(scope="module")
def baseline(example_out: Path) -> dict[str, StackTemplate]:
    return stage_stacks(example_out)


@pytest.fixture(scope="module")
def edited(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, StackTemplate], Path]:
    """One synthesis with several kinds of edits (each test looks at its own)."""
    env_dir = tmp_path_factory.mktemp("edited") / "environments"
    shutil.copytree(ROOT / "environments", env_dir)
    mesh = env_dir / "mesh.yaml"
    # Updated in place: a description. Replaced: a project's profile (ProjectProfileId is create-only).
    edit_text(mesh, "description: General ledger and P&L reporting", "description: Ledger, P&L and cash reporting")
    edit_text(
        mesh,
        "    use_case: analytics\n    profile: sql-analytics\n",
        "    use_case: analytics\n    profile: all-capabilities\n",
    )

    def more(m: dict) -> None:
        # Added: a project. Deleted: a table (dev destroys it; staging and prod retain it).
        m["projects"].append(
            {"domain_unit": "ops", "use_case": "planning", "profile": "sql-analytics", "owners": ["data-engineers"]}
        )
        ops = next(c for c in m["catalogs"] if c["business_unit"] == "ops")
        ops["tables"] = [t for t in ops["tables"] if t["dataset"] != "supply_shipments"]

    edit_yaml(mesh, more)
    out = tmp_path_factory.mktemp("after")
    synth_app(env_dir, out, direct="true")
    return stage_stacks(out), env_dir


def find(changes: list[Change], stack: str, prefix: str, kind: str = "AWS::DataZone::Project") -> Change:
    (change,) = [c for c in changes if c.stack == stack and c.logical_id.startswith(prefix) and c.resource_type == kind]
    return change


def test_no_edit_no_change(baseline):
    assert plan(baseline, baseline) == []


def test_each_class_of_change(baseline, edited):
    after, _ = edited
    changes = plan(baseline, after)
    added = find(changes, "acme-dev-projects-1", "opsplanning")
    assert added.action is Action.ADDED and added.resource_type == "AWS::DataZone::Project"
    updated = find(changes, "acme-dev-projects-1", "financereporting")
    assert updated.action is Action.UPDATED
    replaced = find(changes, "acme-dev-projects-1", "salesanalytics")
    assert replaced.action is Action.REPLACED and replaced.reasons == ("ProjectProfileId",)
    destroyed = find(changes, "acme-dev-products-1", "Tableopssupplyshipments", "AWS::Glue::Table")
    assert destroyed.action is Action.DELETED
    retained = find(changes, "acme-prod-products-1", "Tableopssupplyshipments", "AWS::Glue::Table")
    assert retained.action is Action.ORPHANED


def test_stateful_replacements_and_destroying_deletes_are_refused(baseline, edited):
    after, _ = edited
    problems = violations(plan(baseline, after), [])
    refused = {(v.change.stack, v.change.logical_id[:-8], v.change.action) for v in problems}
    assert ("acme-dev-projects-1", "salesanalytics", Action.REPLACED) in refused
    assert ("acme-dev-products-1", "Tableopssupplyshipmentstable", Action.DELETED) in refused
    # Retained (prod, staging) is shown, not refused: nothing is lost.
    assert not any(v.change.action is Action.ORPHANED for v in problems)
    message = next(v for v in problems if v.change.stack == "acme-dev-projects-1")
    assert "ProjectProfileId" in message.message and "allow_changes" in message.fix


def test_an_allowed_change_with_its_reason_passes(baseline, edited):
    after, _ = edited
    changes = plan(baseline, after)
    problems = violations(changes, [])
    allowed = [
        AllowedChange(
            stack=v.change.stack,
            resource=v.change.logical_id,
            change=AllowedKind.DELETE if v.change.action is Action.DELETED else AllowedKind.REPLACE,
            reason="Sales analytics moves to the full profile; its notebooks are in git",
        )
        for v in problems
    ]
    assert violations(changes, allowed) == []
    wrong_kind = [
        a.model_copy(update={"change": AllowedKind.DELETE}) for a in allowed if a.change is AllowedKind.REPLACE
    ]
    assert violations(changes, wrong_kind)


def test_a_logical_id_move_is_a_replacement(baseline, tmp_path):
    env_dir = tmp_path / "environments"
    shutil.copytree(ROOT / "environments", env_dir)
    # Two projects stacks: about half the projects move to projects-2 (a new stack, same names).
    edit_yaml(env_dir / "mesh.yaml", lambda m: m.update(layout={"project_stacks": 2}))
    synth_app(env_dir, tmp_path / "out", direct="true")
    changes = plan(baseline, stage_stacks(tmp_path / "out"))
    moved = [c for c in changes if c.stack == "acme-dev-projects-1" and c.resource_type == "AWS::DataZone::Project"]
    moved = [c for c in moved if c.action is not Action.UPDATED]
    assert moved and all(c.action is Action.REPLACED for c in moved)
    assert all(c.reasons[0].startswith("logical id moved to acme-dev-projects-2/") for c in moved)
    assert violations(changes, [])


def test_a_domain_replacement_is_refused_even_when_allowed(baseline):
    target = copy.deepcopy({n: s for n, s in baseline.items() if n == "acme-dev-domain"})
    stack = target["acme-dev-domain"]
    resources = stack.template["Resources"]
    domain_id = next(k for k, r in resources.items() if r["Type"] == "AWS::DataZone::Domain")
    resources[domain_id]["Properties"]["KmsKeyIdentifier"] = "arn:aws:kms:eu-west-1:123456789012:key/other"
    changes = plan({"acme-dev-domain": baseline["acme-dev-domain"]}, target)
    (change,) = [c for c in changes if c.logical_id == domain_id]
    assert change.action is Action.REPLACED and change.reasons == ("KmsKeyIdentifier",)
    allowed = [AllowedChange(stack="acme-dev-domain", resource=domain_id, change=AllowedKind.REPLACE, reason="x" * 30)]
    (problem,) = violations(changes, allowed)
    assert "never replaced by the pipeline" in problem.message and "Replacing a domain" in problem.fix


def test_cli_against_an_assembly_baseline_writes_table_and_json(baseline, edited, tmp_path, capsys, monkeypatch):
    _, env_dir = edited
    # The CLI reads assemblies: synthesize both sides into folders it can read.
    before_dir = tmp_path / "before"
    after_dir = tmp_path / "after"
    synth_app(ROOT / "environments", before_dir, direct="true")
    synth_app(env_dir, after_dir, direct="true")
    out = tmp_path / "plan.json"
    code = main(
        ["--mesh-dir", str(env_dir), "--target", str(after_dir), "--baseline", str(before_dir), "--json", str(out)]
    )
    printed = capsys.readouterr().out
    assert code == 1
    assert "Environment dev" in printed and "  acme-dev-projects-1" in printed
    assert "!! replaced" in printed and "REFUSED:" in printed
    assert "orphaned (retained)" in printed
    document = json.loads(out.read_text())
    assert document["refused"] >= 2
    assert any(c["refused"] and c["environment"] == "dev" for c in document["changes"])


def _stubbed_cloudformation():
    import boto3
    from botocore.stub import Stubber

    client = boto3.client("cloudformation", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")
    return client, Stubber(client)


def test_deployed_baseline_reads_each_stack_and_skips_new_ones():
    from mesh_plan.baseline import deployed_baseline

    client, stub = _stubbed_cloudformation()
    target = {
        "acme-dev-domain": StackTemplate("acme-dev-domain", "123456789012", "eu-west-1", {}),
        "acme-dev-new": StackTemplate("acme-dev-new", "123456789012", "eu-west-1", {}),
    }
    body = json.dumps({"Resources": {"A": {"Type": "AWS::S3::Bucket"}}})
    with stub:
        stub.add_response(
            "get_template", {"TemplateBody": body}, {"StackName": "acme-dev-domain", "TemplateStage": "Original"}
        )
        stub.add_client_error("get_template", "ValidationError", "Stack with id acme-dev-new does not exist")
        found = deployed_baseline(target, lambda account, region: client)
        stub.assert_no_pending_responses()
    assert list(found) == ["acme-dev-domain"]
    assert found["acme-dev-domain"].resources == {"A": {"Type": "AWS::S3::Bucket"}}


def test_deployed_baseline_access_denied_is_one_clear_error():
    from mesh_plan.baseline import BaselineError, deployed_baseline

    client, stub = _stubbed_cloudformation()
    target = {"acme-dev-domain": StackTemplate("acme-dev-domain", "123456789012", "eu-west-1", {})}
    with stub:
        stub.add_client_error("get_template", "AccessDenied", "not authorized to perform cloudformation:GetTemplate")
        with pytest.raises(BaselineError, match="GetTemplate acme-dev-domain in 123456789012: not authorized"):
            deployed_baseline(target, lambda account, region: client)


def test_cli_with_the_deployed_baseline_compares_with_what_runs(tmp_path, capsys):
    """The pipeline's step: a real client per account (Stubber), one stack deployed as it was."""
    from botocore.stub import Stubber

    out = tmp_path / "cdk.out"
    synth_app(ROOT / "environments", out, direct="true")
    stacks = stage_stacks(out)
    client, _ = _stubbed_cloudformation()
    deployed = copy.deepcopy(stacks["acme-dev-domain"].template)
    deployed["Resources"]["Extra"] = {"Type": "AWS::S3::Bucket", "Properties": {}}  # removed since
    with Stubber(client) as stub:
        for name in sorted(stacks):
            if name == "acme-dev-domain":
                stub.add_response("get_template", {"TemplateBody": json.dumps(deployed)})
            else:
                stub.add_client_error("get_template", "ValidationError", f"Stack with id {name} does not exist")
        code = main(
            ["--target", str(out), "--baseline", "deployed", "--json", str(tmp_path / "p.json")],
            client_factory=lambda account, region: client,
        )
    printed = capsys.readouterr().out
    assert code == 1  # the bucket would be destroyed: dev has no deletion protection
    assert "AWS::S3::Bucket" in printed and "Extra" in printed


def test_config_error_is_rendered_not_raised(tmp_path, capsys):
    bad = tmp_path / "environments"
    bad.mkdir()
    (bad / "mesh.yaml").write_text("org: acme\n")
    assert main(["--mesh-dir", str(bad), "--baseline", "deployed"]) == 2
    assert "problem" in capsys.readouterr().err


def test_unknown_revision_is_one_clear_error(capsys):
    assert main(["--baseline", "git:no-such-revision"]) == 2
    assert "change plan: git rev-parse" in capsys.readouterr().err


def test_stale_allow_entries_are_reported(baseline, edited):
    from mesh_plan.rules import unused

    after, _ = edited
    stale = AllowedChange(stack="acme-dev-domain", resource="Gone12345678", change=AllowedKind.DELETE, reason="x" * 30)
    assert unused(plan(baseline, after), [stale]) == [stale]


def test_git_baseline_synthesizes_a_revision_in_a_temporary_worktree(baseline):
    from mesh_plan.baseline import git_baseline

    stacks = git_baseline("HEAD", "environments")
    assert set(stacks) == set(baseline)
    assert stacks["acme-dev-domain"].account == "123456789012"


# --- What the report says first, and the names it gives --------------------------------------


def test_the_report_starts_with_the_folder_the_baseline_and_the_target(example_out, tmp_path, capsys):
    mesh = str(ROOT / "environments")
    out = tmp_path / "plan.json"
    code = main(["--mesh-dir", mesh, "--target", str(example_out), "--baseline", str(example_out), "--json", str(out)])
    assert code == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[:3] == [
        f"Mesh folder: {mesh} (--mesh-dir)",
        f"Baseline:    the cloud assembly {example_out}",
        f"Target:      the cloud assembly {example_out}",
    ]
    assert lines[-1] == "No changes."
    compared = json.loads(out.read_text())["compared"]
    assert compared["mesh_folder"] == f"{mesh} (--mesh-dir)" and compared["notes"] == []


def test_a_new_mesh_folder_is_said_to_be_new_against_the_git_baseline(example_out, tmp_path, capsys):
    """The user's own folder, in no revision yet: the header says so instead of only 'N added'."""
    from mesh_plan.baseline import choose_revision

    folder = ROOT / f"test-new-mesh-{os.getpid()}"
    shutil.copytree(ROOT / "environments", folder)
    try:
        code = main(["--mesh-dir", str(folder), "--target", str(example_out), "--json", str(tmp_path / "p.json")])
    finally:
        shutil.rmtree(folder)
    printed = capsys.readouterr().out
    commit, how = choose_revision("")
    assert code == 0  # adding is never refused
    assert f"Baseline:    git {commit[:10]}, {how}" in printed
    assert (
        f"NOTE: revision {commit[:10]} has no mesh folder {folder} (a new mesh): every resource below is new" in printed
    )
    assert "Target:      the cloud assembly" in printed
    assert " added" in printed and "deleted" not in printed


def test_the_git_baseline_says_how_its_revision_was_chosen():
    import subprocess

    from mesh_plan.baseline import choose_revision

    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    assert choose_revision("HEAD") == (head, "given with --baseline git:HEAD")
    _, how = choose_revision("")
    assert how.startswith(("merge base of HEAD and ", "HEAD (no main branch"))


def test_resources_are_named_by_their_mesh_names(baseline, edited):
    from mesh_plan.report import render

    after, _ = edited
    changes = plan(baseline, after)
    assert find(changes, "acme-dev-projects-1", "opsplanning").name == "ops-planning-dev-project"
    table = find(changes, "acme-dev-products-1", "Tableopssupplyshipments", "AWS::Glue::Table")
    assert table.name == "ops_dev_catalog.ops_supply_shipments_table"  # named from the baseline: it is deleted
    replaced = find(changes, "acme-dev-projects-1", "salesanalytics")
    report = render(changes, {c.stack: "dev" for c in changes}, violations(changes, []))
    assert f"sales-analytics-dev-project  [{replaced.logical_id}]  (ProjectProfileId)" in report
    (refusal,) = [v for v in violations(changes, []) if v.change == replaced]
    assert refusal.message.startswith(
        f"AWS::DataZone::Project sales-analytics-dev-project (acme-dev-projects-1/{replaced.logical_id}) would be"
    )


def test_resources_without_a_name_are_named_by_their_construct_path(baseline):
    from mesh_plan.names import mesh_name

    def named(stack: str, kind: str) -> set[str]:
        s = baseline[stack]
        return {mesh_name(r, s.path) for r in s.resources.values() if r["Type"] == kind}

    assert "Subscription-sales-analytics-finance_gl_transactions_table" in named(
        "acme-dev-subscriptions", "Custom::DataZoneSubscription"
    )
    assert "finance-domain-unit" in named("acme-dev-domain", "AWS::DataZone::DomainUnit")
    assert "Units/finance/Owner-finance-team-leads" in named("acme-dev-domain", "AWS::DataZone::Owner")


def test_a_folder_outside_the_repository_is_compared_as_it_is_now(example_out, tmp_path, capsys):
    """A mesh kept in a repository of its own: the git baseline is the code's revision on that folder."""
    folder = tmp_path / "own-repo" / "mesh"
    shutil.copytree(ROOT / "environments", folder)
    code = main(["--mesh-dir", str(folder), "--target", str(example_out), "--json", str(tmp_path / "p.json")])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert f"NOTE: the mesh folder {folder} is outside this repository" in printed
    assert "every resource below is new" not in printed


def test_the_git_baseline_worktree_sees_the_build_output(tmp_path):
    """git holds no build/ (the Pillow layer folder that `make install` builds), so a fresh worktree
    of a revision must be shown the working tree's, or its synth fails on the missing asset."""
    from mesh_plan.baseline import link_build_output

    root, tree = tmp_path / "root", tmp_path / "tree"
    (root / "build" / "lambda" / "pillow" / "python").mkdir(parents=True)
    tree.mkdir()
    link_build_output(tree, root)
    assert (tree / "build" / "lambda" / "pillow" / "python").is_dir()
    assert (tree / "build").resolve() == (root / "build").resolve()
    link_build_output(tree, root)  # already there: left as it is
    assert (tree / "build").is_symlink()


def test_no_build_output_links_nothing(tmp_path):
    from mesh_plan.baseline import link_build_output

    (tmp_path / "tree").mkdir()
    link_build_output(tmp_path / "tree", tmp_path / "root")
    assert not (tmp_path / "tree" / "build").exists()
