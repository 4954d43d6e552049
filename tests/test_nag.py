"""cdk-nag 3 AwsSolutions over the whole app: no unacknowledged finding, every ack has a reason."""

from __future__ import annotations

import contextlib
import json

import aws_cdk as cdk
import pytest
from aws_cdk import aws_s3 as s3
from cdk_nag import AwsSolutionsChecks


def violations(report: dict) -> list[str]:
    return [
        f"{plugin['pluginName']}: {v['ruleName']} at {c['constructPath']}"
        for plugin in report["pluginReports"]
        for v in plugin["violations"]
        for c in v["violatingConstructs"]
    ]


def test_whole_app_has_no_unacknowledged_findings(example_app):
    assert violations(example_app.validation_report()) == []


def test_every_acknowledgment_has_a_specific_reason(example_app):
    acks = acknowledgments(example_app.app)
    assert acks, "expected acknowledgments in the construct metadata"
    for path, rule, reason in acks:
        assert len(reason) >= 40, f"{path} {rule}: reason too short: {reason!r}"
        if "AwsSolutions-IAM" in rule:
            assert "[" in rule, f"{path}: acknowledge a specific IAM finding, not the whole rule: {rule}"


def acknowledgments(app: cdk.App) -> list[tuple[str, str, str]]:
    found = []
    for construct in app.node.find_all():
        for entry in construct.node.metadata:
            if entry.type == cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY:
                # data: {"<namespace>::<finding id>": "<reason>"}
                found += [(construct.node.path, rule, reason) for rule, reason in entry.data.items()]
    return found


def test_nag_reports_an_insecure_bucket(tmp_path):
    """The oracle works: a bucket without TLS enforcement or logging is a finding."""
    app = cdk.App(outdir=str(tmp_path))
    stack = cdk.Stack(app, "Insecure", env=cdk.Environment(account="123456789012", region="eu-west-1"))
    s3.Bucket(stack, "Bucket")
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    with contextlib.suppress(Exception):  # cdk-nag 3 may raise on findings; the report is the oracle
        app.synth()
    report = json.loads((tmp_path / "validation-report.json").read_text())
    rules = " ".join(violations(report))
    assert "AwsSolutions-S1" in rules and "AwsSolutions-S10" in rules


def test_nag_runs_when_the_builtin_validation_is_off(tmp_path):
    """A local `cdk synth` skips CDK's built-in CloudFormation validation (app.py), never cdk-nag."""
    app = cdk.App(outdir=str(tmp_path), builtin_cloud_formation_validation=False)
    stack = cdk.Stack(app, "Insecure", env=cdk.Environment(account="123456789012", region="eu-west-1"))
    s3.Bucket(stack, "Bucket")
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    with pytest.raises(Exception, match="AwsSolutions-S1"):
        app.synth()
    rules = " ".join(violations(json.loads((tmp_path / "validation-report.json").read_text())))
    assert "AwsSolutions-S10" in rules and "CloudFormation-Validate" not in rules


def test_the_app_skips_the_builtin_validation_unless_asked(monkeypatch):
    from app import builtin_validation, new_app
    from mesh_constructs.acknowledge import BUILTIN_VALIDATION_CONTEXT

    monkeypatch.delenv("CDK_VALIDATION", raising=False)
    assert builtin_validation() is False
    assert new_app().node.try_get_context(BUILTIN_VALIDATION_CONTEXT) is False
    monkeypatch.setenv("CDK_VALIDATION", "true")
    assert builtin_validation() is True
    assert new_app().node.try_get_context(BUILTIN_VALIDATION_CONTEXT) is True
