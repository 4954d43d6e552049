"""YAML reading that keeps line numbers and refuses what would mislead or exhaust it.

- PyYAML silently keeps the last of two equal keys; in a mesh definition that hides a mistake
  (two projects under one key), so duplicates are reported like any other issue.
- YAML 1.1 (PyYAML) reads ``010`` as 8, ``1:30`` as 90 and ``0x1f`` as 31; YAML 1.2 editors read
  them differently, and the user almost never meant either. They are reported with the text
  as typed.
- Only files inside the mesh folder are read: a symbolic link that leads outside it (to a file,
  or through a linked folder) is refused before anything is read, so no message can quote a
  file that is not part of the mesh.
- Input is bounded: file size, nesting depth and the number of values after alias expansion
  (a "billion laughs" document is refused in milliseconds, not expanded), and a file that is
  not UTF-8 is named with the byte that is not.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from mesh_config.errors import ConfigIssue, clip, format_path

# A mesh of 1 000 projects is about 300 KiB of YAML; these bounds are far above any real mesh
# and far below what would make a synth slow or large.
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_VALUES = 500_000
MAX_DEPTH = 64

_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_PLAIN_DECIMAL = re.compile(r"[-+]?(0|[1-9][0-9]*)(\.[0-9]*)?([eE][-+]?[0-9]+)?|[-+]?\.[0-9]+([eE][-+]?[0-9]+)?")


class _Refused(Exception):
    """The document is too large, too deep or self-referencing: stop building it at once."""

    def __init__(self, node: yaml.Node, loc: tuple[str | int, ...], problem: str, fix: str) -> None:
        super().__init__(problem)
        self.node, self.loc, self.problem, self.fix = node, loc, problem, fix


def _number_form(text: str) -> str | None:
    """The notation of a number YAML 1.1 resolved from ``text``, when it is not plain decimal."""
    if _PLAIN_DECIMAL.fullmatch(text.replace("_", "x")):
        return None
    if ":" in text:
        return "sexagesimal (base 60)"
    digits = text.lstrip("+-").lower()
    if digits.startswith("0x"):
        return "hexadecimal"
    if digits.startswith("0b"):
        return "binary"
    if "_" in text:
        return "digits with '_' separators"
    if digits.startswith("0") and digits[1:2].isdigit():
        return "octal"
    return "a special number"


@dataclass
class YamlDocument:
    """A parsed YAML file plus the line of every path in it."""

    file: str
    data: Any
    lines: dict[str, int] = field(default_factory=dict)
    # Scalar text as typed, for messages that must quote the user rather than the parsed value.
    texts: dict[str, str] = field(default_factory=dict)

    def text_of(self, loc: tuple[str | int, ...]) -> str | None:
        return self.texts.get(format_path(loc))

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
        self.texts: dict[str, str] = {}
        self.issues: list[ConfigIssue] = []
        self._values = 0
        self._open: set[int] = set()

    def build(self, node: yaml.Node, loc: tuple[str | int, ...]) -> Any:
        self._values += 1
        if self._values > MAX_VALUES:
            # The path inside an expanded alias means nothing to the user: report the document.
            raise _Refused(
                node,
                (),
                f"the document expands to more than {MAX_VALUES:,} values, through YAML aliases (*name) that repeat "
                "anchored (&name) blocks",
                "write the values out, or use fewer nested aliases; a mesh definition never needs this many",
            )
        if len(loc) > MAX_DEPTH:
            raise _Refused(node, loc, f"nested more than {MAX_DEPTH} levels deep", "flatten the structure")
        if id(node) in self._open:
            raise _Refused(
                node, loc, "a YAML alias (*name) refers to a block that contains it", "remove the self-reference"
            )
        path = format_path(loc)
        self.lines[path] = node.start_mark.line + 1
        if not isinstance(node, yaml.ScalarNode):
            self._open.add(id(node))
            try:
                return self._build_collection(node, loc)
            finally:
                self._open.discard(id(node))
        self.texts[path] = node.value
        value = self._construct(node, loc)
        # A plain scalar: style None (pure-Python parser) or "" (libyaml).
        if node.tag in (_INT_TAG, _FLOAT_TAG) and not node.style:
            form = _number_form(node.value)
            if form is not None:
                self.issues.append(
                    ConfigIssue(
                        self.file,
                        path,
                        f"'{clip(node.value)}' is read by YAML 1.1 as the number {clip(repr(value))} ({form}), and "
                        "as something else by YAML 1.2 tools",
                        f'quote it ("{clip(node.value)}") if it is text, or write the number in plain decimal digits',
                        node.start_mark.line + 1,
                    )
                )
                return node.value
        return value

    def _build_collection(self, node: yaml.Node, loc: tuple[str | int, ...]) -> Any:
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
                            f"key '{clip(str(key))}' appears twice in the same mapping",
                            "keep one of them; YAML would silently drop the first",
                            key_node.start_mark.line + 1,
                        )
                    )
                    continue
                out[key] = self.build(value_node, (*loc, key))
            return out
        return [self.build(item, (*loc, i)) for i, item in enumerate(node.value)]

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


_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
# NONBLOCK: opening a FIFO (a named pipe) must not wait forever for a writer; fstat refuses it after.
_FILE_FLAGS = os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0) | _CLOEXEC


class _Moved(Exception):
    """A part of a resolved path is no longer a folder or a file: it was replaced after resolve()."""


def _open_beneath(folder: Path, real: Path) -> int:
    """Open ``real`` (resolved, inside ``folder``) one part at a time, each relative to the folder opened
    before and without following links: a part replaced by a link after resolve() fails to open instead
    of leading outside (the check and the read are of the same file). Plain open where the platform
    cannot open relative to a folder (Windows)."""
    parts = real.relative_to(folder).parts
    if not parts or os.open not in os.supports_dir_fd or not _NOFOLLOW:
        return os.open(real, _FILE_FLAGS)
    directory = os.open(folder, os.O_RDONLY | _DIRECTORY | _CLOEXEC)
    try:
        for part in parts[:-1]:
            inner = os.open(part, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC, dir_fd=directory)
            os.close(directory)
            directory = inner
        return os.open(parts[-1], _FILE_FLAGS, dir_fd=directory)
    except OSError as exc:
        # ELOOP: a link where NOFOLLOW forbids one; ENOTDIR: a link (or a file) where a folder was.
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            raise _Moved from exc
        raise
    finally:
        os.close(directory)


def read_inside(path: Path, display_name: str, folder: Path) -> tuple[bytes | None, list[ConfigIssue]]:
    """The bytes of ``path``, read only when it resolves inside ``folder`` (resolved): a link to a file
    elsewhere (or through a linked folder) is refused, so an error can never quote a file outside.
    (None, []) when the file does not exist."""

    def refused(problem: str, fix: str) -> tuple[None, list[ConfigIssue]]:
        return None, [ConfigIssue(display_name, "", problem, fix)]

    # Not strict: a link outside gets the same answer whether or not its target exists, so errors
    # do not tell which paths outside the folder exist.
    try:
        real = path.resolve()
    except (OSError, RuntimeError):  # a link loop: RuntimeError before Python 3.13, OSError after
        return refused("the file is a symbolic link that leads in a loop", "replace the link by the file")
    if not real.is_relative_to(folder):
        return refused(
            "the file is a symbolic link (or lies in a linked folder) that leads outside the mesh folder; it was "
            "not read",
            "put the file itself inside the mesh folder, or link only to files inside it",
        )
    try:
        fd = _open_beneath(folder, real)
    except (FileNotFoundError, NotADirectoryError):
        return None, []
    except _Moved:
        return refused(
            "a part of the file's path became a symbolic link while it was being read; it was not read",
            "load again, and check what changes the mesh folder meanwhile",
        )
    except OSError as exc:
        return refused(f"the file cannot be read: {exc.strerror}", "check the file's permissions and type")
    with os.fdopen(fd, "rb") as file:
        status = os.fstat(file.fileno())
        if not stat.S_ISREG(status.st_mode):
            return refused("not a regular file (a folder, device or pipe)", f"make {display_name} a YAML file")
        # Read at most one byte over the limit: the size is checked on what was read, not on what
        # the file measured before (it may grow in between).
        raw = file.read(MAX_FILE_BYTES + 1) if status.st_size <= MAX_FILE_BYTES else b""
    if status.st_size > MAX_FILE_BYTES or len(raw) > MAX_FILE_BYTES:
        return refused(
            f"the file is {max(status.st_size, len(raw)):,} bytes; the limit is {MAX_FILE_BYTES:,}",
            "a mesh definition of 1 000 projects is about 300 KiB: check that this is the right file",
        )
    return raw, []


def decode_text(raw: bytes, display_name: str) -> tuple[str | None, list[ConfigIssue]]:
    try:
        # utf-8-sig: a byte-order mark written by some Windows editors is not an error.
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, [
            ConfigIssue(
                display_name,
                "",
                f"the file is not UTF-8 text: byte 0x{raw[exc.start]:02x} at byte offset {exc.start} "
                f"(line {line}, column {column}) is not valid UTF-8",
                "save the file with UTF-8 encoding (in most editors: File > Save with Encoding > UTF-8)",
                line,
            )
        ]


def read_yaml(
    path: Path, display_name: str, folder: Path, missing: Callable[[], ConfigIssue] | None = None
) -> tuple[YamlDocument | None, list[ConfigIssue]]:
    """Parse one file inside ``folder`` (the resolved mesh folder); every problem comes back as an
    issue, never as an exception. ``missing``: the issue when the file does not exist."""
    raw, issues = read_inside(path, display_name, folder)
    if raw is None and not issues:
        if missing is not None:
            return None, [missing()]
        return None, [
            ConfigIssue(display_name, "", "file not found", f"create {display_name} (see environments/ for examples)")
        ]
    if raw is None:
        return None, issues
    text, issues = decode_text(raw, display_name)
    if text is None:
        return None, issues
    return parse_yaml(text, display_name)


# libyaml's parser when PyYAML was built with it (the wheels are): the pure-Python one spent 90 % of
# a 5 000-project mesh's validation composing nodes. Same nodes and line marks either way.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yaml(text: str, display_name: str) -> tuple[YamlDocument | None, list[ConfigIssue]]:
    """Parse YAML text already read (a file, or an edit in memory); problems come back as issues."""
    try:
        node = yaml.compose(text, Loader=_LOADER)
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
    except RecursionError:
        return None, [
            ConfigIssue(display_name, "", "the document is nested too deeply to read", "flatten the structure")
        ]
    if node is None:
        return YamlDocument(display_name, {}), []
    builder = _Builder(display_name)
    try:
        data = builder.build(node, ())
    except _Refused as refused:
        return None, [
            ConfigIssue(
                display_name, format_path(refused.loc), refused.problem, refused.fix, refused.node.start_mark.line + 1
            )
        ]
    return YamlDocument(display_name, data, builder.lines, builder.texts), builder.issues
