"""Domain units' metadata rules and subscriptions' extra principals in the config layer: the example
loads, and each bad input is one clear error (file, path, problem, fix), made by a small edit."""

from __future__ import annotations

from pathlib import Path

import pytest

from mesh_config import load_mesh
from mesh_config.metadata_rules import RuleAction
from tests.config_edits import EXAMPLE, assert_issue, edit_yaml, load_issues

UNITS = {"finance": 0, "finance-analytics": 1, "sales": 2, "sales-ops": 3, "ops": 4, "data-platform": 5}


def _unit(data: dict, unit: str) -> dict:
    return data["domain_units"][UNITS[unit]]


def _catalog(data: dict, bu: str) -> dict:
    return next(c for c in data["catalogs"] if c["business_unit"] == bu)


def _table(data: dict, bu: str, dataset: str) -> dict:
    return next(t for t in _catalog(data, bu)["tables"] if t["dataset"] == dataset)


def test_the_example_requires_a_classification_before_publishing_in_every_business_unit() -> None:
    mesh = load_mesh(EXAMPLE).mesh
    rules = {u.id: [(r.action, r.forms, r.include_child_units) for r in u.rules] for u in mesh.domain_units}
    for unit in ("finance", "sales", "ops", "data-platform"):
        assert rules[unit] == [(RuleAction.PUBLISH, ["DataClassification"], True)]
    # The child units inherit their parents' rules.
    assert rules["finance-analytics"] == rules["sales-ops"] == []


def test_the_example_has_a_bi_role_on_one_subscription() -> None:
    mesh = load_mesh(EXAMPLE).mesh
    assert [s.extra_principals for s in mesh.subscriptions if s.extra_principals] == [
        ["arn:aws:iam::345678901234:role/service-role/acme-quicksight-bi"]
    ]


def test_a_rule_requiring_an_unknown_form_is_refused(env_dir: Path) -> None:
    edit_yaml(env_dir / "mesh.yaml", lambda m: _unit(m, "sales")["rules"][0].update(forms=["DataLineage"]))
    issue = assert_issue(
        load_issues(env_dir),
        "mesh.yaml",
        "domain_units[2].rules[0].forms[0]",
        "rule 'sales-classified-before-publishing' requires unknown metadata form 'DataLineage'",
    )
    assert "DataClassification" in issue.fix


def test_a_published_table_without_the_required_form_is_refused_naming_table_rule_and_unit(env_dir: Path) -> None:
    edit_yaml(env_dir / "mesh.yaml", lambda m: _table(m, "finance", "pnl_reports")["forms"].clear())
    issues = load_issues(env_dir)
    issue = assert_issue(
        issues,
        "mesh.yaml",
        "catalogs[0].tables[1]",
        "table finance_pnl_reports_table is published in domain unit finance without the form DataClassification "
        "that rule 'finance-classified-before-publishing' of unit finance requires",
    )
    assert "add DataClassification to the table's forms" in issue.fix
    assert len(issues) == 1


