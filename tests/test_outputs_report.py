"""flows.outputs.report: `flows report` on the real build, a self-contained page whose figures
match the views, opened in a real headless Chromium that must lay out and draw every chart; every
value escaped exactly once; a target that is not an earlier report refused."""

from __future__ import annotations

import copy
import dataclasses
import html as html_lib
import json
import re
import shutil
import struct
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markupsafe import Markup

from conftest import chromium as _chromium, run_cli
from flows.outputs import report
from flows.publish.descriptor import read_package
from flows.views.query import connect_read_only

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
            # The chart draws the dates reaching TIMELINE_FROM; those that begin before it are listed apart.
            "timeline": dict(con.execute(
                "SELECT record_type, count(*) FROM timeline WHERE record_type IN ('transfer', 'event', 'sanction') "
                "AND coalesce(latest, earliest) >= CAST(? AS DATE) GROUP BY ALL", [report.TIMELINE_FROM]).fetchall()),
            "before": [r[0] for r in con.execute(
                "SELECT record_id FROM timeline WHERE record_type IN ('transfer', 'event', 'sanction') "
                "AND coalesce(earliest, latest) < CAST(? AS DATE) ORDER BY coalesce(earliest, latest), record_id, date_field",
                [report.TIMELINE_FROM]).fetchall()],
            "zero_lags": one("SELECT count(*) FROM sanctions_answering_transfers WHERE days_after_first_report = 0"),
            "parties": {n for r in con.execute("SELECT DISTINCT supplier, recipient FROM transfers_by_party").fetchall()
                        for n in r},
            "undated_answers": one("SELECT count(*) FROM sanctions_answering_transfers WHERE days_after_first_report IS NULL"),
            "contested": [r[0] for r in con.execute("SELECT record_id FROM contested_records ORDER BY record_id").fetchall()],
            "answers": one("SELECT count(*) FROM sanctions_answering_transfers WHERE days_after_first_report IS NOT NULL"),
            "answered": dict(con.execute("SELECT transfer_id, count(*) FROM sanctions_answering_transfers GROUP BY ALL").fetchall()),
            "sources": one("SELECT count(*) FROM sources"),
            "claims": one("SELECT count(*) FROM claims"),
        }
    finally:
        con.close()


def _group(html: str, name: str) -> str:
    m = re.search(rf'<g class="mark-[a-z]+ role-mark {name}_marks"[^>]*>(.*?)</g>', html, re.S)
    assert m, f"no {name} marks in the page"
    return m.group(1)


def _marks(html: str, name: str) -> list[str]:
    """The items (one SVG element each) of a named Vega mark in the page."""
    return re.findall(r"<(?:path|line|text|rect)\b[^>]*>", _group(html, name))


def _items(html: str, name: str) -> list[str]:
    """Each item of a named Vega mark whole: its element with what it holds (a <title>, <tspan>s)."""
    return [m.group(0) for m in re.finditer(r"<(path|line|text|rect)\b[^>]*?(?:/>|>.*?</\1>)", _group(html, name), re.S)]


def _at(item: str) -> tuple[float, float]:
    """Where Vega placed an item: its translate(x, y)."""
    x, y = re.search(r'transform="translate\(([-\d.e]+),([-\d.e]+)\)', item).groups()
    return float(x), float(y)


def _title(item: str) -> str | None:
    found = re.search(r"<title>(.*?)</title>", item, re.S)
    return html_lib.unescape(found.group(1)) if found else None


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
    # Flow diagram: one line per supplier → recipient pair; the figures under the suppliers'
    # names add up to the transfers, and so do those under the recipients'.
    assert len(_marks(html, "flow_edges")) == facts["pairs"]
    for side in ("supplied", "received"):
        figures = re.findall(r">(\d+) transfers?</text>", _group(html, f"flow_{side}"))
        assert sum(int(f) for f in figures) == facts["transfers"], side
    assert len(re.findall(r'<tr data-pair="', html)) == facts["pairs"]
    # Timeline: one mark per transfer, event and sanction date reaching TIMELINE_FROM; each
    # names its record type first in its tooltip.
    drawn = [_title(m) for m in _items(html, "timeline_ranges") + _items(html, "timeline_points")]
    assert len(drawn) == sum(facts["timeline"].values())
    for record_type, n in facts["timeline"].items():
        assert sum(t.startswith(record_type) for t in drawn) == n
    assert f'data-points="{sum(facts["timeline"].values())}"' in html
    # The dates that begin before it, listed apart, in the order of their start.
    before = html[html.index('<aside id="timeline-before"'):]
    before = before[: before.index("</aside>")]
    assert re.findall(r'<li data-record-id="([^"]+)"', before) == facts["before"]
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
    if facts["undated_answers"]:
        assert f'<span id="lags-undated" data-n="{facts["undated_answers"]}">' in html
    assert 'data-sanction-id="sanction/us-treasury-2022-09-08-iran-uav"' in html


