"""The grammar of Glue / Hive column types, checked before CloudFormation sees them.

    type      := primitive | decimal(p[,s]) | char(n) | varchar(n)
               | array<type> | map<primitive, type> | struct<name:type[, name:type]*>

A small recursive-descent parser: the grammar is tiny, and its errors can say where the type
went wrong, which a regular expression cannot (nested angle brackets).
"""

from __future__ import annotations

import re

from mesh_config.errors import clip

PRIMITIVES = frozenset(
    {
        "boolean",
        "tinyint",
        "smallint",
        "int",
        "integer",
        "bigint",
        "float",
        "double",
        "string",
        "date",
        "timestamp",
        "binary",
    }
)
_TOKEN = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*|\d+|[<>(),:])")
_REST_IS_SPACE = re.compile(r"\s*\Z")
# Far deeper than any real schema; the parser recurses once per level, and a type nested a
# thousand levels deep would exhaust Python's stack (a RecursionError, not a message).
MAX_NESTING = 100
# Every number of the grammar is at most 65 535: a longer run of digits is out of range without
# converting it (Python refuses to convert more than 4 300 digits, with a ValueError).
MAX_DIGITS = 9


class GlueTypeError(ValueError):
    pass


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.shown = clip(text)  # quoted in messages: a type can be 128 KiB long
        self.depth = 0
        self.tokens: list[tuple[str, int]] = []
        pos = 0
        while pos < len(text):
            # Anchored at pos, not a strip of the rest: linear in the length of the type.
            if _REST_IS_SPACE.match(text, pos):
                break
            match = _TOKEN.match(text, pos)
            if match is None:
                at = len(text) - len(text[pos:].lstrip())
                char = text[at] if text[at].isprintable() else repr(text[at])[1:-1]  # a control character as \x00
                raise GlueTypeError(f"unexpected '{char}' at position {at + 1}")
            self.tokens.append((match.group(1), match.start(1)))
            pos = match.end()
        self.index = 0

    def peek(self) -> str | None:
        return self.tokens[self.index][0] if self.index < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None:
            raise GlueTypeError(f"'{self.shown}' ends too early" + (f": expected '{expected}'" if expected else ""))
        if expected is not None and token.lower() != expected:
            raise GlueTypeError(f"expected '{expected}' but found '{clip(token)}' in '{self.shown}'")
        self.index += 1
        return token

    def number(self) -> int:
        token = self.take()
        if not token.isdigit():
            raise GlueTypeError(f"expected a number but found '{clip(token)}' in '{self.shown}'")
        if len(token) > MAX_DIGITS:
            raise GlueTypeError(f"the number {clip(token, 20)} is out of range in '{self.shown}'")
        return int(token)

    def parse_type(self) -> str:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise GlueTypeError(f"the type nests more than {MAX_NESTING} levels deep")
        try:
            return self._parse_type()
        finally:
            self.depth -= 1

    def _parse_type(self) -> str:
        name = self.take().lower()
        if name in PRIMITIVES:
            return name
        if name == "decimal":
            if self.peek() != "(":
                return name
            self.take("(")
            precision = self.number()
            scale = 0
            if self.peek() == ",":
                self.take(",")
                scale = self.number()
            self.take(")")
            if not 1 <= precision <= 38 or scale > precision:
                raise GlueTypeError(f"decimal({precision},{scale}): precision is 1-38 and scale at most the precision")
            return name
        if name in ("char", "varchar"):
            self.take("(")
            length = self.number()
            self.take(")")
            limit = 255 if name == "char" else 65535
            if not 1 <= length <= limit:
                raise GlueTypeError(f"{name}({length}): the length is 1-{limit}")
            return name
        if name == "array":
            self.take("<")
            self.parse_type()
            self.take(">")
            return name
        if name == "map":
            self.take("<")
            if self.parse_type() not in PRIMITIVES | {"decimal", "char", "varchar"}:
                raise GlueTypeError(f"map keys must be a primitive type in '{self.shown}'")
            self.take(",")
            self.parse_type()
            self.take(">")
            return name
        if name == "struct":
            self.take("<")
            seen: set[str] = set()
            while True:
                field = self.take()
                if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", field):
                    raise GlueTypeError(f"expected a field name but found '{clip(field)}' in '{self.shown}'")
                if field.lower() in seen:
                    raise GlueTypeError(f"struct field '{clip(field)}' appears twice in '{self.shown}'")
                seen.add(field.lower())
                self.take(":")
                self.parse_type()
                if self.peek() == ",":
                    self.take(",")
                    continue
                self.take(">")
                return name
        raise GlueTypeError(f"unknown type '{clip(name)}' in '{self.shown}'")


def glue_type_problem(text: str) -> str | None:
    """None when ``text`` is a valid Glue column type, else what is wrong with it."""
    try:
        parser = _Parser(text)
        if not parser.tokens:
            return "the type is empty"
        parser.parse_type()
        if parser.peek() is not None:
            return f"unexpected '{clip(parser.peek() or '')}' after the end of the type in '{parser.shown}'"
    except GlueTypeError as error:
        return str(error)
    return None
