"""The pandera models, generated from the schema: strict columns, exact dtypes, required
fields, primary-key uniqueness, and each field's constraints (flows.schema.constraints), whose SQL
twins `flows check` runs."""

from __future__ import annotations

from functools import cache

import pandera.pandas as pa

from flows.schema.constraints import Constraint, field_constraints
from flows.schema.dtypes import pandas_dtype
from flows.schema.definition import TABLES, Field, Table, table_fields


def _checks(f: Field) -> list[pa.Check]:
    return [c.pandera_check() for c in field_constraints(f)]


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


@cache
def column_constraints(table_name: str) -> dict[str, list[Constraint]]:
    """Each column's constraints, in the order of its pandera checks: pandera reports a failed
    check by its number in that list."""
    return {f.name: field_constraints(f) for f in table_fields(TABLES[table_name])}
