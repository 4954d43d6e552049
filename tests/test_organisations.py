"""Meshes of real organisations, synthesized for real: two regions, approvals that only the named
approvers can give, a sandbox outside the promotion chain, environments deployed in one wave,
and what differs per environment."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.config_edits import edit_text, edit_yaml
from tests.synth import ROOT, SynthesizedApp, synth_app
from tests.test_cfn_lint import PIPELINE_IGNORED_RULES, cfn_lint

TOOLS = "444444444444"


def _policies(template: dict) -> dict[str, dict]:
    return {lid: r for lid, r in template["Resources"].items() if r["Type"] == "AWS::IAM::Policy"}


def _statements(policy: dict) -> list[dict]:
    return policy["Properties"]["PolicyDocument"]["Statement"]


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


# --- two regions --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def two_regions(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedApp:
    mesh_dir = tmp_path_factory.mktemp("two-regions") / "environments"
    shutil.copytree(ROOT / "environments", mesh_dir)
    edit_text(mesh_dir / "prod.yaml", "region: eu-west-1", "region: us-east-1")
    # The organisation's region SCP must allow where prod now runs (validation says so otherwise).
    edit_text(
        mesh_dir / "mesh.yaml", "allowed_regions: [eu-west-1, eu-central-1]", "allowed_regions: [eu-west-1, us-east-1]"
    )
    # Synthesis raises on any unacknowledged cdk-nag finding: reaching the assertions means nag is clean.
    return synth_app(mesh_dir, tmp_path_factory.mktemp("two-regions-out"))


def test_two_region_mesh_synthesizes_in_pipeline_mode_with_a_support_stack(two_regions):
    names = [s.stack_name for s in two_regions.stacks()]
    assert "acme-mesh-pipeline-support-us-east-1" in names
    prod = next(s for s in two_regions.stacks() if s.stack_name == "acme-prod-domain")
    assert prod.environment.region == "us-east-1"
    assert two_regions.validation_report().get("pluginReports", []) == [] or all(
        r["conclusion"] == "success" for r in two_regions.validation_report()["pluginReports"]
    )


def test_two_region_templates_pass_cfn_lint(two_regions):
    top = [t for t in two_regions.template_files() if t.parent == two_regions.outdir]
    stages = [t for t in two_regions.template_files() if t.parent != two_regions.outdir]
    assert any("us-east-1" in t.name for t in top)
    for paths, ignored in ((stages, None), (top, PIPELINE_IGNORED_RULES)):
        result = cfn_lint(paths, ignored)
        assert result.returncode == 0, result.stdout + result.stderr


def test_replication_bucket_is_versioned_encrypted_and_access_logged(two_regions):
    support = two_regions.templates()["acme-mesh-pipeline-support-us-east-1"]["Resources"]
    (replication,) = [r for lid, r in support.items() if r["Type"] == "AWS::S3::Bucket" and "Replication" in lid]
    props = replication["Properties"]
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert (
        props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"][
            "SSEAlgorithm"
        ]
        == "aws:kms"
    )
    assert support[props["LoggingConfiguration"]["DestinationBucketName"]["Ref"]]["Type"] == "AWS::S3::Bucket"


def test_pipeline_role_has_no_kms_action_on_any_key(two_regions):
    pipeline = two_regions.templates()["acme-mesh-pipeline"]
    for lid, policy in _policies(pipeline).items():
        for statement in _statements(policy):
            actions = _as_list(statement["Action"])
            if any(a.startswith("kms:") for a in actions):
                assert "*" not in _as_list(statement["Resource"]), (lid, statement)
    role_policy = next(p for lid, p in _policies(pipeline).items() if lid.startswith("PipelineRoleDefaultPolicy"))
    replication = [s for s in _statements(role_policy) if "Condition" in s and "kms:Decrypt" in s["Action"]]
    assert replication == [
        {
            **replication[0],
            "Resource": f"arn:aws:kms:us-east-1:{TOOLS}:key/*",
            "Condition": {"ForAnyValue:StringEquals": {"kms:ResourceAliases": replication[0]["Condition"][
                "ForAnyValue:StringEquals"]["kms:ResourceAliases"]}},
        }
    ]  # fmt: skip
    (alias,) = replication[0]["Condition"]["ForAnyValue:StringEquals"]["kms:ResourceAliases"]
    support = two_regions.templates()["acme-mesh-pipeline-support-us-east-1"]["Resources"]
    assert alias in [r["Properties"]["AliasName"] for r in support.values() if r["Type"] == "AWS::KMS::Alias"]


# --- approvals ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pipeline_template(example_app) -> dict:
    return example_app.templates()["acme-mesh-pipeline"]


def _approval_grants(template: dict) -> dict[str, list[str]]:
    """Policy logical id -> resources it may PutApprovalResult on."""
    grants: dict[str, list[str]] = {}
    for lid, policy in _policies(template).items():
        for statement in _statements(policy):
            if "codepipeline:PutApprovalResult" in _as_list(statement["Action"]):
                grants.setdefault(lid, []).extend(_as_list(statement["Resource"]))
    return grants


def test_the_organisation_stage_is_checked_for_broadening_before_it_deploys(pipeline_template):
    """prod checks for broadening, so the organisation's stacks are too (their key and bucket
    policies), beside the organisation's approval and before any of its stacks deploys."""
    (pipeline,) = [r for r in pipeline_template["Resources"].values() if r["Type"] == "AWS::CodePipeline::Pipeline"]
    (stage,) = [s for s in pipeline["Properties"]["Stages"] if s["Name"] == "organization"]
    order = {a["Name"]: a["RunOrder"] for a in stage["Actions"]}
    assert order["ConfirmPermissionsBroadening.Check"] < order["ConfirmPermissionsBroadening.Confirm"]
    first_deploy = min(n for name, n in order.items() if name.endswith(".Deploy"))
    assert max(order["ConfirmPermissionsBroadening.Confirm"], order["Approve-organization"]) < first_deploy
    # The check's role may assume their deploy roles: tests/test_iam_scoping.py.


