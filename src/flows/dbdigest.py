"""Digests of the tables and views of `flows.duckdb`: recorded in datapackage.json when the
database is published, verified by `flows check`, so that an edited, stale or incomplete
database is found.

A digest covers a relation's columns (names and types), its row count and the sum of its rows'
hashes (DuckDB's `hash`): independent of row order, which DuckDB does not keep for a view
computed by several threads, and one cheap scan per table. It finds a changed row, not a
forger: DuckDB's hash is 64 bits and not cryptographic.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb

# The descriptor's custom property (datapackage.json) holding the digests.
DESCRIPTOR_KEY = "flows:duckdb"


def _relations(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    return con.execute(
        "SELECT table_name, 'table' FROM duckdb_tables() WHERE NOT internal AND schema_name = 'main' "
        "UNION ALL SELECT view_name, 'view' FROM duckdb_views() WHERE NOT internal AND schema_name = 'main' "
        "ORDER BY 1").fetchall()


def digests(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Each table's and view's digest, by name."""
    columns: dict[str, list[str]] = {}
    for table, column, type_ in con.execute(
            "SELECT table_name, column_name, data_type FROM duckdb_columns() WHERE NOT internal "
            "AND schema_name = 'main' ORDER BY table_name, column_index").fetchall():
        columns.setdefault(table, []).append(f"{column} {type_}")
    out = {}
    for name, kind in _relations(con):
        rows, total = con.execute(
            f'SELECT count(*), coalesce(sum(hash(t)::HUGEINT), 0) FROM "{name}" t').fetchone()
        content = json.dumps([kind, columns.get(name, []), rows, str(total)])
        out[name] = "sha256:" + hashlib.sha256(content.encode()).hexdigest()
    return out


def database_digests(path: Path) -> dict[str, str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return digests(con)
    finally:
        con.close()


def digest_problems(where: str, recorded: dict[str, str], found: dict[str, str]) -> list[tuple[str, str]]:
    """(relation, message) for each table or view that differs from the recorded ones."""
    out = []
    for name in sorted(set(recorded) | set(found)):
        if name not in found:
            out.append((name, f"missing from {where}: the database is incomplete or from another build"))
        elif name not in recorded:
            out.append((name, f"in {where} but not in the release: an added table or view"))
        elif recorded[name] != found[name]:
            out.append((name, "rows or columns differ from the release's digest: the database was "
                              "edited or comes from another build (run `flows build`)"))
    return out
