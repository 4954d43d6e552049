"""A set of Lake Formation grants to principals known only at deploy time, kept as declared."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from mesh_constructs.acknowledge import acknowledge, wildcard_resource_finding
from mesh_constructs.datazone_handler import DataZoneHandler, DataZoneHandlerProps
from mesh_constructs.datazone_handler_identity import DataZoneHandlerIdentity
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


def lake_formation_grants_handler(
    scope: Construct, identity: DataZoneHandlerIdentity, databases: Sequence[GlueDatabaseRef], description: str
) -> DataZoneHandler:
    """The handler behind ``LakeFormationGrants``, run as ``identity`` made a data-lake administrator
    of the account (it grants on tables it did not create), with the IAM rights Lake Formation
    requires of a granter ("IAM permissions required to grant or revoke Lake Formation
    permissions"): the batch grant calls, and Glue reads of the databases it grants on."""
    stack = Stack.of(scope)
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
    handler = DataZoneHandler(
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
            ],
            description=description,
        ),
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
    name: str
    grants: Sequence[LakeFormationGrant]
    handler: DataZoneHandler


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