def test_each_gated_stage_has_an_approver_role_that_alone_may_approve_it(pipeline_template):
    grants = _approval_grants(pipeline_template)
    staging = f"arn:aws:codepipeline:eu-west-1:{TOOLS}:acme-mesh/staging/Approve-staging"
    prod = f"arn:aws:codepipeline:eu-west-1:{TOOLS}:acme-mesh/prod/Approve-prod"
    holders = {arn: [lid for lid, resources in grants.items() if arn in resources] for arn in (staging, prod)}
    assert len(holders[staging]) == 1 and holders[staging][0].startswith("ApproverstagingDefaultPolicy")
    assert len(holders[prod]) == 1 and holders[prod][0].startswith("ApproverprodDefaultPolicy")
    # The only other approval grant: CDK's auto-approve Lambda, narrowed to the broadening checks
    # (prod's, and the organisation stage's, checked whenever an environment is).
    others = {lid: r for lid, r in grants.items() if not lid.startswith("Approver")}
    assert list(others.values()) == [
        [
            f"arn:aws:codepipeline:eu-west-1:{TOOLS}:acme-mesh/organization/ConfirmPermissionsBroadening.Confirm",
            f"arn:aws:codepipeline:eu-west-1:{TOOLS}:acme-mesh/prod/ConfirmPermissionsBroadening.Confirm",
        ]
    ]
    assert all("*" not in r for resources in grants.values() for r in resources)


def test_approver_role_is_trusted_only_by_the_named_principals(pipeline_template):
    roles = pipeline_template["Resources"]
    trust = roles[next(lid for lid in roles if lid.startswith("Approverprod") and "Policy" not in lid)]
    (statement,) = trust["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Properties"]["RoleName"] == "acme-mesh-approve-prod"
    assert statement["Principal"] == {"AWS": f"arn:aws:iam::{TOOLS}:root"}
    assert statement["Condition"]["ArnLike"]["aws:PrincipalArn"] == sorted(
        f"arn:aws:iam::{TOOLS}:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_{name}_*"
        # The roles named by ARN, and the approvers' permission set named by name (prod.yaml).
        for name in ("ProductOwner", "DataPlatformManager", "ITOperationsManager", "MeshApprovers")
    )


def test_approval_request_names_the_approver_role(pipeline_template):
    (pipeline,) = [r for r in pipeline_template["Resources"].values() if r["Type"] == "AWS::CodePipeline::Pipeline"]
    prod = next(s for s in pipeline["Properties"]["Stages"] if s["Name"] == "prod")
    approval = next(a for a in prod["Actions"] if a["Name"] == "Approve-prod")
    assert "through role acme-mesh-approve-prod" in approval["Configuration"]["CustomData"]


def test_smoke_test_role_trusts_only_the_pipeline_smoke_test_runner(example_app):
    domain = example_app.templates()["acme-staging-domain"]["Resources"]
    (role,) = [
        r for r in domain.values() if r["Type"] == "AWS::IAM::Role" and "smoke" in r["Properties"].get("RoleName", "")
    ]
    (statement,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Condition"] == {
        "ArnEquals": {"aws:PrincipalArn": f"arn:aws:iam::{TOOLS}:role/acme-mesh-smoke-test-staging"}
    }


# --- a sandbox outside the chain, and a wave ------------------------------------------------


