"""Amazon MSK event source mapping: each record's value is one image, checked and stored as an upload is.

The event (``eventSource: aws:kafka``) groups records under ``"<topic>-<partition>"`` keys, each
with ``topic``, ``partition``, ``offset``, the ``value`` base64-encoded and ``headers`` as a list of
``{name: [byte, ...]}``. A ``content-type`` header, when a producer sets one, is checked like the
API's Content-Type; without it the type comes from the magic bytes alone.

Failures are reported per record (partial batch response). Lambda supports it for Kafka event
sources (MSK and self-managed) when the event source mapping's FunctionResponseTypes include
ReportBatchItemFailures ("Configuring error handling controls for Kafka event sources",
docs.aws.amazon.com/lambda/latest/dg/kafka-retry-configurations.html; the console offers these
controls under the provisioned poller mode). Unlike SQS's, a Kafka item identifier is an object,
the topic-partition key and the record's offset: ``{"partition": "images-0", "offset": 15}``
(Powertools for AWS Lambda's Kafka batch processor, aws-powertools/powertools-lambda-python#7941).
Lambda resumes each reported partition from the reported offset; successful records after it are
delivered again, which the store's idempotency absorbs.

A refused record (not an image, too large) is reported too: after the mapping's retries it reaches
the on-failure destination instead of vanishing. Where the mapping cannot report partial batches,
set REPORT_BATCH_ITEM_FAILURES=false: the function then raises when any record failed, so the whole
batch is retried and, after MaximumRetryAttempts, sent to the on-failure destination (a batch the
mapping would otherwise count as a success would lose its failed records).
"""

from __future__ import annotations

import base64
import binascii
import os
from typing import Any

from .common import (
    LOG,
    Clients,
    Clock,
    IngestSettings,
    Rejected,
    check_image,
    default_clients,
    media_type,
    store,
    utcnow,
)


class BatchFailed(Exception):
    """Raised (without partial batch reporting) so that the mapping retries the whole batch."""


def on_event(event: dict[str, Any], context: Any) -> dict[str, Any]:
    # A configuration error raises: every record stays unprocessed and is retried, then goes to
    # the on-failure destination; nothing is acknowledged that was not stored.
    settings = IngestSettings.from_env()
    partial = os.environ.get("REPORT_BATCH_ITEM_FAILURES", "true").strip().lower() != "false"
    return handle(event, settings, default_clients(), partial=partial)


def handle(
    event: dict[str, Any], settings: IngestSettings, clients: Clients, partial: bool = True, now: Clock = utcnow
) -> dict[str, Any]:
    failures: list[dict[str, Any]] = []
    for partition_key, records in (event.get("records") or {}).items():
        for record in records:
            where = f"{partition_key}@{record.get('offset')}"
            try:
                data = record_value(record)
                content_type = check_image(data, media_type(record_header(record, "content-type")), settings)
                stored = store(data, content_type, "kafka", settings, clients, now)
                LOG.info("record %s: image %s%s", where, stored.image_id, "" if stored.created else " (duplicate)")
            except Rejected as rejected:
                LOG.warning("record %s refused (%s): %s", where, rejected.status, rejected)
                failures.append({"itemIdentifier": {"partition": partition_key, "offset": record.get("offset")}})
            except Exception:
                # One record's outage or defect must not fail its neighbours: report it and go on.
                LOG.exception("record %s failed", where)
                failures.append({"itemIdentifier": {"partition": partition_key, "offset": record.get("offset")}})
    if failures and not partial:
        raise BatchFailed(f"{len(failures)} record(s) failed: {[f['itemIdentifier'] for f in failures]}")
    return {"batchItemFailures": failures}


def record_value(record: dict[str, Any]) -> bytes:
    value = record.get("value")
    if not value:
        raise Rejected(400, "Empty image", "the record has no value")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as error:
        raise Rejected(400, "Undecodable value", f"the record's value is not valid base64: {error}") from None


def record_header(record: dict[str, Any], name: str) -> str | None:
    """A Kafka record header's value as text; MSK events carry header values as byte lists."""
    for header in record.get("headers") or []:
        for key, value in header.items():
            if key.lower() == name:
                raw = bytes(value) if isinstance(value, list) else str(value).encode()
                return raw.decode("utf-8", errors="replace")
    return None
