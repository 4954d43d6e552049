"""The guardrails the organisation section asks for, as policy documents: the service control
policies (SCPs) on the mesh's OUs and the Environment / CostCenter tag policy.

Pure data built from the configuration alone, so that validation can check every document against
the IAM policy grammar and the Organizations size limit (mesh_config/policy_grammar.py) before any
synthesis, and the organisation stack (stacks/organization_stack.py) deploys exactly what was checked.

What each statement denies, and whom it never denies:

- ``DenyOutsideAllowedRegions``: every action outside ``allowed_regions`` except the global services
  AWS's own example exempts (AWS Organizations User Guide, "General examples", example SCP "Deny
  access to AWS based on the requested AWS Region",
  https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_examples_general.html).
  The deployment roles are not exempt: they deploy only into the environments' regions, which
  validation requires to be allowed.
- ``DenyBedrockOutsideAllowedGeographies``: Bedrock inference outside ``allowed_regions`` unless by
  a geographic cross-Region inference profile of their geographies (see BEDROCK_INFERENCE_ACTIONS).
- ``ProtectCloudTrail``: stopping, deleting or reconfiguring trails and event data stores, except by
  the deployment roles (an account baseline may deploy a trail of its own through them).
- ``DenyLeavingOrganization``: organizations:LeaveOrganization, for everyone: no deployment leaves.
- ``ProtectMeshGovernance``: deleting the SMUS (DataZone) domain and replacing the Lake Formation
  data-lake settings, except by the deployment roles and the mesh's own settings writer
  (``<org>-<env>-lakeformation-settings``, the custom resource that keeps the administrators).
- ``DenySseCUploads``: S3 uploads encrypted with a customer-provided key (SSE-C): see SSE_C_KEY.

SCPs never apply to the management account (AWS Organizations User Guide, "Service control
policies": "SCPs don't affect users or roles in the management account"), which is why validation
refuses a management account that is also an environment's account.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from mesh_config.environment import EnvironmentConfig
from mesh_config.naming import Naming, cloudformation_deploy_role_name, cloudformation_execution_role_name
from mesh_config.organization import Organization
from mesh_config.regions import partition_of

# AWS Organizations quotas ("Quotas and service limits", maximum size of a policy document):
# 5 120 characters for an SCP, 10 000 for a tag policy. Organizations counts the document exactly as
# an SDK call sends it ("If you save the policy using an SDK operation or the AWS CLI, the policy is
# saved exactly as you provided"; only the console strips white space), and CloudFormation is such
# a call: the stack passes the minified text (minified below), so its length is what AWS counts.
# Every character here is ASCII, so characters and bytes are the same number.
SCP_MAX_CHARACTERS = 5120
TAG_POLICY_MAX_CHARACTERS = 10000
# At most 5 SCPs may be attached to one OU (same quotas page), one of which is normally AWS's
# FullAWSAccess: the mesh's statements must fit in the other four.
SCPS_PER_TARGET = 4

# The global services AWS's region-deny example exempts (its NotAction list, as published): their
# requests are served from us-east-1 whatever region the caller works in.
GLOBAL_SERVICE_ACTIONS = (
    "a4b:*",
    "acm:*",
    "aws-marketplace-management:*",
    "aws-marketplace:*",
    "aws-portal:*",
    "budgets:*",
    "ce:*",
    "chime:*",
    "cloudfront:*",
    "config:*",
    "cur:*",
    "directconnect:*",
    "ec2:DescribeRegions",
    "ec2:DescribeTransitGateways",
    "ec2:DescribeVpnGateways",
    "fms:*",
    "globalaccelerator:*",
    "health:*",
    "iam:*",
    "importexport:*",
    "kms:*",
    "mobileanalytics:*",
    "networkmanager:*",
    "organizations:*",
    "pricing:*",
    "route53:*",
    "route53domains:*",
    "route53-recovery-cluster:*",
    "route53-recovery-control-config:*",
    "route53-recovery-readiness:*",
    "s3:GetAccountPublic*",
    "s3:ListAllMyBuckets",
    "s3:ListMultiRegionAccessPoints",
    "s3:PutAccountPublic*",
    "shield:*",
    "sts:*",
    "support:*",
    "trustedadvisor:*",
    "waf-regional:*",
    "waf:*",
    "wafv2:*",
    "wellarchitected:*",
)

# Amazon Bedrock's geographic cross-Region inference runs a request made in an allowed region in
# another region of the same geography, and the SCP sees that region as aws:RequestedRegion (AWS's
# example "Deny access to AWS based on the requested AWS region with Bedrock CRIS",
# aws-samples/service-control-policy-examples, Region-controls): these actions leave the region
# deny and get a statement of their own that lets them through another region only by a geographic
# inference profile of the allowed regions' geographies (never a global. one: it routes anywhere).
BEDROCK_INFERENCE_ACTIONS = (
    "bedrock:CreateModelInvocationJob",
    "bedrock:InvokeModel",
    "bedrock:InvokeModelWithResponseStream",
)
# The geographies of the Bedrock User Guide ("Geographic cross-Region inference": US, EU, APAC) by
# region prefix; a region elsewhere exempts no profile.
INFERENCE_GEOGRAPHIES = {"us": "us", "eu": "eu", "ap": "apac"}

# Disabling the audit trail: trails, their event selectors, and CloudTrail Lake event data stores.
CLOUDTRAIL_ACTIONS = (
    "cloudtrail:DeleteEventDataStore",
    "cloudtrail:DeleteTrail",
    "cloudtrail:PutEventSelectors",
    "cloudtrail:StopEventDataStoreIngestion",
    "cloudtrail:StopLogging",
    "cloudtrail:UpdateEventDataStore",
    "cloudtrail:UpdateTrail",
)
GOVERNANCE_ACTIONS = ("datazone:DeleteDomain", "lakeformation:PutDataLakeSettings")

# Why SSE-C and not the classic "Null s3:x-amz-server-side-encryption = true" deny: since 5 January
# 2023 S3 encrypts every new object (SSE-S3, or the bucket's default KMS key) when the request names
# no encryption (S3 User Guide, "Using server-side encryption with Amazon S3 managed keys"; the
# Organizations "Example SCPs for Amazon S3" page says the same above its Null example). Athena,
# Glue, EMR, the SMUS tooling and CDK asset publishing upload without the header and rely on the
# bucket's default encryption: a Null deny would break them without encrypting one more object,
# and a StringNotEquals on AES256 / aws:kms adds nothing, as S3 accepts no other value. The upload
# that escapes the organisation's keys is the one encrypted with a key the caller brings (SSE-C):
# nobody else (no service, no auditor, no key policy) can read or revoke it. The condition key is
# present exactly when the request carries SSE-C headers (AWS's resource-control-policy example
# S3-Deny-SSE-C, aws-samples/resource-control-policy-examples; S3 User Guide, "Blocking or unblocking
# SSE-C for a general purpose bucket").
SSE_C_KEY = "s3:x-amz-server-side-encryption-customer-algorithm"
SSE_C_ACTIONS = ("s3:PutObject",)


@dataclass(frozen=True)
class ServiceControlPolicy:
    """One SCP: its name (``<org>-mesh-guardrails-<n>``) and its document."""

    name: str
    document: dict[str, Any]

    def content(self) -> str:
        return minified(self.document)


def minified(document: dict[str, Any]) -> str:
    """The document as the stack passes it to Organizations: no white space outside strings."""
    return json.dumps(document, separators=(",", ":"))


def deployment_role_arns(organization: Organization, envs: list[EnvironmentConfig]) -> list[str]:
    """The CDK bootstrap roles (CloudFormation execution and deploy) of every environment the
    organisation places in an OU: the only principals the guardrails let through."""
    arns: list[str] = []
    for env in envs:
        if env.name not in organization.ous:
            continue
        partition = partition_of(env.region)
        for name in (
            cloudformation_execution_role_name(env.account, env.region),
            cloudformation_deploy_role_name(env.account, env.region),
        ):
            arns.append(f"arn:{partition}:iam::{env.account}:role/{name}")
    return arns


def settings_writer_arns(org: str, organization: Organization, envs: list[EnvironmentConfig]) -> list[str]:
    """The mesh's Lake Formation settings writers (one custom resource per environment account)."""
    return [
        f"arn:{partition_of(env.region)}:iam::{env.account}:role/{Naming.of(org, env).lake_formation_settings_role()}"
        for env in envs
        if env.name in organization.ous
    ]


