"""The management roles (DataMeshAdmin / DataMeshReadOnly per environment): their trust,
IAM policy, DataZone identity and Lake Formation reading right, on the synthesized example; and
that their IAM actions are exactly what the datamesh services call."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import aws_cdk as cdk
import botocore.session
import pytest

from mesh_config import load_mesh
from mesh_config.management import ADMIN_ACTIONS, READ_ACTIONS, ManagementAccess, management_actions
from stacks.management_access import management_identity
from tests.config_edits import EXAMPLE, assert_issue, edit_text, edit_yaml, line_of, load_issues
from tests.synth import ROOT, SynthesizedApp, of_type

SERVICES = ROOT / "datamesh" / "services"


def _domain(app: SynthesizedApp, env: str) -> dict:
    return app.templates()[f"acme-{env}-domain"]


def _management_role(template: dict) -> dict:
    (role,) = (
        r for r in of_type(template, "AWS::IAM::Role").values() if "datamesh" in r["Properties"].get("RoleName", "")
    )
    return role["Properties"]


def _management_actions(template: dict) -> set[str]:
    (policy,) = (
        r["Properties"] for k, r in of_type(template, "AWS::IAM::Policy").items() if k.startswith("ManagementDataZone")
    )
    actions: set[str] = set()
    for statement in policy["PolicyDocument"]["Statement"]:
        found = statement["Action"]
        actions |= {found} if isinstance(found, str) else set(found)
    return actions


def test_dev_has_an_admin_role_trusted_by_named_roles_of_the_tools_account(example_app):
    template = _domain(example_app, "dev")
    role = _management_role(template)
    assert role["RoleName"] == "acme-dev-datamesh-admin"
    (statement,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert "444444444444" in str(statement["Principal"])
    # An admin role names who may assume it: never the whole tools account without a condition.
    assert statement["Condition"] == {
        "ArnLike": {
            "aws:PrincipalArn": [
                "arn:aws:iam::444444444444:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_DataEngineer_*",
                # {permission_set: DataMeshAdmin}: the set's role in the tools account.
                "arn:aws:iam::444444444444:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_DataMeshAdmin_*",
                "arn:aws:iam::444444444444:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_DataPlatformManager_*",
            ]
        }
    }
    expected = {f"{s}:{a}" for s, actions in management_actions(ManagementAccess.ADMIN).items() for a in actions}
    assert _management_actions(template) == expected
    # A DataZone user (IAM_ROLE profile) in the member pool, so that it can join producer projects.
    profiles = [p for k, p in of_type(template, "AWS::DataZone::UserProfile").items() if k.startswith("Management")]
    assert [p["Properties"]["UserType"] for p in profiles] == ["IAM_ROLE"]
    assert any(k.startswith("ManagementMemberPool") for k in of_type(template, "AWS::DataZone::PolicyGrant"))


def test_prod_has_a_read_only_role_limited_to_named_sso_roles(example_app):
    template = _domain(example_app, "prod")
    role = _management_role(template)
    assert role["RoleName"] == "acme-prod-datamesh-readonly"
    (statement,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Condition"]["ArnLike"]["aws:PrincipalArn"] == [
        "arn:aws:iam::444444444444:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_DataPlatformManager_*",
        "arn:aws:iam::444444444444:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_DataSteward_*",
    ]
    actions = _management_actions(template)
    assert not {f"datazone:{a}" for a in ADMIN_ACTIONS["datazone"]} & actions
    assert "datazone:SearchListings" in actions
    # Read only: no member pool grant, and no project membership anywhere in prod.
    assert not any(k.startswith("ManagementMemberPool") for k in of_type(template, "AWS::DataZone::PolicyGrant"))
    for name, stack in example_app.templates().items():
        if name.startswith("acme-prod-"):
            assert not [k for k in of_type(stack, "AWS::DataZone::ProjectMembership") if "Management" in k]


def test_the_role_reads_lake_formation_permissions_as_a_read_only_admin(example_app):
    template = _domain(example_app, "staging")
    # Written by the account's one settings writer, with the administrators (not a resource of its own).
    settings = [s["Properties"] for s in of_type(template, "Custom::LakeFormationSettings").values()]
    assert len(settings) == 1
    assert not of_type(template, "AWS::LakeFormation::DataLakeSettings")
    assert settings[0]["ReadOnlyAdmins"] == [
        {"Fn::GetAtt": [k, "Arn"]}
        for k, r in of_type(template, "AWS::IAM::Role").items()
        if r["Properties"].get("RoleName") == "acme-staging-datamesh-admin"
    ]


def test_admin_owns_exactly_the_producer_projects(example_app):
    memberships = {
        k
        for name, stack in example_app.templates().items()
        if name.startswith("acme-dev-products-")
        for k in of_type(stack, "AWS::DataZone::ProjectMembership")
        if k.startswith("ManagementOwns")
    }
    assert memberships == {
        "ManagementOwnsfinancecustomer360",  # the producer of the customer360 data product's tables
        "ManagementOwnsfinancereporting",
        "ManagementOwnssalesforecasting",
        "ManagementOwnsopsinventory",
    }


def test_management_principals_must_live_in_the_tools_account(env_dir: Path):
    edit_text(
        env_dir / "prod.yaml",
        "arn:aws:iam::444444444444:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_DataSteward_*",
        "arn:aws:iam::999999999999:role/DataSteward",
    )
    issue = assert_issue(
        load_issues(env_dir), "prod.yaml", "management.principals[0]", "is not in the tools account 444444444444"
    )
    assert "datamesh CLI runs in" in issue.fix


DEV_PRINCIPALS = """  principals:
    - arn:aws:iam::444444444444:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_DataEngineer_*
    - arn:aws:iam::444444444444:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_DataPlatformManager_*
    - permission_set: DataMeshAdmin   # mesh.yaml's permission set: its role in the tools account
