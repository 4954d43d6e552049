"""How the management application reaches one environment (`management:` in <env>.yaml).

The management application runs in the tools account and assumes a role in each
environment account, DataMeshAdmin in the pre-production accounts and DataMeshReadOnly in prod.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from mesh_config.formats import AccountId, ApproverPrincipalArn
from mesh_config.permission_sets import PermissionSetPrincipal


class ManagementAccess(StrEnum):
    ADMIN = "admin"
    READONLY = "readonly"


class Management(BaseModel):
    # Editors flag an admin block without principals as the loader does (mesh_config.management_checks,
    # which also explains the fix); pydantic cannot express "required when" in the model itself.
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={
            "if": {"properties": {"access": {"const": ManagementAccess.ADMIN.value}}, "required": ["access"]},
            "then": {"required": ["principals"], "properties": {"principals": {"minItems": 1}}},
        },
    )

    access: ManagementAccess = Field(
        ManagementAccess.READONLY,
        description=(
            "readonly: the role <org>-<env>-datamesh-readonly reads the domain, the catalog and the Lake Formation "
            "grants; admin: <org>-<env>-datamesh-admin may also decide subscription requests, publish assets and "
            "revoke subscriptions of the publishing projects"
        ),
    )
    tools_account: AccountId | None = Field(
        None,
        description="the account the management application runs in; default: mesh.yaml pipeline.account",
        examples=["444444444444"],
    )
    principals: list[ApproverPrincipalArn | PermissionSetPrincipal] = Field(
        default_factory=list,
        examples=[
            ["arn:aws:iam::444444444444:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_DataSteward_*"],
            [{"permission_set": "DataMeshAdmin"}],
        ],
        description=(
            "the tools-account principals (e.g. Identity Center permission-set roles: an ARN with '*' allowed, or "
            "{permission_set: <name>} for the set's role in the tools account) that may assume "
            "the role; required with access: admin; readonly default: any principal of the tools account that its "
            "own IAM policies allow"
        ),
    )


def tools_account_of(management: Management, pipeline_account: str | None) -> str | None:
    """The account the management application runs in: management.tools_account, else the pipeline's."""
    return management.tools_account or pipeline_account


# The IAM actions of the management roles: exactly the operations the datamesh services call
# (tests/test_management_access.py compares both ways with the services' source and botocore).
# Names only: on which resources each is allowed follows its IAM resource type, decided in the
# stack layer (mesh_constructs.iam_resource_types; most DataZone actions have none, so '*').
READ_ACTIONS: dict[str, tuple[str, ...]] = {
    "datazone": (
        "GetAsset",
        "GetDataProduct",
        "GetGroupProfile",
        "GetProject",
        "GetProjectProfile",
        "GetSubscriptionRequestDetails",
        "GetUserProfile",
        "ListDomainUnitsForParent",
        "ListEnvironments",
        "ListProjectMemberships",
        "ListProjects",
        "ListSubscriptionGrants",
        "ListSubscriptionRequests",
        "ListSubscriptions",
        "Search",
        "SearchListings",
    ),
    # Who may read what in the catalog: the role is a Lake Formation read-only administrator.
    "lakeformation": ("ListPermissions",),
    # The domain id: the DomainId output of the domain stack.
    "cloudformation": ("DescribeStacks",),
}
# Decisions on what the YAML does not own: subscription requests and the assets that no catalog
# table of the YAML declares.
ADMIN_ACTIONS: dict[str, tuple[str, ...]] = {
    "datazone": (
        "AcceptSubscriptionRequest",
        "CreateAssetRevision",
        "CreateListingChangeSet",
        "CreateSubscriptionRequest",
        "RejectSubscriptionRequest",
        "RevokeSubscription",
    ),
}


def management_actions(access: ManagementAccess) -> dict[str, tuple[str, ...]]:
    if access is ManagementAccess.READONLY:
        return READ_ACTIONS
    return {
        s: tuple(sorted({*READ_ACTIONS.get(s, ()), *ADMIN_ACTIONS.get(s, ())})) for s in {*READ_ACTIONS, *ADMIN_ACTIONS}
    }
