"""Glossary terms from CSV (the format of `datamesh catalog export-glossary`), checked cell by cell
so that a problem names the CSV's line and column, not a path in mesh.yaml after the merge."""

from __future__ import annotations

from datamesh.csv_input import CsvProblems, read_csv
from mesh_config.governance import GlossaryTerm

REQUIRED = ("name", "short_description")
OPTIONAL = ("long_description",)
COLUMNS = (*REQUIRED, *OPTIONAL)


def _limit(field: str) -> int:
    """The model's own max_length, so the CSV check and mesh.yaml's validation agree."""
    return next(m.max_length for m in GlossaryTerm.model_fields[field].metadata if hasattr(m, "max_length"))


def glossary_rows(data: bytes | str, source: str) -> list[dict[str, str]]:
    """(name, short_description, long_description) of each term; CsvProblems lists every bad cell."""
    table = read_csv(data, source, required=REQUIRED, optional=OPTIONAL)
    problems: list[str] = []
    first_line: dict[str, int] = {}
    rows = []
    for row in table.rows:
        name = row.values["name"]
        if not name:
            problems.append(f"{table.where(row, 'name')}: the term has no name; write one, or delete the row")
            continue
        if name in first_line:
            problems.append(
                f"{table.where(row, 'name')}: term '{name}' is already on line {first_line[name]}; "
                "keep one row per term"
            )
            continue
        first_line[name] = row.line
        for column in COLUMNS:
            value = row.values.get(column, "")
            if len(value) > _limit(column):
                problems.append(
                    f"{table.where(row, column)}: {len(value):,} characters, DataZone allows at most "
                    f"{_limit(column):,}; shorten it"
                )
        rows.append({column: row.values.get(column, "") for column in COLUMNS})
    if problems:
        raise CsvProblems(source, problems)
    return rows
