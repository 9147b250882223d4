"""The Frictionless descriptor (`datapackage.json`), generated from the schema and from
`data/raw/package.yaml`."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from flows.schema.dtypes import table_schema_type
from flows.schema.definition import TABLES, Field, Table, table_fields

if TYPE_CHECKING:  # pandas is imported only where frames are made
    import pandas as pd

PROCESSED = "data/processed"
SOURCE_COLUMNS = ("source_id", "title", "url", "publisher", "licence")
PACKAGE_KEYS = ("name", "title", "description", "version", "homepage", "keywords", "licenses",
                "contributors")


def field_descriptor(f: Field) -> dict[str, Any]:
    out: dict[str, Any] = {"name": f.name, "type": table_schema_type(f), "description": f.description}
    if f.type == "date":
        out["format"] = "default"
    constraints: dict[str, Any] = {}
    if f.required:
        constraints["required"] = True
    if f.enum:
        constraints["enum"] = list(f.enum)
    if f.pattern:
        constraints["pattern"] = f.pattern
    if f.minimum is not None:
        constraints["minimum"] = f.minimum
    if f.min_chars is not None:  # implied by the stricter rule: min_chars besides whitespace
        constraints["minLength"] = f.min_chars
    if f.unique:
        constraints["unique"] = True
    if constraints:
        out["constraints"] = constraints
    return out


def table_schema(table: Table) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "fields": [field_descriptor(f) for f in table_fields(table)],
        "primaryKey": list(table.primary_key),
        "missingValues": ["", "nan", "NaT"],  # how pandas-read Parquet nulls reach frictionless
    }
    if table.foreign_keys:
        schema["foreignKeys"] = [
            {"fields": [field],
             "reference": {"resource": "" if target == table.name else target,
                           "fields": [TABLES[target].primary_key[0]]}}
            for field, target in table.foreign_keys.items()
        ]
    return schema


def resource(table: Table, sha256: str, rows: int) -> dict[str, Any]:
    return {
        "name": table.name,
        "path": f"{PROCESSED}/{table.name}.parquet",
        "profile": "tabular-data-resource",
        "format": "parquet",
        "mediatype": "application/vnd.apache.parquet",
        "description": table.description,
        "hash": f"sha256:{sha256}",
        "rows": rows,
        "schema": table_schema(table),
    }


def source_rows(sources: pd.DataFrame) -> list[dict[str, Any]]:
    """The sources columns the descriptor lists, from the build's frame."""
    return sources[list(SOURCE_COLUMNS)].astype(object).where(sources[list(SOURCE_COLUMNS)].notna(), None) \
        .to_dict("records")


def descriptor(meta: dict[str, Any], sources: list[dict[str, Any]], hashes: dict[str, str],
               rows: dict[str, int]) -> dict[str, Any]:
    """The whole descriptor: meta from data/raw/package.yaml, sources as rows of SOURCE_COLUMNS
    (from the build's frame, or from sources.parquet for `flows check`)."""
    unknown = sorted(set(meta) - set(PACKAGE_KEYS))
    if unknown:
        raise ValueError(f"data/raw/package.yaml: unknown keys {unknown} (it takes: {', '.join(PACKAGE_KEYS)})")
    out: dict[str, Any] = {"profile": "tabular-data-package"}
    out.update({k: meta[k] for k in PACKAGE_KEYS if k in meta})
    out["sources"] = [
        {"title": s.title, **({"path": s.url} if isinstance(s.url, str) else {}),
         "publisher": s.publisher, "licence": s.licence}
        for s in (SimpleNamespace(**r) for r in sorted(sources, key=lambda r: r["source_id"]))
    ]
    out["resources"] = [resource(t, hashes[t.name], rows[t.name]) for t in TABLES.values()]
    return out


def descriptor_text(package: dict[str, Any]) -> str:
    """datapackage.json as the build writes it, byte for byte."""
    return json.dumps(package, indent=2, ensure_ascii=False) + "\n"


def read_package(root: Path) -> dict[str, Any]:
    """The published datapackage.json at root; FileNotFoundError when there is none (no build)."""
    path = root / "datapackage.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run `flows build` (or `make build`) first")
    return json.loads(path.read_text(encoding="utf-8"))
