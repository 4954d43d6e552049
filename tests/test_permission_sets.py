"""Identity Center permission sets: the <org>-identity stack built from the bundled example
(aws_cdk.assertions), the principals that name a set, and the config errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Match, Template

from mesh_config import load_mesh
from mesh_config.naming import approver_role_name
from mesh_config.permission_sets import (
    PermissionSet,
    PermissionSetPrincipal,
    assignments,
    principal_arns,
    session_minutes,
    sso_role_arn_pattern,
)
from mesh_constructs.permission_set_policies import MAX_INLINE_POLICY_CHARACTERS, check_policy_size
from stacks.organization_stage import OrganizationStage, has_organization_stage
from tests.config_edits import EXAMPLE, assert_issue, edit_text, edit_yaml, load_issues

DEV, STAGING, PROD, TOOLS, MANAGEMENT = "123456789012", "234567890123", "345678901234", "444444444444", "100000000000"
GROUPS = {
    "data-platform-admins": "9067a1b2c3-1a2b3c4d-0001-4a5b-8c9d-0e1f2a3b4c5d",
    "finance-team-leads": "9067a1b2c3-1a2b3c4d-0002-4a5b-8c9d-0e1f2a3b4c5d",
    "finance-analysts": "9067a1b2c3-1a2b3c4d-0003-4a5b-8c9d-0e1f2a3b4c5d",
    "sales-team": "9067a1b2c3-1a2b3c4d-0005-4a5b-8c9d-0e1f2a3b4c5d",
    "data-engineers": "9067a1b2c3-1a2b3c4d-0006-4a5b-8c9d-0e1f2a3b4c5d",
    "data-scientists": "9067a1b2c3-1a2b3c4d-0007-4a5b-8c9d-0e1f2a3b4c5d",
}


@pytest.fixture(scope="module")
def stage() -> OrganizationStage:
    return OrganizationStage(cdk.App(), config=load_mesh(EXAMPLE))


@pytest.fixture(scope="module")
def template(stage: OrganizationStage) -> Template:
    assert stage.identity is not None
    return Template.from_stack(stage.identity)


def _permission_sets(template: Template) -> dict[str, dict[str, Any]]:
    return {
        r["Properties"]["Name"]: r["Properties"] for r in template.find_resources("AWS::SSO::PermissionSet").values()
    }


def _statements(template: Template, name: str) -> list[dict[str, Any]]:
    return _permission_sets(template)[name]["InlinePolicy"]["Statement"]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_the_identity_stack_is_deployed_in_the_management_account(stage: OrganizationStage):
    assert stage.identity is not None
    assert stage.identity.stack_name == "acme-identity"
    assert (stage.identity.account, stage.identity.region) == (MANAGEMENT, "eu-west-1")
    assert stage.identity.termination_protection


def test_each_permission_set_has_its_name_description_session_and_policies(template: Template):
    sets = _permission_sets(template)
    assert set(sets) == {"DataAnalyst", "DataEngineer", "DataMeshAdmin", "MeshApprovers"}
    assert {n: p["SessionDuration"] for n, p in sets.items()} == {
        "DataAnalyst": "PT8H",
        "DataEngineer": "PT4H",
        "DataMeshAdmin": "PT1H",
        "MeshApprovers": "PT1H",
    }
    assert all(p["InstanceArn"] == "arn:aws:sso:::instance/ssoins-6804a1b2c3d4e5f6" for p in sets.values())
    assert sets["DataMeshAdmin"]["ManagedPolicies"] == ["arn:aws:iam::aws:policy/AWSSupportAccess"]
    assert all("ManagedPolicies" not in p for n, p in sets.items() if n != "DataMeshAdmin")
    assert sets["DataAnalyst"]["Description"].startswith("Query the mesh's catalog")


def test_one_assignment_per_group_and_account(template: Template):
    logical = {k: r["Properties"]["Name"] for k, r in template.find_resources("AWS::SSO::PermissionSet").items()}
    found = sorted(
        (logical[p["PermissionSetArn"]["Fn::GetAtt"][0]], p["PrincipalId"], p["TargetId"])
        for p in (r["Properties"] for r in template.find_resources("AWS::SSO::Assignment").values())
    )
    g = GROUPS
    expected = sorted(
        [("DataAnalyst", g["finance-analysts"], a) for a in (DEV, STAGING, PROD)]
        + [("DataAnalyst", g["sales-team"], a) for a in (DEV, STAGING, PROD)]
        + [("DataAnalyst", g["data-scientists"], DEV)]
        + [("DataEngineer", g["data-engineers"], a) for a in (DEV, STAGING)]
        + [("DataMeshAdmin", g["data-platform-admins"], a) for a in (DEV, STAGING, PROD, TOOLS)]
        + [("MeshApprovers", g["data-platform-admins"], TOOLS), ("MeshApprovers", g["finance-team-leads"], TOOLS)]
    )
    assert found == expected
    template.all_resources_properties(
        "AWS::SSO::Assignment", Match.object_like({"PrincipalType": "GROUP", "TargetType": "AWS_ACCOUNT"})
    )


def test_no_inline_policy_allows_a_wildcard_resource_except_for_actions_without_a_resource_type(template: Template):
    # The Service Authorization Reference lists no resource type for these: IAM evaluates them on '*'.
    without_type = {
        "lakeformation:GetDataAccess",
        "lakeformation:ListPermissions",
        "athena:ListWorkGroups",
        "cloudformation:ListStacks",
    }
    for name, props in _permission_sets(template).items():
        for statement in props["InlinePolicy"]["Statement"]:
            if "*" in _as_list(statement["Resource"]):
                actions = set(_as_list(statement["Action"]))
                unscoped = {a for a in actions if not a.startswith("datazone:")}
                assert unscoped <= without_type, (name, statement["Sid"], unscoped - without_type)


def test_the_analyst_reads_the_catalog_and_queries_but_writes_nothing(template: Template):
    actions = {a for s in _statements(template, "DataAnalyst") for a in _as_list(s["Action"])}
    assert "athena:StartQueryExecution" in actions and "glue:GetTable" in actions
    assert not {a for a in actions if a.startswith("s3:") or a.startswith("glue:Create") or "Delete" in a}
    (catalog,) = (s for s in _statements(template, "DataAnalyst") if s["Sid"] == "ReadTheMeshCatalog")
    assert f"arn:aws:glue:eu-west-1:{PROD}:table/*_prod_catalog/*" in catalog["Resource"]


def test_the_engineer_writes_only_the_data_lake_buckets_of_its_environments(template: Template):
    (objects,) = (s for s in _statements(template, "DataEngineer") if s["Sid"] == "ReadWriteTheDataLake")
    assert sorted(objects["Resource"]) == sorted(
        f"arn:aws:s3:::acme-{env}-{layer}-{account}/*"
        for env, account in (("dev", DEV), ("staging", STAGING))
        for layer in ("raw", "curated", "published")
    )
    (key,) = (s for s in _statements(template, "DataEngineer") if s["Sid"] == "DataLakeKeyThroughS3")
    assert key["Condition"]["StringLike"]["kms:ViaService"] == ["s3.eu-west-1.amazonaws.com"]
    assert f"arn:aws:s3:::acme-dev-raw-{DEV}/*" in key["Condition"]["ArnLike"]["kms:EncryptionContext:aws:s3:arn"]


def test_the_mesh_admin_assumes_the_management_roles_and_reads_the_mesh_stacks(template: Template):
    statements = {s["Sid"]: s for s in _statements(template, "DataMeshAdmin")}
    assert f"arn:aws:iam::{DEV}:role/acme-dev-datamesh-admin" in statements["UseTheManagementRoles"]["Resource"]
    assert f"arn:aws:cloudformation:eu-west-1:{PROD}:stack/acme-prod-*/*" in statements["ReadTheMeshStacks"]["Resource"]
    assert "datazone:AcceptSubscriptionRequest" in statements["DecideAndReadWithoutResourceType"]["Action"]


def test_the_approvers_may_only_assume_the_pipeline_approver_roles(template: Template):
    (statement,) = _statements(template, "MeshApprovers")
    assert statement["Action"] == "sts:AssumeRole"
    assert statement["Resource"] == [
        f"arn:aws:iam::{TOOLS}:role/{approver_role_name('acme', env)}" for env in ("staging", "prod")
    ]


def test_a_principal_named_by_permission_set_resolves_to_its_role_pattern():
    assert sso_role_arn_pattern("aws", TOOLS, "MeshApprovers") == (
        f"arn:aws:iam::{TOOLS}:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_MeshApprovers_*"
    )
    arns = principal_arns(
        ["arn:aws:iam::1:role/x", PermissionSetPrincipal(permission_set="DataMeshAdmin")], "aws", TOOLS
    )
    assert arns == ["arn:aws:iam::1:role/x", sso_role_arn_pattern("aws", TOOLS, "DataMeshAdmin")]
    with pytest.raises(ValueError, match="without a tools account"):
        principal_arns([PermissionSetPrincipal(permission_set="X")], "aws", None)


def test_the_example_environments_trust_the_permission_sets_they_name():
    config = load_mesh(EXAMPLE)
    by_name = {e.name: e for e in config.environments}
    assert PermissionSetPrincipal(permission_set="MeshApprovers") in by_name["prod"].promotion.approver_principals
    assert PermissionSetPrincipal(permission_set="DataMeshAdmin") in by_name["dev"].management.principals


def test_environments_sharing_an_account_get_one_assignment():
    ps = PermissionSet(name="DataAnalyst", groups=["analysts"], tools_account=True)
    found = assignments([ps], {"dev": DEV, "sandbox": DEV, "prod": PROD}, PROD)
    assert [(a.group, a.account) for a in found] == [("analysts", DEV), ("analysts", PROD)]


def test_without_an_organization_there_is_no_organization_stage(env_dir: Path):
    edit_yaml(env_dir / "mesh.yaml", lambda d: (d.pop("organization"), d["identity_center"].pop("permission_sets")))
    assert not has_organization_stage(load_mesh(env_dir))


@pytest.mark.parametrize(
    ("duration", "minutes"), [("PT1H", 60), ("PT1H30M", 90), ("PT12H", 720), ("PT90M", 90), ("P1D", None), ("PT", None)]
)
def test_session_durations_are_read_in_minutes(duration: str, minutes: int | None):
    assert session_minutes(duration) == minutes


# --- config errors ---------------------------------------------------------------------------


def _sets(data: dict) -> list[dict]:
    return data["identity_center"]["permission_sets"]


def test_a_permission_set_naming_an_unknown_group_is_refused(env_dir: Path):
    edit_yaml(env_dir / "mesh.yaml", lambda d: _sets(d)[1].update(groups=["data-engineer"]))
    issue = assert_issue(
        load_issues(env_dir), "mesh.yaml", "identity_center.permission_sets[1].groups[0]", "group 'data-engineer'"
    )
    assert "data-engineers" in issue.fix


def test_an_unknown_group_in_an_entry_with_environments_is_reported_at_its_group(env_dir: Path):
    edit_yaml(env_dir / "mesh.yaml", lambda d: _sets(d)[0]["groups"][2].update(group="scientists"))
    assert_issue(load_issues(env_dir), "mesh.yaml", "identity_center.permission_sets[0].groups[2].group", "scientists")


def test_unknown_environments_are_refused(env_dir: Path):
    def change(d: dict) -> None:
        _sets(d)[1]["environments"] = ["dev", "qa"]
        _sets(d)[0]["groups"][2]["environments"] = ["sandbox"]

    edit_yaml(env_dir / "mesh.yaml", change)
    issues = load_issues(env_dir)
    assert_issue(issues, "mesh.yaml", "identity_center.permission_sets[1].environments[1]", "unknown environment 'qa'")
    assert_issue(issues, "mesh.yaml", "identity_center.permission_sets[0].groups[2].environments[0]", "'sandbox'")


def test_a_name_over_32_characters_or_outside_the_pattern_is_refused(env_dir: Path):
    def change(d: dict) -> None:
        _sets(d)[0]["name"] = "DataAnalystsOfTheWholeOrganisation"  # 34
        _sets(d)[1]["name"] = "Data Engineer"

    edit_yaml(env_dir / "mesh.yaml", change)
    issues = load_issues(env_dir)
    first = assert_issue(issues, "mesh.yaml", "identity_center.permission_sets[0].name", "")
    assert "32" in first.problem + first.fix
    assert_issue(issues, "mesh.yaml", "identity_center.permission_sets[1].name", "")


@pytest.mark.parametrize(
    ("duration", "problem"), [("PT13H", "1 to 12 hours"), ("PT30M", "1 to 12 hours"), ("8h", "ISO-8601")]
)
def test_a_session_duration_outside_one_to_twelve_hours_is_refused(env_dir: Path, duration: str, problem: str):
    edit_yaml(env_dir / "mesh.yaml", lambda d: _sets(d)[0].update(session_duration=duration))
    issue = assert_issue(load_issues(env_dir), "mesh.yaml", "identity_center.permission_sets[0].session_duration", "")
    assert problem in issue.problem + issue.fix


def test_duplicate_permission_set_names_are_refused(env_dir: Path):
    edit_yaml(env_dir / "mesh.yaml", lambda d: _sets(d)[1].update(name="DataAnalyst"))
    assert_issue(
        load_issues(env_dir), "mesh.yaml", "identity_center.permission_sets[1].name", "duplicate permission set"
    )


def test_a_set_assigned_nowhere_and_an_approver_outside_the_tools_account_are_refused(env_dir: Path):
    def change(d: dict) -> None:
        _sets(d)[3]["tools_account"] = False

    edit_yaml(env_dir / "mesh.yaml", change)
    issues = load_issues(env_dir)
    assert_issue(issues, "mesh.yaml", "identity_center.permission_sets[3].environments", "assigned in no account")
    assert_issue(issues, "mesh.yaml", "identity_center.permission_sets[3].tools_account", "approver policy")
    # The environments name it as an approver, and it now has no role in the tools account.
    assert_issue(issues, "prod.yaml", "promotion.approver_principals[3].permission_set", "not assigned in the tools")


def test_permission_sets_without_an_organization_that_owns_them_are_refused(env_dir: Path):
    edit_yaml(env_dir / "mesh.yaml", lambda d: d["organization"].update(owns=["scps"]))
    issue = assert_issue(load_issues(env_dir), "mesh.yaml", "identity_center.permission_sets", "nothing deploys them")
    assert "permission_sets" in issue.fix


def test_a_reference_to_an_unknown_permission_set_is_refused(env_dir: Path):
    edit_text(env_dir / "prod.yaml", "permission_set: MeshApprovers", "permission_set: ProdApprovers")
    issue = assert_issue(
        load_issues(env_dir), "prod.yaml", "promotion.approver_principals[3].permission_set", "unknown permission set"
    )
    assert "MeshApprovers" in issue.fix


def test_a_reference_to_a_set_not_in_the_tools_account_is_refused(env_dir: Path):
    edit_text(env_dir / "dev.yaml", "permission_set: DataMeshAdmin", "permission_set: DataAnalyst")
    assert_issue(
        load_issues(env_dir), "dev.yaml", "management.principals[2].permission_set", "not assigned in the tools"
    )


def test_every_environment_must_name_the_same_identity_center_instance(env_dir: Path):
    edit_text(env_dir / "prod.yaml", "ssoins-6804a1b2c3d4e5f6", "ssoins-0000000000000000")
    assert_issue(load_issues(env_dir), "prod.yaml", "identity_center_instance_arn", "the permission sets live in one")


def test_a_delegated_administrator_cannot_assign_in_the_management_account(env_dir: Path):
    def change(d: dict) -> None:
        d["identity_center"]["admin_account"] = "555555555555"
        d["organization"]["management_account"] = DEV  # dev's account: the analysts' sets are assigned there

    edit_yaml(env_dir / "mesh.yaml", change)
    issue = assert_issue(load_issues(env_dir), "mesh.yaml", "identity_center.admin_account", "delegated administrator")
    assert DEV in issue.problem


def test_a_delegated_administrator_gets_the_identity_stack(env_dir: Path):
    edit_yaml(
        env_dir / "mesh.yaml",
        lambda d: d["identity_center"].update(admin_account="555555555555", region="eu-central-1"),
    )
    stage = OrganizationStage(cdk.App(), config=load_mesh(env_dir))
    assert stage.identity is not None
    assert (stage.identity.account, stage.identity.region) == ("555555555555", "eu-central-1")


def test_an_inline_policy_over_identity_centers_limit_is_refused_at_synth():
    statement = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/" + "x" * 100}
    check_policy_size("Small", {"Statement": [statement]})
    with pytest.raises(ValueError, match=r"Big: its inline policy is \d+ characters .* limit of 10240"):
        check_policy_size("Big", {"Statement": [statement] * (MAX_INLINE_POLICY_CHARACTERS // 100)})


def test_the_example_policies_fit_identity_centers_limit(template: Template):
    for name, props in _permission_sets(template).items():
        check_policy_size(name, props["InlinePolicy"])


# --- in the pipeline ---------------------------------------------------------------------------


def test_the_pipeline_deploys_the_identity_stack_in_the_management_account_before_the_environments(example_app):
    template = example_app.templates()["acme-mesh-pipeline"]
    (pipeline,) = [
        r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::CodePipeline::Pipeline"
    ]
    names = [s["Name"] for s in pipeline["Stages"]]
    assert names.index("organization") < names.index("dev")
    actions = next(s for s in pipeline["Stages"] if s["Name"] == "organization")["Actions"]
    # Beside the organisation's guardrails stack, after the stage's approval.
    (deploy,) = [a for a in actions if a.get("Configuration", {}).get("StackName") == "acme-identity"]
    assert f":iam::{MANAGEMENT}:role/cdk-hnb659fds-deploy-role-{MANAGEMENT}-eu-west-1" in str(deploy["RoleArn"])


def test_the_approver_roles_trust_the_approvers_permission_set(example_app):
    template = example_app.templates()["acme-mesh-pipeline"]
    roles = {
        r["Properties"]["RoleName"]: r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::IAM::Role" and "RoleName" in r["Properties"]
    }
    pattern = sso_role_arn_pattern("aws", TOOLS, "MeshApprovers")
    for env in ("staging", "prod"):
        (statement,) = roles[approver_role_name("acme", env)]["AssumeRolePolicyDocument"]["Statement"]
        assert pattern in statement["Condition"]["ArnLike"]["aws:PrincipalArn"]
