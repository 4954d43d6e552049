"""CSV files as people save them: from Excel (UTF-8 with a byte-order mark, ';' where the locale
uses a decimal comma, CRLF line ends), from LibreOffice or a script (',' or tab).

The separator is chosen from the header line alone, because the header is the one line whose
content is known: the separator that splits it into the expected column names wins, and without
one the separator that occurs most often outside quotes (',' on a tie). Sniffing data rows
(csv.Sniffer) guesses wrong on descriptions full of commas.

Every problem names the file, the line and the column (number and header name) and says what to
do; all problems of the file are reported at once and nothing is imported when there is one.
"""

from __future__ import annotations

import csv
import difflib
import io
from dataclasses import dataclass

from datamesh.errors import MeshError

SEPARATORS = (",", ";", "\t")
SEPARATOR_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}
# A glossary of 10 000 terms with long descriptions is about 50 MB: far below, a CSV this tool
# reads is a few hundred kilobytes.
MAX_CSV_BYTES = 20 * 1024 * 1024
# Problems listed before the rest are only counted: a wrong file gives one per line.
MAX_PROBLEMS_SHOWN = 20


@dataclass(frozen=True)
class CsvRow:
    line: int  # the line where the record starts (a quoted field may span lines)
    values: dict[str, str]


@dataclass(frozen=True)
class CsvTable:
    source: str
    separator: str
    columns: tuple[str, ...]
    rows: tuple[CsvRow, ...]

    def where(self, row: CsvRow, column: str) -> str:
        """'terms.csv, line 3, column 2 (short_description)'."""
        return f"{self.source}, line {row.line}, column {self.columns.index(column) + 1} ({column})"


class CsvProblems(MeshError):
    """Every problem of one CSV file."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.problems = problems
        shown = problems[:MAX_PROBLEMS_SHOWN]
        more = len(problems) - len(shown)
        lines = "\n  ".join(shown + ([f"... and {more} more"] if more else []))
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        super().__init__(f"{source} has {count}; nothing was imported:\n  {lines}")


def decode_csv(data: bytes, source: str) -> str:
    """UTF-8 text with or without a byte-order mark; anything else is refused with the line and
    column of the first byte that is not UTF-8 (an Excel 'CSV (Comma delimited)' file is cp1252)."""
    if len(data) > MAX_CSV_BYTES:
        raise CsvProblems(source, [f"the file is {len(data):,} bytes; the limit is {MAX_CSV_BYTES:,}"])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise CsvProblems(
            source,
            [
                f"line {line}, column {column}: byte 0x{data[exc.start]:02x} is not UTF-8 text; "
                "save the file as 'CSV UTF-8 (Comma delimited)' (Excel: File > Save As) or with UTF-8 encoding"
            ],
        ) from None


def _header_line(text: str) -> str:
    return text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""


def _split(line: str, separator: str) -> list[str]:
    return next(csv.reader([line], delimiter=separator), [])


def _outside_quotes(line: str, separator: str) -> int:
    count, quoted = 0, False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif char == separator and not quoted:
            count += 1
    return count


def sniff_separator(header: str, expected: tuple[str, ...]) -> str:
    """The separator that splits ``header`` into the most expected column names; without any, the
    one found most often outside quotes; ',' when the header has none (a one-column file)."""

    def known(separator: str) -> int:
        return sum(1 for name in _split(header, separator) if name.strip().lower() in expected)

    best = max(SEPARATORS, key=lambda s: (known(s), _outside_quotes(header, s), s == ","))
    if known(best) or _outside_quotes(header, best):
        return best
    return ","


def read_csv(data: bytes | str, source: str, *, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> CsvTable:
    """The rows of a CSV whose header names ``required`` columns (and may name ``optional`` ones),
    as text stripped of surrounding spaces. Header names are matched without regard to case or
    surrounding spaces. Raises CsvProblems with every problem found."""
    text = decode_csv(data, source) if isinstance(data, bytes) else data.removeprefix("\ufeff")
    allowed = (*required, *optional)
    expected_header = ",".join(allowed)
    header = _header_line(text)
    if not header.strip():
        raise CsvProblems(source, [f"the file is empty: its first line must be the header {expected_header}"])
    separator = sniff_separator(header, allowed)
    # strict: an unbalanced quote is an error with a line number instead of a row that swallows
    # the rest of the file.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, strict=True)
    problems: list[str] = []
    try:
        columns = [name.strip().lower() for name in next(reader)]
    except csv.Error as exc:
        raise CsvProblems(source, [f"line 1 (the header): {exc}"]) from None
    problems += _header_problems(columns, required, allowed, separator)
    if problems:
        raise CsvProblems(source, problems)
    rows: list[CsvRow] = []
    start = reader.line_num + 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(
                f"line {start}: {exc}; a field that contains {SEPARATOR_NAMES[separator]}s, quotes or line "
                'breaks must be enclosed in double quotes, with each quote inside it doubled ("")'
            )
            break  # the reader cannot resynchronise after a broken quote
        line, start = start, reader.line_num + 1
        if not any(field.strip() for field in record):
            continue  # blank lines (Excel writes ';;' for an empty row)
        if len(record) > len(columns):
            extra = len(columns) + 1
            problems.append(
                f"line {line}, column {extra}: the row has {len(record)} fields but the header has {len(columns)} "
                f"columns; enclose text containing {SEPARATOR_NAMES[separator]}s in double quotes, or remove the "
                "extra fields"
            )
            continue
        values = {name: (record[i].strip() if i < len(record) else "") for i, name in enumerate(columns)}
        rows.append(CsvRow(line, values))
    if problems:
        raise CsvProblems(source, problems)
    return CsvTable(source, separator, tuple(columns), tuple(rows))


def _header_problems(
    columns: list[str], required: tuple[str, ...], allowed: tuple[str, ...], separator: str
) -> list[str]:
    expected = ",".join(allowed)
    problems = []
    for index, name in enumerate(columns, start=1):
        if name not in allowed:
            close = difflib.get_close_matches(name, allowed, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            problems.append(
                f"line 1, column {index}: unknown column '{name}'; {hint}the header must be {expected} (read as "
                f"{SEPARATOR_NAMES[separator]}-separated)"
            )
        elif columns.index(name) != index - 1:
            problems.append(f"line 1, column {index}: column '{name}' appears twice; keep one")
    missing = [name for name in required if name not in columns]
    if missing:
        problems.append(
            f"line 1: the header has no column {', '.join(missing)}; it must be {expected} "
            f"(read as {SEPARATOR_NAMES[separator]}-separated)"
        )
    return problems
