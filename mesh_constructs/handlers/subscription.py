"""Custom-resource handler: a consumer project subscribed to a producer's published asset.

Resource properties::

    DomainId, ConsumerProjectId, ProducerProjectId, AssetName | DataProductName, Reason,
    Forms (optional) [{FormName, TypeIdentifier, TypeRevision, Content (JSON text)}]

Forms are sent with the subscription request (CreateSubscriptionRequest ``metadataForms``): what
the metadata rules of the producer's domain unit require on subscription requests. Like the
reason, they are part of the request only: a change of the forms alone changes nothing.

A data product (DataProductName) is subscribed to like an asset: through its listing, which
SearchListings returns as a ``dataProductListing`` item (botocore datazone model, SearchResultItem
union) where an asset's is an ``assetListing``; its grants are one per asset of the product.

DataZone has no auto-approve flag, and the YAML change that declares the
subscription was reviewed and merged, so the deployment acts on both sides (its identity is a
member of both projects):

1. find the listing of the asset published by the producer (SearchListings; the search index
   follows a publication after a while, so this waits);
2. reuse an APPROVED subscription of the consumer to that listing (a re-run, or one made in the
   portal), else a PENDING request, else request as the consumer (CreateSubscriptionRequest);
3. accept as the producer (AcceptSubscriptionRequest), and wait for the subscription it makes;
4. hand over to the Provider framework's polling (``is_complete``, every 30 s for up to an hour)
   until every subscription grant is COMPLETED: DataZone then has granted the consumer's project
   role SELECT on the Glue table through Lake Formation and added it to the consumer's Lakehouse
   Database. A failed grant stops with DataZone's failure cause.

Steps 1 and 3 wait in on_event, on one deadline (the function's remaining time less a margin):
both follow a write that DataZone indexes within seconds to minutes. The grants are the long wait
(Lake Formation grants, Glue resource links, a consumer environment per asset) and would not fit,
chained after the others, in one 15-minute Lambda: they are polled by ``is_complete``, which gives
up with its own message before the framework's one-hour limit.

The physical id is the subscription id. A change of the reason alone changes nothing (DataZone
keeps the original); another consumer, producer or asset is a new subscription, and CloudFormation
then deletes the old one: Delete revokes it (RevokeSubscription, permissions not retained) and
succeeds when it is already revoked, gone, or the domain is gone.
"""

from __future__ import annotations

import time
from typing import Any

import boto3
from botocore.exceptions import ClientError

from .support import (
    CLIENT_CONFIG,
    LOG,
    WRITE_RETRYABLE,
    Deadline,
    LambdaContext,
    awaiting,
    client_token,
    complete_when,
    domain_gone,
    error_code,
    get_or_none,
    paginate,
    retrying,
    wait_for,
)

IDENTITY = ("DomainId", "ConsumerProjectId", "ProducerProjectId", "AssetName", "DataProductName")
GRANTED = "COMPLETED"
GRANT_BUSY = frozenset({"PENDING", "IN_PROGRESS"})
ENDED = frozenset({"REVOKED", "CANCELLED"})
DECISION = "Approved by the mesh deployment: the subscription is declared in the mesh configuration"


class SubscriptionError(RuntimeError):
    """The subscription cannot be fulfilled; the message says why and what to check."""


