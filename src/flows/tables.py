"""rows → typed DataFrames: derive EDTF bounds, text hashes and the records registry."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .dates import EDTFError, edtf_bounds
from .dtypes import typed_frame
from .errors import CurationError, Problem
from .load import Curation, RowSource
from .schema import LABEL_FIELDS, RECORD_TABLES, TABLES, Table, table_fields
from .texts import ArchivedText, read_text


@dataclass
class Frames:
    """Every table as a typed DataFrame. `origins[table][i]` is where row i was curated
    (None for frames read back from a published package)."""

    frames: dict[str, pd.DataFrame]
    origins: dict[str, list[RowSource]] | None
    texts: dict[str, ArchivedText | None]  # by text_path


def _derive_dates(table: Table, df: pd.DataFrame, origins: list[RowSource]) -> list[Problem]:
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
                problems += [Problem(str(origins[i].at(f.name)), f.name, str(e)) for i in bad[:5]]
        # dict lookups are vectorised by pandas (a hash join), unlike a per-row lambda
        df[f"{f.name}_earliest"] = values.map({v: b[0] for v, b in bounds.items()})
        df[f"{f.name}_latest"] = values.map({v: b[1] for v, b in bounds.items()})
    return problems


def _records(frames: dict[str, pd.DataFrame], origins: dict[str, list[RowSource]]) -> tuple[pd.DataFrame, list[RowSource]]:
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
        where += origins[table.name]
    return pd.concat(parts, ignore_index=True), where


def build_frames(curation: Curation) -> Frames:
    frames: dict[str, pd.DataFrame] = {}
    problems: list[Problem] = []
    origins = dict(curation.origins)
    for table in TABLES.values():
        if table.curated_as == "generated":
            continue
        columns = [f.name for f in table_fields(table)]
        extra = ["curated_in"] if table.record_type else []
        df = pd.DataFrame.from_records(curation.rows[table.name], columns=columns + extra)
        problems += _derive_dates(table, df, origins[table.name])
        frames[table.name] = df
    if problems:
        raise CurationError(problems)

    texts = {path: read_text(curation.root, path) for path in frames["sources"]["text_path"].dropna().unique()}
    frames["sources"]["text_sha256"] = frames["sources"]["text_path"].map(
        {path: text.sha256 for path, text in texts.items() if text})

    records, origins["records"] = _records(frames, origins)
    frames["records"] = records
    typed = {name: typed_frame(TABLES[name], df) for name, df in frames.items()}
    return Frames({name: typed[name] for name in TABLES}, origins, texts)


def read_published(root: Path, processed: Path) -> Frames:
    """Frames read back from the Parquet files of a published package."""
    import pyarrow.parquet as pq

    from .dtypes import arrow_to_frame

    frames = {name: arrow_to_frame(table, pq.read_table(processed / f"{name}.parquet"))
              for name, table in TABLES.items()}
    texts = {path: read_text(root, path) for path in frames["sources"]["text_path"].dropna().unique()}
    return Frames(frames, None, texts)
