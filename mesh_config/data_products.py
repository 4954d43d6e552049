"""Domain catalogs, their tables (data products) and the subscriptions of consumer projects.

Each business unit's data lands in its domain catalog (a Glue
database), a producer project imports the tables as assets with a DataZone data source,
publishes them with their metadata forms and glossary terms, and consumer projects subscribe.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from mesh_config.formats import DataSourceCron, FormName, S3Prefix, Slug, SnakeName
from mesh_config.quality import Quality

# Lake Formation: a table's data lives in one of these data-lake layers (foundation buckets).
PRODUCT_LAYERS = ("curated", "published")
# AWS::DataZone::DataSource AssetFormsInput holds at most 10 forms.
MAX_DATA_SOURCE_FORMS = 10
# Glue column comments are limited to 255 characters, table descriptions to 2 048.
MAX_COLUMN_COMMENT = 255
# Glue table and database names (Athena: lower case, letters, digits and '_').
MAX_GLUE_NAME = 255
# AWS::Glue::Table Column.Type (provider schema): also bounds the type parser's work.
MAX_GLUE_TYPE = 131_072


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)


class AssetType(StrEnum):
    """The last part of an asset name <domain>_<dataset>_<type>."""

    TABLE = "table"


class StorageFormat(StrEnum):
    PARQUET = "parquet"
    ORC = "orc"
    AVRO = "avro"
    JSON = "json"
    CSV = "csv"


class Timezone(StrEnum):
    """AWS::DataZone::DataSource ScheduleConfiguration.Timezone (the provider schema's enum;
    tests/test_data_products_config.py compares the two)."""

    AFRICA_JOHANNESBURG = "AFRICA_JOHANNESBURG"
    AMERICA_MONTREAL = "AMERICA_MONTREAL"
    AMERICA_SAO_PAULO = "AMERICA_SAO_PAULO"
    ASIA_BAHRAIN = "ASIA_BAHRAIN"
    ASIA_BANGKOK = "ASIA_BANGKOK"
    ASIA_CALCUTTA = "ASIA_CALCUTTA"
    ASIA_DUBAI = "ASIA_DUBAI"
    ASIA_HONG_KONG = "ASIA_HONG_KONG"
    ASIA_JAKARTA = "ASIA_JAKARTA"
    ASIA_KUALA_LUMPUR = "ASIA_KUALA_LUMPUR"
    ASIA_SEOUL = "ASIA_SEOUL"
    ASIA_SHANGHAI = "ASIA_SHANGHAI"
    ASIA_SINGAPORE = "ASIA_SINGAPORE"
    ASIA_TAIPEI = "ASIA_TAIPEI"
    ASIA_TOKYO = "ASIA_TOKYO"
    AUSTRALIA_MELBOURNE = "AUSTRALIA_MELBOURNE"
    AUSTRALIA_SYDNEY = "AUSTRALIA_SYDNEY"
    CANADA_CENTRAL = "CANADA_CENTRAL"
    CET = "CET"
    CST6CDT = "CST6CDT"
    ETC_GMT = "ETC_GMT"
    ETC_GMT0 = "ETC_GMT0"
    ETC_GMT_ADD_0 = "ETC_GMT_ADD_0"
    ETC_GMT_ADD_1 = "ETC_GMT_ADD_1"
    ETC_GMT_ADD_10 = "ETC_GMT_ADD_10"
    ETC_GMT_ADD_11 = "ETC_GMT_ADD_11"
    ETC_GMT_ADD_12 = "ETC_GMT_ADD_12"
    ETC_GMT_ADD_2 = "ETC_GMT_ADD_2"
    ETC_GMT_ADD_3 = "ETC_GMT_ADD_3"
    ETC_GMT_ADD_4 = "ETC_GMT_ADD_4"
    ETC_GMT_ADD_5 = "ETC_GMT_ADD_5"
    ETC_GMT_ADD_6 = "ETC_GMT_ADD_6"
    ETC_GMT_ADD_7 = "ETC_GMT_ADD_7"
    ETC_GMT_ADD_8 = "ETC_GMT_ADD_8"
    ETC_GMT_ADD_9 = "ETC_GMT_ADD_9"
    ETC_GMT_NEG_0 = "ETC_GMT_NEG_0"
    ETC_GMT_NEG_1 = "ETC_GMT_NEG_1"
    ETC_GMT_NEG_10 = "ETC_GMT_NEG_10"
    ETC_GMT_NEG_11 = "ETC_GMT_NEG_11"
    ETC_GMT_NEG_12 = "ETC_GMT_NEG_12"
    ETC_GMT_NEG_13 = "ETC_GMT_NEG_13"
    ETC_GMT_NEG_14 = "ETC_GMT_NEG_14"
    ETC_GMT_NEG_2 = "ETC_GMT_NEG_2"
    ETC_GMT_NEG_3 = "ETC_GMT_NEG_3"
    ETC_GMT_NEG_4 = "ETC_GMT_NEG_4"
    ETC_GMT_NEG_5 = "ETC_GMT_NEG_5"
    ETC_GMT_NEG_6 = "ETC_GMT_NEG_6"
    ETC_GMT_NEG_7 = "ETC_GMT_NEG_7"
    ETC_GMT_NEG_8 = "ETC_GMT_NEG_8"
    ETC_GMT_NEG_9 = "ETC_GMT_NEG_9"
    EUROPE_DUBLIN = "EUROPE_DUBLIN"
    EUROPE_LONDON = "EUROPE_LONDON"
    EUROPE_PARIS = "EUROPE_PARIS"
    EUROPE_STOCKHOLM = "EUROPE_STOCKHOLM"
    EUROPE_ZURICH = "EUROPE_ZURICH"
    ISRAEL = "ISRAEL"
    MEXICO_GENERAL = "MEXICO_GENERAL"
    MST7MDT = "MST7MDT"
    PACIFIC_AUCKLAND = "PACIFIC_AUCKLAND"
    US_CENTRAL = "US_CENTRAL"
    US_EASTERN = "US_EASTERN"
    US_MOUNTAIN = "US_MOUNTAIN"
    US_PACIFIC = "US_PACIFIC"
    UTC = "UTC"


class Schedule(_Model):
    cron: DataSourceCron
    timezone: Timezone = Field(Timezone.UTC, description="e.g. UTC, EUROPE_PARIS (the DataZone timezone names)")


FormValues = dict[FormName, dict[FormName, Any]]


class DataSourceSettings(_Model):
    """The catalog's DataZone data source (one per producer project of the catalog)."""

    publish_on_import: bool = Field(
        False,
        description=(
            "true: every imported table is published as soon as it is imported; false: the deployment publishes "
            "the tables marked 'published' after attaching their forms and glossary terms"
        ),
    )
    schedule: Schedule | None = Field(
        None, description="when the data source re-imports the tables; none: only when the mesh is deployed"
    )
    forms: FormValues = Field(
        default_factory=dict,
        description="metadata forms attached to every asset the data source imports: form name -> field values",
    )