def _renamed(value: object, old: str, new: str) -> object:
    if value == old:
        return new
    if isinstance(value, dict):
        return {k: _renamed(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [_renamed(v, old, new) for v in value]
    return value


def _move_customer360_to_finance_analytics(m: dict) -> None:
    """finance-customer360 becomes finance-analytics-customer360: every reference follows (the
    tables it produces, the data product it owns, its subscriptions)."""
    project = next(p for p in m["projects"] if p["use_case"] == "customer360")
    project["domain_unit"] = "finance-analytics"
    m.update(_renamed(m, "finance-customer360", "finance-analytics-customer360"))  # type: ignore[arg-type]


def test_a_parents_rule_reaches_the_tables_of_its_child_units(env_dir: Path) -> None:
    def change(m: dict) -> None:
        # finance-customer360 moves to the child unit finance-analytics and produces budget_data.
        _move_customer360_to_finance_analytics(m)
        table = _table(m, "finance", "budget_data")
        table["producer"] = "finance-analytics-customer360"
        table["forms"].clear()

    edit_yaml(env_dir / "mesh.yaml", change)
    issues = load_issues(env_dir)
    assert_issue(
        issues,
        "mesh.yaml",
        "catalogs[0].tables[2]",
        "published in domain unit finance-analytics without the form DataClassification that rule "
        "'finance-classified-before-publishing' of unit finance (and its child units, so finance-analytics)",
    )


def test_a_rule_without_child_units_spares_them(env_dir: Path) -> None:
    def change(m: dict) -> None:
        _unit(m, "finance")["rules"][0]["include_child_units"] = False
        _move_customer360_to_finance_analytics(m)
        table = _table(m, "finance", "budget_data")
        table["producer"] = "finance-analytics-customer360"
        table["forms"].clear()

    edit_yaml(env_dir / "mesh.yaml", change)
    load_mesh(env_dir)


def test_a_table_forms_do_not_count_when_the_data_source_publishes_on_import(env_dir: Path) -> None:
    edit_yaml(env_dir / "mesh.yaml", lambda m: _catalog(m, "ops")["data_source"]["forms"].pop("DataClassification"))
    issues = load_issues(env_dir)
    # orders carries the form itself, but it is published on import, before its own forms.
    for j, table in enumerate(("inventory_levels", "supply_shipments", "orders")):
        issue = assert_issue(
            issues, "mesh.yaml", f"catalogs[2].tables[{j}]", f"table ops_{table}_table is published in domain unit ops"
        )
        assert "catalogs[2].data_source.forms" in issue.fix and "publish_on_import: false" in issue.fix


def test_an_unpublished_table_is_not_checked(env_dir: Path) -> None:
    def change(m: dict) -> None:
        table = _table(m, "finance", "pnl_reports")
        table["forms"].clear()
        table["published"] = False

    edit_yaml(env_dir / "mesh.yaml", change)
    load_mesh(env_dir)


def test_a_rule_limited_to_production_checks_only_there(env_dir: Path) -> None:
    def change(m: dict) -> None:
        _unit(m, "finance")["rules"][0]["environments"] = ["prod"]
        _table(m, "finance", "pnl_reports")["forms"].clear()

    edit_yaml(env_dir / "mesh.yaml", change)
    assert_issue(load_issues(env_dir), "mesh.yaml", "catalogs[0].tables[1]", "requires before publishing (in prod)")


def test_a_required_term_must_be_on_the_table(env_dir: Path) -> None:
    def change(m: dict) -> None:
        _unit(m, "sales")["rules"].append(
            {"name": "sales-customer-term", "action": "publish", "terms": ["enterprise/Customer"]}
        )

    edit_yaml(env_dir / "mesh.yaml", change)
    issues = load_issues(env_dir)
    # crm_accounts carries enterprise/Customer; opportunities and product_catalog do not.
    assert_issue(issues, "mesh.yaml", "catalogs[1].tables[1]", "without the glossary term enterprise/Customer")
    assert_issue(issues, "mesh.yaml", "catalogs[1].tables[3]", "without the glossary term enterprise/Customer")
    assert not [i for i in issues if i.path == "catalogs[1].tables[0]"]


def test_a_required_term_must_exist(env_dir: Path) -> None:
    edit_yaml(
        env_dir / "mesh.yaml",
        lambda m: _unit(m, "data-platform")["rules"].append(
            {"name": "platform-term", "action": "publish", "terms": ["enterprise/Nope"]}
        ),
    )
    assert_issue(load_issues(env_dir), "mesh.yaml", "domain_units[5].rules[1].terms[0]", "has no term 'Nope'")


@pytest.mark.parametrize(
    ("rule", "problem"),
    [
        ({"forms": ["DataClassification"], "terms": ["enterprise/Customer"]}, "either forms or terms"),
        ({}, "either forms or terms"),
        ({"action": "subscribe", "terms": ["enterprise/Customer"]}, "cannot require glossary terms"),
        ({"forms": ["DataClassification"] * 6}, "at most 5"),
    ],
    ids=["both", "neither", "terms on subscribe", "six forms"],
)
def test_a_malformed_rule_is_refused(env_dir: Path, rule: dict, problem: str) -> None:
    edit_yaml(
        env_dir / "mesh.yaml",
        lambda m: _unit(m, "data-platform")["rules"].append({"name": "bad", "action": "publish", **rule}),
    )
    issues = load_issues(env_dir)
    rendered = "\n".join(i.render() for i in issues)
    assert any(i.path.startswith("domain_units[5].rules[1]") and problem in i.problem for i in issues), rendered


def test_two_rules_of_one_name_are_refused(env_dir: Path) -> None:
    edit_yaml(
        env_dir / "mesh.yaml", lambda m: _unit(m, "ops")["rules"][0].update(name="sales-classified-before-publishing")
    )
    assert_issue(load_issues(env_dir), "mesh.yaml", "domain_units[4].rules[0].name", "a second rule named")


def _subscribe_rule(m: dict) -> None:
    _unit(m, "sales")["rules"].append(
        {"name": "sales-quality-on-request", "action": "subscribe", "forms": ["DataQuality"]}
    )


def test_a_subscription_without_the_forms_its_producers_unit_requires_is_refused(env_dir: Path) -> None:
    edit_yaml(env_dir / "mesh.yaml", _subscribe_rule)
    issues = load_issues(env_dir)
    for k, asset in ((1, "sales_opportunities_table"), (2, "sales_product_catalog_table")):
        issue = assert_issue(
            issues,
            "mesh.yaml",
            f"subscriptions[{k}].forms",
            f"the subscription of finance-customer360 to {asset} lacks the form DataQuality that rule "
            "'sales-quality-on-request' of domain unit sales requires",
        )
        assert "add forms: {DataQuality" in issue.fix
    # finance's table is not guarded by a sales rule.
    assert not [i for i in issues if i.path.startswith("subscriptions[0]")]


def test_a_subscription_carrying_the_required_forms_loads(env_dir: Path) -> None:
    def change(m: dict) -> None:
        _subscribe_rule(m)
        for sub in m["subscriptions"][1:]:
            sub["forms"] = {"DataQuality": {"quality_score": 90}}

    edit_yaml(env_dir / "mesh.yaml", change)
    mesh = load_mesh(env_dir).mesh
    assert mesh.subscriptions[1].forms == {"DataQuality": {"quality_score": 90}}


def test_a_subscription_form_is_checked_like_a_table_form(env_dir: Path) -> None:
    def change(m: dict) -> None:
        m["subscriptions"][0]["forms"] = {
            "DataClassification": {"classification": "secret", "contains_pii": False, "business_term": "enterprise/X"}
        }

    edit_yaml(env_dir / "mesh.yaml", change)
    issues = load_issues(env_dir)
    assert_issue(issues, "mesh.yaml", "subscriptions[0].forms.DataClassification.classification", "not an allowed")
    assert_issue(issues, "mesh.yaml", "subscriptions[0].forms.DataClassification.business_term", "cannot resolve")


@pytest.mark.parametrize(
    ("arn", "problem"),
    [
        ("arn:aws:iam::345678901234:user/bi-robot", "is an IAM user, not a role"),
        ("arn:aws:s3:::acme-bi", "is a s3 ARN, not an IAM role"),
        ("acme-quicksight-bi", "is not an ARN"),
    ],
    ids=["user", "bucket", "name"],
)
def test_an_extra_principal_that_is_not_a_role_is_refused(env_dir: Path, arn: str, problem: str) -> None:
    edit_yaml(env_dir / "mesh.yaml", lambda m: m["subscriptions"][2].update(extra_principals=[arn]))
    issue = assert_issue(load_issues(env_dir), "mesh.yaml", "subscriptions[2].extra_principals[0]", problem)
    assert "arn:aws:iam::<account>:role/<name>" in issue.fix


def test_an_extra_principal_outside_the_consumers_accounts_is_refused(env_dir: Path) -> None:
    arn = "arn:aws:iam::999999999999:role/etl-job"
    edit_yaml(env_dir / "mesh.yaml", lambda m: m["subscriptions"][0].update(extra_principals=[arn]))
    issue = assert_issue(
        load_issues(env_dir),
        "mesh.yaml",
        "subscriptions[0].extra_principals[0]",
        f"role {arn} is in account 999999999999, which is not the account of any environment of the consumer's "
        "subscription (dev: 123456789012",
    )
    assert "environments: [...]" in issue.fix


def test_an_extra_principal_of_an_environment_the_subscription_skips_is_refused(env_dir: Path) -> None:
    def change(m: dict) -> None:
        m["subscriptions"][2]["environments"] = ["dev"]

    edit_yaml(env_dir / "mesh.yaml", change)
    assert_issue(
        load_issues(env_dir), "mesh.yaml", "subscriptions[2].extra_principals[0]", "is in account 345678901234"
    )
