"""What the upload and Kafka handlers share: settings, the image checks and the idempotent store.

Checks, in order (each a ``Rejected`` with the HTTP status the API answers):
- the declared type (API: the Content-Type header; Kafka: an optional ``content-type`` record
  header) must be one of ACCEPTED_TYPES (415);
- the payload must not be empty (400) nor larger than MAX_BYTES (413);
- its first bytes must be those of a JPEG, PNG, GIF, WebP or TIFF image, the same type as declared
  and an accepted one (415): a PDF renamed ``.jpg`` and sent as image/jpeg is refused.

The store is idempotent by content: the image id is the SHA-256 of the bytes, the raw object
``raw/<image_id>``. Order of the two writes, and why: the DynamoDB item first (a conditional put,
status RECEIVED), then the S3 object. The object's creation is what starts processing (the S3
notification), so the metadata must be there before it; if the S3 write fails, the item this
attempt wrote is deleted again (conditionally on this attempt's token, so a concurrent attempt's
item stays), and the error is raised: no item without an object is left behind. When the delete
fails too, or the function dies between the two writes, the item is left with status RECEIVED; the
next upload of the same bytes finds it, sees no object and writes the object (a repair), and
otherwise DynamoDB's TTL (``expires_at``) removes it after the retention.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

LOG = logging.getLogger()
LOG.setLevel(logging.INFO)

# Standard mode retries throttling and 5xx with jittered backoff; the timeouts keep one stuck
# connection from eating the invocation (an upload answers API Gateway within its 29 s).
CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5, read_timeout=20)

RAW_PREFIX = "raw/"
RECEIVED, PROCESSED, FAILED = "RECEIVED", "PROCESSED", "FAILED"
IMAGE_ID = re.compile(r"^[0-9a-f]{64}$")

# MIME type -> the short name used in config (accepted_types) and in file extensions.
IMAGE_TYPES = {
    "image/jpeg": "jpeg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "image/tiff": "tiff",
}

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


class ConfigurationError(Exception):
    """The function's environment is wrong: a deployment defect, every problem at once."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(
            "image ingestion function misconfigured: "
            + "; ".join(problems)
            + " (the workload's stack sets these variables: fix workloads.image_ingestion in mesh.yaml and redeploy)"
        )
        self.problems = problems


class Rejected(Exception):
    """An image refused for what it is (not for an outage): retrying the same bytes cannot help."""

    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(f"{title}: {detail}")
        self.status, self.title, self.detail = status, title, detail


class Env:
    """Reads a function's environment variables, collecting every problem before raising once."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ
        self.problems: list[str] = []

    def text(self, name: str) -> str:
        value = self.environ.get(name, "").strip()
        if not value:
            self.problems.append(f"{name} is not set")
        return value

    def positive_int(self, name: str) -> int:
        value = self.text(name)
        if value and not (value.isdigit() and int(value) > 0):
            self.problems.append(f"{name}={value!r} is not a positive integer")
            return 0
        return int(value) if value else 0

    def positive_ints(self, name: str) -> tuple[int, ...]:
        value = self.text(name)
        parts = [p.strip() for p in value.split(",") if p.strip()]
        bad = [p for p in parts if not (p.isdigit() and int(p) > 0)]
        if value and (bad or not parts):
            self.problems.append(f"{name}={value!r} must be a comma list of positive integers")
            return ()
        return tuple(sorted({int(p) for p in parts}))

    def check(self) -> None:
        if self.problems:
            raise ConfigurationError(self.problems)


@dataclass(frozen=True)
class IngestSettings:
    """The upload and Kafka functions' environment (the contract with the workload's stack)."""

    raw_bucket: str
    metadata_table: str
    accepted_types: frozenset[str]
    max_bytes: int
    retention_days: int

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> IngestSettings:
        env = Env(os.environ if environ is None else environ)
        raw_bucket, table = env.text("RAW_BUCKET"), env.text("METADATA_TABLE")
        types_value = env.text("ACCEPTED_TYPES")
        accepted = frozenset(t.strip().lower() for t in types_value.split(",") if t.strip())
        unknown = sorted(accepted - IMAGE_TYPES.keys())
        if unknown:
            env.problems.append(f"ACCEPTED_TYPES has {', '.join(unknown)}: known are {', '.join(IMAGE_TYPES)}")
        max_bytes, retention = env.positive_int("MAX_BYTES"), env.positive_int("RETENTION_DAYS")
        env.check()
        return cls(raw_bucket, table, accepted, max_bytes, retention)


@dataclass(frozen=True)
class Clients:
    s3: Any
    dynamodb: Any


@cache
def default_clients() -> Clients:
    """Created once per execution environment: warm invocations reuse the connections."""
    return Clients(boto3.client("s3", config=CLIENT_CONFIG), boto3.client("dynamodb", config=CLIENT_CONFIG))


def error_code(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Code", "")


def detect_type(data: bytes) -> str | None:
    """The MIME type that the file's signature (magic bytes) says, or None for anything else."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "image/tiff"
    return None


