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
        # The path holds keys as written in the file: a 5 MB key must not become a 5 MB message.
        path = clip(self.path, MAX_PATH_SHOWN) if self.path else "(document root)"
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


# Values quoted back in messages are cut to this length: a message names the value, it need not
# reproduce it (a whole file pasted into one key would otherwise be echoed to the terminal and CI log).
MAX_VALUE_SHOWN = 60
MAX_PATH_SHOWN = 200


def clip(text: str, limit: int = MAX_VALUE_SHOWN) -> str:
    """``text``, or its start and its length when it is longer than ``limit``."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text):,} characters)"


def quoted(value: object) -> str:
    """A value as messages quote it (its repr: 'text', 42, True), cut to MAX_VALUE_SHOWN."""
    if isinstance(value, str) and len(value) > MAX_VALUE_SHOWN:
        start = repr(value[:MAX_VALUE_SHOWN])
        return f"{start[:-1]}...{start[-1]} ({len(value):,} characters)"
    return clip(repr(value))


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
