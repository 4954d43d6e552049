"""The change plan covers the organisation's stacks (<org>-organization, -identity, -trail,
-log-archive) like the environments': real synthesized templates of the example before and after
config edits, compared through the CLI."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

from mesh_config import load_mesh
from mesh_plan import __main__ as cli
from mesh_plan.__main__ import main
from mesh_plan.assembly import read_assembly
from mesh_plan.baseline import BaselineError
from mesh_plan.changes import Action, plan
from mesh_plan.organization import ORGANIZATION, organization_stack_names, with_permission_reasons
from mesh_plan.rules import violations
from tests.config_edits import edit_text, edit_yaml
from tests.synth import ROOT, synth_app

STACKS = ("acme-organization", "acme-identity", "acme-trail", "acme-log-archive")


@pytest.fixture(scope="module")
def before(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("org-before")
    synth_app(ROOT / "environments", out, direct="true")
    return out


def _edited(tmp_path_factory: pytest.TempPathFactory, name: str, edit) -> tuple[Path, Path]:
    """A copy of the example edited by ``edit(folder)``, and its cloud assembly."""
    folder = tmp_path_factory.mktemp(name) / "environments"
    shutil.copytree(ROOT / "environments", folder)
    edit(folder)
    out = tmp_path_factory.mktemp(f"{name}-out")
    synth_app(folder, out, direct="true")
    return folder, out


@pytest.fixture(scope="module")
def grown(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Additions only: an OU below prod's, a permission set, and an inline policy swapped."""

    def edit(folder: Path) -> None:
        mesh = folder / "mesh.yaml"
        edit_text(mesh, "    prod: Mesh/Prod\n", "    prod: Mesh/Prod/Core\n")
        edit_text(mesh, "      inline_policy: data_engineer\n", "      inline_policy: data_analyst\n")

        def more(m: dict) -> None:
            m["identity_center"]["permission_sets"].append(
                {
                    "name": "DataSteward",
                    "inline_policy": "none",
                    "managed_policies": ["ReadOnlyAccess"],
                    "groups": ["finance-team-leads"],
                    "environments": ["prod"],
                }
            )

        edit_yaml(mesh, more)

    return _edited(tmp_path_factory, "org-grown", edit)


