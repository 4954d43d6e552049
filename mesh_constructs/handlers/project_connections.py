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
(ListEnvironments by name; a *_FAILED status stops at once), read ``userRoleArn`` from its
provisioned resources (GetEnvironment), then find the connection by name (ListConnections,
paginated). Nothing is created, so Delete does nothing. One resource serves every producer of a
stack: the waits overlap instead of adding up.

The wait is the Provider framework's (``is_complete``, every 30 s for up to an hour), not a
Lambda's: provisioning a project's environments can take longer than one function run. on_event
only hands the wait over; each is_complete call looks at every project once and returns the
attributes when all are ready.
"""

from __future__ import annotations

import time
from typing import Any

import boto3

from .support import CLIENT_CONFIG, LOG, LambdaContext, awaiting, complete_when, paginate

ACTIVE = "ACTIVE"
BUSY = frozenset({"CREATING", "UPDATING"})
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
    props = event["ResourceProperties"]
    keys = ", ".join(sorted(p["Key"] for p in props.get("Projects", [])))
    return complete_when(
        event,
        event["RequestType"] != "Delete",
        lambda: lookup(client, props),
        f"the Tooling environment of projects {keys} to be ACTIVE",
        now,
    )


def lookup(client: Any, props: dict[str, Any]) -> dict[str, str] | None:
    """The attributes once every project's Tooling environment is ACTIVE, else None."""
    domain_id = props["DomainId"]
    environments: dict[str, str] = {}
    # Every project is looked at on every call: a failed one stops the wait even while others are busy.
    for project in props["Projects"]:
        key, name, project_id = project["Key"], project["EnvironmentName"], project["ProjectId"]
        env = tooling_environment(client, domain_id, project_id, name)
        if env is None or env["status"] in BUSY:
            LOG.info("project %s: %s environment %s", key, name, env["status"] if env else "not created yet")
            continue
        if env["status"] != ACTIVE:
            raise ProjectNotReady(
                f"the {name} environment of project {key} ({project_id}) is {env['status']}: fix or re-deploy it "
                "in the SMUS portal (project > Compute / Environments), then retry"
            )
        environments[key] = env["id"]
    if len(environments) < len(props["Projects"]):
        return None
    data: dict[str, str] = {}
    for p in props["Projects"]:
        key, project_id = p["Key"], p["ProjectId"]
        suffix = attribute_suffix(key)
        data[f"RoleArn{suffix}"] = user_role(client, domain_id, environments[key], key)
        data[f"ConnectionId{suffix}"] = connection_id(client, domain_id, project_id, props["ConnectionName"], key)
        LOG.info("project %s: connection %s, role %s", key, data[f"ConnectionId{suffix}"], data[f"RoleArn{suffix}"])
    return data


def tooling_environment(client: Any, domain_id: str, project_id: str, name: str) -> dict[str, Any] | None:
    found = paginate(client, "list_environments", domainIdentifier=domain_id, projectIdentifier=project_id, name=name)
    return next((e for e in found if e["name"] == name), None)


def user_role(client: Any, domain_id: str, environment_id: str, key: str) -> str:
    env = client.get_environment(domainIdentifier=domain_id, identifier=environment_id)
    for resource in env.get("provisionedResources", []):
        if resource["name"] == ROLE_RESOURCE:
            return str(resource["value"])
    raise ProjectNotReady(f"the environment {environment_id} of project {key} reports no {ROLE_RESOURCE}")


def connection_id(client: Any, domain_id: str, project_id: str, name: str, key: str) -> str:
    found = list(paginate(client, "list_connections", domainIdentifier=domain_id, projectIdentifier=project_id))
    for connection in found:
        if connection["name"] == name:
            return str(connection["connectionId"])
    names = ", ".join(sorted(c["name"] for c in found)) or "none"
    raise ProjectNotReady(
        f"project {key} has no connection named {name} (its connections: {names}); its profile needs the "
        "Tooling and Lakehouse Database (DataLake) environments deployed on create"
    )
