"""Data quality rules (DQDL) and lineage (derived_from) in the config layer: the example loads with
both, and each bad input is one clear issue with file, path, problem and fix, all at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from mesh_config import load_mesh
from mesh_config.dqdl import DqdlError, check_rule, ruleset
from mesh_config.lineage_checks import cycles
from tests.config_edits import EXAMPLE, assert_issue, edit_yaml, load_issues

GL = "catalogs[0].tables[0]"  # finance_gl_transactions_table, which has quality rules


def _catalog(data: dict, bu: str) -> dict:
    return next(c for c in data["catalogs"] if c["business_unit"] == bu)


def _table(data: dict, bu: str, dataset: str) -> dict:
    return next(t for t in _catalog(data, bu)["tables"] if t["dataset"] == dataset)


def test_the_example_has_quality_rules_on_the_ledger_and_lineage_to_the_published_view() -> None:
    tables = {t.dataset: t for c in load_mesh(EXAMPLE).mesh.catalogs for t in c.tables}
    quality = tables["gl_transactions"].quality
    assert quality is not None and quality.schedule is not None and quality.min_score == 90
    assert "DataQuality" not in tables["gl_transactions"].forms  # the score is measured, not typed
    assert tables["pnl_reports"].derived_from == ["finance_gl_transactions_table", "finance_budget_data_table"]
    assert tables["orders"].derived_from == ["sales_quotes_table"]  # across business units


@pytest.mark.parametrize(
    "rule",
    [
        'IsComplete "a"',
        'ColumnValues "a" in ["x", "y"] with threshold > 0.9',
        'ColumnValues "a" > (now() - 3 days)',
        'ColumnValues "a" matches "[A-Z]{3}"',
        'ColumnValues "a" != NULL',
        'Completeness "a" between 0.9 and 1.0',
        'DataFreshness "a" <= 24 hours',
        '(IsComplete "a") and (IsUnique "b")',
        'IsPrimaryKey "a" "b"',
        'CustomSql "select count(*) from primary" > 0',
        'Uniqueness "a" > 0.9 where "a > 1"',
        "RowCount > 0",
        'ColumnDataType "a" = "STRING"',
    ],
)
def test_documented_rules_parse(rule: str) -> None:
    check_rule(rule)


@pytest.mark.parametrize(
    ("rule", "problem"),
    [
        ('Iscomplete "a"', "unknown rule type 'Iscomplete'"),
        ("IsComplete a", "takes a quoted column"),
        ('Completeness "a" > 95', "95 is not a ratio"),
        ("RowCount > avg(last(3))", "dynamic rule"),
        ('DataFreshness "a" <= 24 weeks', "no time unit"),
        ('IsComplete "a" with threshold > 0.5', "takes no 'with threshold'"),
        ('ColumnValues "a" matches "[A-Z"', "invalid regular expression"),
        ('ColumnValues "a"', "needs an expression"),
        ('IsComplete "a", IsUnique "a"', "unexpected ',' after the IsComplete rule"),
        ('Rules = [ IsComplete "a" ]', "a whole ruleset"),
        ('(IsComplete "a")', "parentheses around a single rule"),
        ('IsComplete "a', "not closed"),
        ('RowCount > "many"', "not the string"),
    ],
)
def test_bad_rules_say_what_is_wrong(rule: str, problem: str) -> None:
    with pytest.raises(DqdlError) as excinfo:
        check_rule(rule)
    assert problem in excinfo.value.problem
    assert excinfo.value.fix


def test_the_unknown_rule_type_suggests_the_right_spelling() -> None:
    with pytest.raises(DqdlError) as excinfo:
        check_rule('iscomplete "a"')
    assert "did you mean IsComplete?" in excinfo.value.fix


def test_the_ruleset_is_the_rules_in_a_dqdl_document() -> None:
    assert ruleset(['IsComplete "a"', "RowCount > 0"]) == 'Rules = [\n    IsComplete "a",\n    RowCount > 0\n]'


def test_every_bad_rule_and_unknown_column_is_reported_at_once(env_dir: Path) -> None:
    def change(m: dict) -> None:
        _table(m, "finance", "gl_transactions")["quality"]["rules"] = [
            'IsComplete "transaction_id"',
            'Iscomplete "amount"',
            'ColumnValues "amout" > 0',
            'Completeness "customer_id" > 95',
        ]

    edit_yaml(env_dir / "mesh.yaml", change)
    issues = load_issues(env_dir)
    assert_issue(issues, "mesh.yaml", f"{GL}.quality.rules[1]", "unknown rule type 'Iscomplete'")
    unknown = assert_issue(issues, "mesh.yaml", f"{GL}.quality.rules[2]", "names column 'amout'")
    assert "amount" in unknown.fix
    assert_issue(issues, "mesh.yaml", f"{GL}.quality.rules[3]", "95 is not a ratio")
    assert not [i for i in issues if i.path == f"{GL}.quality.rules[0]"]


def test_partition_keys_are_columns_a_rule_may_name(env_dir: Path) -> None:
    edit_yaml(
        env_dir / "mesh.yaml",
        lambda m: _table(m, "finance", "gl_transactions")["quality"]["rules"].append('IsComplete "posting_date"'),
    )
    load_mesh(env_dir)


def test_a_hand_typed_score_on_a_table_with_quality_rules_is_refused(env_dir: Path) -> None:
    edit_yaml(
        env_dir / "mesh.yaml",
        lambda m: _table(m, "finance", "gl_transactions")["forms"].update(DataQuality={"quality_score": 99}),
    )
    issue = assert_issue(load_issues(env_dir), "mesh.yaml", f"{GL}.forms.DataQuality.quality_score", "hand-typed score")
    assert "quality.rules" in issue.fix


def test_a_hand_typed_score_without_quality_rules_is_still_allowed() -> None:
    tables = {t.dataset: t for c in load_mesh(EXAMPLE).mesh.catalogs for t in c.tables}
    assert tables["opportunities"].forms["DataQuality"] == {"quality_score": 95}


def test_an_alarm_score_without_a_schedule_is_refused(env_dir: Path) -> None:
    edit_yaml(env_dir / "mesh.yaml", lambda m: _table(m, "finance", "gl_transactions")["quality"].pop("schedule"))
    assert_issue(load_issues(env_dir), "mesh.yaml", f"{GL}.quality.min_score", "without a schedule")


def test_an_unknown_time_zone_is_refused(env_dir: Path) -> None:
    edit_yaml(
        env_dir / "mesh.yaml",
        lambda m: _table(m, "finance", "gl_transactions")["quality"]["schedule"].update(timezone="EUROPE_PARIS"),
    )
    assert_issue(load_issues(env_dir), "mesh.yaml", f"{GL}.quality.schedule.timezone", "not an IANA time zone")


def test_lineage_to_an_unknown_table_suggests_the_close_one(env_dir: Path) -> None:
    edit_yaml(
        env_dir / "mesh.yaml",
        lambda m: _table(m, "finance", "pnl_reports").update(derived_from=["finance_gl_transaction_table"]),
    )
    issue = assert_issue(
        load_issues(env_dir), "mesh.yaml", "catalogs[0].tables[1].derived_from[0]", "no table of the mesh"
    )
    assert "finance_gl_transactions_table" in issue.fix


def test_a_table_derived_from_itself_is_refused(env_dir: Path) -> None:
    edit_yaml(
        env_dir / "mesh.yaml",
        lambda m: _table(m, "finance", "pnl_reports").update(derived_from=["finance_pnl_reports_table"]),
    )
    assert_issue(load_issues(env_dir), "mesh.yaml", "catalogs[0].tables[1].derived_from[0]", "derived from itself")


def test_a_lineage_cycle_is_reported_with_its_path(env_dir: Path) -> None:
    # pnl <- gl (example), gl <- orders, orders <- pnl: a cycle across two business units.
    def change(m: dict) -> None:
        _table(m, "finance", "gl_transactions")["derived_from"] = ["ops_orders_table"]
        _table(m, "ops", "orders")["derived_from"] = ["finance_pnl_reports_table"]

    edit_yaml(env_dir / "mesh.yaml", change)
    issue = assert_issue(load_issues(env_dir), "mesh.yaml", f"{GL}.derived_from", "lineage cycle")
    assert (
        "finance_gl_transactions_table <- ops_orders_table <- finance_pnl_reports_table <- "
        "finance_gl_transactions_table" in issue.problem
    )


def test_lineage_from_a_table_missing_in_an_environment_is_refused(env_dir: Path) -> None:
    edit_yaml(env_dir / "mesh.yaml", lambda m: _catalog(m, "sales").update(environments=["prod"]))
    issue = assert_issue(
        load_issues(env_dir), "mesh.yaml", "catalogs[2].tables[2].derived_from[0]", "does not exist in dev, staging"
    )
    assert "environments" in issue.fix


def test_cycles_are_each_found_once() -> None:
    graph = {"a": ["b"], "b": ["a", "c"], "c": ["c2"], "c2": ["c"], "d": ["a"]}
    assert cycles(graph) == [["a", "b"], ["c", "c2"]]
