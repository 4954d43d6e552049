"""The opt-in detective services of one account (organization.owns: guardduty, security_hub,
access_analyzer), each the service's own CloudFormation resource.

Each can exist once per account and region: where a delegated administrator already enables it
for the organisation (Control Tower, Landing Zone Accelerator, a security team), creating it here
fails with "already exists" / "already subscribed", which is why each is opt-in.
"""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_accessanalyzer as accessanalyzer
from aws_cdk import aws_guardduty as guardduty
from aws_cdk import aws_securityhub as securityhub
from constructs import Construct

# The standard Security Hub enables here (AWS Security Hub user guide, "AWS Foundational Security Best
# Practices"): its controls cover the S3, KMS, IAM, Glue and Lambda resources of a mesh account.
FOUNDATIONAL_STANDARD = "standards/aws-foundational-security-best-practices/v/1.0.0"


def guardduty_detector(scope: Construct, construct_id: str) -> guardduty.CfnDetector:
    """GuardDuty with S3 Protection: a data lake's buckets are what an intruder reads."""
    return guardduty.CfnDetector(
        scope,
        construct_id,
        enable=True,
        finding_publishing_frequency="FIFTEEN_MINUTES",
        features=[guardduty.CfnDetector.CFNFeatureConfigurationProperty(name="S3_DATA_EVENTS", status="ENABLED")],
    )


def security_hub(scope: Construct, construct_id: str) -> tuple[securityhub.CfnHub, securityhub.CfnStandard]:
    """Security Hub with consolidated control findings and the foundational standard only (the
    default standards would add CIS as well). Its controls evaluate AWS Config's recordings: without
    a recorder in the account (organization.owns: config, or a landing zone's) they report nothing."""
    hub = securityhub.CfnHub(
        scope,
        construct_id,
        enable_default_standards=False,
        control_finding_generator="SECURITY_CONTROL",
        auto_enable_controls=True,
    )
    stack = Stack.of(scope)
    standard = securityhub.CfnStandard(
        scope,
        f"{construct_id}FoundationalStandard",
        standards_arn=f"arn:{stack.partition}:securityhub:{stack.region}::{FOUNDATIONAL_STANDARD}",
    )
    standard.add_resource_dependency(hub)
    return hub, standard


def access_analyzer(scope: Construct, construct_id: str, name: str) -> accessanalyzer.CfnAnalyzer:
    """An account analyzer: reports what this account's resource policies share outside it (a
    bucket policy or a KMS key opened to another account beyond the mesh's shares)."""
    return accessanalyzer.CfnAnalyzer(scope, construct_id, type="ACCOUNT", analyzer_name=name)
