"""What every custom-resource handler of the mesh shares.

The pattern (each handler follows it):
- ``on_event(event, context)`` builds a client and calls ``handle(event, client, sleep)``, which the
  tests drive with botocore's Stubber and a recording ``sleep``;
- it raises on every failure, never returns a FAILED status (the Provider framework reports);
- it is idempotent: a resource is found by its physical id, else by its name, before creating;
- writes are retried with a bounded backoff on throttling and on the conflicts / not-yet-visible
  resources of eventual consistency, then the last error is raised;
- Delete succeeds when the resource, or the whole domain, is already gone.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator
from typing import Any

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


def retrying(call: Callable[[], Any], sleep: Sleep, errors: frozenset[str] = RETRYABLE) -> Any:
    """``call()``, retried with bounded backoff while it fails with one of ``errors``."""
    for delay in (*RETRY_DELAYS, None):
        try:
            return call()
        except ClientError as error:
            if error_code(error) not in errors or delay is None:
                raise
            LOG.info("%s, retrying in %s s", error_code(error), delay)
            sleep(delay)
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


# Waits (environments, data-source runs, subscription grants) poll every WAIT_INTERVAL seconds
# for at most WAIT_BUDGET seconds, well inside the function's 15-minute timeout, then raise a
# message saying what did not happen and what to check, instead of letting the Lambda time out.
WAIT_INTERVAL = 15
WAIT_BUDGET = 12 * 60


class WaitTimeout(RuntimeError):
    """A bounded wait ran out; the message says for what."""


def wait_for(
    poll: Callable[[], Any], sleep: Sleep, what: str, budget: int = WAIT_BUDGET, interval: int = WAIT_INTERVAL
) -> Any:
    """``poll()`` until it returns something other than None, sleeping ``interval`` s between polls
    for at most ``budget`` s. ``poll`` raises itself when the awaited thing failed for good."""
    waited = 0
    while True:
        result = poll()
        if result is not None:
            return result
        if waited + interval > budget:
            raise WaitTimeout(f"gave up after {waited} s waiting for {what}")
        LOG.info("waiting for %s (%s s so far)", what, waited)
        sleep(interval)
        waited += interval


def paginate(client: Any, operation: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
    """Every item of a paginated DataZone List/Search operation (boto3 paginator, 50 a page)."""
    pages = client.get_paginator(operation).paginate(PaginationConfig={"PageSize": PAGE_SIZE}, **kwargs)
    for page in pages:
        yield from page.get("items", [])
