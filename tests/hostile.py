"""Hostile data several test files share: values planted in a published package as an attacker
who knows its format would (each rewritten table re-hashed into datapackage.json, so that only
the rules, not the hashes, can catch it), and the characters a terminal acts on."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from conftest import run_cli
from flows.publish.descriptor import PROCESSED
from flows.publish.targets import sha256_file
from flows.schema.definition import TABLES

def rewrite_table(root: Path, table: str, change: Callable[[list[dict]], list[dict]]) -> None:
    """Rewrite one published table's rows (each a dict), then re-hash it (and its row count)
    into datapackage.json, as an attacker who knows the format would."""
    path = root / PROCESSED / f"{table}.parquet"
    arrow = pq.read_table(path)
    rows = change(arrow.to_pylist())
    # nullable fields: a planted null in a required column must reach the file
    schema = pa.schema([f.with_nullable(True) for f in arrow.schema])
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)
    descriptor_path = root / "datapackage.json"
    package = json.loads(descriptor_path.read_text(encoding="utf-8"))
    for res in package["resources"]:
        if res["name"] == table:
            res["hash"] = f"sha256:{sha256_file(path)}"
            res["rows"] = len(rows)
    descriptor_path.write_text(json.dumps(package, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def set_cells(root: Path, table: str, key: str, **values: Any) -> None:
    pk = TABLES[table].primary_key[0]

    def change(rows: list[dict]) -> list[dict]:
        hit = [r for r in rows if r[pk] == key]
        assert hit, f"no row {key} in {table}"
        hit[0].update(values)
        return rows
    rewrite_table(root, table, change)


def duplicate_row(root: Path, table: str, key: str) -> None:
    pk = TABLES[table].primary_key[0]
    rewrite_table(root, table, lambda rows: rows + [r for r in rows if r[pk] == key][:1])


def check_lines(root: Path) -> tuple[int, list[str]]:
    code, _, stderr = run_cli("check", "--root", str(root), "--texts-root", str(root))
    assert "Traceback" not in stderr
    return code, stderr.strip().splitlines()


def check_passed(result: tuple[int, list[str]]) -> bool:
    """`flows check` passed: exit 0, its last line `check passed` (with the count of warnings, if
    any), and every other line a warning of conflicting values (warnings never fail a check)."""
    code, lines = result
    return code == 0 and bool(lines) and lines[-1].startswith("check passed") and \
        all(line.startswith("warning: ") for line in lines[:-1])


def build_lines(root: Path) -> tuple[int, list[str]]:
    code, _, stderr = run_cli("build", "--root", str(root), "--no-duckdb")
    assert "Traceback" not in stderr
    return code, stderr.strip().splitlines()


def edit_descriptor(root: Path, change: Callable[[dict], None], indent: int = 2) -> None:
    path = root / "datapackage.json"
    package = json.loads(path.read_text(encoding="utf-8"))
    change(package)
    path.write_text(json.dumps(package, indent=indent, ensure_ascii=False) + "\n", encoding="utf-8")


def resource_entry(package: dict, name: str) -> dict:
    return next(r for r in package["resources"] if r["name"] == name)


# Characters that would act on a terminal (escape, carriage return, bidi override and isolate, C1
# CSI, delete, bell, backspace, line separator): no command prints one raw.
UNSAFE_RAW = ("\x1b", "\r", "\u202e", "\u2066", "\x9b", "\x7f", "\x07", "\x08", "\u2028")


# How a curation file, archived text or folder that is a symbolic link is refused.
A_LINK = "refused: a symbolic link, not a regular file"
