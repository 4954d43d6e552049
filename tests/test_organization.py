"""The organisation section: its cross-checks (clear errors with YAML paths), the organisation
stack (OUs nested under the root, SCPs and tag policy on the environments' OUs, each part only
when owned) and where it deploys (the pipeline's first stage; first in direct mode)."""

from __future__ import annotations

import json
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

import mesh_config.organization_checks as organization_checks
import mesh_config.organization_policies as organization_policies
from app import add_stages
from mesh_config import load_mesh
from mesh_config.organization_policies import minified
from mesh_config.policy_grammar import scp_problems
from stacks.organization_stage import OrganizationStage, has_organization_stage
from tests.config_edits import assert_issue, edit_text, edit_yaml, load_issues
from tests.synth import of_type

OUS = """  ous:
    dev: Mesh/NonProd/Dev
    staging: Mesh/NonProd/Staging
    prod: Mesh/Prod
"""


def _organization(template_or_app) -> dict:
    return template_or_app.templates()["acme-organization"]


# ---- configuration --------------------------------------------------------------------------


def test_ous_keys_must_be_environments(env_dir: Path):
    edit_text(env_dir / "mesh.yaml", "    prod: Mesh/Prod\n", "    prod: Mesh/Prod\n    qa: Mesh/QA\n")
    issue = assert_issue(load_issues(env_dir), "mesh.yaml", "organization.ous.qa", "not an environment of the mesh")
    assert "dev, prod, staging" in issue.fix


def test_ou_names_differing_only_by_case_are_refused(env_dir: Path):
    edit_text(env_dir / "mesh.yaml", "    staging: Mesh/NonProd/Staging\n", "    staging: Mesh/nonprod/Staging\n")
    issue = assert_issue(
        load_issues(env_dir), "mesh.yaml", "organization.ous.staging", "differs only by letter case from 'Mesh/NonProd'"
    )
    assert "spell it 'Mesh/NonProd'" in issue.fix


def test_an_ou_name_with_outer_spaces_is_refused(env_dir: Path):
    edit_text(env_dir / "mesh.yaml", "    prod: Mesh/Prod\n", '    prod: "Mesh /Prod"\n')
    assert_issue(load_issues(env_dir), "mesh.yaml", "organization.ous.prod", "starts or ends with a space")


def test_an_environment_ou_may_be_the_parent_of_another_and_ous_may_be_shared(env_dir: Path):
    """Mesh for dev and Mesh/Prod for prod (a parent and its child), staging sharing prod's OU."""
    edit_text(env_dir / "mesh.yaml", OUS, "  ous:\n    dev: Mesh\n    staging: Mesh/Prod\n    prod: Mesh/Prod\n")
    config = load_mesh(env_dir)
    stage = OrganizationStage(cdk.App(), config=config)
    template = Template.from_stack(stage.organization).to_json()
    units = of_type(template, "AWS::Organizations::OrganizationalUnit")
    assert sorted(u["Properties"]["Name"] for u in units.values()) == ["Mesh", "Prod"]
    (scp,) = [
        p for p in of_type(template, "AWS::Organizations::Policy").values() if p["Properties"]["Type"] != "TAG_POLICY"
    ]
    assert len(scp["Properties"]["TargetIds"]) == 2  # Mesh and Mesh/Prod, once each


def test_the_log_archive_account_is_required_when_the_trail_is_owned(env_dir: Path):
    edit_text(env_dir / "mesh.yaml", '  log_archive_account: "200000000000"', "")
    issue = assert_issue(load_issues(env_dir), "mesh.yaml", "organization", "'log_archive_account' is not set")
    assert "trail, log_archive" in issue.problem


def test_no_log_archive_account_is_needed_when_the_landing_zone_owns_the_trail(env_dir: Path):
    edit_text(
        env_dir / "mesh.yaml", '  log_archive_account: "200000000000"', "  owns: [scps, tag_policy, permission_sets]"
    )
    assert load_mesh(env_dir).mesh.organization.log_archive_account is None


def test_allowed_regions_must_include_every_environment_and_the_pipeline(env_dir: Path):
    edit_text(
        env_dir / "mesh.yaml", "  allowed_regions: [eu-west-1, eu-central-1]", "  allowed_regions: [eu-central-1]"
    )
    issues = load_issues(env_dir)
    for who in ("environment 'dev'", "environment 'prod'", "the pipeline"):
        issue = assert_issue(issues, "mesh.yaml", "organization.allowed_regions", f"{who} runs in eu-west-1")
        assert issue.fix == "add eu-west-1 to organization.allowed_regions"


def test_allowed_regions_must_be_real_and_listed_once(env_dir: Path):
    edit_text(
        env_dir / "mesh.yaml",
        "  allowed_regions: [eu-west-1, eu-central-1]",
        "  allowed_regions: [eu-west-1, eu-west-1, eu-centra-1]",
    )
    issues = load_issues(env_dir)
    assert_issue(issues, "mesh.yaml", "organization.allowed_regions[1]", "listed twice")
    assert_issue(issues, "mesh.yaml", "organization.allowed_regions[2]", "is no AWS region")


