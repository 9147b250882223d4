"""The pandera models, generated from the schema: strict columns, exact dtypes, required
fields, enums, patterns, minimums and primary-key uniqueness."""

from __future__ import annotations

from functools import cache

import pandera.pandas as pa

from .dtypes import pandas_dtype
from .schema import TABLES, Field, Table, table_fields


def _checks(f: Field) -> list[pa.Check]:
    checks = []
    if f.enum:
        checks.append(pa.Check.isin(list(f.enum), error=f"is not one of: {', '.join(f.enum)}"))
    if f.pattern:
        checks.append(pa.Check.str_matches(f.pattern, error=f"does not match the pattern {f.pattern}"))
    if f.minimum is not None:
        checks.append(pa.Check.ge(f.minimum, error=f"is below the minimum {f.minimum}"))
    return checks


@cache
def model(table_name: str) -> pa.DataFrameSchema:
    table: Table = TABLES[table_name]
    columns = {
        f.name: pa.Column(pandas_dtype(f), checks=_checks(f), nullable=not f.required,
                          unique=f.unique, description=f.description, title=f.name)
        for f in table_fields(table)
    }
    return pa.DataFrameSchema(
        columns, strict=True, ordered=True, coerce=False, name=table.name,
        unique=list(table.primary_key), report_duplicates="exclude_first", description=table.description,
    )