@pytest.fixture(scope="module")
def sandbox_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    mesh_dir = tmp_path_factory.mktemp("sandbox") / "environments"
    shutil.copytree(ROOT / "environments", mesh_dir)
    sandbox = (mesh_dir / "dev.yaml").read_text(encoding="utf-8")
    sandbox = sandbox.replace("name: dev\nshort_name: dev", "name: sandbox\nshort_name: sbx")
    sandbox = sandbox.replace('"123456789012"', '"567890123456"')
    # dev creates its VPC: the sandbox's own range, apart from dev's.
    assert "cidr: 10.20.0.0/16" in sandbox
    sandbox = sandbox.replace("cidr: 10.20.0.0/16", "cidr: 10.29.0.0/16")
    (mesh_dir / "sandbox.yaml").write_text(sandbox + "promotion:\n  mode: direct\n", encoding="utf-8")
    edit_yaml(mesh_dir / "mesh.yaml", lambda m: m.update(environments=["sandbox", "dev", "staging", "prod"]))
    for name in ("staging", "prod"):
        edit_text(mesh_dir / f"{name}.yaml", "  manual_approval: true\n", "  wave: release\n  manual_approval: true\n")
    return mesh_dir


@pytest.fixture(scope="module")
def sandbox_pipeline(sandbox_dir, tmp_path_factory) -> dict:
    app = synth_app(sandbox_dir, tmp_path_factory.mktemp("sandbox-out"))
    return app.templates()


def test_direct_environment_is_not_in_the_pipeline(sandbox_pipeline):
    assert not any(name.startswith("acme-sandbox-") for name in sandbox_pipeline)
    (pipeline,) = [
        r
        for r in sandbox_pipeline["acme-mesh-pipeline"]["Resources"].values()
        if r["Type"] == "AWS::CodePipeline::Pipeline"
    ]
    assert "sandbox" not in json.dumps(pipeline["Properties"]["Stages"])


def test_environments_of_one_wave_deploy_in_one_stage(sandbox_pipeline):
    (pipeline,) = [
        r
        for r in sandbox_pipeline["acme-mesh-pipeline"]["Resources"].values()
        if r["Type"] == "AWS::CodePipeline::Pipeline"
    ]
    names = [s["Name"] for s in pipeline["Properties"]["Stages"]]
    assert names[-2:] == ["dev", "release"]
    release = pipeline["Properties"]["Stages"][-1]["Actions"]
    approvals = sorted(a["Name"] for a in release if a["ActionTypeId"]["Category"] == "Approval")
    assert approvals == ["prod.Approve-prod", "prod.ConfirmPermissionsBroadening.Confirm", "staging.Approve-staging"]
    # Each approver role still holds exactly its own environment's approval inside the wave.
    grants = _approval_grants(sandbox_pipeline["acme-mesh-pipeline"])
    prod = next(r for lid, r in grants.items() if lid.startswith("ApproverprodDefaultPolicy"))
    assert prod == [f"arn:aws:codepipeline:eu-west-1:{TOOLS}:acme-mesh/release/prod.Approve-prod"]


def test_direct_mode_deploys_the_sandbox_without_a_smoke_test_role(sandbox_dir, tmp_path_factory):
    app = synth_app(sandbox_dir, tmp_path_factory.mktemp("sandbox-direct"), direct="true")
    templates = app.templates()
    assert "acme-sandbox-domain" in templates
    roles = [
        r for r in templates["acme-sandbox-domain"]["Resources"].values()
        if r["Type"] == "AWS::IAM::Role" and "smoke" in r["Properties"].get("RoleName", "")
    ]  # fmt: skip
    assert roles == []
    assert any(
        "smoke" in r["Properties"].get("RoleName", "")
        for r in templates["acme-dev-domain"]["Resources"].values()
        if r["Type"] == "AWS::IAM::Role"
    )


# --- per-environment differences in the synthesized stacks ----------------------------------


def _memberships(example_app, stack: str) -> set[str]:
    resources = example_app.templates()[stack]["Resources"]
    return {
        r["Metadata"]["aws:cdk:path"].rsplit("/", 1)[-1]
        for r in resources.values()
        if r["Type"] == "AWS::DataZone::ProjectMembership" and "customer360" in r["Metadata"]["aws:cdk:path"]
    }


def test_a_member_of_dev_only_is_no_member_in_prod(example_app):
    assert _memberships(example_app, "acme-dev-projects-1") == {
        "Member-finance-team-leads",
        "Member-finance-analysts",
        "Member-data-scientists",
    }
    assert _memberships(example_app, "acme-prod-projects-1") == {
        "Member-finance-team-leads",
        "Member-finance-analysts",
    }
