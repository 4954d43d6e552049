"""Custom-resource handler: a set of Lake Formation grants, kept equal to what is declared.

Resource properties::

    Name       stable name of the set (part of the physical id; its name in the registry)
    CatalogId  the account id
    Registry   the account's grant registry (DynamoDB table name; default: $GRANT_REGISTRY_TABLE)
    Grants     [{Principal, Database, Table, Permissions, Grantable, CatalogId?, Filter?, Columns?}]:
               Table "" for the database itself, "*" for every table of it (TableWildcard);
               CatalogId: the catalog holding the database (another account's for a shared
               table, default the resource's CatalogId); Filter: a data-cells filter of the
               table (shared tables seen through a filter); Columns: SELECT on these only
               or [{Principal, Location, Permissions, Grantable}]: a data location (the S3 ARN
               of a registered location or a prefix of it, in the resource's CatalogId), for
               DATA_LOCATION_ACCESS

Why a custom resource and not one ``AWS::LakeFormation::PrincipalPermissions`` per grant: the
principals (SMUS project roles) are known only at deploy time, a catalog of thousands of tables
would need thousands of resources chained one after another (parallel grants fail with
ConcurrentModificationException, aws/aws-cdk #36215), and every property of that resource is
create-only. BatchGrantPermissions takes 20 entries a call; granting what is already granted is
a no-op, so Create and Update are idempotent. Update revokes what was removed from the
declaration, Delete what was declared, and both tolerate what is already gone.

Several sets of one account can declare the same permission (the products stack and the
team-grants stack: DESCRIBE on a database for the same role), and Lake Formation keeps it once:
revoking it for one set revokes it for all. So a set revokes only what no other set still
declares, as recorded in the account's grant registry (``grant_registry``). The principals are
project roles known only at deploy time, so the overlap cannot be found at synth; the registry
sees the resolved values. Every request:

1. reads the registry (``mine``: what it says this set declared, the leftovers of a failed
   create included: the framework skips the Delete after a failed Create);
2. registers the new declaration, before any grant, then forgets the keys no longer declared;
3. revokes what the set no longer declares less what the other sets declare (a fresh,
   strongly consistent read, after its own registration changes);
4. reads again and grants back what another set declared in between;
5. grants the declaration.

Why this is safe without locks, for a set A revoking X while a set B declares X concurrently
(B registers in step 2 before it grants in step 5): if B registered before A's step-3 read, A
does not revoke X; if between A's two reads, A grants X back after its revoke; if after A's
second read, B's grant comes after A's revoke. Either deletion order ends with X granted while
one set declares it, and revoked once none does; a re-deploy re-registers the whole declaration.
Two sets deleting X together both forget it before they read, so X is not left behind.
"""

from __future__ import annotations

import os
from typing import Any

import boto3

from .grant_registry import GrantRegistry, Key, Perms, RegistryMissing, declared_by_others, less_declared_by
from .support import CLIENT_CONFIG, LOG, RETRY_DELAYS, Deadline, LambdaContext

BATCH = 20  # BatchGrantPermissions / BatchRevokePermissions entries per call
# Failures worth another try: concurrent grants on the same resource, and throttling.
TRANSIENT = frozenset({"ConcurrentModificationException", "ThrottlingException", "InternalServiceException"})
# Revoking what is not (or no longer) granted: the wanted state already holds.
ALREADY_REVOKED = frozenset({"EntityNotFoundException"})
NO_PERMISSIONS = "no permissions"
# The registry's table when a resource does not name it (one deployed before the registry existed).
REGISTRY_ENV = "GRANT_REGISTRY_TABLE"


