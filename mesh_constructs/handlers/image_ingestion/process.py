"""Processing: SQS batches of S3 ObjectCreated notifications for ``raw/<image_id>`` in RAW_BUCKET.

Per image: read the raw object, check it against its id (SHA-256), decode it with Pillow, write one
rendition per width of WIDTHS to ``processed/<image_id>/<width>.<ext>`` in PROCESSED_BUCKET (the
aspect ratio kept, never upscaled: a width beyond the image's own gives a rendition of the image's
own size, under the configured width's key so readers can compute the key from the config), write
the metadata record (one JSON line) to
``s3://CURATED_BUCKET/CURATED_PREFIXday=YYYY-MM-DD/<image_id>.json`` (the day the image was
received, so a redelivery rewrites the same object), and mark the item PROCESSED with width,
height, format, checksum, renditions and processing time. The item is written last: it is the
commit point, and an image whose item says PROCESSED is not processed again (duplicate
notifications are idempotent; before that point every write is deterministic and overwritten).

Failures are reported per message (``batchItemFailures`` with the SQS messageId; the event source
mapping needs ReportBatchItemFailures): the message comes back after its visibility timeout and,
after the queue's maxReceiveCount, the redrive policy moves it to the DLQ. An image that cannot be
decoded (corrupt, truncated, a decompression bomb, or bytes that do not match their id) is also
recorded as FAILED with the reason; an outage (S3, DynamoDB) only reports the message, as its
retry may succeed.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote_plus

from botocore.exceptions import ClientError
from PIL import Image, ImageOps

from .common import (
    FAILED,
    IMAGE_ID,
    LOG,
    PROCESSED,
    RAW_PREFIX,
    Clients,
    Clock,
    Env,
    default_clients,
    error_code,
    expires_at,
    iso,
    parse_iso,
    utcnow,
)

PROCESSED_PREFIX = "processed/"
# OUTPUT_FORMAT -> (Pillow format, file extension, Content-Type, save options).
FORMATS: dict[str, tuple[str, str, str, dict[str, Any]]] = {
    "jpeg": ("JPEG", "jpg", "image/jpeg", {"quality": 85, "optimize": True}),
    "png": ("PNG", "png", "image/png", {"optimize": True}),
    "webp": ("WEBP", "webp", "image/webp", {"quality": 80, "method": 4}),
}
# Kept back from the invocation's remaining time: messages not started by then are reported as
# failures (retried later) instead of being cut off by Lambda's timeout with the whole batch.
TIME_MARGIN_MS = 20_000
MAX_ERROR = 500  # characters of the reason kept in the item


@dataclass(frozen=True)
class ProcessSettings:
    raw_bucket: str
    processed_bucket: str
    metadata_table: str
    widths: tuple[int, ...]
    output_format: str
    curated_bucket: str
    curated_prefix: str
    retention_days: int

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ProcessSettings:
        env = Env(os.environ if environ is None else environ)
        raw, processed, table = env.text("RAW_BUCKET"), env.text("PROCESSED_BUCKET"), env.text("METADATA_TABLE")
        widths = env.positive_ints("WIDTHS")
        output_format = env.text("OUTPUT_FORMAT").lower()
        if output_format and output_format not in FORMATS:
            env.problems.append(f"OUTPUT_FORMAT={output_format!r} is not one of {', '.join(FORMATS)}")
        curated, prefix = env.text("CURATED_BUCKET"), env.text("CURATED_PREFIX")
        if prefix and not prefix.endswith("/"):
            env.problems.append(f"CURATED_PREFIX={prefix!r} must end with '/'")
        retention = env.positive_int("RETENTION_DAYS")
        env.check()
        return cls(raw, processed, table, widths, output_format, curated, prefix, retention)


class ImageFailed(Exception):
    """The image itself cannot be processed: recorded as FAILED, retries only confirm it."""


@dataclass(frozen=True)
class Rendered:
    width: int
    height: int
    format: str  # the source image's format, lower case (jpeg, png, gif, webp, tiff)
    renditions: dict[int, bytes]  # configured width -> encoded rendition


def on_event(event: dict[str, Any], context: Any) -> dict[str, Any]:
    # A configuration error raises: the whole batch returns to the queue, nothing is lost.
    settings = ProcessSettings.from_env()
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    return handle(event, settings, default_clients(), remaining_ms=remaining)


def handle(
    event: dict[str, Any],
    settings: ProcessSettings,
    clients: Clients,
    remaining_ms: Callable[[], int] | None = None,
    now: Clock = utcnow,
    clock: Callable[[], float] = time.monotonic,
) -> dict[str, Any]:
    failures: list[dict[str, str]] = []
    for message in event.get("Records") or []:
        message_id = message.get("messageId", "")
        if remaining_ms is not None and remaining_ms() < TIME_MARGIN_MS:
            LOG.warning("message %s: too little time left in this invocation, returned to the queue", message_id)
            failures.append({"itemIdentifier": message_id})
            continue
        try:
            for image_id in image_ids(message, settings):
                process_image(image_id, settings, clients, now, clock)
        except Exception:
            # One message's failure must not fail the batch: it is reported, logged, and retried.
            LOG.exception("message %s failed", message_id)
            failures.append({"itemIdentifier": message_id})
    return {"batchItemFailures": failures}


def image_ids(message: dict[str, Any], settings: ProcessSettings) -> list[str]:
    """The image ids that one SQS message's S3 notification names (S3's test event names none)."""
    body = json.loads(message.get("body") or "{}")
    if body.get("Event") == "s3:TestEvent":
        return []
    ids = []
    for record in body.get("Records") or []:
        # Object keys arrive URL-encoded in S3 notifications.
        key = unquote_plus(record.get("s3", {}).get("object", {}).get("key", ""))
        bucket = record.get("s3", {}).get("bucket", {}).get("name")
        image_id = key.removeprefix(RAW_PREFIX)
        if (
            not str(record.get("eventName", "")).startswith("ObjectCreated")
            or bucket != settings.raw_bucket
            or not key.startswith(RAW_PREFIX)
            or not IMAGE_ID.match(image_id)
        ):
            # Not ours (the notification's filter should not let it through): retrying cannot help.
            LOG.warning("ignored notification for s3://%s/%s (%s)", bucket, key, record.get("eventName"))
            continue
        ids.append(image_id)
    return ids


def process_image(
    image_id: str, settings: ProcessSettings, clients: Clients, now: Clock, clock: Callable[[], float]
) -> None:
    key = {"image_id": {"S": image_id}}
    item = clients.dynamodb.get_item(TableName=settings.metadata_table, Key=key, ConsistentRead=True).get("Item")
    if item and item.get("status", {}).get("S") == PROCESSED:
        LOG.info("image %s: already processed (a duplicate notification)", image_id)
        return
    started = clock()
    try:
        raw = clients.s3.get_object(Bucket=settings.raw_bucket, Key=RAW_PREFIX + image_id)
    except ClientError as error:
        if error_code(error) == "NoSuchKey":
            # Expired by the lifecycle rule, or deleted: nothing left to process, nothing to retry.
            LOG.warning("image %s: raw object gone, nothing to process", image_id)
            return
        raise
    data = raw["Body"].read()
    try:
        if hashlib.sha256(data).hexdigest() != image_id:
            raise ImageFailed("the raw object's SHA-256 does not match its id")
        rendered = render(data, settings)
    except ImageFailed as failed:
        record_failure(image_id, str(failed), settings, clients, now)
        raise
    received = received_at(item, raw)
    uris = []
    extension, content_type = FORMATS[settings.output_format][1], FORMATS[settings.output_format][2]
    for width, encoded in rendered.renditions.items():
        rendition_key = f"{PROCESSED_PREFIX}{image_id}/{width}.{extension}"
        clients.s3.put_object(
            Bucket=settings.processed_bucket, Key=rendition_key, Body=encoded, ContentType=content_type
        )
        uris.append(f"s3://{settings.processed_bucket}/{rendition_key}")
    processed_ms = int((clock() - started) * 1000)
    content_type_in = (item or {}).get("content_type", {}).get("S") or raw.get("ContentType", "")
    source = (item or {}).get("source", {}).get("S") or raw.get("Metadata", {}).get("source", "unknown")
    record = {
        "image_id": image_id,
        "content_type": content_type_in,
        "bytes": len(data),
        "width": rendered.width,
        "height": rendered.height,
        "format": rendered.format,
        "sha256": image_id,
        "renditions": uris,
        # Hive's and Athena's JSON SerDes read a timestamp column as java.sql.Timestamp.valueOf's
        # "yyyy-mm-dd hh:mm:ss[.fff]" (UTC here), not ISO 8601 with a 'T' and a zone.
        "received_at": received.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3],
        "processed_ms": processed_ms,
        "source": source,
    }
    metadata_key = f"{settings.curated_prefix}day={received.strftime('%Y-%m-%d')}/{image_id}.json"
    clients.s3.put_object(
        Bucket=settings.curated_bucket,
        Key=metadata_key,
        Body=(json.dumps(record, separators=(",", ":")) + "\n").encode(),
        ContentType="application/json",
    )
    names = {"#s": "status", "#f": "format", "#e": "error"}
    values = {
        ":processed": {"S": PROCESSED},
        ":w": {"N": str(rendered.width)},
        ":h": {"N": str(rendered.height)},
        ":f": {"S": rendered.format},
        ":r": {"L": [{"S": uri} for uri in uris]},
        ":ms": {"N": str(processed_ms)},
        ":at": {"S": iso(now())},
        ":mk": {"S": f"s3://{settings.curated_bucket}/{metadata_key}"},
        # The item's own attributes, only where it has none (its upload's cleanup removed it while
        # the object had in fact been written): the object's metadata rebuilds them.
        ":ct": {"S": content_type_in},
        ":b": {"N": str(len(data))},
        ":sha": {"S": image_id},
        ":src": {"S": source},
        ":ra": {"S": iso(received)},
        ":exp": {"N": str(expires_at(received, settings.retention_days))},
    }
    clients.dynamodb.update_item(
        TableName=settings.metadata_table,
        Key=key,
        UpdateExpression=(
            "SET #s = :processed, width = :w, height = :h, #f = :f, renditions = :r, processed_ms = :ms,"
            " processed_at = :at, metadata_object = :mk, content_type = if_not_exists(content_type, :ct),"
            " #b = if_not_exists(#b, :b), sha256 = if_not_exists(sha256, :sha),"
            " #src = if_not_exists(#src, :src), received_at = if_not_exists(received_at, :ra),"
            " expires_at = if_not_exists(expires_at, :exp) REMOVE #e"
        ),
        ExpressionAttributeNames={**names, "#b": "bytes", "#src": "source"},
        ExpressionAttributeValues=values,
    )
    LOG.info("image %s: %d rendition(s) in %d ms", image_id, len(uris), processed_ms)


def received_at(item: dict[str, Any] | None, raw: dict[str, Any]) -> datetime:
    """When the image was received: the item's, else the object's metadata, else its LastModified."""
    value = (item or {}).get("received_at", {}).get("S") or raw.get("Metadata", {}).get("received-at")
    if value:
        return parse_iso(value).astimezone(UTC)
    modified = raw.get("LastModified")
    return modified.astimezone(UTC) if isinstance(modified, datetime) else utcnow()


def render(data: bytes, settings: ProcessSettings) -> Rendered:
    """The renditions of an image; ``ImageFailed`` when Pillow cannot decode it."""
    try:
        with warnings.catch_warnings():
            # Pillow warns past MAX_IMAGE_PIXELS (89 M) and raises only past twice that: treat a
            # likely decompression bomb as a failure before it exhausts the function's memory.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as opened:
                source_format = (opened.format or "unknown").lower()
                opened.load()  # decodes every byte: a truncated or corrupt file fails here
                # Renditions are upright as displayed (the EXIF orientation applied), and the
                # EXIF itself (GPS position included) is not copied into them.
                image = ImageOps.exif_transpose(opened)
                image = output_mode(image, settings.output_format)
    except Exception as error:
        # Pillow raises many types for bad input (OSError, SyntaxError, ValueError, struct.error,
        # DecompressionBombError, ...): whatever the decoder says, this image is the problem.
        raise ImageFailed(f"cannot decode the image: {type(error).__name__}: {error}") from error
    pillow_format, _, _, options = FORMATS[settings.output_format]
    renditions = {}
    for width in settings.widths:
        target = min(width, image.width)  # never upscale
        height = max(1, round(image.height * target / image.width))
        resized = image if target == image.width else image.resize((target, height), Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        resized.save(buffer, pillow_format, **options)
        renditions[width] = buffer.getvalue()
    return Rendered(image.width, image.height, source_format, renditions)


def output_mode(image: Image.Image, output_format: str) -> Image.Image:
    """The image in a mode the output format can store; transparency over white for JPEG."""
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    if output_format == "jpeg":
        if has_alpha:
            rgba = image.convert("RGBA")
            background = Image.new("RGB", rgba.size, (255, 255, 255))
            background.paste(rgba, mask=rgba.getchannel("A"))
            return background
        return image if image.mode in ("RGB", "L") else image.convert("RGB")
    if image.mode in ("RGB", "RGBA", "L", "LA"):
        return image
    return image.convert("RGBA" if has_alpha else "RGB")


def record_failure(image_id: str, reason: str, settings: ProcessSettings, clients: Clients, now: Clock) -> None:
    """Status FAILED and the reason; the message is reported anyway, so a failure to record is logged."""
    LOG.warning("image %s failed: %s", image_id, reason)
    try:
        clients.dynamodb.update_item(
            TableName=settings.metadata_table,
            Key={"image_id": {"S": image_id}},
            # expires_at where the item has none (its upload's cleanup removed it): TTL still applies.
            UpdateExpression=(
                "SET #s = :failed, #e = :reason, failed_at = :at, expires_at = if_not_exists(expires_at, :exp)"
            ),
            # Not over a PROCESSED item: a concurrent delivery's success stands.
            ConditionExpression="attribute_not_exists(#s) OR #s <> :processed",
            ExpressionAttributeNames={"#s": "status", "#e": "error"},
            ExpressionAttributeValues={
                ":failed": {"S": FAILED},
                ":reason": {"S": reason[:MAX_ERROR]},
                ":at": {"S": iso(now())},
                ":processed": {"S": PROCESSED},
                ":exp": {"N": str(expires_at(now(), settings.retention_days))},
            },
        )
    except ClientError:
        LOG.exception("image %s: could not record the failure", image_id)
