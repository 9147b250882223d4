"""tables → published package, atomically.

Everything is written into a staging folder first (Parquet, `datapackage.json`, SQL, the DuckDB
file). Then a journal listing the moves is written and fsynced, the files are moved into place
with os.replace, and the journal is removed. A build killed before the journal exists leaves
the old release untouched; one killed after it is rolled forward by the next `flows` command
(`recover`), so the outputs are always a complete release, old or new.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from .ddl import sql_string, question_views_sql, schema_sql, views_sql
from .dbdigest import DESCRIPTOR_KEY, database_digests
from .docs import published_contents, render_readme
from .dtypes import frame_to_arrow
from .package import PROCESSED, descriptor, descriptor_text, source_rows
from .schema import TABLES

if TYPE_CHECKING:  # `flows check` reads no frames: it need not import pandas
    from .tables import Frames

JOURNAL = ".flows-publish-journal.json"
STAGING = ".flows-staging"
DUCKDB_FILE = "flows.duckdb"
DUCKDB_MEMORY_LIMIT = "512MB"
# Files a release consists of, besides one Parquet file per table (relative to the root).
SQL_FILES = (f"{PROCESSED}/schema.sql", f"{PROCESSED}/views.sql")


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# Rows per Parquet row group: readers (DuckDB, pyarrow) read row groups in parallel; a million
# claims in one group are read by one thread. DuckDB's own row group size.
ROW_GROUP_ROWS = 122_880


def write_parquet(frames: Frames, folder: Path) -> dict[str, int]:
    """One Parquet file per table, rows sorted by primary key: same input, same bytes."""
    rows = {}
    for name, table in TABLES.items():
        df = frames.frames[name].sort_values(list(table.primary_key), kind="stable")
        arrow = frame_to_arrow(table, df.reset_index(drop=True))
        pq.write_table(arrow, folder / f"{name}.parquet", compression="zstd", compression_level=9,
                       use_dictionary=True, write_statistics=True, store_schema=False,
                       row_group_size=ROW_GROUP_ROWS)
        rows[name] = len(df)
    return rows


# Row order of a materialised view whose definition has no ORDER BY: claim_details is stored in
# the order known_as_of returns (its date filter then skips whole row groups).
MATERIALISED_ORDER = {"claim_details": "public_from NULLS LAST, claim_id"}
# known_as_of over the claim_details table: the table's stored order is the macro's ORDER BY of
# sql/views.sql (public_from, claim_id), so the rows that pass the filter need no sort.
MATERIALISED_MACROS = """\
CREATE OR REPLACE MACRO known_as_of(as_of) AS TABLE
SELECT * FROM claim_details WHERE public_from <= CAST(as_of AS DATE);
"""


def materialise_views(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Replace every view by a table of the same name holding its rows in the view's order, with
    the view's comment: a release never changes, so each view is computed once, here, instead of
    at every query (DuckDB scans a table in insertion order). Views are taken in the order they
    were created, so a view reading another one reads its table; any order gives the same rows.
    Table macros are redefined over the tables (MATERIALISED_MACROS), keeping their comments.
    Returns the names of the views."""
    views = con.execute("SELECT view_name, comment FROM duckdb_views() WHERE NOT internal "
                        "ORDER BY view_oid").fetchall()
    for name, comment in views:
        order = f" ORDER BY {MATERIALISED_ORDER[name]}" if name in MATERIALISED_ORDER else ""
        con.execute(f'CREATE TABLE "_m_{name}" AS SELECT * FROM "{name}"{order}')
        con.execute(f'DROP VIEW "{name}"')
        con.execute(f'ALTER TABLE "_m_{name}" RENAME TO "{name}"')
        if comment:
            con.execute(f'COMMENT ON TABLE "{name}" IS {sql_string(comment)}')
    macros = con.execute("SELECT function_name, comment FROM duckdb_functions() "
                         "WHERE function_type = 'table_macro' AND NOT internal").fetchall()
    con.execute(MATERIALISED_MACROS)
    for name, comment in macros:
        if comment:
            con.execute(f"COMMENT ON MACRO TABLE {name} IS {sql_string(comment)}")
    return [name for name, _ in views]


