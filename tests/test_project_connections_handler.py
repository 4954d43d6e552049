"""The project-connection lookup handler against botocore Stubber on a real DataZone client."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from botocore.stub import Stubber

from mesh_constructs.handlers import project_connections as handler
from mesh_constructs.handlers.support import COMPLETE_BUDGET, WAIT_STARTED, WaitTimeout

DOMAIN = "dzd_abc123def456"
NOW = datetime(2026, 1, 1, tzinfo=UTC)
STARTED = 1_767_225_600.0  # epoch seconds on_event hands the wait over
ROLE = "arn:aws:iam::123456789012:role/datazone_usr_role_prj1_env1"


def props(*projects: tuple[str, str]) -> dict:
    return {
        "DomainId": DOMAIN,
        "ConnectionName": "project.default_lakehouse",
        "Projects": [
            {"Key": k, "ProjectId": p, "EnvironmentName": "Tooling"}
            for k, p in projects or [("finance-reporting", "prj1")]
        ],
    }


def create(*projects: tuple[str, str]) -> dict:
    return {"RequestType": "Create", "ResourceProperties": props(*projects)}


def polled(*projects: tuple[str, str]) -> dict:
    """What the Provider framework hands is_complete: the request with on_event's result."""
    return {**create(*projects), **handler.handle(create(*projects), STARTED)}


def environment(status: str, project: str = "prj1", env_id: str = "env1") -> dict:
    return {
        "id": env_id,
        "domainId": DOMAIN,
        "projectId": project,
        "name": "Tooling",
        "provider": "Amazon SageMaker",
        "createdBy": "x",
        "status": status,
    }


def list_envs(stub: Stubber, *envs: dict, project: str = "prj1") -> None:
    stub.add_response(
        "list_environments",
        {"items": list(envs)},
        {"domainIdentifier": DOMAIN, "projectIdentifier": project, "name": "Tooling", "maxResults": 50},
    )


def get_env(stub: Stubber, resources: list[dict], env_id: str = "env1", project: str = "prj1") -> None:
    stub.add_response(
        "get_environment",
        {**environment("ACTIVE", project, env_id), "provisionedResources": resources},
        {"domainIdentifier": DOMAIN, "identifier": env_id},
    )


def connection(name: str, connection_id: str) -> dict:
    return {
        "connectionId": connection_id,
        "domainId": DOMAIN,
        "domainUnitId": "unit1",
        "name": name,
        "physicalEndpoints": [],
        "type": "IAM",
    }


ROLE_RESOURCE = [
    {"name": "glueDbName", "value": "glue_db", "type": "String"},
    {"name": "userRoleArn", "value": ROLE, "type": "IAMRole"},
]


def test_on_event_calls_nothing_and_hands_the_wait_over():
    assert handler.handle(create(), STARTED) == {
        "PhysicalResourceId": f"{DOMAIN}/project-connections",
        WAIT_STARTED: STARTED,
    }


def list_connections(stub: Stubber, *names_and_ids: tuple[str, str], project: str = "prj1") -> None:
    stub.add_response(
        "list_connections",
        {"items": [connection(n, c) for n, c in names_and_ids]},
        {"domainIdentifier": DOMAIN, "projectIdentifier": project, "maxResults": 50},
    )


def list_all_envs(stub: Stubber, *envs: dict, project: str = "prj1") -> None:
    """ListEnvironments without a name: every environment of the project (failed ones stop the wait)."""
    stub.add_response(
        "list_environments",
        {"items": list(envs)},
        {"domainIdentifier": DOMAIN, "projectIdentifier": project, "maxResults": 50},
    )


def test_is_complete_waits_for_the_tooling_environment_then_returns_connection_and_role(client):
    event = polled()
    with Stubber(client) as stub:
        list_envs(stub)  # not created yet
        list_envs(stub, environment("CREATING"))
        list_envs(stub, environment("ACTIVE"))
        stub.add_response(
            "list_connections",
            {"items": [connection("project.iam", "c-iam")], "nextToken": "t2"},
            {"domainIdentifier": DOMAIN, "projectIdentifier": "prj1", "maxResults": 50},
        )
        stub.add_response(
            "list_connections",
            {"items": [connection("project.default_lakehouse", "c-lake")]},
            {"domainIdentifier": DOMAIN, "projectIdentifier": "prj1", "maxResults": 50, "nextToken": "t2"},
        )
        get_env(stub, ROLE_RESOURCE)
        assert handler.check(event, client, STARTED) == {"IsComplete": False}
        assert handler.check(event, client, STARTED + 30) == {"IsComplete": False}
        result = handler.check(event, client, STARTED + 60)
        stub.assert_no_pending_responses()
    assert result == {
        "IsComplete": True,
        "Data": {"RoleArnfinanceXreporting": ROLE, "ConnectionIdfinanceXreporting": "c-lake"},
    }


