"""The management services and the datamesh CLI, against botocore Stubber on real clients."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from botocore.stub import Stubber
from typer.testing import CliRunner

from datamesh import cli
from datamesh.context import assumed_session
from datamesh.errors import MeshError, NotFound
from datamesh.services.catalog import CatalogService
from datamesh.services.projects import ProjectService
from datamesh.services.subscriptions import SubscriptionService
from tests.datamesh_fakes import (
    DOMAIN,
    MESH,
    NOW,
    _client,
    context,
    grant,
    list_projects,
    project_details,
    subscription,
    subscription_request,
)


def test_domain_id_comes_from_the_domain_stack_output_and_projects_are_paginated(aws):
    clients, stubs = aws
    list_projects(stubs["datazone"])
    names = [p.name for p in ProjectService(context(clients)).list()]
    assert names == ["finance-reporting-dev-project", "sales-analytics-dev-project"]


def test_a_project_is_found_by_its_key_and_a_typo_gets_a_suggestion(aws):
    clients, stubs = aws
    list_projects(stubs["datazone"])
    list_projects(stubs["datazone"])
    service = ProjectService(context(clients))
    assert service.find("finance-reporting").id == "p1"
    with pytest.raises(NotFound, match="no project 'finance-reportin' in dev; did you mean 'finance-reporting'"):
        service.find("finance-reportin")


def test_show_lists_members_and_environments(aws):
    clients, stubs = aws
    project_details(stubs["datazone"])
    details = ProjectService(context(clients)).show("finance-reporting")
    assert details.members[0].designation == "PROJECT_OWNER" and details.environments == [("Tooling", "ACTIVE")]


def test_inbox_lists_the_producers_pending_requests(aws):
    clients, stubs = aws
    list_projects(stubs["datazone"])
    stubs["datazone"].add_response(
        "list_subscription_requests",
        {"items": [subscription_request()]},
        {"domainIdentifier": DOMAIN, "approverProjectId": "p1", "status": "PENDING", "maxResults": 50},
    )
    (found,) = SubscriptionService(context(clients)).inbox("finance-reporting")
    assert (found.listing, found.requester, found.reason) == (
        "finance_gl_transactions_table",
        "sales-analytics",
        "dashboards",
    )


def test_accept_then_wait_for_the_grants(aws):
    clients, stubs = aws
    dz = stubs["datazone"]
    dz.add_response(
        "accept_subscription_request",
        subscription_request("ACCEPTED"),
        {"domainIdentifier": DOMAIN, "identifier": "r1", "decisionComment": "ok"},
    )
    dz.add_response(
        "list_subscriptions",
        {"items": [subscription()]},
        {"domainIdentifier": DOMAIN, "subscriptionRequestIdentifier": "r1", "maxResults": 50},
    )
    dz.add_response("list_subscription_grants", {"items": [grant("IN_PROGRESS")]})
    dz.add_response("list_subscription_grants", {"items": [grant("COMPLETED")]})
    service = SubscriptionService(context(clients))
    assert service.accept("r1", "ok").status == "ACCEPTED"
    sleeps: list[float] = []
    grants = service.wait_for_grants(service.subscription_of("r1"), sleep=sleeps.append)
    assert [g.status for g in grants] == ["COMPLETED"] and sleeps == [10]


def test_reject_needs_a_comment_and_access_denied_is_one_line(aws):
    clients, stubs = aws
    service = SubscriptionService(context(clients))
    with pytest.raises(MeshError, match="needs a comment"):
        service.reject("r1", " ")
    stubs["datazone"].add_client_error(
        "reject_subscription_request", "AccessDeniedException", "User is not permitted to perform operation", 403
    )
    with pytest.raises(MeshError) as raised:
        service.reject("r1", "use the sample")
    assert str(raised.value) == "rejecting request r1: access denied: User is not permitted to perform operation"
    assert raised.value.kind == "forbidden"


def test_glossary_export_as_csv(aws):
    clients, stubs = aws
    dz = stubs["datazone"]
    glossary = {
        "glossaryItem": {
            "domainId": DOMAIN,
            "id": "g1",
            "name": "finance-glossary",
            "owningProjectId": "p1",
            "status": "ENABLED",
        }
    }
    dz.add_response("search", {"items": [glossary]})
    dz.add_response(
        "search",
        {
            "items": [
                {
                    "glossaryTermItem": {
                        "domainId": DOMAIN,
                        "glossaryId": "g1",
                        "id": "t1",
                        "name": "EBITDA",
                        "status": "ENABLED",
                        "shortDescription": "Earnings, before",
                        "longDescription": "Operating profit",
                    }
                }
            ]
        },
    )
    csv_text = CatalogService(context(clients)).export_csv("finance-glossary")
    assert csv_text.splitlines() == [
        "name,short_description,long_description",
        'EBITDA,"Earnings, before",Operating profit',
    ]


runner = CliRunner()


class Roles(list):
    """The roles the CLI asked to assume, in order."""


@pytest.fixture
def roles() -> Roles:
    return Roles()


@pytest.fixture
def cli_aws(aws, monkeypatch, roles):
    clients, stubs = aws

    def factory(profile, role):
        roles.append(role)
        return lambda service, region: clients[service]

    monkeypatch.setattr(cli.STATE, "clients", factory)
    return stubs


def invoke(*args: str):
    return runner.invoke(cli.app, ["--mesh-dir", MESH, "--env", "dev", *args])


def test_cli_lists_projects_as_a_table_through_the_management_role(cli_aws, roles):
    list_projects(cli_aws["datazone"])
    result = invoke("projects", "list")
    assert result.exit_code == 0, result.output
    assert roles == ["arn:aws:iam::123456789012:role/acme-dev-datamesh-admin"]
    assert "finance-reporting-dev-project" in result.output and "sales-analytics-dev-project" in result.output


def test_cli_json_output(cli_aws):
    list_projects(cli_aws["datazone"])
    result = runner.invoke(cli.app, ["--mesh-dir", MESH, "--env", "dev", "--output", "json", "projects", "list"])
    assert result.exit_code == 0, result.output
    assert [p["id"] for p in json.loads(result.output)] == ["p1", "p2"]


def test_cli_errors_are_one_line_and_exit_1(cli_aws):
    cli_aws["datazone"].add_client_error("list_projects", "ExpiredTokenException", "expired", 403)
    result = invoke("projects", "list")
    assert result.exit_code == 1
    assert "error: listing projects: the AWS session credentials expired" in result.output
    assert "Traceback" not in result.output


def test_cli_unknown_environment_is_one_line():
    result = runner.invoke(cli.app, ["--mesh-dir", MESH, "--env", "qa", "projects", "list"])
    assert result.exit_code == 1 and "unknown environment 'qa': use one of dev, staging, prod" in result.output


def _pipeline_state(*actions: tuple[str, str, str | None]) -> dict:
    """(stage, action, status) -> a GetPipelineState answer; approvals in progress carry a token."""
    stages: dict[str, list] = {}
    for stage, action, status in actions:
        latest = {"status": status, "lastStatusChange": NOW} if status else {}
        if status == "InProgress":
            latest["token"] = f"token-{stage}"
        stages.setdefault(stage, []).append({"actionName": action, **({"latestExecution": latest} if latest else {})})
    return {
        "pipelineName": "acme-mesh",
        "stageStates": [{"stageName": s, "actionStates": a} for s, a in stages.items()],
    }


@pytest.fixture
def codepipeline(monkeypatch, roles):
    client = _client("codepipeline")

    def factory(profile, role):
        roles.append(role)
        return lambda service, region: client

    monkeypatch.setattr(cli.STATE, "clients", factory)
    with Stubber(client) as stub:
        yield stub


def test_pipeline_approvals_name_who_must_approve(codepipeline):
    codepipeline.add_response(
        "get_pipeline_state",
        _pipeline_state(
            ("staging", "Approve-staging", "Succeeded"),
            ("prod", "Approve-prod", "InProgress"),
            ("prod", "Deploy", None),
        ),
        {"name": "acme-mesh"},
    )
    result = runner.invoke(cli.app, ["--mesh-dir", MESH, "--output", "json", "pipeline", "approvals"])
    assert result.exit_code == 0, result.output
    (pending,) = json.loads(result.output)
    assert pending["environment"] == "prod"
    assert pending["approvers"] == ["Product Owner", "Data Platform Manager", "IT Operations Manager"]


def test_pipeline_approve_puts_the_approval_with_its_token(codepipeline, roles):
    codepipeline.add_response("get_pipeline_state", _pipeline_state(("prod", "Approve-prod", "InProgress")))
    codepipeline.add_response(
        "put_approval_result",
        {"approvedAt": NOW},
        {
            "pipelineName": "acme-mesh",
            "stageName": "prod",
            "actionName": "Approve-prod",
            "token": "token-prod",
            "result": {"summary": "CAB-1234 approved", "status": "Approved"},
        },
    )
    result = runner.invoke(
        cli.app, ["--mesh-dir", MESH, "pipeline", "approve", "prod", "--comment", "CAB-1234 approved"]
    )
    assert result.exit_code == 0, result.output
    assert "approved the promotion into prod" in result.output
    codepipeline.assert_no_pending_responses()
    # Only the stage's approver role may approve: the CLI assumes it.
    assert roles == ["arn:aws:iam::444444444444:role/acme-mesh-approve-prod"]


def test_pipeline_reject_of_nothing_waiting_is_one_line(codepipeline):
    codepipeline.add_response("get_pipeline_state", _pipeline_state(("prod", "Approve-prod", "Succeeded")))
    result = runner.invoke(cli.app, ["--mesh-dir", MESH, "pipeline", "reject", "prod", "--comment", "freeze"])
    assert result.exit_code == 1
    assert "error: no approval of 'prod' is waiting in acme-mesh (waiting: none)" in result.output


def test_pipeline_access_denied_is_one_line(codepipeline):
    codepipeline.add_client_error("get_pipeline_state", "AccessDeniedException", "not authorized", 400)
    result = runner.invoke(cli.app, ["--mesh-dir", MESH, "pipeline", "approvals"])
    assert result.exit_code == 1 and "error: reading pipeline acme-mesh: access denied: not authorized" in result.output


class _Session:
    """A boto3 session whose STS client is a Stubber-backed real client."""

    region_name = "eu-west-1"

    def __init__(self, sts) -> None:
        self.sts = sts

    def client(self, service: str, region_name=None, config=None):
        assert service == "sts"
        return self.sts


def test_the_management_role_is_assumed_with_refreshable_credentials():
    sts = _client("sts")
    role = "arn:aws:iam::123456789012:role/acme-dev-datamesh-admin"
    answer = {
        "Credentials": {
            "AccessKeyId": "ASIAEXAMPLEEXAMPLE01",
            "SecretAccessKey": "secret",
            "SessionToken": "token",
            "Expiration": datetime(2099, 1, 1, tzinfo=UTC),
        }
    }
    with Stubber(sts) as stub:
        stub.add_response("assume_role", answer, {"RoleArn": role, "RoleSessionName": "datamesh-alice"})
        session = assumed_session(_Session(sts), role, "datamesh-alice")
        credentials = session.get_credentials()
        assert credentials.access_key == "ASIAEXAMPLEEXAMPLE01"
        assert credentials.method == "assume-role"
        stub.assert_no_pending_responses()


def test_a_refused_assumption_is_a_credentials_problem_in_one_line():
    sts = _client("sts")
    with Stubber(sts) as stub:
        stub.add_client_error("assume_role", "AccessDenied", "not authorized to perform sts:AssumeRole", 403)
        with pytest.raises(MeshError) as raised:
            assumed_session(_Session(sts), "arn:aws:iam::1:role/x", "datamesh-alice")
    # Not "access denied" to what was read: the role itself is out of reach (aws_access.py).
    assert raised.value.kind == "credentials"
    assert str(raised.value) == "assuming arn:aws:iam::1:role/x: refused: not authorized to perform sts:AssumeRole"
