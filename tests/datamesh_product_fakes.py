"""Stubber answers for the data-product reads of the datamesh CLI and console."""

from __future__ import annotations

import json

from botocore.stub import Stubber

from tests.datamesh_fakes import DOMAIN, get_asset, term_names

OWNER_FORM = {"owner_team": "finance-customer360", "owner_email": "customer360@acme.example"}


def product_item(pid: str, name: str, owner: str = "p1") -> dict:
    return {"dataProductItem": {"domainId": DOMAIN, "id": pid, "name": name, "owningProjectId": owner}}


def search_products(stub: Stubber, *items: dict, text: str | None = None) -> None:
    params = {"domainIdentifier": DOMAIN, "searchScope": "DATA_PRODUCT", "maxResults": 50}
    if text:
        params["searchText"] = text
    stub.add_response("search", {"items": list(items)}, params)


def product_listings(stub: Stubber, revisions: dict[str, str], text: str | None = None) -> None:
    """The catalog's listings: product id -> listed revision, beside an asset's listing (skipped)."""
    items: list[dict] = [{"assetListing": {"listingId": "lst-a", "name": "finance_gl_transactions_table"}}]
    items += [
        {"dataProductListing": {"listingId": f"lst-{pid}", "entityId": pid, "entityRevision": rev, "name": pid}}
        for pid, rev in revisions.items()
    ]
    params = {"domainIdentifier": DOMAIN, "maxResults": 50}
    if text:
        params["searchText"] = text
    stub.add_response("search_listings", {"items": items}, params)


def customer360(stub: Stubber, revision: str = "2", listed: str = "2") -> None:
    """`products show customer360`: found, its listing, the product, its two assets' names, term names."""
    search_products(stub, product_item("dp1", "customer360"), text="customer360")
    product_listings(stub, {"dp1": listed}, text="customer360")
    stub.add_response(
        "get_data_product",
        {
            "domainId": DOMAIN,
            "id": "dp1",
            "revision": revision,
            "owningProjectId": "p1",
            "name": "customer360",
            "status": "CREATED",
            "glossaryTerms": ["t-Customer"],
            "items": [
                {"itemType": "ASSET", "identifier": "ast1"},
                {"itemType": "ASSET", "identifier": "ast2"},
            ],
            "formsOutput": [{"formName": "DataProductOwner", "content": json.dumps(OWNER_FORM)}],
        },
        {"domainIdentifier": DOMAIN, "identifier": "dp1"},
    )
    get_asset(stub, "finance_customer_profiles_table", "ast1", [])
    get_asset(stub, "finance_customer_revenue_table", "ast2", [])
    term_names(stub)
