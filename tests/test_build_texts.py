"""flows.build.texts, the archived texts: read in a thread as in process, hashed as the build
published, spaced without losing what normalising sees, and quotes found exactly as in the
normalised text (Unicode whitespace folded the same in both)."""

from __future__ import annotations

import gc
import hashlib
import os
import threading
import time
import weakref
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ROOT, run_cli
from fault_corpus import CLAIM, SOURCE
from flows.build import texts
from flows.build.texts import Cancelled, InBackground, quote_texts, read_texts
from flows.errors import CurationError
from flows.rules.validate import RULES, _register_texts


def rule_sql(field: str, message: str) -> str:
    return next(r.sql for r in RULES if r.field == field and r.message.startswith(message))


def _published_sources() -> list[tuple[str, str]]:
    return duckdb.sql(f"SELECT DISTINCT text_path, text_sha256 FROM "
                      f"'{ROOT / 'data' / 'processed' / 'sources.parquet'}' ORDER BY 1").fetchall()


def test_texts_read_in_a_thread_are_the_published_ones(curated: dict) -> None:
    published = _published_sources()
    paths = [p for p, _ in published]
    in_thread = InBackground(lambda stop: read_texts(ROOT, paths, stop), name="test-texts").result()
    assert in_thread.equals(read_texts(ROOT, paths))
    # every archived text is on this machine, hashed as the build recorded
    assert sorted(zip(in_thread["text_path"].to_pylist(), in_thread["sha256"].to_pylist())) == published
    assert len(published) == len({s["text_path"] for s in curated["sources"]})  # each text the sources cite


def test_reading_stops_at_the_next_text_once_told(monkeypatch) -> None:
    """`flows check` stops the texts thread when the tables already have problems (the quotes
    are then not searched), instead of reading every text for nothing."""
    paths = [p for p, _ in _published_sources()]
    read: list[str] = []
    stop = threading.Event()

    def reads(dirs: dict, path: str):  # the second text read sets the stop
        read.append(path)
        if len(read) == 2:
            stop.set()
        return real_read(dirs, path)
    real_read = texts._read_text
    monkeypatch.setattr(texts, "_read_text", reads)
    with pytest.raises(Cancelled):
        read_texts(ROOT, paths, stop)
    assert read == paths[:2]


def test_work_in_the_background_is_told_to_stop_and_its_error_handed_over() -> None:
    started = threading.Event()

    def work(stop: threading.Event) -> str:
        started.set()
        if not stop.wait(30):
            return "not told"
        raise Cancelled
    background = InBackground(work, name="test-work")
    started.wait(30)
    background.cancel()
    with pytest.raises(Cancelled):
        background.result()
    assert InBackground(lambda stop: stop.is_set(), name="test-work").result() is False  # not told


def test_a_cancelled_work_leaves_nothing_it_built_behind() -> None:
    """What the work built (up to every text read so far) must go with its thread, not stay
    referenced from the stored exception's traceback until the cyclic collector runs."""
    class Built:
        pass
    built: list[weakref.ref] = []

    def work(stop: threading.Event) -> None:
        texts_so_far = Built()
        built.append(weakref.ref(texts_so_far))
        stop.wait(30)
        Cancelled.unless_going_on(stop)
    gc.disable()
    try:
        background = InBackground(work, name="test-cancelled")
        deadline = time.monotonic() + 30
        while not built and time.monotonic() < deadline:
            time.sleep(0.01)
        thread = next(t for t in threading.enumerate() if t.name == "test-cancelled")
        background.cancel()
        thread.join(30)
        assert built[0]() is None
        with pytest.raises(Cancelled):
            background.result()
    finally:
        gc.enable()


def test_a_missing_or_unsafe_text_is_left_out() -> None:
    paths = [p for p, _ in _published_sources()]
    table = read_texts(ROOT, [*paths, "texts/no-such-text.txt", "texts/../README.md", "shared/"])
    assert table["text_path"].to_pylist() == paths


def test_only_regular_files_are_read(tmp_path: Path) -> None:
    """A folder or a FIFO at a text's name is refused by name (a plain read of a FIFO would
    block forever), not left out as if missing; the regular texts are still read."""
    folder = tmp_path / "data" / "raw" / "texts"
    folder.mkdir(parents=True)
    (folder / "a.txt").write_text("one\ntwo")
    (folder / "folder.txt").mkdir()
    os.mkfifo(folder / "fifo.txt")
    with pytest.raises(CurationError) as refused:
        read_texts(tmp_path, ["texts/a.txt", "texts/folder.txt", "texts/fifo.txt"])
    assert [(p.where, p.message.split(",")[0]) for p in refused.value.problems] == [
        ("data/raw/texts/fifo.txt", "refused: a named pipe (FIFO)"),
        ("data/raw/texts/folder.txt", "refused: a folder")]
    table = read_texts(tmp_path, ["texts/a.txt"])
    assert table.to_pylist() == [{"text_path": "texts/a.txt", "spaced": "one two",
                                  "sha256": hashlib.sha256(b"one\ntwo").hexdigest()}]


def test_the_article_is_spaced() -> None:
    paths = [p for p, _ in _published_sources()]
    table = read_texts(ROOT, paths).to_pylist()
    article = next(t for t in table if t["text_path"] == "shared/article-2022-10-iranian-drones-rift-with-west.txt")
    raw = (texts.shared_sources_dir(ROOT) / "article-2022-10-iranian-drones-rift-with-west.txt").read_text()
    assert "\n" in raw and "\n" not in article["spaced"]
    assert article["spaced"] == raw.replace("\n", " ")  # every line break a space, nothing else moved
    assert " ".join(article["spaced"].split()) == " ".join(raw.split())