def media_type(value: str | None) -> str | None:
    """``image/jpeg; charset=x`` -> ``image/jpeg``; None when nothing is declared."""
    if value is None:
        return None
    media = value.split(";", 1)[0].strip().lower()
    return media or None


def check_declared(declared: str | None, settings: IngestSettings) -> None:
    if declared is not None and declared not in settings.accepted_types:
        raise Rejected(
            415,
            "Unsupported media type",
            f"{declared} is not accepted here; send one of {', '.join(sorted(settings.accepted_types))}",
        )


def check_image(data: bytes, declared: str | None, settings: IngestSettings) -> str:
    """The image's MIME type, from its bytes, after every check; ``Rejected`` otherwise."""
    check_declared(declared, settings)
    if not data:
        raise Rejected(400, "Empty image", "the request has no image bytes")
    if len(data) > settings.max_bytes:
        raise Rejected(
            413, "Image too large", f"the image has {len(data)} bytes; at most {settings.max_bytes} are accepted"
        )
    detected = detect_type(data)
    if detected is None:
        raise Rejected(
            415,
            "Not an image",
            f"the content is not a JPEG, PNG, GIF, WebP or TIFF image (it starts with {data[:8].hex(' ')})",
        )
    if declared is not None and declared != detected:
        raise Rejected(415, "Content does not match its type", f"declared {declared}, but the content is {detected}")
    if detected not in settings.accepted_types:
        raise Rejected(
            415,
            "Unsupported media type",
            f"the content is {detected}; accepted are {', '.join(sorted(settings.accepted_types))}",
        )
    return detected


def iso(moment: datetime) -> str:
    """ISO 8601 in UTC with milliseconds: what the item and the object's metadata carry."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def parse_iso(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def expires_at(received: datetime, retention_days: int) -> int:
    """The TTL attribute (epoch seconds): DynamoDB deletes the item after the retention."""
    return int((received + timedelta(days=retention_days)).timestamp())


@dataclass(frozen=True)
class Stored:
    image_id: str
    created: bool  # False: the same bytes were stored before (a duplicate delivery or upload)


def object_exists(s3: Any, bucket: str, key: str) -> bool:
    try:
        s3.head_object(Bucket=bucket, Key=key)
    except ClientError as error:
        if error_code(error) in ("404", "NoSuchKey", "NotFound"):
            return False
        raise
    return True


def put_raw(s3: Any, settings: IngestSettings, data: bytes, image_id: str, content_type: str, meta: dict) -> None:
    """The raw object, SSE-KMS by the bucket's default. ChecksumSHA256 makes S3 verify the bytes it
    stores against the image id (S3 rejects a mismatch with BadDigest)."""
    s3.put_object(
        Bucket=settings.raw_bucket,
        Key=RAW_PREFIX + image_id,
        Body=data,
        ContentType=content_type,
        ChecksumSHA256=base64.b64encode(bytes.fromhex(image_id)).decode(),
        # The processing handler rebuilds a missing item from these (see process.py).
        Metadata={"source": meta["source"], "received-at": meta["received_at"]},
    )


def store(
    data: bytes, content_type: str, source: str, settings: IngestSettings, clients: Clients, now: Clock = utcnow
) -> Stored:
    """The image and its metadata, idempotently by content hash, leaving no item without its object."""
    image_id = hashlib.sha256(data).hexdigest()
    received = now()
    attempt = uuid.uuid4().hex
    meta = {"source": source, "received_at": iso(received)}
    item = {
        "image_id": {"S": image_id},
        "status": {"S": RECEIVED},
        "content_type": {"S": content_type},
        "bytes": {"N": str(len(data))},
        "sha256": {"S": image_id},
        "source": {"S": source},
        "received_at": {"S": meta["received_at"]},
        "expires_at": {"N": str(expires_at(received, settings.retention_days))},
        "attempt": {"S": attempt},
    }
    try:
        clients.dynamodb.put_item(
            TableName=settings.metadata_table, Item=item, ConditionExpression="attribute_not_exists(image_id)"
        )
    except ClientError as error:
        if error_code(error) != "ConditionalCheckFailedException":
            raise
        # The same bytes came before. Its object is missing only when that attempt died between
        # its two writes: write it now, so the item does not stay an orphan.
        if not object_exists(clients.s3, settings.raw_bucket, RAW_PREFIX + image_id):
            LOG.warning("image %s: metadata without its object (an interrupted upload), writing the object", image_id)
            put_raw(clients.s3, settings, data, image_id, content_type, meta)
        return Stored(image_id, created=False)
    try:
        put_raw(clients.s3, settings, data, image_id, content_type, meta)
    except Exception:
        # Any failure of the second write (a ClientError, a timeout, a dropped connection) undoes
        # the first, then propagates.
        try:
            clients.dynamodb.delete_item(
                TableName=settings.metadata_table,
                Key={"image_id": {"S": image_id}},
                ConditionExpression="attempt = :attempt",
                ExpressionAttributeValues={":attempt": {"S": attempt}},
            )
        except ClientError:
            LOG.exception("image %s: could not delete its metadata after the failed S3 write; TTL removes it", image_id)
        raise
    return Stored(image_id, created=True)
