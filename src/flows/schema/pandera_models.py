"""The pandera models, generated from the schema: strict columns, exact dtypes, required
fields, primary-key uniqueness, and each field's constraints (flows.schema.constraints), whose SQL
twins `flows check` runs."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

import pandera.pandas as pa

from flows.schema.constraints import Constraint, field_constraints
from flows.schema.dtypes import pandas_dtype
from flows.schema.definition import TABLES, Field, Table, table_fields

if TYPE_CHECKING:
    import pandas as pd


def _checks(f: Field) -> list[pa.Check]:
    return [c.pandera_check() for c in field_constraints(f)]


@cache
def model(table_name: str, check_dtypes: bool = True) -> pa.DataFrameSchema:
    """The table's model; without `check_dtypes`, one that leaves the columns' dtypes unchecked
    (for a frame `has_model_dtypes`), its other checks the same."""
    table: Table = TABLES[table_name]
    columns = {
        f.name: pa.Column(pandas_dtype(f) if check_dtypes else None, checks=_checks(f), nullable=not f.required,
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


def has_model_dtypes(table_name: str, df: pd.DataFrame) -> bool:
    """Whether df has the model's columns, in order, each of exactly its dtype: pandera's dtype
    check would pass on each, and it need not run (pandera 0.35 formats the repr of an empty
    table of failure cases for each string column that passes, half the time of a validation)."""
    fields = table_fields(TABLES[table_name])
    return (list(df.columns) == [f.name for f in fields]
            and all(dtype == pandas_dtype(f) for dtype, f in zip(df.dtypes, fields)))
