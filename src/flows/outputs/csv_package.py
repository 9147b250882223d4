"""`flows export csv`: every table as UTF-8 CSV beside its own `datapackage.json`, whose Table
Schemas are the package's own (`flows.publish.descriptor.table_schema`), so `frictionless validate`
checks the CSV files exactly as it checks the Parquet release."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flows.publish.descriptor import PACKAGE_KEYS, PROCESSED, read_package, table_schema
from flows.publish.targets import ExportError, StagedFiles, sha256_file, write_replacing
from flows.schema.definition import TABLES, table_fields

# Text a spreadsheet would run as a formula (OWASP, "CSV injection"): a cell beginning with one
# of these. Such cells get a leading ' , which spreadsheets read as "this is text".
FORMULA_START = re.compile(r"^[=+\-@\t\r]")
NEUTRALISED = ("Text cells (free-text columns only) that begin with =, +, -, @, a tab or a carriage "
               "return are written with a leading ' so that spreadsheets show them instead of running "
               "them as formulas; `flows export csv --raw` writes every value as it is.")
# What an export folder may hold: a previous export, and the temporary files of one.
EXPORT_FILES = frozenset([f"{n}.csv" for n in TABLES] + [f"{n}.csv.tmp" for n in TABLES]
                         + ["datapackage.json", "datapackage.json.tmp"])


def free_text_fields(name: str) -> list[str]:
    """The string columns of a table that hold free text: ids, codes and enums have patterns or
    value lists that no formula matches, and numbers and dates stay as they are."""
    return [f.name for f in table_fields(TABLES[name]) if f.type == "string" and not f.enum and not f.pattern]


def neutralise_formulas(table: Any, fields: list[str]) -> tuple[Any, int]:
    """`table` with every cell of `fields` that begins like a formula prefixed with ' ; the
    number of cells changed."""
    import pyarrow.compute as pc

    changed = 0
    for name in fields:
        column = table[name]
        risky = pc.fill_null(pc.match_substring_regex(column, FORMULA_START.pattern), False)
        n = pc.sum(risky).as_py() or 0
        if n:
            quoted = pc.if_else(risky, pc.binary_join_element_wise("'", column, ""), column)
            table = table.set_column(table.schema.get_field_index(name), table.schema.field(name), quoted)
            changed += n
    return table, changed


def csv_resource(name: str, path: Path, rows: int, raw: bool = False) -> dict[str, Any]:
    table = TABLES[name]
    return {
        "name": name,
        "path": path.name,
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "description": table.description if raw else f"{table.description} {NEUTRALISED}",
        "hash": f"sha256:{sha256_file(path)}",
        "bytes": path.stat().st_size,
        "rows": rows,
        "schema": table_schema(table),
    }


def check_export_folder(out_dir: Path) -> None:
    """Refuse a folder that holds anything but a previous CSV export: writing there would
    overwrite files that are not the export's (the package's own datapackage.json, say)."""
    if out_dir.exists() and not out_dir.is_dir():
        raise ExportError(f"{out_dir}: exists and is not a folder")
    if not out_dir.is_dir():
        return
    others = sorted(p.name for p in out_dir.iterdir() if p.name not in EXPORT_FILES or not _plain_file(p))
    if others:
        shown = ", ".join(others[:3]) + (", …" if len(others) > 3 else "")
        raise ExportError(f"{out_dir}: holds files that are not a CSV export of flows ({shown}); "
                          "export into a new or empty folder")
    descriptor = out_dir / "datapackage.json"
    if descriptor.exists() and not _is_csv_export(descriptor):
        raise ExportError(f"{descriptor}: not the datapackage.json of a CSV export of flows; "
                          "export into a new or empty folder")


def _plain_file(path: Path) -> bool:
    return path.is_file() or path.is_symlink()  # a link is replaced, never written through


def _is_csv_export(descriptor: Path) -> bool:
    try:
        meta = json.loads(descriptor.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return False
    resources = meta.get("resources") if isinstance(meta, dict) else None
    return isinstance(resources, list) and all(
        isinstance(r, dict) and r.get("format") == "csv" and r.get("name") in TABLES for r in resources)


def _read_parquet(path: Path) -> Any:
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not path.is_file():
        raise ExportError(f"{path} is missing: run `flows build` (or `make build`) first")
    try:
        return pq.read_table(path)
    except (pa.ArrowException, OSError) as e:
        raise ExportError(f"{path}: not a readable Parquet file ({e}); run `flows check`") from None


@dataclass
class CsvExport:
    rows: dict[str, int] = field(default_factory=dict)  # table → rows written
    neutralised: int = 0  # cells given a leading '


def export_csv(root: Path, out_dir: Path, raw: bool = False) -> CsvExport:
    """Write DIR/<table>.csv for every table and DIR/datapackage.json. Unless `raw`, text cells
    that a spreadsheet would run as formulas are neutralised (see NEUTRALISED)."""
    import pyarrow.csv as pacsv

    meta = read_package(root)
    check_export_folder(out_dir)
    result = CsvExport()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        # Every table to a temporary file first: a table that cannot be read or written leaves
        # the previous export as it was.
        with StagedFiles() as staged:
            for name in TABLES:
                table = _read_parquet(root / PROCESSED / f"{name}.parquet")
                if not raw:
                    table, n = neutralise_formulas(table, free_text_fields(name))
                    result.neutralised += n
                with staged.open(out_dir / f"{name}.csv") as f:
                    pacsv.write_csv(table, f, pacsv.WriteOptions(include_header=True, delimiter=",",
                                                                 quoting_style="needed"))
                result.rows[name] = table.num_rows
            staged.replace_all()
        descriptor: dict[str, Any] = {"profile": "tabular-data-package"}
        descriptor.update({k: meta[k] for k in PACKAGE_KEYS if k in meta})
        if "sources" in meta:
            descriptor["sources"] = meta["sources"]
        descriptor["resources"] = [csv_resource(name, out_dir / f"{name}.csv", result.rows[name], raw)
                                   for name in TABLES]
        write_replacing(out_dir / "datapackage.json",
                        lambda f: f.write(json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n"))
    except OSError as e:
        raise ExportError(f"cannot write the export: {e}") from None
    return result
