"""Stubber-backed real AWS clients for the datamesh tests: the domain stack's output, the
example's dev environment, projects."""

from __future__ import annotations

import json
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


GLUE_FORM = {
    "formName": "GlueTableForm",
    "typeName": "amazon.datazone.GlueTableFormType",
    "typeRevision": "5",
    "content": json.dumps(
        {
            "columns": [
                {"columnName": "budget_id", "dataType": "string"},
                {"columnName": "budget_owner_email", "dataType": "string"},
            ]
        }
    ),
}


QUALITY_FORM = {"formName": "DataQuality", "typeName": "DataQuality", "typeRevision": "2", "content": '{"score": 0.9}'}


def search_asset(stub: Stubber, name: str, asset_id: str, owner: str = "p1", **extra: str) -> None:
    stub.add_response(
        "search",
        {
            "items": [
                {
                    "assetItem": {
                        "domainId": DOMAIN,
                        "identifier": asset_id,
                        "name": name,
                        "owningProjectId": owner,
                        "typeIdentifier": "amazon.datazone.GlueTableAssetType",
                        "typeRevision": "1",
                        "createdAt": NOW,
                        "createdBy": "x",
                    }
                }
            ]
        },
        {"domainIdentifier": DOMAIN, "searchScope": "ASSET", "maxResults": 50, **extra},
    )


def get_asset(
    stub: Stubber, name: str, asset_id: str, forms: list[dict], terms: list[str] | None = None, listed: bool = True
) -> None:
    answer = {
        "id": asset_id,
        "name": name,
        "domainId": DOMAIN,
        "owningProjectId": "p1",
        "revision": "3",
        "typeIdentifier": "amazon.datazone.GlueTableAssetType",
        "typeRevision": "1",
        "formsOutput": forms,
    }
    if terms:
        answer["glossaryTerms"] = terms
    if listed:
        answer["listing"] = {"listingId": "lst-1", "listingStatus": "ACTIVE"}
    stub.add_response("get_asset", answer, {"domainIdentifier": DOMAIN, "identifier": asset_id})


def units(stub: Stubber, parent: str, units: list[tuple[str, str]]) -> None:
    stub.add_response(
        "list_domain_units_for_parent",
        {"items": [{"id": i, "name": n} for i, n in units]},
        {"domainIdentifier": DOMAIN, "parentDomainUnitIdentifier": parent, "maxResults": 25},
    )


def glossaries(stub: Stubber, names: list[tuple[str, str]]) -> None:
    stub.add_response(
        "search",
        {
            "items": [
                {"glossaryItem": {"domainId": DOMAIN, "id": i, "name": n, "owningProjectId": "p6", "status": "ENABLED"}}
                for i, n in names
            ]
        },
        {"domainIdentifier": DOMAIN, "searchScope": "GLOSSARY", "maxResults": 50},
    )


def terms(stub: Stubber, glossary_id: str, terms: list[tuple[str, str]]) -> None:
    stub.add_response(
        "search",
        {
            "items": [
                {
                    "glossaryTermItem": {
                        "domainId": DOMAIN,
                        "glossaryId": glossary_id,
                        "id": f"t-{n}",
                        "name": n,
                        "shortDescription": d,
                        "status": "ENABLED",
                    }
                }
                for n, d in terms
            ]
        },
        {
            "domainIdentifier": DOMAIN,
            "searchScope": "GLOSSARY_TERM",
            "maxResults": 50,
            "filters": {"filter": {"attribute": "BusinessGlossaryTermForm.businessGlossaryId", "value": glossary_id}},
        },
    )


LISTING = {
    "id": "l1",
    "name": "finance_gl_transactions_table",
    "description": "",
    "item": {"assetListing": {}},
    "ownerProjectId": "p1",
}


def subscription_request(status: str = "PENDING") -> dict:
    return {
        "id": "r1",
        "createdBy": "x",
        "domainId": DOMAIN,
        "status": status,
        "createdAt": NOW,
        "updatedAt": NOW,
        "requestReason": "dashboards",
        "subscribedPrincipals": [{"project": {"id": "p2", "name": "sales-analytics"}}],
        "subscribedListings": [LISTING],
    }


