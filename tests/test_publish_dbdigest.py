"""flows.publish.dbdigest: the digests of flows.duckdb (every table, view, macro and comment,
whatever the row order) let `flows check` name any relation edited in the database, a database
from another build, and one without its digests."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from flows.publish.dbdigest import database_digests
from hostile import check_lines, check_passed

DB = "data/processed/flows.duckdb"


def alter_db(root: Path, *statements: str) -> None:
    con = duckdb.connect(str(root / DB))
    try:
        for s in statements:
            con.execute(s)
    finally:
        con.close()


DB_EDITS = {
    "row of a table": (("UPDATE claims SET stance = 'denies' WHERE claim_id = "
                        "(SELECT min(claim_id) FROM claims WHERE stance <> 'denies')",), "claims"),
    "row of a view": (("UPDATE claim_details SET claim_id = claim_id || 'x' WHERE claim_id = "
                       "(SELECT min(claim_id) FROM claim_details)",), "claim_details"),
    "row deleted": (("DELETE FROM actors WHERE actor_id = 'actor/iran'",), "actors"),
    "view dropped": (("DROP TABLE timeline",), "timeline"),
    "table added": (("CREATE TABLE extra AS SELECT 1 AS x",), "extra"),
    "view added": (("CREATE VIEW extra_view AS SELECT 1 AS x",), "extra_view"),
    "column added": (("ALTER TABLE sources ADD COLUMN x INTEGER",), "sources"),
    # review of issue 16: what the first digests did not cover
    "macro replaced": (("CREATE OR REPLACE MACRO known_as_of(as_of) AS TABLE SELECT * FROM claim_details WHERE false",),
                       "known_as_of()"),
    "table in another schema": (("CREATE SCHEMA evil", "CREATE TABLE evil.t AS SELECT 1 AS x"), "evil.t"),
    "comment changed": (("COMMENT ON TABLE timeline IS 'something else'",), "timeline"),
    "column comment changed": (("COMMENT ON COLUMN claims.stance IS 'something else'",), "claims"),
}


def test_the_fresh_database_passes(package_db: Path):
    assert check_passed(check_lines(package_db))


# One edited database, for `make test-fast`: test_a_database_from_an_older_build_fails_the_check.
@pytest.mark.slow  # the trust trial: a check of a database edited in each way
@pytest.mark.parametrize("edit", DB_EDITS, ids=list(DB_EDITS))
def test_an_edited_database_fails_the_check_naming_the_relation(package_db: Path, edit: str):
    statements, relation = DB_EDITS[edit]
    alter_db(package_db, *statements)
    code, lines = check_lines(package_db)
    assert code == 1 and any(x.startswith(f"{DB}: {relation}: ") for x in lines), lines


def test_a_database_from_an_older_build_fails_the_check(package_db: Path, edited_release: Path, tmp_path: Path):
    """A release built from an edited curation, with the database of the build before it."""
    newer = tmp_path / "newer"
    shutil.copytree(edited_release, newer)
    assert check_passed(check_lines(newer))
    shutil.copy(package_db / DB, newer / DB)  # the older build's
    code, lines = check_lines(newer)
    assert code == 1 and any(x.startswith(f"{DB}: transfers: ") for x in lines), lines


def test_a_database_without_its_digests_fails(package: Path, base_db: Path):
    shutil.copy(base_db / DB, package / DB)  # the release was built with --no-duckdb
    code, lines = check_lines(package)
    assert code == 1 and lines[0].startswith(f"{DB}: flows.duckdb.digests.json is missing beside it"), lines


def test_a_database_with_the_digests_of_another_build_fails(package_db: Path):
    """Database and digests copied together from another build: their Parquet hashes are not
    the release's."""
    digests = package_db / (DB + ".digests.json")
    record = json.loads(digests.read_text(encoding="utf-8"))
    record["release"]["claims"] = "0" * 64
    digests.write_text(json.dumps(record), encoding="utf-8")
    code, lines = check_lines(package_db)
    assert code == 1 and lines[0].startswith(f"{DB}: built from other Parquet files"), lines


def test_a_corrupt_database_is_a_problem_line(package_db: Path):
    (package_db / DB).write_bytes(b"not a database" * 100)
    code, lines = check_lines(package_db)
    assert code == 1 and lines[0].startswith(f"{DB}: not a readable DuckDB database"), lines


def test_database_digests_do_not_depend_on_row_order(package_db: Path, tmp_path: Path):
    recorded = database_digests(package_db / DB)
    shuffled = tmp_path / "shuffled.duckdb"
    shutil.copy(package_db / DB, shuffled)
    con = duckdb.connect(str(shuffled))
    tables = [n for (n,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE NOT internal").fetchall()]
    for name in tables:  # the same table, comments and all, its rows stored in another order
        con.execute(f'CREATE TEMP TABLE _rows AS SELECT * FROM "{name}" ORDER BY random()')
        con.execute(f'DELETE FROM "{name}"')
        con.execute(f'INSERT INTO "{name}" SELECT * FROM _rows')
        con.execute("DROP TABLE _rows")
    con.close()
    assert database_digests(shuffled) == recorded
