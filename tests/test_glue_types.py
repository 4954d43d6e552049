"""The Glue column-type grammar: valid types pass, each kind of mistake is explained."""

from __future__ import annotations

import pytest

from mesh_config.glue_types import glue_type_problem


@pytest.mark.parametrize(
    "text",
    [
        "string",
        "BIGINT",
        "decimal",
        "decimal(18,2)",
        "decimal(38)",
        "char(3)",
        "varchar(255)",
        "date",
        "timestamp",
        "array<string>",
        "map<string,double>",
        "struct<a:int, b:array<struct<c:string>>>",
        " array < int > ",
    ],
)
def test_valid_types(text: str) -> None:
    assert glue_type_problem(text) is None


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "the type is empty"),
        ("strin", "unknown type 'strin'"),
        ("decimal(18,2", "ends too early: expected ')'"),
        ("decimal(40,2)", "precision is 1-38"),
        ("decimal(5,6)", "scale at most the precision"),
        ("varchar(0)", "the length is 1-65535"),
        ("char(256)", "the length is 1-255"),
        ("array<int", "ends too early: expected '>'"),
        ("map<array<int>,int>", "map keys must be a primitive type"),
        ("struct<a:int,a:int>", "struct field 'a' appears twice"),
        ("struct<1a:int>", "expected a field name"),
        ("int extra", "unexpected 'extra' after the end"),
        ("int;", "unexpected ';'"),
    ],
)
def test_invalid_types_are_explained(text: str, problem: str) -> None:
    found = glue_type_problem(text)
    assert found is not None and problem in found, found


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("array<" * 1000 + "int" + ">" * 1000, "the type nests more than 100 levels deep"),
        ("decimal(" + "9" * 5000 + ")", "is out of range in 'decimal(99999"),
        ("varchar(99999999999)", "the number 99999999999 is out of range"),
        ("string\x00", "unexpected '\\x00' at position 7"),
    ],
)
def test_input_the_parser_cannot_take_is_a_problem_not_a_crash(text: str, problem: str) -> None:
    found = glue_type_problem(text)
    assert found is not None and problem in found
    assert len(found) < 300  # the type is quoted cut short, not echoed whole