def test_a_connection_not_there_yet_is_awaited_like_the_environment(client):
    """The Lakehouse Database environment deploys after Tooling: an ACTIVE Tooling environment
    without the connection is "not yet", not an error."""
    event = polled()
    tooling = environment("ACTIVE")
    lakehouse = {**environment("CREATING", env_id="env2"), "name": "Lakehouse Database"}
    with Stubber(client) as stub:
        list_envs(stub, tooling)
        list_connections(stub, ("project.iam", "c-iam"))
        list_all_envs(stub, tooling, lakehouse)
        list_envs(stub, tooling)
        list_connections(stub, ("project.iam", "c-iam"), ("project.default_lakehouse", "c-lake"))
        get_env(stub, ROLE_RESOURCE)
        assert handler.check(event, client, STARTED) == {"IsComplete": False}
        result = handler.check(event, client, STARTED + 30)
        stub.assert_no_pending_responses()
    assert result["Data"]["ConnectionIdfinanceXreporting"] == "c-lake"


def test_a_connection_that_never_comes_fails_at_the_deadline_saying_what_exists(client):
    tooling = environment("ACTIVE")
    with Stubber(client) as stub:
        list_envs(stub, tooling)
        list_connections(stub, ("project.iam", "c-iam"))
        list_all_envs(stub, tooling)
        with pytest.raises(WaitTimeout) as raised:
            handler.check(polled(), client, STARTED + COMPLETE_BUDGET)
        stub.assert_no_pending_responses()
    assert str(raised.value) == (
        f"gave up after {COMPLETE_BUDGET} s waiting for the connection project.default_lakehouse of projects "
        "finance-reporting (its connections: project.iam), which their Lakehouse Database (DataLake) environment "
        "creates after Tooling: their profile needs it deployed on create"
    )


def test_a_missing_connection_with_a_failed_environment_stops_at_once(client):
    tooling = environment("ACTIVE")
    lakehouse = {**environment("CREATE_FAILED", env_id="env2"), "name": "Lakehouse Database"}
    with Stubber(client) as stub:
        list_envs(stub, tooling)
        list_connections(stub)
        list_all_envs(stub, tooling, lakehouse)
        with pytest.raises(handler.ProjectNotReady) as raised:
            handler.check(polled(), client, STARTED)
        stub.assert_no_pending_responses()
    assert "has no connection named project.default_lakehouse" in str(raised.value)
    assert "Lakehouse Database (CREATE_FAILED) failed" in str(raised.value)


def test_several_projects_are_awaited_together(client):
    event = polled(("a", "prj1"), ("b", "prj2"))
    with Stubber(client) as stub:
        list_envs(stub, environment("ACTIVE"))
        list_connections(stub, ("project.default_lakehouse", "c1"))
        list_envs(stub, environment("CREATING", "prj2", "env2"), project="prj2")
        list_envs(stub, environment("ACTIVE"))
        list_connections(stub, ("project.default_lakehouse", "c1"))
        list_envs(stub, environment("ACTIVE", "prj2", "env2"), project="prj2")
        list_connections(stub, ("project.default_lakehouse", "c2"), project="prj2")
        for project, env_id in (("prj1", "env1"), ("prj2", "env2")):
            get_env(stub, ROLE_RESOURCE, env_id, project)
        assert handler.check(event, client, STARTED) == {"IsComplete": False}
        result = handler.check(event, client, STARTED + 30)
        stub.assert_no_pending_responses()
    assert result["Data"]["ConnectionIda"] == "c1" and result["Data"]["ConnectionIdb"] == "c2"


def test_a_failed_environment_stops_at_once_with_what_to_do_even_while_another_is_busy(client):
    with Stubber(client) as stub:
        list_envs(stub, environment("CREATING"))
        list_envs(stub, environment("CREATE_FAILED", "prj2", "env2"), project="prj2")
        with pytest.raises(handler.ProjectNotReady) as raised:
            handler.check(polled(("a", "prj1"), ("b", "prj2")), client, STARTED)
    assert "Tooling environment of project b (prj2) is CREATE_FAILED" in str(raised.value)
    assert "SMUS portal" in str(raised.value)


def test_an_environment_that_never_becomes_active_times_out_with_a_clear_error(client):
    with Stubber(client) as stub:
        list_envs(stub, environment("CREATING"))
        with pytest.raises(WaitTimeout) as raised:
            handler.check(polled(), client, STARTED + COMPLETE_BUDGET)
        stub.assert_no_pending_responses()
    assert str(raised.value) == (
        f"gave up after {COMPLETE_BUDGET} s waiting for the Tooling environment of projects finance-reporting "
        "(CREATING) to be ACTIVE"
    )


def test_an_environment_without_user_role_is_an_error(client):
    with Stubber(client) as stub:
        list_envs(stub, environment("ACTIVE"))
        list_connections(stub, ("project.default_lakehouse", "c-lake"))
        get_env(stub, [{"name": "glueDbName", "value": "glue_db", "type": "String"}])
        with pytest.raises(handler.ProjectNotReady, match="reports no userRoleArn"):
            handler.check(polled(), client, STARTED)


def test_access_denied_propagates(client):
    with Stubber(client) as stub:
        stub.add_client_error("list_environments", "AccessDeniedException", http_status_code=403)
        with pytest.raises(Exception, match="AccessDeniedException"):
            handler.check(polled(), client, STARTED)


def test_delete_calls_nothing_and_waits_for_nothing(client):
    event = {"RequestType": "Delete", "PhysicalResourceId": "x", "ResourceProperties": props()}
    with Stubber(client) as stub:
        result = handler.handle(event, STARTED)
        assert handler.check({**event, **result}, client, STARTED) == {"IsComplete": True}
        stub.assert_no_pending_responses()
    assert result == {"PhysicalResourceId": "x"}
