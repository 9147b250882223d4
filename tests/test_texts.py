"""Archived texts read by helper processes (as a large package's are) equal those read in
process, and their hashes are the ones the build published."""

from __future__ import annotations

import duckdb
import pytest

from flows import texts
from flows.texts import read_texts

from conftest import ROOT


def _published_sources() -> list[tuple[str, str]]:
    return duckdb.sql(f"SELECT DISTINCT text_path, text_sha256 FROM "
                      f"'{ROOT / 'data' / 'processed' / 'sources.parquet'}' ORDER BY 1").fetchall()


def test_helper_processes_read_the_same_texts(monkeypatch: pytest.MonkeyPatch) -> None:
    published = _published_sources()
    paths = [p for p, _ in published]
    in_process = read_texts(ROOT, paths)
    monkeypatch.setattr(texts, "PARALLEL_FROM", 1)  # the helpers, whatever the number of texts
    by_helpers = read_texts(ROOT, paths)
    assert by_helpers.sort_by("text_path").equals(in_process.sort_by("text_path"))
    # every archived text is on this machine, hashed as the build recorded
    assert sorted(zip(by_helpers["text_path"].to_pylist(), by_helpers["sha256"].to_pylist())) == published
    assert len(published) == 8  # the article, two pointer files and five official extracts


def test_the_article_is_normalised_in_the_helpers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(texts, "PARALLEL_FROM", 1)
    paths = [p for p, _ in _published_sources()]
    table = read_texts(ROOT, paths).to_pylist()
    article = next(t for t in table if t["text_path"] == "shared/article-2022-10-iranian-drones-rift-with-west.txt")
    raw = (texts.shared_sources_dir(ROOT) / "article-2022-10-iranian-drones-rift-with-west.txt").read_text()
    assert "\n" in raw and "\n" not in article["normalised"]
    assert article["normalised"] == " ".join(raw.split())
