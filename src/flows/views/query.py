"""Read-only SQL over the published tables and views."""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

import duckdb

from flows.publish.descriptor import PROCESSED
from flows.publish.release import DUCKDB_FILE, recover
from flows.schema.definition import TABLES


def connect_release(root: Path) -> duckdb.DuckDBPyConnection:
    """The release at root, read-only: its `flows.duckdb` when a build made one (views
    precomputed), else its committed Parquet files loaded into memory (a fresh clone, a wheel)."""
    if (root / PROCESSED / DUCKDB_FILE).is_file():
        return connect_read_only(root)
    recover(root)
    missing = [name for name in TABLES if not (root / PROCESSED / f"{name}.parquet").is_file()]
    if missing:
        raise FileNotFoundError(f"{root / PROCESSED} has no {missing[0]}.parquet: "
                                "run `flows build` (or `make build`) first")
    return connect_from_parquet(root)


def connect_read_only(root: Path) -> duckdb.DuckDBPyConnection:
    """The published database, opened so that no query can change it or any file: read-only,
    no access to files or networks, configuration locked. An interrupted publish is finished
    first, or refused (publish.PublishError): a half-published release is never read."""
    recover(root)
    path = root / PROCESSED / DUCKDB_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run `flows build` (or `make build`) first")
    return _locked_down(duckdb.connect(str(path), read_only=True))


def connect_from_parquet(root: Path) -> duckdb.DuckDBPyConnection:
    """The release at root loaded from its Parquet files: the typed tables, then the views of
    `sql/views.sql`, in a temporary database reopened read-only and locked down as
    `connect_read_only` is (an in-memory database would accept DELETE). For a release without
    `flows.duckdb`: a fresh clone, an installed wheel."""
    from flows.schema.ddl import question_views_sql, schema_sql

    processed = root / PROCESSED
    folder = Path(tempfile.mkdtemp(prefix="flows-release-"))
    path = folder / DUCKDB_FILE
    try:
        with duckdb.connect(str(path)) as loading:
            loading.execute(schema_sql())
            for name in TABLES:
                loading.execute(f'INSERT INTO "{name}" SELECT * FROM read_parquet(?)',
                                [str(processed / f"{name}.parquet")])
            loading.execute(question_views_sql())
        con = duckdb.connect(str(path), read_only=True)
    finally:
        # The open connection keeps the file; where the system refuses to remove an open file,
        # it stays in the temporary folder.
        with contextlib.suppress(OSError):
            path.unlink()
            folder.rmdir()
    return _locked_down(con)


def _locked_down(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    # DuckDB shares one instance per file within a process: a second connection finds the
    # configuration already locked, and locked as it must be.
    if not con.execute("SELECT current_setting('lock_configuration')").fetchone()[0]:
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
    assert con.execute("SELECT current_setting('enable_external_access')").fetchone()[0] is False
    return con


def list_views(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """The views with their descriptions, then the table macros. In `flows.duckdb` the views are
    precomputed as tables of the same names (publish.materialise_views): every table that is not
    one of the published tables counts as a view, and live views are listed too."""
    views = con.execute("SELECT view_name, coalesce(comment, '') FROM duckdb_views() WHERE NOT internal "
                        "UNION ALL "
                        "SELECT table_name, coalesce(comment, '') FROM duckdb_tables() "
                        "WHERE NOT internal AND NOT list_contains(?, table_name) ORDER BY 1",
                        [list(TABLES)]).fetchall()
    macros = con.execute("SELECT function_name || '(' || array_to_string(parameters, ', ') || ')', "
                         "coalesce(comment, '') FROM duckdb_functions() "
                         "WHERE function_type = 'table_macro' AND NOT internal ORDER BY 1").fetchall()
    return views + macros
