"""rows → typed DataFrames: derive EDTF bounds, text hashes and the records registry."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pyarrow as pa

from flows.build.dates import EDTFError, edtf_bounds
from flows.build.evidence import fill_evidence
from flows.schema.dtypes import arrow_columns_frame, typed_frame
from flows.errors import CurationError, Problem
from flows.build.load import Curation, Origins, RowSource
from flows.schema.definition import LABEL_FIELDS, LIST_ROWS, RECORD_TABLES, TABLES, Table, table_fields
from flows.build.texts import read_list_rows, read_texts


@dataclass
class Frames:
    """Every table as a typed DataFrame. `origins[table][i]` is where row i was curated
    (None for frames read back from a published package)."""

    frames: dict[str, pd.DataFrame]
    origins: dict[str, Origins] | None
    texts: pa.Table  # the archived texts found: text_path, sha256, spaced (flows.build.texts)
    list_rows: pa.Table | None = None  # the rows of archived lists: text_path, locator, row

def _derive_dates(table: Table, df: pd.DataFrame, origins: Origins | list[RowSource]) -> list[Problem]:
    problems = []
    for f in table_fields(table):
        if f.type != "edtf":
            continue
        values = df[f.name]
        bounds: dict[str, tuple] = {}
        for value in values.dropna().unique():  # one parse per distinct date, not per row
            try:
                bounds[value] = edtf_bounds(value)
            except EDTFError as e:
                bad = values.index[values == value]
                problems += [Problem(str(origins[i].at(f.name)), f.name, str(e), "edtf") for i in bad]
        # dict lookups are vectorised by pandas (a hash join), unlike a per-row lambda
        df[f"{f.name}_earliest"] = values.map({v: b[0] for v, b in bounds.items()})
        df[f"{f.name}_latest"] = values.map({v: b[1] for v, b in bounds.items()})
    return problems


def _records(frames: dict[str, pd.DataFrame], origins: dict[str, Origins]) -> tuple[pd.DataFrame, Origins]:
    parts, where = [], []
    for record_type, table in RECORD_TABLES.items():
        df = frames[table.name]
        label = df[LABEL_FIELDS[record_type]]
        if record_type == "transfer":  # a transfer without a description: who, whom, what
            label = label.fillna(df["supplier_id"] + " → " + df["recipient_id"] + " ("
                                 + df["item_id"].fillna("item unknown") + ")")
        parts.append(pd.DataFrame({
            "record_id": df[table.primary_key[0]],
            "record_type": record_type,
            "label": label,
            "curated_in": df["curated_in"] if "curated_in" in df else None,
        }))
        where.append(origins[table.name])
    return pd.concat(parts, ignore_index=True), Origins.concat(where)


def build_frames(curation: Curation) -> Frames:
    """Typed frames of every table. Each table's collected Arrow columns become its frame (the
    strings stay in their Arrow buffers) and are then dropped from `curation.columns`."""
    frames: dict[str, pd.DataFrame] = {}
    problems: list[Problem] = []
    origins = dict(curation.origins)
    for table in TABLES.values():
        if table.curated_as == "generated":
            continue
        columns = [f.name for f in table_fields(table)]
        extra = ["curated_in"] if table.record_type else []
        collected = curation.columns[table.name]
        df = arrow_columns_frame({c: collected[c] for c in columns + extra})
        collected.clear()
        problems += _derive_dates(table, df, origins[table.name])
        if problems:
            frames[table.name] = df
            continue
        typed = typed_frame(table, df)
        if extra:
            typed["curated_in"] = df["curated_in"].astype(pd.StringDtype())
        frames[table.name] = typed
        del df
    if problems:
        raise CurationError(problems)

    texts = read_texts(curation.root, frames["sources"]["text_path"].dropna().unique())
    sources = frames["sources"]
    list_rows = read_list_rows(curation.root, sources["text_path"][sources["text_kind"] == LIST_ROWS].dropna().unique())
    if problems := fill_evidence(frames["claims"], sources, texts, list_rows, origins["claims"]):
        raise CurationError(problems)
    hashes = dict(zip(texts["text_path"].to_pylist(), texts["sha256"].to_pylist()))
    frames["sources"]["text_sha256"] = frames["sources"]["text_path"].map(hashes).astype(pd.StringDtype())

    records, origins["records"] = _records(frames, origins)
    frames["records"] = typed_frame(TABLES["records"], records)
    for table in RECORD_TABLES.values():
        frames[table.name] = frames[table.name].drop(columns="curated_in")
    return Frames({name: frames[name] for name in TABLES}, origins, texts, list_rows)
