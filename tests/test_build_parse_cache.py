"""flows.build.parse_cache: a parse read back from the cache is the parse, line numbers included;
a damaged entry is parsed again; a folder another user could write is never read."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import ROOT, copy_project
from flows.build import load, parse_cache
from flows.build.load import load_curation

# The largest curation file of the project, and every file of it (at any size) for the whole load.
CURATION = sorted((ROOT / "data" / "raw").rglob("*.yaml"), key=lambda p: p.stat().st_size)
LARGEST = CURATION[-1]


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache folder that takes files of any size."""
    monkeypatch.setenv("FLOWS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(parse_cache, "MIN_BYTES", 0)
    return tmp_path / "cache"


def counting_parse() -> tuple[list[str], object]:
    calls: list[str] = []
    real = load.parse_yaml

    def parse(raw: bytes, shown: str):
        calls.append(shown)
        return real(raw, shown)
    return calls, parse


def line_numbers(value) -> object:
    """Every mapping's line and key lines, nested as the value is."""
    if isinstance(value, load.LineDict):
        return (value.line, value.key_lines, {k: line_numbers(v) for k, v in value.items()})
    if isinstance(value, list):
        return [line_numbers(v) for v in value]
    return None


def test_a_second_parse_is_read_from_the_cache_with_its_line_numbers(folder: Path):
    raw = LARGEST.read_bytes()
    calls, parse = counting_parse()
    first = parse_cache.parsed(raw, "largest.yaml", parse)
    second = parse_cache.parsed(raw, "largest.yaml", parse)
    assert calls == ["largest.yaml"]
    assert len(list(folder.glob("*.pickle"))) == 1
    assert second == first == load.parse_yaml(raw, "largest.yaml")
    assert line_numbers(second) == line_numbers(first)
    assert second is not first  # each caller gets its own copy to change


def test_other_bytes_are_parsed_anew(folder: Path):
    raw = LARGEST.read_bytes()
    calls, parse = counting_parse()
    parse_cache.parsed(raw, "a.yaml", parse)
    changed = parse_cache.parsed(raw + b"\n# a comment\n", "a.yaml", parse)
    assert len(calls) == 2 and len(list(folder.glob("*.pickle"))) == 2
    assert changed == load.parse_yaml(raw, "a.yaml")


def test_a_parse_by_other_code_is_parsed_anew(folder: Path, tmp_path: Path):
    """An archived release's entries are kept under the digest of the code that read them (the
    importers, flows.importers.archive): a change to that code is a new parse."""
    raw = LARGEST.read_bytes()
    code = tmp_path / "parser.py"
    code.write_text("one = 1\n", encoding="utf-8")
    calls, parse = counting_parse()
    parse_cache.parsed(raw, "a.yaml", parse, code=(code,))
    parse_cache.parsed(raw, "a.yaml", parse, code=(code,))
    assert len(calls) == 1
    code.write_text("one = 2\n", encoding="utf-8")
    parse_cache.code_digest.cache_clear()  # read once a process; here the code changes within one
    parse_cache.parsed(raw, "a.yaml", parse, code=(code,))
    assert len(calls) == 2 and len(list(folder.glob("*.pickle"))) == 2
    # ... and under what `key` names (the list's parser: one text read by another list's is another parse)
    parse_cache.parsed(raw, "a.yaml", parse, code=(code,), key=b"flows.importers.un:UnRelease")
    assert len(calls) == 3


def test_a_damaged_entry_is_parsed_again_and_replaced(folder: Path):
    raw = LARGEST.read_bytes()
    calls, parse = counting_parse()
    parse_cache.parsed(raw, "a.yaml", parse)
    (entry,) = folder.glob("*.pickle")
    entry.write_bytes(entry.read_bytes()[:100])  # cut short, as by a full disk or a killed writer
    assert parse_cache.parsed(raw, "a.yaml", parse) == load.parse_yaml(raw, "a.yaml")
    assert len(calls) == 2
    assert parse_cache.parsed(raw, "a.yaml", parse) == load.parse_yaml(raw, "a.yaml")
    assert len(calls) == 2  # the replacement is read


def test_a_failed_parse_is_not_kept(folder: Path):
    calls, parse = counting_parse()
    for _ in range(2):
        with pytest.raises(load.CurationError, match="invalid YAML"):
            parse_cache.parsed(b"records: [\n", "broken.yaml", parse)
    assert len(calls) == 2 and not list(folder.glob("*.pickle"))


@pytest.mark.parametrize("make_unsafe", [
    pytest.param(lambda f: f.chmod(0o770), id="group may write"),
    pytest.param(lambda f: f.chmod(0o707), id="anyone may write"),
])
def test_a_folder_others_may_write_is_never_read(folder: Path, make_unsafe):
    raw = LARGEST.read_bytes()
    calls, parse = counting_parse()
    parse_cache.parsed(raw, "a.yaml", parse)
    make_unsafe(folder)
    assert parse_cache.parsed(raw, "a.yaml", parse) == load.parse_yaml(raw, "a.yaml")
    assert len(calls) == 2  # parsed, the entry there not read
    assert len(list(folder.glob("*.pickle"))) == 1  # and nothing written


def test_a_link_as_the_folder_is_never_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    real = tmp_path / "elsewhere"
    real.mkdir(mode=0o700)
    (tmp_path / "cache").symlink_to(real)
    monkeypatch.setenv("FLOWS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(parse_cache, "MIN_BYTES", 0)
    calls, parse = counting_parse()
    raw = LARGEST.read_bytes()
    for _ in range(2):
        parse_cache.parsed(raw, "a.yaml", parse)
    assert len(calls) == 2 and not list(real.iterdir())


def test_turned_off_and_small_files_are_parsed_every_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    raw = LARGEST.read_bytes()
    calls, parse = counting_parse()
    monkeypatch.setenv("FLOWS_CACHE_DIR", "")
    parse_cache.parsed(raw, "a.yaml", parse)
    parse_cache.parsed(raw, "a.yaml", parse)
    monkeypatch.setenv("FLOWS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(parse_cache, "MIN_BYTES", len(raw) + 1)
    parse_cache.parsed(raw, "a.yaml", parse)
    parse_cache.parsed(raw, "a.yaml", parse)
    assert len(calls) == 4 and not (tmp_path / "cache").exists()


def test_the_default_folder_is_the_users_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.delenv("FLOWS_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert parse_cache.cache_folder() == tmp_path / "flows" / "parsed"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert parse_cache.cache_folder() == Path.home() / ".cache" / "flows" / "parsed"


def test_the_entries_read_least_recently_go_first(folder: Path, monkeypatch: pytest.MonkeyPatch):
    _, parse = counting_parse()
    entries: list[Path] = []
    for i, path in enumerate(CURATION[-3:]):
        before = set(folder.glob("*.pickle"))
        parse_cache.parsed(path.read_bytes(), path.name, parse)
        (entry,) = set(folder.glob("*.pickle")) - before
        os.utime(entry, (1000 + i, 1000 + i))  # read in this order
        entries.append(entry)
    monkeypatch.setattr(parse_cache, "MAX_BYTES", entries[-1].stat().st_size + entries[-2].stat().st_size)
    parse_cache._evict(folder)
    assert sorted(folder.glob("*.pickle")) == sorted(entries[-2:])


def test_the_whole_project_loads_the_same_from_the_cache(folder: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch):
    root = copy_project(tmp_path / "project")
    cold = load_curation(root)
    assert len(list(folder.glob("*.pickle"))) == len(
        list((root / "data" / "raw").glob("sources/*.yaml"))) + sum(
        len(list((root / "data" / "raw" / d).glob("*.yaml"))) for d in load.RECORD_DIRS)
    calls, parse = counting_parse()
    monkeypatch.setattr(load, "parse_yaml", parse)
    warm = load_curation(root)
    assert sorted(calls) == sorted(  # the package's metadata and the pointer files are not cached
        ["data/raw/package.yaml", *(f"data/raw/pointers/{p.name}" for p in (root / "data/raw/pointers").glob("*.yaml"))])
    assert warm.rows == cold.rows
    assert {t: list(o) for t, o in warm.origins.items()} == {t: list(o) for t, o in cold.origins.items()}


def test_an_imports_identity_reads_no_claims():
    full = load_curation(ROOT)
    records_only = load_curation(ROOT, claims=False)
    assert len(full.rows["claims"]) > 0 and records_only.rows["claims"] == []
    assert {t: r for t, r in records_only.rows.items() if t != "claims"} == {
        t: r for t, r in full.rows.items() if t != "claims"}
