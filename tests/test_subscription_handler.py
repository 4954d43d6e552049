"""The subscription handler against botocore Stubber on a real DataZone client."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from botocore.stub import ANY, Stubber

from mesh_constructs.handlers import subscription as handler
from mesh_constructs.handlers.support import (
    COMPLETE_BUDGET,
    COMPLETE_INTERVAL,
    SAFETY_MARGIN,
    WAIT_INTERVAL,
    WAIT_STARTED,
    WaitTimeout,
)
from tests.conftest import LAMBDA_SECONDS

DOMAIN = "dzd_abc123def456"
CONSUMER = "prj-consumer"
PRODUCER = "prj-producer"
ASSET = "finance_gl_transactions_table"
NOW = datetime(2026, 1, 1, tzinfo=UTC)
STARTED = 1_767_225_600.0  # epoch seconds on_event hands the grants wait over
PROPS = {
    "DomainId": DOMAIN,
    "ConsumerProjectId": CONSUMER,
    "ProducerProjectId": PRODUCER,
    "AssetName": ASSET,
    "Reason": "dashboards",
}


def create() -> dict:
    return {"RequestType": "Create", "ResourceProperties": dict(PROPS)}


def on_event(event: dict, client, deadline) -> dict:
    return handler.handle(event, client, deadline, STARTED)


def polled(result: dict) -> dict:
    """What the Provider framework hands is_complete: the request with on_event's result."""
    return {**create(), **result}


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


def test_create_requests_as_consumer_accepts_as_producer_and_hands_the_grants_wait_over(client, sleeps, deadline):
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
            {"items": []},  # not made yet
            {"domainIdentifier": DOMAIN, "subscriptionRequestIdentifier": "req1", "maxResults": 50},
        )
        stub.add_response(
            "list_subscriptions",
            {"items": [subscription()]},
            {"domainIdentifier": DOMAIN, "subscriptionRequestIdentifier": "req1", "maxResults": 50},
        )
        result = on_event(create(), client, deadline)
        stub.assert_no_pending_responses()
    assert result == {"PhysicalResourceId": "sub1", "Data": {"SubscriptionId": "sub1"}, WAIT_STARTED: STARTED}
    assert sleeps == [WAIT_INTERVAL] * 2


FORMS = [
    {"FormName": "AccessPurpose", "TypeIdentifier": "AccessPurpose", "TypeRevision": "2",
     "Content": '{"purpose": "reporting"}'},
]  # fmt: skip


def test_the_declared_forms_are_sent_with_the_request(client, deadline):
    event = {"RequestType": "Create", "ResourceProperties": {**PROPS, "Forms": FORMS}}
    with Stubber(client) as stub:
        search_listings(stub, listing())
        no_existing(stub)
        stub.add_response(
            "list_subscription_requests",
            {"items": []},
            {"domainIdentifier": DOMAIN, "subscribedListingId": "lst1", "owningProjectId": CONSUMER,
             "status": "PENDING", "maxResults": 50},
        )  # fmt: skip
        stub.add_response(
            "create_subscription_request",
            request(),
            {
                "domainIdentifier": DOMAIN,
                "subscribedPrincipals": [{"project": {"identifier": CONSUMER}}],
                "subscribedListings": [{"identifier": "lst1"}],
                "requestReason": "dashboards",
                "clientToken": ANY,
                "metadataForms": [{"formName": "AccessPurpose", "typeIdentifier": "AccessPurpose",
                                   "typeRevision": "2", "content": '{"purpose": "reporting"}'}],
            },
        )  # fmt: skip
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
        result = on_event(event, client, deadline)
        stub.assert_no_pending_responses()
    assert result["PhysicalResourceId"] == "sub1"


def test_update_of_the_forms_only_changes_nothing(client, deadline):
    event = {"RequestType": "Update", "PhysicalResourceId": "sub1", "ResourceProperties": {**PROPS, "Forms": FORMS},
             "OldResourceProperties": dict(PROPS)}  # fmt: skip
    with Stubber(client) as stub:
        result = on_event(event, client, deadline)
        stub.assert_no_pending_responses()
    assert result == {"PhysicalResourceId": "sub1"}


