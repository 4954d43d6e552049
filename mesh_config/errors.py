"""User-facing configuration errors: every problem is collected, then reported once."""

from __future__ import annotations

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
