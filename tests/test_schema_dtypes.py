"""flows.schema.dtypes: one storage type per logical field type, the same in pandas, Arrow/Parquet,
DuckDB and Table Schema."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from flows.publish.descriptor import table_schema
from flows.schema.ddl import schema_sql
from flows.schema.definition import TABLES, table_fields
from flows.schema.dtypes import arrow_schema, duckdb_type, frame_to_arrow, table_schema_type, typed_frame


@pytest.mark.parametrize("name", sorted(TABLES))
def test_the_published_parquet_file_has_the_arrow_schema(built: Path, name: str):
    """Each column's type, and required columns not nullable."""
    published = pq.read_schema(built / "data" / "processed" / f"{name}.parquet")
    assert published.equals(arrow_schema(TABLES[name])), (published, arrow_schema(TABLES[name]))


def test_duckdb_and_table_schema_types_are_the_ones_the_ddl_and_descriptor_write():
    sql = schema_sql()
    for table in TABLES.values():
        fields = {f["name"]: f for f in table_schema(table)["fields"]}
        for f in table_fields(table):
            assert f"{f.name} {duckdb_type(f)}" in sql, (table.name, f.name)
            assert fields[f.name]["type"] == table_schema_type(f), (table.name, f.name)


def test_a_frame_is_typed_in_the_schema_s_order_and_back_to_arrow_exactly():
    table = TABLES["events"]
    raw = pd.DataFrame({"title": ["A strike"], "event_id": ["event/x"], "fatalities_low": [8],
                        "date": ["2022-10-17"], "date_earliest": [dt.date(2022, 10, 17)]})
    typed = typed_frame(table, raw)
    assert list(typed.columns) == [f.name for f in table_fields(table)]  # missing columns added, empty
    assert str(typed["fatalities_low"].dtype) == "Int64" and typed["fatalities_best"].isna().all()
    assert str(typed["date_earliest"].dtype) == "datetime64[ms]"
    arrow = frame_to_arrow(table, typed)
    assert arrow.schema.equals(arrow_schema(table)) and arrow.schema.metadata is None  # no pandas metadata
    row = arrow.to_pylist()[0]
    assert (row["event_id"], row["fatalities_low"], row["date_earliest"], row["date_latest"]) == \
        ("event/x", 8, dt.date(2022, 10, 17), None)
    assert pa.types.is_date32(arrow.schema.field("date_earliest").type)
