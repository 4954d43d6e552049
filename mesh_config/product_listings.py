"""Data products: published tables of the mesh grouped under one name, listed in the catalog as one
unit that consumers find and subscribe to with one request (DataZone CreateDataProduct, then one
DATA_PRODUCT listing).

DataZone builds a data product inside a project from that project's inventory ("Create new data
products", DataZone user guide: the project's Inventory data, then Select assets), so every table
of a product is produced by the product's owner project; validation (product_listing_checks.py)
says so before a deploy tries.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from mesh_config.data_products import FormValues
from mesh_config.formats import Slug, SnakeName

# botocore datazone model: DataProductDescription 1-4 096 characters, GlossaryTerms 1-20 ids,
# FormInputList at most 10 forms, DataProductItems at least one.
MAX_PRODUCT_DESCRIPTION = 4096
MAX_PRODUCT_TERMS = 20
MAX_PRODUCT_FORMS = 10
# DataProductName: 1-64 characters.
MAX_PRODUCT_NAME = 64


class DataProduct(BaseModel):
    """A named group of one owner project's published tables, published as one listing."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Slug = Field(
        max_length=MAX_PRODUCT_NAME,
        description="the data product's name in the catalog, unique in the domain (e.g. customer360)",
    )
    description: str = Field("", max_length=MAX_PRODUCT_DESCRIPTION, description="what the product offers, and to whom")
    owner: Slug = Field(
        description="key <unit>-<use-case> of the project that owns the product: it must produce every table in it"
    )
    tables: list[SnakeName] = Field(
        min_length=1,
        description="asset names <bu>_<dataset>_<type> of published tables of the owner project, e.g. "
        "finance_customer_profiles_table",
    )
    terms: list[str] = Field(
        default_factory=list,
        max_length=MAX_PRODUCT_TERMS,
        description="glossary terms of the product: '<scope>/Term', e.g. enterprise/Customer",
    )
    forms: FormValues = Field(
        default_factory=dict, description="metadata forms of the product: form name -> field values"
    )
    environments: list[Slug] | None = Field(
        None, description="environments where the product exists; default: every one where its tables do"
    )

    def exists_in(self, env: str) -> bool:
        return self.environments is None or env in self.environments


def products_in(products: list[DataProduct], env: str) -> list[DataProduct]:
    return [p for p in products if p.exists_in(env)]
