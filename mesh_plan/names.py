"""A resource's mesh name, read from its template entry, so that a reviewer sees "the project
finance-reporting-dev-project" or "the table finance_dev_catalog.finance_gl_transactions" beside
the logical id the allow_changes entries use."""

from __future__ import annotations

from typing import Any

# Name-like properties, first found wins; only plain strings count (a Ref or Fn::Join names nothing
# a reader recognises).
NAME_PROPERTIES: tuple[tuple[str, ...], ...] = (
    ("TableInput", "Name"),
    ("DatabaseInput", "Name"),
    ("Name",),
    ("RoleName",),
    ("BucketName",),
    ("TableName",),
    ("AliasName",),
    ("FunctionName",),
    ("LogGroupName",),
)
# CDK's metadata key for the construct path (`aws:cdk:enable-path-metadata`, on in `cdk synth`).
PATH_METADATA = "aws:cdk:path"
# Path parts CDK adds below the construct a mesh name is given to.
CDK_LEAVES = frozenset({"Resource", "Default"})


def _at(properties: Any, path: tuple[str, ...]) -> Any:
    for part in path:
        properties = properties.get(part) if isinstance(properties, dict) else None
    return properties


def mesh_name(resource: dict[str, Any] | None, stack_path: str = "") -> str:
    """The resource's name: a Glue table as <database>.<table>, anything else by its name property,
    else by its construct path inside the stack (Subscription-<consumer>-<asset>, Units/finance/
    Owner-<group>), else "". ``stack_path``: the stack's own construct path (dev/Projects-1), cut
    from the front; unknown, the stage's and the stack's parts are."""
    if not resource:
        return ""
    properties = resource.get("Properties") or {}
    for path in NAME_PROPERTIES:
        value = _at(properties, path)
        if isinstance(value, str) and value:
            database = properties.get("DatabaseName")
            if path == ("TableInput", "Name") and isinstance(database, str):
                return f"{database}.{value}"
            return value
    construct_path = (resource.get("Metadata") or {}).get(PATH_METADATA)
    if not isinstance(construct_path, str):
        return ""
    if stack_path and construct_path.startswith(f"{stack_path}/"):
        parts = construct_path.removeprefix(f"{stack_path}/").split("/")
    else:
        parts = construct_path.split("/")[2:]  # <stage>/<stack>/<construct...>
    while parts and parts[-1] in CDK_LEAVES:
        parts.pop()
    return "/".join(parts)
