"""Custom-resource handler: the Lakehouse connection and the IAM role of SMUS projects.

Resource properties::

    DomainId
    ConnectionName    the connection a Glue data source imports through ("project.default_lakehouse")
    Projects          [{Key, ProjectId, EnvironmentName}]; EnvironmentName is the Tooling environment's
                      name in the project's profile (e.g. "Tooling")

Returns, per project key: ``ConnectionId<Key>`` and ``RoleArn<Key>`` (the project's user role
``datazone_usr_role_...``, which runs its notebooks, queries and data-source imports), where
``<Key>`` is ``attribute_suffix(key)``: attribute names stay alphanumeric.

In a V2 domain both exist only once the project's environments are provisioned, some minutes
after CloudFormation created the project, and a stack's projects are provisioned in parallel by
DataZone. So, as MDAA's monitor_env_deployment does: wait until the Tooling environment is ACTIVE
(ListEnvironments by name; a *_FAILED status stops at once), then until the connection exists
(ListConnections, paginated, by name): the Lakehouse Database (DataLake) environment that creates
it deploys after Tooling (the profile's DeploymentOrder), so an ACTIVE Tooling environment without
the connection is "not yet", unless one of the project's environments failed, which stops at once
too. Then read ``userRoleArn`` from the Tooling environment's provisioned resources
(GetEnvironment). Nothing is created, so Delete does nothing. One resource serves every producer
of a stack: the waits overlap instead of adding up.

The wait is the Provider framework's (``is_complete``, every 30 s for up to an hour), not a
Lambda's: provisioning a project's environments can take longer than one function run. on_event
only hands the wait over; each is_complete call looks at every project once and returns the
attributes when all are ready. At the handler's limit (support.COMPLETE_BUDGET, 59 minutes after
on_event) it fails saying which projects still lack what.
"""

from __future__ import annotations

import time
from typing import Any

import boto3

from .support import CLIENT_CONFIG, LOG, LambdaContext, awaiting, complete_when, paginate

ACTIVE = "ACTIVE"
BUSY = frozenset({"CREATING", "UPDATING"})
FAILED = "_FAILED"  # CREATE_FAILED, UPDATE_FAILED, DELETE_FAILED, VALIDATION_FAILED (EnvironmentStatus)
ROLE_RESOURCE = "userRoleArn"


def attribute_suffix(key: str) -> str:
    """finance-reporting -> financeXreporting: keys are lower-case slugs, so this is one-to-one."""
    return key.replace("-", "X")


class ProjectNotReady(RuntimeError):
    """A project's environment failed or lacks what a data source needs."""