def test_is_complete_polls_the_grants_until_all_are_completed(client):
    event = polled({"PhysicalResourceId": "sub1", "Data": {"SubscriptionId": "sub1"}, WAIT_STARTED: STARTED})
    with Stubber(client) as stub:
        grants(stub)  # not created yet
        grants(stub, grant("IN_PROGRESS"))
        grants(stub, grant("COMPLETED"))
        assert handler.check(event, client, STARTED) == {"IsComplete": False}
        assert handler.check(event, client, STARTED + 30) == {"IsComplete": False}
        # Data from on_event stays (the framework merges); is_complete adds none.
        assert handler.check(event, client, STARTED + 60) == {"IsComplete": True}
        stub.assert_no_pending_responses()


def test_grants_never_completed_give_up_before_the_frameworks_hour_with_a_clear_error(client):
    event = polled({"PhysicalResourceId": "sub1", WAIT_STARTED: STARTED})
    with Stubber(client) as stub:
        grants(stub, grant("IN_PROGRESS"))
        assert handler.check(event, client, STARTED + COMPLETE_BUDGET - COMPLETE_INTERVAL) == {"IsComplete": False}
        grants(stub, grant("IN_PROGRESS"))
        with pytest.raises(WaitTimeout) as raised:
            handler.check(event, client, STARTED + COMPLETE_BUDGET - COMPLETE_INTERVAL + 1)
    assert str(raised.value).startswith(
        f"gave up after {COMPLETE_BUDGET - COMPLETE_INTERVAL + 1} s waiting for the grants of subscription sub1"
    )
    assert COMPLETE_BUDGET + COMPLETE_INTERVAL < 60 * 60  # before the framework's own "Operation timed out"


def test_is_complete_has_nothing_to_wait_for_after_a_delete_or_an_unchanged_update(client):
    unchanged = {
        "RequestType": "Update",
        "PhysicalResourceId": "sub1",
        "ResourceProperties": {**PROPS, "Reason": "new"},
        "OldResourceProperties": PROPS,
    }
    with Stubber(client) as stub:
        assert handler.check(delete(), client, STARTED) == {"IsComplete": True}
        assert handler.check(unchanged, client, STARTED) == {"IsComplete": True}
        stub.assert_no_pending_responses()


def test_a_create_without_the_start_marker_still_waits_for_the_grants(client):
    """Whether to wait is read from the request, not from on_event's marker: a framework that
    dropped it would still wait (then only the framework's own hour applies)."""
    with Stubber(client) as stub:
        grants(stub, grant("IN_PROGRESS"))
        assert handler.check({**create(), "PhysicalResourceId": "sub1"}, client, STARTED + 10**6) == {
            "IsComplete": False
        }
        stub.assert_no_pending_responses()


def test_rerun_reuses_the_approved_subscription(client, sleeps, deadline):
    with Stubber(client) as stub:
        search_listings(stub, listing())
        stub.add_response("list_subscriptions", {"items": [subscription()]})
        result = on_event(create(), client, deadline)
        stub.assert_no_pending_responses()
    assert result["PhysicalResourceId"] == "sub1"
    assert sleeps == []


def test_a_pending_request_made_in_the_portal_is_accepted(client, deadline):
    with Stubber(client) as stub:
        search_listings(stub, listing())
        no_existing(stub)
        stub.add_response("list_subscription_requests", {"items": [request()]})
        stub.add_response("accept_subscription_request", request("ACCEPTED"))
        stub.add_response("list_subscriptions", {"items": [subscription()]})
        on_event(create(), client, deadline)
        stub.assert_no_pending_responses()


def test_a_failed_grant_raises_with_datazones_cause(client):
    with Stubber(client) as stub:
        grants(stub, grant("GRANT_FAILED", "Insufficient Lake Formation permissions on table"))
        with pytest.raises(handler.SubscriptionError) as raised:
            handler.check(polled({"PhysicalResourceId": "sub1", WAIT_STARTED: STARTED}), client, STARTED)
    assert "grant grt1 is GRANT_FAILED: Insufficient Lake Formation permissions on table" in str(raised.value)