def guardrail_statements(org: str, organization: Organization, envs: list[EnvironmentConfig]) -> list[dict[str, Any]]:
    """Every SCP statement, in a fixed order (the packing keeps it)."""
    deployers = deployment_role_arns(organization, envs)
    writers = settings_writer_arns(org, organization, envs)

    def except_principals(arns: list[str]) -> dict[str, Any]:
        return {"ArnNotLike": {"aws:PrincipalArn": arns}} if arns else {}

    regions = sorted(set(organization.allowed_regions))
    outside = {"StringNotEquals": {"aws:RequestedRegion": regions}}
    return [
        {
            "Sid": "DenyOutsideAllowedRegions",
            "Effect": "Deny",
            "NotAction": [*GLOBAL_SERVICE_ACTIONS, *BEDROCK_INFERENCE_ACTIONS],
            "Resource": "*",
            "Condition": outside,
        },
        {
            "Sid": "DenyBedrockOutsideAllowedGeographies",
            "Effect": "Deny",
            "Action": list(BEDROCK_INFERENCE_ACTIONS),
            "Resource": "*",
            "Condition": {**outside, **_unless_geographic_profile(regions)},
        },
        {
            "Sid": "ProtectCloudTrail",
            "Effect": "Deny",
            "Action": list(CLOUDTRAIL_ACTIONS),
            "Resource": "*",
            **({"Condition": except_principals(deployers)} if deployers else {}),
        },
        {
            "Sid": "DenyLeavingOrganization",
            "Effect": "Deny",
            "Action": "organizations:LeaveOrganization",
            "Resource": "*",
        },
        {
            "Sid": "ProtectMeshGovernance",
            "Effect": "Deny",
            "Action": list(GOVERNANCE_ACTIONS),
            "Resource": "*",
            **({"Condition": except_principals(deployers + writers)} if deployers else {}),
        },
        {
            "Sid": "DenySseCUploads",
            "Effect": "Deny",
            "Action": list(SSE_C_ACTIONS),
            "Resource": "*",
            "Condition": {"Null": {SSE_C_KEY: "false"}},
        },
    ]


