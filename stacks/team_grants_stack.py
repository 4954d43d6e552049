"""Teams' least-privilege Lake Formation grants on the catalogs' tables (seed 002 Design 1).

One grants custom resource per environment, run by the catalogs' grants handler (a data-lake
administrator): DESCRIBE on each database a team reads, then the declared permissions per table,
column-restricted SELECT where columns are listed. Principals are IAM roles of the account, or IAM
Identity Center groups through Lake Formation's Identity Center integration (their identity-store
ARN). Deployed after the products stacks, whose tables it grants on.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Stack
from constructs import Construct

from mesh_config import EnvironmentConfig, MeshConfig
from mesh_constructs.lake_formation_grants import (
    DATABASE,
    LakeFormationGrant,
    LakeFormationGrants,
    LakeFormationGrantsProps,
)
from stacks.catalogs_stack import CatalogsStack


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
        grants: list[LakeFormationGrant] = []
        for team in config.teams_in(env_config):
            principals = [identity_center_group(self, groups[g]) for g in team.groups]
            principals += [
                self.format_arn(service="iam", region="", resource="role", resource_name=r) for r in team.roles
            ]
            databases = set()
            for grant in team.grants:
                catalog, _ = config.table(grant.table)
                database = naming.catalog_database(catalog.business_unit, catalog.database)
                databases.add(database)
                permissions = sorted(p.value.upper() for p in grant.permissions)
                for principal in principals:
                    grants.append(
                        LakeFormationGrant(
                            principal, database, permissions, grant.table, columns=tuple(grant.columns or ())
                        )
                    )
            for database in sorted(databases):
                grants += [LakeFormationGrant(p, database, ("DESCRIBE",), DATABASE) for p in principals]
        self.grants = LakeFormationGrants(
            self,
            "TeamGrants",
            LakeFormationGrantsProps(name=naming.stack("team-grants"), grants=grants, handler=catalogs.grants_handler),
        )
