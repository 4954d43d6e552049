"""One table of a domain catalog: an ``AWS::Glue::Table`` with its declared schema and storage."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from aws_cdk import RemovalPolicy
from aws_cdk import aws_glue as glue
from constructs import Construct

from mesh_constructs.scope_cache import account_of


class TableFormat(StrEnum):
    PARQUET = "parquet"
    ORC = "orc"
    AVRO = "avro"
    JSON = "json"
    CSV = "csv"


@dataclass(frozen=True)
class _Serde:
    input_format: str
    output_format: str
    library: str
    parameters: dict[str, str] = field(default_factory=dict)


_HIVE = "org.apache.hadoop.hive.ql.io"
_TEXT_IN, _TEXT_OUT = "org.apache.hadoop.mapred.TextInputFormat", f"{_HIVE}.HiveIgnoreKeyTextOutputFormat"
# What Glue crawlers and Athena's CREATE TABLE write for each format.
SERDES = {
    TableFormat.PARQUET: _Serde(
        f"{_HIVE}.parquet.MapredParquetInputFormat",
        f"{_HIVE}.parquet.MapredParquetOutputFormat",
        f"{_HIVE}.parquet.serde.ParquetHiveSerDe",
        {"serialization.format": "1"},
    ),
    TableFormat.ORC: _Serde(f"{_HIVE}.orc.OrcInputFormat", f"{_HIVE}.orc.OrcOutputFormat", f"{_HIVE}.orc.OrcSerde"),
    TableFormat.AVRO: _Serde(
        f"{_HIVE}.avro.AvroContainerInputFormat",
        f"{_HIVE}.avro.AvroContainerOutputFormat",
        "org.apache.hadoop.hive.serde2.avro.AvroSerDe",
    ),
    TableFormat.JSON: _Serde(_TEXT_IN, _TEXT_OUT, "org.openx.data.jsonserde.JsonSerDe"),
    TableFormat.CSV: _Serde(
        _TEXT_IN,
        _TEXT_OUT,
        "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
        {"field.delim": ",", "serialization.format": ","},
    ),
}


@dataclass(frozen=True)
class ColumnSpec:
    """``pii`` columns are listed in the table parameter ``pii_columns`` (Glue columns carry no
    parameters in CloudFormation): consumers and column filters read it from the catalog."""

    name: str
    type: str
    description: str = ""
    pii: bool = False


@dataclass(frozen=True)
class CatalogTableProps:
    """``location``: s3://bucket/prefix/ of the table's files. ``parameters``: more table parameters
    (e.g. Athena partition projection) @default none. ``removal_policy`` @default RETAIN."""

    database_name: str
    name: str
    location: str
    columns: Sequence[ColumnSpec]
    description: str = ""
    partition_keys: Sequence[ColumnSpec] = ()
    format: TableFormat = TableFormat.PARQUET
    removal_policy: RemovalPolicy = RemovalPolicy.RETAIN
    parameters: Mapping[str, str] = field(default_factory=dict)


def _column(c: ColumnSpec) -> glue.CfnTable.ColumnProperty:
    return glue.CfnTable.ColumnProperty(name=c.name, type=c.type, comment=c.description or None)


def _pii(props: CatalogTableProps) -> dict[str, str]:
    names = [c.name for c in (*props.columns, *props.partition_keys) if c.pii]
    return {"pii_columns": ",".join(names)} if names else {}


class CatalogTable(Construct):
    def __init__(self, scope: Construct, construct_id: str, props: CatalogTableProps) -> None:
        super().__init__(scope, construct_id)
        serde = SERDES[props.format]
        self.table = glue.CfnTable(
            self,
            "Resource",
            catalog_id=account_of(scope),
            database_name=props.database_name,
            table_input=glue.CfnTable.TableInputProperty(
                name=props.name,
                description=props.description or None,
                table_type="EXTERNAL_TABLE",
                parameters={
                    "classification": props.format.value,
                    "EXTERNAL": "TRUE",
                    **_pii(props),
                    **props.parameters,
                },
                partition_keys=[_column(c) for c in props.partition_keys],
                storage_descriptor=glue.CfnTable.StorageDescriptorProperty(
                    columns=[_column(c) for c in props.columns],
                    location=props.location,
                    input_format=serde.input_format,
                    output_format=serde.output_format,
                    serde_info=glue.CfnTable.SerdeInfoProperty(
                        serialization_library=serde.library, parameters=serde.parameters or None
                    ),
                ),
            ),
        )
        self.table.apply_removal_policy(props.removal_policy)
        self.name = props.name
