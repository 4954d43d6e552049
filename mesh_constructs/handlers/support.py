"""What every custom-resource handler of the mesh shares.

The pattern (each handler follows it):
- ``on_event(event, context)`` builds a client and one ``Deadline`` from the Lambda context, and
  calls ``handle(event, client, deadline)``, which the tests drive with botocore's Stubber and a
  deadline on a fake clock (its ``sleep`` records instead of sleeping);
- every wait and every backoff draws on that one deadline, so a chain of waits stops with a message
  saying what did not happen before Lambda's own timeout replaces it with "Task timed out";
- waits longer than one Lambda run belong to the Provider framework's ``is_complete`` polling
  (``complete_when``), up to an hour;
- it raises on every failure, never returns a FAILED status (the Provider framework reports);
- it is idempotent: a resource is found by its physical id, else by its name, before creating;
- writes are retried with a bounded backoff on throttling and on the conflicts / not-yet-visible
  resources of eventual consistency, then the last error is raised;
- Delete succeeds when the resource, or the whole domain, is already gone.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any, Protocol

from botocore.config import Config
from botocore.exceptions import ClientError

LOG = logging.getLogger()
LOG.setLevel(logging.INFO)

# Standard mode retries ThrottlingException (CreateGlossary allows 5 TPS) with jittered backoff.
CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 10})
# Writes are also retried here, with a bounded backoff (1 + 2 + 4 + 8 + 16 s at most, then the
# error is raised): throttling that outlasts botocore's retries, and conflicts or not-yet-visible
# resources right after a create (eventual consistency).
RETRY_DELAYS = (1, 2, 4, 8, 16)
RETRYABLE = frozenset({"ThrottlingException", "ConflictException", "ResourceNotFoundException"})
WRITE_RETRYABLE = frozenset({"ThrottlingException", "ConflictException"})
THROTTLING = frozenset({"ThrottlingException"})
ENABLED, DISABLED = "ENABLED", "DISABLED"
PAGE_SIZE = 50  # Search's maximum

Sleep = Callable[[float], None]


def error_code(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Code", "")


def retrying(call: Callable[[], Any], deadline: Deadline, errors: frozenset[str] = RETRYABLE) -> Any:
    """``call()``, retried with bounded backoff while it fails with one of ``errors``; the last error
    is raised as it is when the retries, or the invocation's time, run out."""
    for delay in (*RETRY_DELAYS, None):
        try:
            return call()
        except ClientError as error:
            if error_code(error) not in errors or delay is None:
                raise
            if not deadline.allows(delay):
                LOG.info("%s, and no time left to retry in %s s", error_code(error), delay)
                raise
            LOG.info("%s, retrying in %s s", error_code(error), delay)
            deadline.sleep(delay)
    raise AssertionError("unreachable")


def get_or_none(call: Callable[[], Any]) -> Any:
    """``call()`` (a Get), or None when the resource does not exist."""
    try:
        return call()
    except ClientError as error:
        if error_code(error) == "ResourceNotFoundException":
            return None
        raise


def search(client: Any, domain_id: str, scope: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
    """Every item of a DataZone ``search``, across all pages."""
    pages = client.get_paginator("search").paginate(
        domainIdentifier=domain_id, searchScope=scope, PaginationConfig={"PageSize": PAGE_SIZE}, **kwargs
    )
    for page in pages:
        yield from page.get("items", [])


def client_token(*parts: str) -> str:
    """A client token stable for the same request, so a retried create is not duplicated."""
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:64]


def domain_gone(client: Any, domain_id: str, error: ClientError) -> bool:
    """Whether ``error`` means the whole domain is gone. DataZone answers 403, not 404, for
    anything in a deleted domain (terraform-provider-aws treats it the same way); a 403 only
    counts as "gone" when GetDomain on the domain itself fails the same way or with 404."""
    if error_code(error) != "AccessDeniedException":
        return False
    try:
        client.get_domain(identifier=domain_id)
    except ClientError as get_error:
        return error_code(get_error) in ("ResourceNotFoundException", "AccessDeniedException")
    return False


# --- time ---------------------------------------------------------------------------------------

# Kept back from the Lambda's remaining time: the API call in flight (botocore's own retries
# included) returns, and the error reaches CloudFormation through the framework, before Lambda
# stops the function.
SAFETY_MARGIN = 60
# Waits poll every WAIT_INTERVAL seconds.
WAIT_INTERVAL = 15


class LambdaContext(Protocol):
    def get_remaining_time_in_millis(self) -> int: ...


class OutOfTime(RuntimeError):
    """The invocation's deadline came before the work was done; the message says what was left."""


class WaitTimeout(OutOfTime):
    """A bounded wait ran out; the message says for what."""


