"""Issue 25, audit baseline and budgets: the configuration's rules, the <org>-<env>-baseline stack
(budget, account baseline, GuardDuty, Security Hub, Access Analyzer, AWS Config) and the
organisation's <org>-log-archive and <org>-trail stacks, on the synthesized templates."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from aws_cdk.assertions import Match, Template

from mesh_config import load_mesh
from mesh_config.audit import DATA_LAKE_RULES
from mesh_config.organization import BaselinePart
from mesh_constructs.account_baseline import BASELINE_ACTIONS
from mesh_constructs.log_archive_bucket import DELETE_ACTIONS, PROTECTION_ACTIONS
from stacks.baseline_stack import account_parts
from tests.audit_meshes import LOG_ARCHIVE, MANAGEMENT, with_organization
from tests.config_edits import assert_issue, edit_text, load_issues
from tests.synth import ROOT, SynthesizedApp, of_type, synth_app
from tests.test_cfn_lint import cfn_lint
from tests.test_nag import violations

TRAIL_ARN = f"arn:aws:cloudtrail:eu-west-1:{MANAGEMENT}:trail/acme-organization-trail"
MANAGEMENT_TRAILS = f"arn:aws:cloudtrail:*:{MANAGEMENT}:trail/*"
ARCHIVE_BUCKET = f"acme-log-archive-{LOG_ARCHIVE}"


@pytest.fixture(scope="module")
def audit_app(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedApp:
    """The example with an organization owning every audit part, synthesized directly (the stages)."""
    mesh = with_organization(tmp_path_factory.mktemp("audit") / "environments")
    return synth_app(mesh, tmp_path_factory.mktemp("audit.out"), direct="true")


def template(app: SynthesizedApp, stack: str) -> Template:
    return Template.from_json(app.templates()[stack])


# --- budgets in the configuration ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("folder", "expected"),
    [
        ("environments", {"dev": 5000, "staging": 15000, "prod": 50000}),
        ("examples/three-prod-accounts", {"prod-dev": 5000, "prod-staging": 15000, "prod": 50000}),
    ],
)
def test_bundled_examples_budget_each_account_in_euro(folder, expected):
    config = load_mesh(ROOT / folder)
    budgets = {e.name: e.budget for e in config.environments}
    assert {name: b.amount for name, b in budgets.items() if b is not None} == expected
    assert {b.currency for b in budgets.values() if b is not None} == {"EUR"}
    assert all(b.recipients.emails for b in budgets.values() if b is not None)


def broken_budget(env_dir: Path, budget: str) -> list:
    edit_text(env_dir / "dev.yaml", "budget:\n  amount: 5000\n", f"budget:\n{budget}\n")
    return load_issues(env_dir)


def test_a_budget_without_recipients_is_refused(env_dir):
    text = (env_dir / "dev.yaml").read_text()
    (env_dir / "dev.yaml").write_text(text[: text.index("  recipients:")])
    issue = assert_issue(load_issues(env_dir), "dev.yaml", "budget.recipients", "alerts nobody")
    assert "sns_topic_arn" in issue.fix


def test_budget_rules_are_reported_together(env_dir):
    text = (env_dir / "dev.yaml").read_text()
    start = text.index("budget:")
    (env_dir / "dev.yaml").write_text(
        text[:start]
        + """budget:
  amount: 5000
  currency: XYZ
  thresholds:
    - {percent: 50}
    - {percent: 60}
    - {percent: 70}
    - {percent: 80}
    - {percent: 90}
    - {percent: 90}
  recipients:
    emails: [a@acme.example, A@acme.example]
