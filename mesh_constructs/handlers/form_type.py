"""Custom-resource handler: one DataZone metadata form type, enabled, at its latest model.

Resource properties (strings, as CloudFormation passes them)::

    DomainId, OwningProjectId, Name, Description, Model (the Smithy ``structure``, no namespace)

- The Smithy namespace must be the domain id (MDAA's create_form_type handler; Smithy refuses
  hyphens in a namespace, so they become underscores): it is added here, where the id is known.
- CreateFormType on an existing name adds a revision: an update with a changed model, description
  or status is one call. Nothing is written when the current revision already matches.
- The physical id is ``<domain id>/<name>``: stable across updates; a new domain or name is a new
  id, so CloudFormation deletes the old form type after the update.
- A form type of the same name owned by another project is refused with the way out (form types
  cannot change owner), never adopted.
- Delete removes the form type only when the physical id is one this handler issued (a create
  that failed is rolled back with the framework's generated id, and deleting by name then would
  remove someone else's form); it succeeds when the form type or the domain is already gone. A
  form type still used by assets is refused by DataZone: the error is raised, the stack stops.
"""

from __future__ import annotations

from typing import Any

import boto3
from botocore.exceptions import ClientError

from .support import (
    CLIENT_CONFIG,
    ENABLED,
    LOG,
    WRITE_RETRYABLE,
    Deadline,
    LambdaContext,
    domain_gone,
    error_code,
    get_or_none,
    retrying,
)


def on_event(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return handle(event, boto3.client("datazone", config=CLIENT_CONFIG), Deadline.of(context))


def physical_id(props: dict[str, Any]) -> str:
    return f"{props['DomainId']}/{props['Name']}"


def smithy_model(domain_id: str, structure: str) -> str:
    return f"namespace {domain_id.replace('-', '_')}\n\n{structure}"


def handle(event: dict[str, Any], client: Any, deadline: Deadline) -> dict[str, Any]:
    request = event["RequestType"]
    props = event["ResourceProperties"]
    LOG.info("%s form type %s in domain %s", request, props.get("Name"), props.get("DomainId"))
    if request == "Delete":
        if event["PhysicalResourceId"] == physical_id(props):
            delete(client, props["DomainId"], props["Name"], deadline)
        else:
            LOG.info("physical id %s was not issued by this handler: nothing to delete", event["PhysicalResourceId"])
        return {"PhysicalResourceId": event["PhysicalResourceId"]}
    revision = reconcile(client, props, deadline)
    return {"PhysicalResourceId": physical_id(props), "Data": {"Name": props["Name"], "Revision": revision}}


def get_form_type(client: Any, domain_id: str, name: str) -> dict[str, Any] | None:
    return get_or_none(lambda: client.get_form_type(domainIdentifier=domain_id, formTypeIdentifier=name))


def reconcile(client: Any, props: dict[str, Any], deadline: Deadline) -> str:
    domain_id, name, owner = props["DomainId"], props["Name"], props["OwningProjectId"]
    description = props.get("Description", "")
    model = smithy_model(domain_id, props["Model"])
    current = get_form_type(client, domain_id, name)
    if current is not None:
        if current["owningProjectId"] != owner:
            raise ValueError(
                f"form type '{name}' already exists in domain {domain_id}, owned by project "
                f"{current['owningProjectId']}, not {owner}: form types cannot change owner. Declare the form under "
                "the project that owns it, or rename it"
            )
        same = (current.get("model", {}).get("smithy"), current.get("description", ""), current.get("status"))
        if same == (model, description, ENABLED):
            LOG.info("form type %s is up to date at revision %s", name, current["revision"])
            return current["revision"]
    request: dict[str, Any] = {
        "domainIdentifier": domain_id,
        "name": name,
        "model": {"smithy": model},
        "owningProjectIdentifier": owner,
        "status": ENABLED,
    }
    if description:
        request["description"] = description
    created = retrying(lambda: client.create_form_type(**request), deadline)
    LOG.info("form type %s at revision %s", name, created["revision"])
    return created["revision"]


def delete(client: Any, domain_id: str, name: str, deadline: Deadline) -> None:
    try:
        retrying(
            lambda: client.delete_form_type(domainIdentifier=domain_id, formTypeIdentifier=name),
            deadline,
            WRITE_RETRYABLE,
        )
    except ClientError as error:
        if error_code(error) == "ResourceNotFoundException":
            LOG.info("form type %s is already gone", name)
            return
        if domain_gone(client, domain_id, error):
            LOG.info("domain %s is gone: nothing to delete", domain_id)
            return
        raise
