"""API Gateway (REST, Lambda proxy integration) upload: one image per request, the body binary.

Request: ``POST`` with the image as the body and its ``Content-Type`` (image/jpeg, ...). API
Gateway hands a binary body over base64-encoded (``isBase64Encoded``) when the API's
binaryMediaTypes match the request's Content-Type; a text body is refused (400), as no image
survives a text conversion.

Answers (problem details as RFC 9457 ``application/problem+json`` for every refusal, never a
traceback):
- 201 ``{"image_id": <sha256 hex>, "status": "RECEIVED"}``: stored;
- 200 ``{"image_id": ..., "duplicate": true}``: these bytes were stored before (idempotent);
- 400 empty or undecodable body, 413 over MAX_BYTES, 415 wrong or missing Content-Type, or content
  that is not the declared, accepted image type (magic bytes);
- 500 the function's configuration is wrong, 503 storage failed (retry: nothing was left behind).
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from .common import (
    LOG,
    Clients,
    Clock,
    ConfigurationError,
    IngestSettings,
    Rejected,
    check_declared,
    check_image,
    default_clients,
    media_type,
    store,
    utcnow,
)


def on_event(event: dict[str, Any], context: Any) -> dict[str, Any]:
    try:
        settings = IngestSettings.from_env()
    except ConfigurationError as error:
        LOG.error("%s", error)
        return problem(500, "Service misconfigured", "the upload service is not configured correctly")
    return handle(event, settings, default_clients())


def handle(event: dict[str, Any], settings: IngestSettings, clients: Clients, now: Clock = utcnow) -> dict[str, Any]:
    try:
        declared = media_type(header(event, "content-type"))
        if declared is None:
            accepted = ", ".join(sorted(settings.accepted_types))
            raise Rejected(415, "Missing Content-Type", f"send the image's type, one of {accepted}")
        # The declared type first: a request for an unaccepted type is refused before its body is read.
        check_declared(declared, settings)
        data = body_bytes(event)
        content_type = check_image(data, declared, settings)
        stored = store(data, content_type, "http", settings, clients, now)
    except Rejected as rejected:
        LOG.info("upload refused (%s): %s", rejected.status, rejected)
        return problem(rejected.status, rejected.title, rejected.detail)
    except (ClientError, BotoCoreError):
        LOG.exception("upload failed: storage error")
        return problem(503, "Storage unavailable", "the image could not be stored; nothing was kept, retry later")
    except Exception:
        # The API's last line: log the traceback for the operators, answer without it.
        LOG.exception("upload failed: unexpected error")
        return problem(500, "Internal error", "the image could not be stored; nothing was kept, retry later")
    if stored.created:
        return answer(201, {"image_id": stored.image_id, "status": "RECEIVED"})
    return answer(200, {"image_id": stored.image_id, "duplicate": True})


def header(event: dict[str, Any], name: str) -> str | None:
    """A request header, whatever its case (API Gateway passes the client's spelling)."""
    for key, value in (event.get("headers") or {}).items():
        if key.lower() == name and value is not None:
            return str(value)
    for key, values in (event.get("multiValueHeaders") or {}).items():
        if key.lower() == name and values:
            return str(values[0])
    return None


def body_bytes(event: dict[str, Any]) -> bytes:
    body = event.get("body")
    if body is None:
        return b""
    if not event.get("isBase64Encoded"):
        raise Rejected(
            400,
            "Body is not binary",
            "the image arrived as text; send it as a binary body with its image Content-Type",
        )
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError) as error:
        raise Rejected(400, "Undecodable body", f"the body is not valid base64: {error}") from None


def answer(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}


def problem(status: int, title: str, detail: str) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/problem+json"},
        "body": json.dumps({"type": "about:blank", "title": title, "status": status, "detail": detail}),
    }
