"""A VPC the mesh creates for an environment (network.create), and the VPC endpoints its projects need.

An environment names the VPC its projects run in (network.vpc_id and subnet_ids) or asks the mesh
to create one in its account: private subnets in three Availability Zones (Redshift Serverless
workgroups need three), no route from the internet, and interface endpoints for the services the
enabled blueprints call, the <org>-<env>-network stack. The layout follows the network AWS
describes for SageMaker Unified Studio without public internet: "private subnets distributed
across at least three Availability Zones" and "a comprehensive set of VPC interface and gateway
endpoints" (AWS Big Data Blog, "How to set up an air-gapped VPC for Amazon SageMaker Unified
Studio"; SMUS Administrator Guide, "Network isolation in Amazon SageMaker Unified Studio").

Everything here is computed offline (the app synthesizes without AWS credentials): the subnets'
ranges come from the VPC's range, the Availability Zones from the configuration.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from mesh_config.blueprints import Blueprint
from mesh_config.formats import _format


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Ipv4Cidr = _format(
    r"^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}/\d{1,2}$", "an IPv4 range in CIDR notation (e.g. 10.20.0.0/16)"
)
# An Availability Zone name (eu-west-1a: the letter maps to a different physical zone in each
# account) or its AZ ID (euw1-az1: the same physical zone in every account).
AvailabilityZone = _format(
    r"^([a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d[a-z]|[a-z]{2,6}\d-az\d{1,2})$",
    "an Availability Zone name (eu-west-1a) or AZ ID (euw1-az1)",
)
AZ_NAME = re.compile(r"^(?P<region>[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d)(?P<letter>[a-z])$")
AZ_ID = re.compile(r"^(?P<region>[a-z]{2,6}\d)-az(?P<number>\d{1,2})$")

# Redshift Serverless needs subnets in three Availability Zones; the mesh always creates three.
ZONES = 3
# AWS VPC limits: an IPv4 VPC or subnet range is /16 to /28 (VPC User Guide, "VPC CIDR blocks").
LARGEST_PREFIX = 16
SMALLEST_PREFIX = 28
# The public subnets hold only the NAT gateways (one address each), so they are the smallest AWS allows.
PUBLIC_SUBNET_PREFIX = SMALLEST_PREFIX
# The ranges AWS recommends for a VPC (RFC 1918), and the shared range 100.64.0.0/10 it also allows;
# a publicly routable range would hide the internet addresses it overlaps from the VPC.
PRIVATE_RANGES = tuple(
    ipaddress.IPv4Network(r) for r in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")
)


class Egress(StrEnum):
    """How the private subnets reach what no VPC endpoint serves (PyPI, GitHub, Amazon Q, ...)."""

    NONE = "none"  # no route out of the VPC: AWS services through its endpoints only
    NAT_GATEWAY = "nat_gateway"  # one NAT gateway per zone in small public subnets; nothing routes in


class Endpoints(StrEnum):
    """Which interface endpoints the mesh creates (the S3 gateway endpoint is always there: it is free)."""

    BLUEPRINTS = "blueprints"  # those of the services the enabled blueprints call
    NONE = "none"  # none: AWS services through the NAT gateways (egress: nat_gateway only)


class CreatedNetwork(_Model):
    """The VPC the mesh creates in the environment's account, the <org>-<env>-network stack."""

    cidr: Ipv4Cidr = Field(
        examples=["10.20.0.0/16"],
        description=(
            "IPv4 range of the VPC, /16 to /28, in 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or 100.64.0.0/10; "
            "distinct from the other environments' created VPCs"
        ),
    )
    availability_zones: list[AvailabilityZone] | None = Field(
        None,
        min_length=ZONES,
        max_length=ZONES,
        examples=[["euw1-az1", "euw1-az2", "euw1-az3"]],
        description=(
            "the three Availability Zones of the private subnets: AZ IDs (euw1-az1, the same zone in every "
            "account; needed where Redshift Serverless supports only some zones) or names (eu-west-1a) "
            "@default <region>a, <region>b, <region>c"
        ),
    )
    subnet_prefix: int | None = Field(
        None,
        ge=LARGEST_PREFIX,
        le=SMALLEST_PREFIX,
        examples=[20],
        description=(
            "size of each private subnet, as a prefix length (20: 4 096 addresses) @default the VPC's prefix + 2 "
            "(a quarter of the VPC each, the last quarter left free)"
        ),
    )
    egress: Egress = Field(
        Egress.NONE,
        description=(
            "none: no route out of the VPC, AWS services through its endpoints (pip, git and other internet "
            "downloads fail in project spaces); nat_gateway: one NAT gateway per zone for outbound traffic "
            "(public /28 subnets hold them, nothing can connect in)"
        ),
    )
    endpoints: Endpoints = Field(
        Endpoints.BLUEPRINTS,
        description=(
            "blueprints: the interface endpoints of the services the enabled blueprints call (docs/network.md); "
            "none: no interface endpoint, only with egress: nat_gateway"
        ),
    )

    @property
    def network(self) -> ipaddress.IPv4Network:
        """The VPC's range; valid once network_checks accepted it."""
        return ipaddress.IPv4Network(self.cidr, strict=False)

    @property
    def private_prefix(self) -> int:
        return self.subnet_prefix if self.subnet_prefix is not None else self.network.prefixlen + 2

    def private_subnets(self) -> list[ipaddress.IPv4Network]:
        """The three private subnets, from the start of the VPC's range."""
        blocks = self.network.subnets(new_prefix=self.private_prefix)
        return [next(blocks) for _ in range(ZONES)]

    def public_subnets(self) -> list[ipaddress.IPv4Network]:
        """With a NAT gateway: three /28 subnets right after the private ones (none without)."""
        if self.egress is not Egress.NAT_GATEWAY:
            return []
        start = int(self.private_subnets()[-1].broadcast_address) + 1
        size = 2 ** (32 - PUBLIC_SUBNET_PREFIX)
        return [ipaddress.IPv4Network((start + i * size, PUBLIC_SUBNET_PREFIX)) for i in range(ZONES)]

    def zones(self, region: str) -> list[str]:
        return list(self.availability_zones or (f"{region}{letter}" for letter in "abc"))