# Every character str.split splits on, U+FFFD, and some others.
WHITESPACE_AND_WORDS = "".join(chr(c) for c in range(0x3001) if chr(c).isspace()) + "ab.é\ufffd"


@given(st.binary())
def test_spacing_keeps_what_normalising_sees(data: bytes) -> None:
    try:
        decoded = data.decode("utf-8")
    except UnicodeDecodeError as e:  # invalid UTF-8 is refused, at the same offset
        with pytest.raises(UnicodeDecodeError) as refused:
            texts.spaced_utf8(data)
        assert refused.value.start == e.start
        return
    spaced = texts.spaced_utf8(data).decode("utf-8")
    assert texts.normalise(spaced) == texts.normalise(decoded)
    assert not any(c in spaced for c in "\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f")


@given(st.text(alphabet=st.sampled_from(WHITESPACE_AND_WORDS)))
def test_spacing_keeps_what_normalising_sees_in_unicode_text(text: str) -> None:
    spaced = texts.spaced_utf8(text.encode("utf-8")).decode("utf-8")
    assert texts.normalise(spaced) == texts.normalise(text)


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    """One connection for every example (each registers its tables anew, replacing the last)."""
    con = duckdb.connect()
    yield con
    con.close()


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(WHITESPACE_AND_WORDS), max_size=40),
       st.data())
def test_quotes_are_found_as_in_the_normalised_text(con: duckdb.DuckDBPyConnection, text: str,
                                                    data: st.DataObject) -> None:
    """The tiered search of the evidence rule (spaced text, quote as it stands, then folded, then
    the normalised text) finds exactly the quotes that are in the normalised text."""
    start = data.draw(st.integers(0, len(text)))
    quotes = [text[start:data.draw(st.integers(start, len(text)))],  # a piece of the text
              data.draw(st.text(alphabet=st.sampled_from(WHITESPACE_AND_WORDS), max_size=8))]
    archived = texts.texts_table([("texts/t.txt", texts.ArchivedText("", texts.spaced_utf8(text.encode("utf-8"))))])
    claims = pa.table({"source_id": ["s"] * len(quotes), "evidence_text": quotes})
    _register_texts(con, (archived, quote_texts(claims, pa.table({"source_id": ["s"], "text_path": ["texts/t.txt"]}),
                                                 archived)))
    missing = {row for row, _ in con.execute(rule_sql("evidence_text", "not found verbatim")).fetchall()}
    normalised = texts.normalise(text)
    assert missing == {i for i, q in enumerate(quotes) if texts.normalise(q) not in normalised}


def test_rules_that_read_texts_are_marked_to_run_after_the_texts_are_read() -> None:
    """Texts are read while the other rules run: a rule reading them must be marked."""
    import re

    reading = {r.message for r in RULES if re.search(r"\b(texts|quote_texts)\b", r.sql)}
    assert reading == {r.message for r in RULES if r.uses_texts}
    assert len(reading) == 4  # quotes found, texts available (claims and sources), hashes


def test_each_claim_is_set_beside_its_text_once_held() -> None:
    """quote_texts: a claim's position and evidence beside its source's text, the text held
    once however many claims cite it; claims with no text on this machine are left out."""
    archived = read_texts(ROOT, [p for p, _ in _published_sources()])
    sources = pa.table({"source_id": ["a", "b", "c"], "text_path": [archived["text_path"][0].as_py(),
                                                                   "texts/not-here.txt", None]})
    claims = pa.table({"source_id": ["a", "b", "a", "c", "zz"], "evidence_text": ["q0", "q1", "q2", "q3", "q4"]})
    for table in (claims, claims.set_column(0, "source_id", claims["source_id"].dictionary_encode())):
        quotes = quote_texts(table, sources, archived)
        assert quotes["_row"].to_pylist() == [0, 2]
        assert quotes["evidence_text"].to_pylist() == ["q0", "q2"]
        assert quotes["text_path"].to_pylist() == [archived["text_path"][0].as_py()] * 2
        assert quotes["spaced"].to_pylist() == [archived["spaced"][0].as_py()] * 2
        assert quotes["spaced"].chunk(0).dictionary.buffers()[2].address == \
            archived["spaced"].chunk(0).buffers()[2].address  # the texts themselves, not a copy


def test_flows_check_does_not_import_pandas() -> None:
    """`flows check` reads Parquet with pyarrow and DuckDB: importing pandas (in the texts
    thread, through pa.array or pq.read_table) cost a quarter to half a second per check."""
    import subprocess
    import sys

    code = ("import sys; from pathlib import Path; from flows.rules.check import check; "
            f"problems, _ = check(Path({str(ROOT)!r})); assert not problems, problems; "
            "print('pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", out.stderr


def test_quote_with_unicode_whitespace_is_found(project: Path):
    """Quotes and texts fold the same whitespace: a no-break space or a line break in either
    matches a plain space in the other."""
    raw = project / "data" / "raw"
    (raw / "texts" / "zz-fault.txt").write_text("Fault injection\u00a0text: Iran supplied\nnothing.\n", encoding="utf-8")
    claim = CLAIM.format(record="actor/iran").replace("Iran supplied nothing", "'injection text: Iran\u2003supplied  nothing'")
    (raw / "sources" / "zz-fault.yaml").write_text(SOURCE.format(claims=claim), encoding="utf-8")
    code, _, stderr = run_cli("build", "--root", str(project), "--no-duckdb")
    assert code == 0, stderr
