"""Custom-resource handler: a set of Lake Formation grants, kept equal to what is declared.

Resource properties::

    Name       stable name of the set (part of the physical id)
    CatalogId  the account id
    Grants     [{Principal, Database, Table, Permissions, Grantable, CatalogId?, Filter?, Columns?}]:
               Table "" for the database itself, "*" for every table of it (TableWildcard);
               CatalogId: the catalog holding the database (another account's for a shared
               table, default the resource's CatalogId); Filter: a data-cells filter of the
               table (shared tables seen through a filter); Columns: SELECT on these only

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

# principal, catalog, database, table ("" = database, "*" = all tables), filter, columns
Key = tuple[str, str, str, str, str, tuple[str, ...]]


def on_event(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return handle(event, boto3.client("lakeformation", config=CLIENT_CONFIG), time.sleep)


def physical_id(props: dict[str, Any]) -> str:
    return f"lakeformation-grants/{props['Name']}"


def handle(event: dict[str, Any], client: Any, sleep: Sleep) -> dict[str, Any]:
    request = event["RequestType"]
    props = event["ResourceProperties"]
    catalog = props["CatalogId"]
    wanted = declared(props, catalog)
    LOG.info("%s %d Lake Formation grants (%s)", request, len(wanted), props["Name"])
    if request == "Delete":
        revoke(client, wanted, sleep)
        return {"PhysicalResourceId": event["PhysicalResourceId"]}
    if request == "Update":
        before = declared(event.get("OldResourceProperties", {}), catalog)
        revoke(client, removed(before, wanted), sleep)
    grant(client, wanted, sleep)
    return {"PhysicalResourceId": physical_id(props)}


Perms = dict[Key, tuple[frozenset[str], frozenset[str]]]


def declared(props: dict[str, Any], catalog: str) -> Perms:
    out: Perms = {}
    for g in props.get("Grants", []):
        columns = tuple(sorted(g.get("Columns", [])))
        key = (
            g["Principal"],
            g.get("CatalogId") or catalog,
            g["Database"],
            g.get("Table", ""),
            g.get("Filter", ""),
            columns,
        )
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


def resource(key: Key) -> dict[str, Any]:
    _, catalog, database, table, data_filter, columns = key
    if table == "":
        return {"Database": {"CatalogId": catalog, "Name": database}}
    if table == "*":
        return {"Table": {"CatalogId": catalog, "DatabaseName": database, "TableWildcard": {}}}
    if data_filter:
        return {
            "DataCellsFilter": {
                "TableCatalogId": catalog,
                "DatabaseName": database,
                "TableName": table,
                "Name": data_filter,
            }
        }
    if columns:
        return {
            "TableWithColumns": {
                "CatalogId": catalog,
                "DatabaseName": database,
                "Name": table,
                "ColumnNames": list(columns),
            }
        }
    return {"Table": {"CatalogId": catalog, "DatabaseName": database, "Name": table}}


def entries(perms: Perms) -> list[dict[str, Any]]:
    out = []
    for i, (key, (granted, grantable)) in enumerate(sorted(perms.items())):
        entry: dict[str, Any] = {
            "Id": str(i),
            "Principal": {"DataLakePrincipalIdentifier": key[0]},
            "Resource": resource(key),
            "Permissions": sorted(granted | grantable),
        }
        if grantable:
            entry["PermissionsWithGrantOption"] = sorted(grantable)
        out.append(entry)
    return out


def grant(client: Any, perms: Perms, sleep: Sleep) -> None:
    _batched(client.batch_grant_permissions, entries(perms), sleep, tolerate=lambda _: False)


def revoke(client: Any, perms: Perms, sleep: Sleep) -> None:
    def gone(error: dict[str, str]) -> bool:
        code, message = error.get("ErrorCode", ""), error.get("ErrorMessage", "")
        return code in ALREADY_REVOKED or (code == "InvalidInputException" and NO_PERMISSIONS in message.lower())

    _batched(client.batch_revoke_permissions, entries(perms), sleep, tolerate=gone)


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
    if "DataCellsFilter" in res:
        f = res["DataCellsFilter"]
        return f"filter {f['Name']} of table {f['DatabaseName']}.{f['TableName']}"
    table = res.get("Table") or res.get("TableWithColumns", {})
    return f"table {table.get('DatabaseName')}.{table.get('Name', '*')}"
