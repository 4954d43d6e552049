"""One deadline per handler invocation: every wait and backoff of the custom-resource handlers
draws on the Lambda's remaining time less a safety margin, and stops with a clear error before
Lambda's own timeout. Nothing here sleeps for real: clocks are fake, time.sleep is refused."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from mesh_constructs.handlers import data_source_runs, ram_invitation, subscription
from mesh_constructs.handlers.support import (
    COMPLETE_BUDGET,
    COMPLETE_INTERVAL,
    COMPLETE_TIMEOUT,
    RETRY_DELAYS,
    SAFETY_MARGIN,
    WAIT_INTERVAL,
    WAIT_STARTED,
    Deadline,
    OutOfTime,
    WaitTimeout,
    complete_when,
    retrying,
    wait_for,
)

DOMAIN = "dzd_abc123def456"


class FakeContext:
    """The one method of the Lambda context the handlers use."""

    def __init__(self, remaining_ms: int) -> None:
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


@pytest.fixture
def no_real_sleep(monkeypatch):
    def refuse(seconds: float) -> None:
        raise AssertionError(f"slept {seconds} s for real")

    monkeypatch.setattr("time.sleep", refuse)


@pytest.fixture
def fake_clock(sleeps):
    return lambda: float(sum(sleeps))


def test_the_deadline_is_the_remaining_time_less_the_margin(sleeps, fake_clock):
    deadline = Deadline.of(FakeContext(600_000), clock=fake_clock, sleep=sleeps)
    assert deadline.remaining() == 600 - SAFETY_MARGIN
    deadline.sleep(100)
    assert deadline.remaining() == 500 - SAFETY_MARGIN and deadline.elapsed() == 100
    assert Deadline.of(FakeContext(10_000), clock=fake_clock).remaining() == 0  # never negative


def test_sleeping_past_the_deadline_is_refused(sleeps, fake_clock):
    deadline = Deadline(20, clock=fake_clock, sleep=sleeps)
    deadline.sleep(15)
    with pytest.raises(OutOfTime, match="no time left to wait 15 s more after 15 s"):
        deadline.sleep(15)
    assert sleeps == [15]


def test_check_stops_a_long_loop_with_what_was_left(sleeps, fake_clock):
    deadline = Deadline(15, clock=fake_clock, sleep=sleeps)
    deadline.check("curating tables")
    deadline.sleep(15)
    with pytest.raises(OutOfTime, match="ran out of time after 15 s curating tables; the handler is idempotent"):
        deadline.check("curating tables")


def test_the_waits_of_one_invocation_together_never_pass_its_deadline(sleeps, fake_clock):
    """Three waits that never end, one after the other (a subscription create chains three): the
    first uses the invocation's time, the others find none left; the sum stays inside it."""
    deadline = Deadline(14 * 60, clock=fake_clock, sleep=sleeps)
    for what in ("the listing", "the subscription", "the grants"):
        with pytest.raises(WaitTimeout, match=f"waiting for {what}: the function's time is up"):
            wait_for(lambda: None, deadline, what)
    assert sum(sleeps) <= 14 * 60
    assert sleeps == [WAIT_INTERVAL] * (14 * 60 // WAIT_INTERVAL)


def test_a_retry_backoff_that_no_longer_fits_raises_the_last_error(sleeps, fake_clock):
    deadline = Deadline(5, clock=fake_clock, sleep=sleeps)
    throttled = ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "CreateGlossary")

    def call() -> None:
        raise throttled

    with pytest.raises(ClientError) as raised:
        retrying(call, deadline)
    assert raised.value is throttled
    assert sleeps == [1, 2]  # 1 + 2 fit in 5 s; the 4 s backoff does not
    assert sum(RETRY_DELAYS) > 5