def uses_zone_ids(zones: Iterable[str]) -> bool:
    return all(AZ_ID.match(z) for z in zones)


# AZ IDs start with the region's short form: eu-west-1 -> euw1, ap-southeast-2 -> apse2, us-gov-west-1 -> usgw1.
_DIRECTIONS = {
    "north": "n",
    "south": "s",
    "east": "e",
    "west": "w",
    "central": "c",
    "northeast": "ne",
    "northwest": "nw",
    "southeast": "se",
    "southwest": "sw",
}


def zone_id_prefix(region: str) -> str:
    """The prefix of the region's AZ IDs (use1 for us-east-1), as AWS forms them."""
    area, *middle, number = region.split("-")
    return area + "".join(_DIRECTIONS.get(part, part[0]) for part in middle) + number


@dataclass(frozen=True)
class EndpointSpec:
    """An interface endpoint: ``service`` is the attribute of aws_cdk.aws_ec2.InterfaceVpcEndpointAwsService
    that names it in every region and partition; ``name`` the part of its service name after the region."""

    service: str
    name: str
    why: str
    blueprints: frozenset[Blueprint] | None = None  # None: every environment (the domain's own calls)


_B = Blueprint
# What SMUS projects call from their private subnets, by the blueprint that provisions the caller.
# Sources: the SMUS Administrator Guide "Network isolation" page and the air-gapped VPC post above
# (STS, KMS, CloudWatch Logs, DataZone, SageMaker, Glue, Athena, Lake Formation, Secrets Manager);
# each service's own "interface VPC endpoints (AWS PrivateLink)" page for the service names.
ENDPOINT_CATALOG: tuple[EndpointSpec, ...] = (
    EndpointSpec("STS", "sts", "project roles' credentials (every SDK call starts here)"),
    EndpointSpec("KMS", "kms", "the project bucket's and the domain's keys"),
    EndpointSpec("CLOUDWATCH_LOGS", "logs", "logs of spaces, jobs and workflows"),
    EndpointSpec("DATAZONE", "datazone", "the domain's API: projects, catalog, connections"),
    EndpointSpec("SECRETS_MANAGER", "secretsmanager", "credentials of project connections"),
    EndpointSpec(
        "SAGEMAKER_API", "sagemaker.api", "the projects' SageMaker domain, spaces and jobs", frozenset({_B.TOOLING})
    ),
    EndpointSpec(
        "SAGEMAKER_RUNTIME", "sagemaker.runtime", "model endpoints invoked from notebooks", frozenset({_B.TOOLING})
    ),
    EndpointSpec(
        "SAGEMAKER_STUDIO",
        "studio (aws.sagemaker.<region>.studio)",
        "JupyterLab and Code Editor spaces opened from inside the network",
        frozenset({_B.TOOLING}),
    ),
    EndpointSpec(
        "GLUE",
        "glue",
        "the Data Catalog: databases, tables, connections",
        frozenset({_B.TOOLING, _B.DATA_LAKE, _B.LAKEHOUSE_CATALOG, _B.EMR_SERVERLESS, _B.EMR_ON_EC2}),
    ),
    EndpointSpec("ATHENA", "athena", "SQL queries of the lakehouse", frozenset({_B.DATA_LAKE})),
    EndpointSpec(
        "LAKE_FORMATION",
        "lakeformation",
        "credential vending for governed tables",
        frozenset({_B.DATA_LAKE, _B.LAKEHOUSE_CATALOG}),
    ),
    EndpointSpec(
        "REDSHIFT_SERVERLESS",
        "redshift-serverless",
        "the project's workgroup and namespace",
        frozenset({_B.REDSHIFT_SERVERLESS}),
    ),
    EndpointSpec("REDSHIFT_DATA", "redshift-data", "the query editor's SQL", frozenset({_B.REDSHIFT_SERVERLESS})),
    EndpointSpec("EMR_SERVERLESS", "emr-serverless", "Spark applications and job runs", frozenset({_B.EMR_SERVERLESS})),
    EndpointSpec("EMR", "elasticmapreduce", "EMR on EC2 clusters and steps", frozenset({_B.EMR_ON_EC2})),
    EndpointSpec("AIRFLOW_API", "airflow.api", "the workflows' MWAA environment", frozenset({_B.WORKFLOWS})),
    EndpointSpec("AIRFLOW_ENV", "airflow.env", "the MWAA environment's web server", frozenset({_B.WORKFLOWS})),
    EndpointSpec("AIRFLOW_OPS", "airflow.ops", "MWAA's operations", frozenset({_B.WORKFLOWS})),
    EndpointSpec("SQS", "sqs", "MWAA's Celery queue", frozenset({_B.WORKFLOWS})),
    EndpointSpec(
        "CLOUDWATCH_MONITORING",
        "monitoring",
        "MWAA's and Spark's metrics",
        frozenset({_B.WORKFLOWS, _B.EMR_SERVERLESS}),
    ),
    EndpointSpec("ECR", "ecr.api", "MWAA's and custom images' registry", frozenset({_B.WORKFLOWS})),
    EndpointSpec("ECR_DOCKER", "ecr.dkr", "image layers", frozenset({_B.WORKFLOWS})),
    EndpointSpec(
        "SAGEMAKER_EXPERIMENTS",
        "experiments (aws.sagemaker.<region>.experiments)",
        "the MLflow tracking server",
        frozenset({_B.ML_EXPERIMENTS}),
    ),
    EndpointSpec(
        "BEDROCK_RUNTIME",
        "bedrock-runtime",
        "model invocation from chat agents, flows and notebooks",
        frozenset(
            {
                _B.BEDROCK_CHAT_AGENT,
                _B.BEDROCK_KNOWLEDGE_BASE,
                _B.BEDROCK_GUARDRAIL,
                _B.BEDROCK_PROMPT,
                _B.BEDROCK_EVALUATION,
                _B.BEDROCK_FUNCTION,
                _B.BEDROCK_FLOW,
            }
        ),
    ),
    EndpointSpec(
        "BEDROCK_AGENT_RUNTIME",
        "bedrock-agent-runtime",
        "agents, knowledge-base retrieval and flows at run time",
        frozenset({_B.BEDROCK_CHAT_AGENT, _B.BEDROCK_KNOWLEDGE_BASE, _B.BEDROCK_FLOW}),
    ),
    EndpointSpec(
        "BEDROCK_AGENT",
        "bedrock-agent",
        "building agents, knowledge bases, prompts and flows",
        frozenset({_B.BEDROCK_CHAT_AGENT, _B.BEDROCK_KNOWLEDGE_BASE, _B.BEDROCK_PROMPT, _B.BEDROCK_FLOW}),
    ),
    EndpointSpec(
        "BEDROCK",
        "bedrock",
        "guardrails, evaluations and model access",
        frozenset({_B.BEDROCK_GUARDRAIL, _B.BEDROCK_EVALUATION, _B.BEDROCK_CHAT_AGENT}),
    ),
)


def interface_endpoints(network: CreatedNetwork, blueprints: Iterable[Blueprint]) -> list[EndpointSpec]:
    """The interface endpoints of a created VPC, in catalog order, for the enabled blueprints."""
    if network.endpoints is Endpoints.NONE:
        return []
    enabled = set(blueprints)
    return [e for e in ENDPOINT_CATALOG if e.blueprints is None or e.blueprints & enabled]