@pytest.fixture(scope="module")
def moved(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Create-only changes: the log archive moves account (its bucket's name is create-only) and
    dev's OU is renamed (the old OU is retained, left outside the stack)."""

    def edit(folder: Path) -> None:
        mesh = folder / "mesh.yaml"
        edit_text(mesh, 'log_archive_account: "200000000000"', 'log_archive_account: "210000000000"')
        edit_text(mesh, "    dev: Mesh/NonProd/Dev\n", "    dev: Mesh/NonProd/Development\n")

    return _edited(tmp_path_factory, "org-moved", edit)


@pytest.fixture(scope="module")
def without(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The organization section removed (with the permission sets only it deploys, and the
    principals naming them replaced by their role ARNs)."""

    def edit(folder: Path) -> None:
        def drop(m: dict) -> None:
            m.pop("organization")
            m["identity_center"].pop("permission_sets")

        edit_yaml(folder / "mesh.yaml", drop)
        role = r"- arn:aws:iam::444444444444:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_\1_*"
        for env in ("dev", "staging", "prod"):
            path = folder / f"{env}.yaml"
            path.write_text(re.sub(r"- permission_set: (\w+).*", role, path.read_text()))

    return _edited(tmp_path_factory, "org-without", edit)


def _run(folder: Path, target: Path, baseline: Path, tmp_path: Path, capsys) -> tuple[int, str, dict]:
    out = tmp_path / "plan.json"
    code = main(["--mesh-dir", str(folder), "--target", str(target), "--baseline", str(baseline), "--json", str(out)])
    return code, capsys.readouterr().out, json.loads(out.read_text())


def _refused(document: dict) -> dict[tuple[str, str], dict]:
    return {(c["stack"], c["logical_id"]): c for c in document["changes"] if c["refused"]}


def test_the_plan_lists_the_organisation_stacks_first(before, tmp_path, capsys):
    code, printed, _ = _run(ROOT / "environments", before, before, tmp_path, capsys)
    assert code == 0 and printed.endswith("No changes.\n")
    stacks = read_assembly(before)
    assert set(STACKS) <= set(stacks)
    config = load_mesh(ROOT / "environments")
    envs = cli.environments_of(config, stacks)
    assert {envs[name] for name in STACKS} == {ORGANIZATION}
    assert envs["acme-dev-domain"] == "dev"


def test_adding_an_ou_and_a_permission_set_is_silent(before, grown, tmp_path, capsys):
    folder, after = grown
    code, printed, document = _run(folder, after, before, tmp_path, capsys)
    assert code == 0, printed
    assert document["refused"] == 0
    changes = {(c["stack"], c["logical_id"]): c for c in document["changes"]}
    ou = changes[("acme-organization", "OUMeshProdCore")]
    assert ou["action"] == "added" and ou["name"] == "Core" and ou["environment"] == ORGANIZATION
    steward = changes[("acme-identity", "DataSteward")]
    assert steward["action"] == "added" and steward["name"] == "DataSteward" and steward["stateful"]
    # No broadening check reads a permission set: the plan names what changed in its permissions.
    engineer = changes[("acme-identity", "DataEngineer")]
    assert engineer["action"] == "updated in place" and engineer["reasons"] == ["permissions changed: InlinePolicy"]
    assert "Environment organization\n  acme-identity\n" in printed
    assert "DataSteward  [DataSteward]" in printed


def test_create_only_changes_and_orphaned_ous_are_refused(before, moved, tmp_path, capsys):
    folder, after = moved
    code, printed, document = _run(folder, after, before, tmp_path, capsys)
    assert code == 1
    refused = _refused(document)
    bucket = next(
        c
        for (stack, _), c in refused.items()
        if stack == "acme-log-archive"
        and c["resource_type"] == "AWS::S3::Bucket"
        and c["name"].startswith("acme-log-archive-")
    )
    assert bucket["action"] == "replaced" and bucket["reasons"] == ["BucketName"]
    ou = refused[("acme-organization", "OUMeshNonProdDev")]
    assert ou["action"] == "orphaned (retained)" and ou["name"] == "Dev"
    assert "change: delete" in ou["fix"]
    assert (
        "AWS::Organizations::OrganizationalUnit Dev (acme-organization/OUMeshNonProdDev) "
        "would be removed from its stack" in printed
    )
    assert ("acme-organization", "OUMeshNonProdDevelopment") not in refused


def test_removing_the_organization_section_is_refused(before, without, tmp_path, capsys):
    folder, after = without
    code, printed, document = _run(folder, after, before, tmp_path, capsys)
    assert code == 1
    refused = _refused(document)
    by_type: dict[str, set[str]] = {}
    for (stack, _), change in refused.items():
        if stack not in STACKS:
            continue  # the environments' own refusals (their baselines go with the section)
        by_type.setdefault(change["resource_type"], set()).add(change["action"])
    assert by_type == {
        "AWS::Organizations::OrganizationalUnit": {"orphaned (retained)"},
        "AWS::SSO::PermissionSet": {"deleted"},
        "AWS::CloudTrail::Trail": {"deleted"},
        "AWS::S3::Bucket": {"orphaned (retained)"},
        "AWS::KMS::Key": {"orphaned (retained)"},
    }
    # The organisation is shown before the environments, as the pipeline deploys it.
    assert printed.index("Environment organization") < printed.index("Environment dev")
    # Not identity or data: an SCP or an assignment is shown as deleted, not refused.
    assert any(c["resource_type"] == "AWS::Organizations::Policy" and not c["refused"] for c in document["changes"])


def test_an_allowed_removal_passes(before, without):
    from mesh_config.change_safety import AllowedChange, AllowedKind

    _, after = without
    baseline, target = read_assembly(before), read_assembly(after)
    changes = plan(baseline, target)
    guarded = organization_stack_names("acme")
    problems = [v for v in violations(changes, [], guarded) if v.change.stack in guarded]
    allowed = [
        AllowedChange(
            stack=v.change.stack,
            resource=v.change.logical_id,
            change=AllowedKind.DELETE,
            reason="the landing zone takes over the organisation's baseline",
        )
        for v in problems
    ]
    assert problems
    assert not [v for v in violations(changes, allowed, guarded) if v.change.stack in guarded]
    # (Orphaning in an environment's stack stays allowed: tests/test_change_plan.py, retained tables.)


def test_permission_reasons_leave_other_updates_alone(before, grown):
    _, after = grown
    baseline, target = read_assembly(before), read_assembly(after)
    changes = with_permission_reasons(plan(baseline, target), baseline, target)
    analyst = [c for c in changes if c.stack == "acme-identity" and c.logical_id == "DataAnalyst"]
    assert all(c.reasons == () for c in analyst)  # unchanged, or changed outside its permissions
    assert all(c.action is not Action.REPLACED for c in changes if c.stack == "acme-identity")


# --- The deployed baseline: the organisation's accounts through the bootstrap lookup role --------

MANAGEMENT = "100000000000"
LOOKUP = f"arn:aws:iam::{MANAGEMENT}:role/cdk-hnb659fds-lookup-role-{MANAGEMENT}-eu-west-1"


@pytest.fixture
def sts(monkeypatch):
    kw = {"region_name": "eu-west-1", "aws_access_key_id": "x", "aws_secret_access_key": "x"}
    client = boto3.client("sts", **kw)
    made = {"sts": client, "cloudformation": boto3.client("cloudformation", **kw)}
    monkeypatch.setattr(cli.boto3, "client", lambda service, **_: made[service])
    with Stubber(client) as stub:
        yield stub
        stub.assert_no_pending_responses()


def test_the_management_account_is_read_through_its_lookup_role(sts):
    from datetime import UTC, datetime

    creds = {
        "AccessKeyId": "ASIAEXAMPLEKEY123456",
        "SecretAccessKey": "s",
        "SessionToken": "t",
        "Expiration": datetime(2026, 1, 1, tzinfo=UTC),
    }
    sts.add_response("assume_role", {"Credentials": creds}, {"RoleArn": LOOKUP, "RoleSessionName": "mesh-change-plan"})
    factory = cli.role_client_factory(load_mesh(ROOT / "environments"))
    assert factory(MANAGEMENT, "eu-west-1") is factory(MANAGEMENT, "eu-west-1")  # assumed once


def test_an_unreadable_management_account_fails_closed(sts):
    sts.add_client_error("assume_role", "AccessDenied", "not authorized to perform sts:AssumeRole")
    factory = cli.role_client_factory(load_mesh(ROOT / "environments"))
    with pytest.raises(BaselineError, match=r"account 100000000000: .*lookup-role.* cannot be assumed \(AccessDenied"):
        factory(MANAGEMENT, "eu-west-1")