def test_the_management_account_cannot_be_an_environment_account(env_dir: Path):
    edit_text(env_dir / "mesh.yaml", '  management_account: "100000000000"', '  management_account: "345678901234"')
    issue = assert_issue(load_issues(env_dir), "prod.yaml", "account", "the organization's management account")
    assert "service control policies do not apply there" in issue.problem


def test_owning_guardrails_needs_an_ou(env_dir: Path):
    edit_text(env_dir / "mesh.yaml", OUS, "")
    assert_issue(load_issues(env_dir), "mesh.yaml", "organization.ous", "no environment has an OU")


def test_an_oversized_scp_statement_fails_the_synth_with_a_clear_message(env_dir: Path, monkeypatch):
    """The limit as validation applies it (lowered here: the example's statements are far below 5 120)."""
    monkeypatch.setattr(organization_policies, "SCP_MAX_CHARACTERS", 800)
    issue = assert_issue(
        load_issues(env_dir), "mesh.yaml", "organization", "statement DenyOutsideAllowedRegions would be"
    )
    assert "an SCP may have at most 800" in issue.problem
    assert "fewer allowed_regions" in issue.fix


def test_more_scps_than_an_ou_takes_are_refused(env_dir: Path, monkeypatch):
    """At the largest statement's size the statements need four SCPs; with three slots free
    (lowered here) that is one too many."""
    config = load_mesh(env_dir)
    statements = organization_policies.guardrail_statements("acme", config.mesh.organization, list(config.environments))
    largest = max(len(minified({"Version": "2012-10-17", "Statement": [s]})) for s in statements)
    assert len(organization_policies.pack_statements("acme", statements, limit=largest)) == 4
    monkeypatch.setattr(organization_policies, "SCP_MAX_CHARACTERS", largest)
    monkeypatch.setattr(organization_checks, "SCPS_PER_TARGET", 3)
    issue = assert_issue(load_issues(env_dir), "mesh.yaml", "organization", "need 4 service control policies")
    assert "an OU takes at most 4" in issue.problem


# ---- the stack --------------------------------------------------------------------------------


def test_ous_are_created_per_path_segment_nested_under_the_root(example_app):
    template = _organization(example_app)
    units = of_type(template, "AWS::Organizations::OrganizationalUnit")
    by_name = {u["Properties"]["Name"]: (k, u["Properties"]["ParentId"]) for k, u in units.items()}
    assert set(by_name) == {"Mesh", "NonProd", "Dev", "Staging", "Prod"}
    assert by_name["Mesh"][1] == "r-ab12"
    assert by_name["NonProd"][1] == {"Fn::GetAtt": [by_name["Mesh"][0], "Id"]}
    assert by_name["Prod"][1] == {"Fn::GetAtt": [by_name["Mesh"][0], "Id"]}
    assert by_name["Dev"][1] == {"Fn::GetAtt": [by_name["NonProd"][0], "Id"]}
    assert by_name["Staging"][1] == {"Fn::GetAtt": [by_name["NonProd"][0], "Id"]}
    # An OU that still holds accounts cannot be deleted: retained when it leaves the config.
    assert {u["DeletionPolicy"] for u in units.values()} == {"Retain"}


def test_the_guardrails_and_tag_policy_attach_to_every_environment_ou(example_app):
    template = _organization(example_app)
    units = {u["Properties"]["Name"]: k for k, u in of_type(template, "AWS::Organizations::OrganizationalUnit").items()}
    expected = [{"Fn::GetAtt": [units[name], "Id"]} for name in ("Dev", "Staging", "Prod")]
    policies = of_type(template, "AWS::Organizations::Policy")
    assert sorted(p["Properties"]["Type"] for p in policies.values()) == ["SERVICE_CONTROL_POLICY", "TAG_POLICY"]
    for policy in policies.values():
        assert sorted(policy["Properties"]["TargetIds"], key=json.dumps) == sorted(expected, key=json.dumps)


def test_the_deployed_scp_is_the_checked_minified_document(example_app):
    config = load_mesh(Path("environments"))
    (expected,) = organization_policies.service_control_policies(
        "acme", config.mesh.organization, list(config.environments)
    )
    (scp,) = [
        p["Properties"]
        for p in of_type(_organization(example_app), "AWS::Organizations::Policy").values()
        if p["Properties"]["Type"] == "SERVICE_CONTROL_POLICY"
    ]
    assert scp["Name"] == "acme-mesh-guardrails-1"
    assert scp["Content"] == expected.content() == minified(json.loads(scp["Content"]))
    assert scp_problems(scp["Name"], json.loads(scp["Content"])) == []


