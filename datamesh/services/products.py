"""Data products of the environment's domain: the inventory's products with their listing, and
one product's assets, terms and forms.

The YAML's data_products own what they declare (the products stacks revise them at every
deployment), so this only reads; ``declared_in`` says where a product is declared.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from datamesh.context import MeshContext
from datamesh.errors import by_name_or_id
from datamesh.services.catalog import CatalogService
from datamesh.services.paging import call, search_results


@dataclass(frozen=True)
class ProductSummary:
    id: str
    name: str
    owning_project_id: str
    description: str = ""
    listing_id: str | None = None  # set when the catalog lists the product
    listed_revision: str | None = None  # the product revision the catalog lists
    declared_in: str | None = None  # where the YAML declares it, when it does


@dataclass(frozen=True)
class ProductItem:
    asset_id: str
    asset_name: str


@dataclass(frozen=True)
class ProductDetails:
    product: ProductSummary
    revision: str
    status: str
    items: list[ProductItem] = field(default_factory=list)
    glossary_term_names: tuple[str, ...] = ()  # '<glossary>/<term>' where known, else the id
    forms: dict[str, dict[str, Any]] = field(default_factory=dict)  # form name -> content

    @property
    def published(self) -> bool:
        """Whether the catalog lists this very revision (an older one: a republish is due)."""
        return self.product.listed_revision == self.revision


class ProductService:
    def __init__(self, ctx: MeshContext) -> None:
        self.ctx = ctx
        self.declared = {p.name: i for i, p in enumerate(ctx.config.mesh.data_products)}

    def _listings(self, text: str = "") -> dict[str, dict[str, Any]]:
        """Product id -> its catalog listing (SearchListings' dataProductListing items)."""
        found = search_results(
            self.ctx.datazone,
            "search_listings",
            "dataProductListing",
            "searching the catalog for data products",
            domainIdentifier=self.ctx.domain_id,
            **({"searchText": text} if text else {}),
        )
        return {str(item["entityId"]): item for item in found if "entityId" in item}

    def _declared_in(self, name: str) -> str | None:
        index = self.declared.get(name)
        return None if index is None else f"mesh.yaml data_products[{index}]"

    def list(self, text: str = "") -> list[ProductSummary]:
        """The inventory's data products (published or not), each with its listing if any."""
        found = list(
            search_results(
                self.ctx.datazone,
                "search",
                "dataProductItem",
                "listing the data products",
                domainIdentifier=self.ctx.domain_id,
                searchScope="DATA_PRODUCT",
                **({"searchText": text} if text else {}),
            )
        )
        listings = self._listings(text) if found else {}
        return [self._summary(p, listings.get(str(p["id"]))) for p in found]

    def _summary(self, product: dict[str, Any], listing: dict[str, Any] | None) -> ProductSummary:
        return ProductSummary(
            id=str(product["id"]),
            name=str(product["name"]),
            owning_project_id=str(product.get("owningProjectId", "")),
            description=str(product.get("description", "")),
            listing_id=None if listing is None else listing.get("listingId"),
            listed_revision=None if listing is None else listing.get("entityRevision"),
            declared_in=self._declared_in(str(product["name"])),
        )

    def find(self, name: str) -> ProductSummary:
        """A product by its exact name or id, with a suggestion when there is none."""
        return by_name_or_id(name, self.list(name), "data product", self.ctx.env.name, self.declared)

    def show(self, name: str) -> ProductDetails:
        summary = self.find(name)
        product = call(
            f"reading data product {summary.name}",
            self.ctx.datazone.get_data_product,
            domainIdentifier=self.ctx.domain_id,
            identifier=summary.id,
        )
        items = [
            ProductItem(str(i["identifier"]), self._asset_name(str(i["identifier"])))
            for i in product.get("items", [])
            if i.get("itemType") == "ASSET"
        ]
        terms = tuple(product.get("glossaryTerms", []))
        names = CatalogService(self.ctx).term_names() if terms else {}
        return ProductDetails(
            product=summary,
            revision=str(product.get("revision", "")),
            status=str(product.get("status", "")),
            items=items,
            glossary_term_names=tuple(names.get(t, t) for t in terms),
            forms={f["formName"]: json.loads(f.get("content") or "{}") for f in product.get("formsOutput", [])},
        )

    def _asset_name(self, asset_id: str) -> str:
        asset = call(
            f"reading asset {asset_id}",
            self.ctx.datazone.get_asset,
            domainIdentifier=self.ctx.domain_id,
            identifier=asset_id,
        )
        return str(asset.get("name", asset_id))
