"""Producer workloads a project of the mesh owns (mesh.yaml ``workloads``): today image ingestion.

An image-ingestion workload receives images over an IAM-authorised HTTP API and/or a Kafka topic
(Amazon MSK), keeps them in its own raw and processed buckets and a DynamoDB table for
``retention_days``, and writes one metadata record per processed image under its owner's
business-unit prefix of the curated layer. That metadata is declared as a table of the unit's
domain catalog (mesh_config/workload_tables.py), so the catalog's data source publishes it like any other
table and subscriptions and Lake Formation grants apply; the images never leave the workload.
docs/image-ingestion.md
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from mesh_config.data_products import Column, Storage, StorageFormat, Table
from mesh_config.formats import Slug, SnakeName, _format

# API Gateway REST APIs refuse payloads above 10 MB (API Gateway developer guide, "Amazon API
# Gateway quotas": "Payload size 10 MB, cannot be increased"). Behind it, the Lambda proxy
# integration invokes the upload function synchronously, whose request is at most 6 MB (Lambda API
# reference, Invoke: "For synchronous invocations, the maximum payload size is 6 MB"), and carries
# the image base64-encoded (4/3 of its size) in a JSON event with the request's headers: 4 MB of
# image is the most that fits with room for the rest.
API_GATEWAY_MAX_PAYLOAD_MB = 10
HTTP_MAX_SIZE_MB = 4
# What the Lambda functions may be given (Lambda developer guide, "Lambda quotas": 10 240 MB memory,
# 900 seconds timeout); the sizes a workload is allowed to ask for stay well below.
MAX_SIZE_MB = 100
DEFAULT_RETENTION_DAYS = 7
MAX_RETENTION_DAYS = 365
# Renditions of one image: each is one more resize in the same invocation.
MAX_WIDTHS = 8
MAX_WIDTH = 10_000

MskClusterArn = _format(
    r"^arn:aws[a-z-]*:kafka:[a-z0-9-]+:\d{12}:cluster/[A-Za-z0-9_-]{1,64}/[0-9a-f-]+(-[0-9]+)?$",
    "an Amazon MSK cluster ARN (arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>; MSK console > cluster)",
)
KafkaTopic = _format(r"^[a-zA-Z0-9._-]{1,249}$", "a Kafka topic name: letters, digits, '.', '_' and '-'")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)


class ImageType(StrEnum):
    JPEG = "jpeg"
    PNG = "png"
    WEBP = "webp"
    GIF = "gif"
    TIFF = "tiff"

    @property
    def mime_type(self) -> str:
        return f"image/{self.value}"


class OutputFormat(StrEnum):
    JPEG = "jpeg"
    PNG = "png"
    WEBP = "webp"


class HttpInput(_Model):
    """Uploads by HTTP POST to an API Gateway REST API, signed with SigV4 (IAM authorization)."""

    enabled: bool = Field(True, description="false: no API (Kafka only)")
    throttle_rps: int = Field(10, ge=1, le=10_000, description="steady uploads per second the API accepts")
    burst: int = Field(20, ge=1, le=5_000, description="uploads accepted at once above the steady rate")


class KafkaInput(_Model):
    """Images as Kafka records on a topic of an Amazon MSK cluster, read with IAM authentication."""

    topic: KafkaTopic = Field(description="the topic the images arrive on, e.g. shipment-photos")
    create: bool | list[Slug] = Field(
        False,
        description=(
            "true, or a list of environments: the workload creates an MSK Serverless cluster (IAM auth) in the "
            "environment's VPC (network.vpc_id and subnet_ids) there; elsewhere cluster_arn names an existing one"
        ),
    )
    cluster_arn: MskClusterArn | dict[Slug, MskClusterArn] | None = Field(
        None,
        description=(
            "an existing MSK cluster in the owner's environment account: one ARN, or environment -> ARN, where "
            "the workload does not create one"
        ),
    )
    consumer_group: str | None = Field(
        None,
        pattern=r"^[a-zA-Z0-9._-]{1,200}$",
        description="Kafka consumer group of the Lambda event source mapping @default <org>-<env>-<workload name>",
    )

    def creates_in(self, env: str) -> bool:
        return self.create is True or (isinstance(self.create, list) and env in self.create)

    def existing_arn_in(self, env: str) -> str | None:
        if self.creates_in(env):
            return None
        if isinstance(self.cluster_arn, dict):
            return self.cluster_arn.get(env)
        return self.cluster_arn


class WorkloadInputs(_Model):
    http: HttpInput | None = Field(None, description="the HTTP upload API; omitted: none")
    kafka: KafkaInput | None = Field(None, description="the Kafka topic read; omitted: none")


class Processing(_Model):
    widths: list[int] = Field(
        default_factory=lambda: [320, 1024],
        max_length=MAX_WIDTHS,
        description="widths in pixels of the renditions, each > 0 and listed once (height keeps the aspect ratio)",
    )
    format: OutputFormat = Field(OutputFormat.JPEG, description="format of the renditions: jpeg, png or webp")
    memory_mb: int = Field(
        1024, ge=128, le=10_240, description="memory of the processing Lambda (Pillow holds whole images in memory)"
    )
    timeout_seconds: int = Field(120, ge=10, le=900, description="timeout of the processing Lambda (at most 900)")


class WorkloadTable(_Model):
    dataset: SnakeName | None = Field(
        None, description="dataset of the catalog table <bu>_<dataset>_table @default the workload name with '_'"
    )
    description: str = Field(
        "Metadata of the processed images", max_length=2048, description="the table's description in the catalog"
    )


class ImageIngestion(_Model):
    """One image-ingestion workload, deployed as <org>-<env>-ingestion-<name> in the owner's environment."""

    name: Slug = Field(description="e.g. shipment-photos; names the stack and the table")
    owner: Slug = Field(description="key <unit>-<use-case> of the owning project, which produces the table")
    description: str = Field("", max_length=1024, description="what the workload receives, for the people who run it")
    environments: list[Slug] | None = Field(
        None,
        description=(
            "environments where the workload runs; default: every environment of its owner where the owner's "
            "business-unit catalog exists"
        ),
    )
    inputs: WorkloadInputs = Field(default_factory=WorkloadInputs, description="how images arrive: http, kafka")
    accepted_types: list[ImageType] = Field(
        default_factory=lambda: [ImageType.JPEG, ImageType.PNG],
        min_length=1,
        description="image types accepted (checked by content, not by name): jpeg, png, webp, gif, tiff",
    )
    max_size_mb: int = Field(
        HTTP_MAX_SIZE_MB,
        ge=1,
        le=MAX_SIZE_MB,
        description=(
            "largest image accepted, in MB; at most 4 with the HTTP input (API Gateway takes 10 MB, but the "
            "upload Lambda's 6 MB request holds the image base64-encoded)"
        ),
    )
    processing: Processing = Field(default_factory=Processing, description="the renditions made of each image")
    retention_days: int = Field(
        DEFAULT_RETENTION_DAYS,
        description="days images, renditions, DynamoDB items and metadata files are kept (1 to 365)",
    )
    table: WorkloadTable = Field(
        default_factory=WorkloadTable, description="the catalog table the metadata is published as"
    )

    def exists_in(self, env: str) -> bool:
        return self.environments is None or env in self.environments

    @property
    def http(self) -> HttpInput | None:
        http = self.inputs.http
        return http if http is not None and http.enabled else None

    @property
    def dataset(self) -> str:
        return self.table.dataset or self.name.replace("-", "_")

    def curated_prefix(self, business_unit: str) -> str:
        """<unit>/<workload>/ in the curated layer: where the metadata records land."""
        return f"{business_unit}/{self.name}/"

    def metadata_table(self, business_unit: str) -> Table:
        """The catalog table of the metadata (the columns the processing handler writes)."""
        return Table(
            dataset=self.dataset,
            description=self.table.description,
            producer=self.owner,
            storage=Storage(layer="curated", prefix=self.curated_prefix(business_unit), format=StorageFormat.JSON),
            columns=[Column(name=n, type=t, description=d) for n, t, d in METADATA_COLUMNS],
            partition_keys=[Column(name="day", type="date", description="UTC day the image was received")],
        )

    def partition_projection(self, location: str) -> dict[str, str]:
        """Athena partition projection of the metadata table at ``location`` (s3://bucket/prefix/):
        the processing handler writes day=YYYY-MM-DD/ folders (UTC) that nothing registers as
        partitions (the DataZone data source imports the table, not its partitions), and with the
        projection Athena computes them from the query's day range instead (Athena user guide,
        "Partition projection", date type). The range covers the retention: older days are expired."""
        return {
            "projection.enabled": "true",
            "projection.day.type": "date",
            "projection.day.format": "yyyy-MM-dd",
            "projection.day.range": f"NOW-{self.retention_days}DAYS,NOW",
            "projection.day.interval": "1",
            "projection.day.interval.unit": "DAYS",
            "storage.location.template": f"{location}day=${{day}}/",
        }


# The processing handler's metadata record (docs/image-ingestion.md).
METADATA_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("image_id", "string", "SHA-256 of the image bytes, hex"),
    ("content_type", "string", "MIME type found from the content"),
    ("bytes", "bigint", "size of the original image"),
    ("width", "int", "width of the original in pixels"),
    ("height", "int", "height of the original in pixels"),
    ("format", "string", "format of the renditions"),
    ("sha256", "string", "SHA-256 of the image bytes, hex"),
    ("renditions", "array<string>", "keys of the renditions in the processed bucket"),
    ("received_at", "timestamp", "when the image was received"),
    ("processed_ms", "bigint", "processing time in milliseconds"),
    ("source", "string", "http or kafka"),
)


class Workloads(_Model):
    image_ingestion: list[ImageIngestion] = Field(
        default_factory=list,
        description="image-ingestion workloads: HTTP/Kafka input, raw and processed buckets, metadata published",
    )
