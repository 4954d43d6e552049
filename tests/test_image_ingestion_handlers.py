"""The image-ingestion handlers on moto's S3, DynamoDB and SQS (real behaviour: conditional writes,
S3 notifications to SQS, a redrive policy), with botocore Stubber or a failing client where a fault
has to be injected. Every image is made here with Pillow: no binary fixtures."""

from __future__ import annotations

import ast
import base64
import hashlib
import io
import json
import re
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws
from PIL import Image

from mesh_constructs.handlers.image_ingestion import common, kafka, process, upload
from mesh_constructs.handlers.image_ingestion.common import Clients, ConfigurationError, IngestSettings, detect_type
from mesh_constructs.handlers.image_ingestion.process import ProcessSettings

REGION = "eu-west-1"
ACCOUNT = "123456789012"  # moto's
RAW, PROCESSED, CURATED, TABLE = "acme-raw", "acme-processed", "acme-curated", "acme-image-metadata"
PREFIX = "ops/curated/shipment_photos/"
ALL_TYPES = "image/jpeg,image/png,image/gif,image/webp,image/tiff"
NOW = datetime(2026, 11, 30, 23, 59, 58, 123000, tzinfo=UTC)
ENVIRONMENT = {
    "RAW_BUCKET": RAW,
    "PROCESSED_BUCKET": PROCESSED,
    "METADATA_TABLE": TABLE,
    "ACCEPTED_TYPES": ALL_TYPES,
    "MAX_BYTES": str(10 * 1024 * 1024),
    "RETENTION_DAYS": "7",
    "WIDTHS": "400,200,1600",
    "OUTPUT_FORMAT": "jpeg",
    "CURATED_BUCKET": CURATED,
    "CURATED_PREFIX": PREFIX,
}
PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
# The metadata table's columns (the catalog table W1 declares), partition key day apart.
COLUMNS = {
    "image_id",
    "content_type",
    "bytes",
    "width",
    "height",
    "format",
    "sha256",
    "renditions",
    "received_at",
    "processed_ms",
    "source",
}