def on_event(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return handle(
        event,
        boto3.client("lakeformation", config=CLIENT_CONFIG),
        boto3.client("dynamodb", config=CLIENT_CONFIG),
        Deadline.of(context),
    )


def physical_id(props: dict[str, Any]) -> str:
    return f"lakeformation-grants/{props['Name']}"


def registry_table(props: dict[str, Any]) -> str:
    table = props.get("Registry") or os.environ.get(REGISTRY_ENV)
    if not table:
        raise RegistryMissing(f"no grant registry: the resource has no Registry property and ${REGISTRY_ENV} is unset")
    return str(table)


def handle(event: dict[str, Any], client: Any, dynamodb: Any, deadline: Deadline) -> dict[str, Any]:
    request = event["RequestType"]
    props = event["ResourceProperties"]
    catalog, name = props["CatalogId"], props["Name"]
    registry = GrantRegistry(dynamodb, registry_table(props), deadline)
    wanted = {} if request == "Delete" else declared(props, catalog)
    LOG.info("%s %d Lake Formation grants (%s)", request, len(wanted), name)
    # What this set declared before. A renamed set (a new physical id) is a new set: CloudFormation
    # deletes the old one afterwards, and that Delete releases the old name's grants.
    old = props if request == "Delete" else event.get("OldResourceProperties") or {}
    before = declared(old, catalog) if old.get("Name") == name else {}
    try:
        mine = registry.snapshot().get(name, {})
    except RegistryMissing:
        if request != "Delete":
            raise
        # No registry means the account's foundation stack is gone, and with it every stack of
        # the stage that could declare an overlapping grant (they depend on it): revoke as declared.
        LOG.warning("grant registry %s is gone: revoking the whole declaration of %s", registry_table(props), name)
        revoke(client, before, deadline)
        return {"PhysicalResourceId": event["PhysicalResourceId"]}
    before = merged(before, mine)
    if wanted:
        registry.register(name, wanted)
    registry.deregister(name, before.keys() - wanted.keys())
    gone = removed(before, wanted)
    if gone:
        release(client, registry, name, gone, deadline)
    if wanted:
        grant(client, wanted, deadline)
    if request == "Delete":
        return {"PhysicalResourceId": event["PhysicalResourceId"]}
    return {"PhysicalResourceId": physical_id(props)}


def release(client: Any, registry: GrantRegistry, name: str, gone: Perms, deadline: Deadline) -> None:
    """Revoke ``gone`` less what the other sets declare; then grant back what another set
    registered while this ran (the module docstring says why that closes the race)."""
    revoking = less_declared_by(gone, declared_by_others(registry.snapshot(), name, gone))
    kept = len(gone) - len(revoking)
    if kept:
        LOG.info("%d grants stay, other grant sets of the account still declare them", kept)
    if not revoking:
        return
    revoke(client, revoking, deadline)
    again = declared_by_others(registry.snapshot(), name, revoking)
    if again:
        LOG.info("%d grants declared by another set again, granting them back", len(again))
        grant(client, again, deadline)


def merged(a: Perms, b: Perms) -> Perms:
    out = dict(a)
    for key, (granted, grantable) in b.items():
        now, now_grantable = out.get(key, (frozenset(), frozenset()))
        out[key] = (now | granted, now_grantable | grantable)
    return out


def declared(props: dict[str, Any], catalog: str) -> Perms:
    out: Perms = {}
    for g in props.get("Grants", []):
        key: Key
        if g.get("Location"):
            key = (g["Principal"], g.get("CatalogId") or catalog, "", "", "", (), g["Location"])
        else:
            key = (
                g["Principal"],
                g.get("CatalogId") or catalog,
                g["Database"],
                g.get("Table", ""),
                g.get("Filter", ""),
                tuple(sorted(g.get("Columns", []))),
                "",
            )
        perms, grantable = out.get(key, (frozenset(), frozenset()))
        wanted_grantable = frozenset(g.get("Grantable", []))
        # A grantable permission is granted too (BatchGrantPermissions gets both lists): counted
        # as granted, comparisons with other declarations and removals see the effective grant.
        out[key] = (perms | set(g.get("Permissions", [])) | wanted_grantable, grantable | wanted_grantable)
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
    _, catalog, database, table, data_filter, columns, location = key
    if location:
        return {"DataLocation": {"CatalogId": catalog, "ResourceArn": location}}
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


def grant(client: Any, perms: Perms, deadline: Deadline) -> None:
    _batched(client.batch_grant_permissions, entries(perms), deadline, tolerate=lambda _: False)


def revoke(client: Any, perms: Perms, deadline: Deadline) -> None:
    def gone(error: dict[str, str]) -> bool:
        code, message = error.get("ErrorCode", ""), error.get("ErrorMessage", "")
        return code in ALREADY_REVOKED or (code == "InvalidInputException" and NO_PERMISSIONS in message.lower())

    _batched(client.batch_revoke_permissions, entries(perms), deadline, tolerate=gone)


def _batched(call: Any, pending: list[dict[str, Any]], deadline: Deadline, tolerate: Any) -> None:
    """Every entry through ``call`` in batches; transient failures are sent again with a bounded
    backoff, tolerated ones dropped, anything else raised with the entries it concerns."""
    for delay in (*RETRY_DELAYS, None):
        failed: list[tuple[dict[str, Any], dict[str, str]]] = []
        for start in range(0, len(pending), BATCH):
            deadline.check(f"sending Lake Formation grants or revokes ({start} of {len(pending)} done)")
            result = call(Entries=pending[start : start + BATCH])
            failed += [(f["RequestEntry"], f.get("Error", {})) for f in result.get("Failures", [])]
        failed = [(e, err) for e, err in failed if not tolerate(err)]
        permanent = [(e, err) for e, err in failed if err.get("ErrorCode") not in TRANSIENT]
        if permanent:
            raise RuntimeError("Lake Formation refused: " + "; ".join(_describe(e, err) for e, err in permanent))
        if not failed:
            return
        if delay is None or not deadline.allows(delay):
            raise RuntimeError("Lake Formation still busy after retries: " + _describe(*failed[0]))
        LOG.info("%d entries failed transiently, retrying in %s s", len(failed), delay)
        deadline.sleep(delay)
        pending = [e for e, _ in failed]


def _describe(entry: dict[str, Any], error: dict[str, str]) -> str:
    principal = entry.get("Principal", {}).get("DataLakePrincipalIdentifier", "?")
    target = _target(entry.get("Resource", {}))
    return f"{', '.join(entry.get('Permissions', []))} on {target} for {principal}: {error.get('ErrorCode')} " + (
        error.get("ErrorMessage") or ""
    )


def _target(res: dict[str, Any]) -> str:
    if "DataLocation" in res:
        return f"location {res['DataLocation']['ResourceArn']}"
    if "Database" in res:
        return f"database {res['Database']['Name']}"
    if "DataCellsFilter" in res:
        f = res["DataCellsFilter"]
        return f"filter {f['Name']} of table {f['DatabaseName']}.{f['TableName']}"
    table = res.get("Table") or res.get("TableWithColumns", {})
    return f"table {table.get('DatabaseName')}.{table.get('Name', '*')}"
