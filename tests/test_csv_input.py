"""CSV as Excel, LibreOffice and scripts save it: BOM, ';' or tab separators, CRLF, quoted fields;
every bad row named by file, line and column."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from datamesh import cli
from datamesh.csv_input import CsvProblems, read_csv, sniff_separator
from datamesh.glossary_csv import glossary_rows
from tests.synth import ROOT

runner = CliRunner()
BOM = b"\xef\xbb\xbf"


def excel_csv(rows: list[list[str]], separator: str = ";") -> bytes:
    """What Excel's 'CSV UTF-8' writes in a decimal-comma locale: a BOM, ';' between fields, CRLF
    after every record, and fields quoted only when they hold the separator, a quote or a line
    break, quotes doubled."""

    def field(value: str) -> str:
        if any(c in value for c in (separator, '"', "\n", "\r")):
            return '"' + value.replace('"', '""') + '"'
        return value

    return BOM + b"".join((separator.join(field(v) for v in row) + "\r\n").encode("utf-8") for row in rows)


HEADER = ["name", "short_description", "long_description"]


def test_an_excel_file_with_bom_semicolons_and_crlf_is_read(tmp_path: Path):
    path = tmp_path / "terms.csv"
    path.write_bytes(
        excel_csv(
            [
                HEADER,
                ["Working capital", "Current assets; minus current liabilities", ""],
                ["EBITDA", 'Earnings before "ITDA"', "First line\nsecond line"],
                ["Churn", "Customers lost, per month", "Müller's definition"],
            ]
        )
    )
    table = read_csv(
        path.read_bytes(), path.name, required=("name", "short_description"), optional=("long_description",)
    )
    assert table.separator == ";"
    assert table.columns == tuple(HEADER)
    assert [r.values for r in table.rows] == [
        {
            "name": "Working capital",
            "short_description": "Current assets; minus current liabilities",
            "long_description": "",
        },
        {
            "name": "EBITDA",
            "short_description": 'Earnings before "ITDA"',
            "long_description": "First line\nsecond line",
        },
        {"name": "Churn", "short_description": "Customers lost, per month", "long_description": "Müller's definition"},
    ]
    # The record after the two-line one starts on line 5 of the file.
    assert [r.line for r in table.rows] == [2, 3, 5]


def test_the_separator_is_the_one_that_splits_the_header_into_known_columns():
    expected = tuple(HEADER)
    assert sniff_separator("name,short_description,long_description", expected) == ","
    assert sniff_separator("name;short_description;long_description", expected) == ";"
    assert sniff_separator("name\tshort_description\tlong_description", expected) == "\t"
    # A header with a ';' inside a quoted comma-separated name still reads as commas.
    assert sniff_separator('name,"short_description",long_description', expected) == ","
    # Unknown names: the separator found most often outside quotes.
    assert sniff_separator("term;description;x,y", expected) == ";"
    assert sniff_separator("name", expected) == ","


def test_descriptions_full_of_the_other_separator_do_not_change_the_choice():
    commas = b'name,short_description\nChurn,"a; b; c; d"\nEBITDA,x\n'
    semicolons = BOM + b"name;short_description\r\nChurn;a, b, c, d\r\nEBITDA;x\r\n"
    assert [r["short_description"] for r in glossary_rows(commas, "c.csv")] == ["a; b; c; d", "x"]
    assert [r["short_description"] for r in glossary_rows(semicolons, "s.csv")] == ["a, b, c, d", "x"]


def test_a_tab_separated_file_and_header_names_in_any_case_are_read():
    data = b"Name\tShort_Description \r\nChurn\tCustomers lost\r\n"
    assert glossary_rows(data, "t.tsv") == [
        {"name": "Churn", "short_description": "Customers lost", "long_description": ""}
    ]


def test_a_row_with_more_fields_than_the_header_names_file_line_and_column():
    data = excel_csv([HEADER, ["A", "a", ""]]) + b"B;b;long;stray\r\n"
    with pytest.raises(CsvProblems) as raised:
        glossary_rows(data, "terms.csv")
    message = str(raised.value)
    assert "terms.csv has 1 problem; nothing was imported" in message
    assert "line 3, column 4: the row has 4 fields but the header has 3 columns" in message
    assert "enclose text containing semicolons in double quotes" in message


def test_every_bad_cell_is_reported_at_once_with_its_column_name():
    data = excel_csv(
        [
            HEADER,
            ["", "no name", ""],
            ["Churn", "x" * 1025, ""],
            ["EBITDA", "a", ""],
            ["EBITDA", "again", ""],
        ]
    )
    with pytest.raises(CsvProblems) as raised:
        glossary_rows(data, "terms.csv")
    assert raised.value.problems == [
        "terms.csv, line 2, column 1 (name): the term has no name; write one, or delete the row",
        "terms.csv, line 3, column 2 (short_description): 1,025 characters, DataZone allows at most 1,024; shorten it",
        "terms.csv, line 5, column 1 (name): term 'EBITDA' is already on line 4; keep one row per term",
    ]


def test_an_unclosed_quote_names_the_line_where_its_record_starts():
    data = BOM + b'name;short_description\r\nA;"fine"\r\nB;"broken" text\r\nC;c\r\n'
    with pytest.raises(CsvProblems) as raised:
        glossary_rows(data, "terms.csv")
    assert "line 3: ';' expected after '\"'" in str(raised.value)
    assert "each quote inside it doubled" in str(raised.value)


def test_a_file_saved_in_a_windows_code_page_is_refused_with_the_line_and_column():
    # Excel's plain 'CSV (Comma delimited)' writes cp1252: ü is one byte, 0xfc.
    data = "name;short_description\r\nChurn;Müller\r\n".encode("cp1252")
    with pytest.raises(CsvProblems) as raised:
        glossary_rows(data, "terms.csv")
    message = str(raised.value)
    assert "line 2, column 8: byte 0xfc is not UTF-8 text" in message
    assert "CSV UTF-8" in message


def test_unknown_and_repeated_columns_are_refused_with_a_suggestion():
    with pytest.raises(CsvProblems) as raised:
        glossary_rows(excel_csv([["name", "short_descripton", "name"], ["A", "a", "b"]]), "terms.csv")
    assert raised.value.problems == [
        "line 1, column 2: unknown column 'short_descripton'; did you mean 'short_description'? the header must be "
        "name,short_description,long_description (read as semicolon-separated)",
        "line 1, column 3: column 'name' appears twice; keep one",
        "line 1: the header has no column short_description; it must be name,short_description,long_description "
        "(read as semicolon-separated)",
    ]


def test_blank_rows_that_excel_writes_are_skipped():
    data = excel_csv([HEADER, ["A", "a", ""], ["", "", ""], ["B", "b", ""]])
    assert [r["name"] for r in glossary_rows(data, "terms.csv")] == ["A", "B"]


def test_an_empty_file_asks_for_the_header():
    with pytest.raises(CsvProblems, match="the file is empty: its first line must be the header"):
        glossary_rows(BOM, "terms.csv")


@pytest.fixture
def mesh_dir(tmp_path: Path) -> Path:
    target = tmp_path / "environments"
    shutil.copytree(ROOT / "environments", target)
    return target


def test_the_cli_imports_a_glossary_saved_by_excel(mesh_dir: Path, tmp_path: Path):
    csv_file = tmp_path / "terms.csv"
    csv_file.write_bytes(excel_csv([HEADER, ["Working capital", "Current assets; minus current liabilities", ""]]))
    result = runner.invoke(
        cli.app, ["--mesh-dir", str(mesh_dir), "catalog", "import-glossary", "finance", str(csv_file)]
    )
    assert result.exit_code == 0, result.output
    assert "+      - name: Working capital" in result.output
    assert "+        short_description: Current assets; minus current liabilities" in result.output
    assert "Working capital" in (mesh_dir / "mesh.yaml").read_text()


def test_the_cli_names_the_file_line_and_column_of_a_bad_row(mesh_dir: Path, tmp_path: Path):
    csv_file = tmp_path / "terms.csv"
    csv_file.write_bytes(excel_csv([HEADER, ["", "orphan description", ""]]))
    before = (mesh_dir / "mesh.yaml").read_text()
    result = runner.invoke(
        cli.app, ["--mesh-dir", str(mesh_dir), "catalog", "import-glossary", "finance", str(csv_file)]
    )
    assert result.exit_code == 1
    assert f"{csv_file}, line 2, column 1 (name): the term has no name" in result.output.replace("\n  ", " ")
    assert "Traceback" not in result.output
    assert (mesh_dir / "mesh.yaml").read_text() == before