def on_event(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return handle(event, boto3.client("datazone", config=CLIENT_CONFIG), Deadline.of(context), time.time())


def is_complete(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return check(event, boto3.client("datazone", config=CLIENT_CONFIG), time.time())


def handle(event: dict[str, Any], client: Any, deadline: Deadline, now: float) -> dict[str, Any]:
    """on_event; ``now``: epoch seconds, when the grants wait starts."""
    request = event["RequestType"]
    props = event["ResourceProperties"]
    LOG.info("%s subscription of %s to %s", request, props.get("ConsumerProjectId"), listed_name(props))
    if request == "Delete":
        revoke(client, props["DomainId"], event["PhysicalResourceId"], deadline)
        return {"PhysicalResourceId": event["PhysicalResourceId"]}
    if not subscribes(event):
        return {"PhysicalResourceId": event["PhysicalResourceId"]}
    subscription_id = subscribe(client, props, deadline)
    return awaiting({"PhysicalResourceId": subscription_id, "Data": {"SubscriptionId": subscription_id}}, now)


def subscribes(event: dict[str, Any]) -> bool:
    """A Create, or an Update to another consumer, producer or asset (the reason alone changes
    nothing: DataZone keeps the original)."""
    if event["RequestType"] == "Delete":
        return False
    old, props = event.get("OldResourceProperties", {}), event["ResourceProperties"]
    return event["RequestType"] == "Create" or any(old.get(k) != props.get(k) for k in IDENTITY)


def check(event: dict[str, Any], client: Any, now: float) -> dict[str, Any]:
    """is_complete: whether the grants of the subscription on_event made are all COMPLETED."""
    props = event["ResourceProperties"]
    domain, subscription_id = props["DomainId"], event["PhysicalResourceId"]
    return complete_when(
        event,
        subscribes(event),
        lambda: grants_completed(client, domain, subscription_id),
        f"the grants of subscription {subscription_id} to be COMPLETED (their status: aws datazone "
        f"list-subscription-grants --domain-identifier {domain} --subscription-id {subscription_id})",
        now,
    )


def subscribe(client: Any, props: dict[str, Any], deadline: Deadline) -> str:
    domain, consumer = props["DomainId"], props["ConsumerProjectId"]
    product = "DataProductName" in props
    what = f"data product {props['DataProductName']}" if product else props["AssetName"]
    listing = wait_for(
        lambda: find_listing(client, domain, listed_name(props), props["ProducerProjectId"], product),
        deadline,
        f"the listing of {what} published by project {props['ProducerProjectId']}",
    )
    existing = _first(
        client,
        "list_subscriptions",
        domainIdentifier=domain,
        subscribedListingId=listing,
        owningProjectId=consumer,
        status="APPROVED",
    )
    if existing is not None:
        LOG.info("already subscribed: %s", existing["id"])
        return str(existing["id"])
    return _request_and_accept(client, props, listing, deadline)


def listed_name(props: dict[str, Any]) -> str:
    """The name of what is subscribed to: the data product's, else the asset's."""
    return str(props.get("DataProductName") or props["AssetName"])


def find_listing(client: Any, domain: str, name: str, producer: str, data_product: bool = False) -> str | None:
    kind = "dataProductListing" if data_product else "assetListing"
    for item in paginate(client, "search_listings", domainIdentifier=domain, searchText=name):
        listing = item.get(kind)
        if listing and listing.get("name") == name and listing.get("owningProjectId") == producer:
            return str(listing["listingId"])
    return None


def _first(client: Any, operation: str, **kwargs: Any) -> dict[str, Any] | None:
    return next(iter(paginate(client, operation, **kwargs)), None)


def _request_and_accept(client: Any, props: dict[str, Any], listing: str, deadline: Deadline) -> str:
    domain, consumer = props["DomainId"], props["ConsumerProjectId"]
    pending = _first(
        client,
        "list_subscription_requests",
        domainIdentifier=domain,
        subscribedListingId=listing,
        owningProjectId=consumer,
        status="PENDING",
    )
    if pending is not None:
        request_id = str(pending["id"])
    else:
        request: dict[str, Any] = {
            "domainIdentifier": domain,
            "subscribedPrincipals": [{"project": {"identifier": consumer}}],
            "subscribedListings": [{"identifier": listing}],
            "requestReason": props["Reason"],
            "clientToken": client_token(domain, consumer, listing),
        }
        if props.get("Forms"):
            request["metadataForms"] = request_forms(props["Forms"])
        created = retrying(lambda: client.create_subscription_request(**request), deadline, WRITE_RETRYABLE)
        request_id = str(created["id"])
    retrying(
        lambda: client.accept_subscription_request(
            domainIdentifier=domain, identifier=request_id, decisionComment=DECISION
        ),
        deadline,
        WRITE_RETRYABLE,
    )
    accepted = wait_for(
        lambda: _first(client, "list_subscriptions", domainIdentifier=domain, subscriptionRequestIdentifier=request_id),
        deadline,
        f"the subscription of accepted request {request_id}",
    )
    return str(accepted["id"])


def request_forms(forms: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The declared forms as CreateSubscriptionRequest's FormInput entries."""
    return [
        {
            "formName": f["FormName"],
            "typeIdentifier": f["TypeIdentifier"],
            "typeRevision": f["TypeRevision"],
            "content": f["Content"],
        }
        for f in forms
    ]


def grants_completed(client: Any, domain: str, subscription_id: str) -> bool | None:
    grants = list(paginate(client, "list_subscription_grants", domainIdentifier=domain, subscriptionId=subscription_id))
    failed = [g for g in grants if g["status"] != GRANTED and g["status"] not in GRANT_BUSY]
    if failed:
        causes = [
            a.get("failureCause", {}).get("message", "no cause given") for g in failed for a in g.get("assets", [])
        ]
        raise SubscriptionError(
            f"subscription {subscription_id}: grant {failed[0]['id']} is {failed[0]['status']}: "
            f"{'; '.join(causes) or 'no cause given'} (the table must be managed by Lake Formation and the "
            "domain's manage-access role grantable on it)"
        )
    if grants and all(g["status"] == GRANTED for g in grants):
        return True
    return None


def revoke(client: Any, domain: str, subscription_id: str, deadline: Deadline) -> None:
    try:
        current = get_or_none(lambda: client.get_subscription(domainIdentifier=domain, identifier=subscription_id))
    except ClientError as error:
        if domain_gone(client, domain, error) or error_code(error) == "ValidationException":
            LOG.info("subscription %s cannot exist (%s): nothing to revoke", subscription_id, error_code(error))
            return
        raise
    if current is None or current["status"] in ENDED:
        LOG.info("subscription %s already gone or ended", subscription_id)
        return
    try:
        retrying(
            lambda: client.revoke_subscription(
                domainIdentifier=domain, identifier=subscription_id, retainPermissions=False
            ),
            deadline,
            WRITE_RETRYABLE,
        )
    except ClientError as error:
        if error_code(error) == "ResourceNotFoundException":
            return
        raise