def on_event(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return handle(event, time.time())


def is_complete(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return check(event, boto3.client("datazone", config=CLIENT_CONFIG), time.time())


def physical_id(props: dict[str, Any]) -> str:
    return f"{props['DomainId']}/project-connections"


def handle(event: dict[str, Any], now: float) -> dict[str, Any]:
    """on_event: nothing to call; the lookup waits, so it is all is_complete's (``now``: epoch s)."""
    if event["RequestType"] == "Delete":
        return {"PhysicalResourceId": event["PhysicalResourceId"]}
    return awaiting({"PhysicalResourceId": physical_id(event["ResourceProperties"])}, now)


def check(event: dict[str, Any], client: Any, now: float) -> dict[str, Any]:
    if event["RequestType"] == "Delete":
        return complete_when(event, False, lambda: None, "nothing", now)
    # One look at every project; what it still waits for names the projects, for the log and the
    # error at the deadline.
    waiting: list[str] = []
    found = lookup(client, event["ResourceProperties"], waiting)
    return complete_when(event, True, lambda: found, "; and ".join(waiting), now)


def lookup(client: Any, props: dict[str, Any], waiting: list[str]) -> dict[str, str] | None:
    """The attributes once every project's Tooling environment is ACTIVE and its connection exists,
    else None, with what is still awaited appended to ``waiting``."""
    domain_id, connection_name = props["DomainId"], props["ConnectionName"]
    ready: dict[str, tuple[str, str]] = {}  # key -> (Tooling environment id, connection id)
    busy: list[str] = []
    unconnected: list[str] = []
    # Every project is looked at on every call: a failed one stops the wait even while others are busy.
    for project in props["Projects"]:
        key, name, project_id = project["Key"], project["EnvironmentName"], project["ProjectId"]
        env = tooling_environment(client, domain_id, project_id, name)
        if env is None or env["status"] in BUSY:
            status = env["status"] if env else "not created yet"
            LOG.info("project %s: %s environment %s", key, name, status)
            busy.append(f"{key} ({status})")
            continue
        if env["status"] != ACTIVE:
            raise ProjectNotReady(
                f"the {name} environment of project {key} ({project_id}) is {env['status']}: fix or re-deploy it "
                "in the SMUS portal (project > Compute / Environments), then retry"
            )
        connection, names = find_connection(client, domain_id, project_id, connection_name)
        if connection is None:
            failed = failed_environments(client, domain_id, project_id)
            if failed:
                raise ProjectNotReady(
                    f"project {key} ({project_id}) has no connection named {connection_name} and its environments "
                    f"{', '.join(failed)} failed: fix or re-deploy them in the SMUS portal (project > Compute / "
                    "Environments), then retry"
                )
            found = ", ".join(names) or "none"
            LOG.info("project %s: no connection %s yet (its connections: %s)", key, connection_name, found)
            unconnected.append(f"{key} (its connections: {found})")
            continue
        ready[key] = (env["id"], connection)
    if busy:
        waiting.append(f"the Tooling environment of projects {', '.join(busy)} to be ACTIVE")
    if unconnected:
        waiting.append(
            f"the connection {connection_name} of projects {', '.join(unconnected)}, which their Lakehouse "
            "Database (DataLake) environment creates after Tooling: their profile needs it deployed on create"
        )
    if waiting:
        return None
    data: dict[str, str] = {}
    for p in props["Projects"]:
        key = p["Key"]
        environment_id, connection = ready[key]
        suffix = attribute_suffix(key)
        data[f"RoleArn{suffix}"] = user_role(client, domain_id, environment_id, key)
        data[f"ConnectionId{suffix}"] = connection
        LOG.info("project %s: connection %s, role %s", key, connection, data[f"RoleArn{suffix}"])
    return data


def tooling_environment(client: Any, domain_id: str, project_id: str, name: str) -> dict[str, Any] | None:
    found = paginate(client, "list_environments", domainIdentifier=domain_id, projectIdentifier=project_id, name=name)
    return next((e for e in found if e["name"] == name), None)


def failed_environments(client: Any, domain_id: str, project_id: str) -> list[str]:
    """'<name> (<status>)' of the project's environments in a *_FAILED status: they do not recover
    without someone re-deploying them, so waiting on would only end at the deadline."""
    found = paginate(client, "list_environments", domainIdentifier=domain_id, projectIdentifier=project_id)
    return sorted(f"{e['name']} ({e['status']})" for e in found if str(e.get("status", "")).endswith(FAILED))


def user_role(client: Any, domain_id: str, environment_id: str, key: str) -> str:
    env = client.get_environment(domainIdentifier=domain_id, identifier=environment_id)
    for resource in env.get("provisionedResources", []):
        if resource["name"] == ROLE_RESOURCE:
            return str(resource["value"])
    raise ProjectNotReady(f"the environment {environment_id} of project {key} reports no {ROLE_RESOURCE}")


def find_connection(client: Any, domain_id: str, project_id: str, name: str) -> tuple[str | None, list[str]]:
    """The id of the project's connection named ``name`` (or None), and the names of all its
    connections (filtered here, not by ListConnections' name parameter, so a miss can say what exists)."""
    found = list(paginate(client, "list_connections", domainIdentifier=domain_id, projectIdentifier=project_id))
    match = next((c for c in found if c["name"] == name), None)
    return (None if match is None else str(match["connectionId"])), sorted(c["name"] for c in found)
