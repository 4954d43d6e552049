"""EventBridge target: turn a DataZone event into an e-mail-friendly message for the people who act.

Events (source ``aws.datazone``, detail-types from the EventBridge reference "Amazon DataZone
events", docs.aws.amazon.com/eventbridge/latest/ref/events-ref-datazone.html):

- ``Subscription Request Created``: the producing project's owners are asked to decide;
- ``Subscription Request Accepted`` / ``Subscription Request Rejected``: the requesting project's
  owners are told the decision;
- ``Data Source Run Failed``: the owners of the project that owns the data source are told why.

Only the ids of the event are read (``detail.metadata.domain``, ``detail.metadata.id`` and, for a
run, ``detail.data.dataSourceRunId`` / ``detail.data.dataSourceId`` where present); names and
the rest come from DataZone (GetSubscriptionRequestDetails, GetDataSourceRun, GetDataSource,
GetProject), so a change in the events' payload beyond those ids costs names, not the message.

Recipients, from the ``ROUTES`` environment variable (JSON, written at synth from the
environment's ``notifications``)::

    {"groups": {"<Identity Center group id>": topic ARN},  # notifications.groups, one topic each
     "projects": {"<project name>": [topic ARN]},        # notifications.project_topics
     "fallback": topic ARN}                             # the environment's alarm topic

A project's recipients are the topic of every group that ListProjectMemberships shows as
PROJECT_OWNER when the event comes (owners added in the portal are told too), plus the project's
own topic. A project nobody is routed to goes to the fallback topic with a note saying so: a
request nobody sees would wait forever.

A name that cannot be read (AccessDenied: DataZone authorizes its callers apart from IAM) leaves
the id in the message and the config's routes in force; a failure to publish raises, so Lambda's
own retries run and the function's Errors metric (watched by the monitoring alarms) counts it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from typing import Any

import boto3
from botocore.exceptions import ClientError

from .support import CLIENT_CONFIG, LOG, THROTTLING, Deadline, error_code, retrying

REQUEST_CREATED = "Subscription Request Created"
REQUEST_ACCEPTED = "Subscription Request Accepted"
REQUEST_REJECTED = "Subscription Request Rejected"
RUN_FAILED = "Data Source Run Failed"
DETAIL_TYPES = (REQUEST_CREATED, REQUEST_ACCEPTED, REQUEST_REJECTED, RUN_FAILED)
OWNER = "PROJECT_OWNER"
# SNS wants a Subject of less than 100 characters.
SUBJECT_LIMIT = 99
# SNS's throttling error code (botocore's SNS model: ThrottledException, code "Throttled").
PUBLISH_RETRYABLE = frozenset({"Throttled"})
# Kept back from the Lambda's remaining time (a one-minute function): the publish in flight returns.
MARGIN = 5


def on_event(event: dict[str, Any], context: Any) -> dict[str, Any]:
    routes = json.loads(os.environ["ROUTES"])
    datazone = boto3.client("datazone", config=CLIENT_CONFIG)
    sns = boto3.client("sns", config=CLIENT_CONFIG)
    return handle(event, datazone, sns, routes, Deadline.of(context, margin=MARGIN))


def handle(
    event: dict[str, Any], datazone: Any, sns: Any, routes: dict[str, Any], deadline: Deadline
) -> dict[str, Any]:
    kind = event.get("detail-type", "")
    detail = event.get("detail") or {}
    metadata = detail.get("metadata") or {}
    domain = metadata.get("domain", "")
    if kind not in DETAIL_TYPES or not domain:
        # The rules match only these types; anything else is a misrouted event, said in the log.
        LOG.warning("ignored event %s of type %r", event.get("id"), kind)
        return {"published": []}
    reader = _Reader(datazone, domain, deadline)
    if kind == RUN_FAILED:
        project_ids, subject, body = _run_failed(reader, detail)
    else:
        project_ids, subject, body = _subscription(reader, kind, metadata.get("id", ""))
    topics, unrouted = _recipients(reader, routes, project_ids)
    if not topics:
        topics = [routes["fallback"]]
        body += (
            f"\n\nNobody is routed for {', '.join(unrouted) or 'this project'}: add its owner groups under "
            "notifications.groups (or the project under notifications.project_topics) in the environment's "
            "configuration."
        )
    body += f"\n\nDomain: {domain}\nEvent: {kind} ({event.get('id', '')}, {event.get('time', '')})"
    for topic in topics:
        retrying(
            lambda topic=topic: sns.publish(TopicArn=topic, Subject=_subject(subject), Message=body),
            deadline,
            PUBLISH_RETRYABLE,
        )
    LOG.info("published %s to %s", kind, topics)
    return {"published": topics}


class _Reader:
    """DataZone reads that degrade to None: a name that cannot be read is not worth a lost message."""

    def __init__(self, client: Any, domain: str, deadline: Deadline) -> None:
        self.client = client
        self.domain = domain
        self.deadline = deadline
        self._names: dict[str, str] = {}

    def get(self, what: str, call: Callable[..., Any], **kwargs: Any) -> dict[str, Any] | None:
        try:
            return retrying(lambda: call(domainIdentifier=self.domain, **kwargs), self.deadline, THROTTLING)
        except ClientError as error:
            LOG.warning("could not read %s: %s", what, error_code(error))
            return None

    def project_name(self, project_id: str, known: str | None = None) -> str | None:
        if known:
            self._names[project_id] = known
        if project_id not in self._names:
            found = self.get(f"project {project_id}", self.client.get_project, identifier=project_id)
            if found is None:
                return None
            self._names[project_id] = found["name"]
        return self._names[project_id]

    def owner_groups(self, project_id: str) -> list[str]:
        """Identity Center ids of the groups that own the project now (every page)."""
        pages = self.client.get_paginator("list_project_memberships").paginate(
            domainIdentifier=self.domain, projectIdentifier=project_id, PaginationConfig={"PageSize": 50}
        )
        try:
            return [
                member["memberDetails"]["group"]["groupId"]
                for page in pages
                for member in page.get("members", [])
                if member.get("designation") == OWNER and "group" in member.get("memberDetails", {})
            ]
        except ClientError as error:
            LOG.warning("could not list the members of project %s: %s", project_id, error_code(error))
            return []


def _subscription(reader: _Reader, kind: str, request_id: str) -> tuple[list[str], str, str]:
    found = reader.get(
        f"subscription request {request_id}",
        reader.client.get_subscription_request_details,
        identifier=request_id,
    )
    if found is None:
        return [], f"DataZone: {kind.lower()}", f"{kind}: subscription request {request_id} (details unreadable)."
    listings = found.get("subscribedListings", [])
    assets = ", ".join(item.get("name") or item.get("id", "") for item in listings) or "(no listing)"
    producers = []
    for item in listings:
        if item.get("ownerProjectId"):
            reader.project_name(item["ownerProjectId"], item.get("ownerProjectName"))
            producers.append(item["ownerProjectId"])
    requesters = []
    for principal in found.get("subscribedPrincipals", []):
        project = principal.get("project") or {}
        if project.get("id"):
            reader.project_name(project["id"], project.get("name"))
            requesters.append(project["id"])
    requester = _names(reader, requesters)
    producer = _names(reader, producers)
    lines = [
        f"Asset: {assets}",
        f"Requested by project: {requester}",
        f"Published by project: {producer}",
        f"Reason given: {found.get('requestReason', '')}",
        f"Request id: {found.get('id', request_id)} (status {found.get('status', '?')})",
    ]
    if kind == REQUEST_CREATED:
        subject = f"Subscription request for {assets} from {requester}"
        intro = (
            f"Project {requester} asks to subscribe to {assets}, published by your project {producer}. "
            "Accept or reject it in the SageMaker Unified Studio portal (project > Subscription requests)."
        )
        return producers, subject, "\n".join([intro, "", *lines])
    decision = "accepted" if kind == REQUEST_ACCEPTED else "rejected"
    subject = f"Subscription to {assets} {decision}"
    intro = f"The request of your project {requester} to subscribe to {assets} was {decision}."
    if found.get("decisionComment"):
        lines.append(f"Comment: {found['decisionComment']}")
    if found.get("reviewerId"):
        lines.append(f"Decided by: {found['reviewerId']}")
    if decision == "accepted":
        lines.append("The grant follows; a failed grant is reported to the platform team's alarm topic.")
    return requesters, subject, "\n".join([intro, "", *lines])


def _run_failed(reader: _Reader, detail: dict[str, Any]) -> tuple[list[str], str, str]:
    data = detail.get("data") or {}
    metadata = detail.get("metadata") or {}
    run_id = data.get("dataSourceRunId") or data.get("runId") or metadata.get("id", "")
    run = reader.get(f"data source run {run_id}", reader.client.get_data_source_run, identifier=run_id) or {}
    source_id = run.get("dataSourceId") or data.get("dataSourceId", "")
    source = (
        reader.get(f"data source {source_id}", reader.client.get_data_source, identifier=source_id) or {}
        if source_id
        else {}
    )
    project_id = run.get("projectId") or source.get("projectId") or metadata.get("owningProjectId", "")
    name = source.get("name") or source_id or "(unknown data source)"
    error = run.get("errorMessage") or source.get("lastRunErrorMessage") or {}
    owner = _names(reader, [project_id] if project_id else [])
    lines = [
        f"The data source {name} of your project {owner} failed to run: its tables were not imported or updated "
        "in the catalog, and subscribers do not see the changes.",
        "",
        f"Error: {error.get('errorType', '?')}: {error.get('errorDetail', '(no detail)')}",
        f"Run id: {run_id}",
        "What to do: docs/troubleshooting.md, 'A data-source run failed'.",
    ]
    return ([project_id] if project_id else []), f"Data source {name} failed to run", "\n".join(lines)


def _names(reader: _Reader, project_ids: Iterable[str]) -> str:
    names = [reader.project_name(p) or p for p in project_ids]
    return ", ".join(names) or "(unknown project)"


def _recipients(reader: _Reader, routes: dict[str, Any], project_ids: list[str]) -> tuple[list[str], list[str]]:
    """(topics, names of projects with none): configured routes first, then current owner groups."""
    topics: list[str] = []
    unrouted: list[str] = []
    for project_id in project_ids:
        name = reader.project_name(project_id)
        found = list(routes.get("projects", {}).get(name, [])) if name else []
        found += [routes["groups"][g] for g in reader.owner_groups(project_id) if g in routes.get("groups", {})]
        if not found:
            unrouted.append(name or project_id)
        topics += [t for t in found if t not in topics]
    return topics, unrouted


def _subject(text: str) -> str:
    # SNS e-mail subjects: ASCII printable, no line breaks, fewer than 100 characters.
    plain = "".join(c if 32 <= ord(c) < 127 else "?" for c in text.replace("\n", " "))
    return plain if len(plain) <= SUBJECT_LIMIT else plain[: SUBJECT_LIMIT - 3] + "..."
