"""Which grant sets of an account declare which Lake Formation permissions: the reference count
that keeps one set's delete (or update) from revoking what another set still declares.

Lake Formation keeps one permission per (principal, resource, permission), whoever granted it:
when the products stack and the team-grants stack both declare DESCRIBE on a database for the
same role, revoking it for one revokes it for both. So every grants custom resource of the
account records its declaration here, and revokes only what no other set declares.

The table (``LakeFormationGrantRegistry``, owned by the account's foundation stack) holds one
item per (grant, set): partition key ``Grant`` = a hash of the grant's key (principal, catalog,
database, table, filter, columns, location: the key itself can exceed DynamoDB's 2 KB key limit
with many columns), sort key ``GrantSet`` = the set's name; ``Key`` (the key, JSON), ``Permissions``
and ``Grantable`` (lists). A key's JSON names the location only when there is one (a data-location
grant), so the keys registered before data-location grants existed keep their hash. Reads are
strongly consistent scans: a set's revoke must see every registration written before it, and
the table holds one item per declared grant of the account, a few pages at most.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from botocore.exceptions import ClientError

from .support import LOG, RETRY_DELAYS, Deadline, OutOfTime, error_code

# principal, catalog, database, table ("" = database, "*" = all tables), filter, columns, and the
# S3 ARN of a data location ("" for catalog resources; database and table are "" for a location)
Key = tuple[str, str, str, str, str, tuple[str, ...], str]
# key -> (permissions, grantable permissions)
Perms = dict[Key, tuple[frozenset[str], frozenset[str]]]

WRITE_BATCH = 25  # BatchWriteItem's maximum
MISSING = "ResourceNotFoundException"


class RegistryMissing(RuntimeError):
    """The account's registry table does not exist (the foundation stack is not deployed)."""


def key_hash(key: Key) -> str:
    return hashlib.sha256(json.dumps(_key_json(key)).encode()).hexdigest()


def _key_json(key: Key) -> list[Any]:
    # Six elements for a catalog resource, as before data locations: the same hash, the same item.
    return [*key[:5], list(key[5]), *([key[6]] if key[6] else [])]


def _key_from(text: str) -> Key:
    principal, catalog, database, table, data_filter, columns, *location = json.loads(text)
    return (principal, catalog, database, table, data_filter, tuple(columns), location[0] if location else "")


def _strings(values: Iterable[str]) -> dict[str, Any]:
    return {"L": [{"S": v} for v in sorted(values)]}


class GrantRegistry:
    """The account's registry table through a low-level DynamoDB client (Stubber-testable)."""

    def __init__(self, client: Any, table: str, deadline: Deadline) -> None:
        self._client, self._table, self._deadline = client, table, deadline

    def snapshot(self) -> dict[str, Perms]:
        """Set name -> its registered declaration; strongly consistent, every page."""
        out: dict[str, Perms] = {}
        pages = self._client.get_paginator("scan").paginate(TableName=self._table, ConsistentRead=True)
        try:
            for page in pages:
                for item in page.get("Items", []):
                    declared = out.setdefault(item["GrantSet"]["S"], {})
                    declared[_key_from(item["Key"]["S"])] = (
                        frozenset(v["S"] for v in item.get("Permissions", {}).get("L", [])),
                        frozenset(v["S"] for v in item.get("Grantable", {}).get("L", [])),
                    )
        except ClientError as error:
            if error_code(error) == MISSING:
                raise RegistryMissing(
                    f"the Lake Formation grant registry (DynamoDB table {self._table}) does not exist: deploy the "
                    "account's foundation stack first"
                ) from error
            raise
        return out

    def register(self, grant_set: str, perms: Perms) -> None:
        """Record (or overwrite) ``grant_set``'s declaration of each key of ``perms``."""
        self._write(
            {
                "PutRequest": {
                    "Item": {
                        "Grant": {"S": key_hash(key)},
                        "GrantSet": {"S": grant_set},
                        "Key": {"S": json.dumps(_key_json(key))},
                        "Permissions": _strings(granted),
                        "Grantable": _strings(grantable),
                    }
                }
            }
            for key, (granted, grantable) in sorted(perms.items())
        )

    def deregister(self, grant_set: str, keys: Iterable[Key]) -> None:
        """Forget ``grant_set``'s declaration of ``keys`` (deleting an absent item is a no-op)."""
        self._write(
            {"DeleteRequest": {"Key": {"Grant": {"S": key_hash(key)}, "GrantSet": {"S": grant_set}}}}
            for key in sorted(keys)
        )

    def _write(self, requests: Iterable[dict[str, Any]]) -> None:
        """BatchWriteItem, 25 at a time; what DynamoDB leaves unprocessed (throttling) is sent
        again with the bounded backoff, within the invocation's deadline."""
        pending = list(requests)
        for start in range(0, len(pending), WRITE_BATCH):
            batch = pending[start : start + WRITE_BATCH]
            for delay in (*RETRY_DELAYS, None):
                try:
                    result = self._client.batch_write_item(RequestItems={self._table: batch})
                except ClientError as error:
                    if error_code(error) == MISSING:
                        raise RegistryMissing(
                            f"the Lake Formation grant registry (DynamoDB table {self._table}) does not exist: "
                            "deploy the account's foundation stack first"
                        ) from error
                    raise
                batch = result.get("UnprocessedItems", {}).get(self._table, [])
                if not batch:
                    break
                if delay is None or not self._deadline.allows(delay):
                    raise OutOfTime(
                        f"the grant registry {self._table} left {len(batch)} writes unprocessed after retries"
                    )
                LOG.info("%d registry writes unprocessed, retrying in %s s", len(batch), delay)
                self._deadline.sleep(delay)


def declared_by_others(snapshot: dict[str, Perms], grant_set: str, keys: Iterable[Key]) -> Perms:
    """What the sets other than ``grant_set`` declare on ``keys``, merged per key."""
    wanted = set(keys)
    out: Perms = {}
    for name, declared in snapshot.items():
        if name == grant_set:
            continue
        for key, (granted, grantable) in declared.items():
            if key in wanted:
                now, now_grantable = out.get(key, (frozenset(), frozenset()))
                out[key] = (now | granted, now_grantable | grantable)
    return out


def less_declared_by(perms: Perms, others: Perms) -> Perms:
    """``perms`` less what ``others`` declare: a permission another set declares stays, and so
    does its grant option when another set declares that."""
    out: Perms = {}
    for key, (granted, grantable) in perms.items():
        other, other_grantable = others.get(key, (frozenset(), frozenset()))
        gone, gone_grantable = granted - other - other_grantable, grantable - other_grantable
        if gone or gone_grantable:
            out[key] = (frozenset(gone), frozenset(gone_grantable))
    return out
