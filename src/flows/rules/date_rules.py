"""`flows check`: each published EDTF string is one the build accepts, and its earliest and latest
dates are the ones the build derives from it (`flows.build.dates.edtf_bounds`).

Cheap at scale: DuckDB reads the distinct (string, earliest, latest) triples of each EDTF field,
each triple is checked once, and only a wrong one is looked up again for the rows that hold it.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from flows.build.dates import EDTFError, edtf_bounds
from flows.schema.ddl import sql_string
from flows.errors import Problem
from flows.publish.descriptor import PROCESSED
from flows.schema.definition import TABLES, table_fields

ROWS_SHOWN = 5  # rows named per wrong triple, as the build does


def edtf_problems(processed: Path) -> list[Problem]:
    """The published EDTF values that do not parse, or whose earliest/latest dates are not theirs.
    Fields whose columns are missing or mistyped are left to the layout check."""
    fields = [(name, table, f.name) for name, table in TABLES.items()
              for f in table_fields(table) if f.type == "edtf"]
    schemas = {name: pq.read_schema(processed / f"{name}.parquet") for name in {n for n, _, _ in fields}}
    fields = [(name, table, field) for name, table, field in fields if _laid_out(schemas[name], field)]
    if not fields:
        return []
    files = {name: sql_string(str(processed / f"{name}.parquet")) for name in schemas}
    # one query for every field: DuckDB scans the files in parallel
    distinct = " UNION ALL ".join(
        f"SELECT DISTINCT {i} AS i, {f}, {f}_earliest, {f}_latest FROM read_parquet({files[name]})"
        for i, (name, _, f) in enumerate(fields))
    problems: list[Problem] = []
    con = duckdb.connect()
    try:
        con.execute("SET enable_progress_bar = false")  # nothing but problems on the output
        for i, value, earliest, latest in con.execute(f"{distinct} ORDER BY ALL").fetchall():
            name, table, f = fields[i]
            wrong = _wrong(f, value, earliest, latest)
            if wrong is None:
                continue
            columns = f"{f}, {f}_earliest, {f}_latest"
            keys = ", ".join(f"coalesce(CAST({k} AS VARCHAR), '<NA>')" for k in table.primary_key)
            rows = con.execute(f"SELECT concat_ws(' ', {keys}) FROM read_parquet({files[name]}, file_row_number = "
                               f"true) WHERE ({columns}) IS NOT DISTINCT FROM (?, ?, ?) ORDER BY file_row_number "
                               f"LIMIT {ROWS_SHOWN}",
                               [value, earliest, latest]).fetchall()
            problems += [Problem(f"{PROCESSED}/{name}.parquet [{key}]", wrong[0], wrong[1], "edtf") for (key,) in rows]
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