class Column(_Model):
    name: SnakeName = Field(max_length=MAX_GLUE_NAME)
    type: str = Field(
        min_length=1,
        max_length=MAX_GLUE_TYPE,
        description="Glue/Hive type: string, bigint, decimal(18,2), date, array<string>, struct<a:int>",
    )
    description: str = Field("", max_length=MAX_COLUMN_COMMENT)
    pii: bool = Field(False, description="personal data: shared only without this column outside production")
    term: str | None = Field(None, description="glossary term of the column: '<scope>/Term', e.g. enterprise/Customer")


class Storage(_Model):
    layer: str = Field("curated", description="data-lake layer holding the files: curated or published")
    prefix: S3Prefix = Field(description="key prefix in the layer's bucket, ending with '/', e.g. finance/gl/")
    format: StorageFormat = Field(StorageFormat.PARQUET, description="file format of the table's data")


class Table(_Model):
    """One table of a domain catalog: a data product once published."""

    dataset: SnakeName = Field(description="e.g. gl_transactions; the asset is <bu>_<dataset>_<type>")
    name: SnakeName | None = Field(
        None,
        max_length=MAX_GLUE_NAME,
        description="an existing table's name, kept instead of <bu>_<dataset>_<type> (e.g. customers)",
    )
    type: AssetType = Field(AssetType.TABLE, description="asset type, the last part of the asset name")
    description: str = Field("", max_length=2048)
    producer: Slug | None = Field(
        None, description="project key of the producer importing this table; default: the catalog's owner"
    )
    storage: Storage = Field(description="where the files are: layer, prefix, format")
    columns: list[Column] = Field(min_length=1, description="the table's columns, in order")
    partition_keys: list[Column] = Field(default_factory=list, description="partition columns, in order")
    published: bool = Field(True, description="published to the business catalog (else inventory only)")
    terms: list[str] = Field(
        default_factory=list, description="glossary terms of the asset: '<scope>/Term', e.g. enterprise/Transaction"
    )
    forms: FormValues = Field(
        default_factory=dict, description="metadata forms of this asset: form name -> field values"
    )
    quality: Quality | None = Field(
        None, description="Glue Data Quality rules (DQDL), their schedule and alarm score; DataZone shows the results"
    )
    derived_from: list[SnakeName] = Field(
        default_factory=list,
        description="asset names of the tables this one is computed from (lineage), e.g. sales_crm_accounts_table",
    )

    def all_columns(self) -> list[tuple[str, int, Column]]:
        """('columns' | 'partition_keys', index, column) of every column."""
        return [(kind, i, c) for kind in ("columns", "partition_keys") for i, c in enumerate(getattr(self, kind))]


