"""A set of Lake Formation grants to principals known only at deploy time, kept as declared, and
the account's registry of which set declares which grant (so one set's removal never revokes a
grant another set still declares: mesh_constructs/handlers/lake_formation_grants.py says how).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from constructs import Construct

from mesh_constructs.acknowledge import acknowledge, wildcard_resource_finding
from mesh_constructs.datazone_handler import DataZoneHandler, DataZoneHandlerProps
from mesh_constructs.handler_role import HandlerRole
from mesh_constructs.handlers.lake_formation_grants import REGISTRY_ENV
from mesh_constructs.scope_cache import account_of, partition_of

ALL_TABLES = "*"
DATABASE = ""
# Creating or altering catalog objects (tables, partitions) whose location is a registered one
# needs this permission on the location besides the table permissions, hybrid access mode included
# (Lake Formation developer guide, "Underlying data access control": data location permissions).
DATA_LOCATION_ACCESS = "DATA_LOCATION_ACCESS"
# What a granter calls: the batch APIs, and the single ones the Lake Formation permissions
# reference lists as required for granting and revoking ("IAM permissions required to grant or
# revoke Lake Formation permissions").
GRANT_ACTIONS = (
    "lakeformation:BatchGrantPermissions",
    "lakeformation:BatchRevokePermissions",
    "lakeformation:GrantPermissions",
    "lakeformation:RevokePermissions",
)


@dataclass(frozen=True)
class LakeFormationGrant:
    """``table``: a table name, ``ALL_TABLES`` or ``DATABASE`` (the database itself).
    ``catalog_id``: another account's catalog (a shared table) @default this account.
    ``data_cells_filter``: grant on that filter of the table instead of the table.
    ``columns``: SELECT on these columns only."""

    principal: str
    database: str
    permissions: Sequence[str]
    table: str = DATABASE
    grantable: Sequence[str] = field(default_factory=tuple)
    catalog_id: str | None = None
    data_cells_filter: str | None = None
    columns: Sequence[str] = field(default_factory=tuple)


@dataclass(frozen=True)
class DataLocationGrant:
    """``DATA_LOCATION_ACCESS`` on an S3 location of this account's registered locations
    (``data_location_arn``): what a principal needs to create or alter tables and partitions there."""

    principal: str
    location_arn: str


def data_location_arn(scope: Construct, bucket: str, prefix: str) -> str:
    """The S3 ARN of a key prefix of a bucket, as Lake Formation's DataLocation resource takes it:
    arn:<partition>:s3:::<bucket>/<prefix>, without the prefix's trailing '/' (the form of the
    guide's examples; the permission covers what lies under it)."""
    path = prefix.strip("/")
    # What Stack.format_arn(service="s3", region="", account="", resource=bucket, resource_name=path)
    # returns (CDK's Arn.format joins the parts), without its round trip to the jsii kernel: one per table.
    return f"arn:{partition_of(scope)}:s3:::{bucket}" + (f"/{path}" if path else "")


@dataclass(frozen=True)
class GlueDatabaseRef:
    """A database the grants handler grants on: ``account`` None for this account's catalog, else
    the producer account of a shared database."""

    name: str
    account: str | None = None


@dataclass(frozen=True)
class LakeFormationGrantRegistryProps:
    """``table_name``: the naming convention's (``Naming.lake_formation_grant_registry``), so stacks of
    later stages find it by name. ``removal_policy``: the environment's rule for stateful
    resources: losing the registry would let the next removal of one set revoke what another
    still declares, until every set is deployed again."""

    table_name: str
    removal_policy: RemovalPolicy