def test_every_mark_has_a_tooltip_and_no_chart_text_is_cut(page: Path, facts: dict) -> None:
    """Each line, point and node carries a <title> (a tooltip in any browser) saying what it
    is; the timeline's name their record; no text a chart draws ends in an ellipsis."""
    html = page.read_text(encoding="utf-8")
    for name in ("timeline_ranges", "timeline_points", "flow_edges", "flow_nodes", "sanction_lags"):
        items = _items(html, name)
        assert items and all(_title(i) for i in items), name
    drawn = [_title(i) for i in _items(html, "timeline_ranges") + _items(html, "timeline_points")]
    assert all(re.search(r"\[(transfer|event|sanction)/[^\]]+\]$", t) for t in drawn)
    assert all(re.search(r"\[sanction/[^\]]+\], \d+ days after ", _title(i)) for i in _items(html, "sanction_lags"))
    for svg in re.findall(r"<svg\b.*?</svg>", html, re.S):
        assert "…" not in svg and "..." not in re.sub(r"<title>.*?</title>|aria-label=\"[^\"]*\"", "", svg)
    # The flow diagram's names whole, each line of a name a <tspan>.
    names = {" ".join(html_lib.unescape(t) for t in re.findall(r">([^<>]+)<", i))
             for i in _items(html, "flow_suppliers") + _items(html, "flow_recipients")}
    assert names == facts["parties"]


def test_the_timeline_starts_in_2022(page: Path) -> None:
    """The time axis begins at TIMELINE_FROM: its first tick is that year; nothing is drawn
    left of it."""
    html = page.read_text(encoding="utf-8")
    svg = html[html.index('data-chart="timeline"'):]
    svg = svg[: svg.index("</svg>")]
    x_axis = svg[svg.index("X-axis"):]
    ticks = re.findall(r">(\d{4})</text>", x_axis[: x_axis.index("</g></g></g>")] if "</g></g></g>" in x_axis else x_axis)
    assert ticks and ticks[0] == report.TIMELINE_FROM[:4] and min(map(int, ticks)) == int(report.TIMELINE_FROM[:4])
    assert all(_at(i)[0] >= 0 for i in _items(html, "timeline_points"))


def test_the_flow_figures_stand_on_a_line_below_their_names(page: Path) -> None:
    """Under each name, on a line of its own, the transfers its node supplied or received: the
    figure's line starts below the name's last line, and never on it."""
    html = page.read_text(encoding="utf-8")
    for names, figures in (("flow_suppliers", "flow_supplied"), ("flow_recipients", "flow_received")):
        named, counted = _items(html, names), _items(html, figures)
        assert len(named) == len(counted) > 0
        for name, figure in zip(named, counted):
            lines = re.findall(r"<tspan\b", name) or [name]
            (nx, ny), (fx, fy) = _at(name), _at(figure)
            last_baseline = ny + (len(lines) - 1) * 14
            figure_top = fy - 11  # the figure's font size: its glyphs stand at most that above its baseline
            assert nx == fx and figure_top > last_baseline + 3, (name, figure)  # clear of descenders
            assert re.fullmatch(r"\d+ transfers?", re.sub(r"<[^>]+>", "", figure.split(">", 1)[1]).strip())


