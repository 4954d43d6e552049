"""The guardrail SCPs and the tag policy: each statement denies what it should and never the
deployment roles nor the global services (tests/scp_evaluator.py), every document passes the IAM
grammar (ours at synth, and cfn-lint's IAM policy schema and action list here) and the size limit."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mesh_config import load_mesh
from mesh_config.organization_policies import (
    SCP_MAX_CHARACTERS,
    OversizedStatementError,
    guardrail_statements,
    minified,
    pack_statements,
    service_control_policies,
    tag_policy,
)
from mesh_config.policy_grammar import scp_problems
from tests.config_edits import EXAMPLE
from tests.scp_evaluator import Request, denying_statements, statement_denies

THREE_PROD = EXAMPLE.parent / "examples" / "three-prod-accounts"
DEV, STAGING, PROD = "123456789012", "234567890123", "345678901234"
OUTSIDER = "999999999999"  # an account of the organisation that is no environment of the mesh


def _role(account: str, name: str) -> str:
    return f"arn:aws:iam::{account}:role/{name}"


def cfn_exec(account: str, region: str = "eu-west-1") -> str:
    return _role(account, f"cdk-hnb659fds-cfn-exec-role-{account}-{region}")


def deploy_role(account: str, region: str = "eu-west-1") -> str:
    return _role(account, f"cdk-hnb659fds-deploy-role-{account}-{region}")


DEVELOPER = _role(DEV, "aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_DataEngineer_0123abcd")
SETTINGS_WRITER = _role(PROD, "acme-prod-lakeformation-settings")
EU_PROFILE = f"arn:aws:bedrock:eu-west-1:{DEV}:inference-profile/eu.anthropic.claude-sonnet-4-5-20250929-v1:0"
GLOBAL_PROFILE = f"arn:aws:bedrock:eu-west-1:{DEV}:inference-profile/global.anthropic.claude-sonnet-4-5-20250929-v1:0"


@pytest.fixture(scope="module")
def documents() -> list[dict]:
    config = load_mesh(EXAMPLE)
    return [p.document for p in service_control_policies("acme", config.mesh.organization, list(config.environments))]


CASES = [
    # (what, request, the statements that must deny it)
    (
        "EC2 outside the allowed regions",
        Request("ec2:RunInstances", DEVELOPER, "us-east-2"),
        {"DenyOutsideAllowedRegions"},
    ),
    ("EC2 in an allowed region", Request("ec2:RunInstances", DEVELOPER, "eu-central-1"), set()),
    ("IAM, a global service, in us-east-1", Request("iam:CreateRole", DEVELOPER, "us-east-1"), set()),
    ("STS's global endpoint in us-east-1", Request("sts:AssumeRole", DEVELOPER, "us-east-1"), set()),
    ("Organizations reads in us-east-1", Request("organizations:DescribeOrganization", DEVELOPER, "us-east-1"), set()),
    ("CloudFront in us-east-1", Request("cloudfront:CreateDistribution", DEVELOPER, "us-east-1"), set()),
    ("Route 53 in us-east-1", Request("route53:ChangeResourceRecordSets", DEVELOPER, "us-east-1"), set()),
    ("S3 outside the regions", Request("s3:CreateBucket", DEVELOPER, "ap-southeast-2"), {"DenyOutsideAllowedRegions"}),
    ("Stopping a trail", Request("cloudtrail:StopLogging", DEVELOPER, "eu-west-1"), {"ProtectCloudTrail"}),
    ("Deleting a trail", Request("cloudtrail:DeleteTrail", DEVELOPER, "eu-west-1"), {"ProtectCloudTrail"}),
    ("Event selectors", Request("cloudtrail:PutEventSelectors", DEVELOPER, "eu-west-1"), {"ProtectCloudTrail"}),
    ("Reading trails", Request("cloudtrail:LookupEvents", DEVELOPER, "eu-west-1"), set()),
    ("A deployment updating its trail", Request("cloudtrail:UpdateTrail", cfn_exec(DEV), "eu-west-1"), set()),
    (
        "Leaving the organisation",
        Request("organizations:LeaveOrganization", DEVELOPER, "us-east-1"),
        {"DenyLeavingOrganization"},
    ),
    (
        "Leaving, even by a deployment role",
        Request("organizations:LeaveOrganization", cfn_exec(PROD), "us-east-1"),
        {"DenyLeavingOrganization"},
    ),
    (
        "A developer deleting the domain",
        Request("datazone:DeleteDomain", DEVELOPER, "eu-west-1"),
        {"ProtectMeshGovernance"},
    ),
    ("CloudFormation deleting the domain", Request("datazone:DeleteDomain", cfn_exec(PROD), "eu-west-1"), set()),
    ("The deploy role deleting the domain", Request("datazone:DeleteDomain", deploy_role(STAGING), "eu-west-1"), set()),
    (
        "Another account's bootstrap role",
        Request("datazone:DeleteDomain", cfn_exec(OUTSIDER), "eu-west-1"),
        {"ProtectMeshGovernance"},
    ),
    (
        "A developer replacing the data-lake settings",
        Request("lakeformation:PutDataLakeSettings", DEVELOPER, "eu-west-1"),
        {"ProtectMeshGovernance"},
    ),
    ("The mesh's settings writer", Request("lakeformation:PutDataLakeSettings", SETTINGS_WRITER, "eu-west-1"), set()),
    ("Reading the data-lake settings", Request("lakeformation:GetDataLakeSettings", DEVELOPER, "eu-west-1"), set()),
    (
        "An SSE-C upload",
        Request(
            "s3:PutObject", DEVELOPER, "eu-west-1", {"s3:x-amz-server-side-encryption-customer-algorithm": "AES256"}
        ),
        {"DenySseCUploads"},
    ),
    ("An upload relying on default encryption", Request("s3:PutObject", DEVELOPER, "eu-west-1"), set()),
    (
        "An SSE-KMS upload",
        Request("s3:PutObject", DEVELOPER, "eu-west-1", {"s3:x-amz-server-side-encryption": "aws:kms"}),
        set(),
    ),
    ("Bedrock in an allowed region", Request("bedrock:InvokeModel", DEVELOPER, "eu-west-1"), set()),
    (
        "Bedrock routed by an EU inference profile",
        Request("bedrock:InvokeModel", DEVELOPER, "eu-west-3", {"bedrock:InferenceProfileArn": EU_PROFILE}),
        set(),
    ),
    (
        "Bedrock outside the regions without a profile",
        Request("bedrock:InvokeModel", DEVELOPER, "us-east-1"),
        {"DenyBedrockOutsideAllowedGeographies"},
    ),
    (
        "Bedrock routed by a global profile",
        Request(
            "bedrock:InvokeModelWithResponseStream",
            DEVELOPER,
            "us-east-2",
            {"bedrock:InferenceProfileArn": GLOBAL_PROFILE},
        ),
        {"DenyBedrockOutsideAllowedGeographies"},
    ),
    (
        "Other Bedrock calls outside the regions",
        Request("bedrock:CreateAgent", DEVELOPER, "eu-west-3"),
        {"DenyOutsideAllowedRegions"},
    ),
    ("A deployment in its region", Request("cloudformation:CreateStack", deploy_role(DEV), "eu-west-1"), set()),
    ("CloudFormation creating the domain", Request("datazone:CreateDomain", cfn_exec(DEV), "eu-west-1"), set()),
]


@pytest.mark.parametrize(("what", "request_", "denied_by"), CASES, ids=[c[0] for c in CASES])
def test_each_statement_denies_what_it_should(documents, what, request_, denied_by):
    assert set(denying_statements(documents, request_)) == denied_by, what


def test_no_statement_denies_the_deployment_roles_their_work(documents):
    """What a deployment calls in the environments' region: nothing is denied to the bootstrap roles."""
    actions = [
        "cloudformation:CreateChangeSet",
        "cloudformation:UpdateStack",
        "s3:PutObject",
        "datazone:DeleteDomain",
        "lakeformation:PutDataLakeSettings",
        "cloudtrail:UpdateTrail",
        "cloudtrail:DeleteTrail",
        "iam:PassRole",
    ]
    for account in (DEV, STAGING, PROD):
        for role in (cfn_exec(account), deploy_role(account)):
            for action in actions:
                assert denying_statements(documents, Request(action, role, "eu-west-1")) == [], (role, action)


