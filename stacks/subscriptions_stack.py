"""The declared subscriptions of one environment, deployed after the products
stacks that publish the subscribed tables; layout.subscription_stacks of them side by side, each
with a part of the subscriptions (placement.py).

The subscription handler has a DataZone identity of its own, member of every project it acts
for: PROJECT_CONTRIBUTOR of consumers (it requests for them), PROJECT_OWNER of producers (it
accepts for them). Subscriptions are created one after another in each stack: AcceptSubscriptionRequest
allows 3 TPS per account, and a chain makes one call every few seconds, so a few stacks side by
side stay below it (the handler retries throttling besides).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from aws_cdk import Stack
from constructs import Construct, IConstruct

from mesh_config import EnvironmentConfig, MeshConfig
from mesh_config.data_products import Subscription as SubscriptionConfig
from mesh_config.data_products import tables_by_asset
from mesh_config.metadata_rule_checks import role_account
from mesh_config.placement import subscription_key
from mesh_constructs.datazone_handler import DataZoneHandler, DataZoneHandlerProps
from mesh_constructs.lake_formation_grants import (
    DATABASE,
    LakeFormationGrant,
    LakeFormationGrants,
    LakeFormationGrantsProps,
)
from mesh_constructs.project import DeployedProject
from mesh_constructs.subscription import SUBSCRIPTION_ACTIONS, RequestForm, Subscription, SubscriptionProps
from stacks.domain_stack import DomainStack

if TYPE_CHECKING:
    from stacks.catalogs_stack import CatalogsStack
    from stacks.governance_stack import GovernanceStack

# What DataZone grants a subscribed project's role on a Glue table, and so the extra principals:
# SELECT and DESCRIBE on the table, DESCRIBE on its database (to see it).
EXTRA_TABLE_PERMISSIONS = ("DESCRIBE", "SELECT")


class SubscriptionsStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: MeshConfig,
        env_config: EnvironmentConfig,
        domain: DomainStack,
        projects: Mapping[str, DeployedProject],
        subscriptions: Sequence[SubscriptionConfig],
        part: str,
        governance: GovernanceStack | None = None,
        catalogs: CatalogsStack | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        naming = config.naming(env_config)
        domain_id = domain.domain.domain_id
        producer_of = {name: c.producer_of(t) for name, (c, t) in tables_by_asset(config.mesh.catalogs).items()}
        owner_of = {p.name: p.owner for p in config.mesh.data_products}

        def producer(sub: SubscriptionConfig) -> str:
            return owner_of[sub.data_product] if sub.data_product else producer_of[sub.asset or ""]

        self.identity = domain.handler_identity(
            self,
            naming.subscription_handler_role(part),
            "DataZone identity that requests and approves the mesh's declared subscriptions",
        )
        handler = DataZoneHandler(
            self,
            "SubscriptionHandler",
            DataZoneHandlerProps(
                module="subscription",
                identity=self.identity,
                actions=SUBSCRIPTION_ACTIONS,
                description="Requests, approves and revokes the mesh's declared subscriptions",
            ),
        )
        designations = {s.consumer: "PROJECT_CONTRIBUTOR" for s in subscriptions}
        designations.update({producer(s): "PROJECT_OWNER" for s in subscriptions})
        memberships = {
            key: self.identity.own_project(self, f"HandlerMember-{key}", projects[key].project_id, designation)
            for key, designation in sorted(designations.items())
        }

        self.subscriptions: dict[str, Subscription] = {}
        previous: IConstruct | None = None
        for sub in subscriptions:
            publisher = producer(sub)
            construct = Subscription(
                self,
                # A data product's apart from the assets': a product may be named like an asset.
                f"ProductSubscription-{sub.consumer}-{sub.data_product}"
                if sub.data_product
                else f"Subscription-{sub.consumer}-{sub.asset}",
                SubscriptionProps(
                    domain_id=domain_id,
                    consumer_project_id=projects[sub.consumer].project_id,
                    producer_project_id=projects[publisher].project_id,
                    asset_name=sub.target,
                    reason=sub.reason,
                    handler=handler,
                    data_product=sub.data_product is not None,
                    forms=[
                        RequestForm(name, governance.forms[name].revision, json.dumps(values, sort_keys=True))
                        for name, values in sub.forms.items()
                    ]
                    if governance is not None
                    else [],
                ),
            )
            construct.node.add_dependency(
                memberships[sub.consumer], memberships[publisher], *([previous] if previous else [])
            )
            previous = construct
            self.subscriptions[subscription_key(sub)] = construct
            principals = [p for p in sub.extra_principals if role_account(p) == env_config.account]
            # A data product's subscription takes none (validation, product_listing_checks.py).
            if principals and catalogs is not None and sub.asset is not None:
                self._grant_extra_principals(config, env_config, sub, principals, construct, catalogs)

    def _grant_extra_principals(
        self,
        config: MeshConfig,
        env_config: EnvironmentConfig,
        sub: SubscriptionConfig,
        principals: Sequence[str],
        subscription: Subscription,
        catalogs: CatalogsStack,
    ) -> None:
        """The subscription's extra roles get what DataZone gives the consumer project's role, as a
        Lake Formation grant set of their own that follows the subscription: created once it is
        approved and granted (it depends on it), revoked with it (CloudFormation deletes the
        dependant first), and a role removed from the YAML is revoked by the set's Update. Why not
        a DataZone subscription target with authorized principals: a target belongs to an
        environment, so its principals would receive every subscription of the project, not this one
        (docs/governance-rules.md)."""
        naming = config.naming(env_config)
        catalog, _ = config.table(sub.asset)
        database = naming.catalog_database(catalog.business_unit, catalog.database)
        grants = [LakeFormationGrant(p, database, ("DESCRIBE",), DATABASE) for p in principals]
        grants += [LakeFormationGrant(p, database, EXTRA_TABLE_PERMISSIONS, sub.asset) for p in principals]
        construct = LakeFormationGrants(
            self,
            f"ExtraPrincipals-{sub.consumer}-{sub.asset}",
            LakeFormationGrantsProps(
                name=naming.stack(f"subscription-{sub.consumer}-{sub.asset}"),
                grants=grants,
                handler=catalogs.grants_handler,
            ),
        )
        construct.node.add_dependency(subscription)
