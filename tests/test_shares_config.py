"""Shares and teams in the config layer: the three-PROD example loads, and one test per bad input,
each a small edit of the example reported with file, path, problem and fix."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mesh_config import load_mesh
from tests.config_edits import assert_issue, edit_text, edit_yaml, load_issues
from tests.synth import ROOT

VARIANT = ROOT / "examples" / "three-prod-accounts"


@pytest.fixture
def variant_dir(tmp_path: Path) -> Path:
    target = tmp_path / "three-prod-accounts"
    shutil.copytree(VARIANT, target)
    return target


def _consumer(m: dict, env: str) -> dict:
    return next(c for c in m["shares"][0]["consumers"] if c["environment"] == env)


def test_example_shares_the_customers_table_as_the_reference_design_does():
    config = load_mesh(VARIANT)
    (share,) = config.mesh.shares
    assert (share.producer, share.catalog, share.tables) == ("prod", "finance", ["customers"])
    dev, staging = share.consumers
    assert dev.environment == "prod-dev" and dev.filter is not None
    assert dev.filter.row_filter == "sample_bucket = 0"
    assert dev.filter.excluded_columns == ["ssn", "credit_card_number", "bank_account", "salary", "date_of_birth"]
    assert staging.environment == "prod-staging" and staging.filter is None
    prod = config.environment("prod")
    assert config.naming(prod).catalog_database("finance", config.mesh.catalogs[0].database) == "prod_customers_db"
    name = config.data_cells_filter_name(share, dev, "customers")
    assert name is not None and name.startswith("customers_prod_dev_customers_v")
    assert config.data_cells_filter_name(share, staging, "customers") is None
    assert [t.name for t in config.mesh.teams] == ["logistics", "analytics", "sales"]


def test_a_changed_filter_gets_a_new_name():
    config = load_mesh(VARIANT)
    share = config.mesh.shares[0]
    dev = share.consumers[0]
    changed = dev.model_copy(update={"filter": dev.filter.model_copy(update={"row_filter": "sample_bucket < 2"})})
    assert config.data_cells_filter_name(share, dev, "customers") != config.data_cells_filter_name(
        share, changed, "customers"
    )


def test_the_reference_designs_row_filter_is_refused_with_the_bucket_column_advice(variant_dir):
    edit_text(
        variant_dir / "mesh.yaml", "row_filter: sample_bucket = 0", 'row_filter: "MOD(hash(customer_id), 10) = 0"'
    )
    issue = assert_issue(
        load_issues(variant_dir),
        "mesh.yaml",
        "shares[0].consumers[0].filter.row_filter",
        "computes a value (MOD, HASH)",
    )
    assert "precompute a bucket column" in issue.problem


def test_a_row_filter_on_an_undeclared_column(variant_dir):
    edit_text(variant_dir / "mesh.yaml", "row_filter: sample_bucket = 0", "row_filter: bucket = 0")
    assert_issue(
        load_issues(variant_dir),
        "mesh.yaml",
        "shares[0].consumers[0].filter.row_filter",
        "'bucket' is not a column of the table",
    )


def test_a_row_filter_with_an_unclosed_quote_is_a_config_issue_not_a_traceback(variant_dir):
    edit_text(variant_dir / "mesh.yaml", "row_filter: sample_bucket = 0", "row_filter: country = 'FR")
    issue = assert_issue(
        load_issues(variant_dir),
        "mesh.yaml",
        "shares[0].consumers[0].filter.row_filter",
        "not a valid SQL condition: the text opened by ' at character 11 is never closed",
    )
    assert issue.line is not None and "compared with constants" in issue.fix


def test_a_resource_link_named_like_a_database_of_the_consumer_account(variant_dir):
    def edit(m: dict) -> None:
        sales = next(c for c in m["catalogs"] if c["business_unit"] == "sales")
        sales.update(environments=["prod", "prod-dev"], database="shared_prod_customers_db")

    edit_yaml(variant_dir / "mesh.yaml", edit)
    issue = assert_issue(
        load_issues(variant_dir),
        "mesh.yaml",
        "shares[0].consumers[0].environment",
        "Glue database 'shared_prod_customers_db' (the resource link of shares[0] ('customers') to prod_customers_db "
        "of 'prod') has the name of the database of catalogs[1] ('sales'), in environment prod-dev:",
    )
    assert "shared_<producer database>" in issue.fix


def test_two_resource_links_of_one_name_to_two_producers(variant_dir):
    def edit(m: dict) -> None:
        m["catalogs"][0]["environments"] = ["prod", "prod-staging"]
        share = m["shares"][0]
        m["shares"].append({**share, "name": "staging-customers", "producer": "prod-staging",
                            "consumers": [share["consumers"][0]]})  # fmt: skip

    edit_yaml(variant_dir / "mesh.yaml", edit)
    assert_issue(
        load_issues(variant_dir),
        "mesh.yaml",
        "shares[1].consumers[0].environment",
        "(the resource link of shares[1] ('staging-customers') to prod_customers_db of 'prod-staging') has the name "
        "of the resource link of shares[0] ('customers') to prod_customers_db of 'prod', in environment prod-dev",
    )


def test_a_resource_link_name_longer_than_glue_allows(variant_dir):
    edit_text(variant_dir / "mesh.yaml", "database: prod_customers_db", f"database: {'c' * 250}")
    assert_issue(
        load_issues(variant_dir),
        "mesh.yaml",
        "shares[0].consumers[0].environment",
        f"in environment 'prod-dev': Glue database name 'shared_{'c' * 250}' is 257 characters; the limit is 255",
    )


def test_two_shares_whose_names_differ_only_by_where_the_hyphens_are(variant_dir):
    # <share>-<consumer>: customers to prod-dev and customers-prod to dev; filters with '_' for '-'.
    text = (variant_dir / "prod-dev.yaml").read_text().replace("name: prod-dev", "name: dev")
    (variant_dir / "dev.yaml").write_text(text.replace('account: "111111111111"', 'account: "555555555555"'))

    def edit(m: dict) -> None:
        m["environments"].insert(0, "dev")
        share = m["shares"][0]
        consumer = {**_consumer(m, "prod-dev"), "environment": "dev"}
        m["shares"].append({**share, "name": "customers-prod", "consumers": [consumer]})

    edit_yaml(variant_dir / "mesh.yaml", edit)
    issue = assert_issue(
        load_issues(variant_dir),
        "mesh.yaml",
        "shares[1].consumers[0].environment",
        "share 'customers-prod' to 'dev' and share 'customers' to 'prod-dev' are both named customers-prod-dev in "
        "the shares stack of 'prod' (and their filters customers_prod_dev_<table>_v<hash>)",
    )
    assert "<share>-<consumer> differs" in issue.fix


def test_a_filter_name_longer_than_lake_formation_allows(variant_dir):
    edit_text(
        variant_dir / "mesh.yaml",
        "  - name: customers\n    catalog: finance",
        f"  - name: {'c' * 240}\n    catalog: finance",
    )
    assert_issue(
        load_issues(variant_dir),
        "mesh.yaml",
        "shares[0].consumers[0].environment",
        "on table 'customers': data-cells filter name",
    )


def test_pii_to_a_non_production_consumer_names_the_columns(variant_dir):
    edit_text(
        variant_dir / "mesh.yaml",
        "excluded_columns: [ssn, credit_card_number, bank_account, salary, date_of_birth]",
        "excluded_columns: [ssn, credit_card_number, bank_account]",
    )
    issue = assert_issue(
        load_issues(variant_dir),
        "mesh.yaml",
        "shares[0].consumers[0]",
        "its pii columns salary, date_of_birth to 'prod-dev', which holds no production data",
    )
    assert "pii_override" in issue.fix


def test_a_reasoned_override_allows_named_pii_columns(variant_dir):
    def edit(m: dict) -> None:
        dev = _consumer(m, "prod-dev")
        dev["filter"]["excluded_columns"] = ["ssn", "credit_card_number", "bank_account"]
        dev["pii_override"] = {
            "columns": ["salary", "date_of_birth"],
            "reason": "Age and income bands are the model's features; DPO approval DPIA-2026-014",
        }

    edit_yaml(variant_dir / "mesh.yaml", edit)
    assert load_mesh(variant_dir).mesh.shares[0].consumers[0].pii_override is not None


def test_full_access_to_a_non_production_environment_is_refused(variant_dir):
    edit_text(variant_dir / "prod-staging.yaml", "production_data: true\n", "")
    assert_issue(
        load_issues(variant_dir),
        "mesh.yaml",
        "shares[0].consumers[1]",
        "pii columns ssn, credit_card_number, bank_account, salary, date_of_birth to 'prod-staging'",
    )


def test_override_of_a_column_that_is_not_pii(variant_dir):
    edit_yaml(
        variant_dir / "mesh.yaml",
        lambda m: _consumer(m, "prod-dev").update(pii_override={"columns": ["country"], "reason": "x" * 30}),
    )
    assert_issue(
        load_issues(variant_dir),
        "mesh.yaml",
        "shares[0].consumers[0].pii_override.columns[0]",
        "'country' is not a pii column",
    )


def test_unknown_catalog_table_environment_and_principals(variant_dir):
    def edit(m: dict) -> None:
        share = m["shares"][0]
        share["tables"] = ["customers", "orders"]
        share["consumers"][0]["environment"] = "sandbox"
        share["consumers"][1]["principals"] = {"projects": ["ops-reporting"]}
        share["consumers"][0]["filter"]["excluded_columns"].append("iban")
        m["shares"].append({**share, "name": "other", "catalog": "hr"})

    edit_yaml(variant_dir / "mesh.yaml", edit)
    issues = load_issues(variant_dir)
    assert_issue(issues, "mesh.yaml", "shares[0].tables[1]", "catalog 'finance' has no table 'orders'")
    assert_issue(issues, "mesh.yaml", "shares[0].consumers[0].environment", "unknown environment 'sandbox'")
    assert_issue(
        issues, "mesh.yaml", "shares[0].consumers[1].principals.projects[0]", "unknown project 'ops-reporting'"
    )
    assert_issue(issues, "mesh.yaml", "shares[0].consumers[0].filter.excluded_columns[5]", "has no column 'iban'")
    assert_issue(issues, "mesh.yaml", "shares[1].catalog", "no catalog for business unit 'hr'")


def test_share_from_where_the_catalog_does_not_exist_and_to_itself(variant_dir):
    def edit(m: dict) -> None:
        m["shares"][0]["producer"] = "prod-staging"
        m["shares"][0]["consumers"][1]["principals"] = {}

    edit_yaml(variant_dir / "mesh.yaml", edit)
    issues = load_issues(variant_dir)
    assert_issue(issues, "mesh.yaml", "shares[0].producer", "does not exist in 'prod-staging'")
    assert_issue(issues, "mesh.yaml", "shares[0].consumers[1].environment", "the producer's own environment")
    assert_issue(issues, "mesh.yaml", "shares[0].consumers[1].principals", "nobody receives the grants")


def test_column_level_update_is_refused_with_the_lake_formation_explanation(variant_dir):
    def edit(m: dict) -> None:
        logistics = m["teams"][0]
        logistics["grants"].append(
            {"table": "sales_transaction_table", "permissions": ["update"], "columns": ["status_cd"]}
        )

    edit_yaml(variant_dir / "mesh.yaml", edit)
    issue = assert_issue(
        load_issues(variant_dir),
        "mesh.yaml",
        "teams[0].grants[4].permissions",
        "UPDATE of columns status_cd cannot be expressed in Lake Formation",
    )
    assert "no UPDATE permission" in issue.fix and "[insert, delete]" in issue.fix


def test_team_grant_errors(variant_dir):
    def edit(m: dict) -> None:
        m["teams"][0]["grants"].append({"table": "sales_refund_table", "permissions": ["select"]})
        m["teams"][1]["grants"][0] = {
            "table": "sales_item_table",
            "permissions": ["select", "insert"],
            "columns": ["item_id"],
        }
        m["teams"][2]["groups"] = ["sales-people"]
        m["teams"][2]["environments"] = ["prod-dev"]

    edit_yaml(variant_dir / "mesh.yaml", edit)
    issues = load_issues(variant_dir)
    assert_issue(issues, "mesh.yaml", "teams[0].grants[4].table", "no table 'sales_refund_table'")
    assert_issue(issues, "mesh.yaml", "teams[1].grants[0].columns", "restricts only SELECT to columns, not insert")
    assert_issue(issues, "mesh.yaml", "teams[2].groups[0]", "unknown group 'sales-people'")
    assert_issue(issues, "mesh.yaml", "teams[2].grants[0].table", "does not exist in prod-dev")


def test_a_consumer_in_another_region_is_refused_with_both_regions_and_the_fix(variant_dir):
    """Issue 22 #11: the consumer's links and grants were built in its own region while the shared
    database lives in the producer's; the mesh refuses the share rather than deploy grants on
    ARNs of the wrong region."""
    edit_text(variant_dir / "prod-dev.yaml", "region: eu-west-1", "region: eu-central-1")
    issue = assert_issue(
        load_issues(variant_dir),
        "mesh.yaml",
        "shares[0].consumers[0].environment",
        "'prod-dev' deploys in eu-central-1 and the producer 'prod' in eu-west-1: the mesh shares tables within "
        "one region only",
    )
    assert issue.line is not None
    assert "from an environment in eu-west-1 (region: in prod-dev.yaml)" in issue.fix


def test_consumers_in_the_producers_region_load():
    config = load_mesh(VARIANT)
    regions = {e.name: e.region for e in config.environments}
    assert {regions[c.environment] for c in config.mesh.shares[0].consumers} == {regions["prod"]}