def datazone(monkeypatch, module) -> boto3.client:
    client = boto3.client("datazone", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")
    monkeypatch.setattr(module.boto3, "client", lambda *args, **kwargs: client)
    return client


def test_a_subscription_with_little_time_left_gives_up_at_once_without_sleeping(monkeypatch, no_real_sleep):
    """on_event itself, with a Lambda context that has 70 s left: 10 s after the margin, less than
    one poll interval; the listing is not indexed yet."""
    client = datazone(monkeypatch, subscription)
    event = {
        "RequestType": "Create",
        "ResourceProperties": {
            "DomainId": DOMAIN,
            "ConsumerProjectId": "prj-c",
            "ProducerProjectId": "prj-p",
            "AssetName": "orders",
            "Reason": "r",
        },
    }
    with Stubber(client) as stub:
        stub.add_response("search_listings", {"items": []})
        with pytest.raises(WaitTimeout) as raised:
            subscription.on_event(event, FakeContext(70_000))
        stub.assert_no_pending_responses()
    assert str(raised.value).startswith(
        "gave up after 0 s waiting for the listing of orders published by project prj-p: the function's time is up"
    )


def test_data_source_runs_with_little_time_left_give_up_without_sleeping(monkeypatch, no_real_sleep):
    client = datazone(monkeypatch, data_source_runs)
    event = {
        "RequestType": "Create",
        "RequestId": "r1",
        "ResourceProperties": {
            "DomainId": DOMAIN,
            "Name": "products",
            "DataSources": [{"DataSourceId": "ds1", "ProjectId": "prj1", "Tables": []}],
        },
    }
    now = datetime(2026, 1, 1, tzinfo=UTC)
    run = {
        "id": "run1",
        "domainId": DOMAIN,
        "dataSourceId": "ds1",
        "projectId": "prj1",
        "status": "RUNNING",
        "type": "PRIORITIZED",
        "createdAt": now,
        "updatedAt": now,
    }
    with Stubber(client) as stub:
        stub.add_response("start_data_source_run", run)
        stub.add_response("get_data_source_run", run)
        with pytest.raises(WaitTimeout, match="waiting for the runs of data sources ds1: the function's time is up"):
            data_source_runs.on_event(event, FakeContext(SAFETY_MARGIN * 1000 + 5_000))
        stub.assert_no_pending_responses()


def test_ram_invitations_with_little_time_left_give_up_without_sleeping(monkeypatch, no_real_sleep):
    ram = boto3.client("ram", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")
    monkeypatch.setattr(ram_invitation.boto3, "client", lambda *args, **kwargs: ram)
    event = {"RequestType": "Create", "ResourceProperties": {"SenderAccountId": "333333333333"}}
    with Stubber(ram) as stub:
        stub.add_response("get_resource_share_invitations", {"resourceShareInvitations": []})
        with pytest.raises(WaitTimeout, match="resource-share invitation from account 333333333333"):
            ram_invitation.on_event(event, FakeContext(SAFETY_MARGIN * 1000))


# --- waits beyond one Lambda: the Provider framework's is_complete polling -------------------


def test_is_complete_gives_up_before_the_frameworks_last_poll():
    """The framework polls every COMPLETE_INTERVAL s for COMPLETE_TIMEOUT s, then answers a bare
    "Operation timed out": the handler's own budget ends at least one poll before."""
    assert COMPLETE_BUDGET + COMPLETE_INTERVAL <= COMPLETE_TIMEOUT - COMPLETE_INTERVAL
    assert COMPLETE_TIMEOUT <= 60 * 60  # the framework's maximum
    assert COMPLETE_TIMEOUT % COMPLETE_INTERVAL == 0  # the framework refuses anything else
    event = {WAIT_STARTED: 1000.0}
    assert complete_when(event, True, lambda: None, "x", 1000.0 + COMPLETE_BUDGET - COMPLETE_INTERVAL) == {
        "IsComplete": False
    }
    with pytest.raises(WaitTimeout, match=f"gave up after {COMPLETE_BUDGET} s waiting for x"):
        complete_when(event, True, lambda: None, "x", 1000.0 + COMPLETE_BUDGET)


def test_is_complete_returns_data_when_done_and_polls_nothing_when_there_is_nothing_to_wait_for():
    assert complete_when({WAIT_STARTED: 0.0}, True, lambda: {"A": "1"}, "x", 5.0) == {
        "IsComplete": True,
        "Data": {"A": "1"},
    }
    assert complete_when({WAIT_STARTED: 0.0}, True, lambda: True, "x", 5.0) == {"IsComplete": True}

    def never() -> None:
        raise AssertionError("polled")

    assert complete_when({"RequestType": "Delete"}, False, never, "x", 5.0) == {"IsComplete": True}
