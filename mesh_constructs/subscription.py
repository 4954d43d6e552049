"""A consumer project subscribed to a published asset or data product, requested and approved at deployment."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from aws_cdk import RemovalPolicy
from constructs import Construct

from mesh_constructs.datazone_handler import DataZoneHandler

# Actions the subscription handler calls (mesh_constructs/handlers/subscription.py).
SUBSCRIPTION_ACTIONS = (
    "datazone:AcceptSubscriptionRequest",
    "datazone:CreateSubscriptionRequest",
    "datazone:GetDomain",
    "datazone:GetSubscription",
    "datazone:ListSubscriptionGrants",
    "datazone:ListSubscriptionRequests",
    "datazone:ListSubscriptions",
    "datazone:RevokeSubscription",
    "datazone:SearchListings",
)


@dataclass(frozen=True)
class RequestForm:
    """A metadata form sent with the subscription request: ``content`` is the JSON of its values,
    ``revision`` the form type's (the form-type handler's ``Revision``)."""

    name: str
    revision: str
    content: str


@dataclass(frozen=True)
class SubscriptionProps:
    """The handler's identity must be a member of both projects: it requests as the consumer and
    accepts as the producer. Removal revokes the subscription (DataZone then revokes the grants)."""

    domain_id: str
    consumer_project_id: str
    producer_project_id: str
    asset_name: str
    reason: str
    handler: DataZoneHandler
    # The listing is a data product's (its name in asset_name) rather than an asset's.
    data_product: bool = False
    # What the producer unit's subscribe rules require @default none.
    forms: Sequence[RequestForm] = field(default_factory=tuple)


class Subscription(Construct):
    def __init__(self, scope: Construct, construct_id: str, props: SubscriptionProps) -> None:
        super().__init__(scope, construct_id)
        self.resource = props.handler.resource(
            self,
            "Resource",
            "Custom::DataZoneSubscription",
            {
                "DomainId": props.domain_id,
                "ConsumerProjectId": props.consumer_project_id,
                "ProducerProjectId": props.producer_project_id,
                **({"DataProductName": props.asset_name} if props.data_product else {"AssetName": props.asset_name}),
                "Reason": props.reason,
                # Only when declared: the template of a subscription without forms stays as it was.
                **(
                    {
                        "Forms": [
                            {
                                "FormName": f.name,
                                "TypeIdentifier": f.name,
                                "TypeRevision": f.revision,
                                "Content": f.content,
                            }
                            for f in props.forms
                        ]
                    }
                    if props.forms
                    else {}
                ),
            },
            RemovalPolicy.DESTROY,
        )
        self.subscription_id: str = self.resource.get_att_string("SubscriptionId")
