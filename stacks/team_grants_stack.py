"""Teams' least-privilege Lake Formation grants on the catalogs' tables.

One grants custom resource per environment, run by the catalogs' grants handler (a data-lake
administrator): DESCRIBE on each database a team reads, then the declared permissions per table,
column-restricted SELECT where columns are listed, and DATA_LOCATION_ACCESS on the table's prefix
for the IAM roles of a team that writes it. Principals are IAM roles of the account, or IAM
Identity Center groups through Lake Formation's Identity Center integration (their identity-store
ARN). Deployed after the products stacks, whose tables it grants on.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Stack
from constructs import Construct

from mesh_config import EnvironmentConfig, MeshConfig
from mesh_config.shares import TeamPermission
from mesh_constructs.lake_formation_grants import (
    DATABASE,
    DataLocationGrant,
    LakeFormationGrant,
    LakeFormationGrants,
    LakeFormationGrantsProps,
    data_location_arn,
)
from stacks.catalogs_stack import CatalogsStack

# Writes that create or alter catalog objects (partitions an INSERT adds, the table an Iceberg
# DELETE commits, ALTER TABLE): on a registered location they also need DATA_LOCATION_ACCESS on it
# (Lake Formation developer guide, "Underlying data access control").
WRITES = frozenset({TeamPermission.INSERT, TeamPermission.DELETE, TeamPermission.ALTER})


def identity_center_group(stack: Stack, group_id: str) -> str:
    """A Lake Formation principal for an IAM Identity Center group (Lake Formation's Identity Center
    integration must be enabled in the account): arn:<partition>:identitystore:::group/<id>."""
    return stack.format_arn(service="identitystore", region="", account="", resource="group", resource_name=group_id)


class TeamGrantsStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: MeshConfig,
        env_config: EnvironmentConfig,
        catalogs: CatalogsStack,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        naming = config.naming(env_config)
        groups = config.mesh.identity_center.groups
        grants: list[LakeFormationGrant | DataLocationGrant] = []
        for team in config.teams_in(env_config):
            roles = [self.format_arn(service="iam", region="", resource="role", resource_name=r) for r in team.roles]
            principals = [identity_center_group(self, groups[g]) for g in team.groups] + roles
            databases = set()
            locations: list[str] = []
            for grant in team.grants:
                catalog, table = config.table(grant.table)
                database = naming.catalog_database(catalog.business_unit, catalog.database)
                databases.add(database)
                permissions = sorted(p.value.upper() for p in grant.permissions)
                for principal in principals:
                    grants.append(
                        LakeFormationGrant(
                            principal, database, permissions, grant.table, columns=tuple(grant.columns or ())
                        )
                    )
                if WRITES & set(grant.permissions):
                    location = data_location_arn(self, naming.bucket(table.storage.layer), table.storage.prefix)
                    if location not in locations:
                        locations.append(location)
            # IAM roles only: the guide documents Identity Center users and groups as principals of
            # Data Catalog resources (databases, tables, views), not of data locations ("Granting
            # permissions to users and groups").
            grants += [DataLocationGrant(role, location) for role in roles for location in locations]
            for database in sorted(databases):
                grants += [LakeFormationGrant(p, database, ("DESCRIBE",), DATABASE) for p in principals]
        self.grants = LakeFormationGrants(
            self,
            "TeamGrants",
            LakeFormationGrantsProps(name=naming.stack("team-grants"), grants=grants, handler=catalogs.grants_handler),
        )
