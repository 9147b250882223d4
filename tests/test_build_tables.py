"""flows.build.tables: the curated rows as typed frames, with the EDTF bounds, the archived texts'
hashes and the records registry derived from them."""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest

from conftest import ROOT
from flows.build.dates import edtf_bounds
from flows.build.load import load_curation
from flows.build.tables import Frames, build_frames
from flows.build.texts import shared_sources_dir
from flows.schema.definition import LABEL_FIELDS, RECORD_TABLES, TABLES, table_fields
from flows.schema.dtypes import pandas_dtype


@pytest.fixture(scope="module")
def frames() -> Frames:
    return build_frames(load_curation(ROOT))


def test_every_table_has_its_columns_in_order_and_typed(frames: Frames, curated: dict):
    assert list(frames.frames) == list(TABLES)
    for name, table in TABLES.items():
        df = frames.frames[name]
        assert list(df.columns) == [f.name for f in table_fields(table)], name
        for f in table_fields(table):
            assert df[f.name].dtype == pandas_dtype(f), (name, f.name)
        if table.curated_as != "generated":
            assert len(df) == len(curated[name]), name


def test_edtf_bounds_are_derived_from_each_date(frames: Frames):
    checked = 0
    for name, table in TABLES.items():
        df = frames.frames[name]
        for f in (f for f in table_fields(table) if f.type == "edtf"):
            for value, lo, hi in zip(df[f.name], df[f"{f.name}_earliest"], df[f"{f.name}_latest"]):
                if pd.isna(value):
                    assert pd.isna(lo) and pd.isna(hi), (name, f.name)
                    continue
                want = edtf_bounds(value)
                assert (None if pd.isna(lo) else lo.date(), None if pd.isna(hi) else hi.date()) == want, value
                checked += 1
    assert checked > 0


def test_each_source_carries_the_sha256_of_its_archived_text(frames: Frames):
    sources = frames.frames["sources"]
    local = sources[sources["text_path"].str.startswith("texts/", na=False)].iloc[0]
    data = (ROOT / "data" / "raw" / local["text_path"]).read_bytes()
    assert local["text_sha256"] == hashlib.sha256(data).hexdigest()
    shared = sources[sources["text_path"].str.startswith("shared/", na=False)].iloc[0]
    data = (shared_sources_dir(ROOT) / shared["text_path"].removeprefix("shared/")).read_bytes()
    assert shared["text_sha256"] == hashlib.sha256(data).hexdigest()
    assert sources["text_sha256"].notna().sum() == sources["text_path"].notna().sum()


def test_the_records_registry_lists_every_record_with_its_type_and_label(frames: Frames):
    records = frames.frames["records"].set_index("record_id")
    expected = sum(len(frames.frames[t.name]) for t in RECORD_TABLES.values())
    assert len(records) == expected and records.index.is_unique
    for record_type, table in RECORD_TABLES.items():
        df = frames.frames[table.name]
        ids = df[table.primary_key[0]]
        assert (records.loc[ids, "record_type"] == record_type).all(), record_type
        labelled = df[df[LABEL_FIELDS[record_type]].notna()]
        assert list(records.loc[labelled[table.primary_key[0]], "label"]) == list(labelled[LABEL_FIELDS[record_type]])
    # a transfer without a description is labelled by who, whom and what
    transfers = frames.frames["transfers"]
    plain = transfers[transfers["description"].isna()]
    for _, t in plain.iterrows():
        item = t["item_id"] if pd.notna(t["item_id"]) else "item unknown"
        assert records.loc[t["transfer_id"], "label"] == f"{t['supplier_id']} → {t['recipient_id']} ({item})"
    assert records["curated_in"].str.startswith("data/raw/").all()
