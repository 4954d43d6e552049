"""Stubber-backed real AWS clients for the datamesh tests: the domain stack's output, the
example's dev environment, projects."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
from botocore.stub import Stubber

from datamesh.context import MeshContext
from tests.synth import ROOT

DOMAIN = "dzd_abc123def456"
ROOT_UNIT = "root-unit-1"
NOW = datetime(2026, 1, 1, tzinfo=UTC)
MESH = str(ROOT / "environments")


def _client(service: str):
    return boto3.client(service, region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")


def stubbed_aws():
    """Real DataZone, CloudFormation and Lake Formation clients, each under a Stubber; the domain
    stack's outputs are already answered."""
    clients = {name: _client(name) for name in ("datazone", "cloudformation", "lakeformation")}
    stubs = {name: Stubber(client) for name, client in clients.items()}
    for stub in stubs.values():
        stub.activate()
    stubs["cloudformation"].add_response(
        "describe_stacks",
        {
            "Stacks": [
                {
                    "StackName": "acme-dev-domain",
                    "CreationTime": NOW,
                    "StackStatus": "UPDATE_COMPLETE",
                    "Outputs": [
                        {"OutputKey": "DomainId", "OutputValue": DOMAIN},
                        {"OutputKey": "RootDomainUnitId", "OutputValue": ROOT_UNIT},
                    ],
                }
            ]
        },
        {"StackName": "acme-dev-domain"},
    )
    return clients, stubs


def context(clients) -> MeshContext:
    return MeshContext.load(MESH, "dev", lambda service, region: clients[service])


def project(pid: str, name: str) -> dict:
    return {"domainId": DOMAIN, "id": pid, "name": name, "createdBy": "x", "projectStatus": "ACTIVE"}


def list_projects(stub: Stubber) -> None:
    stub.add_response(
        "list_projects",
        {"items": [project("p1", "finance-reporting-dev-project")], "nextToken": "t"},
        {"domainIdentifier": DOMAIN, "maxResults": 50},
    )
    stub.add_response(
        "list_projects",
        {"items": [project("p2", "sales-analytics-dev-project")]},
        {"domainIdentifier": DOMAIN, "maxResults": 50, "nextToken": "t"},
    )
