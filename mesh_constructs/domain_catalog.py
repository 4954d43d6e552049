"""A business unit's domain catalog: a Glue database governed by Lake Formation, and the grants
that let DataZone publish its tables and fulfil subscriptions to them."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import RemovalPolicy
from aws_cdk import aws_glue as glue
from aws_cdk import aws_lakeformation as lakeformation
from constructs import Construct, IConstruct

from mesh_constructs.scope_cache import account_of

LfResource = lakeformation.CfnPrincipalPermissions.ResourceProperty


@dataclass(frozen=True)
class DomainCatalogProps:
    """``manage_access_role_arn``: the domain's Glue manage-access role (blueprint enablement).
    DataZone fulfils a subscription by granting SELECT on the table to the subscriber's project
    role *as this role*, so it holds DESCRIBE on the database and DESCRIBE + SELECT on every table,
    all with grant option ("Configure Lake Formation permissions for Amazon DataZone", DataZone user
    guide). ``removal_policy`` @default RETAIN: the tables' metadata is what consumers query."""

    database_name: str
    description: str
    manage_access_role_arn: str
    removal_policy: RemovalPolicy = RemovalPolicy.RETAIN


class DomainCatalog(Construct):
    def __init__(self, scope: Construct, construct_id: str, props: DomainCatalogProps) -> None:
        super().__init__(scope, construct_id)
        account = account_of(scope)
        self.database_name = props.database_name
        self.database = glue.CfnDatabase(
            self,
            "Database",
            catalog_id=account,
            database_input=glue.CfnDatabase.DatabaseInputProperty(
                name=props.database_name,
                description=props.description,
                # No IAMAllowedPrincipals grant on new tables: the catalog's tables are governed
                # by Lake Formation alone, which is what lets DataZone manage access to them
                # (tables open to IAMAllowedPrincipals are "unmanaged" assets it cannot grant).
                create_table_default_permissions=[],
            ),
        )
        self.database.apply_removal_policy(props.removal_policy)
        principal = lakeformation.CfnPrincipalPermissions.DataLakePrincipalProperty(
            data_lake_principal_identifier=props.manage_access_role_arn
        )

        def grant(construct_id: str, resource: LfResource, permissions: list[str]) -> IConstruct:
            return lakeformation.CfnPrincipalPermissions(
                self,
                construct_id,
                catalog=account,
                principal=principal,
                resource=resource,
                permissions=permissions,
                permissions_with_grant_option=permissions,
            )

        database_grant = grant(
            "ManageAccessDatabase",
            LfResource(
                database=lakeformation.CfnPrincipalPermissions.DatabaseResourceProperty(
                    catalog_id=account, name=props.database_name
                )
            ),
            ["DESCRIBE"],
        )
        database_grant.node.add_dependency(self.database)
        tables_grant = grant(
            "ManageAccessTables",
            LfResource(
                table=lakeformation.CfnPrincipalPermissions.TableResourceProperty(
                    catalog_id=account, database_name=props.database_name, table_wildcard={}
                )
            ),
            ["DESCRIBE", "SELECT"],
        )
        # Lake Formation refuses concurrent grants (ConcurrentModificationException, aws-cdk #36215).
        tables_grant.node.add_dependency(database_grant)
        self.last_grant = tables_grant
