"""Data products in the config layer: the example's customer360 loads, and each bad input is one
issue naming the file, the path in it, the problem and the fix."""

from __future__ import annotations

from pathlib import Path

from mesh_config import load_mesh
from mesh_config.placement import subscription_key
from tests.config_edits import EXAMPLE, assert_issue, edit_yaml, load_issues


def _product(m: dict) -> dict:
    return m["data_products"][0]


def test_the_example_groups_the_customer360_tables_of_one_producer():
    config = load_mesh(EXAMPLE)
    (product,) = config.mesh.data_products
    assert product.name == "customer360" and product.owner == "finance-customer360"
    assert product.tables == ["finance_customer_profiles_table", "finance_customer_revenue_table"]
    (sub,) = [s for s in config.mesh.subscriptions if s.data_product]
    assert (sub.consumer, sub.asset) == ("sales-analytics", None)
    assert subscription_key(sub) == "sales-analytics/data-product/customer360"


def test_a_product_spanning_two_producer_projects_is_one_error(env_dir: Path):
    """A sales table and a finance table have different producers: DataZone builds a product from one
    project's inventory."""
    edit_yaml(
        env_dir / "mesh.yaml",
        lambda m: _product(m).update(
            owner="finance-reporting", tables=["finance_gl_transactions_table", "sales_crm_accounts_table"]
        ),
    )
    issues = load_issues(env_dir)
    issue = assert_issue(issues, "mesh.yaml", "data_products[0].tables", "spans the tables of 2 producer projects")
    assert "'finance-reporting' (finance_gl_transactions_table)" in issue.problem
    assert "'sales-forecasting' (sales_crm_accounts_table)" in issue.problem
    assert "owner project's inventory" in issue.problem
    assert [i for i in issues if i.path.startswith("data_products")] == [issue]


def test_an_owner_that_produces_none_of_the_tables(env_dir: Path):
    edit_yaml(env_dir / "mesh.yaml", lambda m: _product(m).update(owner="finance-reporting"))
    issue = assert_issue(load_issues(env_dir), "mesh.yaml", "data_products[0].owner", "produces none")
    assert "set owner: finance-customer360" in issue.fix


def test_unknown_unpublished_and_repeated_tables(env_dir: Path):
    def change(m: dict) -> None:
        _product(m)["tables"] = [
            "finance_customer_profile_table",
            "finance_customer_revenue_table",
            "finance_customer_revenue_table",
        ]
        profiles = next(t for t in m["catalogs"][0]["tables"] if t["dataset"] == "customer_revenue")
        profiles["published"] = False

    edit_yaml(env_dir / "mesh.yaml", change)
    issues = load_issues(env_dir)
    unknown = assert_issue(
        issues, "mesh.yaml", "data_products[0].tables[0]", "no table 'finance_customer_profile_table'"
    )
    assert "finance_customer_profiles_table" in unknown.fix
    assert_issue(issues, "mesh.yaml", "data_products[0].tables[1]", "is not published")
    assert_issue(issues, "mesh.yaml", "data_products[0].tables[2]", "listed twice")


def test_duplicate_names_unknown_owner_terms_and_forms(env_dir: Path):
    def change(m: dict) -> None:
        second = {**_product(m), "owner": "finance-customer36"}
        second["terms"] = ["enterprise/Custmer", "nowhere/Customer"]
        second["forms"] = {"DataOwner": {"team": "x"}, "DataProductOwner": {"owner_team": "x"}}
        m["data_products"].append(second)

    edit_yaml(env_dir / "mesh.yaml", change)
    issues = load_issues(env_dir)
    assert_issue(issues, "mesh.yaml", "data_products[1].name", "a second data product named 'customer360'")
    assert_issue(issues, "mesh.yaml", "data_products[1].owner", "unknown project 'finance-customer36'")
    assert_issue(issues, "mesh.yaml", "data_products[1].terms[0]", "glossary 'enterprise' has no term 'Custmer'")
    assert_issue(issues, "mesh.yaml", "data_products[1].terms[1]", "unknown glossary 'nowhere'")
    assert_issue(issues, "mesh.yaml", "data_products[1].forms.DataOwner", "unknown metadata form 'DataOwner'")
    assert_issue(issues, "mesh.yaml", "data_products[1].forms.DataProductOwner", "required field")


def test_a_product_whose_catalog_is_missing_in_an_environment(env_dir: Path):
    edit_yaml(env_dir / "mesh.yaml", lambda m: m["catalogs"][0].update(environments=["prod"]))
    issue = assert_issue(
        load_issues(env_dir), "mesh.yaml", "data_products[0].tables[0]", "does not exist in dev, staging"
    )
    assert "environments" in issue.fix


def test_a_subscription_names_exactly_one_of_asset_and_data_product(env_dir: Path):
    def change(m: dict) -> None:
        m["subscriptions"][0]["data_product"] = "customer360"
        del m["subscriptions"][3]["data_product"]

    edit_yaml(env_dir / "mesh.yaml", change)
    issues = load_issues(env_dir)
    assert_issue(issues, "mesh.yaml", "subscriptions[0]", "names both an asset and a data product")
    assert_issue(issues, "mesh.yaml", "subscriptions[3]", "names neither an asset nor a data product")


def test_a_subscription_to_an_unknown_or_own_data_product(env_dir: Path):
    def change(m: dict) -> None:
        m["subscriptions"][3]["data_product"] = "customer36"
        m["subscriptions"].append(
            {**m["subscriptions"][3], "consumer": "finance-customer360", "data_product": "customer360"}
        )

    edit_yaml(env_dir / "mesh.yaml", change)
    issues = load_issues(env_dir)
    issue = assert_issue(issues, "mesh.yaml", "subscriptions[3].data_product", "no data product 'customer36'")
    assert "customer360" in issue.fix
    assert_issue(issues, "mesh.yaml", "subscriptions[4].consumer", "owns data product 'customer360'")


def test_a_subscription_where_the_data_product_does_not_exist(env_dir: Path):
    edit_yaml(env_dir / "mesh.yaml", lambda m: _product(m).update(environments=["prod"]))
    assert_issue(load_issues(env_dir), "mesh.yaml", "subscriptions[3].data_product", "does not exist in dev, staging")


def test_without_data_products_the_mesh_loads_as_before(env_dir: Path):
    def change(m: dict) -> None:
        del m["data_products"]
        m["subscriptions"].pop()

    edit_yaml(env_dir / "mesh.yaml", change)
    assert load_mesh(env_dir).mesh.data_products == []


def test_extra_principals_on_a_data_product_subscription_are_refused(env_dir: Path):
    role = "arn:aws:iam::123456789012:role/service-role/acme-bi"
    edit_yaml(env_dir / "mesh.yaml", lambda m: m["subscriptions"][3].update(extra_principals=[role]))
    assert_issue(
        load_issues(env_dir), "mesh.yaml", "subscriptions[3].extra_principals", "a data product's subscription"
    )
