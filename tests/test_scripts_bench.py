"""scripts/bench.py, the benchmark: its faults are caught by `flows check`, its copy of a view's
result writes every chunk anew, its ids are spread through the whole range, and
bench/results.md is what it renders from bench/results.json."""

from __future__ import annotations

import json
import os
import platform
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

import bench
from conftest import ROOT, run_cli


def test_bench_faults_are_caught_by_flows_check(synthetic_set: Path, tmp_path: Path):
    for name, table, column, change, _ in bench.FAULTS:
        pkg = bench.make_fault(synthetic_set, tmp_path / "fault", table, column, change)
        code, _, stderr = run_cli("check", "--root", str(pkg), "--texts-root", str(synthetic_set))
        assert code == 1, (name, stderr)
        assert "sha256" not in stderr, (name, stderr)  # the content is checked, not only the hash


def test_the_bench_copy_writes_every_chunk_anew():
    """The views' copy time in bench/results.md is only a floor if the copy really writes the
    whole result: every buffer of every chunk (one-chunk, sliced and nested columns included)
    new, and columns it cannot copy whole refused."""
    sliced = pa.array(["claim/x", "claim/y", None, "claim/z"]).slice(1, 2)
    table = pa.table({"id": pa.chunked_array([["claim/a", "claim/b"], ["claim/c"]]),
                      "n": pa.chunked_array([[1, 2, 3]]),
                      "tags": pa.chunked_array([pa.array([["EU"], [], ["UK", "US"]])]),
                      "note": pa.chunked_array([sliced, pa.array(["x"])])})
    with ThreadPoolExecutor(2) as pool:
        copies = bench.copy_arrow(table, pool)
        originals = [chunk for column in table.columns for chunk in column.chunks]
        assert [c.to_pylist() for c in copies] == [["claim/a", "claim/b"], ["claim/c"], [1, 2, 3],
                                                   [["EU"], [], ["UK", "US"]], ["claim/y", None], ["x"]]
        for copy, original in zip(copies, originals):
            old = {b.address for b in original.buffers() if b is not None}
            assert not old & {b.address for b in copy.buffers() if b is not None}, original
        with pytest.raises(ValueError, match="flat columns only"):
            bench.copy_arrow(pa.table({"stance": pa.array(["asserts", "denies"]).dictionary_encode()}), pool)


def test_the_bench_picks_ids_spread_through_the_whole_range():
    assert bench.spread(list(range(40)), 4) == [5, 15, 25, 35]
    for n in (39, 59):  # not a multiple of 20: still from the first ids to the last
        picked = bench.spread(list(range(n)), 20)
        assert picked[0] <= 1 and picked[-1] >= n - 2, picked
    assert bench.spread(list(range(30)), 20) == sorted(set(bench.spread(list(range(30)), 20)))
    assert len(bench.spread(list(range(30)), 20)) == 20
    assert bench.spread(["a", "b"], 20) == ["a", "b"]


def test_the_bench_times_one_record_of_a_view_on_ids_spread_through_it():
    """bench/results.md's *one record* column: the view filtered on each of a few record ids
    spread through its sorted ids (nulls left out), each query returning that record's rows."""
    con = duckdb.connect()
    con.execute("CREATE TABLE v AS SELECT * FROM (VALUES ('transfer/a', 1), ('transfer/a', 2), "
                "('transfer/b', 3), ('transfer/c', 4), ('transfer/c', 5), ('transfer/c', 6), "
                "('transfer/d', 7), (NULL, 8), ('transfer/it''s', 9)) t(record_id, n)")
    ids = con.sql("SELECT record_id FROM v").to_arrow_table()["record_id"]
    timed = bench.one_record_times(con, "SELECT * FROM v", ids, runs=2, records=2)
    assert timed["one_record_ids"] == 2  # transfer/b and transfer/d: the middle of each half
    assert timed["one_record_rows"] == (1 + 1) / 2
    timed = bench.one_record_times(con, "SELECT * FROM v", ids, runs=3, records=3)
    assert timed["one_record_ids"] == 3  # transfer/a, transfer/c and transfer/it's
    assert timed["one_record_rows"] == (2 + 3 + 1) / 3  # the id with a quote is bound, not spliced


def test_bench_results_md_is_what_the_bench_renders_from_results_json(monkeypatch):
    """bench/results.md is generated: it must not drift from the figures it is rendered from,
    wherever it is rendered (the machine is the one the figures were measured on)."""
    monkeypatch.setattr(platform, "node", lambda: "elsewhere")
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    results = json.loads((ROOT / "bench" / "results.json").read_text())
    assert (ROOT / "bench" / "results.md").read_text() == bench.render(results)
