"""Custom-resource handler: the account's Lake Formation data-lake settings, written by the mesh
from this one resource (administrators, read-only administrators and parameters together).

Resource properties::

    CatalogId       the account id
    Admins          [principal ARN]: data-lake administrators the mesh needs
    ReadOnlyAdmins  [principal ARN]: read-only administrators the mesh needs
    Parameters      {name: value}: settings parameters the mesh needs (CROSS_ACCOUNT_VERSION)
    Retired         [principal ARN]: principals earlier versions of the mesh made administrators;
                    removed from both lists when present
    KeepOnDelete    [principal ARN]: declared principals a Delete leaves in place (the CDK
                    execution role: every CDK app of the account deploys with it)

Why get, merge, put and not ``AWS::LakeFormation::DataLakeSettings``: PutDataLakeSettings replaces
the whole settings object ("This API replaces the current list of data lake admins with the new
list being passed. To add an admin, fetch the current list and add the new admin", Lake Formation
API reference), and the resource's ``MutationType: APPEND`` is not documented to keep
``Parameters``. Other writers share the object: the organisation's own administrators, DataZone
(which adds its Glue manage-access role when it provisions a Lakehouse environment: "Failed to add
... as data lake administrator", aws-samples/data-mesh-datazone-cdk-cloudformation #8), another
environment deployed into the same account. So every request reads the current settings, changes
only what the mesh declares (its principals, its parameter keys), writes every other field back as
read, then reads again: a writer that put its own read of the object in between would have dropped
the mesh's change, which is then merged again (bounded retries on the invocation's deadline).

What is removed: on Update, the principals the old declaration named and the new one does not;
``Retired`` ones; on Delete, every declared principal but ``KeepOnDelete``. Lake Formation refuses a
put whose lists name an IAM role that no longer exists ("Invalid principal", aws/aws-cdk #19492):
a role of the mesh left behind as an administrator after its stack is deleted would break every
later writer of the account, DataZone's included. Parameters are never removed: lowering
CROSS_ACCOUNT_VERSION would change how every existing share of the account works, including shares
the mesh did not make.

A principal both declared read-only and already a full administrator (set outside the mesh) stays
a full administrator: the mesh does not lower what it did not grant. A declared administrator is
taken off the read-only list, where Lake Formation would otherwise hold it twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.exceptions import ClientError

from .support import CLIENT_CONFIG, LOG, RETRY_DELAYS, Deadline, LambdaContext, error_code

ADMINS, READ_ONLY, PARAMETERS = "DataLakeAdmins", "ReadOnlyAdmins", "Parameters"
# Worth another read, merge and put: a concurrent writer, throttling, a service hiccup.
TRANSIENT = frozenset({"ConcurrentModificationException", "ThrottlingException", "InternalServiceException"})
INVALID_INPUT = "InvalidInputException"
INVALID_PRINCIPAL_HINT = (
    "Lake Formation refuses the whole settings object when one of its principals does not exist: an IAM role "
    "deleted while it was a data-lake administrator or read-only administrator stays in the lists and must be "
    "removed (Lake Formation console, Administrative roles and tasks) before anyone can change the settings"
)


@dataclass(frozen=True)
class Change:
    """What the mesh wants of the settings: principals present, principals absent, parameters set."""

    admins: tuple[str, ...] = ()
    read_only: tuple[str, ...] = ()
    parameters: dict[str, str] = field(default_factory=dict)
    removed: frozenset[str] = frozenset()
    # Declared administrators that were read-only before (and the reverse): moved, not doubled.
    demoted: frozenset[str] = frozenset()


def on_event(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return handle(event, boto3.client("lakeformation", config=CLIENT_CONFIG), Deadline.of(context))


def physical_id(props: dict[str, Any]) -> str:
    return f"lakeformation-settings/{props['CatalogId']}"


def _strings(values: Iterable[Any]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(str(v) for v in values))


def change_of(event: dict[str, Any]) -> Change:
    """The request as a ``Change``."""
    props = event["ResourceProperties"]
    admins, read_only = _strings(props.get("Admins", [])), _strings(props.get("ReadOnlyAdmins", []))
    if event["RequestType"] == "Delete":
        keep = set(_strings(props.get("KeepOnDelete", [])))
        return Change(removed=frozenset((set(admins) | set(read_only)) - keep))
    old = event.get("OldResourceProperties") or {}
    old_admins, old_read_only = set(_strings(old.get("Admins", []))), set(_strings(old.get("ReadOnlyAdmins", [])))
    declared = set(admins) | set(read_only)
    removed = (old_admins | old_read_only | set(_strings(props.get("Retired", [])))) - declared
    return Change(
        admins=admins,
        read_only=tuple(p for p in read_only if p not in admins),
        parameters={str(k): str(v) for k, v in (props.get("Parameters") or {}).items()},
        removed=frozenset(removed),
        demoted=frozenset(old_admins & set(read_only)),
    )


def _identifiers(principals: Sequence[dict[str, Any]]) -> list[str]:
    return [p["DataLakePrincipalIdentifier"] for p in principals]


def _principals(identifiers: Iterable[str]) -> list[dict[str, str]]:
    return [{"DataLakePrincipalIdentifier": i} for i in identifiers]


def merged(settings: dict[str, Any], change: Change) -> dict[str, Any]:
    """``settings`` with ``change`` applied; every other field, and every principal and parameter
    the change does not name, as it was (existing entries keep their order, new ones follow)."""
    admins = [a for a in _identifiers(settings.get(ADMINS, [])) if a not in change.removed | change.demoted]
    admins += [a for a in change.admins if a not in admins]
    read_only = [
        r for r in _identifiers(settings.get(READ_ONLY, [])) if r not in change.removed and r not in change.admins
    ]
    read_only += [r for r in change.read_only if r not in read_only and r not in admins]
    out = dict(settings)
    # A list or map Get did not return stays absent when it stays empty: the comparison with
    # the current settings then finds "nothing to change", and nothing is written.
    for key, value in (
        (ADMINS, _principals(admins)),
        (READ_ONLY, _principals(read_only)),
        (PARAMETERS, {**settings.get(PARAMETERS, {}), **change.parameters}),
    ):
        if value or key in settings:
            out[key] = value
    return out


def holds(settings: dict[str, Any], change: Change) -> bool:
    """Whether ``settings`` has every declared principal and parameter (what a concurrent writer
    could have dropped); removals are not re-checked: a writer re-adding a principal meant to."""
    admins = set(_identifiers(settings.get(ADMINS, [])))
    read_only = set(_identifiers(settings.get(READ_ONLY, []))) | admins
    parameters = settings.get(PARAMETERS, {})
    return (
        set(change.admins) <= admins
        and set(change.read_only) <= read_only
        and all(parameters.get(k) == v for k, v in change.parameters.items())
    )


def handle(event: dict[str, Any], client: Any, deadline: Deadline) -> dict[str, Any]:
    props = event["ResourceProperties"]
    catalog = str(props["CatalogId"])
    change = change_of(event)
    LOG.info(
        "%s Lake Formation settings of %s: %d admins, %d read-only admins, parameters %s, removing %s",
        event["RequestType"],
        catalog,
        len(change.admins),
        len(change.read_only),
        sorted(change.parameters),
        sorted(change.removed),
    )
    apply(client, catalog, change, deadline)
    if event["RequestType"] == "Delete":
        return {"PhysicalResourceId": event["PhysicalResourceId"]}
    return {"PhysicalResourceId": physical_id(props)}


def apply(client: Any, catalog: str, change: Change, deadline: Deadline) -> None:
    """Read, merge, put, read again; merged again (bounded backoff) while a concurrent writer
    dropped part of the change or the put failed transiently; raise when that does not end."""
    for delay in (*RETRY_DELAYS, None):
        deadline.check(f"changing the Lake Formation settings of {catalog}")
        current = client.get_data_lake_settings(CatalogId=catalog)["DataLakeSettings"]
        wanted = merged(current, change)
        if wanted == current:
            return
        try:
            client.put_data_lake_settings(CatalogId=catalog, DataLakeSettings=wanted)
        except ClientError as error:
            code = error_code(error)
            # An invalid principal is retried too: a role created seconds before in this stack (the
            # management role) may not be visible to Lake Formation yet (IAM is eventually consistent).
            last = code not in (*TRANSIENT, INVALID_INPUT) or delay is None or not deadline.allows(delay)
            if last and code == INVALID_INPUT:
                raise RuntimeError(
                    f"Lake Formation refused the settings of {catalog}: {error}. {INVALID_PRINCIPAL_HINT}"
                ) from error
            if last:
                raise
            LOG.info("PutDataLakeSettings: %s, reading and merging again in %s s", code, delay)
        else:
            if holds(client.get_data_lake_settings(CatalogId=catalog)["DataLakeSettings"], change):
                return
            if delay is None or not deadline.allows(delay):
                break
            LOG.info("another writer replaced the settings meanwhile: merging again in %s s", delay)
        deadline.sleep(delay)
    raise RuntimeError(
        f"the Lake Formation settings of {catalog} still lack the mesh's principals or parameters after "
        f"{len(RETRY_DELAYS)} retries: another writer keeps replacing them (who else calls PutDataLakeSettings "
        "in this account?)"
    )