def test_the_tag_policy_names_the_mesh_environments(example_app):
    (policy,) = [
        p["Properties"]
        for p in of_type(_organization(example_app), "AWS::Organizations::Policy").values()
        if p["Properties"]["Type"] == "TAG_POLICY"
    ]
    content = json.loads(policy["Content"])
    assert content["tags"]["Environment"]["tag_value"] == {"@@assign": ["dev", "staging", "prod"]}
    assert content["tags"]["CostCenter"]["tag_key"] == {"@@assign": "CostCenter"}


def test_the_stack_lives_in_the_management_account_with_termination_protection(example_app):
    (stack,) = [s for s in example_app.stacks() if s.stack_name == "acme-organization"]
    assert (stack.environment.account, stack.environment.region) == ("100000000000", "eu-west-1")
    assert stack.termination_protection is True


@pytest.mark.parametrize(
    ("owns", "types"),
    [
        ("[tag_policy, permission_sets]", ["TAG_POLICY"]),
        ("[scps, permission_sets]", ["SERVICE_CONTROL_POLICY"]),
        ("[permission_sets]", None),
    ],
)
def test_each_part_only_when_owned(env_dir: Path, owns: str, types: list[str] | None):
    edit_text(env_dir / "mesh.yaml", '  log_archive_account: "200000000000"', f"  owns: {owns}")
    config = load_mesh(env_dir)
    stage = OrganizationStage(cdk.App(), config=config)
    assert stage.identity is not None
    if types is None:  # a landing zone owns the guardrails: no organisation stack
        assert stage.organization is None
        return
    template = Template.from_stack(stage.organization).to_json()
    assert [p["Properties"]["Type"] for p in of_type(template, "AWS::Organizations::Policy").values()] == types


def test_the_lake_formation_settings_writer_has_the_name_the_scp_exempts(example_app):
    roles = of_type(example_app.templates()["acme-prod-domain"], "AWS::IAM::Role")
    names = {r["Properties"].get("RoleName") for r in roles.values()}
    assert "acme-prod-lakeformation-settings" in names


def test_without_an_organization_section_there_is_no_stage_and_no_named_writer(env_dir: Path):
    edit_yaml(env_dir / "mesh.yaml", lambda d: (d.pop("organization"), d["identity_center"].pop("permission_sets")))
    assert not has_organization_stage(load_mesh(env_dir))
    app = cdk.App()
    stages = add_stages(app, load_mesh(env_dir))
    assert not any(isinstance(s, OrganizationStage) for s in stages)
    domain = Template.from_stack(stages[0].domain).to_json()
    names = {r["Properties"].get("RoleName") for r in of_type(domain, "AWS::IAM::Role").values()}
    assert "acme-dev-lakeformation-settings" not in names


# ---- where it deploys -------------------------------------------------------------------------


def _pipeline_stages(example_app) -> list[tuple[str, list[str]]]:
    template = example_app.templates()["acme-mesh-pipeline"]
    (pipeline,) = of_type(template, "AWS::CodePipeline::Pipeline").values()
    return [(s["Name"], [a["Name"] for a in s["Actions"]]) for s in pipeline["Properties"]["Stages"]]


def test_the_pipeline_deploys_the_organisation_first_after_its_own_approval(example_app):
    stages = _pipeline_stages(example_app)
    names = [name for name, _ in stages]
    assert names.index("organization") < names.index("dev")
    actions = dict(stages)["organization"]
    # The approval, and beside it the broadening check (prod checks, so the organisation does).
    assert actions[:3] == [
        "Approve-organization",
        "ConfirmPermissionsBroadening.Check",
        "ConfirmPermissionsBroadening.Confirm",
    ]
    assert sorted(actions[3:]) == [
        "acme-identity.Deploy",
        "acme-log-archive.Deploy",
        "acme-organization.Deploy",
        "acme-trail.Deploy",
    ]


def test_the_organisation_approval_has_its_own_role_trusted_by_the_approvers(example_app):
    template = example_app.templates()["acme-mesh-pipeline"]
    roles = {r["Properties"].get("RoleName"): r for r in of_type(template, "AWS::IAM::Role").values()}
    role = roles["acme-mesh-approve-organization"]
    approvers = set()
    for env in ("staging", "prod"):
        approvers |= _principal_arns(roles[f"acme-mesh-approve-{env}"]["Properties"]["AssumeRolePolicyDocument"])
    assert approvers  # both gated environments name their approvers
    assert _principal_arns(role["Properties"]["AssumeRolePolicyDocument"]) == approvers
    assert "codepipeline:PutApprovalResult" in json.dumps(template)


def _principal_arns(trust: dict) -> set[str]:
    found: set[str] = set()
    for statement in trust["Statement"]:
        arns = statement.get("Condition", {}).get("ArnLike", {}).get("aws:PrincipalArn", [])
        found |= {arns} if isinstance(arns, str) else set(arns)
    return found


def test_direct_mode_puts_the_organisation_stage_first():
    stages = add_stages(cdk.App(), load_mesh(Path("environments")))
    assert isinstance(stages[0], OrganizationStage)
    assert [s.node.id for s in stages[:4]] == ["organization", "dev", "staging", "prod"]
