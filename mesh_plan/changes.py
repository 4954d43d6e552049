"""Compare the templates a deployment would apply with a baseline, resource by resource."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from typing import Any

from mesh_plan.assembly import StackTemplate
from mesh_plan.names import mesh_name
from mesh_plan.schemas import create_only_paths

# CDK's own bookkeeping, never a change anyone reviews.
IGNORED_TYPES = frozenset({"AWS::CDK::Metadata"})


class Action(StrEnum):
    ADDED = "added"
    UPDATED = "updated in place"
    REPLACED = "replaced"
    DELETED = "deleted"
    ORPHANED = "orphaned (retained)"


@dataclass(frozen=True)
class Change:
    stack: str
    logical_id: str
    resource_type: str
    action: Action
    # Why it is replaced: the create-only properties that changed, or the logical id it moves to.
    reasons: tuple[str, ...] = field(default_factory=tuple)
    # Its mesh name (project, table, unit, subscription...): mesh_plan.names.
    name: str = ""

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "action": self.action.value, "reasons": list(self.reasons)}


def _at(properties: Any, path: tuple[str, ...]) -> Any:
    for part in path:
        properties = properties.get(part) if isinstance(properties, dict) else None
    return properties


# Physical names: with the create-only values they tell one resource from its siblings.
NAME_PATHS = (("Name",), ("RoleName",), ("BucketName",), ("DatabaseInput", "Name"), ("TableInput", "Name"))


def _identity(resource: dict[str, Any]) -> tuple[str, str] | None:
    """What makes two logical ids the same physical resource: its type, create-only values and name."""
    paths = create_only_paths(resource["Type"]) + NAME_PATHS
    values = [repr(_at(resource.get("Properties", {}), p)) for p in paths]
    if all(v == "None" for v in values):
        return None
    return resource["Type"], "|".join(values)


def _retained(resource: dict[str, Any]) -> bool:
    return resource.get("DeletionPolicy") in ("Retain", "RetainExceptOnCreate", "Snapshot")


def plan(baseline: Mapping[str, StackTemplate], target: Mapping[str, StackTemplate]) -> list[Change]:
    """Every resource change from ``baseline`` to ``target`` (stack name -> template)."""
    changes: list[Change] = []
    removed: dict[tuple[str, str], tuple[str, str, dict[str, Any]]] = {}
    added: list[tuple[str, str, dict[str, Any]]] = []
    for name in sorted(set(baseline) | set(target)):
        old = baseline[name].resources if name in baseline else {}
        new = target[name].resources if name in target else {}
        for logical_id in sorted(set(old) | set(new)):
            before, after = old.get(logical_id), new.get(logical_id)
            kind = (after or before or {}).get("Type", "")
            if kind in IGNORED_TYPES:
                continue
            if before is None:
                added.append((name, logical_id, after))  # type: ignore[arg-type]
            elif after is None:
                key = _identity(before)
                if key is not None:
                    removed[key] = (name, logical_id, before)
                changes.append(_deletion(name, logical_id, before))
            elif before.get("Type") != after.get("Type"):
                changes.append(Change(name, logical_id, kind, Action.REPLACED, ("Type",)))
            elif before.get("Properties") != after.get("Properties"):
                paths = create_only_paths(kind)
                forced = [
                    "/".join(p)
                    for p in paths
                    if _at(before.get("Properties", {}), p) != _at(after.get("Properties", {}), p)
                ]
                action = Action.REPLACED if forced else Action.UPDATED
                changes.append(Change(name, logical_id, kind, action, tuple(forced)))
    moved_to: dict[tuple[str, str], str] = {}
    for name, logical_id, resource in added:
        key = _identity(resource)
        if key is not None and key in removed:
            old_stack, old_id, _ = removed[key]
            moved_to[(old_stack, old_id)] = f"{name}/{logical_id}"
        changes.append(Change(name, logical_id, resource["Type"], Action.ADDED))
    # A resource whose logical id or stack moved is deleted and created again: a replacement.
    out = []
    for change in changes:
        target_id = moved_to.get((change.stack, change.logical_id))
        if target_id is not None and change.action in (Action.DELETED, Action.ORPHANED):
            change = Change(change.stack, change.logical_id, change.resource_type, Action.REPLACED,
                            (f"logical id moved to {target_id}",))  # fmt: skip
        out.append(replace(change, name=_name(change, target, baseline)))
    return sorted(out, key=lambda c: (c.stack, c.logical_id))


def _name(change: Change, *sides: Mapping[str, StackTemplate]) -> str:
    """The resource's mesh name as the target declares it, or as the baseline did for a removal."""
    for side in sides:
        stack = side.get(change.stack)
        resource = stack.template.get("Resources", {}).get(change.logical_id) if stack is not None else None
        if resource is not None:
            return mesh_name(resource, stack.path)
    return ""


def _deletion(stack: str, logical_id: str, resource: dict[str, Any]) -> Change:
    action = Action.ORPHANED if _retained(resource) else Action.DELETED
    return Change(stack, logical_id, resource["Type"], action)
