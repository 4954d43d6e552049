"""Custom-resource handler: reconcile one DataZone business glossary and its terms.

Runs in Lambda behind ``custom_resources.Provider`` (the framework reports to CloudFormation;
this module raises on every failure and never returns a FAILED status). Only boto3 and the
standard library: the file is the whole Lambda asset.

Resource properties (strings, as CloudFormation passes them)::

    DomainId, OwningProjectId, Name, Description,
    Terms: [{Name, ShortDescription, LongDescription,
             IsA: [{Glossary, Term}], Classifies: [{Glossary, Term}]}]

- Idempotent: the glossary is found by its physical id, else by name (there is no List API:
  ``search`` with searchScope GLOSSARY / GLOSSARY_TERM, paginated), so a re-run or a create whose
  physical id was lost adopts the existing glossary instead of failing on the name conflict.
- Terms are created without relations first; relations are set once every term exists.
- Throttling is retried by botocore's standard retry mode; conflicts and not-yet-visible
  resources right after a create (eventual consistency) by a bounded backoff here.
- Delete disables the glossary, deletes its terms (each disabled first, as the service requires
  of enabled terms), then the glossary; it succeeds when the glossary or the whole domain is gone.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

LOG = logging.getLogger()
LOG.setLevel(logging.INFO)

# Standard mode retries ThrottlingException (CreateGlossary allows 5 TPS) with jittered backoff.
CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 10})
# Writes are also retried here, with a bounded backoff (1 + 2 + 4 + 8 + 16 s at most, then the
# error is raised): throttling that outlasts botocore's retries, and conflicts or not-yet-visible
# resources right after a create (eventual consistency).
RETRY_DELAYS = (1, 2, 4, 8, 16)
RETRYABLE = frozenset({"ThrottlingException", "ConflictException", "ResourceNotFoundException"})
ENABLED, DISABLED = "ENABLED", "DISABLED"
PAGE_SIZE = 50  # Search's maximum

Sleep = Callable[[float], None]


def on_event(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return handle(event, boto3.client("datazone", config=CLIENT_CONFIG), time.sleep)


def handle(event: dict[str, Any], client: Any, sleep: Sleep) -> dict[str, Any]:
    request = event["RequestType"]
    props = event["ResourceProperties"]
    LOG.info("%s glossary %s in domain %s", request, props.get("Name"), props.get("DomainId"))
    if request == "Delete":
        delete(client, props["DomainId"], event["PhysicalResourceId"], sleep)
        return {"PhysicalResourceId": event["PhysicalResourceId"]}
    old = event.get("OldResourceProperties") or {}
    # A new domain is a new glossary; CloudFormation deletes the old one when it sees a new id.
    physical_id = event.get("PhysicalResourceId") if old.get("DomainId") == props["DomainId"] else None
    glossary_id = reconcile(client, props, physical_id, sleep)
    return {"PhysicalResourceId": glossary_id, "Data": {"GlossaryId": glossary_id}}


# --- DataZone calls ---------------------------------------------------------------------------


def _code(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Code", "")


def retrying(call: Callable[[], Any], sleep: Sleep, errors: frozenset[str] = RETRYABLE) -> Any:
    """``call()``, retried with bounded backoff while it fails with one of ``errors``."""
    for delay in (*RETRY_DELAYS, None):
        try:
            return call()
        except ClientError as error:
            if _code(error) not in errors or delay is None:
                raise
            LOG.info("%s, retrying in %s s", _code(error), delay)
            sleep(delay)
    raise AssertionError("unreachable")


def _search(client: Any, domain_id: str, scope: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
    pages = client.get_paginator("search").paginate(
        domainIdentifier=domain_id, searchScope=scope, PaginationConfig={"PageSize": PAGE_SIZE}, **kwargs
    )
    for page in pages:
        yield from page.get("items", [])


def find_glossary(client: Any, domain_id: str, name: str) -> dict[str, Any] | None:
    """The glossary named exactly ``name`` (names are unique in a domain), or None."""
    for item in _search(client, domain_id, "GLOSSARY", searchText=name):
        glossary = item.get("glossaryItem")
        if glossary and glossary["name"] == name:
            return glossary
    return None


def get_glossary(client: Any, domain_id: str, glossary_id: str) -> dict[str, Any] | None:
    try:
        return client.get_glossary(domainIdentifier=domain_id, identifier=glossary_id)
    except ClientError as error:
        if _code(error) == "ResourceNotFoundException":
            return None
        raise


def list_terms(client: Any, domain_id: str, glossary_id: str) -> dict[str, dict[str, Any]]:
    """Term name -> term of one glossary."""
    found = _search(
        client,
        domain_id,
        "GLOSSARY_TERM",
        filters={"filter": {"attribute": "BusinessGlossaryTermForm.businessGlossaryId", "value": glossary_id}},
    )
    terms = (item["glossaryTermItem"] for item in found if "glossaryTermItem" in item)
    return {t["name"]: t for t in terms if t["glossaryId"] == glossary_id}


def _token(*parts: str) -> str:
    """A client token stable for the same request, so a retried create is not duplicated."""
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:64]


# --- create / update ----------------------------------------------------------------------------


def reconcile(client: Any, props: dict[str, Any], physical_id: str | None, sleep: Sleep) -> str:
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
                clientToken=_token(domain_id, name),
            ),
            sleep,
            frozenset({"ThrottlingException"}),
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
            sleep,
        )
    glossary_id = glossary["id"]
    existing = list_terms(client, domain_id, glossary_id)
    desired = {t["Name"]: t for t in props.get("Terms", [])}
    ids = _reconcile_terms(client, domain_id, glossary_id, existing, desired, sleep)
    _reconcile_relations(client, domain_id, name, ids, existing, desired, sleep)
    return glossary_id


def _reconcile_terms(
    client: Any,
    domain_id: str,
    glossary_id: str,
    existing: dict[str, dict[str, Any]],
    desired: dict[str, dict[str, Any]],
    sleep: Sleep,
) -> dict[str, str]:
    """Create, update and delete terms (without relations); returns term name -> id."""
    ids: dict[str, str] = {}
    for name, term in desired.items():
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
                    clientToken=_token(domain_id, glossary_id, name),
                ),
                sleep,
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
                sleep,
            )
    for name, current in existing.items():
        if name not in desired:
            _delete_term(client, domain_id, current, sleep)
    return ids


def _reconcile_relations(
    client: Any,
    domain_id: str,
    glossary_name: str,
    ids: dict[str, str],
    existing: dict[str, dict[str, Any]],
    desired: dict[str, dict[str, Any]],
    sleep: Sleep,
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
            sleep,
        )


# --- delete -------------------------------------------------------------------------------------


WRITE_RETRYABLE = frozenset({"ThrottlingException", "ConflictException"})


def _delete_term(client: Any, domain_id: str, term: dict[str, Any], sleep: Sleep) -> None:
    try:
        if term.get("status") == ENABLED:
            retrying(
                lambda: client.update_glossary_term(domainIdentifier=domain_id, identifier=term["id"], status=DISABLED),
                sleep,
                WRITE_RETRYABLE,
            )
        retrying(
            lambda: client.delete_glossary_term(domainIdentifier=domain_id, identifier=term["id"]),
            sleep,
            WRITE_RETRYABLE,
        )
    except ClientError as error:
        if _code(error) != "ResourceNotFoundException":
            raise


def _domain_gone(client: Any, domain_id: str) -> bool:
    """DataZone answers 403, not 404, for anything in a deleted domain; a 403 only counts as
    "gone" when GetDomain on the domain itself fails the same way or with 404."""
    try:
        client.get_domain(identifier=domain_id)
    except ClientError as error:
        return _code(error) in ("ResourceNotFoundException", "AccessDeniedException")
    return False


def delete(client: Any, domain_id: str, glossary_id: str, sleep: Sleep) -> None:
    try:
        glossary = get_glossary(client, domain_id, glossary_id)
    except ClientError as error:
        if _code(error) == "AccessDeniedException" and _domain_gone(client, domain_id):
            LOG.info("domain %s is gone: nothing to delete", domain_id)
            return
        raise
    if glossary is None:
        LOG.info("glossary %s is already gone", glossary_id)
        return
    if glossary["status"] == ENABLED:
        retrying(
            lambda: client.update_glossary(domainIdentifier=domain_id, identifier=glossary_id, status=DISABLED),
            sleep,
            WRITE_RETRYABLE,
        )
    for term in list_terms(client, domain_id, glossary_id).values():
        _delete_term(client, domain_id, term, sleep)
    try:
        # The search index may still list a just-deleted term: the delete is retried briefly.
        retrying(
            lambda: client.delete_glossary(domainIdentifier=domain_id, identifier=glossary_id),
            sleep,
            WRITE_RETRYABLE,
        )
    except ClientError as error:
        if _code(error) != "ResourceNotFoundException":
            raise
