"""Lake Formation row filters checked with sqlglot: what Lake Formation accepts, and why not."""

from __future__ import annotations

import pytest

from mesh_config.row_filter import MAX_ROW_FILTER_LENGTH, row_filter_problems

COLUMNS = {"customer_id", "country", "segment", "sample_bucket", "amount", "day", "name"}
PARTITIONS = {"day"}


@pytest.mark.parametrize(
    "expression",
    [
        "sample_bucket = 0",
        "country = 'FR'",
        "country <> 'FR'",
        "country != 'FR'",
        "amount < 10 AND amount >= -5.5",
        "amount <= 100 OR amount > 1000",
        "amount BETWEEN 10 AND 20",
        "country IN ('FR', 'DE', 'ES')",
        "name LIKE 'A%'",
        "name IS NULL",
        "name IS NOT NULL",
        "NOT (country = 'FR' OR segment = 'smb')",
        "day = '2026-01-01'",
    ],
)
def test_lake_formation_subset_is_accepted(expression):
    assert row_filter_problems(expression, COLUMNS, PARTITIONS) == []


def test_the_reference_designs_sample_is_refused_with_why_and_how():
    (problem,) = row_filter_problems("MOD(hash(customer_id), 10) = 0", COLUMNS, PARTITIONS)
    assert "computes a value (MOD, HASH)" in problem
    assert "no functions or arithmetic" in problem
    assert "precompute a bucket column" in problem and "sample_bucket = 0" in problem


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("upper(name) = 'A'", "computes a value (UPPER)"),
        ("amount + 1 = 2", "computes a value (ADD)"),
        ("country = segment", "compares two columns"),
        ("'FR' = 'FR'", "compares no column"),
        ("day IS NULL", "not supported on the partition column 'day'"),
        ("region = 'eu'", "'region' is not a column of the table"),
        ("country", "is not a condition"),
        ("country =", "not a valid SQL condition"),
        ("country IN (segment, 'FR')", "compares two columns"),
    ],
)
def test_what_lake_formation_refuses(expression, expected):
    problems = row_filter_problems(expression, COLUMNS, PARTITIONS)
    assert any(expected in p for p in problems), problems


def test_length_limit():
    expression = " OR ".join(f"country = 'C{i:04d}'" for i in range(200))
    assert len(expression) >= MAX_ROW_FILTER_LENGTH
    (problem,) = row_filter_problems(expression, COLUMNS, PARTITIONS)
    assert f"fewer than {MAX_ROW_FILTER_LENGTH}" in problem


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("country = 'FR", "the text opened by ' at character 11 is never closed"),
        ("country = 'FR' AND segment = 'smb", "the text opened by ' at character 30 is never closed"),
        ("country = 'it''s", "the text opened by ' at character 11 is never closed"),
        ('country = "FR', 'the column name opened by " at character 11 is never closed'),
        ("country = 'FR' /* all of France", "the comment opened by /* at character 16 is never closed"),
    ],
)
def test_text_the_tokenizer_cannot_split_is_a_problem_not_a_crash(expression, expected):
    (problem,) = row_filter_problems(expression, COLUMNS, PARTITIONS)
    assert problem.startswith("not a valid SQL condition: ") and expected in problem


@pytest.mark.parametrize(
    "expression",
    ["(" * 60 + "country = 'FR'" + ")" * 60, "NOT " * 300 + "country = 'FR'"],
)
def test_nesting_too_deep_for_the_parser_is_a_problem_not_a_crash(expression):
    assert len(expression) < MAX_ROW_FILTER_LENGTH
    (problem,) = row_filter_problems(expression, COLUMNS, PARTITIONS)
    assert "nests parentheses or NOT too deeply" in problem
