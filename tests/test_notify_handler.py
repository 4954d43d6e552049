"""The DataZone notification Lambda against botocore Stubber on real DataZone and SNS clients."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import ANY, Stubber

from mesh_constructs.handlers import notify

DOMAIN = "dzd_abc123def456"
REQUEST = "req1abc"
PRODUCER, CONSUMER = "prjprod1", "prjcons1"
PRODUCER_NAME, CONSUMER_NAME = "finance-reporting-dev-project", "marketing-campaigns-dev-project"
OWNERS_GROUP = "9067a1b2c3-1a2b3c4d-0001-4a5b-8c9d-0e1f2a3b4c5d"
TOPIC = "arn:aws:sns:eu-west-1:123456789012:acme-dev-mesh-notify-{}"
ALARMS = "arn:aws:sns:eu-west-1:123456789012:acme-dev-mesh-alarms"
ROUTES = {
    "projects": {PRODUCER_NAME: [TOPIC.format("finance-owners")], CONSUMER_NAME: [TOPIC.format("marketing-owners")]},
    "groups": {OWNERS_GROUP: TOPIC.format("finance-stewards")},
    "fallback": ALARMS,
}


@pytest.fixture
def sns():
    return boto3.client("sns", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")


def event(kind: str, **detail) -> dict:
    return {
        "id": "evt-1",
        "time": "2026-12-01T10:00:00Z",
        "source": "aws.datazone",
        "detail-type": kind,
        "detail": {"version": "1", "metadata": {"domain": DOMAIN, "id": REQUEST}, **detail},
    }


def request_details(status: str = "PENDING", **extra) -> dict:
    return {
        "id": REQUEST,
        "createdBy": "user1",
        "domainId": DOMAIN,
        "status": status,
        "createdAt": "2026-12-01T10:00:00Z",
        "updatedAt": "2026-12-01T10:00:00Z",
        "requestReason": "campaign attribution",
        "subscribedPrincipals": [{"project": {"id": CONSUMER, "name": CONSUMER_NAME}}],
        "subscribedListings": [
            {
                "id": "lst1",
                "name": "gl_transactions",
                "description": "",
                "item": {"assetListing": {"entityId": "asset1", "entityRevision": "1"}},
                "ownerProjectId": PRODUCER,
                "ownerProjectName": PRODUCER_NAME,
            }
        ],
        **extra,
    }


def members(*groups: str, designation: str = "PROJECT_OWNER") -> dict:
    return {"members": [{"memberDetails": {"group": {"groupId": g}}, "designation": designation} for g in groups]}


def published(sns_stub: Stubber, topic: str) -> None:
    sns_stub.add_response("publish", {"MessageId": "m1"}, {"TopicArn": topic, "Subject": ANY, "Message": ANY})


def run(client, sns, deadline, evt, routes=ROUTES):
    return notify.handle(evt, client, sns, routes, deadline)


def test_a_new_request_notifies_the_producing_projects_owners_configured_and_current(client, sns, deadline):
    messages = []
    with Stubber(client) as dz, Stubber(sns) as sn:
        dz.add_response(
            "get_subscription_request_details", request_details(), {"domainIdentifier": DOMAIN, "identifier": REQUEST}
        )
        dz.add_response(
            "list_project_memberships",
            members(OWNERS_GROUP),
            {"domainIdentifier": DOMAIN, "projectIdentifier": PRODUCER, "maxResults": 50},
        )
        for topic in (TOPIC.format("finance-owners"), TOPIC.format("finance-stewards")):
            published(sn, topic)
        sns.meta.events.register("before-parameter-build.sns.Publish", lambda params, **_: messages.append(params))
        result = run(client, sns, deadline, event(notify.REQUEST_CREATED))
        dz.assert_no_pending_responses()
        sn.assert_no_pending_responses()
    assert result["published"] == [TOPIC.format("finance-owners"), TOPIC.format("finance-stewards")]
    message = messages[0]
    assert message["Subject"] == f"Subscription request for gl_transactions from {CONSUMER_NAME}"
    assert f"published by your project {PRODUCER_NAME}" in message["Message"]
    assert "campaign attribution" in message["Message"]


def test_memberships_are_read_across_pages_and_only_owners_count(client, sns, deadline):
    with Stubber(client) as dz, Stubber(sns) as sn:
        dz.add_response("get_subscription_request_details", request_details())
        dz.add_response("list_project_memberships", {**members("other-group"), "nextToken": "t2"})
        dz.add_response(
            "list_project_memberships",
            {
                "members": members(OWNERS_GROUP)["members"]
                + members("contrib", designation="PROJECT_CONTRIBUTOR")["members"]
            },
            {"domainIdentifier": DOMAIN, "projectIdentifier": PRODUCER, "maxResults": 50, "nextToken": "t2"},
        )
        published(sn, TOPIC.format("finance-owners"))
        published(sn, TOPIC.format("finance-stewards"))
        result = run(client, sns, deadline, event(notify.REQUEST_CREATED))
        dz.assert_no_pending_responses()
    assert TOPIC.format("finance-stewards") in result["published"]


@pytest.mark.parametrize(
    ("kind", "word"), [(notify.REQUEST_ACCEPTED, "accepted"), (notify.REQUEST_REJECTED, "rejected")]
)
def test_a_decision_notifies_the_requesting_project(client, sns, deadline, kind, word):
    messages = []
    with Stubber(client) as dz, Stubber(sns) as sn:
        dz.add_response(
            "get_subscription_request_details",
            request_details(
                "ACCEPTED" if word == "accepted" else "REJECTED", decisionComment="ok for Q4", reviewerId="u9"
            ),
        )
        dz.add_response("list_project_memberships", members())
        published(sn, TOPIC.format("marketing-owners"))
        sns.meta.events.register("before-parameter-build.sns.Publish", lambda params, **_: messages.append(params))
        result = run(client, sns, deadline, event(kind))
        dz.assert_no_pending_responses()
    assert result["published"] == [TOPIC.format("marketing-owners")]
    assert messages[0]["Subject"] == f"Subscription to gl_transactions {word}"
    assert "ok for Q4" in messages[0]["Message"]


def test_a_failed_run_notifies_the_data_sources_project_with_the_error(client, sns, deadline):
    messages = []
    run_response = {
        "domainId": DOMAIN,
        "dataSourceId": "ds1",
        "id": "run1",
        "projectId": PRODUCER,
        "status": "FAILED",
        "type": "PRIORITIZED",
        "createdAt": "2026-12-01T10:00:00Z",
        "updatedAt": "2026-12-01T10:00:00Z",
        "errorMessage": {
            "errorType": "ACCESS_DENIED_EXCEPTION",
            "errorDetail": "Insufficient Lake Formation permission(s)",
        },
    }
    source = {
        "id": "ds1",
        "type": "GLUE",
        "name": "finance_dev_catalog-finance-reporting",
        "domainId": DOMAIN,
        "projectId": PRODUCER,
    }
    with Stubber(client) as dz, Stubber(sns) as sn:
        dz.add_response("get_data_source_run", run_response, {"domainIdentifier": DOMAIN, "identifier": "run1"})
        dz.add_response("get_data_source", source, {"domainIdentifier": DOMAIN, "identifier": "ds1"})
        dz.add_response("get_project", {"domainId": DOMAIN, "id": PRODUCER, "name": PRODUCER_NAME, "createdBy": "u1"})
        dz.add_response("list_project_memberships", members())
        published(sn, TOPIC.format("finance-owners"))
        sns.meta.events.register("before-parameter-build.sns.Publish", lambda params, **_: messages.append(params))
        run(client, sns, deadline, event(notify.RUN_FAILED, data={"dataSourceRunId": "run1", "dataSourceId": "ds1"}))
        dz.assert_no_pending_responses()
    assert messages[0]["Subject"] == "Data source finance_dev_catalog-finance-reporting failed to run"
    assert "Insufficient Lake Formation permission(s)" in messages[0]["Message"]


def test_unreadable_names_keep_the_ids_and_go_to_the_fallback(client, sns, deadline):
    """AccessDenied on every read: the message still goes out, with ids, to the alarm topic."""
    messages = []
    with Stubber(client) as dz, Stubber(sns) as sn:
        dz.add_client_error("get_subscription_request_details", "AccessDeniedException", http_status_code=403)
        published(sn, ALARMS)
        sns.meta.events.register("before-parameter-build.sns.Publish", lambda params, **_: messages.append(params))
        result = run(client, sns, deadline, event(notify.REQUEST_CREATED))
    assert result["published"] == [ALARMS]
    assert REQUEST in messages[0]["Message"]
    assert "Nobody is routed" in messages[0]["Message"]


def test_a_project_nobody_is_routed_to_goes_to_the_fallback_naming_the_project(client, sns, deadline):
    messages = []
    with Stubber(client) as dz, Stubber(sns) as sn:
        dz.add_response("get_subscription_request_details", request_details())
        dz.add_response("list_project_memberships", members("unmapped-group"))
        published(sn, ALARMS)
        sns.meta.events.register("before-parameter-build.sns.Publish", lambda params, **_: messages.append(params))
        run(
            client,
            sns,
            deadline,
            event(notify.REQUEST_CREATED),
            routes={"projects": {}, "groups": {}, "fallback": ALARMS},
        )
    assert f"Nobody is routed for {PRODUCER_NAME}" in messages[0]["Message"]


def test_a_throttled_publish_is_retried(client, sns, deadline, sleeps):
    with Stubber(client) as dz, Stubber(sns) as sn:
        dz.add_response("get_subscription_request_details", request_details())
        dz.add_response("list_project_memberships", members())
        sn.add_client_error("publish", "Throttled", http_status_code=429)
        published(sn, TOPIC.format("finance-owners"))
        result = run(client, sns, deadline, event(notify.REQUEST_CREATED))
        sn.assert_no_pending_responses()
    assert result["published"] == [TOPIC.format("finance-owners")]
    assert sleeps == [1]


def test_publishing_that_keeps_failing_raises_after_bounded_retries(client, sns, deadline, sleeps):
    """Raised, so Lambda's own retries run and the function's Errors metric (alarmed) counts it."""
    with Stubber(client) as dz, Stubber(sns) as sn:
        dz.add_response("get_subscription_request_details", request_details())
        dz.add_response("list_project_memberships", members())
        for _ in range(6):
            sn.add_client_error("publish", "Throttled", http_status_code=429)
        with pytest.raises(ClientError, match="Throttled"):
            run(client, sns, deadline, event(notify.REQUEST_CREATED))
    assert sleeps == [1, 2, 4, 8, 16]


def test_a_topic_that_refuses_the_publish_raises_at_once(client, sns, deadline, sleeps):
    with Stubber(client) as dz, Stubber(sns) as sn:
        dz.add_response("get_subscription_request_details", request_details())
        dz.add_response("list_project_memberships", members())
        sn.add_client_error("publish", "AuthorizationError", http_status_code=403)
        with pytest.raises(ClientError, match="AuthorizationError"):
            run(client, sns, deadline, event(notify.REQUEST_CREATED))
    assert sleeps == []


def test_a_misrouted_event_is_ignored(client, sns, deadline):
    with Stubber(client), Stubber(sns):
        assert run(client, sns, deadline, event("Domain Unit Created")) == {"published": []}


def test_long_subjects_are_cut_below_snss_limit():
    assert len(notify._subject("x" * 300)) == notify.SUBJECT_LIMIT
    assert notify._subject("a\nb é") == "a b ?"
