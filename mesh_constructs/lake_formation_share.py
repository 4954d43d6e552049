"""Producer side of a cross-account Lake Formation share: data-cells filters and the grants to the
consumer account, one after another."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from aws_cdk import Stack
from aws_cdk import aws_lakeformation as lakeformation
from constructs import Construct, IConstruct

LF = lakeformation.CfnPrincipalPermissions
# What a consumer account may do with a shared table: read it and see its metadata. The grant
# option lets the consumer account's data-lake administrators pass them on to principals of that
# account, which Lake Formation requires for an external account ("When granting to an external
# account, you must include the grant option so that administrator of the external account can
# further cascade the permission", Lake Formation developer guide, granting-filter-perms); it does
# not let them share further to a third account.
SHARED_PERMISSIONS = ("DESCRIBE", "SELECT")
# What a consumer account gets on a data-cells filter: SELECT with the grant option, the one
# permission the guide documents for an external account ("You can grant the SELECT permission to
# an external AWS account ... you must include the grant option", granting-filter-perms); DESCRIBE
# and DROP are for principals of the filter's own account. The filter's name carries this choice
# (MeshConfig.data_cells_filter_name): a grant's permissions are create-only, and a grant replaced
# in place has the principal and resource of the one it replaces, whose deletion would revoke it.
FILTER_PERMISSIONS = ("SELECT",)


@dataclass(frozen=True)
class SharedTableSpec:
    """``filter_name`` None: the whole table. Else a data-cells filter of that (versioned) name,
    with ``row_filter`` (None: every row) and ``excluded_columns``."""

    name: str
    filter_name: str | None = None
    row_filter: str | None = None
    excluded_columns: Sequence[str] = field(default_factory=tuple)


@dataclass(frozen=True)
class LakeFormationShareProps:
    """``after``: the last grant of the previous share in the account, to chain every grant of the
    account (parallel grants fail with ConcurrentModificationException, aws/aws-cdk #36215)."""

    database: str
    tables: Sequence[SharedTableSpec]
    consumer_account: str
    after: IConstruct | None = None


class LakeFormationShare(Construct):
    def __init__(self, scope: Construct, construct_id: str, props: LakeFormationShareProps) -> None:
        super().__init__(scope, construct_id)
        account = Stack.of(self).account
        principal = LF.DataLakePrincipalProperty(data_lake_principal_identifier=props.consumer_account)
        chain: list[IConstruct] = [props.after] if props.after is not None else []

        def in_chain(resource: IConstruct) -> None:
            resource.node.add_dependency(*chain[-1:])
            chain.append(resource)

        # The consumer creates a resource link to the database: DESCRIBE on it.
        database = LF(
            self,
            "Database",
            catalog=account,
            principal=principal,
            resource=LF.ResourceProperty(database=LF.DatabaseResourceProperty(catalog_id=account, name=props.database)),
            permissions=["DESCRIBE"],
            permissions_with_grant_option=["DESCRIBE"],
        )
        in_chain(database)
        self.filters: dict[str, lakeformation.CfnDataCellsFilter] = {}
        for table in props.tables:
            if table.filter_name is None:
                resource = LF.ResourceProperty(
                    table=LF.TableResourceProperty(catalog_id=account, database_name=props.database, name=table.name)
                )
            else:
                data_filter = lakeformation.CfnDataCellsFilter(
                    self,
                    f"Filter-{table.name}",
                    table_catalog_id=account,
                    database_name=props.database,
                    table_name=table.name,
                    name=table.filter_name,
                    row_filter=lakeformation.CfnDataCellsFilter.RowFilterProperty(
                        filter_expression=table.row_filter,
                        all_rows_wildcard=None if table.row_filter else {},
                    ),
                    column_wildcard=lakeformation.CfnDataCellsFilter.ColumnWildcardProperty(
                        excluded_column_names=list(table.excluded_columns) or None
                    ),
                )
                in_chain(data_filter)
                self.filters[table.name] = data_filter
                resource = LF.ResourceProperty(
                    data_cells_filter=LF.DataCellsFilterResourceProperty(
                        table_catalog_id=account,
                        database_name=props.database,
                        table_name=table.name,
                        name=table.filter_name,
                    )
                )
            permissions = SHARED_PERMISSIONS if table.filter_name is None else FILTER_PERMISSIONS
            grant = LF(
                self,
                f"Grant-{table.name}",
                catalog=account,
                principal=principal,
                resource=resource,
                permissions=list(permissions),
                permissions_with_grant_option=list(permissions),
            )
            in_chain(grant)
        self.last: IConstruct = chain[-1]
