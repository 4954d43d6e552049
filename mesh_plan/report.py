"""The plan for people (a table per environment and stack) and for tools (JSON)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from mesh_plan.changes import Action, Change
from mesh_plan.header import Compared
from mesh_plan.rules import STATEFUL_TYPES, Violation


def render(
    changes: Sequence[Change],
    envs: Mapping[str, str],
    problems: Sequence[Violation],
    order: Sequence[str] = (),
    compared: Compared | None = None,
) -> str:
    """``envs``: stack name -> environment name; ``order``: environments in promotion order;
    ``compared``: what was compared, said first."""
    lines: list[str] = [*compared.lines(), ""] if compared else []
    if not changes:
        return "\n".join([*lines, "No changes."])
    by_env: dict[str, dict[str, list[Change]]] = {}
    for change in changes:
        by_env.setdefault(envs.get(change.stack, "?"), {}).setdefault(change.stack, []).append(change)
    flagged = {id(v.change) for v in problems}
    rank = {name: i for i, name in enumerate(order)}
    for env, stacks in sorted(by_env.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0])):
        lines.append(f"Environment {env}")
        for stack, items in stacks.items():
            lines.append(f"  {stack}")
            for c in items:
                mark = "!!" if id(c) in flagged else ("* " if c.resource_type in STATEFUL_TYPES else "  ")
                why = f"  ({'; '.join(c.reasons)})" if c.reasons else ""
                what = f"{c.name}  [{c.logical_id}]" if c.name else c.logical_id
                lines.append(f"    {mark} {c.action.value:<20} {c.resource_type:<40} {what}{why}")
    counts = {a: sum(1 for c in changes if c.action is a) for a in Action}
    lines.append("")
    lines.append(", ".join(f"{n} {a.value}" for a, n in counts.items() if n))
    lines.append("(* holds data or identity; !! refused)")
    if problems:
        lines.append("")
        lines.append(f"REFUSED: {len(problems)} change{'s' if len(problems) > 1 else ''} would lose data or identity:")
        for v in problems:
            lines.append(f"  - {v.message}\n    fix: {v.fix}")
    return "\n".join(lines)


def to_json(
    changes: Sequence[Change], envs: Mapping[str, str], problems: Sequence[Violation], compared: Compared | None = None
) -> dict[str, Any]:
    flagged = {id(v.change): v for v in problems}
    return {
        **({"compared": compared.to_json()} if compared else {}),
        "changes": [
            {
                **c.to_json(),
                "environment": envs.get(c.stack),
                "stateful": c.resource_type in STATEFUL_TYPES,
                "refused": id(c) in flagged,
                **({"fix": flagged[id(c)].fix} if id(c) in flagged else {}),
            }
            for c in changes
        ],
        "refused": len(problems),
    }
