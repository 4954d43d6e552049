"""Some business units' Glue databases, in a stack of their own (layout.catalog_stacks): a mesh of
hundreds of business units outgrows the one catalogs stack that also holds the handlers.

Deployed beside the catalogs stack (both after the domain, whose manage-access role each database
grants to) and before the products stacks that put tables into these databases.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import Stack
from constructs import Construct

from mesh_config import EnvironmentConfig, MeshConfig
from mesh_config.data_products import Catalog
from stacks.catalogs_stack import database_outputs, domain_catalogs
from stacks.domain_stack import DomainStack


class CatalogDatabasesStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: MeshConfig,
        env_config: EnvironmentConfig,
        domain: DomainStack,
        catalogs: Sequence[Catalog],
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.catalogs = domain_catalogs(self, config, env_config, domain, catalogs)
        database_outputs(self, self.catalogs)
