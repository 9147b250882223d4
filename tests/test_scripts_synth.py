"""The synthetic generator (scripts/synth.py): deterministic, and its sets build and check clean."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import pytest

from conftest import ROOT, run_cli

sys.path.insert(0, str(ROOT / "scripts"))

from synth import generate  # noqa: E402


def _digest(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted((root / "data" / "raw").rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(root)).encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


def test_same_seed_same_files_other_seed_other_files(tmp_path: Path):
    generate(600, tmp_path / "a", seed=3)
    generate(600, tmp_path / "b", seed=3)
    generate(600, tmp_path / "c", seed=4)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    assert _digest(tmp_path / "a") != _digest(tmp_path / "c")


def test_a_small_set_builds_and_checks_clean(tmp_path: Path):
    counts = generate(1500, tmp_path)
    code, _, stderr = run_cli("build", "--root", str(tmp_path), "--out", str(tmp_path))
    assert code == 0, stderr
    code, _, stderr = run_cli("check", "--root", str(tmp_path))
    assert code == 0 and "check passed" in stderr, stderr
    import json

    rows = {r["name"]: r["rows"] for r in json.loads((tmp_path / "datapackage.json").read_text())["resources"]}
    assert rows["claims"] == counts["claims"] == 1500
    assert rows["records"] == sum(counts[k] for k in ("actors", "items", "transfers", "sanctions",
                                                       "designations", "events", "links"))
    for table in ("actor_aliases", "actor_attributes", "item_aliases", "event_actors"):
        assert rows[table] > 0, table


def test_bench_faults_are_caught_by_flows_check(tmp_path: Path):
    sys.path.insert(0, str(ROOT / "scripts"))
    import bench

    generate(800, tmp_path / "clean")
    code, _, stderr = run_cli("build", "--root", str(tmp_path / "clean"), "--out", str(tmp_path / "clean"),
                              "--no-duckdb")
    assert code == 0, stderr
    for name, table, column, change, _ in bench.FAULTS:
        pkg = bench.make_fault(tmp_path / "clean", tmp_path / "fault", table, column, change)
        code, _, stderr = run_cli("check", "--root", str(pkg), "--texts-root", str(tmp_path / "clean"))
        assert code == 1, (name, stderr)
        assert "sha256" not in stderr, (name, stderr)  # the content is checked, not only the hash


def test_a_table_of_several_row_groups_is_checked_row_by_row(tmp_path: Path, monkeypatch):
    """Large tables are written in row groups (read on every core); the check still names the
    key of an offending row in a later group."""
    import pyarrow.parquet as pq

    import bench
    from flows.publish import release as publish

    monkeypatch.setattr(publish, "ROW_GROUP_ROWS", 400)
    generate(1500, tmp_path / "clean")
    code, _, stderr = run_cli("build", "--root", str(tmp_path / "clean"), "--out", str(tmp_path / "clean"),
                              "--no-duckdb")
    assert code == 0, stderr
    claims = tmp_path / "clean" / "data" / "processed" / "claims.parquet"
    assert pq.ParquetFile(claims).metadata.num_row_groups == 4  # 1500 rows, 400 a group
    code, _, stderr = run_cli("check", "--root", str(tmp_path / "clean"))
    assert code == 0, stderr

    def broken(values: list) -> None:
        for row in (1390, 12, 805, 420):  # in every group, out of order
            values[row] = f"transfer/no-such-{row}"
        values[1234] = "transfer/no-such-transfer"
        values[1300] = "Transfer 7"  # malformed: its pattern is tested with the foreign key

    keys = pq.read_table(claims, columns=["claim_id"]).column(0)
    pkg = bench.make_fault(tmp_path / "clean", tmp_path / "fault", "claims", "record_id", broken)
    assert pq.ParquetFile(pkg / "data" / "processed" / "claims.parquet").metadata.num_row_groups == 4
    code, _, stderr = run_cli("check", "--root", str(pkg), "--texts-root", str(tmp_path / "clean"))
    assert code == 1
    assert f"claims.parquet [{keys[1234]}]: record_id: unknown records id 'transfer/no-such-transfer'" in stderr, stderr
    assert (f"claims.parquet [{keys[1300]}]: record_id: 'Transfer 7' does not match the pattern "
            "^(actor|item|transfer|sanction|designation|event|link)/[a-z0-9][a-z0-9._-]*$") in stderr, stderr
    reported = [line for line in stderr.splitlines() if "claims.parquet [" in line]
    assert reported == [line for row in (12, 420, 805, 1234, 1300, 1390)
                        for line in reported if f"[{keys[row]}]" in line], stderr  # in row order


def test_a_rule_reports_its_rows_in_row_order():
    """DuckDB returns a join's rows in the order its threads finish them; problems come out in
    the rows' order whatever that is."""
    import duckdb

    from flows.rules.validate import Rule

    rule = Rule("claims", "record_id", "unknown {detail}",
                "SELECT * FROM (VALUES (7, 'g'), (2, 'b'), (30, 'z'), (5, 'e')) v(_row, detail)")
    assert list(rule.offences(duckdb.connect())) == [(2, "unknown b"), (5, "unknown e"),
                                                     (7, "unknown g"), (30, "unknown z")]


