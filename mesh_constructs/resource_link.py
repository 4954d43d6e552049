"""Consumer side of a share: a Glue resource link to the producer account's database."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_glue as glue
from constructs import Construct

from mesh_constructs.scope_cache import account_of


@dataclass(frozen=True)
class ResourceLinkProps:
    name: str
    producer_account: str
    producer_database: str
    producer_region: str
    description: str = ""


class ResourceLink(Construct):
    """``AWS::Glue::Database`` whose TargetDatabase is the shared one: queries in this account name
    the link, Lake Formation checks the grants on the producer's tables."""

    def __init__(self, scope: Construct, construct_id: str, props: ResourceLinkProps) -> None:
        super().__init__(scope, construct_id)
        self.name = props.name
        self.database = glue.CfnDatabase(
            self,
            "Resource",
            catalog_id=account_of(scope),
            database_input=glue.CfnDatabase.DatabaseInputProperty(
                name=props.name,
                description=props.description or None,
                target_database=glue.CfnDatabase.DatabaseIdentifierProperty(
                    catalog_id=props.producer_account,
                    database_name=props.producer_database,
                    region=props.producer_region,
                ),
            ),
        )