def project_details(stub: Stubber) -> None:
    """finance-reporting (p1) found, read, with one group owner and one environment."""
    list_projects(stub)
    stub.add_response(
        "get_project",
        {**project("p1", "finance-reporting-dev-project"), "description": "GL", "projectProfileId": "pp1"},
        {"domainIdentifier": DOMAIN, "identifier": "p1"},
    )
    stub.add_response(
        "list_project_memberships",
        {"members": [{"memberDetails": {"group": {"groupId": "g1"}}, "designation": "PROJECT_OWNER"}]},
        {"domainIdentifier": DOMAIN, "projectIdentifier": "p1", "maxResults": 50},
    )
    stub.add_response(
        "list_environments",
        {
            "items": [
                {
                    "projectId": "p1",
                    "id": "e1",
                    "domainId": DOMAIN,
                    "createdBy": "x",
                    "name": "Tooling",
                    "provider": "p",
                    "status": "ACTIVE",
                }
            ]
        },
        {"domainIdentifier": DOMAIN, "projectIdentifier": "p1", "maxResults": 50},
    )


def overview(stub: Stubber) -> None:
    """The home page's reads: two units under the root, the projects, one glossary."""
    units(stub, ROOT_UNIT, [("u1", "finance-domain-unit"), ("u2", "sales-domain-unit")])
    units(stub, "u2", [])
    units(stub, "u1", [])
    list_projects(stub)
    glossaries(stub, [("g1", "acme-enterprise-glossary")])


def inbox(stub: Stubber, requests: list[dict]) -> None:
    """finance-reporting's pending requests."""
    list_projects(stub)
    stub.add_response(
        "list_subscription_requests",
        {"items": requests},
        {"domainIdentifier": DOMAIN, "approverProjectId": "p1", "status": "PENDING", "maxResults": 50},
    )


def request_details(stub: Stubber, status: str = "PENDING") -> None:
    stub.add_response(
        "get_subscription_request_details",
        {**subscription_request(status), "metadataForms": []},
        {"domainIdentifier": DOMAIN, "identifier": "r1"},
    )


def subscription(status: str = "APPROVED") -> dict:
    return {
        "id": "s1",
        "createdBy": "x",
        "domainId": DOMAIN,
        "status": status,
        "createdAt": NOW,
        "updatedAt": NOW,
        "subscribedPrincipal": {"project": {"id": "p2", "name": "sales-analytics-dev-project"}},
        "subscribedListing": LISTING,
        "subscriptionRequestId": "r1",
    }


def grant(status: str) -> dict:
    return {
        "id": "g1",
        "createdBy": "x",
        "domainId": DOMAIN,
        "createdAt": NOW,
        "updatedAt": NOW,
        "subscriptionTargetId": "t",
        "grantedEntity": {"listing": {"id": "l1", "revision": "1"}},
        "status": status,
    }


TOKEN = "test-token"


def web_app(clients, allowed_hosts=("127.0.0.1",)):
    """The `datamesh serve` application over these clients, with a known access token."""
    from datamesh.web.app import create_app
    from datamesh.web.environments import Environments
    from datamesh.web.security import Guard
    from mesh_config import load_mesh

    environments = Environments(load_mesh(MESH), lambda profile, role: lambda service, region: clients[service])
    return create_app(environments, Guard(TOKEN), allowed_hosts)


def term_names(stub: Stubber) -> None:
    """Every term of the domain, named: acme-enterprise-glossary/Customer (t-Customer)."""
    glossaries(stub, [("g1", "acme-enterprise-glossary")])
    stub.add_response(
        "search",
        {
            "items": [
                {
                    "glossaryTermItem": {
                        "domainId": DOMAIN,
                        "glossaryId": "g1",
                        "id": "t-Customer",
                        "name": "Customer",
                        "status": "ENABLED",
                    }
                }
            ]
        },
        {"domainIdentifier": DOMAIN, "searchScope": "GLOSSARY_TERM", "maxResults": 50},
    )
