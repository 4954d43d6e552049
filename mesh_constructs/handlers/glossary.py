"""Custom-resource handler: reconcile one DataZone business glossary and its terms.

Runs in Lambda behind ``custom_resources.Provider`` (the framework reports to CloudFormation;
this module raises on every failure and never returns a FAILED status). It follows the pattern
of ``support``, shared by every handler of the mesh.

Resource properties (strings, as CloudFormation passes them)::

    DomainId, OwningProjectId, Name, Description,
    Terms: [{Name, ShortDescription, LongDescription,
             IsA: [{Glossary, Term}], Classifies: [{Glossary, Term}]}]

- Idempotent: the glossary is found by its physical id, else by name (there is no List API:
  ``search`` with searchScope GLOSSARY / GLOSSARY_TERM, paginated), so a re-run or a create whose
  physical id was lost adopts the existing glossary instead of failing on the name conflict.
- Terms are created without relations first; relations are set once every term exists.
- Throttling is retried by botocore's standard retry mode, then with the bounded backoff of
  ``support.retrying`` like conflicts and not-yet-visible resources (eventual consistency).
- Delete disables the glossary, deletes its terms (each disabled first, as the service requires
  of enabled terms), then the glossary; it succeeds when the glossary or the whole domain is gone.
"""

from __future__ import annotations

from typing import Any

import boto3
from botocore.exceptions import ClientError

from .support import (
    CLIENT_CONFIG,
    DISABLED,
    ENABLED,
    LOG,
    THROTTLING,
    WRITE_RETRYABLE,
    Deadline,
    LambdaContext,
    client_token,
    domain_gone,
    error_code,
    get_or_none,
    retrying,
    search,
)