def test_the_bench_copy_writes_every_chunk_anew():
    """The views' copy time in bench/results.md is only a floor if the copy really writes the
    whole result: every buffer of every chunk (one-chunk, sliced and nested columns included)
    new, and columns it cannot copy whole refused."""
    from concurrent.futures import ThreadPoolExecutor

    import pyarrow as pa
    import pytest

    import bench

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
    import bench

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
    import duckdb

    import bench

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
    import json
    import os
    import platform

    import bench

    monkeypatch.setattr(platform, "node", lambda: "elsewhere")
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    results = json.loads((ROOT / "bench" / "results.json").read_text())
    assert (ROOT / "bench" / "results.md").read_text() == bench.render(results)


@pytest.fixture(scope="module")
def bad_enum_package(tmp_path_factory) -> tuple[Path, Path]:
    """A small built set (its folder: texts root and clean package) and a copy whose claims
    have a bad stance (its data/processed)."""
    import bench

    root = tmp_path_factory.mktemp("cancel")
    generate(300, root / "clean")
    code, _, stderr = run_cli("build", "--root", str(root / "clean"), "--out", str(root / "clean"),
                              "--no-duckdb")
    assert code == 0, stderr
    assert len(list((root / "clean" / "data" / "raw" / "texts").iterdir())) > 1
    pkg = bench.make_fault(root / "clean", root / "fault", "claims", "stance", bench._bad_enum)
    return root / "clean", pkg / "data" / "processed"


def _reader_waits_until_told(monkeypatch) -> list[str]:
    """Each archived text is read only once the reader is told to stop (or after 30 s): the
    paths it read, which grows as it reads."""
    import threading

    from flows.build import texts

    told, read = threading.Event(), []
    real_read, real_cancel = texts._read_text, texts.InBackground.cancel

    def read_slowly(dirs: dict, path: str):
        read.append(path)
        told.wait(30)
        return real_read(dirs, path)

    def cancel(self) -> None:
        real_cancel(self)
        told.set()
    monkeypatch.setattr(texts, "_read_text", read_slowly)
    monkeypatch.setattr(texts.InBackground, "cancel", cancel)
    return read


def _reader_ended() -> bool:
    import threading

    for thread in threading.enumerate():
        if thread.name == "flows-texts":
            thread.join(30)
            return not thread.is_alive()
    return True


def test_the_check_stops_reading_texts_once_the_tables_have_problems(bad_enum_package, monkeypatch):
    """The quotes are not searched in a package whose tables already have problems: the thread
    reading the texts is told to stop, and reads no text after the one it is on."""
    from flows.rules import validate

    texts_root, processed = bad_enum_package
    read = _reader_waits_until_told(monkeypatch)
    problems = validate.published_problems(texts_root, processed)
    assert [p.field for p in problems] == ["stance"], problems
    assert "'rumoured' is not one of" in problems[0].message
    assert _reader_ended() and len(read) == 1


def test_the_check_stops_reading_texts_when_it_fails(bad_enum_package, monkeypatch):
    from flows.rules import validate

    texts_root, processed = bad_enum_package
    read = _reader_waits_until_told(monkeypatch)

    def fail(*args) -> list:
        raise RuntimeError("a rule failed")
    monkeypatch.setattr(validate, "_published_field_problems", fail)
    with pytest.raises(RuntimeError, match="a rule failed"):
        validate.published_problems(texts_root, processed)
    assert _reader_ended() and len(read) == 1


def test_a_reader_told_to_stop_once_it_has_the_texts_matches_no_quote(bad_enum_package, monkeypatch):
    from flows.build import texts
    from flows.rules import validate

    texts_root, _ = bad_enum_package
    real_read_texts, matched = texts.read_texts, []

    def read_then_told(root: Path, paths, stop):
        table = real_read_texts(root, paths, stop)
        stop.set()
        return table
    monkeypatch.setattr(texts, "read_texts", read_then_told)
    monkeypatch.setattr(validate, "quote_texts", lambda *tables: matched.append(tables))
    with pytest.raises(texts.Cancelled):  # the clean package: the check waits for the texts
        validate.published_problems(texts_root, texts_root / "data" / "processed")
    assert _reader_ended() and matched == []
