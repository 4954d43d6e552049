"""The image-ingestion construct's template (aws_cdk.assertions) and its stack in the bundled example:
retention, encryption, authorisation, dead-letter queues, alarms and the Kafka event source."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template

from mesh_constructs.image_ingestion import (
    MAX_RECEIVE_COUNT,
    HttpInputProps,
    ImageIngestion,
    ImageIngestionProps,
    KafkaInputProps,
)
from stacks.mesh_stage import MeshStage
from tests.synth import of_type

ACCOUNT, REGION = "345678901234", "eu-west-1"
EXISTING = f"arn:aws:kafka:{REGION}:{ACCOUNT}:cluster/events/5e1c7a2b-3d4f-4a6b-9c8d-1e2f3a4b5c6d-2"


def _template(tmp_path: Path, *, kafka: KafkaInputProps | None, http: bool = True, topic: bool = True) -> dict:
    # A stand-in for the Pillow layer folder (make install builds the real one).
    (tmp_path / "pillow" / "python").mkdir(parents=True, exist_ok=True)
    (tmp_path / "pillow" / "python" / "placeholder.txt").write_text("layer content\n")
    app = cdk.App()
    stack = cdk.Stack(app, "Ingestion", env=cdk.Environment(account=ACCOUNT, region=REGION))
    ImageIngestion(
        stack,
        "Workload",
        ImageIngestionProps(
            name="acme-prod-shipment-photos",
            raw_bucket_name="acme-prod-shipment-photos-raw-345678901234",
            processed_bucket_name="acme-prod-shipment-photos-processed-345678901234",
            access_logs_bucket_name="acme-prod-shipment-photos-access-logs-345678901234",
            curated_bucket=s3.Bucket.from_bucket_name(stack, "Curated", "acme-prod-curated-345678901234"),
            curated_key=kms.Key.from_key_arn(
                stack, "CuratedKey", f"arn:aws:kms:{REGION}:{ACCOUNT}:key/11111111-2222-3333-4444-555555555555"
            ),
            curated_prefix="ops/shipment-photos/",
            accepted_types=["image/jpeg", "image/png"],
            max_bytes=4 * 1024 * 1024,
            widths=[320, 1024],
            output_format="webp",
            retention_days=7,
            http=HttpInputProps(throttle_rps=20, burst=40) if http else None,
            kafka=kafka,
            alarm_topic=sns.Topic.from_topic_arn(
                stack, "Alarms", f"arn:aws:sns:{REGION}:{ACCOUNT}:acme-prod-mesh-alarms"
            )
            if topic
            else None,
            pillow_dir=tmp_path / "pillow",
        ),
    )
    return Template.from_stack(stack).to_json()


CREATED = KafkaInputProps(
    topic="shipment-photos",
    consumer_group="acme-prod-shipment-photos",
    create=True,
    vpc_id="vpc-2a3b4c5de5f60718",
    subnet_ids=["subnet-2a3b4c5de5f60001", "subnet-2a3b4c5de5f60002"],
)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return _template(tmp_path_factory.mktemp("created"), kafka=CREATED)


def _buckets(template: dict) -> dict[str, dict]:
    return {r["Properties"]["BucketName"]: r["Properties"] for r in of_type(template, "AWS::S3::Bucket").values()}


def test_raw_and_processed_buckets_expire_after_the_retention_with_their_old_versions(template):
    for kind in ("raw", "processed"):
        bucket = _buckets(template)[f"acme-prod-shipment-photos-{kind}-345678901234"]
        rules = {r["Id"]: r for r in bucket["LifecycleConfiguration"]["Rules"]}
        assert rules["retention"]["ExpirationInDays"] == 7
        assert rules["retention"]["NoncurrentVersionExpiration"] == {"NoncurrentDays": 1}
        assert rules["delete-markers"]["ExpiredObjectDeleteMarker"] is True
        assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
        assert bucket["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }
        (encryption,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
        assert bucket["LoggingConfiguration"]["LogFilePrefix"] == f"{kind}/"


def test_the_buckets_refuse_requests_without_tls(template):
    policies = of_type(template, "AWS::S3::BucketPolicy").values()
    denies = [
        s
        for p in policies
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if s["Effect"] == "Deny" and s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
    ]
    assert len(denies) == 3  # raw, processed and their access-log bucket


def test_raw_objects_notify_the_queue_whose_failures_go_to_a_dead_letter_queue(template):
    raw = _buckets(template)["acme-prod-shipment-photos-raw-345678901234"]
    (notification,) = raw["NotificationConfiguration"]["QueueConfigurations"]
    assert notification["Event"] == "s3:ObjectCreated:*"
    assert notification["Filter"]["S3Key"]["Rules"] == [{"Name": "prefix", "Value": "raw/"}]
    queues = {r["Properties"]["QueueName"]: r["Properties"] for r in of_type(template, "AWS::SQS::Queue").values()}
    process = queues["acme-prod-shipment-photos-process"]
    assert process["RedrivePolicy"]["maxReceiveCount"] == MAX_RECEIVE_COUNT
    assert process["VisibilityTimeout"] == 6 * 120
    for queue in queues.values():
        assert "KmsMasterKeyId" in queue
    assert set(queues) == {
        "acme-prod-shipment-photos-process",
        "acme-prod-shipment-photos-process-dlq",
        "acme-prod-shipment-photos-kafka-dlq",
    }


def test_the_table_is_encrypted_recoverable_and_expires_items(template):
    (table,) = [r["Properties"] for r in of_type(template, "AWS::DynamoDB::Table").values()]
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert table["SSESpecification"]["SSEEnabled"] is True and table["SSESpecification"]["SSEType"] == "KMS"
    assert table["KeySchema"] == [{"AttributeName": "image_id", "KeyType": "HASH"}]


def test_the_processing_function_reports_partial_batch_failures(template):
    mappings = list(of_type(template, "AWS::Lambda::EventSourceMapping").values())
    sqs_mapping = next(
        m["Properties"]
        for m in mappings
        if "SelfManagedEventSource" not in m["Properties"] and "Topics" not in m["Properties"]
    )
    assert sqs_mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    functions = {
        r["Properties"]["FunctionName"]: r["Properties"] for r in of_type(template, "AWS::Lambda::Function").values()
    }
    process = functions["acme-prod-shipment-photos-process"]
    assert process["Runtime"] == "python3.12" and process["Handler"] == "image_ingestion.process.on_event"
    assert len(process["Layers"]) == 1
    env = process["Environment"]["Variables"]
    assert env["CURATED_PREFIX"] == "ops/shipment-photos/"
    assert env["WIDTHS"] == "320,1024" and env["OUTPUT_FORMAT"] == "webp" and env["RETENTION_DAYS"] == "7"
    assert env["MAX_BYTES"] == str(4 * 1024 * 1024) and env["ACCEPTED_TYPES"] == "image/jpeg,image/png"


def test_the_processing_function_writes_only_its_curated_prefix(template):
    statements = [
        s
        for p in of_type(template, "AWS::IAM::Policy").values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    curated = [s for s in statements if "acme-prod-curated-345678901234" in str(s["Resource"])]
    assert len(curated) == 1
    assert curated[0]["Action"] == "s3:PutObject"
    assert "/ops/shipment-photos/*" in str(curated[0]["Resource"])


def test_each_function_gets_only_the_item_calls_its_handler_makes(template):
    """No Scan, Query or batch writes on the metadata table: the receivers put an item (and delete it
    to undo a failed S3 write), the processor reads and updates one."""
    policies = of_type(template, "AWS::IAM::Policy")
    roles = {name: r for name, r in of_type(template, "AWS::IAM::Role").items()}

    def dynamodb_actions(role_prefix: str) -> set[str]:
        (role,) = [n for n in roles if n.startswith(role_prefix)]
        actions: set[str] = set()
        for p in policies.values():
            if {"Ref": role} in p["Properties"]["Roles"]:
                for s in p["Properties"]["PolicyDocument"]["Statement"]:
                    found = s["Action"] if isinstance(s["Action"], list) else [s["Action"]]
                    actions |= {a for a in found if a.startswith("dynamodb:")}
        return actions

    assert dynamodb_actions("WorkloadProcessRole") == {"dynamodb:GetItem", "dynamodb:UpdateItem"}
    for receiver in ("WorkloadUploadRole", "WorkloadKafkaRole"):
        assert dynamodb_actions(receiver) == {"dynamodb:PutItem", "dynamodb:DeleteItem"}


def test_every_upload_method_is_iam_authorised_validated_and_throttled(template):
    methods = [r["Properties"] for r in of_type(template, "AWS::ApiGateway::Method").values()]
    assert methods, "the HTTP input has a method"
    for method in methods:
        if method["HttpMethod"] == "OPTIONS":
            continue
        assert method["AuthorizationType"] == "AWS_IAM", method
    (post,) = [m for m in methods if m["HttpMethod"] == "POST"]
    assert post["RequestParameters"] == {"method.request.header.Content-Type": True}
    assert "RequestValidatorId" in post
    (api,) = [r["Properties"] for r in of_type(template, "AWS::ApiGateway::RestApi").values()]
    assert api["BinaryMediaTypes"] == ["image/jpeg", "image/png"]
    (stage,) = [r["Properties"] for r in of_type(template, "AWS::ApiGateway::Stage").values()]
    (settings,) = stage["MethodSettings"]
    assert (settings["ThrottlingRateLimit"], settings["ThrottlingBurstLimit"]) == (20, 40)
    (plan,) = [r["Properties"] for r in of_type(template, "AWS::ApiGateway::UsagePlan").values()]
    assert plan["Throttle"] == {"RateLimit": 20, "BurstLimit": 40}


def test_the_kafka_input_reads_a_new_serverless_cluster_with_iam_and_a_failure_queue(template):
    (cluster,) = [r["Properties"] for r in of_type(template, "AWS::MSK::ServerlessCluster").values()]
    assert cluster["ClientAuthentication"] == {"Sasl": {"Iam": {"Enabled": True}}}
    (kafka,) = [
        m["Properties"]
        for m in of_type(template, "AWS::Lambda::EventSourceMapping").values()
        if "Topics" in m["Properties"]
    ]
    assert kafka["Topics"] == ["shipment-photos"]
    assert kafka["AmazonManagedKafkaEventSourceConfig"] == {"ConsumerGroupId": "acme-prod-shipment-photos"}
    assert "OnFailure" in kafka["DestinationConfig"]
    assert kafka["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_kafka_rights_are_scoped_to_the_cluster_topic_and_group(tmp_path):
    template = _template(
        tmp_path,
        kafka=KafkaInputProps(topic="shipment-photos", consumer_group="photos", cluster_arn=EXISTING),
        http=False,
    )
    assert not of_type(template, "AWS::MSK::ServerlessCluster")
    assert not of_type(template, "AWS::ApiGateway::RestApi")
    statements = [
        s
        for p in of_type(template, "AWS::IAM::Policy").values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    kafka = [s for s in statements if any(str(a).startswith("kafka-cluster:") for a in _list(s["Action"]))]
    assert kafka and all("*" not in str(s["Resource"]) for s in kafka)
    # No AWS managed policy (AWSLambdaMSKExecutionRole reaches every log group and every cluster).
    assert all("ManagedPolicyArns" not in r["Properties"] for r in of_type(template, "AWS::IAM::Role").values())
    text = str(kafka)
    assert "topic/" in text and "group/" in text and "shipment-photos" in text and "photos" in text


def _list(value) -> list:
    return value if isinstance(value, list) else [value]


def test_alarms_on_function_errors_and_dead_letter_depth_go_to_the_alarm_topic(template):
    alarms = [r["Properties"] for r in of_type(template, "AWS::CloudWatch::Alarm").values()]
    names = {a["AlarmName"] for a in alarms}
    assert names == {
        "acme-prod-shipment-photos-ProcessErrors",
        "acme-prod-shipment-photos-UploadErrors",
        "acme-prod-shipment-photos-KafkaErrors",
        "acme-prod-shipment-photos-DeadLetterQueueDepth",
        "acme-prod-shipment-photos-KafkaFailuresDepth",
    }
    for alarm in alarms:
        assert alarm["AlarmActions"] == ["arn:aws:sns:eu-west-1:345678901234:acme-prod-mesh-alarms"]


def test_without_an_alarm_topic_the_alarms_stay_but_tell_no_one(tmp_path):
    template = _template(tmp_path, kafka=None, topic=False)
    alarms = [r["Properties"] for r in of_type(template, "AWS::CloudWatch::Alarm").values()]
    assert len(alarms) == 3 and all("AlarmActions" not in a for a in alarms)


def test_a_workload_without_any_input_is_refused(tmp_path):
    with pytest.raises(ValueError, match="needs an http or a kafka input"):
        _template(tmp_path, kafka=None, http=False)


# --- in the bundled example ------------------------------------------------------------------------


def test_the_example_deploys_the_workload_after_the_products_stack_in_each_environment(example_app):
    stacks = {s.stack_name: s for s in example_app.stacks()}
    stages = [c for c in example_app.app.node.find_all() if isinstance(c, MeshStage)]
    assert len(stages) == 3
    for stage in stages:
        env = stage.ingestion["shipment-photos"].stack_name.split("-")[1]
        after = {d.stack_name for d in stage.ingestion["shipment-photos"].dependencies}
        assert f"acme-{env}-products-1" in after and f"acme-{env}-foundation" in after
    prod = stacks["acme-prod-ingestion-shipment-photos"].template
    dev = stacks["acme-dev-ingestion-shipment-photos"].template
    # The example takes HTTP uploads only (025e87d: per-account cluster ARNs broke every test that
    # moves an environment's account); the Kafka input is covered by the tests above.
    for template in (prod, dev):
        assert not of_type(template, "AWS::MSK::ServerlessCluster")
        assert not [
            m for m in of_type(template, "AWS::Lambda::EventSourceMapping").values() if "Topics" in m["Properties"]
        ]
        assert len(of_type(template, "AWS::ApiGateway::RestApi")) == 1
    curated = stacks["acme-prod-foundation"].template
    rules = [
        r
        for b in of_type(curated, "AWS::S3::Bucket").values()
        for r in b["Properties"].get("LifecycleConfiguration", {}).get("Rules", [])
        if r.get("Id") == "workload-shipment-photos"
    ]
    assert rules == [
        {
            "ExpirationInDays": 7,
            "Id": "workload-shipment-photos",
            "NoncurrentVersionExpiration": {"NoncurrentDays": 1},
            "Prefix": "ops/shipment-photos/",
            "Status": "Enabled",
        }
    ]


def test_the_ingestion_stack_keeps_each_environment_within_six_sequential_deployments(example_app):
    from tests.test_quality_and_lineage_stacks import MAX_DEPTH, _deploy_depth

    for env in ("dev", "staging", "prod"):
        assert _deploy_depth(example_app, env) <= MAX_DEPTH


def test_the_metadata_table_projects_its_day_partitions_over_the_retention(example_app):
    """Nothing registers the day=YYYY-MM-DD/ folders the processor writes as partitions (the data
    source imports tables, not partitions): Athena projects them from the table's parameters."""
    stacks = {s.stack_name: s for s in example_app.stacks()}
    tables = of_type(stacks["acme-prod-products-1"].template, "AWS::Glue::Table").values()
    (table,) = [
        t["Properties"]["TableInput"]
        for t in tables
        if t["Properties"]["TableInput"]["Name"] == ("ops_shipment_photos_table")
    ]
    assert [k["Name"] for k in table["PartitionKeys"]] == ["day"]
    location = table["StorageDescriptor"]["Location"]
    assert location == "s3://acme-prod-curated-345678901234/ops/shipment-photos/"
    parameters = table["Parameters"]
    assert parameters["projection.enabled"] == "true"
    assert parameters["projection.day.type"] == "date"
    assert parameters["projection.day.format"] == "yyyy-MM-dd"
    assert parameters["projection.day.range"] == "NOW-7DAYS,NOW"
    assert parameters["storage.location.template"] == location + "day=${day}/"
    # Declared tables keep their partitions as they were.
    others = [
        t["Properties"]["TableInput"]
        for t in tables
        if t["Properties"]["TableInput"]["Name"] != ("ops_shipment_photos_table")
    ]
    assert others and not any("projection.enabled" in t["Parameters"] for t in others)
