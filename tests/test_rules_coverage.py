"""flows.rules.coverage: every paragraph of every full-text article is cited by a claim or has a
declared reason, and `flows coverage` refuses an archived article that is a link or not UTF-8."""

from __future__ import annotations

from pathlib import Path

from conftest import ROOT, SHARED_SOURCES, run_cli
from flows.build.load import load_curation
from flows.rules.coverage import coverage, full_text_articles
from hostile import A_LINK


def test_every_article_paragraph_is_covered():
    curation = load_curation(ROOT)
    articles = full_text_articles(curation)
    assert "source/article-2022-10-iranian-drones-rift-with-west" in articles
    assert len(coverage(curation, "source/article-2022-10-iranian-drones-rift-with-west")) == 30
    for article in articles:
        assert [p.number for p in coverage(curation, article) if p.status == "MISSING"] == [], article
    code, out, _ = run_cli("coverage", "--root", str(ROOT))
    assert code == 0 and "| 9 | cited |" in out


ARTICLE = "article-2022-10-iranian-drones-rift-with-west.txt"


def test_coverage_refuses_a_linked_article(project: Path, shared: Path):
    (shared / ARTICLE).unlink()
    (shared / ARTICLE).symlink_to(SHARED_SOURCES / ARTICLE)
    code, _, stderr = run_cli("coverage", "--root", str(project))
    assert code == 1
    assert stderr.splitlines() == [f"{shared / ARTICLE}: {A_LINK} (symbolic links, pipes and devices are "
                                   "never read: put the file or folder itself here)", "coverage failed: 1 problem"]


def test_coverage_names_an_article_that_is_not_utf8(project: Path, shared: Path):
    data = (shared / ARTICLE).read_bytes()
    (shared / ARTICLE).write_bytes(data + b"\xe9t\xe9\n")
    code, _, stderr = run_cli("coverage", "--root", str(project))
    assert code == 1
    line = data.count(b"\n") + 1
    assert stderr.splitlines()[0] == (f"{shared / ARTICLE}:{line}: not valid UTF-8 (byte 0xe9 at offset "
                                      f"{len(data)}): save the archived text as UTF-8"), stderr
