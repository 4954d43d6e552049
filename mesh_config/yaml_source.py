"""YAML reading that keeps line numbers and refuses duplicate keys.

PyYAML silently keeps the last of two equal keys; in a mesh definition that hides a
mistake (two projects under one key), so duplicates are reported like any other issue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from mesh_config.errors import ConfigIssue, format_path


@dataclass
class YamlDocument:
    """A parsed YAML file plus the line of every path in it."""

    file: str
    data: Any
    lines: dict[str, int] = field(default_factory=dict)

    def line_of(self, loc: tuple[str | int, ...]) -> int | None:
        """Line of the deepest existing prefix of ``loc`` (a missing key points at its parent)."""
        for end in range(len(loc), -1, -1):
            line = self.lines.get(format_path(loc[:end]))
            if line is not None:
                return line
        return None

    def issue(self, loc: tuple[str | int, ...], problem: str, fix: str) -> ConfigIssue:
        return ConfigIssue(self.file, format_path(loc), problem, fix, self.line_of(loc))


class _Builder:
    def __init__(self, file: str) -> None:
        self.file = file
        self.constructor = yaml.constructor.SafeConstructor()
        self.lines: dict[str, int] = {}
        self.issues: list[ConfigIssue] = []

    def build(self, node: yaml.Node, loc: tuple[str | int, ...]) -> Any:
        self.lines[format_path(loc)] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                reported = len(self.issues)
                key = self._construct(key_node, loc)
                if not isinstance(key_node, yaml.ScalarNode):
                    self.issues.append(self._issue(key_node, loc, "a mapping key is a list or a mapping"))
                if len(self.issues) > reported:
                    continue
                if key in out:
                    self.issues.append(
                        ConfigIssue(
                            self.file,
                            format_path((*loc, key)),
                            f"key '{key}' appears twice in the same mapping",
                            "keep one of them; YAML would silently drop the first",
                            key_node.start_mark.line + 1,
                        )
                    )
                    continue
                out[key] = self.build(value_node, (*loc, key))
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*loc, i)) for i, item in enumerate(node.value)]
        return self._construct(node, loc)

    def _construct(self, node: yaml.Node, loc: tuple[str | int, ...]) -> Any:
        # Tags (!Ref), merge keys (<<) and impossible dates (2024-02-30) fail here, after parsing:
        # report them like syntax errors instead of letting a traceback escape.
        try:
            return self.constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError) as exc:
            self.issues.append(self._issue(node, loc, f"not valid YAML: {getattr(exc, 'problem', None) or exc}"))
            return node.value if isinstance(node, yaml.ScalarNode) else None

    def _issue(self, node: yaml.Node, loc: tuple[str | int, ...], problem: str) -> ConfigIssue:
        return ConfigIssue(
            self.file,
            format_path(loc),
            problem,
            "quote the value; tags (!Ref), merge keys (<<) and non-text keys are not supported",
            node.start_mark.line + 1,
        )


def read_yaml(path: Path, display_name: str) -> tuple[YamlDocument | None, list[ConfigIssue]]:
    """Parse one file; syntax errors come back as issues, never as exceptions."""
    if not path.is_file():
        return None, [
            ConfigIssue(display_name, "", "file not found", f"create {display_name} (see environments/ for examples)")
        ]
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        return None, [
            ConfigIssue(
                display_name,
                "",
                f"not valid YAML: {problem}",
                "fix the syntax at the line shown (indentation, a missing ':' or an unclosed quote)",
                mark.line + 1 if mark else None,
            )
        ]
    if node is None:
        return YamlDocument(display_name, {}), []
    builder = _Builder(display_name)
    data = builder.build(node, ())
    return YamlDocument(display_name, data, builder.lines), builder.issues
