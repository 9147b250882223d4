"""`flows check`: each published EDTF string is one the build accepts, and its earliest and latest
dates are the ones the build derives from it (`flows.dates.edtf_bounds`).

Cheap at scale: DuckDB reads the distinct (string, earliest, latest) triples of each EDTF field,
each triple is checked once, and only a wrong one is looked up again for the rows that hold it.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from .dates import EDTFError, edtf_bounds
from .ddl import sql_string
from .errors import Problem
from .package import PROCESSED
from .schema import TABLES, table_fields

ROWS_SHOWN = 5  # rows named per wrong triple, as the build does


def edtf_problems(processed: Path) -> list[Problem]:
    """The published EDTF values that do not parse, or whose earliest/latest dates are not theirs.
    Fields whose columns are missing or mistyped are left to the layout check."""
    problems: list[Problem] = []
    con = duckdb.connect()
    try:
        for name, table in TABLES.items():
            path = processed / f"{name}.parquet"
            schema = pq.read_schema(path)
            source = f"read_parquet({sql_string(str(path))}, file_row_number = true)"
            for f in table_fields(table):
                if f.type != "edtf" or not _laid_out(schema, f.name):
                    continue
                columns = f"{f.name}, {f.name}_earliest, {f.name}_latest"
                for value, earliest, latest in con.execute(f"SELECT DISTINCT {columns} FROM {source}").fetchall():
                    wrong = _wrong(f.name, value, earliest, latest)
                    if wrong is None:
                        continue
                    field, message = wrong
                    keys = ", ".join(f"coalesce(CAST({k} AS VARCHAR), '<NA>')" for k in table.primary_key)
                    rows = con.execute(
                        f"SELECT concat_ws(' ', {keys}) FROM {source} WHERE ({columns}) IS NOT DISTINCT FROM "
                        f"(?, ?, ?) ORDER BY file_row_number LIMIT {ROWS_SHOWN}", [value, earliest, latest])
                    problems += [Problem(f"{PROCESSED}/{name}.parquet [{key}]", field, message)
                                 for (key,) in rows.fetchall()]
    finally:
        con.close()
    return problems


def _laid_out(schema: pa.Schema, name: str) -> bool:
    types = {f.name: str(f.type) for f in schema}
    return (types.get(name) in ("string", "large_string")
            and types.get(f"{name}_earliest") == types.get(f"{name}_latest") == "date32[day]")


def _wrong(name: str, value, earliest, latest) -> tuple[str, str] | None:
    """(field, message) when a triple is not what the build writes, else None."""
    if value is None:
        expected = (None, None)
    else:
        try:
            expected = edtf_bounds(value)
        except EDTFError as e:
            return name, str(e)
    for end, found, derived in (("earliest", earliest, expected[0]), ("latest", latest, expected[1])):
        if found != derived:
            return (f"{name}_{end}", f"{_iso(found)} is not the {end} date of {value!r} "
                    f"(the build derives {_iso(derived)})")
    return None


def _iso(date) -> str:
    return "null" if date is None else date.isoformat()