def test_an_asset_never_listed_times_out_with_a_clear_error(client, sleeps, deadline):
    waited = LAMBDA_SECONDS - SAFETY_MARGIN
    with Stubber(client) as stub:
        for _ in range(waited // WAIT_INTERVAL + 1):
            search_listings(stub)
        with pytest.raises(WaitTimeout) as raised:
            on_event(create(), client, deadline)
        stub.assert_no_pending_responses()
    assert str(raised.value).startswith(
        f"gave up after {waited} s waiting for the listing of {ASSET} published by project {PRODUCER}: the "
        "function's time is up"
    )
    assert sum(sleeps) == waited


def test_the_waits_of_one_create_share_one_deadline(client, sleeps, deadline):
    """The listing wait uses most of the invocation; the subscription wait after the accept gets
    only what is left, not a budget of its own."""
    listing_polls = 50  # 49 sleeps of 15 s: 735 of the invocation's 840 s
    with Stubber(client) as stub:
        for _ in range(listing_polls - 1):
            search_listings(stub)
        search_listings(stub, listing())
        no_existing(stub)
        stub.add_response("list_subscription_requests", {"items": [request()]})
        stub.add_response("accept_subscription_request", request("ACCEPTED"))
        for _ in range(8):  # 7 more sleeps (105 s) fit; the 8th empty answer finds no time left
            stub.add_response("list_subscriptions", {"items": []})
        with pytest.raises(WaitTimeout, match="waiting for the subscription of accepted request req1"):
            on_event(create(), client, deadline)
        stub.assert_no_pending_responses()
    assert sum(sleeps) == LAMBDA_SECONDS - SAFETY_MARGIN


def test_throttled_accept_is_retried(client, sleeps, deadline):
    with Stubber(client) as stub:
        search_listings(stub, listing())
        no_existing(stub)
        stub.add_response("list_subscription_requests", {"items": [request()]})
        stub.add_client_error("accept_subscription_request", "ThrottlingException", http_status_code=429)
        stub.add_response("accept_subscription_request", request("ACCEPTED"))
        stub.add_response("list_subscriptions", {"items": [subscription()]})
        on_event(create(), client, deadline)
        stub.assert_no_pending_responses()
    assert sleeps == [1]


def test_access_denied_on_accept_propagates(client, deadline):
    with Stubber(client) as stub:
        search_listings(stub, listing())
        no_existing(stub)
        stub.add_response("list_subscription_requests", {"items": [request()]})
        stub.add_client_error("accept_subscription_request", "AccessDeniedException", http_status_code=403)
        with pytest.raises(Exception, match="AccessDeniedException"):
            on_event(create(), client, deadline)


def test_update_of_the_reason_only_changes_nothing(client, deadline):
    event = {
        "RequestType": "Update",
        "PhysicalResourceId": "sub1",
        "ResourceProperties": {**PROPS, "Reason": "new"},
        "OldResourceProperties": PROPS,
    }
    with Stubber(client) as stub:
        assert on_event(event, client, deadline) == {"PhysicalResourceId": "sub1"}
        stub.assert_no_pending_responses()


def test_update_to_another_asset_subscribes_anew(client, deadline):
    event = {
        "RequestType": "Update",
        "PhysicalResourceId": "sub0",
        "ResourceProperties": PROPS,
        "OldResourceProperties": {**PROPS, "AssetName": "sales_quotes_table"},
    }
    with Stubber(client) as stub:
        search_listings(stub, listing())
        stub.add_response("list_subscriptions", {"items": [subscription()]})
        result = on_event(event, client, deadline)
        stub.assert_no_pending_responses()
    # A new subscription: its grants are awaited by is_complete.
    assert result["PhysicalResourceId"] == "sub1" and WAIT_STARTED in result


def delete() -> dict:
    return {"RequestType": "Delete", "PhysicalResourceId": "sub1", "ResourceProperties": PROPS}


def test_delete_revokes_without_retaining_permissions(client, deadline):
    with Stubber(client) as stub:
        stub.add_response("get_subscription", subscription(), {"domainIdentifier": DOMAIN, "identifier": "sub1"})
        stub.add_response(
            "revoke_subscription",
            subscription("REVOKED"),
            {"domainIdentifier": DOMAIN, "identifier": "sub1", "retainPermissions": False},
        )
        assert on_event(delete(), client, deadline) == {"PhysicalResourceId": "sub1"}
        stub.assert_no_pending_responses()


@pytest.mark.parametrize("status", ["REVOKED", "CANCELLED"])
def test_delete_of_an_ended_subscription_does_nothing(client, status, deadline):
    with Stubber(client) as stub:
        stub.add_response("get_subscription", subscription(status))
        on_event(delete(), client, deadline)
        stub.assert_no_pending_responses()


def test_delete_of_a_subscription_already_gone_succeeds(client, deadline):
    with Stubber(client) as stub:
        stub.add_client_error("get_subscription", "ResourceNotFoundException", http_status_code=404)
        on_event(delete(), client, deadline)
        stub.assert_no_pending_responses()


def test_delete_after_a_failed_create_with_a_foreign_id_succeeds(client, deadline):
    with Stubber(client) as stub:
        stub.add_client_error("get_subscription", "ValidationException", http_status_code=400)
        on_event(delete(), client, deadline)


def test_delete_when_the_domain_is_gone_succeeds(client, deadline):
    with Stubber(client) as stub:
        stub.add_client_error("get_subscription", "AccessDeniedException", http_status_code=403)
        stub.add_client_error("get_domain", "ResourceNotFoundException", http_status_code=404)
        on_event(delete(), client, deadline)
        stub.assert_no_pending_responses()


def test_delete_refused_for_another_reason_raises(client, deadline):
    with Stubber(client) as stub:
        stub.add_response("get_subscription", subscription())
        stub.add_client_error("revoke_subscription", "AccessDeniedException", http_status_code=403)
        with pytest.raises(Exception, match="AccessDeniedException"):
            on_event(delete(), client, deadline)


# --- a data product's subscription ----------------------------------------------------------------

PRODUCT = "customer360"
PRODUCT_PROPS = {k: v for k, v in PROPS.items() if k != "AssetName"} | {"DataProductName": PRODUCT}


def product_listing(owner: str = PRODUCER, listing_id: str = "lst1") -> dict:
    return {
        "dataProductListing": {"listingId": listing_id, "name": PRODUCT, "entityId": "dp1", "owningProjectId": owner}
    }


def test_a_data_product_is_found_by_its_data_product_listing_and_subscribed(client, deadline):
    """SearchListings returns an asset of the same name as an assetListing: only the product's
    dataProductListing of the producer is taken."""
    with Stubber(client) as stub:
        asset_of_that_name = {"assetListing": {"listingId": "lst9", "name": PRODUCT, "owningProjectId": PRODUCER}}
        stub.add_response(
            "search_listings",
            {
                "items": [
                    asset_of_that_name,
                    product_listing(owner="someone-else", listing_id="lst8"),
                    product_listing(),
                ]
            },
            {"domainIdentifier": DOMAIN, "searchText": PRODUCT, "maxResults": 50},
        )
        stub.add_response(
            "list_subscriptions",
            {"items": [subscription()]},
            {
                "domainIdentifier": DOMAIN,
                "subscribedListingId": "lst1",
                "owningProjectId": CONSUMER,
                "status": "APPROVED",
                "maxResults": 50,
            },
        )
        result = on_event({"RequestType": "Create", "ResourceProperties": dict(PRODUCT_PROPS)}, client, deadline)
        stub.assert_no_pending_responses()
    assert result["PhysicalResourceId"] == "sub1"


def test_a_data_product_never_listed_times_out_naming_the_product(client, sleeps, deadline):
    with Stubber(client) as stub:
        for _ in range(60):
            stub.add_response("search_listings", {"items": [listing(name=PRODUCT)]})
        with pytest.raises(WaitTimeout, match=f"the listing of data product {PRODUCT} published by project {PRODUCER}"):
            on_event({"RequestType": "Create", "ResourceProperties": dict(PRODUCT_PROPS)}, client, deadline)


def test_an_asset_subscription_changed_to_a_data_product_subscribes_anew(client, deadline):
    event = {
        "RequestType": "Update",
        "PhysicalResourceId": "sub0",
        "ResourceProperties": PRODUCT_PROPS,
        "OldResourceProperties": PROPS,
    }
    assert handler.subscribes(event)
    assert not handler.subscribes({**event, "OldResourceProperties": {**PRODUCT_PROPS, "Reason": "other"}})