def on_event(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return handle(event, boto3.client("datazone", config=CLIENT_CONFIG), Deadline.of(context))


def handle(event: dict[str, Any], client: Any, deadline: Deadline) -> dict[str, Any]:
    request = event["RequestType"]
    props = event["ResourceProperties"]
    LOG.info("%s glossary %s in domain %s", request, props.get("Name"), props.get("DomainId"))
    if request == "Delete":
        delete(client, props["DomainId"], event["PhysicalResourceId"], deadline)
        return {"PhysicalResourceId": event["PhysicalResourceId"]}
    old = event.get("OldResourceProperties") or {}
    # A new domain is a new glossary; CloudFormation deletes the old one when it sees a new id.
    physical_id = event.get("PhysicalResourceId") if old.get("DomainId") == props["DomainId"] else None
    glossary_id = reconcile(client, props, physical_id, deadline)
    return {"PhysicalResourceId": glossary_id, "Data": {"GlossaryId": glossary_id}}


def find_glossary(client: Any, domain_id: str, name: str) -> dict[str, Any] | None:
    """The glossary named exactly ``name`` (names are unique in a domain), or None."""
    for item in search(client, domain_id, "GLOSSARY", searchText=name):
        glossary = item.get("glossaryItem")
        if glossary and glossary["name"] == name:
            return glossary
    return None


def get_glossary(client: Any, domain_id: str, glossary_id: str) -> dict[str, Any] | None:
    return get_or_none(lambda: client.get_glossary(domainIdentifier=domain_id, identifier=glossary_id))


def list_terms(client: Any, domain_id: str, glossary_id: str) -> dict[str, dict[str, Any]]:
    """Term name -> term of one glossary."""
    found = search(
        client,
        domain_id,
        "GLOSSARY_TERM",
        filters={"filter": {"attribute": "BusinessGlossaryTermForm.businessGlossaryId", "value": glossary_id}},
    )
    terms = (item["glossaryTermItem"] for item in found if "glossaryTermItem" in item)
    return {t["name"]: t for t in terms if t["glossaryId"] == glossary_id}


# --- create / update ----------------------------------------------------------------------------


def reconcile(client: Any, props: dict[str, Any], physical_id: str | None, deadline: Deadline) -> str:
    domain_id, name = props["DomainId"], props["Name"]
    glossary = get_glossary(client, domain_id, physical_id) if physical_id else None
    glossary = glossary or find_glossary(client, domain_id, name)
    if glossary is None:
        glossary = retrying(
            lambda: client.create_glossary(
                domainIdentifier=domain_id,
                name=name,
                owningProjectIdentifier=props["OwningProjectId"],
                description=props.get("Description", ""),
                status=ENABLED,
                clientToken=client_token(domain_id, name),
            ),
            deadline,
            THROTTLING,
        )
        LOG.info("created glossary %s (%s)", name, glossary["id"])
    elif glossary["owningProjectId"] != props["OwningProjectId"]:
        raise ValueError(
            f"glossary '{name}' ({glossary['id']}) is owned by project {glossary['owningProjectId']}, not "
            f"{props['OwningProjectId']}: DataZone cannot move a glossary to another project. Keep its owning "
            "project, or delete the glossary and deploy again"
        )
    elif (glossary["name"], glossary.get("description", ""), glossary["status"]) != (
        name,
        props.get("Description", ""),
        ENABLED,
    ):
        retrying(
            lambda: client.update_glossary(
                domainIdentifier=domain_id,
                identifier=glossary["id"],
                name=name,
                description=props.get("Description", ""),
                status=ENABLED,
            ),
            deadline,
        )
    glossary_id = glossary["id"]
    existing = list_terms(client, domain_id, glossary_id)
    desired = {t["Name"]: t for t in props.get("Terms", [])}
    ids = _reconcile_terms(client, domain_id, glossary_id, existing, desired, deadline)
    _reconcile_relations(client, domain_id, name, ids, existing, desired, deadline)
    return glossary_id


def _reconcile_terms(
    client: Any,
    domain_id: str,
    glossary_id: str,
    existing: dict[str, dict[str, Any]],
    desired: dict[str, dict[str, Any]],
    deadline: Deadline,
) -> dict[str, str]:
    """Create, update and delete terms (without relations); returns term name -> id."""
    ids: dict[str, str] = {}
    for name, term in desired.items():
        deadline.check(f"creating or updating term {name!r} of glossary {glossary_id}")
        short, long = term.get("ShortDescription", ""), term.get("LongDescription", "")
        current = existing.get(name)
        if current is None:
            created = retrying(
                lambda name=name, short=short, long=long: client.create_glossary_term(
                    domainIdentifier=domain_id,
                    glossaryIdentifier=glossary_id,
                    name=name,
                    shortDescription=short,
                    longDescription=long,
                    status=ENABLED,
                    clientToken=client_token(domain_id, glossary_id, name),
                ),
                deadline,
            )
            ids[name] = created["id"]
            continue
        ids[name] = current["id"]
        if (current.get("shortDescription", ""), current.get("longDescription", ""), current["status"]) != (
            short,
            long,
            ENABLED,
        ):
            retrying(
                lambda current=current, short=short, long=long: client.update_glossary_term(
                    domainIdentifier=domain_id,
                    glossaryIdentifier=glossary_id,
                    identifier=current["id"],
                    shortDescription=short,
                    longDescription=long,
                    status=ENABLED,
                ),
                deadline,
            )
    for name, current in existing.items():
        deadline.check(f"deleting the terms of glossary {glossary_id} that are no longer declared")
        if name not in desired:
            _delete_term(client, domain_id, current, deadline)
    return ids


def _reconcile_relations(
    client: Any,
    domain_id: str,
    glossary_name: str,
    ids: dict[str, str],
    existing: dict[str, dict[str, Any]],
    desired: dict[str, dict[str, Any]],
    deadline: Deadline,
) -> None:
    other_glossaries: dict[str, dict[str, str]] = {}

    def resolve(ref: dict[str, str], term_name: str) -> str:
        glossary, target = ref["Glossary"], ref["Term"]
        if glossary == glossary_name:
            terms = ids
        else:
            if glossary not in other_glossaries:
                found = find_glossary(client, domain_id, glossary)
                other_glossaries[glossary] = (
                    {n: t["id"] for n, t in list_terms(client, domain_id, found["id"]).items()} if found else {}
                )
            terms = other_glossaries[glossary]
        if target not in terms:
            raise ValueError(
                f"term '{term_name}' of glossary '{glossary_name}' relates to '{target}' of glossary '{glossary}', "
                "which does not exist in the domain; deploy that glossary first (glossaries deploy in order)"
            )
        return terms[target]

    for name, term in desired.items():
        deadline.check(f"relating the terms of glossary {glossary_name!r}")
        wanted = {
            kind: sorted(resolve(ref, name) for ref in term.get(key, []))
            for kind, key in (("isA", "IsA"), ("classifies", "Classifies"))
        }
        current = (existing.get(name) or {}).get("termRelations") or {}
        have = {kind: sorted(current.get(kind, [])) for kind in ("isA", "classifies")}
        if wanted == have:
            continue
        relations = {kind: values for kind, values in wanted.items() if values}
        retrying(
            lambda name=name, relations=relations: client.update_glossary_term(
                domainIdentifier=domain_id, identifier=ids[name], termRelations=relations
            ),
            deadline,
        )


# --- delete -------------------------------------------------------------------------------------


def _delete_term(client: Any, domain_id: str, term: dict[str, Any], deadline: Deadline) -> None:
    try:
        if term.get("status") == ENABLED:
            retrying(
                lambda: client.update_glossary_term(domainIdentifier=domain_id, identifier=term["id"], status=DISABLED),
                deadline,
                WRITE_RETRYABLE,
            )
        retrying(
            lambda: client.delete_glossary_term(domainIdentifier=domain_id, identifier=term["id"]),
            deadline,
            WRITE_RETRYABLE,
        )
    except ClientError as error:
        if error_code(error) != "ResourceNotFoundException":
            raise


def delete(client: Any, domain_id: str, glossary_id: str, deadline: Deadline) -> None:
    try:
        glossary = get_glossary(client, domain_id, glossary_id)
    except ClientError as error:
        if domain_gone(client, domain_id, error):
            LOG.info("domain %s is gone: nothing to delete", domain_id)
            return
        raise
    if glossary is None:
        LOG.info("glossary %s is already gone", glossary_id)
        return
    if glossary["status"] == ENABLED:
        retrying(
            lambda: client.update_glossary(domainIdentifier=domain_id, identifier=glossary_id, status=DISABLED),
            deadline,
            WRITE_RETRYABLE,
        )
    for term in list_terms(client, domain_id, glossary_id).values():
        deadline.check(f"deleting the terms of glossary {glossary_id}")
        _delete_term(client, domain_id, term, deadline)
    try:
        # The search index may still list a just-deleted term: the delete is retried briefly.
        retrying(
            lambda: client.delete_glossary(domainIdentifier=domain_id, identifier=glossary_id),
            deadline,
            WRITE_RETRYABLE,
        )
    except ClientError as error:
        if error_code(error) != "ResourceNotFoundException":
            raise
