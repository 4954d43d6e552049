"""`datamesh products list` and `show` through Typer's runner, over Stubber-backed real clients."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from datamesh import cli
from tests.datamesh_fakes import MESH
from tests.datamesh_product_fakes import customer360, product_item, product_listings, search_products

runner = CliRunner()


@pytest.fixture
def cli_aws(aws, monkeypatch):
    clients, stubs = aws
    monkeypatch.setattr(cli.STATE, "clients", lambda profile, role: lambda service, region: clients[service])
    return stubs


def invoke(*args: str):
    return runner.invoke(cli.app, ["--mesh-dir", MESH, "--env", "dev", *args])


def test_products_list_shows_each_product_with_its_listed_revision_and_declaration(cli_aws):
    stub = cli_aws["datazone"]
    search_products(stub, product_item("dp1", "customer360"), product_item("dp2", "portal-made", "p2"))
    product_listings(stub, {"dp1": "3"})
    result = runner.invoke(cli.app, ["--mesh-dir", MESH, "--env", "dev", "--output", "json", "products", "list"])
    assert result.exit_code == 0, result.output
    rows = {r["name"]: r for r in json.loads(result.output)}
    assert rows["customer360"]["listed_revision"] == "3"
    assert rows["customer360"]["declared_in"] == "mesh.yaml data_products[0]"
    assert rows["portal-made"]["listing_id"] is None and rows["portal-made"]["declared_in"] is None
    stub.assert_no_pending_responses()


def test_products_list_as_a_table(cli_aws):
    search_products(cli_aws["datazone"], product_item("dp1", "customer360"))
    product_listings(cli_aws["datazone"], {})
    result = invoke("products", "list")
    assert result.exit_code == 0, result.output
    assert "customer360" in result.output and "Data products" in result.output


def test_products_show_names_the_assets_terms_forms_and_listing(cli_aws):
    customer360(cli_aws["datazone"])
    result = invoke("products", "show", "customer360")
    assert result.exit_code == 0, result.output
    assert "customer360  (dp1, revision 2, published)" in result.output
    assert "declared in mesh.yaml data_products[0]" in result.output
    assert "finance_customer_profiles_table" in result.output and "finance_customer_revenue_table" in result.output
    assert "glossary terms: acme-enterprise-glossary/Customer" in result.output
    assert 'form DataProductOwner: {"owner_team": "finance-customer360"' in result.output
    cli_aws["datazone"].assert_no_pending_responses()


def test_products_show_says_when_a_newer_revision_is_not_listed_yet(cli_aws):
    customer360(cli_aws["datazone"], revision="3", listed="2")
    result = runner.invoke(
        cli.app, ["--mesh-dir", MESH, "--env", "dev", "--output", "json", "products", "show", "customer360"]
    )
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["published"] is False and shown["product"]["listed_revision"] == "2"
    assert [i["asset_name"] for i in shown["items"]] == [
        "finance_customer_profiles_table",
        "finance_customer_revenue_table",
    ]


def test_an_unknown_product_is_one_line_with_a_suggestion(cli_aws):
    search_products(cli_aws["datazone"], text="customer36")
    result = invoke("products", "show", "customer36")
    assert result.exit_code == 1
    assert "error: no data product 'customer36' in dev; did you mean 'customer360'?" in result.output
    assert "Traceback" not in result.output


def test_a_denied_search_is_one_line_and_exit_1(cli_aws):
    cli_aws["datazone"].add_client_error("search", "AccessDeniedException", "denied", 403)
    result = invoke("products", "list")
    assert result.exit_code == 1
    assert "error: listing the data products" in result.output and "Traceback" not in result.output
