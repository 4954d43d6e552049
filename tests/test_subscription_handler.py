"""The subscription handler against botocore Stubber on a real DataZone client."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from botocore.stub import ANY, Stubber

from mesh_constructs.handlers import subscription as handler
from mesh_constructs.handlers.support import WAIT_BUDGET, WAIT_INTERVAL, WaitTimeout

DOMAIN = "dzd_abc123def456"
CONSUMER = "prj-consumer"
PRODUCER = "prj-producer"
ASSET = "finance_gl_transactions_table"
NOW = datetime(2026, 1, 1, tzinfo=UTC)
PROPS = {
    "DomainId": DOMAIN,
    "ConsumerProjectId": CONSUMER,
    "ProducerProjectId": PRODUCER,
    "AssetName": ASSET,
    "Reason": "dashboards",
}


def create() -> dict:
    return {"RequestType": "Create", "ResourceProperties": dict(PROPS)}


def listing(name: str = ASSET, owner: str = PRODUCER) -> dict:
    return {"assetListing": {"listingId": "lst1", "name": name, "owningProjectId": owner}}


def search_listings(stub: Stubber, *items: dict) -> None:
    stub.add_response(
        "search_listings", {"items": list(items)}, {"domainIdentifier": DOMAIN, "searchText": ASSET, "maxResults": 50}
    )


LISTING = {
    "id": "lst1",
    "name": ASSET,
    "description": "",
    "item": {"assetListing": {"entityId": "ast1"}},
    "ownerProjectId": PRODUCER,
}


def subscription(status: str = "APPROVED", sub_id: str = "sub1") -> dict:
    return {
        "id": sub_id,
        "createdBy": "x",
        "domainId": DOMAIN,
        "status": status,
        "createdAt": NOW,
        "updatedAt": NOW,
        "subscribedPrincipal": {"project": {"id": CONSUMER}},
        "subscribedListing": LISTING,
    }


def request(status: str = "PENDING") -> dict:
    return {
        "id": "req1",
        "createdBy": "x",
        "domainId": DOMAIN,
        "status": status,
        "createdAt": NOW,
        "updatedAt": NOW,
        "requestReason": "dashboards",
        "subscribedPrincipals": [{"project": {"id": CONSUMER}}],
        "subscribedListings": [LISTING],
    }


def grant(status: str, cause: str | None = None) -> dict:
    asset = {"assetId": "ast1", "assetRevision": "3", "status": "GRANT_FAILED" if cause else "GRANTED"}
    if cause:
        asset["failureCause"] = {"message": cause}
    return {
        "id": "grt1",
        "createdBy": "x",
        "domainId": DOMAIN,
        "createdAt": NOW,
        "updatedAt": NOW,
        "subscriptionTargetId": "tgt1",
        "grantedEntity": {"listing": {"id": "lst1", "revision": "1"}},
        "status": status,
        "assets": [asset],
    }


def no_existing(stub: Stubber) -> None:
    stub.add_response(
        "list_subscriptions",
        {"items": []},
        {
            "domainIdentifier": DOMAIN,
            "subscribedListingId": "lst1",
            "owningProjectId": CONSUMER,
            "status": "APPROVED",
            "maxResults": 50,
        },
    )


def grants(stub: Stubber, *items: dict) -> None:
    stub.add_response(
        "list_subscription_grants",
        {"items": list(items)},
        {"domainIdentifier": DOMAIN, "subscriptionId": "sub1", "maxResults": 50},
    )


def test_create_requests_as_consumer_accepts_as_producer_and_waits_for_the_grant(client, sleeps):
    with Stubber(client) as stub:
        search_listings(stub)  # not indexed yet
        search_listings(stub, listing(owner="someone-else"), listing())
        no_existing(stub)
        stub.add_response(
            "list_subscription_requests",
            {"items": []},
            {
                "domainIdentifier": DOMAIN,
                "subscribedListingId": "lst1",
                "owningProjectId": CONSUMER,
                "status": "PENDING",
                "maxResults": 50,
            },
        )
        stub.add_response(
            "create_subscription_request",
            request(),
            {
                "domainIdentifier": DOMAIN,
                "subscribedPrincipals": [{"project": {"identifier": CONSUMER}}],
                "subscribedListings": [{"identifier": "lst1"}],
                "requestReason": "dashboards",
                "clientToken": ANY,
            },
        )
        stub.add_response(
            "accept_subscription_request",
            request("ACCEPTED"),
            {"domainIdentifier": DOMAIN, "identifier": "req1", "decisionComment": handler.DECISION},
        )
        stub.add_response(
            "list_subscriptions",
            {"items": [subscription()]},
            {"domainIdentifier": DOMAIN, "subscriptionRequestIdentifier": "req1", "maxResults": 50},
        )
        grants(stub)  # not created yet
        grants(stub, grant("IN_PROGRESS"))
        grants(stub, grant("COMPLETED"))
        result = handler.handle(create(), client, sleeps)
        stub.assert_no_pending_responses()
    assert result == {"PhysicalResourceId": "sub1", "Data": {"SubscriptionId": "sub1"}}
    assert sleeps == [WAIT_INTERVAL] * 3


def test_rerun_reuses_the_approved_subscription(client, sleeps):
    with Stubber(client) as stub:
        search_listings(stub, listing())
        stub.add_response("list_subscriptions", {"items": [subscription()]})
        grants(stub, grant("COMPLETED"))
        result = handler.handle(create(), client, sleeps)
        stub.assert_no_pending_responses()
    assert result["PhysicalResourceId"] == "sub1"
    assert sleeps == []


def test_a_pending_request_made_in_the_portal_is_accepted(client, sleeps):
    with Stubber(client) as stub:
        search_listings(stub, listing())
        no_existing(stub)
        stub.add_response("list_subscription_requests", {"items": [request()]})
        stub.add_response("accept_subscription_request", request("ACCEPTED"))
        stub.add_response("list_subscriptions", {"items": [subscription()]})
        grants(stub, grant("COMPLETED"))
        handler.handle(create(), client, sleeps)
        stub.assert_no_pending_responses()


def test_a_failed_grant_raises_with_datazones_cause(client, sleeps):
    with Stubber(client) as stub:
        search_listings(stub, listing())
        stub.add_response("list_subscriptions", {"items": [subscription()]})
        grants(stub, grant("GRANT_FAILED", "Insufficient Lake Formation permissions on table"))
        with pytest.raises(handler.SubscriptionError) as raised:
            handler.handle(create(), client, sleeps)
    assert "grant grt1 is GRANT_FAILED: Insufficient Lake Formation permissions on table" in str(raised.value)


def test_an_asset_never_listed_times_out_with_a_clear_error(client, sleeps):
    with Stubber(client) as stub:
        for _ in range(WAIT_BUDGET // WAIT_INTERVAL + 1):
            search_listings(stub)
        with pytest.raises(WaitTimeout) as raised:
            handler.handle(create(), client, sleeps)
        stub.assert_no_pending_responses()
    assert str(raised.value) == (
        f"gave up after {WAIT_BUDGET} s waiting for the listing of {ASSET} published by project {PRODUCER}"
    )


def test_throttled_accept_is_retried(client, sleeps):
    with Stubber(client) as stub:
        search_listings(stub, listing())
        no_existing(stub)
        stub.add_response("list_subscription_requests", {"items": [request()]})
        stub.add_client_error("accept_subscription_request", "ThrottlingException", http_status_code=429)
        stub.add_response("accept_subscription_request", request("ACCEPTED"))
        stub.add_response("list_subscriptions", {"items": [subscription()]})
        grants(stub, grant("COMPLETED"))
        handler.handle(create(), client, sleeps)
        stub.assert_no_pending_responses()
    assert sleeps == [1]


def test_access_denied_on_accept_propagates(client, sleeps):
    with Stubber(client) as stub:
        search_listings(stub, listing())
        no_existing(stub)
        stub.add_response("list_subscription_requests", {"items": [request()]})
        stub.add_client_error("accept_subscription_request", "AccessDeniedException", http_status_code=403)
        with pytest.raises(Exception, match="AccessDeniedException"):
            handler.handle(create(), client, sleeps)


def test_update_of_the_reason_only_changes_nothing(client, sleeps):
    event = {
        "RequestType": "Update",
        "PhysicalResourceId": "sub1",
        "ResourceProperties": {**PROPS, "Reason": "new"},
        "OldResourceProperties": PROPS,
    }
    with Stubber(client) as stub:
        assert handler.handle(event, client, sleeps) == {"PhysicalResourceId": "sub1"}
        stub.assert_no_pending_responses()


def test_update_to_another_asset_subscribes_anew(client, sleeps):
    event = {
        "RequestType": "Update",
        "PhysicalResourceId": "sub0",
        "ResourceProperties": PROPS,
        "OldResourceProperties": {**PROPS, "AssetName": "sales_quotes_table"},
    }
    with Stubber(client) as stub:
        search_listings(stub, listing())
        stub.add_response("list_subscriptions", {"items": [subscription()]})
        grants(stub, grant("COMPLETED"))
        assert handler.handle(event, client, sleeps)["PhysicalResourceId"] == "sub1"


def delete() -> dict:
    return {"RequestType": "Delete", "PhysicalResourceId": "sub1", "ResourceProperties": PROPS}


def test_delete_revokes_without_retaining_permissions(client, sleeps):
    with Stubber(client) as stub:
        stub.add_response("get_subscription", subscription(), {"domainIdentifier": DOMAIN, "identifier": "sub1"})
        stub.add_response(
            "revoke_subscription",
            subscription("REVOKED"),
            {"domainIdentifier": DOMAIN, "identifier": "sub1", "retainPermissions": False},
        )
        assert handler.handle(delete(), client, sleeps) == {"PhysicalResourceId": "sub1"}
        stub.assert_no_pending_responses()


@pytest.mark.parametrize("status", ["REVOKED", "CANCELLED"])
def test_delete_of_an_ended_subscription_does_nothing(client, sleeps, status):
    with Stubber(client) as stub:
        stub.add_response("get_subscription", subscription(status))
        handler.handle(delete(), client, sleeps)
        stub.assert_no_pending_responses()


def test_delete_of_a_subscription_already_gone_succeeds(client, sleeps):
    with Stubber(client) as stub:
        stub.add_client_error("get_subscription", "ResourceNotFoundException", http_status_code=404)
        handler.handle(delete(), client, sleeps)
        stub.assert_no_pending_responses()


def test_delete_after_a_failed_create_with_a_foreign_id_succeeds(client, sleeps):
    with Stubber(client) as stub:
        stub.add_client_error("get_subscription", "ValidationException", http_status_code=400)
        handler.handle(delete(), client, sleeps)


def test_delete_when_the_domain_is_gone_succeeds(client, sleeps):
    with Stubber(client) as stub:
        stub.add_client_error("get_subscription", "AccessDeniedException", http_status_code=403)
        stub.add_client_error("get_domain", "ResourceNotFoundException", http_status_code=404)
        handler.handle(delete(), client, sleeps)
        stub.assert_no_pending_responses()


def test_delete_refused_for_another_reason_raises(client, sleeps):
    with Stubber(client) as stub:
        stub.add_response("get_subscription", subscription())
        stub.add_client_error("revoke_subscription", "AccessDeniedException", http_status_code=403)
        with pytest.raises(Exception, match="AccessDeniedException"):
            handler.handle(delete(), client, sleeps)
