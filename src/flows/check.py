"""`flows check`: everything a user must be able to trust in a published package.

File hashes against `datapackage.json`, the descriptor and SQL files against what the schema
generates, then the same rules as the build's models and its cross-table rules, run by DuckDB
directly over the Parquet files (`validate.published_problems`): no row goes through pandas.
"""

from __future__ import annotations

import json
from pathlib import Path

from .ddl import schema_sql, views_sql
from .errors import Problem
from .package import PROCESSED, table_schema
from .publish import SQL_FILES, recover, sha256_file
from .schema import TABLES
from .validate import published_problems


def _file_problems(root: Path) -> list[Problem]:
    descriptor_path = root / "datapackage.json"
    if not descriptor_path.is_file():
        return [Problem("datapackage.json", None, "missing: run `flows build`")]
    try:
        package = json.loads(descriptor_path.read_text(encoding="utf-8"))
        resources = {r["name"]: r for r in package["resources"]}
    except (ValueError, KeyError, TypeError) as e:
        return [Problem("datapackage.json", None, f"unreadable descriptor: {e}")]
    problems = []
    for name, table in TABLES.items():
        res = resources.get(name)
        path = f"{PROCESSED}/{name}.parquet"
        if res is None:
            problems.append(Problem("datapackage.json", "resources", f"no resource {name!r}"))
            continue
        if res.get("schema") != table_schema(table):
            problems.append(Problem("datapackage.json", f"resources.{name}.schema",
                                    "differs from the schema the code defines"))
        if not (root / path).is_file():
            problems.append(Problem(path, None, "missing"))
        elif res.get("hash") != f"sha256:{sha256_file(root / path)}":
            problems.append(Problem(path, None, "sha256 differs from datapackage.json: the file "
                                    "was changed or corrupted after the build"))
    extra = sorted(set(resources) - set(TABLES))
    problems += [Problem("datapackage.json", "resources", f"unknown resource {e!r}") for e in extra]
    for rel, text in zip(SQL_FILES, (schema_sql(), views_sql())):
        path = root / rel
        if not path.is_file():
            problems.append(Problem(rel, None, "missing"))
        elif path.read_text(encoding="utf-8", errors="replace") != text:
            problems.append(Problem(rel, None, "differs from what the build generates"))
    return problems


def check(root: Path, texts_root: Path | None = None) -> tuple[list[Problem], bool]:
    """All problems of the package at root, and whether an interrupted publish was finished."""
    recovered = recover(root)
    problems = _file_problems(root)
    if any(p.message == "missing" or "sha256" in p.message for p in problems):
        return problems, recovered  # unreadable or altered files: report them, read no further
    return problems + published_problems(texts_root or root, root / PROCESSED), recovered