def _unless_geographic_profile(regions: list[str]) -> dict[str, Any]:
    geographies = sorted(
        {INFERENCE_GEOGRAPHIES[r.split("-")[0]] for r in regions if r.split("-")[0] in INFERENCE_GEOGRAPHIES}
    )
    if not geographies:
        return {}
    partition = partition_of(regions[0])
    profiles = [f"arn:{partition}:bedrock:*:*:inference-profile/{g}.*" for g in geographies]
    return {"ArnNotLike": {"bedrock:InferenceProfileArn": profiles}}


class OversizedStatementError(ValueError):
    """A statement that alone exceeds the SCP size limit."""

    def __init__(self, sid: str, size: int, limit: int) -> None:
        self.sid, self.size, self.limit = sid, size, limit
        super().__init__(f"statement {sid} alone makes an SCP of {size} characters; the limit is {limit}")


def pack_statements(org: str, statements: list[dict[str, Any]], limit: int | None = None) -> list[ServiceControlPolicy]:
    """As few SCPs as the statements fit in (first fit, in statement order: an OU takes at most
    five SCPs, so the fewer the better; the order of statements has no effect on evaluation).
    Raises OversizedStatementError for a statement no SCP can hold."""
    limit = SCP_MAX_CHARACTERS if limit is None else limit
    groups: list[list[dict[str, Any]]] = []
    for statement in statements:
        alone = len(minified(_document([statement])))
        if alone > limit:
            raise OversizedStatementError(statement.get("Sid", "?"), alone, limit)
        for group in groups:
            if len(minified(_document([*group, statement]))) <= limit:
                group.append(statement)
                break
        else:
            groups.append([statement])
    return [ServiceControlPolicy(f"{org}-mesh-guardrails-{i}", _document(g)) for i, g in enumerate(groups, 1)]


def _document(statements: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": statements}


def service_control_policies(
    org: str, organization: Organization, envs: list[EnvironmentConfig], limit: int | None = None
) -> list[ServiceControlPolicy]:
    return pack_statements(org, guardrail_statements(org, organization, envs), limit)


def tag_policy(environment_names: list[str]) -> dict[str, Any]:
    """The Environment / CostCenter tag policy: the keys' casing and the Environment values (the
    mesh's environments). Reported as compliance, not enforced: without ``enforced_for`` a
    non-compliant tag shows in the organisation's tag compliance report and is not refused, so no
    tool's tagging call (CloudFormation's, an AWS service's) fails on a resource type the mesh
    does not know (AWS Organizations User Guide, "Tag policy syntax")."""
    return {
        "tags": {
            "Environment": {
                "tag_key": {"@@assign": "Environment"},
                "tag_value": {"@@assign": list(environment_names)},
            },
            "CostCenter": {"tag_key": {"@@assign": "CostCenter"}},
        }
    }
