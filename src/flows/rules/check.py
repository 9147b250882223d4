"""`flows check`: everything a user must be able to trust in a published package.

Every published byte is compared with what the build would publish: file hashes against
`datapackage.json`; the descriptor itself against the one regenerated from the published files
(and from `data/raw/package.yaml` when it is there); the SQL files and the README's generated
sections against what the schema and the tables give; `flows.duckdb`, when present, against the
digests recorded at publish (flows.publish.dbdigest). Then the same rules as the build's models and its
cross-table rules, run by DuckDB directly over the Parquet files (`validate.published_problems`):
no row goes through pandas. A sound package is then read for warnings (`conflict_warnings`):
record fields whose claims give conflicting values, shown to curators, never failing the check.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pyarrow
import pyarrow.parquet as pq

from flows.rules.date_rules import edtf_problems
from flows.publish.dbdigest import database_digests, digest_problems, read_digests
from flows.schema.constraints import sql_string
from flows.schema.ddl import question_views_sql, schema_sql, views_sql
from flows.publish.readme import SECTIONS, published_contents, render_readme, section
from flows.errors import CurationError, Problem
from flows.publish.descriptor import PACKAGE_KEYS, PROCESSED, SOURCE_COLUMNS, descriptor, descriptor_text, table_schema
from flows.publish.release import DUCKDB_DIGESTS, DUCKDB_FILE, SQL_FILES, recover, sha256_file
from flows.schema.definition import TABLES
from flows.rules.validate import published_problems

DESCRIPTOR = "datapackage.json"
# Problems after which the check reads no further: files missing, altered or unreadable.
_STOP = {"file_missing", "file_changed", "file_unreadable"}


def _read_descriptor(root: Path) -> tuple[dict[str, Any] | None, list[Problem]]:
    path = root / DESCRIPTOR
    if not path.is_file():
        return None, [Problem(DESCRIPTOR, None, "missing: run `flows build`", "descriptor_missing")]
    try:
        package = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(package, dict) or not isinstance(package.get("resources"), list) or \
                not all(isinstance(r, dict) and isinstance(r.get("name"), str) for r in package["resources"]):
            raise ValueError("it needs a list of named resources")
    except (ValueError, UnicodeDecodeError) as e:
        return None, [Problem(DESCRIPTOR, None, f"unreadable descriptor: {e}", "descriptor_unreadable")]
    return package, []


def _file_problems(root: Path, package: dict[str, Any]) -> tuple[list[Problem], dict[str, str]]:
    """Each table's file against its resource; returns the problems and the files' sha256."""
    resources = {r["name"]: r for r in package["resources"]}
    problems, hashes = [], {}
    for name, table in TABLES.items():
        res = resources.get(name)
        path = f"{PROCESSED}/{name}.parquet"
        if res is None:
            problems.append(Problem(DESCRIPTOR, "resources", f"no resource {name!r}", "resource_missing"))
            continue
        if res.get("schema") != table_schema(table):
            problems.append(Problem(DESCRIPTOR, f"resources.{name}.schema",
                                    "differs from the schema the code defines", "schema_differs"))
        if not (root / path).is_file():
            problems.append(Problem(path, None, "missing", "file_missing"))
            continue
        hashes[name] = sha256_file(root / path)
        if res.get("hash") != f"sha256:{hashes[name]}":
            problems.append(Problem(path, None, "sha256 differs from datapackage.json: the file "
                                    "was changed or corrupted after the build", "file_changed"))
    extra = sorted(set(resources) - set(TABLES))
    problems += [Problem(DESCRIPTOR, "resources", f"unknown resource {e!r}", "resource_unknown") for e in extra]
    for rel, text in zip(SQL_FILES, (schema_sql(), views_sql())):
        path = root / rel
        if not path.is_file():
            problems.append(Problem(rel, None, "missing", "file_missing"))
        elif path.read_text(encoding="utf-8", errors="replace") != text:
            problems.append(Problem(rel, None, "differs from what the build generates", "file_differs"))
    return problems, hashes


def _parquet_facts(processed: Path) -> tuple[dict[str, int], list[dict[str, Any]], list[Problem]]:
    """Row counts (from each file's footer) and the sources the descriptor lists; a file that
    pyarrow cannot read is a problem naming it."""
    rows, sources, problems = {}, [], []
    for name in TABLES:
        try:
            with pq.ParquetFile(processed / f"{name}.parquet") as f:
                rows[name] = f.metadata.num_rows
                if name == "sources":
                    sources = f.read(columns=list(SOURCE_COLUMNS)).to_pylist()
        except (pyarrow.ArrowException, OSError, ValueError) as e:
            problems.append(Problem(f"{PROCESSED}/{name}.parquet", None, f"not a readable Parquet file: {e}",
                                    "file_unreadable"))
    return rows, sources, problems


def _package_meta(root: Path, package: dict[str, Any]) -> dict[str, Any]:
    """The package's metadata: data/raw/package.yaml when it is at the root, else the
    descriptor's own (then only what the files give can be verified)."""
    from flows.build.load import read_package_yaml

    meta = read_package_yaml(root)
    if meta is None:
        return {k: package[k] for k in PACKAGE_KEYS if k in package}
    return meta


def _descriptor_problems(root: Path, package: dict[str, Any], hashes: dict[str, str],
                         rows: dict[str, int], sources: list[dict[str, Any]]) -> list[Problem]:
    """datapackage.json against the descriptor the build writes for these files: one problem
    per differing top-level key and per differing key of a resource."""
    try:
        expected = descriptor(_package_meta(root, package), sources, hashes, rows)
    except CurationError as e:
        return e.problems
    except ValueError as e:  # unknown keys in package.yaml
        return [Problem("data/raw/package.yaml", None, str(e), "package_yaml")]
    problems = []
    for key in [*expected, *(k for k in package if k not in expected)]:
        if key == "resources" or package.get(key) == expected.get(key):
            continue
        what = "missing" if key not in package else ("not written by the build" if key not in expected
                                                     else "differs from what the build writes")
        problems.append(Problem(DESCRIPTOR, key, what, "descriptor_differs"))
    published = {r["name"]: r for r in package["resources"]}
    for res in expected["resources"]:
        found = published.get(res["name"])
        if found is None:
            continue  # reported by _file_problems
        for key in [*res, *(k for k in found if k not in res)]:
            if key in ("schema", "hash") or found.get(key) == res.get(key):
                continue  # schema and hash: reported by _file_problems
            problems.append(Problem(DESCRIPTOR, f"resources.{res['name']}.{key}",
                                    f"{found.get(key)!r} where the published files give {res.get(key)!r}",
                                    "descriptor_differs"))
    if [r.get("name") for r in package["resources"]] != [r["name"] for r in expected["resources"]] \
            and set(published) == set(TABLES):
        problems.append(Problem(DESCRIPTOR, "resources", "not in the order the build writes them",
                                "descriptor_differs"))
    if not problems and (root / DESCRIPTOR).read_text(encoding="utf-8") != descriptor_text(package):
        problems.append(Problem(DESCRIPTOR, None, "not written as the build writes it (formatting changed)",
                                "descriptor_differs"))
    return problems


def _readme_problems(root: Path, processed: Path) -> list[Problem]:
    """The README's generated sections against what the schema and the published tables give."""
    path = root / "README.md"
    if not path.is_file():  # a release always has one (publish.REQUIRED_FILES)
        return [Problem("README.md", None, "missing: run `flows build`", "file_missing")]
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        expected = render_readme(text, published_contents(processed))
    except ValueError as e:  # no markers
        return [Problem("README.md", None, str(e), "readme_unmarked")]
    problems = [Problem("README.md", f"generated:{name}", "differs from what the published tables give "
                        "(edited by hand, or from another build): run `flows build`", "readme_differs")
                for name in SECTIONS if section(text, name) != section(expected, name)]
    if not problems and text != expected:  # a later copy of a section, which the build rewrites too
        problems.append(Problem("README.md", None, "a generated section stands twice, one copy not as the "
                                "build writes it: remove the copy, or run `flows build`", "readme_differs"))
    return problems


def _database_problems(root: Path, hashes: dict[str, str]) -> list[Problem]:
    """flows.duckdb, when present, against the digests written beside it at publish, and those
    against the release's Parquet files (a database from another build)."""
    rel, digests_rel = f"{PROCESSED}/{DUCKDB_FILE}", f"{PROCESSED}/{DUCKDB_DIGESTS}"
    if not (root / rel).is_file():
        if (root / digests_rel).exists():
            return [Problem(digests_rel, None, f"left without {DUCKDB_FILE}: remove it, or run `flows build`",
                            "database_undigested")]
        return []  # optional: not committed, not needed by the tables
    try:
        release, recorded = read_digests(root / rel)
    except FileNotFoundError:
        return [Problem(rel, None, f"{DUCKDB_DIGESTS} is missing beside it: it comes from another build, or "
                        "was copied without its digests; run `flows build`", "database_undigested")]
    except (ValueError, OSError) as e:
        return [Problem(digests_rel, None, f"unreadable: {e}; run `flows build`", "database_undigested")]
    if release != hashes:
        return [Problem(rel, None, "built from other Parquet files than the release's (a database of "
                        "another build): run `flows build`", "database_differs")]
    try:
        found = database_digests(root / rel)
    except duckdb.Error as e:
        return [Problem(rel, None, f"not a readable DuckDB database: {e}", "database_unreadable")]
    return [Problem(rel, name, message, "database_differs") for name, message in digest_problems(rel, recorded, found)]


def _unreadable(error: Exception, processed: Path) -> Problem:
    """An error reading the Parquet files (a corrupt page behind an intact footer), named by
    the file it mentions."""
    message = str(error).splitlines()[0] if str(error) else type(error).__name__
    for name in TABLES:
        if f"{name}.parquet" in str(error):
            return Problem(f"{PROCESSED}/{name}.parquet", None, f"not a readable Parquet file: {message}",
                           "file_unreadable")
    for name in TABLES:  # the error does not say which: read each file whole (only on this path)
        try:
            with pq.ParquetFile(processed / f"{name}.parquet") as f:
                f.read()
        except (pyarrow.ArrowException, OSError, ValueError) as e:
            return Problem(f"{PROCESSED}/{name}.parquet", None, f"not a readable Parquet file: {e}",
                           "file_unreadable")
    return Problem(PROCESSED, None, f"a Parquet file is not readable: {message}", "file_unreadable")


def conflict_warnings(root: Path) -> list[Problem]:
    """Warnings, not problems: each record field whose supporting claims give different values,
    or a value the record does not hold (the view conflicting_claims, run over the published
    Parquet files), named by the curation file of the record. They never fail the check: a
    source may well disagree with another; the curator is shown where."""
    processed = root / PROCESSED
    con = duckdb.connect()
    try:
        con.execute("SET enable_progress_bar = false")
        for name in TABLES:
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM "
                        f"read_parquet({sql_string(str(processed / f'{name}.parquet'))})")
        con.execute(question_views_sql())
        rows = con.execute("SELECT curated_in, record_id, field, record_value, claims_differ, record_differs, "
                           "n_values, claimed_values FROM conflicting_claims").fetchall()
    finally:
        con.close()
    return [Problem(f"{curated_in} [{record_id}]", field, _conflict_message(*facts), "conflicting_values")
            for curated_in, record_id, field, *facts in rows]


