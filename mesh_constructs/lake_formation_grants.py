"""A set of Lake Formation grants to principals known only at deploy time, kept as declared."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from mesh_constructs.datazone_handler import DataZoneHandler

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


def lake_formation_grant_statements(scope: Construct, databases: Sequence[str]) -> list[iam.PolicyStatement]:
    """What the grants handler's role needs in IAM besides being a data-lake administrator."""
    stack = Stack.of(scope)
    glue_resources = [stack.format_arn(service="glue", resource="catalog")] + [
        stack.format_arn(service="glue", resource=kind, resource_name=f"{db}{suffix}")
        for db in databases
        for kind, suffix in (("database", ""), ("table", "/*"))
    ]
    return [
        iam.PolicyStatement(
            actions=["lakeformation:BatchGrantPermissions", "lakeformation:BatchRevokePermissions"], resources=["*"]
        ),
        iam.PolicyStatement(actions=["glue:GetDatabase", "glue:GetTable", "glue:GetTables"], resources=glue_resources),
    ]


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
