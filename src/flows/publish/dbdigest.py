"""Digests of everything in `flows.duckdb`: written beside it at publish
(`flows.duckdb.digests.json`, with the hashes of the Parquet files it was built from) and
verified by `flows check`, so that an edited, stale or incomplete database is found.

A relation's digest covers its schema and name, its columns (names and types), its comment and
the comments of its columns, its row count and the sum of its rows' hashes (DuckDB's `hash`):
independent of row order, which DuckDB does not keep for a view computed by several threads,
and one cheap scan per table. A macro's digest covers its parameters, body and comment. It
finds a changed row, not a forger: DuckDB's hash is 64 bits and not cryptographic. The digests
stay out of `datapackage.json`, which is the same whether or not the database was built.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import duckdb

DIGESTS_SUFFIX = ".digests.json"


def digests_path(database: Path) -> Path:
    return database.with_name(database.name + DIGESTS_SUFFIX)


def _sha256(content: Any) -> str:
    return "sha256:" + hashlib.sha256(json.dumps(content, default=str).encode()).hexdigest()


def _quoted(*names: str) -> str:
    return ".".join('"' + n.replace('"', '""') + '"' for n in names)


def digests(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Each table's, view's and macro's digest, by name (`schema.name` outside `main`)."""
    def label(schema: str, name: str) -> str:
        return name if schema == "main" else f"{schema}.{name}"

    columns: dict[tuple[str, str], list[list[Any]]] = {}
    for schema, table, column, type_, comment in con.execute(
            "SELECT schema_name, table_name, column_name, data_type, comment FROM duckdb_columns() "
            "WHERE NOT internal ORDER BY schema_name, table_name, column_index").fetchall():
        columns.setdefault((schema, table), []).append([column, type_, comment])
    out = {}
    for schema, name, kind, comment in con.execute(
            "SELECT schema_name, table_name, 'table', comment FROM duckdb_tables() WHERE NOT internal "
            "UNION ALL SELECT schema_name, view_name, 'view', comment FROM duckdb_views() WHERE NOT internal "
            "ORDER BY 1, 2").fetchall():
        rows, total = con.execute(f"SELECT count(*), coalesce(sum(hash(t)::HUGEINT), 0) "
                                  f"FROM {_quoted(schema, name)} t").fetchone()
        out[label(schema, name)] = _sha256([kind, comment, columns.get((schema, name), []), rows, str(total)])
    for schema, name, kind, parameters, definition, comment in con.execute(
            "SELECT schema_name, function_name, function_type, parameters, macro_definition, comment "
            "FROM duckdb_functions() WHERE NOT internal AND function_type IN ('macro', 'table_macro') "
            "ORDER BY 1, 2, 4").fetchall():
        out[label(schema, name) + "()"] = _sha256([kind, parameters, definition, comment])
    return out


def database_digests(path: Path) -> dict[str, str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return digests(con)
    finally:
        con.close()


def write_digests(database: Path, release_hashes: dict[str, str]) -> None:
    """The database's digests and the hashes of the Parquet files it was built from."""
    record = {"release": release_hashes, "relations": database_digests(database)}
    digests_path(database).write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def read_digests(database: Path) -> tuple[dict[str, str], dict[str, str]]:
    """(release hashes, digests) as written at publish; ValueError when unreadable."""
    record = json.loads(digests_path(database).read_text(encoding="utf-8"))
    if not (isinstance(record, dict) and all(isinstance(record.get(k), dict) for k in ("release", "relations"))
            and all(isinstance(v, str) for k in ("release", "relations") for v in record[k].values())):
        raise ValueError("expected {\"release\": {...}, \"relations\": {...}} of strings")
    return record["release"], record["relations"]


def digest_problems(where: str, recorded: dict[str, str], found: dict[str, str]) -> list[tuple[str, str]]:
    """(relation, message) for each table, view or macro that differs from the recorded ones."""
    out = []
    for name in sorted(set(recorded) | set(found)):
        if name not in found:
            out.append((name, f"missing from {where}: the database is incomplete or from another build"))
        elif name not in recorded:
            out.append((name, f"in {where} but not in the release: an added table, view or macro"))
        elif recorded[name] != found[name]:
            out.append((name, "rows, columns, comments or definition differ from the release's digest: "
                              "the database was edited or comes from another build (run `flows build`)"))
    return out