class Catalog(_Model):
    """The domain catalog of one business unit: <bu>_<env>_catalog in every environment."""

    business_unit: Slug = Field(description="id of a top-level domain unit, e.g. finance")
    owner: Slug = Field(
        description="key <unit>-<use-case> of the project that owns the catalog and produces its tables by default"
    )
    description: str = Field("", max_length=2048)
    database: SnakeName | None = Field(
        None,
        max_length=MAX_GLUE_NAME,
        description="an existing database's name, kept instead of <bu>_<env>_catalog (e.g. prod_customers_db)",
    )
    environments: list[Slug] | None = Field(
        None, description="environments where the catalog exists; default: every one (data may stay in prod)"
    )
    data_source: DataSourceSettings = Field(default_factory=DataSourceSettings)
    tables: list[Table] = Field(default_factory=list)

    def exists_in(self, env: str) -> bool:
        return self.environments is None or env in self.environments

    def producer_of(self, table: Table) -> str:
        return table.producer or self.owner

    def producers(self) -> list[str]:
        """Producer project keys in first-declared order."""
        return list(dict.fromkeys(self.producer_of(t) for t in self.tables))

    def tables_of(self, producer: str) -> list[Table]:
        return [t for t in self.tables if self.producer_of(t) == producer]


class Subscription(_Model):
    """A consumer project subscribed to a published asset, or to a data product (exactly one of the two)."""

    consumer: Slug = Field(description="key <unit>-<use-case> of the subscribing project")
    asset: SnakeName | None = Field(
        None, description="asset name <bu>_<dataset>_<type>, e.g. finance_gl_transactions_table (or data_product)"
    )
    data_product: Slug | None = Field(
        None, description="name of a data product of the mesh (data_products), e.g. customer360 (or asset)"
    )
    reason: str = Field(min_length=1, max_length=4096, description="why the consumer needs the data (kept by DataZone)")
    environments: list[Slug] | None = Field(None, description="environments where it applies; default: every one")
    forms: FormValues = Field(
        default_factory=dict,
        description=(
            "metadata forms sent with the subscription request (form name -> field values): what the producer unit's "
            "subscribe rules require"
        ),
    )
    extra_principals: list[str] = Field(
        default_factory=list,
        description=(
            "IAM role ARNs of the consumer's environment account (ETL jobs, BI service roles) granted the same "
            "Lake Formation access as the project, kept in step with the subscription"
        ),
    )

    def exists_in(self, env: str) -> bool:
        return self.environments is None or env in self.environments

    @property
    def target(self) -> str:
        """What is subscribed to: the asset's name, or the data product's."""
        return self.asset or self.data_product or ""


def tables_by_asset(catalogs: Sequence[Catalog]) -> dict[str, tuple[Catalog, Table]]:
    """Asset (table) name -> its catalog and declaration, across catalogs."""
    return {asset_name(c.business_unit, t): (c, t) for c in catalogs for t in c.tables}


def asset_name(business_unit: str, table: Table) -> str:
    """<domain>_<dataset>_<type>, or the table's declared existing name: the Glue
    table name, hence the asset name."""
    return table.name or f"{business_unit.replace('-', '_')}_{table.dataset}_{table.type.value}"