def _conflict_message(record_value: str | None, claims_differ: bool, record_differs: bool, n_values: int,
                      claimed_values: str) -> str:
    held = "nothing" if record_value is None else repr(record_value)
    what = [f"claims give {n_values} different values"] if claims_differ else []
    what += [f"a claim gives a value the record does not hold (it holds {held})"] if record_differs else []
    return f"{' and '.join(what)}: {claimed_values}"


def check(root: Path, texts_root: Path | None = None) -> tuple[list[Problem], bool]:
    """All problems of the package at root, and whether an interrupted publish was finished."""
    recovered = recover(root)
    package, problems = _read_descriptor(root)
    if package is None:
        return problems, recovered
    problems, hashes = _file_problems(root, package)
    processed = root / PROCESSED
    if not any(p.code in _STOP for p in problems):
        rows, sources, unreadable = _parquet_facts(processed)
        problems += unreadable
    if any(p.code in _STOP for p in problems):
        return problems, recovered  # unreadable or altered files: report them, read no further
    try:
        problems += _descriptor_problems(root, package, hashes, rows, sources)
        problems += _readme_problems(root, processed)
        problems += _database_problems(root, hashes)
        problems += edtf_problems(processed)
        return problems + published_problems(texts_root or root, processed), recovered
    except (duckdb.Error, pyarrow.ArrowException, OSError) as e:
        return problems + [_unreadable(e, processed)], recovered