def test_no_sanction_marker_sits_on_the_axis_or_on_another(page: Path, facts: dict) -> None:
    """The lag chart: a sanction on the day of the report (0 days) stands clear of the axis;
    two sanctions of a flow a few days apart are drawn apart, not stacked."""
    html = page.read_text(encoding="utf-8")
    items = _items(html, "sanction_lags")
    assert len(items) == facts["answers"]
    at = [_at(i) for i in items]
    assert sum(" 0 days after " in _title(i) for i in items) == facts["zero_lags"]
    assert all(x >= 6 for x, _ in at)  # a marker is about 10 px wide: its left edge clear of x = 0
    for i, (x1, y1) in enumerate(at):
        for x2, y2 in at[i + 1:]:
            assert max(abs(x1 - x2), abs(y1 - y2)) >= 10, ((x1, y1), (x2, y2))


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
  // Text the SVG's own box does not wholly hold is cut off on screen.
  const outside = [...svg.querySelectorAll('text')].filter(t => {
    const b = t.getBoundingClientRect();
    return b.width > 0 && (b.left < box.left - 1 || b.right > box.right + 1 || b.top < box.top - 1 || b.bottom > box.bottom + 1);
  }).map(t => t.textContent);
  out[fig.dataset.chart] = {width: box.width, height: box.height, marks: marks, outside: outside};
}
out.transfers = document.querySelector('[data-count="transfers"]').textContent;
out.contested = [...document.querySelectorAll('article.contested')].map(a => a.dataset.recordId);
document.getElementById('render-check').textContent = JSON.stringify(out);
</script>"""

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--disable-extensions", "--hide-scrollbars", "--window-size=1280,2000"]



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
        assert check[chart]["outside"] == [], chart  # no label cut by the edge of its chart
        for name, m in check[chart]["marks"].items():
            assert m["items"] > 0 and m["drawn"] == m["items"], (chart, name, m)  # every item laid out
    flows = check["flows"]["marks"]
    assert flows["flow_edges_marks"]["drawn"] == facts["pairs"]
    for side in ("supplied", "received"):
        assert sum(int(t.split()[0]) for t in flows[f"flow_{side}_marks"]["texts"]) == facts["transfers"]
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


# At phone width: how wide the page is against its window, and each chart and table box. Headless
# Chromium's window is at least 500 px wide, so the page is laid out in a 390 px iframe (whose
# viewport is the phone's), and the probe in it posts what it measured to the page around it.
PHONE_WIDTH = 390
PHONE_FRAME = f"""<!DOCTYPE html><html><body style="margin:0"><pre id="phone-check"></pre>
<iframe src="phone.html" width="{PHONE_WIDTH}" height="2000" style="border:0;display:block"></iframe><script>
window.addEventListener('message', e => {{ document.getElementById('phone-check').textContent = e.data; }});
</script></body></html>"""
PHONE_PROBE = """<script>
const boxes = el => [...document.querySelectorAll(el)].map(e => e.getBoundingClientRect().right);
parent.postMessage(JSON.stringify({
  window: window.innerWidth, page: document.documentElement.scrollWidth, body: document.body.scrollWidth,
  svgs: boxes('figure svg'), svgWidths: [...document.querySelectorAll('figure svg')].map(e => e.getBoundingClientRect().width),
  tables: boxes('.scroll'), tablesInBox: [...document.querySelectorAll('table')].every(t => t.parentElement.classList.contains('scroll')),
}), '*');
</script>"""


@pytest.mark.slow
def test_the_page_fits_a_phone(page: Path, tmp_path: Path) -> None:
    """At a 390 px wide window nothing makes the page scroll sideways: the charts scale down to
    the width (SVG with a viewBox, max-width 100%), each table scrolls in its own box."""
    chromium = _chromium()
    (tmp_path / "phone.html").write_text(page.read_text(encoding="utf-8").replace("</main>", PHONE_PROBE + "</main>"),
                                         encoding="utf-8")
    frame = tmp_path / "frame.html"
    frame.write_text(PHONE_FRAME, encoding="utf-8")
    result = subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
                             "--virtual-time-budget=5000", "--dump-dom", frame.as_uri()],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    found = re.search(r'<pre id="phone-check">(.*?)</pre>', result.stdout, re.S)
    assert found and found.group(1), "the probe did not run"
    check = json.loads(html_lib.unescape(found.group(1)))
    assert check["window"] == PHONE_WIDTH
    assert check["page"] <= check["window"] and check["body"] <= check["window"], check
    assert len(check["svgs"]) == 3 and all(right <= check["window"] for right in check["svgs"]), check
    assert all(w > 300 for w in check["svgWidths"]), check  # scaled to the column, not to nothing
    assert check["tablesInBox"] and all(right <= check["window"] for right in check["tables"]), check


def test_report_default_path_and_missing_build(tmp_path: Path, built: Path) -> None:
    code, _, err = run_cli("report", "--root", str(tmp_path))
    assert code == 1 and "flows build" in err


# --- the page from its template: every value escaped exactly once ---------------------------

HOSTILE = {
    "script": "<script>alert(1)</script>",
    "entity": "AT&amp;T & Sons",  # already looks escaped: must show as typed, not as "AT&T"
    "quotes": "\"double\" and 'single' \" onmouseover=\"alert(1)",
}
NOT_LINKS = ["javascript:alert(1)", "JavaScript:alert(1)", " javascript:alert(1)", "data:text/html,<b>x</b>",
             "file:///etc/passwd", "//example.org/x"]
QUOTED_URL = 'https://example.org/?q="><script>alert(1)</script>&a=1'


class _Elements(HTMLParser):
    """Every element's tag, attributes (unescaped) and own text (unescaped), as a browser reads them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None], list[str]]] = []
        self.open: list[tuple[str, list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs), []))
        if tag not in ("meta", "br"):  # the page's void elements
            self.open.append((tag, self.elements[-1][2]))

    def handle_endtag(self, tag: str) -> None:
        while self.open and self.open.pop()[0] != tag:
            pass

    def handle_data(self, data: str) -> None:
        if self.open:
            self.open[-1][1].append(data)


