"""What a plan compares, said first: the mesh folder, the baseline (which revision, and why that
one) and the target, so a reader knows what "334 added" is relative to."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Compared:
    mesh_folder: str  # "environments (context.mesh_dir of cdk.json)"
    baseline: str  # "git 1a2b3c4d, merge base of HEAD and main"
    target: str  # "the working tree, synthesized" | "the cloud assembly cdk.out"
    # Why the baseline holds nothing, when it does not (a new folder, nothing deployed yet).
    notes: tuple[str, ...] = field(default_factory=tuple)

    def lines(self) -> list[str]:
        out = [f"Mesh folder: {self.mesh_folder}", f"Baseline:    {self.baseline}", f"Target:      {self.target}"]
        return out + [f"NOTE: {note}" for note in self.notes]

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "notes": list(self.notes)}


def git_side(commit: str, how: str) -> str:
    return f"git {commit[:10]}, {how}"


def new_folder_note(folder: str, commit: str) -> str:
    return (
        f"revision {commit[:10]} has no mesh folder {folder} (a new mesh): every resource below is new; compare "
        "with a revision that has it (--baseline git:REV) or with what is deployed (--baseline deployed)"
    )


def outside_note(folder: str, commit: str) -> str:
    return (
        f"the mesh folder {folder} is outside this repository: the baseline is revision {commit[:10]}'s code "
        "applied to the folder as it is now, so the plan shows what the code changes, not the folder's edits"
    )


EMPTY_DEPLOYED_NOTE = "none of these stacks is deployed yet: every resource below is new"
EMPTY_BASELINE_NOTE = "the baseline holds none of these stacks: every resource below is new"
