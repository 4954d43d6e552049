"""Domain catalogs, tables and subscriptions in the config layer: the example loads, and one test per
bad input, each a small edit of the example reported with file, path, problem and fix."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

from mesh_config import load_mesh
from mesh_config.data_products import Timezone, asset_name
from tests.config_edits import EXAMPLE, assert_issue, edit_yaml, load_issues


def _catalog(data: dict, bu: str) -> dict:
    return next(c for c in data["catalogs"] if c["business_unit"] == bu)


def _table(data: dict, bu: str, dataset: str) -> dict:
    return next(t for t in _catalog(data, bu)["tables"] if t["dataset"] == dataset)


def test_example_catalogs_tables_and_subscriptions() -> None:
    config = load_mesh(EXAMPLE)
    dev = config.naming(config.environment("dev"))
    assert [dev.catalog_database(c.business_unit) for c in config.mesh.catalogs] == [
        "finance_dev_catalog",
        "sales_dev_catalog",
        "ops_dev_catalog",
    ]
    assets = {c.business_unit: [asset_name(c.business_unit, t) for t in c.tables] for c in config.mesh.catalogs}
    assert assets["finance"] == [
        "finance_gl_transactions_table",
        "finance_pnl_reports_table",
        "finance_budget_data_table",
        "finance_customer_profiles_table",
        "finance_customer_revenue_table",
    ]
    assert "sales_opportunities_table" in assets["sales"] and "sales_product_catalog_table" in assets["sales"]
    # The last one is the shipment-photos workload's metadata, added to its owner's catalog.
    assert assets["ops"] == [
        "ops_inventory_levels_table",
        "ops_supply_shipments_table",
        "ops_orders_table",
        "ops_shipment_photos_table",
    ]
    pii = {c.name for cat in config.mesh.catalogs for t in cat.tables for _, _, c in t.all_columns() if c.pii}
    assert {"contact_email", "ship_to_address", "budget_owner_email"} <= pii
    assert [(s.consumer, s.target) for s in config.mesh.subscriptions] == [
        ("sales-analytics", "finance_gl_transactions_table"),
        ("finance-customer360", "sales_opportunities_table"),
        ("finance-customer360", "sales_product_catalog_table"),
        ("sales-analytics", "customer360"),
    ]
    assert list(config.product_stacks(config.environment("dev"))) == [
        "products-1",
    ]


def test_timezones_are_the_data_source_schema_enum() -> None:
    schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("eu-west-1", "AWS::DataZone::DataSource").schema
    assert {t.value for t in Timezone} == set(schema["definitions"]["Timezone"]["enum"])


def test_glue_type_grammar(env_dir: Path) -> None:
    edit_yaml(
        env_dir / "mesh.yaml", lambda m: _table(m, "finance", "gl_transactions")["columns"][3].update(type="decimal(18")
    )
    issue = assert_issue(
        load_issues(env_dir), "mesh.yaml", "catalogs[0].tables[0].columns[3].type", "'decimal(18' is not a Glue type"
    )
    assert "decimal(18,2)" in issue.fix


def test_duplicate_column_across_columns_and_partition_keys(env_dir: Path) -> None:
    edit_yaml(
        env_dir / "mesh.yaml",
        lambda m: _table(m, "finance", "gl_transactions")["partition_keys"].append(
            {"name": "currency", "type": "string"}
        ),
    )
    assert_issue(
        load_issues(env_dir),
        "mesh.yaml",
        "catalogs[0].tables[0].partition_keys[1].name",
        "'currency' is declared twice",
    )


def test_unknown_producer_project(env_dir: Path) -> None:
    edit_yaml(env_dir / "mesh.yaml", lambda m: _catalog(m, "finance").update(owner="finance-ledger"))
    issue = assert_issue(load_issues(env_dir), "mesh.yaml", "catalogs[0].owner", "unknown project 'finance-ledger'")
    assert "finance-reporting" in issue.fix


def test_producer_from_another_business_unit(env_dir: Path) -> None:
    edit_yaml(env_dir / "mesh.yaml", lambda m: _table(m, "finance", "budget_data").update(producer="sales-forecasting"))
    assert_issue(load_issues(env_dir), "mesh.yaml", "catalogs[0].tables[2].producer", "outside business unit 'finance'")


def test_producer_profile_without_a_lakehouse(env_dir: Path) -> None:
    edit_yaml(env_dir / "mesh.yaml", lambda m: _catalog(m, "ops").update(owner="data-platform-etl"))
    issues = load_issues(env_dir)
    assert_issue(issues, "mesh.yaml", "catalogs[2].owner", "outside business unit 'ops'")
    # data-platform-etl's genai profile has DataLake; an all-capabilities project without it fails:
    edit_yaml(
        env_dir / "mesh.yaml",
        lambda m: [
            _catalog(m, "ops").update(owner="ops-inventory"),
            next(p for p in m["project_profiles"] if p["capability"] == "sql-analytics")["environments"].pop(1),
        ],
    )
    issue = assert_issue(load_issues(env_dir), "mesh.yaml", "catalogs[2].owner", "does not deploy DataLake on create")
    assert "ON_CREATE" in issue.fix


def test_unknown_glossary_term_on_a_column_and_a_table(env_dir: Path) -> None:
    def edit(m: dict) -> None:
        table = _table(m, "finance", "gl_transactions")
        table["columns"][0]["term"] = "enterprise/Ledger"
        table["terms"] = ["Transaction"]

    edit_yaml(env_dir / "mesh.yaml", edit)
    issues = load_issues(env_dir)
    assert_issue(
        issues, "mesh.yaml", "catalogs[0].tables[0].columns[0].term", "glossary 'enterprise' has no term 'Ledger'"
    )
    assert_issue(issues, "mesh.yaml", "catalogs[0].tables[0].terms[0]", "'Transaction' names no glossary")


def test_unknown_form_and_field(env_dir: Path) -> None:
    def edit(m: dict) -> None:
        table = _table(m, "finance", "gl_transactions")
        table["forms"]["Lineage"] = {"source": "erp"}
        # The ledger's score is measured (quality rules): the hand-typed one is on the opportunities.
        _table(m, "sales", "opportunities")["forms"]["DataQuality"]["quality_percent"] = 99

    edit_yaml(env_dir / "mesh.yaml", edit)
    issues = load_issues(env_dir)
    assert_issue(issues, "mesh.yaml", "catalogs[0].tables[0].forms.Lineage", "unknown metadata form 'Lineage'")
    assert_issue(
        issues, "mesh.yaml", "catalogs[1].tables[1].forms.DataQuality.quality_percent", "has no field 'quality_percent'"
    )


def test_form_values_that_do_not_match_the_fields(env_dir: Path) -> None:
    def edit(m: dict) -> None:
        forms = _table(m, "finance", "gl_transactions")["forms"]
        _table(m, "sales", "opportunities")["forms"]["DataQuality"]["quality_score"] = "high"
        forms["DataClassification"]["classification"] = "secret"
        forms["DataClassification"]["contains_pii"] = "no"
        forms["DataClassification"]["business_term"] = "finance/EBITDA"

    edit_yaml(env_dir / "mesh.yaml", edit)
    issues = load_issues(env_dir)
    base = "catalogs[0].tables[0].forms"
    assert_issue(
        issues, "mesh.yaml", "catalogs[1].tables[1].forms.DataQuality.quality_score", "'high' is not a integer value"
    )
    issue = assert_issue(issues, "mesh.yaml", f"{base}.DataClassification.classification", "'secret' is not an allowed")
    assert "confidential" in issue.fix
    assert_issue(issues, "mesh.yaml", f"{base}.DataClassification.contains_pii", "'no' is not a boolean value")
    assert_issue(
        issues, "mesh.yaml", f"{base}.DataClassification.business_term", "takes terms of glossary 'enterprise'"
    )


def test_missing_required_field(env_dir: Path) -> None:
    edit_yaml(
        env_dir / "mesh.yaml",
        lambda m: _catalog(m, "sales")["data_source"]["forms"]["DataProductOwner"].pop("owner_email"),
    )
    assert_issue(
        load_issues(env_dir),
        "mesh.yaml",
        "catalogs[1].data_source.forms.DataProductOwner",
        "required field of form 'DataProductOwner' missing: owner_email",
    )


def test_glossary_term_field_on_the_data_source(env_dir: Path) -> None:
    edit_yaml(
        env_dir / "mesh.yaml",
        lambda m: _catalog(m, "ops")["data_source"]["forms"].update(
            DataClassification={
                "classification": "internal",
                "contains_pii": False,
                "business_term": "enterprise/Product",
            }
        ),
    )
    issue = assert_issue(
        load_issues(env_dir),
        "mesh.yaml",
        "catalogs[2].data_source.forms.DataClassification.business_term",
        "a data source cannot resolve",
    )
    assert "forms of each table" in issue.fix


def test_names_and_lengths(env_dir: Path) -> None:
    def edit(m: dict) -> None:
        _table(m, "finance", "gl_transactions")["dataset"] = "GL-Transactions"
        _table(m, "finance", "pnl_reports")["columns"][0]["description"] = "x" * 256

    edit_yaml(env_dir / "mesh.yaml", edit)
    issues = load_issues(env_dir)
    assert_issue(issues, "mesh.yaml", "catalogs[0].tables[0].dataset", "wrong format")
    assert_issue(issues, "mesh.yaml", "catalogs[0].tables[1].columns[0].description", "at most 255")


def test_table_name_longer_than_glue_allows(env_dir: Path) -> None:
    edit_yaml(env_dir / "mesh.yaml", lambda m: _table(m, "ops", "orders").update(dataset="o" * 250))
    assert_issue(load_issues(env_dir), "mesh.yaml", "catalogs[2].tables[2].dataset", "Glue allows 255")


def test_duplicate_table_catalog_and_overlapping_prefixes(env_dir: Path) -> None:
    def edit(m: dict) -> None:
        finance = _catalog(m, "finance")
        finance["tables"].append(dict(finance["tables"][0], storage={"layer": "curated", "prefix": "finance/gl/"}))
        finance["tables"][1]["storage"] = {"layer": "curated", "prefix": "finance/gl_transactions/daily/"}
        m["catalogs"].append({"business_unit": "sales", "owner": "sales-forecasting"})

    edit_yaml(env_dir / "mesh.yaml", edit)
    issues = load_issues(env_dir)
    assert_issue(
        issues, "mesh.yaml", "catalogs[0].tables[5].dataset", "'finance_gl_transactions_table' is declared twice"
    )
    assert_issue(
        issues,
        "mesh.yaml",
        "catalogs[0].tables[1].storage.prefix",
        "lies inside the prefix 'finance/gl_transactions/' of catalogs[0].tables[0]: the two overlap",
    )
    assert_issue(issues, "mesh.yaml", "catalogs[3].business_unit", "a second catalog for business unit 'sales'")


def test_catalog_of_a_team_unit_and_raw_layer(env_dir: Path) -> None:
    def edit(m: dict) -> None:
        _catalog(m, "ops")["business_unit"] = "sales-ops"
        _table(m, "finance", "budget_data")["storage"]["layer"] = "raw"

    edit_yaml(env_dir / "mesh.yaml", edit)
    issues = load_issues(env_dir)
    assert_issue(issues, "mesh.yaml", "catalogs[2].business_unit", "'sales-ops' is not a business unit")
    assert_issue(issues, "mesh.yaml", "catalogs[0].tables[2].storage.layer", "unknown data-lake layer 'raw'")


def test_publish_on_import_with_an_unpublished_table(env_dir: Path) -> None:
    edit_yaml(env_dir / "mesh.yaml", lambda m: _table(m, "ops", "orders").update(published=False))
    assert_issue(load_issues(env_dir), "mesh.yaml", "catalogs[2].tables[2].published", "cannot stay unpublished")


def test_hourly_schedule_is_refused_with_the_reason(env_dir: Path) -> None:
    edit_yaml(
        env_dir / "mesh.yaml", lambda m: _catalog(m, "ops")["data_source"]["schedule"].update(cron="cron(0 * * * ? *)")
    )
    issue = assert_issue(load_issues(env_dir), "mesh.yaml", "catalogs[2].data_source.schedule.cron", "wrong format")
    assert "at most daily" in issue.fix


def test_subscription_to_an_unknown_or_unpublished_asset(env_dir: Path) -> None:
    def edit(m: dict) -> None:
        m["subscriptions"][0]["asset"] = "finance_gl_ledger_table"
        m["subscriptions"][1]["asset"] = "sales_quotes_table"

    edit_yaml(env_dir / "mesh.yaml", edit)
    issues = load_issues(env_dir)
    issue = assert_issue(issues, "mesh.yaml", "subscriptions[0].asset", "no table 'finance_gl_ledger_table'")
    assert "finance_gl_transactions_table" in issue.fix
    assert_issue(issues, "mesh.yaml", "subscriptions[1].asset", "'sales_quotes_table' is not published")


def test_subscription_consumer_unknown_missing_or_producer(env_dir: Path) -> None:
    def edit(m: dict) -> None:
        m["subscriptions"][0]["consumer"] = "sales-analytic"
        m["subscriptions"][1]["consumer"] = "sales-forecasting"
        m["subscriptions"].append(dict(m["subscriptions"][2]))
        next(p for p in m["projects"] if p["use_case"] == "customer360")["environments"] = ["dev"]

    edit_yaml(env_dir / "mesh.yaml", edit)
    issues = load_issues(env_dir)
    assert_issue(issues, "mesh.yaml", "subscriptions[0].consumer", "unknown project 'sales-analytic'")
    assert_issue(issues, "mesh.yaml", "subscriptions[1].consumer", "produces 'sales_opportunities_table'")
    assert_issue(issues, "mesh.yaml", "subscriptions[4]", "declared twice")
    issue = assert_issue(issues, "mesh.yaml", "subscriptions[2].consumer", "does not exist in staging, prod")
    assert "environments" in issue.fix


def test_subscription_limited_to_some_environments_loads(env_dir: Path) -> None:
    def edit(m: dict) -> None:
        # sales-analytics subscribes to finance_gl_transactions_table and to the customer360 product.
        next(p for p in m["projects"] if p["use_case"] == "analytics")["environments"] = ["dev"]
        for s in m["subscriptions"]:
            if s["consumer"] == "sales-analytics":
                s["environments"] = ["dev"]
                s.pop("extra_principals", None)  # a role of the prod account

    edit_yaml(env_dir / "mesh.yaml", edit)
    config = load_mesh(env_dir)
    assert len(config.subscriptions_in(config.environment("dev"))) == 4
    assert len(config.subscriptions_in(config.environment("prod"))) == 2


def test_projects_stack_with_more_referenced_projects_than_outputs_allowed(env_dir: Path) -> None:
    def edit(m: dict) -> None:
        m["domain_units"].append({"id": "bulk", "owners": ["data-engineers"]})
        m["layout"] = {"product_stacks": 4}
        keys = [f"p{i:03d}" for i in range(201)]
        m["projects"] += [
            {"domain_unit": "bulk", "use_case": k, "profile": "sql-analytics", "owners": ["data-engineers"]}
            for k in keys
        ]
        table = {"columns": [{"name": "id", "type": "string"}]}
        m["catalogs"].append(
            {
                "business_unit": "bulk",
                "owner": "bulk-p000",
                "tables": [
                    {**table, "dataset": k, "producer": f"bulk-{k}", "storage": {"prefix": f"bulk/{k}/"}} for k in keys
                ],
            }
        )

    edit_yaml(env_dir / "mesh.yaml", edit)
    issue = assert_issue(load_issues(env_dir), "mesh.yaml", "layout.project_stacks", "would hold about 207 outputs")
    assert "CloudFormation allows 200 in a stack" in issue.problem
    assert "set layout.project_stacks: 2" in issue.fix


def test_products_stack_template_over_the_size_limit(env_dir: Path) -> None:
    def edit(m: dict) -> None:
        columns = [{"name": f"c{i:04d}", "type": "string", "description": "d" * 250} for i in range(3000)]
        _table(m, "sales", "quotes")["columns"] += columns

    edit_yaml(env_dir / "mesh.yaml", edit)
    issue = assert_issue(load_issues(env_dir), "mesh.yaml", "layout.product_stacks", "refuses templates over 1 MB")
    # Each description is in the template twice: the Glue column's comment and the run's ColumnDescriptions.
    assert "set layout.product_stacks: 4" in issue.fix


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        (
            "finance/../sales/crm_accounts/",
            "segment '..' is a relative path that Glue and Lake Formation do not resolve",
        ),
        ("finance/./gl_transactions/", "segment '.' is a relative path"),
        ("finance//gl_transactions/", "it has an empty segment ('//')"),
        ("/finance/gl_transactions/", "it starts with '/'"),
        ("finance/gl_transactions", "it does not end with '/'"),
    ],
)
def test_a_storage_prefix_must_be_normalised_segments(env_dir: Path, prefix: str, expected: str) -> None:
    edit_yaml(env_dir / "mesh.yaml", lambda m: _table(m, "finance", "gl_transactions")["storage"].update(prefix=prefix))
    issue = assert_issue(
        load_issues(env_dir), "mesh.yaml", "catalogs[0].tables[0].storage.prefix", f"has the wrong format: {expected}"
    )
    assert "none of them empty, '.' or '..'" in issue.fix


def test_dots_inside_a_segment_are_not_relative_paths(env_dir: Path) -> None:
    edit_yaml(
        env_dir / "mesh.yaml",
        lambda m: _table(m, "finance", "gl_transactions")["storage"].update(prefix="finance/gl.v2/..archive/"),
    )
    assert load_mesh(env_dir).mesh.catalogs[0].tables[0].storage.prefix == "finance/gl.v2/..archive/"


def test_prefixes_of_two_business_units_must_not_overlap_in_a_shared_layer_bucket(env_dir: Path) -> None:
    def edit(m: dict) -> None:
        _table(m, "sales", "crm_accounts")["storage"] = {"layer": "curated", "prefix": "finance/gl_transactions/crm/"}
        _table(m, "ops", "orders")["storage"]["prefix"] = "finance/"

    edit_yaml(env_dir / "mesh.yaml", edit)
    issues = load_issues(env_dir)
    assert_issue(
        issues,
        "mesh.yaml",
        "catalogs[1].tables[0].storage.prefix",
        "'finance/gl_transactions/crm/' lies inside the prefix 'finance/gl_transactions/' of catalogs[0].tables[0] "
        "(catalog 'finance'): the two overlap in the curated layer's bucket of every environment",
    )
    # One issue per pair, at the later table of the two: ops' finance/ holds every finance and sales table above.
    around = [i for i in issues if i.path == "catalogs[2].tables[2].storage.prefix"]
    assert len(around) == 3 and all("'finance/' contains the prefix" in i.problem for i in around)


def test_overlapping_prefixes_of_catalogs_that_never_share_an_environment(env_dir: Path) -> None:
    def edit(m: dict) -> None:
        ops = _catalog(m, "ops")
        ops["environments"] = ["prod"]
        table = {**ops["tables"][2], "dataset": "platform_orders"}
        m["catalogs"].append(
            {"business_unit": "data-platform", "owner": "data-platform-etl", "environments": ["dev"], "tables": [table]}
        )

    edit_yaml(env_dir / "mesh.yaml", edit)
    load_mesh(env_dir)  # ops/orders/ twice, in prod's bucket and in dev's
    edit_yaml(env_dir / "mesh.yaml", lambda m: m["catalogs"][3].update(environments=["dev", "prod"]))
    assert_issue(
        load_issues(env_dir),
        "mesh.yaml",
        "catalogs[3].tables[0].storage.prefix",
        "repeats the prefix 'ops/orders/' of catalogs[2].tables[2] (catalog 'ops'): the two overlap in the curated "
        "layer's bucket of environment prod,",
    )


def test_two_catalogs_naming_one_glue_database(env_dir: Path) -> None:
    def edit(m: dict) -> None:
        _catalog(m, "sales")["database"] = "finance_dev_catalog"  # finance's derived name in dev
        _catalog(m, "ops")["database"] = "legacy_db"
        _catalog(m, "finance")["database"] = "legacy_db"

    edit_yaml(env_dir / "mesh.yaml", edit)
    issues = load_issues(env_dir)
    issue = assert_issue(
        issues,
        "mesh.yaml",
        "catalogs[2].database",
        "Glue database 'legacy_db' (the database of catalogs[2] ('ops')) has the name of the database of "
        "catalogs[0] ('finance'), in environments dev, staging, prod",
    )
    assert "'database' name of its own" in issue.fix
    assert not [i for i in issues if i.path == "catalogs[1].database"]  # finance is legacy_db now, in every environment


def test_a_declared_database_name_equal_to_a_derived_one(env_dir: Path) -> None:
    edit_yaml(env_dir / "mesh.yaml", lambda m: _catalog(m, "sales").update(database="finance_dev_catalog"))
    assert_issue(
        load_issues(env_dir),
        "mesh.yaml",
        "catalogs[1].database",
        "has the name of the database of catalogs[0] ('finance'), in environment dev:",
    )


def test_environments_sharing_an_account_share_its_glue_catalog(env_dir: Path) -> None:
    edit_yaml(env_dir / "mesh.yaml", lambda m: _catalog(m, "ops").update(database="ops_db"))
    account = yaml.safe_load((env_dir / "dev.yaml").read_text())["account"]

    def share_account(e: dict) -> None:
        e.update(account=account, shared_account_reason="A sandbox account for dev and staging until Q3")

    edit_yaml(env_dir / "staging.yaml", share_account)
    assert_issue(
        load_issues(env_dir),
        "mesh.yaml",
        "catalogs[2].database",
        "has the name of the database of catalogs[2] ('ops'), in environment staging (sharing account "
        f"{account} with dev)",
    )