def image(fmt: str = "JPEG", size: tuple[int, int] = (800, 600), mode: str = "RGB") -> bytes:
    """A small real image with some structure (a gradient and a block), encoded as ``fmt``."""
    picture = Image.linear_gradient("L").resize(size).convert(mode)
    picture.paste(Image.new(mode, (size[0] // 4, size[1] // 4)), (size[0] // 8, size[1] // 8))
    buffer = io.BytesIO()
    picture.save(buffer, fmt)
    return buffer.getvalue()


def corrupt_jpeg() -> bytes:
    """A JPEG's magic bytes and headers, and half its data: it passes the upload, fails decoding."""
    data = image("JPEG")
    return data[: len(data) // 2]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def aws() -> Iterator[Clients]:
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        for bucket in (RAW, PROCESSED, CURATED):
            s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
        dynamodb.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "image_id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "image_id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield Clients(s3=s3, dynamodb=dynamodb)


@pytest.fixture(autouse=True)
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    common.default_clients.cache_clear()


def ingest_settings(**overrides: str) -> IngestSettings:
    return IngestSettings.from_env({**ENVIRONMENT, **overrides})


def process_settings(**overrides: str) -> ProcessSettings:
    return ProcessSettings.from_env({**ENVIRONMENT, **overrides})


def request(data: bytes | None, content_type: str | None = "image/jpeg", base64_encoded: bool = True) -> dict:
    headers = {} if content_type is None else {"Content-Type": content_type}
    body = None if data is None else (base64.b64encode(data).decode() if base64_encoded else data.decode("latin-1"))
    return {
        "httpMethod": "POST",
        "path": "/images",
        "headers": headers,
        "body": body,
        "isBase64Encoded": base64_encoded,
    }


def post(clients: Clients, data: bytes | None, content_type: str | None = "image/jpeg", **settings: str) -> dict:
    return upload.handle(request(data, content_type), ingest_settings(**settings), clients, now=lambda: NOW)


def body(response: dict) -> dict:
    return json.loads(response["body"])


def item(clients: Clients, image_id: str) -> dict | None:
    found = clients.dynamodb.get_item(TableName=TABLE, Key={"image_id": {"S": image_id}}, ConsistentRead=True)
    return found.get("Item")


def raw_keys(clients: Clients) -> list[str]:
    return [o["Key"] for o in clients.s3.list_objects_v2(Bucket=RAW).get("Contents", [])]


def assert_problem(response: dict, status: int) -> dict:
    assert response["statusCode"] == status
    assert response["headers"]["Content-Type"] == "application/problem+json"
    problem = body(response)
    assert problem["status"] == status and problem["title"] and problem["detail"]
    assert "Traceback" not in response["body"]
    return problem


# --- the checks -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "mime"),
    [
        ("JPEG", "image/jpeg"),
        ("PNG", "image/png"),
        ("GIF", "image/gif"),
        ("WEBP", "image/webp"),
        ("TIFF", "image/tiff"),
    ],
)
def test_magic_bytes_name_each_accepted_format(fmt: str, mime: str) -> None:
    assert detect_type(image(fmt, (16, 16))) == mime


def test_magic_bytes_of_a_pdf_or_a_short_file_name_no_image() -> None:
    assert detect_type(PDF) is None
    assert detect_type(b"\xff\xd8") is None
    assert detect_type(b"RIFF\x00\x00\x00\x00WAVE") is None  # a WAV is RIFF too


def test_settings_report_every_problem_at_once() -> None:
    environment = {**ENVIRONMENT, "MAX_BYTES": "ten", "ACCEPTED_TYPES": "image/jpeg,image/bmp", "RAW_BUCKET": ""}
    with pytest.raises(ConfigurationError) as raised:
        IngestSettings.from_env(environment)
    assert raised.value.problems == [
        "RAW_BUCKET is not set",
        "ACCEPTED_TYPES has image/bmp: known are image/jpeg, image/png, image/gif, image/webp, image/tiff",
        "MAX_BYTES='ten' is not a positive integer",
    ]
    with pytest.raises(ConfigurationError) as raised:
        ProcessSettings.from_env({**ENVIRONMENT, "WIDTHS": "200,0", "OUTPUT_FORMAT": "bmp", "CURATED_PREFIX": "x"})
    assert raised.value.problems == [
        "WIDTHS='200,0' must be a comma list of positive integers",
        "OUTPUT_FORMAT='bmp' is not one of jpeg, png, webp",
        "CURATED_PREFIX='x' must end with '/'",
    ]
    assert process_settings().widths == (200, 400, 1600)


# --- upload -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("fmt", "mime"), [("JPEG", "image/jpeg"), ("PNG", "image/png")])
def test_an_upload_stores_the_object_and_its_metadata(aws: Clients, fmt: str, mime: str) -> None:
    data = image(fmt)
    response = post(aws, data, f"{mime}; charset=binary")
    assert response["statusCode"] == 201
    assert body(response) == {"image_id": sha(data), "status": "RECEIVED"}
    stored = aws.s3.get_object(Bucket=RAW, Key=f"raw/{sha(data)}")
    assert stored["Body"].read() == data
    assert stored["ContentType"] == mime
    assert stored["Metadata"] == {"source": "http", "received-at": "2026-11-30T23:59:58.123Z"}
    metadata = item(aws, sha(data))
    assert metadata["status"] == {"S": "RECEIVED"}
    assert metadata["content_type"] == {"S": mime}
    assert metadata["bytes"] == {"N": str(len(data))}
    assert metadata["sha256"] == {"S": sha(data)}
    assert metadata["source"] == {"S": "http"}
    assert metadata["received_at"] == {"S": "2026-11-30T23:59:58.123Z"}
    assert int(metadata["expires_at"]["N"]) == int((NOW + timedelta(days=7)).timestamp())


def test_a_renamed_pdf_is_refused_and_nothing_is_stored(aws: Clients) -> None:
    problem = assert_problem(post(aws, PDF, "image/jpeg"), 415)
    assert problem["title"] == "Not an image"
    assert "25 50 44 46" in problem["detail"]  # "%PDF", the first bytes, to help the sender
    assert raw_keys(aws) == []
    assert aws.dynamodb.scan(TableName=TABLE)["Count"] == 0


def test_an_oversize_image_is_refused(aws: Clients) -> None:
    data = image("PNG")
    problem = assert_problem(post(aws, data, "image/png", MAX_BYTES=str(len(data) - 1)), 413)
    assert problem["detail"] == f"the image has {len(data)} bytes; at most {len(data) - 1} are accepted"
    assert post(aws, data, "image/png", MAX_BYTES=str(len(data)))["statusCode"] == 201


@pytest.mark.parametrize(
    ("content_type", "accepted", "title"),
    [
        ("application/pdf", ALL_TYPES, "Unsupported media type"),
        (None, ALL_TYPES, "Missing Content-Type"),
        ("image/png", ALL_TYPES, "Content does not match its type"),  # JPEG bytes declared as PNG
        ("image/jpeg", "image/png", "Unsupported media type"),  # a real JPEG where only PNG is accepted
    ],
)
def test_a_wrong_content_type_is_refused(aws: Clients, content_type: str | None, accepted: str, title: str) -> None:
    problem = assert_problem(post(aws, image("JPEG"), content_type, ACCEPTED_TYPES=accepted), 415)
    assert problem["title"] == title
    assert raw_keys(aws) == []


def test_an_empty_a_text_or_an_undecodable_body_is_refused(aws: Clients) -> None:
    settings = ingest_settings()
    assert assert_problem(post(aws, None), 400)["title"] == "Empty image"
    text = upload.handle(request(b"\xff\xd8\xffabc", base64_encoded=False), settings, aws)
    assert assert_problem(text, 400)["title"] == "Body is not binary"
    broken = {**request(b""), "body": "not base64!"}
    assert assert_problem(upload.handle(broken, settings, aws), 400)["title"] == "Undecodable body"


def test_a_duplicate_upload_is_idempotent(aws: Clients) -> None:
    data = image("JPEG")
    assert post(aws, data)["statusCode"] == 201
    later = upload.handle(request(data), ingest_settings(), aws, now=lambda: NOW + timedelta(hours=1))
    assert later["statusCode"] == 200
    assert body(later) == {"image_id": sha(data), "duplicate": True}
    assert raw_keys(aws) == [f"raw/{sha(data)}"]
    # The first upload's metadata stands (its received_at, so its retention).
    assert item(aws, sha(data))["received_at"] == {"S": "2026-11-30T23:59:58.123Z"}


def test_an_s3_failure_leaves_no_metadata_behind(aws: Clients) -> None:
    failing_s3 = boto3.client("s3", region_name=REGION)
    with Stubber(failing_s3) as stubber:
        stubber.add_client_error("put_object", service_error_code="InternalError", http_status_code=500)
        response = upload.handle(request(image("JPEG")), ingest_settings(), Clients(failing_s3, aws.dynamodb))
        stubber.assert_no_pending_responses()
    assert assert_problem(response, 503)["title"] == "Storage unavailable"
    assert aws.dynamodb.scan(TableName=TABLE)["Count"] == 0
    assert raw_keys(aws) == []


def test_a_retry_after_an_interrupted_upload_writes_the_missing_object(aws: Clients) -> None:
    data = image("JPEG")
    # The state a function that died between its two writes leaves: the item without its object.
    aws.dynamodb.put_item(
        TableName=TABLE, Item={"image_id": {"S": sha(data)}, "status": {"S": "RECEIVED"}, "expires_at": {"N": "1"}}
    )
    response = post(aws, data)
    assert response["statusCode"] == 200 and body(response)["duplicate"] is True
    assert aws.s3.get_object(Bucket=RAW, Key=f"raw/{sha(data)}")["Body"].read() == data


class Exploding:
    """A client whose every call fails with something no handler expects."""

    def __getattr__(self, name: str) -> Any:
        def call(**_: Any) -> None:
            raise RuntimeError("disk on fire at /var/task/secret.py line 12")

        return call


def test_an_unexpected_error_answers_500_without_a_traceback(aws: Clients) -> None:
    response = upload.handle(request(image("JPEG")), ingest_settings(), Clients(aws.s3, Exploding()))
    problem = assert_problem(response, 500)
    assert "secret.py" not in response["body"] and problem["title"] == "Internal error"


def test_upload_on_event_reads_its_environment(aws: Clients, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    data = image("PNG")
    assert upload.on_event(request(data, "image/png"), None)["statusCode"] == 201
    assert raw_keys(aws) == [f"raw/{sha(data)}"]
    monkeypatch.setenv("MAX_BYTES", "-1")
    assert assert_problem(upload.on_event(request(data, "image/png"), None), 500)["title"] == "Service misconfigured"


# --- Kafka ------------------------------------------------------------------------------------


def kafka_record(topic: str, partition: int, offset: int, data: bytes, content_type: str | None = None) -> dict:
    headers = [] if content_type is None else [{"content-type": list(content_type.encode())}]
    return {
        "topic": topic,
        "partition": partition,
        "offset": offset,
        "timestamp": 1764547198123,
        "timestampType": "CREATE_TIME",
        "key": base64.b64encode(b"shipment-42").decode(),
        "value": base64.b64encode(data).decode(),
        "headers": headers,
    }


def kafka_event(*records: dict) -> dict:
    grouped: dict[str, list[dict]] = {}
    for record in records:
        grouped.setdefault(f"{record['topic']}-{record['partition']}", []).append(record)
    return {
        "eventSource": "aws:kafka",
        "eventSourceArn": f"arn:aws:kafka:{REGION}:{ACCOUNT}:cluster/images/abc",
        "bootstrapServers": "b-1.images.kafka.eu-west-1.amazonaws.com:9098",
        "records": grouped,
    }


def test_a_kafka_batch_with_one_bad_record_reports_only_that_record(aws: Clients) -> None:
    jpeg, png = image("JPEG"), image("PNG", (300, 200))
    event = kafka_event(
        kafka_record("photos", 0, 41, jpeg),
        kafka_record("photos", 1, 7, PDF),  # a PDF on the topic
        kafka_record("photos", 1, 8, png, "image/png"),
        kafka_record("photos", 1, 9, jpeg, "image/png"),  # declared PNG, is a JPEG
    )
    result = kafka.handle(event, ingest_settings(), aws, now=lambda: NOW)
    assert result == {
        "batchItemFailures": [
            {"itemIdentifier": {"partition": "photos-1", "offset": 7}},
            {"itemIdentifier": {"partition": "photos-1", "offset": 9}},
        ]
    }
    assert sorted(raw_keys(aws)) == sorted([f"raw/{sha(jpeg)}", f"raw/{sha(png)}"])
    assert item(aws, sha(png))["source"] == {"S": "kafka"}


def test_a_redelivered_kafka_batch_is_idempotent(aws: Clients) -> None:
    event = kafka_event(kafka_record("photos", 0, 1, image("JPEG")))
    assert kafka.handle(event, ingest_settings(), aws) == {"batchItemFailures": []}
    assert kafka.handle(event, ingest_settings(), aws) == {"batchItemFailures": []}
    assert aws.dynamodb.scan(TableName=TABLE)["Count"] == 1


def test_kafka_without_partial_batch_reporting_raises_after_storing_the_good_records(aws: Clients) -> None:
    good = image("JPEG")
    event = kafka_event(kafka_record("photos", 0, 1, good), kafka_record("photos", 0, 2, PDF))
    with pytest.raises(kafka.BatchFailed, match="1 record"):
        kafka.handle(event, ingest_settings(), aws, partial=False)
    assert raw_keys(aws) == [f"raw/{sha(good)}"]


def test_a_kafka_storage_outage_reports_the_record(aws: Clients) -> None:
    failing = boto3.client("dynamodb", region_name=REGION)
    with Stubber(failing) as stubber:
        stubber.add_client_error("put_item", service_error_code="ProvisionedThroughputExceededException")
        result = kafka.handle(
            kafka_event(kafka_record("photos", 3, 5, image())), ingest_settings(), Clients(aws.s3, failing)
        )
    assert result == {"batchItemFailures": [{"itemIdentifier": {"partition": "photos-3", "offset": 5}}]}
    assert raw_keys(aws) == []


# --- processing -------------------------------------------------------------------------------


def notification(key: str, bucket: str = RAW, event_name: str = "ObjectCreated:Put") -> str:
    return json.dumps(
        {
            "Records": [
                {
                    "eventVersion": "2.1",
                    "eventSource": "aws:s3",
                    "awsRegion": REGION,
                    "eventName": event_name,
                    "s3": {"bucket": {"name": bucket}, "object": {"key": key, "size": 1}},
                }
            ]
        }
    )


def sqs_event(*bodies: str) -> dict:
    return {
        "Records": [
            {"messageId": f"m{i}", "receiptHandle": f"r{i}", "body": b, "eventSource": "aws:sqs"}
            for i, b in enumerate(bodies)
        ]
    }


def run(clients: Clients, event: dict, settings: ProcessSettings | None = None, now: datetime = NOW) -> dict:
    ticks = iter(range(0, 10_000, 7))  # a clock advancing 7 s per reading: processed_ms is known
    return process.handle(event, settings or process_settings(), clients, now=lambda: now, clock=lambda: next(ticks))


def uploaded(clients: Clients, data: bytes, mime: str) -> str:
    assert post(clients, data, mime)["statusCode"] == 201
    return sha(data)


def rendition(clients: Clients, key: str) -> Image.Image:
    return Image.open(io.BytesIO(clients.s3.get_object(Bucket=PROCESSED, Key=key)["Body"].read()))


def test_processing_writes_renditions_without_upscaling(aws: Clients) -> None:
    image_id = uploaded(aws, image("PNG", (800, 600)), "image/png")
    assert run(aws, sqs_event(notification(f"raw/{image_id}"))) == {"batchItemFailures": []}
    sizes = {w: rendition(aws, f"processed/{image_id}/{w}.jpg") for w in (200, 400, 1600)}
    assert {w: r.size for w, r in sizes.items()} == {200: (200, 150), 400: (400, 300), 1600: (800, 600)}
    assert {r.format for r in sizes.values()} == {"JPEG"}
    metadata = item(aws, image_id)
    assert metadata["status"] == {"S": "PROCESSED"}
    assert (metadata["width"], metadata["height"], metadata["format"]) == ({"N": "800"}, {"N": "600"}, {"S": "png"})
    assert metadata["renditions"] == {
        "L": [{"S": f"s3://{PROCESSED}/processed/{image_id}/{w}.jpg"} for w in (200, 400, 1600)]
    }
    assert metadata["processed_ms"] == {"N": "7000"}
    assert metadata["sha256"] == {"S": image_id}


def test_processing_keeps_the_aspect_ratio_of_a_tall_transparent_image(aws: Clients) -> None:
    image_id = uploaded(aws, image("PNG", (300, 1000), "RGBA"), "image/png")
    settings = process_settings(WIDTHS="100", OUTPUT_FORMAT="webp")
    assert run(aws, sqs_event(notification(f"raw/{image_id}")), settings) == {"batchItemFailures": []}
    small = rendition(aws, f"processed/{image_id}/100.webp")
    assert (small.size, small.format, small.mode) == ((100, 333), "WEBP", "RGBA")


def test_processing_writes_one_parseable_metadata_record_per_image(aws: Clients) -> None:
    data = image("JPEG", (640, 480))
    image_id = uploaded(aws, data, "image/jpeg")
    run(aws, sqs_event(notification(f"raw/{image_id}")), now=NOW + timedelta(seconds=5))
    # Partitioned by the day the image was received (2026-11-30), though processed on the 1st.
    key = f"{PREFIX}day=2026-11-30/{image_id}.json"
    text = aws.s3.get_object(Bucket=CURATED, Key=key)["Body"].read().decode()
    assert text.endswith("\n") and text.count("\n") == 1  # JSON lines: one record, one line
    record = json.loads(text)
    assert set(record) == COLUMNS
    assert record == {
        "image_id": image_id,
        "content_type": "image/jpeg",
        "bytes": len(data),
        "width": 640,
        "height": 480,
        "format": "jpeg",
        "sha256": image_id,
        "renditions": [f"s3://{PROCESSED}/processed/{image_id}/{w}.jpg" for w in (200, 400, 1600)],
        "received_at": "2026-11-30 23:59:58.123",
        "processed_ms": 7000,
        "source": "http",
    }
    assert datetime.strptime(record["received_at"], "%Y-%m-%d %H:%M:%S.%f")  # Hive's timestamp form
    assert item(aws, image_id)["metadata_object"] == {"S": f"s3://{CURATED}/{key}"}


def test_a_corrupt_image_is_recorded_failed_and_reported(aws: Clients) -> None:
    image_id = uploaded(aws, corrupt_jpeg(), "image/jpeg")
    ok_id = uploaded(aws, image("PNG"), "image/png")
    event = sqs_event(notification(f"raw/{image_id}"), notification(f"raw/{ok_id}"))
    assert run(aws, event) == {"batchItemFailures": [{"itemIdentifier": "m0"}]}
    failed = item(aws, image_id)
    assert failed["status"] == {"S": "FAILED"}
    assert failed["error"]["S"].startswith("cannot decode the image: OSError: image file is truncated")
    assert item(aws, ok_id)["status"] == {"S": "PROCESSED"}
    assert "Contents" not in aws.s3.list_objects_v2(Bucket=PROCESSED, Prefix=f"processed/{image_id}/")


def test_bytes_that_do_not_match_their_id_fail(aws: Clients) -> None:
    image_id = sha(b"something else")
    aws.s3.put_object(Bucket=RAW, Key=f"raw/{image_id}", Body=image("JPEG"))
    assert run(aws, sqs_event(notification(f"raw/{image_id}"))) == {"batchItemFailures": [{"itemIdentifier": "m0"}]}
    failed = item(aws, image_id)
    assert failed["error"] == {"S": "the raw object's SHA-256 does not match its id"}
    assert int(failed["expires_at"]["N"]) == int((NOW + timedelta(days=7)).timestamp())  # TTL even so


def test_a_duplicate_notification_is_idempotent(aws: Clients) -> None:
    image_id = uploaded(aws, image("JPEG"), "image/jpeg")
    event = sqs_event(notification(f"raw/{image_id}"))
    run(aws, event)
    first = item(aws, image_id)
    aws.s3.delete_object(Bucket=CURATED, Key=f"{PREFIX}day=2026-11-30/{image_id}.json")
    assert run(aws, event, now=NOW + timedelta(hours=2)) == {"batchItemFailures": []}
    assert item(aws, image_id) == first  # processed_at unchanged: nothing was processed again
    assert "Contents" not in aws.s3.list_objects_v2(Bucket=CURATED)  # and nothing rewritten


def test_an_object_without_its_item_gets_one_from_the_object(aws: Clients) -> None:
    data = image("JPEG")
    assert post(aws, data)["statusCode"] == 201
    aws.dynamodb.delete_item(TableName=TABLE, Key={"image_id": {"S": sha(data)}})
    assert run(aws, sqs_event(notification(f"raw/{sha(data)}"))) == {"batchItemFailures": []}
    rebuilt = item(aws, sha(data))
    assert (rebuilt["status"], rebuilt["source"], rebuilt["content_type"]) == (
        {"S": "PROCESSED"},
        {"S": "http"},
        {"S": "image/jpeg"},
    )
    assert rebuilt["received_at"] == {"S": "2026-11-30T23:59:58.123Z"}
    assert int(rebuilt["expires_at"]["N"]) == int((NOW + timedelta(days=7)).timestamp())


def test_test_events_and_foreign_keys_are_ignored(aws: Clients) -> None:
    test_event = json.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": RAW})
    event = sqs_event(test_event, notification("processed/x/200.jpg"), notification("raw/a", bucket="other"))
    assert run(aws, event) == {"batchItemFailures": []}
    assert aws.dynamodb.scan(TableName=TABLE)["Count"] == 0


def test_messages_left_when_time_runs_out_go_back_to_the_queue(aws: Clients) -> None:
    image_id = uploaded(aws, image("JPEG"), "image/jpeg")
    remaining = iter([60_000, 5_000])
    event = sqs_event(notification(f"raw/{image_id}"), notification(f"raw/{image_id}"))
    result = process.handle(event, process_settings(), aws, remaining_ms=lambda: next(remaining), now=lambda: NOW)
    assert result == {"batchItemFailures": [{"itemIdentifier": "m1"}]}


@pytest.mark.parametrize("max_receive_count", [1, 2])
def test_a_processing_failure_lands_in_the_dlq_after_its_retries(aws: Clients, max_receive_count: int) -> None:
    sqs = boto3.client("sqs", region_name=REGION)
    dlq_url = sqs.create_queue(QueueName="images-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receive_count})
    queue_url = sqs.create_queue(QueueName="images", Attributes={"RedrivePolicy": redrive})["QueueUrl"]
    queue_arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:images"
    # S3 itself notifies the queue (moto delivers it), filtered to raw/ as the workload's stack does.
    aws.s3.put_bucket_notification_configuration(
        Bucket=RAW,
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "QueueArn": queue_arn,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "raw/"}]}},
                }
            ]
        },
    )
    corrupt_id = uploaded(aws, corrupt_jpeg(), "image/jpeg")
    good_id = uploaded(aws, image("PNG"), "image/png")

    invocations = 0
    failed_bodies: list[str] = []
    # The event source mapping's loop: receive, invoke, delete what did not fail.
    for _ in range(max_receive_count + 2):
        received = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=0)
        messages = received.get("Messages", [])
        if not messages:
            continue
        event = {
            "Records": [
                {"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"]} for m in messages
            ]
        }
        invocations += 1
        failures = {f["itemIdentifier"] for f in run(aws, event)["batchItemFailures"]}
        for message in messages:
            if message["MessageId"] in failures:
                failed_bodies.append(message["Body"])
            else:
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])

    assert item(aws, good_id)["status"] == {"S": "PROCESSED"}
    assert item(aws, corrupt_id)["status"] == {"S": "FAILED"}
    assert len(failed_bodies) == max_receive_count  # tried once, and retried up to the redrive's count
    dead = sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10).get("Messages", [])
    assert len(dead) == 1
    # Keys arrive URL-encoded in notifications (moto encodes the slash too).
    assert unquote_plus(json.loads(dead[0]["Body"])["Records"][0]["s3"]["object"]["key"]) == f"raw/{corrupt_id}"
    assert sqs.receive_message(QueueUrl=queue_url).get("Messages") is None


