"""User-facing configuration errors: every problem is collected, then reported once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class ConfigIssue:
    """One problem in one place of one file, with what to do about it."""

    file: str
    path: str
    problem: str
    fix: str
    line: int | None = None

    def render(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        path = self.path or "(document root)"
        return f"{where}  {path}\n    problem: {self.problem}\n    fix:     {self.fix}"


class ConfigError(Exception):
    """Raised once with every issue found; the CLI prints it instead of a traceback."""

    def __init__(self, issues: list[ConfigIssue]) -> None:
        self.issues = sorted(issues, key=lambda i: (i.file, i.line or 0, i.path, i.problem))
        super().__init__(self.render())

    def render(self) -> str:
        count = len(self.issues)
        header = f"The mesh configuration has {count} problem{'s' if count != 1 else ''}:"
        return "\n\n".join([header, *(issue.render() for issue in self.issues)])


def format_path(loc: tuple[str | int, ...]) -> str:
    """('projects', 3, 'profile') -> 'projects[3].profile'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def choices(values: Iterable[str]) -> str:
    """The allowed values, for a fix: sorted, comma-separated."""
    listed = sorted(set(values))
    return ", ".join(listed) if listed else "(none declared yet)"


def repeated_indexes(values: list[str]) -> list[int]:
    """Indexes of every entry equal to an earlier one."""
    counts = Counter(values)
    return [i for i, v in enumerate(values) if counts[v] > 1 and values.index(v) != i]
