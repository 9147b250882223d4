"""flows.schema.ddl: the SQL the schema generates (schema.sql, views.sql from its template, the
known_as_of macro), with the schema's semantics (which stances support, which deny) written in
by the generator, never by hand."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from conftest import ROOT
from flows.publish.release import MATERIALISED_MACROS
from flows.schema import ddl
from flows.schema import definition as schema
from flows.schema.ddl import schema_sql, views_sql
from flows.schema.definition import TABLES


def test_sql_files_are_generated_from_the_schema(built: Path):
    assert (built / "data/processed/schema.sql").read_text() == schema_sql()
    assert (built / "data/processed/views.sql").read_text() == views_sql()
    assert "COMMENT ON COLUMN claims.stance IS 'What the claimant does with the statement.';" in schema_sql()


def test_support_and_denial_stances_are_stances_and_views_sql_takes_them_from_the_schema():
    assert set(schema.SUPPORTING_STANCES) <= set(schema.STANCES)
    assert set(schema.DENYING_STANCES) <= set(schema.STANCES)
    assert not set(schema.SUPPORTING_STANCES) & set(schema.DENYING_STANCES)
    template = (ROOT / "src/flows/views/sql/views.sql").read_text(encoding="utf-8")
    assert not any(f"'{s}'" in template for s in schema.STANCES), "a stance written by hand"
    views = ddl.question_views_sql()
    assert f"{ddl.stance_condition('c.stance', schema.SUPPORTING_STANCES)} AS supports" in views
    assert f"{ddl.stance_condition('c.stance', schema.DENYING_STANCES)} AS denies" in views
    assert "{{" not in views


def test_the_views_count_support_as_the_schema_says(built: Path):
    con = duckdb.connect()
    for name in TABLES:
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM "
                    f"read_parquet('{built / 'data/processed' / f'{name}.parquet'}')")
    con.execute(ddl.question_views_sql())
    rows = con.execute("SELECT DISTINCT stance, supports, denies FROM claim_details").fetchall()
    assert rows
    for stance, supports, denies in rows:
        assert supports == (stance in schema.SUPPORTING_STANCES)
        assert denies == (stance in schema.DENYING_STANCES)


def test_an_unknown_generated_part_of_views_sql_is_refused(monkeypatch: pytest.MonkeyPatch):
    with pytest.raises(ValueError, match="unknown generated part"):
        ddl._generated_part(re.match(ddl._GENERATED_PART, "{{contests c.stance}}"))


def test_known_as_of_is_written_once():
    assert ddl.known_as_of_macro(ordered=True) in ddl.question_views_sql()
    assert MATERIALISED_MACROS == ddl.known_as_of_macro(ordered=False)
    assert "ORDER BY" not in MATERIALISED_MACROS