class Deadline:
    """One per handler invocation: the Lambda's remaining time less ``SAFETY_MARGIN``. Every wait
    and backoff of the invocation draws on it, so three waits in a row cannot add up to more than
    the function has (a per-wait budget of 12 minutes could chain to 36 in a 15-minute Lambda).
    ``clock`` and ``sleep`` are injected by the tests (a fake clock that only sleeping advances)."""

    def __init__(self, seconds: float, clock: Callable[[], float] | None = None, sleep: Sleep | None = None) -> None:
        # Looked up here, not bound as defaults at import: a test that replaces time.sleep sees every sleep.
        self._clock = time.monotonic if clock is None else clock
        self._sleep = time.sleep if sleep is None else sleep
        self._start = self._clock()
        self._end = self._start + max(0.0, seconds)

    @classmethod
    def of(
        cls,
        context: LambdaContext,
        margin: float = SAFETY_MARGIN,
        clock: Callable[[], float] | None = None,
        sleep: Sleep | None = None,
    ) -> Deadline:
        return cls(context.get_remaining_time_in_millis() / 1000 - margin, clock, sleep)

    def elapsed(self) -> float:
        return self._clock() - self._start

    def remaining(self) -> float:
        return max(0.0, self._end - self._clock())

    def allows(self, seconds: float) -> bool:
        """Whether sleeping ``seconds`` still ends before the deadline."""
        return seconds <= self.remaining()

    def sleep(self, seconds: float) -> None:
        if not self.allows(seconds):
            raise OutOfTime(
                f"no time left to wait {seconds} s more after {self.elapsed():.0f} s (the function's "
                f"timeout less {SAFETY_MARGIN} s)"
            )
        self._sleep(seconds)

    def check(self, what: str) -> None:
        """Between the items of a long loop: stop with a message, not with Lambda's timeout. The
        handlers are idempotent, so a retry of the deployment goes on where this one stopped."""
        if self.remaining() <= 0:
            raise OutOfTime(
                f"ran out of time after {self.elapsed():.0f} s {what}; the handler is idempotent: retry "
                "the deployment to continue"
            )


def wait_for(poll: Callable[[], Any], deadline: Deadline, what: str, interval: int = WAIT_INTERVAL) -> Any:
    """``poll()`` until it returns something other than None, sleeping ``interval`` s between polls
    while the invocation's ``deadline`` allows, then raise saying what did not happen. ``poll``
    raises itself when the awaited thing failed for good."""
    started = deadline.elapsed()
    while True:
        result = poll()
        if result is not None:
            return result
        waited = deadline.elapsed() - started
        if not deadline.allows(interval):
            raise WaitTimeout(
                f"gave up after {waited:.0f} s waiting for {what}: the function's time is up (its timeout less "
                f"{SAFETY_MARGIN} s); retry the deployment once the cause is fixed"
            )
        LOG.info("waiting for %s (%.0f s so far)", what, waited)
        deadline.sleep(interval)


# Waits longer than one Lambda run (a subscription's grants, project environments) are the
# Provider framework's: ``on_event`` starts the work and returns; the framework then calls
# ``is_complete`` every COMPLETE_INTERVAL seconds for at most COMPLETE_TIMEOUT (the framework's
# maximum, one hour), each call a fresh Lambda with its own deadline. The handler gives up
# COMPLETE_BUDGET seconds after on_event, before the framework's last attempt, with its own
# message instead of the framework's bare "Operation timed out".
COMPLETE_INTERVAL = 30
COMPLETE_TIMEOUT = 60 * 60
COMPLETE_BUDGET = COMPLETE_TIMEOUT - 2 * COMPLETE_INTERVAL
# A top-level key of an on_event result: the framework passes the whole result on to is_complete
# (aws-cdk-lib provider-framework/runtime/framework.js, createResponseEvent), and sends only the
# standard fields to CloudFormation (cfn-response.js, submitResponse). It says when on_event
# started the wait, for the handler's own budget.
WAIT_STARTED = "MeshWaitStartedAt"


def awaiting(result: dict[str, Any], now: float) -> dict[str, Any]:
    """An on_event result that hands the wait over to is_complete (``now``: epoch seconds)."""
    return {**result, WAIT_STARTED: now}


def complete_when(event: dict[str, Any], waits: bool, poll: Callable[[], Any], what: str, now: float) -> dict[str, Any]:
    """One is_complete call. ``waits``: whether this request has something to wait for (decided
    from the request itself, not from on_event's marker, so a framework that dropped the marker
    would still wait). ``poll()`` returns None while waiting, ``True`` or the resource's Data
    when done, or raises when the awaited thing failed. ``now``: epoch seconds."""
    if not waits:
        return {"IsComplete": True}
    result = poll()
    if result is not None:
        return {"IsComplete": True, **({"Data": result} if isinstance(result, dict) else {})}
    started = event.get(WAIT_STARTED)
    if started is None:
        # Only the framework's own limit ("Operation timed out") then applies.
        LOG.warning("no %s in the event: waiting for %s without the handler's own limit", WAIT_STARTED, what)
    elif now - float(started) + COMPLETE_INTERVAL > COMPLETE_BUDGET:
        raise WaitTimeout(f"gave up after {now - float(started):.0f} s waiting for {what}")
    else:
        LOG.info("still waiting for %s (%.0f s so far)", what, now - float(started))
    return {"IsComplete": False}


def paginate(client: Any, operation: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
    """Every item of a paginated DataZone List/Search operation (boto3 paginator, 50 a page)."""
    pages = client.get_paginator(operation).paginate(PaginationConfig={"PageSize": PAGE_SIZE}, **kwargs)
    for page in pages:
        yield from page.get("items", [])


def change_listing(
    client: Any, domain: str, entity_type: str, entity_id: str, revision: str, action: str, deadline: Deadline
) -> None:
    """Publishes or unpublishes one revision of an asset or data product (CreateListingChangeSet),
    idempotently: the client token is the entity, revision and action."""
    retrying(
        lambda: client.create_listing_change_set(
            domainIdentifier=domain,
            entityIdentifier=entity_id,
            entityType=entity_type,
            entityRevision=revision,
            action=action,
            clientToken=client_token(entity_id, revision, action),
        ),
        deadline,
        WRITE_RETRYABLE,
    )
    LOG.info("%s %s revision %s: %s", entity_type.lower().replace("_", " "), entity_id, revision, action)
