"""What the acknowledgements' reasons say, as policy: Lambda roles write their own log group only
(no AWSLambdaBasicExecutionRole), the permissions-broadening check assumes only the deploy roles
of the stages it checks, RAM invitations are accepted from the producer accounts only, and E3019
is acknowledged only where it fires."""

from __future__ import annotations

from collections import Counter

import aws_cdk as cdk

from tests.ram_acceptance import shared_data_template
from tests.synth import SynthesizedApp, of_type
from tests.test_nag import acknowledgments


def _as_list(value: object) -> list:
    return value if isinstance(value, list) else [value]


def _policies_of(template: dict, role_id: str) -> list[dict]:
    """The statements of the template's policies on a role: its logical id, or the name of a role
    of another stack (the foundation's Lake Formation grants role, imported by name)."""
    role = role_id if role_id.startswith("name:") else {"Ref": role_id}
    return [
        statement
        for policy in of_type(template, "AWS::IAM::Policy").values()
        if role in [f"name:{r}" if isinstance(r, str) else r for r in policy["Properties"]["Roles"]]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def _role_key(role: object) -> str:
    """A function's Role: a GetAtt of this template's role (its logical id), or an ARN naming a role
    of another stack ("name:<role name>")."""
    if isinstance(role, str):
        return "name:" + role.rsplit("/", 1)[-1]
    return role["Fn::GetAtt"][0]  # type: ignore[index]


def _lambda_roles(template: dict) -> dict[str, tuple[str, dict]]:
    """Function logical id -> (its role's logical id or "name:<role name>", its LoggingConfig)."""
    return {
        k: (_role_key(f["Properties"]["Role"]), f["Properties"].get("LoggingConfig", {}))
        for k, f in of_type(template, "AWS::Lambda::Function").items()
    }


def _role(templates: dict[str, dict], template: dict, role_id: str) -> dict:
    if not role_id.startswith("name:"):
        return of_type(template, "AWS::IAM::Role")[role_id]
    name = role_id.removeprefix("name:")
    (role,) = [
        r
        for t in templates.values()
        for r in of_type(t, "AWS::IAM::Role").values()
        if r["Properties"].get("RoleName") == name
    ]
    return role


def test_no_lambda_role_has_the_basic_execution_policy_and_each_writes_its_own_log_group(
    example_app: SynthesizedApp,
):
    checked: list[str] = []
    templates = example_app.templates()
    for name, template in templates.items():
        for function, (role_id, logging) in _lambda_roles(template).items():
            assert "ManagedPolicyArns" not in _role(templates, template, role_id)["Properties"], f"{name} {function}"
            own_group = logging["LogGroup"]["Ref"]
            log_statements = [s for s in _policies_of(template, role_id) if str(s["Action"]).count("logs:")]
            assert log_statements, f"{name} {function}: no log rights"
            for statement in log_statements:
                assert sorted(_as_list(statement["Action"])) == ["logs:CreateLogStream", "logs:PutLogEvents"]
                groups = {r["Fn::GetAtt"][0] for r in _as_list(statement["Resource"])}
                # A role shared by several functions (the handler identity) writes each of their groups.
                assert own_group in groups and all(
                    template["Resources"][g]["Type"] == "AWS::Logs::LogGroup" for g in groups
                ), f"{name} {function}"
            checked.append(function)
    # CDK Pipelines' auto-approve function and the Provider framework's functions are among them.
    assert any("AutoApprove" in f for f in checked) and any("frameworkonEvent" in f for f in checked)


def test_the_auto_approve_function_logs_to_a_retained_group_of_its_own(example_app: SynthesizedApp):
    template = example_app.templates()["acme-mesh-pipeline"]
    (function,) = (f for k, f in of_type(template, "AWS::Lambda::Function").items() if "AutoApprove" in k)
    group = template["Resources"][function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]]
    assert group["Properties"]["RetentionInDays"] == 731 and group["DeletionPolicy"] == "Retain"
    # CDK's managed /aws/lambda/<function> group is gone: nothing would write to it.
    assert [k for k in of_type(template, "AWS::Logs::LogGroup") if "AutoApprove" in k] == [
        function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
    ]