def _elements(page: str) -> list[tuple[str, dict[str, str | None], str]]:
    parser = _Elements()
    parser.feed(page)
    return [(tag, attrs, "".join(texts)) for tag, attrs, texts in parser.elements]


@pytest.fixture(scope="module")
def real_data(built: Path) -> report.ReportData:
    con = connect_read_only(built)
    try:
        return report.load(con, read_package(built))
    finally:
        con.close()


def _hostile(data: report.ReportData) -> report.ReportData:
    """The real data with hostile text in the cells the page shows, in every section."""
    data = copy.deepcopy(data)
    script, entity, quotes = HOSTILE.values()
    data.package = {**data.package, "title": script, "version": entity,
                    "licenses": [{"title": quotes}]}
    data.stances = [(quotes, 1)] + data.stances
    data.transfers.loc[0, ["transfer_id", "supplier", "recipient", "item", "asserted_by"]] = \
        [quotes, script, entity, quotes, script]
    contested = data.contested.record_id.iloc[0]
    data.contested.loc[0, ["label", "asserted_by", "denied_by"]] = [script, entity, quotes]
    first = data.denials.index[data.denials.record_id == contested][0]
    data.denials.loc[first, ["claimant", "evidence_type", "evidence_text", "source_title", "publisher", "url"]] = \
        [quotes, "quote", script, entity, script, QUOTED_URL]
    data.answers.loc[:, "authority"] = entity
    data.answers.loc[data.answers.index[0], "title"] = script
    n = len(NOT_LINKS)
    data.sources.loc[data.sources.index[:n], "url"] = NOT_LINKS
    data.sources.loc[data.sources.index[:n], "title"] = [f"{script} {i}" for i in range(n)]
    data.sources.loc[data.sources.index[n], ["source_id", "publisher"]] = [quotes, entity]
    return data


def test_every_value_is_escaped_exactly_once(real_data: report.ReportData) -> None:
    charts = {name: f'<svg data-fake="{name}"></svg>' for name in ("timeline", "flows", "lags")}
    page = report.render_html(_hostile(real_data), charts)
    elements = _elements(page)
    tags = [tag for tag, _, _ in elements]
    # Nothing the data holds becomes markup: no script, no event handler, and each fake chart
    # (the only markup taken in as it is) appears once.
    assert "script" not in tags and "<script" not in page
    assert not [a for _, attrs, _ in elements for a in attrs if a.startswith("on")]
    assert tags.count("svg") == 3
    # A browser reads back exactly what the data holds: escaped once, not twice, not never.
    texts = [text for _, _, text in elements]
    script, entity, quotes = HOSTILE.values()
    assert next(text for tag, _, text in elements if tag == "title") == f"{script} — report"
    assert next(text for tag, _, text in elements if tag == "h1") == script
    assert f"published data package version {entity}:" in next(
        text for tag, attrs, text in elements if attrs.get("class") == "lead")
    assert ("tr", {"data-stance": quotes}, "") in elements and quotes in texts
    row = next(attrs for tag, attrs, _ in elements if tag == "tr" and attrs.get("data-record-id") == quotes)
    assert row == {"data-record-id": quotes}
    assert f"{script} → {entity}" in texts
    contested = next(i for i, (tag, attrs, _) in enumerate(elements) if tag == "article")
    assert elements[contested + 1] == ("h3", {}, script)
    denial = next((attrs, text) for tag, attrs, text in elements if tag == "blockquote" and attrs.get("data-denial") == quotes)
    assert denial[0] == {"class": "evidence quote", "data-denial": quotes, "data-evidence-type": "quote"}
    assert denial[1].endswith(f": “{script}”")
    assert ("a", {"href": QUOTED_URL}, entity) in elements  # an http(s) address is a link, quotes and all
    assert f" — {script}" in "".join(texts)
    assert texts.count(entity) >= len(real_data.answers)  # every sanction's authority
    assert ("p", {}, quotes) in elements  # the licence in the footer
    # Only http(s) addresses become links: a javascript:, data: or file: URL shows its title as text.
    hrefs = [attrs["href"] for tag, attrs, _ in elements if tag == "a"]
    assert not set(hrefs) & set(NOT_LINKS) and all(h.startswith(("http://", "https://")) for h in hrefs)
    for i, _ in enumerate(NOT_LINKS):
        assert ("td", {}, f"{script} {i}") in elements
    # In the raw page: each value escaped once; no entity of an entity but the one the data typed.
    assert "AT&amp;amp;T &amp; Sons" in page and "AT&amp;amp;amp;" not in page
    assert "&amp;lt;" not in page and "&amp;#" not in page and "&amp;quot;" not in page