"""


def test_an_admin_role_without_principals_is_refused_with_the_upgrade_note(env_dir: Path):
    edit_text(env_dir / "dev.yaml", DEV_PRINCIPALS, "")
    issue = assert_issue(
        load_issues(env_dir), "dev.yaml", "management.principals", "'access: admin' without 'principals'"
    )
    assert "acme-dev-datamesh-admin would trust every principal of the tools account 444444444444" in issue.problem
    # The missing key is reported on the block that needs it.
    dev = env_dir / "dev.yaml"
    assert line_of(dev, "management:") <= (issue.line or 0) <= line_of(dev, "access: admin")
    assert "list under management.principals" in issue.fix and "'access: readonly'" in issue.fix
    assert "arn:aws:iam::444444444444:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_" in issue.fix
    # A mesh that validated before this rule is pointed at what changed and why.
    assert "see CHANGELOG.md, upgrade note 'admin management roles need principals'" in issue.fix


def test_an_admin_role_with_an_empty_principals_list_is_refused(env_dir: Path):
    edit_yaml(env_dir / "staging.yaml", lambda data: data["management"].update(principals=[]))
    assert_issue(load_issues(env_dir), "staging.yaml", "management.principals", "'access: admin' without 'principals'")


def test_a_read_only_role_may_still_trust_the_whole_tools_account(env_dir: Path):
    text = (env_dir / "prod.yaml").read_text(encoding="utf-8")
    start = text.index("  # Only these tools-account roles may assume acme-prod-datamesh-readonly.")
    end = text.index("\npromotion:")
    (env_dir / "prod.yaml").write_text(text[:start] + text[end:], encoding="utf-8")
    prod = load_mesh(env_dir).environment("prod")
    assert prod.management.access is ManagementAccess.READONLY and prod.management.principals == []


def test_the_stack_refuses_an_admin_role_without_principals_built_in_code():
    """A MeshConfig built in code skips the loader's rule; the construct still refuses."""
    config = load_mesh(EXAMPLE)
    dev = config.environment("dev")
    unnamed = dev.model_copy(update={"management": dev.management.model_copy(update={"principals": []})})
    stack = cdk.Stack(cdk.App(), "Domain", env=cdk.Environment(account=dev.account, region=dev.region))
    with pytest.raises(ValueError, match=r"admin needs management\.principals .*CHANGELOG\.md, upgrade note"):
        management_identity(stack, config=config, env_config=unnamed, domain=None)  # type: ignore[arg-type]


def _called_operations() -> tuple[dict[str, set[str]], set[str]]:
    """Every AWS operation the services call, read from their source: ``client.<operation>(`` on a
    client of a known service, and the operation names given to the paging helpers (paginators)."""
    session = botocore.session.get_session()
    models = {
        service: {
            re.sub(r"(?<!^)(?=[A-Z])", "_", op).lower(): op for op in session.get_service_model(service).operation_names
        }
        for service in ("datazone", "lakeformation", "cloudformation", "codepipeline")
    }
    found: dict[str, set[str]] = {s: set() for s in models}
    unknown: set[str] = set()
    for path in [*SERVICES.glob("*.py"), ROOT / "datamesh" / "context.py"]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Attribute):
                names.append(node.attr)
            paging = isinstance(node, ast.Call) and getattr(node.func, "id", "") in ("items", "search_results")
            if paging and len(node.args) > 1:
                arg = node.args[1]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    names.append(arg.value)
                    if not any(arg.value in ops for ops in models.values()):
                        unknown.add(arg.value)
            for name in names:
                for service, operations in models.items():
                    if name in operations:
                        found[service].add(operations[name])
    return found, unknown


def test_the_services_call_only_operations_of_the_installed_botocore_models_and_the_roles_allow_them():
    called, unknown = _called_operations()
    assert not unknown, f"paginated operations missing from botocore's models: {unknown}"
    assert called["datazone"], "the source scan found no DataZone call"
    allowed = management_actions(ManagementAccess.ADMIN)
    # The pipeline's approvals run in the tools account with the approver role, not through these roles.
    for service in ("datazone", "lakeformation", "cloudformation"):
        granted = set(allowed.get(service, ()))
        assert called[service] <= granted, f"{service}: called but not allowed: {called[service] - granted}"
        # ... and the roles allow nothing the services never call.
        assert granted <= called[service], f"{service}: allowed but never called: {granted - called[service]}"


def test_read_actions_are_reads():
    for service, actions in READ_ACTIONS.items():
        for action in actions:
            assert action.startswith(("Get", "List", "Search", "Describe")), f"{service}:{action}"