def test_the_broadening_check_assumes_only_the_deploy_roles_of_the_stages_it_checks(example_app: SynthesizedApp):
    template = example_app.templates()["acme-mesh-pipeline"]
    (role_id,) = (k for k in of_type(template, "AWS::IAM::Role") if "CDKSecurityCheckRole" in k)
    (assume,) = (s for s in _policies_of(template, role_id) if s["Action"] == "sts:AssumeRole")
    # Only prod confirms permissions broadening in the example, and so the organisation stage does
    # (the management and log-archive accounts' deploy roles).
    role = "arn:${{AWS::Partition}}:iam::{0}:role/cdk-hnb659fds-deploy-role-{0}-eu-west-1"
    assert assume["Resource"] == [
        {"Fn::Sub": role.format(account)} for account in ("100000000000", "200000000000", "345678901234")
    ]
    assert assume["Condition"] == {"ForAnyValue:StringEquals": {"iam:ResourceTag/aws-cdk:bootstrap-role": ["deploy"]}}


def _acknowledged_resources(app: cdk.App, rule_suffix: str) -> set[tuple[str, str]]:
    """(stack name, logical id) of every resource acknowledged for the rule: resources built from a
    template fragment (mesh_constructs/template_fragment.py) live at other construct paths than
    their path metadata says, their logical ids are the contract."""
    found = set()
    for construct in app.node.find_all():
        if not isinstance(construct, cdk.CfnResource):
            continue
        for entry in construct.node.metadata:
            if entry.type == cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY and any(
                rule.endswith(rule_suffix) for rule in entry.data
            ):
                stack = cdk.Stack.of(construct)
                found.add((stack.stack_name, stack.resolve(construct.logical_id)))
    return found


def test_e3019_is_acknowledged_only_on_memberships_sharing_a_project_in_one_template(example_app: SynthesizedApp):
    acknowledged = _acknowledged_resources(example_app.app, "E3019")
    assert acknowledged
    assert {p for p, rule, _ in acknowledgments(example_app.app) if rule.endswith("E3019")}
    for stack in example_app.stacks():
        memberships = of_type(stack.template, "AWS::DataZone::ProjectMembership")
        projects = Counter(str(m["Properties"]["ProjectIdentifier"]) for m in memberships.values())
        for logical_id, membership in memberships.items():
            shared = projects[str(membership["Properties"]["ProjectIdentifier"])] > 1
            assert ((stack.stack_name, logical_id) in acknowledged) == shared, logical_id
            ignored = membership["Metadata"].get("cfn-lint", {}).get("config", {}).get("ignore_checks", [])
            assert ("E3019" in ignored) == shared, logical_id


def test_ram_invitations_are_accepted_only_from_the_producer_accounts():
    template = shared_data_template()
    statements = {
        action: statement
        for p in of_type(template, "AWS::IAM::Policy").values()
        for statement in p["Properties"]["PolicyDocument"]["Statement"]
        for action in _as_list(statement["Action"])
        if action.startswith("ram:")
    }
    # Listing has no resource type (CDK merges it with the other '*' actions of the policy).
    assert statements["ram:GetResourceShareInvitations"]["Resource"] == "*"
    assert "Condition" not in statements["ram:GetResourceShareInvitations"]
    assert statements["ram:AcceptResourceShareInvitation"] == {
        "Action": "ram:AcceptResourceShareInvitation",
        "Condition": {"StringEquals": {"ram:ShareOwnerAccountId": ["333333333333"]}},
        "Effect": "Allow",
        "Resource": "arn:aws:ram:eu-west-1:*:resource-share-invitation/*",
    }