"""
    )
    issues = load_issues(env_dir)
    assert_issue(issues, "dev.yaml", "budget.thresholds", "6 thresholds; AWS Budgets allows at most 5")
    assert_issue(issues, "dev.yaml", "budget.thresholds[5]", "listed twice")
    assert_issue(issues, "dev.yaml", "budget.currency", "'XYZ' is not a currency AWS bills in")
    assert_issue(issues, "dev.yaml", "budget.recipients.emails[1]", "listed twice")


@pytest.mark.parametrize("percent", [0, 1001, -5])
def test_a_threshold_outside_0_to_1000_percent_is_refused(env_dir, percent):
    edit_text(env_dir / "dev.yaml", "    - {percent: 80}\n", f"    - {{percent: {percent}}}\n")
    issues = load_issues(env_dir)
    assert [i for i in issues if i.path == "budget.thresholds[0].percent"], [i.render() for i in issues]


def test_a_negative_amount_and_an_unknown_spend_kind_are_refused(env_dir):
    edit_text(env_dir / "dev.yaml", "  amount: 5000\n", "  amount: -1\n")
    edit_text(env_dir / "dev.yaml", "spend: forecasted}", "spend: guessed}")
    paths = {i.path for i in load_issues(env_dir)}
    assert {"budget.amount", "budget.thresholds[2].spend"} <= paths


# --- the organisation's audit rules -------------------------------------------------------------


def test_a_trail_without_a_log_archive_account_is_refused(tmp_path):
    mesh = with_organization(tmp_path / "environments")
    edit_text(mesh / "mesh.yaml", f'  log_archive_account: "{LOG_ARCHIVE}"\n', "")
    assert_issue(load_issues(mesh), "mesh.yaml", "organization", "'log_archive_account' is not set")


def test_a_trail_into_a_bucket_the_tool_does_not_own_is_refused_with_the_other_rules(tmp_path):
    mesh = with_organization(
        tmp_path / "environments",
        owns=["trail"],
        extra="  audit:\n    archive_after_days: 90\n    expire_after_days: 30\n"
        "    config_rules: [CLOUDTRAIL_ENABLED, CLOUDTRAIL_ENABLED]\n",
    )
    issues = load_issues(mesh)
    assert_issue(issues, "mesh.yaml", "organization.owns", "owns trail but not log_archive")
    assert_issue(issues, "mesh.yaml", "organization.audit.expire_after_days", "before or when they are archived")
    assert_issue(issues, "mesh.yaml", "organization.audit.config_rules[1]", "listed twice")


def test_a_config_rule_that_is_no_managed_rule_identifier_is_refused(tmp_path):
    mesh = with_organization(tmp_path / "environments", extra="  audit:\n    config_rules: [s3-bucket-ssl]\n")
    issue = assert_issue(load_issues(mesh), "mesh.yaml", "organization.audit.config_rules[0]", "wrong format")
    assert "S3_BUCKET_SSL_REQUESTS_ONLY" in issue.fix


def test_shared_accounts_hold_the_account_wide_parts_once(tmp_path):
    mesh = with_organization(tmp_path / "environments")
    edit_text(
        mesh / "staging.yaml",
        'account: "234567890123"',
        'account: "123456789012"\nshared_account_reason: staging shares the dev account for this test',
    )
    config = load_mesh(mesh)
    parts = {e.name: account_parts(config, e) for e in config.environments}
    assert BaselinePart.CONFIG in parts["dev"] and parts["staging"] == ()


# --- the baseline stack -------------------------------------------------------------------------


def test_the_bundled_example_budgets_and_baselines_each_account(example_app):
    dev = example_app.templates()["acme-dev-baseline"]
    # organization owns the default parts: the account baseline, no opt-in service
    assert {"AWS::Budgets::Budget", "Custom::AccountBaseline"} <= {r["Type"] for r in dev["Resources"].values()}
    assert not of_type(dev, "AWS::GuardDuty::Detector") and not of_type(dev, "AWS::Config::ConfigurationRecorder")
    Template.from_json(dev).has_resource_properties(
        "AWS::Budgets::Budget",
        {
            "Budget": {
                "BudgetName": "acme-dev-cost",
                "BudgetType": "COST",
                "TimeUnit": "MONTHLY",
                "BudgetLimit": {"Amount": 5000, "Unit": "EUR"},
            },
            "NotificationsWithSubscribers": [
                {
                    "Notification": {
                        "ComparisonOperator": "GREATER_THAN",
                        "NotificationType": kind,
                        "Threshold": percent,
                        "ThresholdType": "PERCENTAGE",
                    },
                    "Subscribers": [{"Address": "data-platform-finops@acme.example", "SubscriptionType": "EMAIL"}],
                }
                for percent, kind in ((80, "ACTUAL"), (100, "ACTUAL"), (100, "FORECASTED"))
            ],
        },
    )
    assert {"acme-trail", "acme-log-archive"} <= set(example_app.templates())


def test_an_sns_topic_is_one_more_subscriber_of_every_alert(tmp_path):
    mesh = with_organization(tmp_path / "environments", owns=[])
    edit_text(
        mesh / "prod.yaml",
        "    emails: [data-platform-finops@acme.example, it-operations@acme.example]\n",
        "    emails: [data-platform-finops@acme.example]\n"
        "    sns_topic_arn: arn:aws:sns:eu-west-1:345678901234:finops-alerts\n",
    )
    app = synth_app(mesh, tmp_path / "out", direct="true")
    budget = next(iter(of_type(app.templates()["acme-prod-baseline"], "AWS::Budgets::Budget").values()))
    for notification in budget["Properties"]["NotificationsWithSubscribers"]:
        assert notification["Subscribers"] == [
            {"Address": "data-platform-finops@acme.example", "SubscriptionType": "EMAIL"},
            {"Address": "arn:aws:sns:eu-west-1:345678901234:finops-alerts", "SubscriptionType": "SNS"},
        ]
    # owns no audit part: no trail or log archive, and the baseline is the budget alone
    assert not [n for n in app.templates() if n in ("acme-trail", "acme-log-archive")]
    assert {r["Type"] for r in app.templates()["acme-prod-baseline"]["Resources"].values()} == {"AWS::Budgets::Budget"}


def test_account_baseline_custom_resource_and_its_rights(audit_app):
    dev = template(audit_app, "acme-dev-baseline")
    dev.has_resource_properties("Custom::AccountBaseline", {"AccountId": "123456789012", "Region": "eu-west-1"})
    dev.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [{"Action": sorted(BASELINE_ACTIONS), "Effect": "Allow", "Resource": "*"}]
                )
            }
        },
    )
    dev.has_resource_properties(
        "AWS::Lambda::Function", {"Handler": "handlers.account_baseline.on_event", "Timeout": 300}
    )


def test_detective_services(audit_app):
    dev = template(audit_app, "acme-dev-baseline")
    dev.has_resource_properties(
        "AWS::GuardDuty::Detector",
        {"Enable": True, "Features": [{"Name": "S3_DATA_EVENTS", "Status": "ENABLED"}]},
    )
    dev.has_resource_properties(
        "AWS::SecurityHub::Hub", {"EnableDefaultStandards": False, "ControlFindingGenerator": "SECURITY_CONTROL"}
    )
    dev.has_resource_properties(
        "AWS::SecurityHub::Standard",
        {"StandardsArn": "arn:aws:securityhub:eu-west-1::standards/aws-foundational-security-best-practices/v/1.0.0"},
    )
    dev.has_resource_properties(
        "AWS::AccessAnalyzer::Analyzer", {"Type": "ACCOUNT", "AnalyzerName": "acme-dev-access-analyzer"}
    )


def test_config_records_everything_into_its_own_bucket_with_the_data_lake_rules(audit_app):
    raw = audit_app.templates()["acme-dev-baseline"]
    dev = Template.from_json(raw)
    recorder_id = next(iter(of_type(raw, "AWS::Config::ConfigurationRecorder")))
    dev.has_resource_properties(
        "AWS::Config::ConfigurationRecorder",
        {"RecordingGroup": {"AllSupported": True, "IncludeGlobalResourceTypes": True}},
    )
    dev.has_resource("AWS::Config::DeliveryChannel", {"DependsOn": [recorder_id]})
    rules = of_type(raw, "AWS::Config::ConfigRule")
    assert sorted(r["Properties"]["Source"]["SourceIdentifier"] for r in rules.values()) == sorted(DATA_LAKE_RULES)
    assert all(recorder_id in r["DependsOn"] for r in rules.values())
    assert all(r["Properties"]["Source"]["Owner"] == "AWS" for r in rules.values())
    dev.has_resource_properties("AWS::S3::Bucket", {"BucketName": "acme-dev-config-123456789012"})
    dev.has_resource("AWS::S3::Bucket", {"DeletionPolicy": "Retain"})
    # Security Hub's controls need the recorder first
    hub = next(iter(of_type(raw, "AWS::SecurityHub::Hub").values()))
    assert recorder_id in hub["DependsOn"]


# --- the organisation's audit stacks ------------------------------------------------------------


def test_the_audit_stacks_deploy_in_their_accounts_log_archive_first(audit_app):
    stacks = {s.stack_name: s for s in audit_app.stacks()}
    assert stacks["acme-log-archive"].environment.account == LOG_ARCHIVE
    assert stacks["acme-trail"].environment.account == MANAGEMENT
    assert "acme-log-archive" in {d.stack_name for d in stacks["acme-trail"].dependencies if hasattr(d, "stack_name")}
    assert stacks["acme-trail"].termination_protection and stacks["acme-log-archive"].termination_protection


def test_the_organisation_trail_names_the_bucket_and_key_of_the_other_account(audit_app):
    template(audit_app, "acme-trail").has_resource_properties(
        "AWS::CloudTrail::Trail",
        {
            "TrailName": "acme-organization-trail",
            "IsOrganizationTrail": True,
            "IsMultiRegionTrail": True,
            "IsLogging": True,
            "EnableLogFileValidation": True,
            "IncludeGlobalServiceEvents": True,
            "S3BucketName": ARCHIVE_BUCKET,
            "KMSKeyId": f"arn:aws:kms:eu-west-1:{LOG_ARCHIVE}:alias/acme-log-archive",
        },
    )


def test_log_archive_key_lets_only_the_trail_encrypt(audit_app):
    archive = template(audit_app, "acme-log-archive")
    archive.has_resource_properties(
        "AWS::KMS::Key",
        {
            "EnableKeyRotation": True,
            "KeyPolicy": {
                "Statement": Match.array_with(
                    [
                        {
                            "Sid": "AllowCloudTrailToEncryptLogs",
                            "Effect": "Allow",
                            "Principal": {"Service": "cloudtrail.amazonaws.com"},
                            "Action": "kms:GenerateDataKey*",
                            "Resource": "*",
                            "Condition": {
                                "StringEquals": {"aws:SourceArn": TRAIL_ARN},
                                "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": MANAGEMENT_TRAILS},
                            },
                        },
                        {
                            "Sid": "AllowCloudTrailToDescribeKey",
                            "Effect": "Allow",
                            "Principal": {"Service": "cloudtrail.amazonaws.com"},
                            "Action": "kms:DescribeKey",
                            "Resource": "*",
                            "Condition": {"StringEquals": {"aws:SourceArn": TRAIL_ARN}},
                        },
                    ]
                )
            },
        },
    )
    archive.has_resource_properties("AWS::KMS::Alias", {"AliasName": "alias/acme-log-archive"})
    archive.has_resource("AWS::KMS::Key", {"DeletionPolicy": "Retain"})


def test_log_archive_bucket_is_encrypted_versioned_logged_and_archived(audit_app):
    archive = template(audit_app, "acme-log-archive")
    archive.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "BucketName": ARCHIVE_BUCKET,
            "VersioningConfiguration": {"Status": "Enabled"},
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [
                    Match.object_like(
                        {
                            "BucketKeyEnabled": True,
                            "ServerSideEncryptionByDefault": Match.object_like({"SSEAlgorithm": "aws:kms"}),
                        }
                    )
                ]
            },
            "LoggingConfiguration": Match.object_like({"LogFilePrefix": "log-archive/"}),
            "LifecycleConfiguration": {
                "Rules": [
                    {
                        "Id": "archive",
                        "Status": "Enabled",
                        "Transitions": [{"StorageClass": "GLACIER", "TransitionInDays": 90}],
                        "NoncurrentVersionTransitions": [{"StorageClass": "GLACIER", "TransitionInDays": 90}],
                    }
                ]
            },
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            },
        },
    )


def test_expiry_is_configurable(tmp_path):
    mesh = with_organization(
        tmp_path / "environments",
        owns=["trail", "log_archive"],
        extra="  audit:\n    archive_after_days: 30\n    expire_after_days: 2555\n",
    )
    app = synth_app(mesh, tmp_path / "out", direct="true")
    buckets = of_type(app.templates()["acme-log-archive"], "AWS::S3::Bucket")
    archive = next(b for b in buckets.values() if b["Properties"].get("BucketName") == ARCHIVE_BUCKET)
    (rule,) = archive["Properties"]["LifecycleConfiguration"]["Rules"]
    assert rule["Transitions"] == [{"StorageClass": "GLACIER", "TransitionInDays": 30}]
    assert rule["ExpirationInDays"] == 2555 and rule["NoncurrentVersionExpiration"] == {"NoncurrentDays": 2555}


def test_log_archive_bucket_policy_lets_the_trail_write_and_nobody_delete(audit_app):
    raw = audit_app.templates()["acme-log-archive"]
    bucket_id = next(
        k for k, b in of_type(raw, "AWS::S3::Bucket").items() if b["Properties"].get("BucketName") == ARCHIVE_BUCKET
    )
    policy = next(
        p for p in of_type(raw, "AWS::S3::BucketPolicy").values() if p["Properties"]["Bucket"] == {"Ref": bucket_id}
    )
    statements = {s.get("Sid", "tls"): s for s in policy["Properties"]["PolicyDocument"]["Statement"]}
    arn = {"Fn::GetAtt": [bucket_id, "Arn"]}

    def under(suffix: str) -> dict:
        return {"Fn::Join": ["", [arn, suffix]]}

    assert statements["AWSCloudTrailAclCheck"] == {
        "Sid": "AWSCloudTrailAclCheck",
        "Effect": "Allow",
        "Principal": {"Service": "cloudtrail.amazonaws.com"},
        "Action": "s3:GetBucketAcl",
        "Resource": arn,
        "Condition": {"StringEquals": {"aws:SourceArn": TRAIL_ARN}},
    }
    assert statements["AWSCloudTrailWrite"] == {
        "Sid": "AWSCloudTrailWrite",
        "Effect": "Allow",
        "Principal": {"Service": "cloudtrail.amazonaws.com"},
        "Action": "s3:PutObject",
        "Resource": [under(f"/AWSLogs/{MANAGEMENT}/*"), under("/AWSLogs/o-*/*")],
        "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": TRAIL_ARN}},
    }
    assert statements["DenyDeletingLogs"] == {
        "Sid": "DenyDeletingLogs",
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": sorted(DELETE_ACTIONS),
        "Resource": under("/*"),
    }
    weakening = statements["DenyWeakeningTheBucket"]
    assert weakening["Effect"] == "Deny" and weakening["Action"] == sorted(PROTECTION_ACTIONS)
    assert weakening["Condition"] == {
        "ArnNotLike": {
            "aws:PrincipalArn": f"arn:aws:iam::{LOG_ARCHIVE}:role/cdk-hnb659fds-cfn-exec-role-{LOG_ARCHIVE}-eu-west-1"
        }
    }
    tls = [s for s in statements.values() if s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}]
    assert tls and tls[0]["Effect"] == "Deny"


# --- the oracles --------------------------------------------------------------------------------


def test_the_audit_stacks_are_nag_clean(audit_app):
    assert violations(audit_app.validation_report()) == []


def test_the_audit_templates_pass_cfn_lint(audit_app):
    names = {"acme-trail", "acme-log-archive", "acme-dev-baseline", "acme-staging-baseline", "acme-prod-baseline"}
    paths = [
        p
        for p in audit_app.template_files()
        if any(s.stack_name in names and Path(s.template_full_path) == p for s in audit_app.stacks())
    ]
    assert len(paths) == len(names)
    result = cfn_lint(paths)
    assert result.returncode == 0, result.stdout + result.stderr


def test_without_an_organization_section_only_budgets_are_created(tmp_path):
    mesh = tmp_path / "three-prod-accounts"
    shutil.copytree(ROOT / "examples" / "three-prod-accounts", mesh)
    text = (mesh / "mesh.yaml").read_text()
    start = text.index("# The AWS Organization around the mesh")
    (mesh / "mesh.yaml").write_text(text[:start] + text[text.index("identity_center:", start) :])
    app = synth_app(mesh, tmp_path / "out", direct="true")
    assert not {"acme-trail", "acme-log-archive", "acme-identity"} & set(app.templates())
    for env in ("prod-dev", "prod-staging", "prod"):
        resources = app.templates()[f"acme-{env}-baseline"]["Resources"].values()
        assert {r["Type"] for r in resources} == {"AWS::Budgets::Budget"}


def test_every_scoped_statement_of_the_audit_stacks_can_match_its_arns(audit_app):
    from tests.test_iam_resource_types import _stacks, problems_of

    names = {"acme-trail", "acme-log-archive", "acme-dev-baseline"}
    problems = problems_of([s for s in _stacks(audit_app) if s.name in names])
    assert not problems, "\n".join(problems)


def test_derived_audit_names_too_long_for_their_services_are_refused(tmp_path):
    mesh = with_organization(tmp_path / "environments")
    long_org = "a" * 40
    edit_text(mesh / "mesh.yaml", "org: acme\n", f"org: {long_org}\n")
    issues = load_issues(mesh)
    assert_issue(issues, "mesh.yaml", "org", f"S3 bucket name '{long_org}-log-archive-access-{LOG_ARCHIVE}'")
    assert_issue(issues, "dev.yaml", "name", f"S3 bucket name '{long_org}-dev-config-123456789012'")


def test_the_smoke_test_role_may_read_back_the_account_settings_and_nothing_more(example_app):
    """scripts/smoke_test.py reads S3 Block Public Access and EBS encryption by default where the
    environment's baseline owns them: two reads, never the handler's writes."""
    for env in ("staging", "prod"):
        domain = example_app.templates()[f"acme-{env}-domain"]
        (role_id,) = [k for k in of_type(domain, "AWS::IAM::Role") if k.startswith("SmokeTestRole")]
        actions = {
            action
            for p in of_type(domain, "AWS::IAM::Policy").values()
            if {"Ref": role_id} in p["Properties"]["Roles"]
            for st in p["Properties"]["PolicyDocument"]["Statement"]
            for action in ([st["Action"]] if isinstance(st["Action"], str) else st["Action"])
        }
        assert {"s3:GetAccountPublicAccessBlock", "ec2:GetEbsEncryptionByDefault"} <= actions
        assert not {"s3:PutAccountPublicAccessBlock", "ec2:EnableEbsEncryptionByDefault"} & actions
