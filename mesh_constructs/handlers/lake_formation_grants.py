"""Custom-resource handler: a set of Lake Formation grants, kept equal to what is declared.

Resource properties::

    Name       stable name of the set (part of the physical id)
    CatalogId  the account id
    Grants     [{Principal, Database, Table, Permissions, Grantable}], Table "" for the database
               itself, "*" for every table of it (TableWildcard)

Why a custom resource and not one ``AWS::LakeFormation::PrincipalPermissions`` per grant: the
principals (SMUS project roles) are known only at deploy time, a catalog of thousands of tables
would need thousands of resources chained one after another (parallel grants fail with
ConcurrentModificationException, aws/aws-cdk #36215), and every property of that resource is
create-only. BatchGrantPermissions takes 20 entries a call; granting what is already granted is
a no-op, so Create and Update are idempotent. Update revokes exactly what was removed from the
declaration. Delete revokes everything declared and tolerates what is already gone.
"""

from __future__ import annotations

import time
from typing import Any

import boto3

from .support import CLIENT_CONFIG, LOG, RETRY_DELAYS, Sleep

BATCH = 20  # BatchGrantPermissions / BatchRevokePermissions entries per call
# Failures worth another try: concurrent grants on the same resource, and throttling.
TRANSIENT = frozenset({"ConcurrentModificationException", "ThrottlingException", "InternalServiceException"})
# Revoking what is not (or no longer) granted: the wanted state already holds.
ALREADY_REVOKED = frozenset({"EntityNotFoundException"})
NO_PERMISSIONS = "no permissions"

Key = tuple[str, str, str]  # principal, database, table ("" = database, "*" = all tables)


def on_event(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return handle(event, boto3.client("lakeformation", config=CLIENT_CONFIG), time.sleep)


def physical_id(props: dict[str, Any]) -> str:
    return f"lakeformation-grants/{props['Name']}"


def handle(event: dict[str, Any], client: Any, sleep: Sleep) -> dict[str, Any]:
    request = event["RequestType"]
    props = event["ResourceProperties"]
    catalog = props["CatalogId"]
    wanted = declared(props)
    LOG.info("%s %d Lake Formation grants (%s)", request, len(wanted), props["Name"])
    if request == "Delete":
        revoke(client, catalog, wanted, sleep)
        return {"PhysicalResourceId": event["PhysicalResourceId"]}
    if request == "Update":
        before = declared(event.get("OldResourceProperties", {}))
        revoke(client, catalog, removed(before, wanted), sleep)
    grant(client, catalog, wanted, sleep)
    return {"PhysicalResourceId": physical_id(props)}


Perms = dict[Key, tuple[frozenset[str], frozenset[str]]]


def declared(props: dict[str, Any]) -> Perms:
    out: Perms = {}
    for g in props.get("Grants", []):
        key = (g["Principal"], g["Database"], g.get("Table", ""))
        perms, grantable = out.get(key, (frozenset(), frozenset()))
        out[key] = (perms | set(g.get("Permissions", [])), grantable | set(g.get("Grantable", [])))
    return out


def removed(before: Perms, after: Perms) -> Perms:
    """What ``before`` granted and ``after`` no longer does, per principal and resource."""
    out: Perms = {}
    for key, (perms, grantable) in before.items():
        now, now_grantable = after.get(key, (frozenset(), frozenset()))
        gone, gone_grantable = perms - now, grantable - now_grantable
        if gone or gone_grantable:
            out[key] = (gone, gone_grantable)
    return out


def resource(catalog: str, database: str, table: str) -> dict[str, Any]:
    if table == "":
        return {"Database": {"CatalogId": catalog, "Name": database}}
    if table == "*":
        return {"Table": {"CatalogId": catalog, "DatabaseName": database, "TableWildcard": {}}}
    return {"Table": {"CatalogId": catalog, "DatabaseName": database, "Name": table}}


def entries(catalog: str, perms: Perms) -> list[dict[str, Any]]:
    out = []
    for i, ((principal, database, table), (granted, grantable)) in enumerate(sorted(perms.items())):
        entry: dict[str, Any] = {
            "Id": str(i),
            "Principal": {"DataLakePrincipalIdentifier": principal},
            "Resource": resource(catalog, database, table),
            "Permissions": sorted(granted | grantable),
        }
        if grantable:
            entry["PermissionsWithGrantOption"] = sorted(grantable)
        out.append(entry)
    return out


def grant(client: Any, catalog: str, perms: Perms, sleep: Sleep) -> None:
    _batched(client.batch_grant_permissions, entries(catalog, perms), sleep, tolerate=lambda _: False)


def revoke(client: Any, catalog: str, perms: Perms, sleep: Sleep) -> None:
    def gone(error: dict[str, str]) -> bool:
        code, message = error.get("ErrorCode", ""), error.get("ErrorMessage", "")
        return code in ALREADY_REVOKED or (code == "InvalidInputException" and NO_PERMISSIONS in message.lower())

    _batched(client.batch_revoke_permissions, entries(catalog, perms), sleep, tolerate=gone)


def _batched(call: Any, pending: list[dict[str, Any]], sleep: Sleep, tolerate: Any) -> None:
    """Every entry through ``call`` in batches; transient failures are sent again with a bounded
    backoff, tolerated ones dropped, anything else raised with the entries it concerns."""
    for delay in (*RETRY_DELAYS, None):
        failed: list[tuple[dict[str, Any], dict[str, str]]] = []
        for start in range(0, len(pending), BATCH):
            result = call(Entries=pending[start : start + BATCH])
            failed += [(f["RequestEntry"], f.get("Error", {})) for f in result.get("Failures", [])]
        failed = [(e, err) for e, err in failed if not tolerate(err)]
        permanent = [(e, err) for e, err in failed if err.get("ErrorCode") not in TRANSIENT]
        if permanent:
            raise RuntimeError("Lake Formation refused: " + "; ".join(_describe(e, err) for e, err in permanent))
        if not failed:
            return
        if delay is None:
            raise RuntimeError("Lake Formation still busy after retries: " + _describe(*failed[0]))
        LOG.info("%d entries failed transiently, retrying in %s s", len(failed), delay)
        sleep(delay)
        pending = [e for e, _ in failed]


def _describe(entry: dict[str, Any], error: dict[str, str]) -> str:
    principal = entry.get("Principal", {}).get("DataLakePrincipalIdentifier", "?")
    target = _target(entry.get("Resource", {}))
    return f"{', '.join(entry.get('Permissions', []))} on {target} for {principal}: {error.get('ErrorCode')} " + (
        error.get("ErrorMessage") or ""
    )


def _target(res: dict[str, Any]) -> str:
    if "Database" in res:
        return f"database {res['Database']['Name']}"
    table = res.get("Table", {})
    return f"table {table.get('DatabaseName')}.{table.get('Name', '*')}"
