"""Custom-resource handler: post a table's declared lineage to DataZone as an OpenLineage run event.

Resource properties::

    DomainId       the domain
    Producer       the OpenLineage producer URI (who emits the event)
    JobNamespace   the job that computes the table: its namespace ...
    JobName        ... and name (one job per derived table)
    Inputs         [{Namespace, Name}]: the upstream tables
    Outputs        [{Namespace, Name}]: the derived table

A Glue table is the dataset ``namespace arn:<partition>:glue:<region>:<account>``, ``name
table/<database>/<table>``: the OpenLineage naming for AWS Glue that connects posted lineage with
the catalog's own (AWS Glue developer guide, "Publishing lineage from third-party and open-source
sources", Dataset identity); DataZone identifies such a node by its sourceIdentifier
``arn:aws:glue:<region>:<account-id>:table/<database>/<table-name>`` (SageMaker Unified Studio
user guide, "The importance of the sourceIdentifier attribute to lineage nodes"), the form in
which the catalog's table appears (that DataZone links the node to the table's asset through it is
inferred, not documented). Only run events are accepted ("Currently, Amazon SageMaker Unified Studio only supports
RunEvents", "What is OpenLineage?").

Idempotent: the run id is a UUID derived from the event's content (job, inputs, outputs), and the
client token from the run id, so a retried or repeated post of the same declaration is the same
run. Create and Update post; CloudFormation calls nothing when the declaration is unchanged.
Delete posts nothing and removes nothing: a lineage event is the record of a run that happened,
and the declaration's removal is no new run (the graph keeps its history).
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import boto3

from .support import CLIENT_CONFIG, LOG, WRITE_RETRYABLE, Deadline, LambdaContext, client_token, retrying

RUN_EVENT_SCHEMA = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/definitions/RunEvent"
# uuid5 namespace of the mesh's run ids: any fixed UUID; this one is uuid5(NAMESPACE_URL, the schema).
RUN_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, RUN_EVENT_SCHEMA)


def on_event(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return handle(event, boto3.client("datazone", config=CLIENT_CONFIG), Deadline.of(context))


def physical_id(props: dict[str, Any]) -> str:
    return f"lineage/{props['JobNamespace']}/{props['JobName']}"


def _datasets(items: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [{"namespace": d["Namespace"], "name": d["Name"]} for d in items]


def run_id(props: dict[str, Any]) -> str:
    """The same for the same job, inputs and outputs (in any order), whatever else changes."""
    content = {
        "job": [props["JobNamespace"], props["JobName"]],
        "inputs": sorted((d["Namespace"], d["Name"]) for d in props["Inputs"]),
        "outputs": sorted((d["Namespace"], d["Name"]) for d in props["Outputs"]),
    }
    return str(uuid.uuid5(RUN_NAMESPACE, json.dumps(content, sort_keys=True)))


def run_event(props: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {
        "eventType": "COMPLETE",
        "eventTime": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "producer": props["Producer"],
        "schemaURL": RUN_EVENT_SCHEMA,
        "run": {"runId": run_id(props)},
        "job": {"namespace": props["JobNamespace"], "name": props["JobName"]},
        "inputs": _datasets(props["Inputs"]),
        "outputs": _datasets(props["Outputs"]),
    }


def handle(event: dict[str, Any], client: Any, deadline: Deadline, now: datetime | None = None) -> dict[str, Any]:
    props = event["ResourceProperties"]
    if event["RequestType"] == "Delete":
        return {"PhysicalResourceId": event["PhysicalResourceId"]}
    body = run_event(props, now or datetime.now(UTC))
    run = body["run"]["runId"]
    posted = retrying(
        lambda: client.post_lineage_event(
            domainIdentifier=props["DomainId"],
            event=json.dumps(body, sort_keys=True).encode(),
            clientToken=client_token("lineage", props["DomainId"], run),
        ),
        deadline,
        WRITE_RETRYABLE,
    )
    LOG.info("posted lineage run %s of %s.%s: event %s", run, props["JobNamespace"], props["JobName"], posted.get("id"))
    return {"PhysicalResourceId": physical_id(props), "Data": {"RunId": run, "EventId": posted.get("id", "")}}
