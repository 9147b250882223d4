"""`flows report` on the real build: a self-contained page whose figures match the views, opened
in a real headless Chromium that must lay out and draw every chart."""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from conftest import run_cli
from flows.query import connect_read_only

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
ARMED_DRONES = "transfer/iran-russia-armed-drones-2022"


@pytest.fixture(scope="module")
def page(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "flows-report.html"
    code, _, err = run_cli("report", "--root", str(built), "--out", str(out))
    assert code == 0, err
    return out


@pytest.fixture(scope="module")
def facts(built: Path) -> dict:
    """The figures the page must show, straight from the published views."""
    con = connect_read_only(built)
    try:
        one = lambda sql: con.execute(sql).fetchone()[0]  # noqa: E731
        return {
            "transfers": one("SELECT count(*) FROM transfers"),
            "pairs": one("SELECT count(*) FROM (SELECT DISTINCT supplier_id, recipient_id FROM transfers_by_party)"),
            "timeline": dict(con.execute(
                "SELECT record_type, count(*) FROM timeline WHERE record_type IN ('transfer', 'event', 'sanction') "
                "AND (earliest IS NOT NULL OR latest IS NOT NULL) GROUP BY ALL").fetchall()),
            "contested": [r[0] for r in con.execute("SELECT record_id FROM contested_records ORDER BY record_id").fetchall()],
            "answers": one("SELECT count(*) FROM sanctions_answering_transfers WHERE days_after_first_report IS NOT NULL"),
            "answered": dict(con.execute("SELECT transfer_id, count(*) FROM sanctions_answering_transfers GROUP BY ALL").fetchall()),
            "sources": one("SELECT count(*) FROM sources"),
            "claims": one("SELECT count(*) FROM claims"),
        }
    finally:
        con.close()


def _marks(html: str, name: str) -> list[str]:
    """The items (one SVG element each) of a named Vega mark in the page."""
    m = re.search(rf'<g class="mark-[a-z]+ role-mark {name}_marks"[^>]*>(.*?)</g>', html, re.S)
    assert m, f"no {name} marks in the page"
    return re.findall(r"<(?:path|line|text|rect)\b[^>]*>", m.group(1))


def test_page_is_self_contained(page: Path) -> None:
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "<script" not in html and "<link" not in html and "<img" not in html and "<iframe" not in html
    assert "@import" not in html and "@font-face" not in html
    assert not re.search(r'\bsrc\s*=', html)
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", html)
    # The charts are inline SVG rendered by Vega (not drawn by hand).
    assert html.count("<svg") == 3
    assert html.count('class="marks"') == 3


def test_figures_on_the_page_match_the_views(page: Path, facts: dict, curated: dict) -> None:
    html = page.read_text(encoding="utf-8")
    assert f'<dd data-count="transfers">{facts["transfers"]}</dd>' in html
    assert f'<dd data-count="sources">{facts["sources"]}</dd>' in html
    assert f'<dd data-count="claims">{facts["claims"]}</dd>' in html
    assert f'<dd data-count="contested">{len(facts["contested"])}</dd>' in html
    assert facts["transfers"] == len(curated["transfers"])
    assert facts["pairs"] == len({(t["supplier_id"], t["recipient_id"]) for t in curated["transfers"]})
    # Flow diagram: one line per supplier → recipient pair; the figures on them add up to the transfers.
    assert len(_marks(html, "flow_edges")) == facts["pairs"]
    figures = re.findall(r">(\d+)</text>", "".join(
        re.findall(r'<g class="mark-text role-mark flow_counts_marks"[^>]*>.*?</g>', html, re.S)))
    assert sum(int(f) for f in figures) == facts["transfers"]
    # Timeline: one mark per dated transfer, event and sanction date.
    drawn = _marks(html, "timeline_ranges") + _marks(html, "timeline_points")
    assert len(drawn) == sum(facts["timeline"].values())
    for record_type, n in facts["timeline"].items():
        assert sum(f"record_type: {record_type}" in m for m in drawn) == n
    # Contested records, with the denials of the armed-drones transfer quoted.
    listed = re.findall(r'<article class="contested" data-record-id="([^"]+)"', html)
    assert listed == facts["contested"] and ARMED_DRONES in listed
    drones = html[html.index(f'<article class="contested" data-record-id="{ARMED_DRONES}"'):]
    drones = drones[: drones.index("</article>")]
    assert 'data-denial="Government of Iran"' in drones and 'data-denial="Hossein Amir-Abdollahian"' in drones
    assert "Iran was denying that it supplied drones." in drones
    # Sanctions answering each flow.
    for transfer_id, n in facts["answered"].items():
        assert f'data-record-id="{transfer_id}" data-sanctions="{n}"' in html
    assert len(_marks(html, "sanction_lags")) == facts["answers"]
    assert 'data-sanction-id="sanction/us-treasury-2022-09-08-iran-uav"' in html


# Run in the page by the browser test only (the report itself has no script): measures what
# the browser drew for each chart and writes it into the DOM, which --dump-dom then prints.
PROBE = """<pre id="render-check"></pre><script>
const out = {};
for (const fig of document.querySelectorAll('figure[data-chart]')) {
  const svg = fig.querySelector('svg');
  const box = svg.getBoundingClientRect();
  const marks = {};
  for (const g of svg.querySelectorAll('g.role-mark')) {
    const name = [...g.classList].find(c => c.endsWith('_marks'));
    const items = [...g.children];
    const drawn = items.filter(el => { const b = el.getBBox(); return b.width > 0 || b.height > 0; });
    marks[name] = {items: items.length, drawn: drawn.length,
                   texts: items.filter(el => el.tagName === 'text').map(el => el.textContent)};
  }
  out[fig.dataset.chart] = {width: box.width, height: box.height, marks: marks};
}
out.transfers = document.querySelector('[data-count="transfers"]').textContent;
out.contested = [...document.querySelectorAll('article.contested')].map(a => a.dataset.recordId);
document.getElementById('render-check').textContent = JSON.stringify(out);
</script>"""

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--disable-extensions", "--hide-scrollbars", "--window-size=1280,2000"]


def _chromium() -> str:
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: .ci/run installs Debian's chromium package")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return CHROMIUM


@pytest.mark.slow
def test_charts_render_in_headless_chromium(page: Path, facts: dict, tmp_path: Path) -> None:
    chromium = _chromium()
    probe = tmp_path / "probe.html"
    probe.write_text(page.read_text(encoding="utf-8").replace("</main>", PROBE + "</main>"), encoding="utf-8")
    profile = tmp_path / "profile"
    result = subprocess.run(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=5000",
         "--dump-dom", probe.as_uri()],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    dom = result.stdout
    assert dom.count("<svg") == 3
    found = re.search(r'<pre id="render-check">(.*?)</pre>', dom, re.S)
    assert found and found.group(1), "the probe did not run"
    check = json.loads(found.group(1).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"'))
    for chart in ("timeline", "flows", "lags"):
        assert check[chart]["width"] > 300 and check[chart]["height"] > 100, chart
        for name, m in check[chart]["marks"].items():
            assert m["items"] > 0 and m["drawn"] == m["items"], (chart, name, m)  # every item laid out
    flows = check["flows"]["marks"]
    assert flows["flow_edges_marks"]["drawn"] == facts["pairs"]
    assert sum(int(t) for t in flows["flow_counts_marks"]["texts"]) == facts["transfers"]
    timeline = check["timeline"]["marks"]
    assert (timeline["timeline_ranges_marks"]["drawn"] + timeline["timeline_points_marks"]["drawn"]
            == sum(facts["timeline"].values()))
    assert check["lags"]["marks"]["sanction_lags_marks"]["drawn"] == facts["answers"]
    assert check["transfers"] == str(facts["transfers"])
    assert check["contested"] == facts["contested"]

    # And a screenshot of the page itself: a real PNG of the window's size.
    shot = tmp_path / "report.png"
    result = subprocess.run(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--screenshot={shot}", page.as_uri()],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (1280, 2000)
    assert len(png) > 50_000  # charts and tables, not a blank page


def test_report_default_path_and_missing_build(tmp_path: Path, built: Path) -> None:
    code, _, err = run_cli("report", "--root", str(tmp_path))
    assert code == 1 and "flows build" in err
