"""A table's declared lineage (``derived_from``), posted to DataZone as an OpenLineage run event
(mesh_constructs/handlers/lineage.py says how DataZone matches the datasets to the assets)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import RemovalPolicy
from constructs import Construct

from mesh_constructs.datazone_handler import DataZoneHandler

# PostLineageEvent is authorized by IAM alone ("This IAM authorization happens at API Gateway
# layer": SageMaker Unified Studio user guide, "Data lineage authorization"); the Service
# Authorization Reference lists no resource type for it.
LINEAGE_ACTIONS = ("datazone:PostLineageEvent",)


@dataclass(frozen=True)
class GlueDataset:
    """A Glue table as an OpenLineage dataset: namespace arn:<partition>:glue:<region>:<account>,
    name table/<database>/<table> (AWS Glue developer guide, "Dataset identity")."""

    partition: str
    region: str
    account: str
    database: str
    table: str

    def as_property(self) -> dict[str, str]:
        return {
            "Namespace": f"arn:{self.partition}:glue:{self.region}:{self.account}",
            "Name": f"table/{self.database}/{self.table}",
        }


@dataclass(frozen=True)
class TableLineageProps:
    """``job_namespace`` / ``job_name``: the job that computes ``output`` from ``inputs`` (shown as
    the node between them). ``producer``: the OpenLineage producer URI."""

    domain_id: str
    producer: str
    job_namespace: str
    job_name: str
    inputs: Sequence[GlueDataset]
    output: GlueDataset
    handler: DataZoneHandler


class TableLineage(Construct):
    def __init__(self, scope: Construct, construct_id: str, props: TableLineageProps) -> None:
        super().__init__(scope, construct_id)
        self.resource = props.handler.resource(
            self,
            "Resource",
            "Custom::DataZoneLineage",
            {
                "DomainId": props.domain_id,
                "Producer": props.producer,
                "JobNamespace": props.job_namespace,
                "JobName": props.job_name,
                "Inputs": [d.as_property() for d in props.inputs],
                "Outputs": [props.output.as_property()],
            },
            RemovalPolicy.DESTROY,
        )
        self.run_id: str = self.resource.get_att_string("RunId")
