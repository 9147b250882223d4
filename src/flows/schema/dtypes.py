"""How each logical field type is stored in pandas, Arrow/Parquet, DuckDB and Table Schema."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa

from flows.schema.definition import Field, Table, storage_type, table_fields

if TYPE_CHECKING:  # pandas is imported where frames are made, not by `flows check`
    import pandas as pd

# logical type -> (pandas dtype name, arrow type, DuckDB type, Table Schema type)
_TYPES: dict[str, tuple[str, pa.DataType, str, str]] = {
    "string": ("string", pa.string(), "VARCHAR", "string"),  # pandas' string dtype, in Arrow
    "integer": ("Int64", pa.int64(), "BIGINT", "integer"),
    "number": ("Float64", pa.float64(), "DOUBLE", "number"),
    "boolean": ("boolean", pa.bool_(), "BOOLEAN", "boolean"),
    "date": ("datetime64[ms]", pa.date32(), "DATE", "date"),
}


def pandas_dtype(f: Field) -> object:
    import pandas as pd

    return pd.api.types.pandas_dtype(_TYPES[storage_type(f)][0])


def arrow_type(f: Field) -> pa.DataType:
    return _TYPES[storage_type(f)][1]


def duckdb_type(f: Field) -> str:
    return _TYPES[storage_type(f)][2]


def table_schema_type(f: Field) -> str:
    return _TYPES[storage_type(f)][3]


def arrow_schema(table: Table) -> pa.Schema:
    return pa.schema([pa.field(f.name, arrow_type(f), nullable=not f.required)
                      for f in table_fields(table)])


def typed_frame(table: Table, data: pd.DataFrame) -> pd.DataFrame:
    """The table's columns, in order, each cast to its pandas dtype."""
    import pandas as pd

    out = {}
    for f in table_fields(table):
        col = data[f.name] if f.name in data else pd.Series([None] * len(data), index=data.index)
        if storage_type(f) == "date":
            out[f.name] = pd.to_datetime(col).astype("datetime64[ms]")
        else:
            out[f.name] = col.astype(pandas_dtype(f))
    return pd.DataFrame(out, index=data.index)


def arrow_columns_frame(columns: dict[str, pa.Array]) -> pd.DataFrame:
    """Arrow columns as a DataFrame of the pandas dtypes above; strings stay in Arrow buffers."""
    import pandas as pd

    by_arrow = {arrow: pd.api.types.pandas_dtype(dtype) for dtype, arrow, _, _ in _TYPES.values()
                if arrow != pa.date32()}  # dates: datetime64[ms], by date_as_object=False
    return pa.table(columns).to_pandas(types_mapper=by_arrow.get, date_as_object=False)


def frame_to_arrow(table: Table, df: pd.DataFrame) -> pa.Table:
    """A DataFrame as an Arrow table with exactly the schema's types and no pandas metadata."""
    schema = arrow_schema(table)
    arrays = []
    for f in schema:
        col = df[f.name]
        if pa.types.is_date32(f.type):
            arrays.append(pa.array(col, type=pa.timestamp("ms"), from_pandas=True).cast(pa.date32()))
        else:
            arrays.append(pa.array(col, type=f.type, from_pandas=True))
    return pa.Table.from_arrays(arrays, schema=schema)
