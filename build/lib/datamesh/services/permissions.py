"""Who may read what: the Lake Formation grants on a catalog table, and who can see an asset in
DataZone (its owning project and the projects with an approved subscription)."""

from __future__ import annotations

from dataclasses import dataclass

from datamesh.context import MeshContext
from datamesh.errors import MeshError, NotFound, from_aws
from datamesh.services.assets import AssetService
from datamesh.services.paging import items
from datamesh.services.projects import ProjectService
from mesh_config.data_products import tables_by_asset

# Lake Formation's ListPermissions has no boto3 paginator: its NextToken is followed here, with a
# bound so that a service bug cannot loop forever.
MAX_PAGES = 200


@dataclass(frozen=True)
class TableGrant:
    principal: str
    permissions: tuple[str, ...]
    grantable: tuple[str, ...]
    columns: tuple[str, ...] = ()  # a column-level grant's columns
    excluded_columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class Viewer:
    project: str
    how: str  # owner | subscription
    since: str = ""


class PermissionService:
    def __init__(self, ctx: MeshContext) -> None:
        self.ctx = ctx

    def table_location(self, table: str) -> tuple[str, str]:
        """(database, table) of an asset name the YAML declares, or of '<database>.<table>'."""
        declared = tables_by_asset(self.ctx.config.mesh.catalogs)
        if table in declared:
            catalog, spec = declared[table]
            database = self.ctx.config.naming(self.ctx.env).catalog_database(catalog.business_unit, catalog.database)
            return database, spec.name or table
        database, dot, name = table.partition(".")
        if not dot:
            raise NotFound(f"'{table}' is no catalog table of the YAML; name another table as <database>.<table>")
        return database, name

    def table_grants(self, table: str) -> list[TableGrant]:
        database, name = self.table_location(table)
        lakeformation = self.ctx.client("lakeformation")
        doing = f"listing the Lake Formation grants on {database}.{name}"
        grants: list[TableGrant] = []
        token: str | None = None
        for _ in range(MAX_PAGES):
            try:
                page = lakeformation.list_permissions(
                    Resource={"Table": {"DatabaseName": database, "Name": name}},
                    MaxResults=100,
                    **({"NextToken": token} if token else {}),
                )
            except Exception as error:
                raise from_aws(error, doing) from error
            for entry in page.get("PrincipalResourcePermissions", []):
                columns = entry.get("Resource", {}).get("TableWithColumns", {})
                grants.append(
                    TableGrant(
                        principal=entry.get("Principal", {}).get("DataLakePrincipalIdentifier", "?"),
                        permissions=tuple(sorted(entry.get("Permissions", []))),
                        grantable=tuple(sorted(entry.get("PermissionsWithGrantOption", []))),
                        columns=tuple(columns.get("ColumnNames", [])),
                        excluded_columns=tuple(columns.get("ColumnWildcard", {}).get("ExcludedColumnNames", [])),
                    )
                )
            token = page.get("NextToken")
            if not token:
                return sorted(grants, key=lambda g: g.principal)
        raise MeshError(f"{doing}: more than {MAX_PAGES} pages; narrow the question", "unavailable")

    def viewers(self, asset_name: str) -> list[Viewer]:
        """The projects that can query an asset: its owner, and the approved subscribers of its listing."""
        details = AssetService(self.ctx).show(asset_name)
        owner = self._project_name(details.asset.owning_project_id)
        out = [Viewer(owner, "owner")]
        if details.listing_id is None:
            return out
        found = items(
            self.ctx.datazone,
            "list_subscriptions",
            f"listing the subscriptions to {asset_name}",
            domainIdentifier=self.ctx.domain_id,
            subscribedListingId=details.listing_id,
            status="APPROVED",
        )
        for subscription in found:
            project = subscription.get("subscribedPrincipal", {}).get("project", {})
            since = subscription.get("createdAt")
            out.append(
                Viewer(
                    project.get("name") or project.get("id", "?"), "subscription", since.isoformat() if since else ""
                )
            )
        return out

    def _project_name(self, project_id: str) -> str:
        try:
            return ProjectService(self.ctx).find(project_id).name
        except NotFound:
            return project_id