def test_every_global_service_action_is_exempt_in_us_east_1(documents):
    for action in ("iam:CreateRole", "sts:AssumeRole", "sts:GetCallerIdentity", "support:CreateCase", "budgets:View"):
        assert denying_statements(documents, Request(action, DEVELOPER, "us-east-1")) == [], action


def test_the_evaluator_follows_the_documented_condition_semantics():
    """Negated operators match a missing key, positive ones do not, Null tests presence: the
    evaluator itself, so that the cases above can fail."""
    missing = Request("s3:PutObject", DEVELOPER, "eu-west-1")

    def deny(condition: dict) -> bool:
        return statement_denies({"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Condition": condition}, missing)

    assert deny({"StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}})
    assert not deny({"StringEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}})
    assert deny({"Null": {"s3:x-amz-server-side-encryption": "true"}})
    assert not deny({"Null": {"s3:x-amz-server-side-encryption": "false"}})
    assert not deny({"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/aws-reserved/*"}})
    assert deny({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/*"}})
    assert not deny({"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1"]}})
    assert statement_denies({"Effect": "Deny", "NotAction": "iam:*", "Resource": "*"}, missing)
    assert not statement_denies({"Effect": "Deny", "NotAction": ["S3:Put*"], "Resource": "*"}, missing)


def test_every_scp_passes_the_grammar_and_the_size_limit():
    for folder in (EXAMPLE, THREE_PROD):
        config = load_mesh(folder)
        policies = service_control_policies("acme", config.mesh.organization, list(config.environments))
        assert len(policies) == 1  # everything fits in one SCP: four attachment slots stay free
        for policy in policies:
            assert scp_problems(policy.name, policy.document) == []
            assert len(policy.content()) <= SCP_MAX_CHARACTERS
            assert json.loads(policy.content()) == policy.document


def _cfn_lint_policies(tmp_path: Path, documents: list[dict]) -> subprocess.CompletedProcess[str]:
    """cfn-lint's IAM rules (E3510 policy schema, W3037 actions of the Service Authorization
    Reference) over the documents, each as the policy of an AWS::IAM::ManagedPolicy: an SCP has
    the shape of an identity policy (no Principal)."""
    template = {
        "Resources": {
            f"Scp{i}": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": d}}
            for i, d in enumerate(documents)
        }
    }
    path = tmp_path / "scps.template.json"
    path.write_text(json.dumps(template))
    cli = Path(sys.executable).parent / "cfn-lint"
    return subprocess.run([str(cli), "--format", "parseable", "--", str(path)], capture_output=True, text=True)


def test_every_scp_passes_cfn_lints_iam_policy_rules(tmp_path, documents):
    result = _cfn_lint_policies(tmp_path, documents)
    assert result.returncode == 0, result.stdout + result.stderr


def test_cfn_lint_catches_a_misspelt_action_and_operator(tmp_path):
    """The oracle works: what our grammar cannot know (action names) cfn-lint reports."""
    bad = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Bad",
                "Effect": "Deny",
                "Action": "cloudtrail:StopLoging",
                "Resource": "*",
                "Condition": {"StringNotEqualz": {"aws:RequestedRegion": "eu-west-1"}},
            }
        ],
    }
    result = _cfn_lint_policies(tmp_path, [bad])
    assert "W3037" in result.stdout and "E3510" in result.stdout
    assert any("unknown condition operator 'StringNotEqualz'" in p for p in scp_problems("bad", bad))


@pytest.mark.parametrize(
    ("statement", "problem"),
    [
        ({"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Principal": "*"}, "'Principal' is not supported"),
        ({"Effect": "Deny", "Action": "s3:*", "NotResource": "*"}, "'NotResource' is not supported"),
        ({"Effect": "Deny", "Action": "s3:*", "NotAction": "iam:*", "Resource": "*"}, "exactly one of Action"),
        ({"Effect": "Refuse", "Action": "s3:*", "Resource": "*"}, "Effect must be"),
        ({"Effect": "Deny", "Action": "s3 PutObject", "Resource": "*"}, "is not '<service>:<action>'"),
        ({"Effect": "Deny", "Action": "s3:*", "Resource": "bucket"}, "neither '*' nor an ARN"),
        ({"Sid": "a-b", "Effect": "Deny", "Action": "s3:*", "Resource": "*"}, "letters and digits only"),
        (
            {"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Condition": {"Null": {"s3:x": "maybe"}}},
            "takes 'true' or 'false'",
        ),
        (
            {"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Condition": {"StringEquals": {"region": "x"}}},
            "is not '<prefix>:<name>'",
        ),
    ],
)
def test_the_grammar_refuses_what_an_scp_cannot_hold(statement, problem):
    problems = scp_problems("p", {"Version": "2012-10-17", "Statement": [statement]})
    assert any(problem in p for p in problems), problems


def test_the_grammar_refuses_a_wrong_version_and_repeated_sids():
    statement = {"Sid": "A", "Effect": "Deny", "Action": "s3:*", "Resource": "*"}
    problems = scp_problems("p", {"Version": "2008-10-17", "Statement": [statement, statement]})
    assert any("Version must be" in p for p in problems)
    assert any("Sid 'A' is repeated" in p for p in problems)


def test_an_scp_over_5120_characters_is_refused():
    """Counted on the minified JSON the stack sends: a long one is over, the same with spaces is not the measure."""
    actions = [f"ec2:Describe{'X' * 40}{i}" for i in range(120)]
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": actions, "Resource": "*"}]}
    assert len(minified(document)) > SCP_MAX_CHARACTERS
    problems = scp_problems("big", document)
    assert problems == [f"big: {len(minified(document))} characters (minified); an SCP may have at most 5120"]
    with pytest.raises(OversizedStatementError, match="alone makes an SCP of"):
        pack_statements("acme", document["Statement"])


def test_statements_are_packed_into_as_few_scps_as_fit():
    config = load_mesh(EXAMPLE)
    statements = guardrail_statements("acme", config.mesh.organization, list(config.environments))
    largest = max(len(minified({"Version": "2012-10-17", "Statement": [s]})) for s in statements)
    policies = pack_statements("acme", statements, limit=largest)
    packed = [s for p in policies for s in p.document["Statement"]]
    assert sorted(packed, key=lambda s: s["Sid"]) == sorted(statements, key=lambda s: s["Sid"])  # none lost
    assert 1 < len(policies) < len(statements)  # small ones share an SCP
    assert all(len(p.content()) <= largest for p in policies)
    assert [p.name for p in policies] == [f"acme-mesh-guardrails-{i}" for i in range(1, len(policies) + 1)]


def test_the_tag_policy_fixes_key_casing_and_environment_values():
    policy = tag_policy(["dev", "staging", "prod"])
    assert policy["tags"]["Environment"] == {
        "tag_key": {"@@assign": "Environment"},
        "tag_value": {"@@assign": ["dev", "staging", "prod"]},
    }
    assert policy["tags"]["CostCenter"] == {"tag_key": {"@@assign": "CostCenter"}}
