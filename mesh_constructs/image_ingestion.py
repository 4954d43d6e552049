"""An image-ingestion workload: images in over an IAM-authorised HTTP API and/or an MSK topic,
validated into a raw bucket, resized into a processed bucket, their metadata in DynamoDB and, as
JSON records, under the owner's prefix of the curated data-lake layer (a catalog table).

Flow (docs/image-ingestion.md)::

    HTTP (API Gateway, SigV4) -> upload Lambda --\\
                                                  +-> raw/<sha256> (raw bucket) + DynamoDB item
    MSK topic -> ESM (IAM) -> kafka Lambda ------/            |
                                     (on failure: SQS DLQ)    | S3 ObjectCreated raw/
                                                              v
                           SQS queue (DLQ after 3 receives) -> process Lambda
                               -> processed/<id>/<width>.<fmt> + DynamoDB update
                               -> s3://<curated>/<unit>/<workload>/day=YYYY-MM-DD/<id>.json

Everything the workload stores expires after ``retention_days`` (S3 lifecycle, noncurrent versions
included; DynamoDB TTL on ``expires_at``).

Example::

    ImageIngestion(self, "ShipmentPhotos", ImageIngestionProps(name="acme-prod-shipment-photos", ...))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from aws_cdk import Duration, Fn, RemovalPolicy, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_logs as logs
from aws_cdk import aws_msk as msk
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from mesh_constructs.access_log_bucket import access_log_bucket
from mesh_constructs.acknowledge import acknowledge, wildcard_resource_finding

# The asset is the handlers folder with only the image_ingestion package in it: its modules import
# each other relatively (from .common import ...), so the handler is image_ingestion.<module>.on_event.
HANDLERS_DIR = Path(__file__).resolve().parent / "handlers"
HANDLER_PACKAGE = "image_ingestion"
ASSET_EXCLUDE = ["*", f"!{HANDLER_PACKAGE}", f"!{HANDLER_PACKAGE}/*.py"]
# The Pillow build (make install): a Lambda layer folder, its packages under python/
PILLOW_DIR = Path(__file__).resolve().parent.parent / "build" / "lambda" / "pillow"
# Pillow's wheels are built for CPython 3.12 on manylinux x86_64 (the lock file), so the runtime is pinned.
RUNTIME = lambda_.Runtime.PYTHON_3_12
ARCHITECTURE = lambda_.Architecture.X86_64
# The wildcard actions of CDK's bucket read grant and of its key grants (cdk-nag IAM5 findings).
READ_WILDCARDS = ("s3:GetObject*", "s3:GetBucket*", "s3:List*")
KEY_WILDCARDS = ("kms:GenerateDataKey*", "kms:ReEncrypt*")
RAW_PREFIX = "raw/"
PROCESSED_PREFIX = "processed/"
# After this many failed receives a message moves to the DLQ (SQS redrive policy).
MAX_RECEIVE_COUNT = 3
# IAM access control port of MSK brokers (MSK developer guide, "Port information").
MSK_IAM_PORT = 9098
# CloudWatch Logs retentions, for the smallest one that covers the retention.
_LOG_RETENTIONS = {
    1: logs.RetentionDays.ONE_DAY,
    3: logs.RetentionDays.THREE_DAYS,
    5: logs.RetentionDays.FIVE_DAYS,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS,
    90: logs.RetentionDays.THREE_MONTHS,
    120: logs.RetentionDays.FOUR_MONTHS,
    150: logs.RetentionDays.FIVE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
}


@dataclass(frozen=True)
class HttpInputProps:
    """``throttle_rps`` / ``burst``: the stage's and usage plan's steady rate and burst."""

    throttle_rps: int = 10
    burst: int = 20


@dataclass(frozen=True)
class KafkaInputProps:
    """``cluster_arn``: an existing MSK cluster @default None: ``create`` must be set, and the
    workload creates an MSK Serverless cluster (IAM auth) in ``vpc_id`` / ``subnet_ids``."""

    topic: str
    consumer_group: str
    cluster_arn: str | None = None
    create: bool = False
    vpc_id: str | None = None
    subnet_ids: Sequence[str] = ()


@dataclass(frozen=True)
class ImageIngestionProps:
    """``name``: <org>-<env>-<workload>, prefix of every physical name; ``raw_bucket_name`` /
    ``processed_bucket_name`` / ``access_logs_bucket_name``: the workload's buckets.
    ``curated_bucket`` / ``curated_key`` / ``curated_prefix``: where the metadata records go (the
    catalog table's location) and the key of that layer. ``accepted_types``: MIME types.
    ``http`` / ``kafka`` @default None (that input is off). ``alarm_topic`` @default None (no alarm
    actions: the alarms still exist). ``removal_policy`` @default RETAIN."""

    name: str
    raw_bucket_name: str
    processed_bucket_name: str
    access_logs_bucket_name: str
    curated_bucket: s3.IBucket
    curated_key: kms.IKey
    curated_prefix: str
    accepted_types: Sequence[str]
    max_bytes: int
    widths: Sequence[int]
    output_format: str
    retention_days: int = 7
    memory_mb: int = 1024
    timeout_seconds: int = 120
    http: HttpInputProps | None = None
    kafka: KafkaInputProps | None = None
    alarm_topic: sns.ITopic | None = None
    removal_policy: RemovalPolicy = RemovalPolicy.RETAIN
    handlers_dir: Path = HANDLERS_DIR
    pillow_dir: Path = PILLOW_DIR
    extra_environment: dict[str, str] = field(default_factory=dict)


def log_retention(days: int) -> logs.RetentionDays:
    """The shortest CloudWatch Logs retention that is at least ``days`` (logs name image ids)."""
    return _LOG_RETENTIONS[next((d for d in _LOG_RETENTIONS if d >= days), 365)]


class ImageIngestion(Construct):
    """Exposes ``key``, ``raw_bucket``, ``processed_bucket``, ``table``, ``queue``, ``dead_letter_queue``,
    ``process_function`` and, per input, ``api`` / ``upload_function``, ``kafka_function`` /
    ``kafka_failures`` / ``cluster_arn``; ``alarms``."""

    def __init__(self, scope: Construct, construct_id: str, props: ImageIngestionProps) -> None:
        super().__init__(scope, construct_id)
        if props.http is None and props.kafka is None:
            raise ValueError(f"{self.node.path}: an image-ingestion workload needs an http or a kafka input")
        if props.kafka is not None and props.kafka.cluster_arn is None and not props.kafka.create:
            raise ValueError(f"{self.node.path}: kafka needs cluster_arn or create")
        if not props.curated_prefix.endswith("/"):
            raise ValueError(f"{self.node.path}: curated_prefix must end with '/'")
        self._props = props
        self._code = lambda_.Code.from_asset(str(props.handlers_dir), exclude=ASSET_EXCLUDE)
        stack = Stack.of(self)
        self.key = kms.Key(
            self,
            "Key",
            description=f"Encrypts the images, queues and table of {props.name}",
            enable_key_rotation=True,
            removal_policy=props.removal_policy,
            pending_window=Duration.days(30),
        )
        self.access_logs = access_log_bucket(
            self, "AccessLogs", bucket_name=props.access_logs_bucket_name, removal_policy=props.removal_policy
        )
        self.raw_bucket = self._bucket("Raw", props.raw_bucket_name, "raw/")
        self.processed_bucket = self._bucket("Processed", props.processed_bucket_name, "processed/")
        self.table = dynamodb.Table(
            self,
            "Images",
            table_name=f"{props.name}-images",
            partition_key=dynamodb.Attribute(name="image_id", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=self.key,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            # The handlers set expires_at = received + retention (epoch seconds); DynamoDB deletes
            # expired items within days, so readers also filter on it (DynamoDB developer guide, TTL).
            time_to_live_attribute="expires_at",
            removal_policy=props.removal_policy,
        )

        self.dead_letter_queue = self._queue("DeadLetterQueue", f"{props.name}-process-dlq", None)
        self.queue = self._queue(
            "Queue",
            f"{props.name}-process",
            sqs.DeadLetterQueue(queue=self.dead_letter_queue, max_receive_count=MAX_RECEIVE_COUNT),
            # AWS recommends a visibility timeout of six times the function timeout for an SQS
            # event source (Lambda developer guide, "Using Lambda with Amazon SQS").
            visibility_timeout=Duration.seconds(props.timeout_seconds * 6),
        )
        self._notify_on_raw_objects()

        self.pillow = lambda_.LayerVersion(
            self,
            "Pillow",
            code=lambda_.Code.from_asset(str(props.pillow_dir)),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            description="Pillow (pinned with hashes, manylinux x86_64 wheels for CPython 3.12)",
        )
        self.process_function = self._function(
            "Process",
            "process",
            "Resizes raw images into renditions, records their metadata",
            memory=props.memory_mb,
            timeout_seconds=props.timeout_seconds,
            layers=[self.pillow],
        )
        self.raw_bucket.grant_read(self.process_function, f"{RAW_PREFIX}*")
        self.processed_bucket.grant_put(self.process_function, f"{PROCESSED_PREFIX}*")
        self._grant_table(self.process_function, "dynamodb:GetItem", "dynamodb:UpdateItem")
        self._grant_curated(self.process_function)
        self.process_function.add_event_source(
            sources.SqsEventSource(self.queue, batch_size=5, report_batch_item_failures=True)
        )
        acknowledge(
            self.process_function.role,  # type: ignore[arg-type]
            "CDK's grants on the workload's own buckets and key: s3:GetObject* reads the raw/ prefix only "
            "(s3:GetBucket* and s3:List* the raw bucket itself), s3:Abort* ends multipart uploads of renditions "
            "under processed/ only, and "
            "kms:GenerateDataKey* / kms:ReEncrypt* use the workload key for SSE-KMS; the metadata records go "
            "under the workload's curated prefix only (s3:PutObject)",
            *(f"AwsSolutions-IAM5[Action::{a}]" for a in (*READ_WILDCARDS, "s3:Abort*", *KEY_WILDCARDS)),
            wildcard_resource_finding(self, self.raw_bucket.arn_for_objects(f"{RAW_PREFIX}*")),
            wildcard_resource_finding(self, self.processed_bucket.arn_for_objects(f"{PROCESSED_PREFIX}*")),
            wildcard_resource_finding(self, props.curated_bucket.arn_for_objects(f"{props.curated_prefix}*")),
        )

        self.api: apigw.RestApi | None = None
        self.upload_function: lambda_.Function | None = None
        if props.http is not None:
            self.upload_function = self._receiver("Upload", "upload", "Validates and stores uploaded images")
            self.api = self._api(props.http, self.upload_function)

        self.kafka_function: lambda_.Function | None = None
        self.kafka_failures: sqs.Queue | None = None
        self.cluster_arn: str | None = None
        if props.kafka is not None:
            self._kafka(props.kafka, stack)

        self.alarms: list[cloudwatch.Alarm] = []
        for function in (self.process_function, self.upload_function, self.kafka_function):
            if function is not None:
                self._alarm(
                    f"{function.node.id}Errors",
                    function.metric_errors(period=Duration.minutes(5), statistic="Sum"),
                    f"{props.name}: the {function.node.id.lower()} function failed",
                )
        for queue in (self.dead_letter_queue, self.kafka_failures):
            if queue is not None:
                self._alarm(
                    f"{queue.node.id}Depth",
                    queue.metric_approximate_number_of_messages_visible(period=Duration.minutes(5), statistic="Max"),
                    f"{props.name}: images that could not be processed wait in {queue.node.id}",
                )

    # --- storage ------------------------------------------------------------------------------

    def _bucket(self, construct_id: str, bucket_name: str, log_prefix: str) -> s3.Bucket:
        days = Duration.days(self._props.retention_days)
        return s3.Bucket(
            self,
            construct_id,
            bucket_name=bucket_name,
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.key,
            bucket_key_enabled=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix=log_prefix,
            removal_policy=self._props.removal_policy,
            auto_delete_objects=False,
            lifecycle_rules=[
                # Versioning keeps a deleted or expired object as a noncurrent version: that one
                # goes a day later, so nothing outlives the retention by more than a day (S3
                # applies lifecycle rules asynchronously, usually within a day).
                s3.LifecycleRule(
                    id="retention",
                    expiration=days,
                    noncurrent_version_expiration=Duration.days(1),
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                ),
                s3.LifecycleRule(id="delete-markers", expired_object_delete_marker=True),
            ],
        )

    def _queue(
        self,
        construct_id: str,
        queue_name: str,
        dead_letter_queue: sqs.DeadLetterQueue | None,
        visibility_timeout: Duration | None = None,
    ) -> sqs.Queue:
        queue = sqs.Queue(
            self,
            construct_id,
            queue_name=queue_name,
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=self.key,
            enforce_ssl=True,
            dead_letter_queue=dead_letter_queue,
            visibility_timeout=visibility_timeout,
            retention_period=Duration.days(min(14, max(self._props.retention_days, 4))),
        )
        return queue

    def _notify_on_raw_objects(self) -> None:
        """S3 ObjectCreated under raw/ to the queue, written on the bucket's L1 (no notifications
        custom resource and its Lambda). The queue policy names the bucket by its ARN, so it exists
        before the bucket's notification configuration is validated by S3 (a test message)."""
        bucket_arn = Stack.of(self).format_arn(
            service="s3", region="", account="", resource=self._props.raw_bucket_name
        )
        # Into the queue's one policy (enforce_ssl made it, with the TLS-only deny): a second
        # AWS::SQS::QueuePolicy on the same queue would overwrite the first.
        self.queue.add_to_resource_policy(
            iam.PolicyStatement(
                sid="S3ObjectCreated",
                principals=[iam.ServicePrincipal("s3.amazonaws.com")],
                actions=["sqs:SendMessage"],
                resources=[self.queue.queue_arn],
                conditions={
                    "ArnEquals": {"aws:SourceArn": bucket_arn},
                    "StringEquals": {"aws:SourceAccount": Stack.of(self).account},
                },
            )
        )
        policy = self.queue.node.find_child("Policy")  # the queue's AWS::SQS::QueuePolicy
        # S3 encrypts the message with the queue's key (S3 user guide, "Walkthrough: Configuring a
        # bucket for notifications", encrypted destinations).
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="S3NotificationsToEncryptedQueue",
                principals=[iam.ServicePrincipal("s3.amazonaws.com")],
                actions=["kms:GenerateDataKey", "kms:Decrypt"],
                resources=["*"],
                conditions={"StringEquals": {"aws:SourceAccount": Stack.of(self).account}},
            )
        )
        cfn_bucket: s3.CfnBucket = self.raw_bucket.node.default_child  # type: ignore[assignment]
        cfn_bucket.notification_configuration = s3.CfnBucket.NotificationConfigurationProperty(
            queue_configurations=[
                s3.CfnBucket.QueueConfigurationProperty(
                    event="s3:ObjectCreated:*",
                    queue=self.queue.queue_arn,
                    filter=s3.CfnBucket.NotificationFilterProperty(
                        s3_key=s3.CfnBucket.S3KeyFilterProperty(
                            rules=[s3.CfnBucket.FilterRuleProperty(name="prefix", value=RAW_PREFIX)]
                        )
                    ),
                )
            ]
        )
        cfn_bucket.add_dependency(policy.node.default_child)  # type: ignore[arg-type]

    def _grant_table(self, function: lambda_.Function, *actions: str) -> None:
        """Only the item calls the handler makes (grant_read_write_data would add Scan, Query and the
        batch calls on the whole table), and the key as CDK's table grants give it: DynamoDB uses
        the table's customer managed key on the caller's behalf."""
        self.table.grant(function, *actions)
        self.key.grant(function, "kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", *KEY_WILDCARDS)

    def _grant_curated(self, function: lambda_.Function) -> None:
        """Write only the workload's table location: <curated bucket>/<unit>/<workload>/*."""
        prefix = self._props.curated_prefix
        function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["s3:PutObject"],
                resources=[self._props.curated_bucket.arn_for_objects(f"{prefix}*")],
            )
        )
        function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["kms:GenerateDataKey", "kms:Encrypt"],
                resources=[self._props.curated_key.key_arn],
            )
        )

    # --- functions ----------------------------------------------------------------------------

    def _environment(self) -> dict[str, str]:
        p = self._props
        return {
            "RAW_BUCKET": self.raw_bucket.bucket_name,
            "PROCESSED_BUCKET": self.processed_bucket.bucket_name,
            "METADATA_TABLE": self.table.table_name,
            "ACCEPTED_TYPES": ",".join(p.accepted_types),
            "MAX_BYTES": str(p.max_bytes),
            "RETENTION_DAYS": str(p.retention_days),
            "WIDTHS": ",".join(str(w) for w in p.widths),
            "OUTPUT_FORMAT": p.output_format,
            "CURATED_BUCKET": p.curated_bucket.bucket_name,
            "CURATED_PREFIX": p.curated_prefix,
            **p.extra_environment,
        }

    def _function(
        self,
        construct_id: str,
        module: str,
        description: str,
        *,
        memory: int = 512,
        timeout_seconds: int = 30,
        layers: Sequence[lambda_.ILayerVersion] = (),
    ) -> lambda_.Function:
        log_group = logs.LogGroup(
            self,
            f"{construct_id}Logs",
            retention=log_retention(self._props.retention_days),
            encryption_key=None,
            removal_policy=RemovalPolicy.DESTROY,
        )
        # A role of its own with write rights on its own log group only (no AWSLambdaBasicExecutionRole).
        role = iam.Role(
            self,
            f"{construct_id}Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"{self._props.name}: the {module} function",
        )
        log_group.grant_write(role)
        function = lambda_.Function(
            self,
            construct_id,
            function_name=f"{self._props.name}-{module}",
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler=f"{HANDLER_PACKAGE}.{module}.on_event",
            code=self._code,
            role=role,
            memory_size=memory,
            timeout=Duration.seconds(timeout_seconds),
            description=description,
            log_group=log_group,
            layers=list(layers) or None,
            environment=self._environment(),
        )
        acknowledge(
            function,
            "CPython 3.12: Pillow's wheels are locked and built for cp312 manylinux x86_64 (make install)",
            "AwsSolutions-L1",
        )
        # cfn-lint W3005: CDK makes a function DependsOn its role although the Role GetAtt already
        # orders them (as for the mesh's handlers, mesh_constructs/datazone_handler.py).
        function.node.default_child.add_metadata(  # type: ignore[union-attr]
            "cfn-lint", {"config": {"ignore_checks": ["W3005"]}}
        )
        return function

    def _receiver(self, construct_id: str, module: str, description: str) -> lambda_.Function:
        """A function that validates images and writes raw/<id> and the DynamoDB item."""
        function = self._function(construct_id, module, description, memory=512, timeout_seconds=30)
        self.raw_bucket.grant_put(function, f"{RAW_PREFIX}*")
        # Read to find a duplicate (the key is the content hash), delete to undo a half-done write.
        self.raw_bucket.grant_read(function, f"{RAW_PREFIX}*")
        self.raw_bucket.grant_delete(function, f"{RAW_PREFIX}*")
        self._grant_table(function, "dynamodb:PutItem", "dynamodb:DeleteItem")
        acknowledge(
            function.role,  # type: ignore[arg-type]
            "CDK's grants on the workload's raw bucket and key: s3:GetObject*, s3:DeleteObject* and s3:Abort* "
            "on the raw/ prefix only (a duplicate is found, a half-done write undone; s3:GetBucket* and s3:List* "
            "on the raw bucket itself), kms:GenerateDataKey* / kms:ReEncrypt* on the workload key for SSE-KMS",
            *(
                f"AwsSolutions-IAM5[Action::{a}]"
                for a in (*READ_WILDCARDS, "s3:DeleteObject*", "s3:Abort*", *KEY_WILDCARDS)
            ),
            wildcard_resource_finding(self, self.raw_bucket.arn_for_objects(f"{RAW_PREFIX}*")),
        )
        return function

    # --- HTTP input ---------------------------------------------------------------------------

    def _api(self, http: HttpInputProps, upload: lambda_.Function) -> apigw.RestApi:
        p = self._props
        access_logs = logs.LogGroup(
            self, "ApiAccessLogs", retention=log_retention(p.retention_days), removal_policy=RemovalPolicy.DESTROY
        )
        api = apigw.RestApi(
            self,
            "Api",
            rest_api_name=f"{p.name}-upload",
            description=f"{p.name}: image uploads (SigV4-signed; 10 MB API Gateway payload, 6 MB Lambda request)",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            # Without these the body of an image would be read as text and mangled; API Gateway
            # then passes it to the proxy integration base64-encoded (isBase64Encoded).
            binary_media_types=list(p.accepted_types),
            # Writes the account's API Gateway CloudWatch role (a per-account setting) so that
            # access and execution logs can be delivered.
            cloud_watch_role=True,
            cloud_watch_role_removal_policy=RemovalPolicy.RETAIN,
            deploy_options=apigw.StageOptions(
                stage_name="v1",
                throttling_rate_limit=http.throttle_rps,
                throttling_burst_limit=http.burst,
                logging_level=apigw.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,
                metrics_enabled=True,
                access_log_destination=apigw.LogGroupLogDestination(access_logs),
                access_log_format=apigw.AccessLogFormat.json_with_standard_fields(
                    caller=True,
                    http_method=True,
                    ip=True,
                    protocol=True,
                    request_time=True,
                    resource_path=True,
                    response_length=True,
                    status=True,
                    user=True,
                ),
            ),
            default_method_options=apigw.MethodOptions(authorization_type=apigw.AuthorizationType.IAM),
            disable_execute_api_endpoint=False,
        )
        validator = apigw.RequestValidator(
            self,
            "RequestValidator",
            rest_api=api,
            request_validator_name="content-type-and-body",
            validate_request_parameters=True,
            # No request model: the body (an image) is not validated against one, only required to be there.
            validate_request_body=True,
        )
        images = api.root.add_resource("images")
        images.add_method(
            "POST",
            apigw.LambdaIntegration(upload, proxy=True),
            authorization_type=apigw.AuthorizationType.IAM,
            request_validator=validator,
            request_parameters={"method.request.header.Content-Type": True},
        )
        plan = api.add_usage_plan(
            "UsagePlan",
            name=f"{p.name}-upload",
            description="Caps every caller of the upload API",
            throttle=apigw.ThrottleSettings(rate_limit=http.throttle_rps, burst_limit=http.burst),
        )
        plan.add_api_stage(stage=api.deployment_stage)
        acknowledge(
            api,
            "Uploads are SigV4-signed (AWS_IAM authorization): only principals granted execute-api:Invoke on "
            "POST /images can call; there is no user pool to attach",
            "AwsSolutions-COG4",
        )
        acknowledge(
            api,
            "No WAF web ACL: every request is IAM-authenticated and throttled by the stage and usage plan; "
            "a web ACL can be associated with the stage where anonymous traffic must also be filtered",
            "AwsSolutions-APIG3",
        )
        if api.node.try_find_child("CloudWatchRole") is not None:
            acknowledge(
                api.node.find_child("CloudWatchRole"),
                "API Gateway's account-level logging role must carry AmazonAPIGatewayPushToCloudWatchLogs "
                "(API Gateway developer guide, 'Set up CloudWatch API logging')",
                "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                "AmazonAPIGatewayPushToCloudWatchLogs]",
            )
        return api

    # --- Kafka input --------------------------------------------------------------------------

    def _kafka(self, kafka: KafkaInputProps, stack: Stack) -> None:
        p = self._props
        if kafka.cluster_arn is not None:
            self.cluster_arn = kafka.cluster_arn
        else:
            self.cluster_arn = self._serverless_cluster(kafka).attr_arn
        function = self._receiver("Kafka", "kafka", "Validates and stores images read from Kafka")
        self.kafka_function = function
        self.kafka_failures = self._queue("KafkaFailures", f"{p.name}-kafka-dlq", None)
        acknowledge(
            self.kafka_failures,
            "The Kafka event source mapping's on-failure destination: itself the dead-letter queue of the Kafka "
            "input, read by people after an alarm, never redriven automatically",
            "AwsSolutions-SQS3",
        )
        # kafka-cluster actions on this cluster, this topic and this consumer group only (MSK
        # developer guide, "IAM access control": the topic and group ARNs are
        # arn:aws:kafka:<region>:<account>:topic|group/<cluster name>/<cluster uuid>/<name>).
        parts = Fn.split("/", self.cluster_arn)
        cluster_name, cluster_uuid = Fn.select(1, parts), Fn.select(2, parts)

        def kafka_arn(kind: str, name: str) -> str:
            return Fn.join(
                "",
                [
                    f"arn:{stack.partition}:kafka:{stack.region}:{stack.account}:{kind}/",
                    cluster_name,
                    "/",
                    cluster_uuid,
                    f"/{name}",
                ],
            )

        function.add_to_role_policy(
            iam.PolicyStatement(
                actions=[
                    "kafka-cluster:Connect",
                    "kafka-cluster:DescribeClusterDynamicConfiguration",
                    # MSK Serverless clusters are described through the V2 API.
                    "kafka:DescribeClusterV2",
                ],
                resources=[self.cluster_arn],
            )
        )
        function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["kafka-cluster:DescribeTopic", "kafka-cluster:ReadData"],
                resources=[kafka_arn("topic", kafka.topic)],
            )
        )
        function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["kafka-cluster:AlterGroup", "kafka-cluster:DescribeGroup"],
                resources=[kafka_arn("group", kafka.consumer_group)],
            )
        )
        # The poller reaches the brokers through network interfaces in the cluster's subnets, made
        # with the function's role (Lambda developer guide, "Amazon MSK execution role
        # permissions"); these EC2 actions take no resource-level permissions.
        function.add_to_role_policy(
            iam.PolicyStatement(
                actions=[
                    "ec2:CreateNetworkInterface",
                    "ec2:DescribeNetworkInterfaces",
                    "ec2:DescribeVpcs",
                    "ec2:DeleteNetworkInterface",
                    "ec2:DescribeSubnets",
                    "ec2:DescribeSecurityGroups",
                ],
                resources=["*"],
            )
        )
        acknowledge(
            function.role,  # type: ignore[arg-type]
            "The Kafka poller's network interfaces in the cluster's subnets: ec2:CreateNetworkInterface, "
            "ec2:DescribeNetworkInterfaces, ec2:DescribeVpcs, ec2:DeleteNetworkInterface, ec2:DescribeSubnets and "
            "ec2:DescribeSecurityGroups take no resource-level permissions (Service Authorization Reference)",
            "AwsSolutions-IAM5[Resource::*]",
        )
        # Errors: partial batch responses and bounded retries need the provisioned poller mode
        # (Lambda developer guide, "Configuring error handling controls for Kafka event sources");
        # records still failing go to the on-failure SQS destination ("Capturing discarded
        # batches for Amazon MSK and self-managed Apache Kafka event sources"), which needs a VPC
        # endpoint for SQS in the cluster's VPC.
        function.add_event_source(
            sources.ManagedKafkaEventSource(
                cluster_arn=self.cluster_arn,
                topic=kafka.topic,
                consumer_group_id=kafka.consumer_group,
                starting_position=lambda_.StartingPosition.TRIM_HORIZON,
                batch_size=10,
                on_failure=sources.SqsDlq(self.kafka_failures),
                report_batch_item_failures=True,
                retry_attempts=3,
                bisect_batch_on_error=True,
                provisioned_poller_config=sources.ProvisionedPollerConfig(minimum_pollers=1, maximum_pollers=2),
            )
        )
        # The event source adds AWSLambdaMSKExecutionRole (kafka:Describe* and the EC2 actions on every
        # resource, and every log group): the statements above give the same rights, scoped.
        cfn_role: iam.CfnRole = function.role.node.default_child  # type: ignore[union-attr, assignment]
        cfn_role.managed_policy_arns = None

    def _serverless_cluster(self, kafka: KafkaInputProps) -> msk.CfnServerlessCluster:
        if kafka.vpc_id is None or len(kafka.subnet_ids) < 2:
            raise ValueError(f"{self.node.path}: an MSK Serverless cluster needs a VPC and at least two subnets")
        group = ec2.CfnSecurityGroup(
            self,
            "ClusterSecurityGroup",
            group_description=f"{self._props.name}: MSK Serverless brokers and the Lambda poller reading them",
            vpc_id=kafka.vpc_id,
            security_group_egress=[
                ec2.CfnSecurityGroup.EgressProperty(
                    ip_protocol="tcp",
                    from_port=443,
                    to_port=443,
                    cidr_ip="0.0.0.0/0",
                    description="AWS APIs (STS, Lambda, SQS)",
                )
            ],
        )
        # The event source mapping's pollers use the cluster's security groups: the group lets
        # itself in on the IAM port (Lambda developer guide, "Configuring network security for MSK").
        ec2.CfnSecurityGroupIngress(
            self,
            "ClusterSelfIngress",
            group_id=group.attr_group_id,
            ip_protocol="tcp",
            from_port=MSK_IAM_PORT,
            to_port=MSK_IAM_PORT,
            source_security_group_id=group.attr_group_id,
            description="Kafka over IAM auth from members of this group",
        )
        ec2.CfnSecurityGroupEgress(
            self,
            "ClusterSelfEgress",
            group_id=group.attr_group_id,
            ip_protocol="tcp",
            from_port=MSK_IAM_PORT,
            to_port=MSK_IAM_PORT,
            destination_security_group_id=group.attr_group_id,
            description="Kafka over IAM auth to members of this group",
        )
        return msk.CfnServerlessCluster(
            self,
            "Cluster",
            cluster_name=self._props.name[:64],
            client_authentication=msk.CfnServerlessCluster.ClientAuthenticationProperty(
                sasl=msk.CfnServerlessCluster.SaslProperty(iam=msk.CfnServerlessCluster.IamProperty(enabled=True))
            ),
            vpc_configs=[
                msk.CfnServerlessCluster.VpcConfigProperty(
                    subnet_ids=list(kafka.subnet_ids), security_groups=[group.attr_group_id]
                )
            ],
        )

    # --- alarms -------------------------------------------------------------------------------

    def _alarm(self, construct_id: str, metric: cloudwatch.IMetric, description: str) -> None:
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            alarm_name=f"{self._props.name}-{construct_id}",
            alarm_description=description,
            metric=metric,
            threshold=0,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        if self._props.alarm_topic is not None:
            alarm.add_alarm_action(cw_actions.SnsAction(self._props.alarm_topic))
        self.alarms.append(alarm)