def test_process_on_event_reads_its_environment(aws: Clients, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    image_id = uploaded(aws, image("JPEG"), "image/jpeg")

    class Context:
        def get_remaining_time_in_millis(self) -> int:
            return 300_000

    assert process.on_event(sqs_event(notification(f"raw/{image_id}")), Context()) == {"batchItemFailures": []}
    assert item(aws, image_id)["status"] == {"S": "PROCESSED"}
    monkeypatch.delenv("WIDTHS")
    with pytest.raises(ConfigurationError, match="WIDTHS is not set"):
        process.on_event(sqs_event(), Context())


def test_a_storage_outage_during_processing_is_reported_but_not_recorded_failed(aws: Clients) -> None:
    image_id = uploaded(aws, image("JPEG"), "image/jpeg")
    failing = boto3.client("s3", region_name=REGION)
    with Stubber(failing) as stubber:
        stubber.add_client_error("get_object", service_error_code="SlowDown", http_status_code=503)
        result = run(Clients(failing, aws.dynamodb), sqs_event(notification(f"raw/{image_id}")))
    assert result == {"batchItemFailures": [{"itemIdentifier": "m0"}]}
    assert item(aws, image_id)["status"] == {"S": "RECEIVED"}


# --- packaging --------------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "mesh_constructs" / "handlers" / "image_ingestion"


def test_only_the_processing_handler_needs_more_than_the_runtime() -> None:
    """Upload and Kafka run on the Lambda runtime's boto3 alone; processing adds Pillow (its layer)."""
    runtime = set(sys.stdlib_module_names) | {"boto3", "botocore"}
    for path in sorted(PACKAGE.glob("*.py")):
        roots = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                roots |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                roots.add(node.module.split(".")[0])
        assert roots - runtime == ({"PIL"} if path.name == "process.py" else set()), path.name


def test_the_pillow_layer_comes_from_its_hashed_lock_as_binary_wheels_only() -> None:
    makefile = (ROOT / "Makefile").read_text()
    download = makefile[makefile.index("pip download") : makefile.index("-d build/lambda/wheels")]
    for option in ("--require-hashes", "--only-binary=:all:", "--no-deps", "--platform manylinux_2_28_x86_64"):
        assert option in download
    assert "-r $(PILLOW_LOCK)" in download and "PILLOW_LOCK := mesh_constructs/handlers/image_ingestion/" in makefile
    assert "$(PILLOW_LAYER).built" in makefile.split("\ninstall:")[1].splitlines()[0]
    lock = (PACKAGE / "requirements.lock").read_text()
    pinned = re.findall(r"^([a-z0-9-]+)==(\S+)", lock, flags=re.MULTILINE)
    assert [name for name, _ in pinned] == ["pillow"]
    assert lock.count("--hash=sha256:") >= 1
    # The tests decode with the very version the Lambda runs.
    assert f"pillow=={pinned[0][1]}" in (ROOT / "requirements-dev.txt").read_text().splitlines()