def test_page_holds_plain_values(real_data: report.ReportData) -> None:
    """The template reads text, numbers and links only (no frame, timestamp or NaN): the data is
    shaped for the page before the markup sees it."""
    page = report.page_of(real_data, {"timeline": "<svg/>", "flows": "<svg/>", "lags": "<svg/>"})

    def leaves(value: object, where: str):
        if dataclasses.is_dataclass(value):
            for f in dataclasses.fields(value):
                yield from leaves(getattr(value, f.name), f"{where}.{f.name}")
        elif isinstance(value, dict):  # record_links: id → the record's page in the site
            for k, v in value.items():
                yield from leaves(k, f"{where} key")
                yield from leaves(v, f"{where}[{k!r}]")
        elif isinstance(value, (list, tuple)):
            for i, v in enumerate(value):
                yield from leaves(v, f"{where}[{i}]")
        else:
            yield where, value

    found = list(leaves(page, "page"))
    markup = [where for where, v in found if isinstance(v, Markup)]
    assert markup == ["page.timeline_svg", "page.flows_svg", "page.lags_svg"]
    wrong = [(where, type(v)) for where, v in found
             if not isinstance(v, Markup) and type(v) not in (str, int, bool) and v is not None]
    assert not wrong
    assert len(page.transfers) == len(real_data.transfers) and len(page.sources) == len(real_data.sources)
    assert sum(len(c.denials) for c in page.contested) == len(real_data.denials)
    assert sum(len(f.sanctions) for f in page.answered) == len(real_data.answers)


def test_chart_text_is_escaped_by_vega(real_data: report.ReportData) -> None:
    """The charts go into the page as they are: that is safe only because Vega escapes the names
    it draws."""
    data = copy.deepcopy(real_data)
    script, entity, _ = HOSTILE.values()
    data.edges.loc[0, "supplier"] = script
    data.edges.loc[0, "recipient"] = entity
    svg = report._svg(report.flow_chart(data), "flows")
    assert "<script" not in svg
    texts = [text for tag, _, text in _elements(svg) if tag == "text"]
    assert script in texts and entity in texts


# --- what the report reads and writes ---------------------------------------------------------

def test_report_of_a_release_without_its_descriptor_is_one_error_line(built: Path, tmp_path: Path):
    """The report reads the published descriptor as the CSV export does: no datapackage.json is
    an error line, not a page without the package's title, version and licences."""
    root = tmp_path / "release"
    shutil.copytree(built, root)
    (root / "datapackage.json").unlink()
    out = tmp_path / "report.html"
    code, _, err = run_cli("report", "--root", str(root), "--out", str(out))
    assert (code, err.strip()) == (1, f"error: {root / 'datapackage.json'} is missing: run `flows build` "
                                      "(or `make build`) first")
    assert not out.exists()


def test_report_refuses_what_is_not_an_earlier_report(release_copy: Path, tmp_path: Path):
    readme = tmp_path / "README.md"
    readme.write_text("# mine\n")
    code, _, err = run_cli("report", "--out", str(readme), "--root", str(release_copy))
    assert code == 1 and err == f"error: {readme}: exists and is not a flows report; write to a new file\n"
    assert readme.read_text() == "# mine\n"
    code, _, err = run_cli("report", "--out", str(tmp_path), "--root", str(release_copy))
    assert code == 1 and err == f"error: {tmp_path}: exists and is not a file\n"
    page = tmp_path / "report.html"
    assert run_cli("report", "--out", str(page), "--root", str(release_copy))[0] == 0
    assert run_cli("report", "--out", str(page), "--root", str(release_copy))[0] == 0  # over its own output
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
