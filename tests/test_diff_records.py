"""`flows diff` reports the `records` registry (records added and withdrawn, of every type) and
labels a link by its ends, from → relation → to, on the real release."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from flows.outputs.diff import diff_builds, to_json, to_markdown
from flows.publish.descriptor import PROCESSED

from conftest import run_cli

LINK = "link/shahed-136-produced-by-jsc-alabuga"


@pytest.fixture
def new(built: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "new"
    shutil.copytree(built, copy, ignore=shutil.ignore_patterns("flows.duckdb*", ".flows-*"))
    return copy


def _rewrite(path: Path, edit) -> None:
    rows = pq.read_table(path)
    pq.write_table(pa.Table.from_pylist(edit(rows.to_pylist()), rows.schema), path)


def test_a_withdrawn_record_is_listed_with_its_label(built: Path, new: Path) -> None:
    records = pq.read_table(built / PROCESSED / "records.parquet").to_pylist()
    gone = next(r for r in records if r["record_id"] == "item/shahed-136")
    _rewrite(new / PROCESSED / "records.parquet", lambda rows: [r for r in rows if r["record_id"] != gone["record_id"]])
    d = {t.table: t for t in diff_builds(built, new).tables}
    assert d["records"].removed == ["item/shahed-136"]
    assert d["records"].labels["item/shahed-136"] == gone["label"]
    back = {t.table: t for t in diff_builds(new, built).tables}
    assert back["records"].added == ["item/shahed-136"]
    assert "### `records`" in to_markdown(diff_builds(built, new))
    assert f"- removed `item/shahed-136`: {gone['label']}" in to_markdown(diff_builds(built, new))


def test_a_changed_link_is_labelled_by_its_ends(built: Path, new: Path) -> None:
    link = next(r for r in pq.read_table(built / PROCESSED / "links.parquet").to_pylist() if r["link_id"] == LINK)
    ends = f"{link['from_record_id']} → {link['relation']} → {link['to_record_id']}"
    assert ends == "item/shahed-136 → produced_by → actor/jsc-alabuga"

    def edit(rows: list[dict]) -> list[dict]:
        for r in rows:
            if r["link_id"] == LINK:
                r["description"] = "made at Yelabuga"
        return rows

    _rewrite(new / PROCESSED / "links.parquet", edit)
    d = diff_builds(built, new)
    links = next(t for t in d.tables if t.table == "links")
    assert [(c.key, c.label) for c in links.changed] == [(LINK, ends)]
    assert f"- changed `{LINK}` ({ends}):" in to_markdown(d)
    assert to_json(d)["tables"]["links"]["changed"][0]["label"] == ends

    code, out, _ = run_cli("diff", str(built), str(new), "--format", "json")
    assert code == 0 and json.loads(out)["tables"]["links"]["changed"][0]["label"] == ends


def test_a_link_whose_end_moved_shows_both(built: Path, new: Path) -> None:
    def edit(rows: list[dict]) -> list[dict]:
        for r in rows:
            if r["link_id"] == LINK:
                r["to_record_id"] = "actor/shahed-aviation-industries"
        return rows

    _rewrite(new / PROCESSED / "links.parquet", edit)
    links = next(t for t in diff_builds(built, new).tables if t.table == "links")
    assert links.changed[0].label == ("item/shahed-136 → produced_by → actor/jsc-alabuga, "
                                      "now item/shahed-136 → produced_by → actor/shahed-aviation-industries")


def test_an_added_link_is_labelled_by_its_ends(built: Path, new: Path) -> None:
    _rewrite(new / PROCESSED / "links.parquet", lambda rows: [r for r in rows if r["link_id"] != LINK])
    links = next(t for t in diff_builds(new, built).tables if t.table == "links")
    assert links.added == [LINK]
    assert links.labels[LINK] == "item/shahed-136 → produced_by → actor/jsc-alabuga"
