"""The inline policies of the mesh's permission sets, scoped by the mesh's naming conventions.

A permission set has one inline policy for every account it is assigned in, so each statement
lists the resources of every environment the set covers: in an account, only that account's
ARNs can match. The few statements on '*' are actions with no IAM resource type (the Service
Authorization Reference lists none: lakeformation:GetDataAccess, athena:ListWorkGroups,
cloudformation:ListStacks and the DataZone actions of mesh_constructs.iam_resource_types).

Data is read through Lake Formation: the analyst's policy lets Athena and Glue ask, Lake
Formation's grants decide which tables and columns answer.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aws_cdk import aws_iam as iam

from mesh_config.management import ManagementAccess, management_actions
from mesh_config.naming import Naming, approver_role_name
from mesh_config.permission_sets import InlinePolicy
from mesh_constructs.iam_resource_types import split_datazone_actions

# The workgroup the permission sets' Athena queries run in: every account has it; the mesh
# creates none for people (SMUS projects have their own, whose query results are the project's).
ATHENA_WORKGROUP = "primary"

GLUE_READ = (
    "glue:GetDatabase",
    "glue:GetDatabases",
    "glue:GetPartition",
    "glue:GetPartitions",
    "glue:GetTable",
    "glue:GetTables",
)
GLUE_WRITE = (
    "glue:BatchCreatePartition",
    "glue:BatchDeletePartition",
    "glue:CreatePartition",
    "glue:CreateTable",
    "glue:DeletePartition",
    "glue:DeleteTable",
    "glue:UpdatePartition",
    "glue:UpdateTable",
)
ATHENA_QUERY = (
    "athena:GetQueryExecution",
    "athena:GetQueryResults",
    "athena:GetWorkGroup",
    "athena:StartQueryExecution",
    "athena:StopQueryExecution",
)
CLOUDFORMATION_READ = (
    "cloudformation:DescribeStackEvents",
    "cloudformation:DescribeStackResources",
    "cloudformation:DescribeStacks",
    "cloudformation:GetTemplate",
    "cloudformation:ListStackResources",
)
# The data-lake layers engineers write; the artifacts layer is the SMUS projects' own storage.
ENGINEER_LAYERS = ("raw", "curated", "published")


@dataclass(frozen=True)
class PolicyTarget:
    """An environment whose account a permission set is assigned in."""

    naming: Naming
    region: str
    partition: str


@dataclass(frozen=True)
class PolicyContext:
    org: str
    targets: Sequence[PolicyTarget]
    tools_account: str | None
    tools_partition: str
    # Environments whose promotion waits for an approval, in the pipeline's order.
    approval_environments: Sequence[str]


def _arn(t: PolicyTarget, service: str, resource: str) -> str:
    return f"arn:{t.partition}:{service}:{t.region}:{t.naming.account}:{resource}"


def _catalog(t: PolicyTarget, *, resource_links: bool) -> list[str]:
    patterns = [t.naming.catalog_database_pattern()]
    if resource_links:  # shares reach consumers through resource links shared_<database>
        patterns.append(Naming.resource_link("*"))
    return [_arn(t, "glue", "catalog")] + [
        _arn(t, "glue", f"{kind}/{p}{suffix}") for p in patterns for kind, suffix in (("database", ""), ("table", "/*"))
    ]


def _analyst(ctx: PolicyContext) -> list[iam.PolicyStatement]:
    ts = ctx.targets
    return [
        iam.PolicyStatement(
            sid="ReadTheMeshCatalog",
            actions=list(GLUE_READ),
            resources=[r for t in ts for r in _catalog(t, resource_links=True)],
        ),
        iam.PolicyStatement(
            sid="QueryInThePrimaryWorkgroup",
            actions=list(ATHENA_QUERY),
            resources=[_arn(t, "athena", f"workgroup/{ATHENA_WORKGROUP}") for t in ts],
        ),
        # No resource type: Lake Formation's grants decide what the credentials it vends can read.
        iam.PolicyStatement(
            sid="DataThroughLakeFormation",
            actions=["lakeformation:GetDataAccess", "athena:ListWorkGroups"],
            resources=["*"],
        ),
    ]


def _engineer(ctx: PolicyContext) -> list[iam.PolicyStatement]:
    ts = ctx.targets
    buckets = [f"arn:{t.partition}:s3:::{t.naming.bucket(layer)}" for t in ts for layer in ENGINEER_LAYERS]
    return [
        *_analyst(ctx),
        iam.PolicyStatement(
            sid="WriteTheMeshTables",
            actions=list(GLUE_WRITE),
            resources=[r for t in ts for r in _catalog(t, resource_links=False)],
        ),
        iam.PolicyStatement(
            sid="ListTheDataLake", actions=["s3:GetBucketLocation", "s3:ListBucket"], resources=buckets
        ),
        iam.PolicyStatement(
            sid="ReadWriteTheDataLake",
            actions=["s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
            resources=[f"{b}/*" for b in buckets],
        ),
        # The data-lake key's id is unknown outside its account: any key of the account, used by
        # S3 for these buckets only (the encryption context names the bucket, or the object).
        iam.PolicyStatement(
            sid="DataLakeKeyThroughS3",
            actions=["kms:Decrypt", "kms:GenerateDataKey"],
            resources=[_arn(t, "kms", "key/*") for t in ts],
            conditions={
                "StringLike": {"kms:ViaService": sorted({f"s3.{t.region}.amazonaws.com" for t in ts})},
                "ArnLike": {"kms:EncryptionContext:aws:s3:arn": [a for b in buckets for a in (b, f"{b}/*")]},
            },
        ),
    ]


def _mesh_admin(ctx: PolicyContext) -> list[iam.PolicyStatement]:
    ts = ctx.targets
    actions = management_actions(ManagementAccess.ADMIN)
    on_domain, unscoped = split_datazone_actions(f"datazone:{a}" for a in actions["datazone"])
    statements = [
        # From the tools account: the management application's roles in each environment.
        iam.PolicyStatement(
            sid="UseTheManagementRoles",
            actions=["sts:AssumeRole"],
            resources=[
                f"arn:{t.partition}:iam::{t.naming.account}:role/{t.naming.management_role(access.value)}"
                for t in ts
                for access in ManagementAccess
            ],
        ),
        iam.PolicyStatement(
            sid="ReadTheMeshStacks",
            actions=list(CLOUDFORMATION_READ),
            resources=[_arn(t, "cloudformation", f"stack/{t.naming.org}-{t.naming.env}-*/*") for t in ts],
        ),
    ]
    if on_domain:
        statements.append(
            iam.PolicyStatement(
                sid="AdministerTheDomain", actions=on_domain, resources=[_arn(t, "datazone", "domain/*") for t in ts]
            )
        )
    # No resource type for these (mesh_constructs.iam_resource_types): IAM evaluates them on '*'.
    statements.append(
        iam.PolicyStatement(
            sid="DecideAndReadWithoutResourceType",
            actions=sorted(
                [*unscoped, "cloudformation:ListStacks", *(f"lakeformation:{a}" for a in actions["lakeformation"])]
            ),
            resources=["*"],
        )
    )
    return statements


def _approver(ctx: PolicyContext) -> list[iam.PolicyStatement]:
    if ctx.tools_account is None or not ctx.approval_environments:
        return []
    # The approver roles alone may approve (stacks/pipeline_stack.py); each trusts the principals
    # its environment names, so assuming one is allowed here and decided there.
    return [
        iam.PolicyStatement(
            sid="UseTheApproverRoles",
            actions=["sts:AssumeRole"],
            resources=[
                f"arn:{ctx.tools_partition}:iam::{ctx.tools_account}:role/{approver_role_name(ctx.org, env)}"
                for env in ctx.approval_environments
            ],
        )
    ]


# Identity Center's limit on an inline policy: 10,240 characters without whitespace
# (https://docs.aws.amazon.com/singlesignon/latest/userguide/limits.html).
MAX_INLINE_POLICY_CHARACTERS = 10_240


def check_policy_size(permission_set: str, document: Any) -> None:
    """Refuse at synth an inline policy Identity Center would refuse at deployment."""
    size = len("".join(json.dumps(document, separators=(",", ":")).split()))
    if size > MAX_INLINE_POLICY_CHARACTERS:
        raise ValueError(
            f"permission set {permission_set}: its inline policy is {size} characters without whitespace, over "
            f"Identity Center's limit of {MAX_INLINE_POLICY_CHARACTERS}: assign it in fewer environments, or split it "
            "into sets for some environments each"
        )


def inline_policy(kind: InlinePolicy, ctx: PolicyContext) -> iam.PolicyDocument | None:
    builders = {
        InlinePolicy.DATA_ANALYST: _analyst,
        InlinePolicy.DATA_ENGINEER: _engineer,
        InlinePolicy.MESH_ADMIN: _mesh_admin,
        InlinePolicy.APPROVER: _approver,
    }
    if kind is InlinePolicy.NONE:
        return None
    statements = builders[kind](ctx) if ctx.targets or kind is InlinePolicy.APPROVER else []
    return iam.PolicyDocument(statements=statements) if statements else None