def write_duckdb(processed: Path, path: Path) -> None:
    """A DuckDB database holding the tables, and the views of `sql/views.sql` precomputed as
    tables of the same names (see `materialise_views`); readable by the duckdb 1.5 CLI."""
    # DuckDB would take up to 80% of the machine's memory; capped, its sorts and joins spill to
    # a scratch folder outside the release instead.
    with tempfile.TemporaryDirectory(prefix="flows-duckdb-") as scratch:
        con = duckdb.connect(str(path), config={"storage_compatibility_version": "v1.5.0",
                                                "memory_limit": DUCKDB_MEMORY_LIMIT,
                                                "temp_directory": scratch})
        _fill_duckdb(con, processed)


def _fill_duckdb(con: duckdb.DuckDBPyConnection, processed: Path) -> None:
    """The typed tables from the Parquet files, then the views precomputed."""
    try:
        con.execute(schema_sql())
        for name in TABLES:
            con.execute(f"INSERT INTO {name} SELECT * FROM read_parquet(?)",
                        [str(processed / f"{name}.parquet")])
        con.execute(question_views_sql())
        materialise_views(con)
        con.execute("CHECKPOINT")
    finally:
        con.close()


def stage(frames: Frames, meta: dict[str, Any], out_root: Path, readme: str,
          with_duckdb: bool = True) -> Path:
    """Write a complete release into a staging folder under out_root; return that folder. The
    frames are consumed: emptied once written."""
    staging = out_root / STAGING
    if staging.exists():
        shutil.rmtree(staging)
    processed = staging / PROCESSED
    processed.mkdir(parents=True)
    rows = write_parquet(frames, processed)
    (staging / SQL_FILES[0]).write_text(schema_sql(), encoding="utf-8")
    (staging / SQL_FILES[1]).write_text(views_sql(), encoding="utf-8")
    hashes = {name: sha256_file(processed / f"{name}.parquet") for name in TABLES}
    package = descriptor(meta, source_rows(frames.frames["sources"]), hashes, rows)
    # counted from the Parquet files, as `flows check` counts them
    (staging / "README.md").write_text(render_readme(readme, published_contents(processed)), encoding="utf-8")
    # The rows now live in the Parquet files: free them before DuckDB loads those.
    frames.frames.clear()
    frames.texts = frames.texts.slice(0, 0)
    pa.default_memory_pool().release_unused()
    if with_duckdb:
        write_duckdb(processed, processed / DUCKDB_FILE)
        package[DESCRIPTOR_KEY] = database_digests(processed / DUCKDB_FILE)  # verified by `flows check`
    (staging / "datapackage.json").write_text(descriptor_text(package), encoding="utf-8")
    return staging


def release_files(staging: Path) -> list[str]:
    """Every file of the staged release, relative to the root; datapackage.json last."""
    files = sorted(str(p.relative_to(staging)) for p in staging.rglob("*") if p.is_file())
    files.remove("datapackage.json")
    return files + ["datapackage.json"]


def commit(staging: Path, out_root: Path) -> None:
    files = release_files(staging)
    for rel in files:
        _fsync(staging / rel)
    journal = out_root / JOURNAL
    tmp = journal.with_suffix(".tmp")
    tmp.write_text(json.dumps({"staging": STAGING, "files": files}), encoding="utf-8")
    _fsync(tmp)
    os.replace(tmp, journal)  # from here on, the new release is the one that counts
    recover(out_root)


def recover(out_root: Path) -> bool:
    """Finish a publish that was interrupted after its journal was written. Returns whether
    there was one. Safe to run any number of times."""
    journal = out_root / JOURNAL
    if not journal.exists():
        stale = out_root / STAGING
        if stale.exists():  # a build killed before its journal: the old release stands
            shutil.rmtree(stale, ignore_errors=True)
        return False
    plan = json.loads(journal.read_text(encoding="utf-8"))
    staging = out_root / plan["staging"]
    for rel in plan["files"]:
        src, dst = staging / rel, out_root / rel
        if src.exists():
            dst.parent.mkdir(parents=True, exist_ok=True)
            os.replace(src, dst)
    keep = {out_root / rel for rel in plan["files"]}
    for old in (out_root / PROCESSED).glob("*.parquet"):
        if old not in keep:  # a table that no longer exists
            old.unlink()
    journal.unlink()
    shutil.rmtree(staging, ignore_errors=True)
    return True


def publish(frames: Frames, meta: dict[str, Any], out_root: Path, readme: str,
            with_duckdb: bool = True) -> Path:
    """Publish a release under out_root; `readme` is the README whose generated sections are
    rewritten for this release."""
    out_root.mkdir(parents=True, exist_ok=True)
    recover(out_root)
    staging = stage(frames, meta, out_root, readme, with_duckdb)
    commit(staging, out_root)
    return out_root / "datapackage.json"