class LakeFormationGrantRegistry(Construct):
    """Which grant set of the account declares which Lake Formation permission: one item per
    (grant, set), read with strongly consistent scans (handlers/grant_registry.py). One per
    account, in its foundation stack: every grants handler of the account, in any stack or stage,
    records its sets there."""

    def __init__(self, scope: Construct, construct_id: str, props: LakeFormationGrantRegistryProps) -> None:
        super().__init__(scope, construct_id)
        self.table = dynamodb.Table(
            self,
            "Table",
            table_name=props.table_name,
            partition_key=dynamodb.Attribute(name="Grant", type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name="GrantSet", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            removal_policy=props.removal_policy,
        )


@dataclass(frozen=True)
class LakeFormationGrantsRoleProps:
    """``role_name``: the naming convention's (``Naming.lake_formation_grants_role``): the account's
    settings list it as an administrator, and the grants handlers of later stacks and stages run
    as it, all by name."""

    role_name: str


class LakeFormationGrantsRole(Construct):
    """The role every grants handler of the account runs as: one per account, in its foundation
    stack, made a data-lake administrator by the account's settings (``LakeFormationSettings``)
    because the handlers grant on tables they did not create. It has no rights of its own: each
    stack whose handler runs as it attaches what that handler needs (``lake_formation_grants_handler``).

    Why not the handlers' DataZone identities (catalog handler, share handler): those roles are
    created in the catalogs and shared-data stacks, after the account's settings are written, and
    Lake Formation refuses settings that name a role that does not exist ("Invalid principal",
    aws/aws-cdk #19492)."""

    def __init__(self, scope: Construct, construct_id: str, props: LakeFormationGrantsRoleProps) -> None:
        super().__init__(scope, construct_id)
        self.role = iam.Role(
            self,
            "Role",
            role_name=props.role_name,
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Lake Formation grants handlers of the account (a data-lake administrator)",
        )


class LakeFormationGrantsHandler(DataZoneHandler):
    """A ``DataZoneHandler`` of the ``lake_formation_grants`` module that knows the account's grant
    registry: the grant sets it serves record themselves there."""

    def __init__(
        self, scope: Construct, construct_id: str, props: DataZoneHandlerProps, registry_table_name: str
    ) -> None:
        super().__init__(scope, construct_id, props)
        self.registry_table_name = registry_table_name


def lake_formation_grants_handler(
    scope: Construct,
    role_name: str,
    databases: Sequence[GlueDatabaseRef],
    description: str,
    registry_table_name: str,
) -> LakeFormationGrantsHandler:
    """The handler behind ``LakeFormationGrants``, run as the account's grants role (``role_name``,
    by name: ``LakeFormationGrantsRole`` of the foundation stack, a data-lake administrator), with
    the IAM rights Lake Formation requires of a granter (``GRANT_ACTIONS``), Glue reads of the
    databases it grants on, and the reads and writes of the account's grant registry
    (``registry_table_name``, by name: it lives in the foundation stack, which can be in another
    stage). The rights are this stack's policy on the role."""
    stack = Stack.of(scope)
    registry = stack.format_arn(service="dynamodb", resource="table", resource_name=registry_table_name)
    identity = HandlerRole(scope, "GrantsHandlerIdentity", iam.Role.from_role_name(scope, "GrantsRole", role_name))
    accounts = sorted({d.account for d in databases if d.account}, key=str)
    tables = [
        stack.format_arn(service="glue", account=d.account, resource="table", resource_name=f"{d.name}/*")
        for d in databases
    ]
    glue_resources = [stack.format_arn(service="glue", resource="catalog")]
    glue_resources += [stack.format_arn(service="glue", account=a, resource="catalog") for a in accounts]
    glue_resources += [
        stack.format_arn(service="glue", account=d.account, resource="database", resource_name=d.name)
        for d in databases
    ]
    handler = LakeFormationGrantsHandler(
        scope,
        "GrantsHandler",
        DataZoneHandlerProps(
            module="lake_formation_grants",
            identity=identity,
            actions=(),
            statements=[
                iam.PolicyStatement(actions=list(GRANT_ACTIONS), resources=["*"]),
                iam.PolicyStatement(
                    actions=["glue:GetDatabase", "glue:GetTable", "glue:GetTables"], resources=glue_resources + tables
                ),
                iam.PolicyStatement(actions=["dynamodb:BatchWriteItem", "dynamodb:Scan"], resources=[registry]),
            ],
            description=description,
            environment={REGISTRY_ENV: registry_table_name},
        ),
        registry_table_name,
    )
    acknowledge(
        identity.policy,
        "Lake Formation's BatchGrantPermissions / BatchRevokePermissions / GrantPermissions / RevokePermissions "
        "have no resource-level permissions (the service authorizes each grant itself: the role is a data-lake "
        "administrator); the Glue reads are limited to the databases it grants on and their tables (named, or in "
        "a mesh of many catalogs the environment's catalog naming pattern *_<env>_catalog).",
        "AwsSolutions-IAM5[Resource::*]",
        *(wildcard_resource_finding(scope, r) for r in glue_resources + tables if "*" in r),
    )
    return handler


@dataclass(frozen=True)
class LakeFormationGrantsProps:
    """``name``: unique in the account (the set's name in the grant registry)."""

    name: str
    grants: Sequence[LakeFormationGrant | DataLocationGrant]
    handler: LakeFormationGrantsHandler


class LakeFormationGrants(Construct):
    def __init__(self, scope: Construct, construct_id: str, props: LakeFormationGrantsProps) -> None:
        super().__init__(scope, construct_id)
        self.resource = props.handler.resource(
            self,
            "Resource",
            "Custom::LakeFormationGrants",
            {
                "Name": props.name,
                "CatalogId": account_of(scope),
                # Also what makes every set deployed before the registry existed get an Update,
                # which registers its whole declaration.
                "Registry": props.handler.registry_table_name,
                "Grants": [_entry(g) for g in props.grants],
            },
            RemovalPolicy.DESTROY,
        )


def _entry(grant: LakeFormationGrant | DataLocationGrant) -> dict[str, Any]:
    """One entry of the custom resource's Grants (the handler's module docstring lists the keys)."""
    if isinstance(grant, DataLocationGrant):
        return {
            "Principal": grant.principal,
            "Location": grant.location_arn,
            "Permissions": [DATA_LOCATION_ACCESS],
            "Grantable": [],
        }
    return {
        "Principal": grant.principal,
        "Database": grant.database,
        "Table": grant.table,
        "Permissions": list(grant.permissions),
        "Grantable": list(grant.grantable),
        **({"CatalogId": grant.catalog_id} if grant.catalog_id else {}),
        **({"Filter": grant.data_cells_filter} if grant.data_cells_filter else {}),
        **({"Columns": list(grant.columns)} if grant.columns else {}),
    }
