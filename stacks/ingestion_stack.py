"""<org>-<env>-ingestion-<workload>: one image-ingestion workload in its owner's environment
(mesh_config/workloads.py, docs/image-ingestion.md).

It reads the foundation's curated bucket and key (its metadata table's location) and deploys after
the products stack that declares that table, so the table and its data source exist before the
first record lands. Its alarms go to the environment's alarm topic, named rather than referenced
(the monitoring stack deploys beside the others), when the environment has a ``notifications``
section.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from constructs import Construct

from mesh_config import EnvironmentConfig, MeshConfig
from mesh_config.workload_tables import workload_business_unit
from mesh_config.workloads import ImageIngestion as Workload
from mesh_constructs.image_ingestion import HttpInputProps, ImageIngestion, ImageIngestionProps, KafkaInputProps
from stacks.foundation_stack import FoundationStack
from stacks.removal import stateful_removal_policy

BYTES_PER_MB = 1024 * 1024


class IngestionStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: MeshConfig,
        env_config: EnvironmentConfig,
        workload: Workload,
        foundation: FoundationStack,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        naming = config.naming(env_config)
        name = f"{naming.org}-{naming.env}-{workload.name}"
        http = workload.http
        kafka = workload.inputs.kafka
        kafka_props = None
        if kafka is not None:
            kafka_props = KafkaInputProps(
                topic=kafka.topic,
                consumer_group=kafka.consumer_group or name,
                cluster_arn=kafka.existing_arn_in(env_config.name),
                create=kafka.creates_in(env_config.name),
                vpc_id=env_config.network.vpc_id,
                subnet_ids=list(env_config.network.subnet_ids),
            )
        alarm_topic = None
        if env_config.notifications is not None:
            alarm_topic = sns.Topic.from_topic_arn(
                self,
                "AlarmTopic",
                self.format_arn(service="sns", resource=naming.alarm_topic()),
            )
        bu = workload_business_unit(config.mesh, workload)
        self.workload = ImageIngestion(
            self,
            "ImageIngestion",
            ImageIngestionProps(
                name=name,
                raw_bucket_name=naming.ingestion_bucket(workload.name, "raw"),
                processed_bucket_name=naming.ingestion_bucket(workload.name, "processed"),
                access_logs_bucket_name=naming.ingestion_bucket(workload.name, "access-logs"),
                # By name: the workload writes a prefix of it, nothing else needs the bucket's construct.
                curated_bucket=s3.Bucket.from_bucket_name(self, "CuratedBucket", naming.bucket("curated")),
                curated_key=foundation.lake.key,
                curated_prefix=workload.curated_prefix(bu),
                accepted_types=[t.mime_type for t in workload.accepted_types],
                max_bytes=workload.max_size_mb * BYTES_PER_MB,
                widths=list(workload.processing.widths),
                output_format=workload.processing.format.value,
                retention_days=workload.retention_days,
                memory_mb=workload.processing.memory_mb,
                timeout_seconds=workload.processing.timeout_seconds,
                http=HttpInputProps(throttle_rps=http.throttle_rps, burst=http.burst) if http is not None else None,
                kafka=kafka_props,
                alarm_topic=alarm_topic,
                removal_policy=stateful_removal_policy(env_config),
            ),
        )
        if self.workload.api is not None:
            CfnOutput(
                self,
                "UploadUrl",
                value=self.workload.api.url_for_path("/images"),
                description="POST images here (SigV4)",
            )
        CfnOutput(self, "RawBucketName", value=self.workload.raw_bucket.bucket_name)
        CfnOutput(self, "MetadataTableName", value=self.workload.table.table_name)
