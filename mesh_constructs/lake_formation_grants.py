"""A set of Lake Formation grants to principals known only at deploy time, kept as declared, and
the account's registry of which set declares which grant (so one set's removal never revokes a
grant another set still declares: mesh_constructs/handlers/lake_formation_grants.py says how).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from constructs import Construct

from mesh_constructs.acknowledge import acknowledge, wildcard_resource_finding
from mesh_constructs.datazone_handler import DataZoneHandler, DataZoneHandlerProps
from mesh_constructs.datazone_handler_identity import DataZoneHandlerIdentity
from mesh_constructs.handlers.lake_formation_grants import REGISTRY_ENV
from mesh_constructs.lake_formation_admins import LakeFormationAdmins, LakeFormationAdminsProps

ALL_TABLES = "*"
DATABASE = ""


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
    identity: DataZoneHandlerIdentity,
    databases: Sequence[GlueDatabaseRef],
    description: str,
    registry_table_name: str,
) -> LakeFormationGrantsHandler:
    """The handler behind ``LakeFormationGrants``, run as ``identity`` made a data-lake administrator
    of the account (it grants on tables it did not create), with the IAM rights Lake Formation
    requires of a granter ("IAM permissions required to grant or revoke Lake Formation
    permissions"): the batch grant calls, and Glue reads of the databases it grants on; and the
    reads and writes of the account's grant registry (``registry_table_name``, by name: it lives in
    the foundation stack, which can be in another stage)."""
    stack = Stack.of(scope)
    registry = stack.format_arn(service="dynamodb", resource="table", resource_name=registry_table_name)
    admin = LakeFormationAdmins(
        scope, "HandlerIsLakeFormationAdmin", LakeFormationAdminsProps(admin_arns=[identity.role.role_arn])
    )
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
                iam.PolicyStatement(
                    actions=["lakeformation:BatchGrantPermissions", "lakeformation:BatchRevokePermissions"],
                    resources=["*"],
                ),
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
    handler.function.node.add_dependency(admin)
    acknowledge(
        identity.policy,
        "Lake Formation's BatchGrantPermissions / BatchRevokePermissions have no resource-level permissions (the "
        "service authorizes each grant itself: the role is a data-lake administrator); the Glue reads are limited "
        "to the tables of the databases it grants on.",
        "AwsSolutions-IAM5[Resource::*]",
        *(wildcard_resource_finding(scope, t) for t in tables),
    )
    return handler


@dataclass(frozen=True)
class LakeFormationGrantsProps:
    """``name``: unique in the account (the set's name in the grant registry)."""

    name: str
    grants: Sequence[LakeFormationGrant]
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
                "CatalogId": Stack.of(self).account,
                # Also what makes every set deployed before the registry existed get an Update,
                # which registers its whole declaration.
                "Registry": props.handler.registry_table_name,
                "Grants": [
                    {
                        "Principal": g.principal,
                        "Database": g.database,
                        "Table": g.table,
                        "Permissions": list(g.permissions),
                        "Grantable": list(g.grantable),
                        **({"CatalogId": g.catalog_id} if g.catalog_id else {}),
                        **({"Filter": g.data_cells_filter} if g.data_cells_filter else {}),
                        **({"Columns": list(g.columns)} if g.columns else {}),
                    }
                    for g in props.grants
                ],
            },
            RemovalPolicy.DESTROY,
        )
