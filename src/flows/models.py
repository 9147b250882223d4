r"""The pandera models, generated from the schema: strict columns, exact dtypes, required
fields, enums, patterns, minimums, non-blank strings and primary-key uniqueness.

`flows check` runs the same rules as SQL (validate._field_rules) and the two must agree on
every value: patterns match the whole value (DuckDB's regexp_full_match; Python's `re.match`
with `$` would accept a trailing newline) with ASCII classes (RE2's `\s`, `\d`, `\w`)."""

from __future__ import annotations

import re
from functools import cache

import pandera.pandas as pa

from .dtypes import pandas_dtype
from .schema import TABLES, Field, Table, table_fields, too_short_message


def _full_match(pattern: str) -> pa.Check:
    return pa.Check(lambda s: s.str.fullmatch(pattern, flags=re.ASCII).astype(bool),
                    name="str_full_match", error=f"does not match the pattern {pattern}")


def _fewest_chars(fewest: int) -> pa.Check:
    # `fewest` characters that are not whitespace, with any whitespace between them
    chars = rf"(?:\S\s*){{{fewest}}}"
    return pa.Check(lambda s: s.str.contains(chars, regex=True).astype(bool),
                    name="fewest_chars", error=too_short_message(fewest))


def _checks(f: Field) -> list[pa.Check]:
    checks = []
    if f.enum:
        checks.append(pa.Check.isin(list(f.enum), error=f"is not one of: {', '.join(f.enum)}"))
    if f.pattern:
        checks.append(_full_match(f.pattern))
    if f.minimum is not None:
        checks.append(pa.Check.ge(f.minimum, error=f"is below the minimum {f.minimum}"))
    if f.fewest_chars is not None:
        checks.append(_fewest_chars(f.fewest_chars))
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
