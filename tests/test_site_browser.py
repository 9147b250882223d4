"""The site in a real headless Chromium, opened from file:// as a reader opens it offline: the
index's search finds the Shahed-136 (by name and by its Geran-2 alias), its result links to the
record's page, and that page shows a claim's evidence as the browser lays it out."""

from __future__ import annotations

import html
import re
import subprocess
from pathlib import Path

import pytest

from conftest import chromium as _chromium, run_cli
from flows.outputs import site
from flows.views.query import connect_read_only

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
         "--virtual-time-budget=5000"]
SHAHED = "item/shahed-136"



def _dom(url: str, profile: Path) -> str:
    """The page's DOM once its scripts have run."""
    result = subprocess.run([_chromium(), *FLAGS, f"--user-data-dir={profile}", "--dump-dom", url],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def _results(dom: str) -> list[tuple[str, str, str]]:
    """The search results the script drew: (record id, href, the result's text)."""
    found = re.search(r'<ol id="results">(.*?)</ol>', dom, re.S)
    assert found, "no results list"
    return [(html.unescape(m[1]), html.unescape(m[2]), html.unescape(re.sub(r"<[^>]+>", "", m[3])))
            for m in re.finditer(r'<li class="result" data-id="([^"]*)"><a href="([^"]*)">(.*?)</li>', found[1], re.S)]


@pytest.mark.slow
def test_search_follow_a_link_and_read_a_claims_evidence(built: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    code, _, err = run_cli("site", str(out), "--root", str(built))
    assert code == 0, err
    profile = tmp_path / "profile"
    con = connect_read_only(built)
    try:
        name = con.execute("SELECT name FROM items WHERE item_id = ?", [SHAHED]).fetchone()[0]
        evidence = con.execute("SELECT evidence_text, evidence_type FROM claims WHERE record_id = ? "
                               "ORDER BY claim_id LIMIT 1", [SHAHED]).fetchone()
    finally:
        con.close()

    # Search "shahed" as typed in the box (index.html?q= fills it): the Shahed-136 is found.
    dom = _dom((out / "index.html").as_uri() + "?q=shahed", profile)
    results = _results(dom)
    assert re.search(r'<p id="search-status"[^>]*>\d+ match', dom)
    shahed = next(r for r in results if r[0] == SHAHED)
    assert shahed[2].startswith(name) and "Geran-2" in shahed[2]  # its alias shown beside it
    # By the alias alone.
    assert SHAHED in [r[0] for r in _results(_dom((out / "index.html").as_uri() + "?q=geran", profile))]

    # Follow the result's link: the record's page, with the claim's evidence laid out.
    target = (out / shahed[1]).resolve()
    assert target == (out / site.page_path(SHAHED)).resolve() and target.is_file()
    page = html.unescape(_dom(target.as_uri(), profile))
    assert f"<h1>{name}</h1>" in page
    text, kind = evidence
    assert text in page
    assert f'data-evidence-type="{kind}"' in page
    # Its links lead back: the index, reached from the record page's header.
    assert 'href="../index.html"' in page
