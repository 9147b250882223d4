"""A self-contained static HTML report (`flows report`): charts rendered to inline SVG by
Vega-Lite (altair specs, rendered by vl-convert without a browser), and tables, all read from
the published views of `data/processed/flows.duckdb`. The page loads nothing from anywhere:
no script, stylesheet, font or image outside the file.

The marks of each chart are named (`timeline_ranges`, `timeline_points`, `flow_edges`,
`flow_counts`, `flow_nodes`, `flow_suppliers`, `flow_recipients`, `sanction_lags`), so each item a chart draws is an element of
`<g class="... NAME_marks">` in the page, which a test can count against the data.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from .schema import TABLES
from .targets import OutputRefused, check_file_target, write_replacing

DEFAULT_OUT = Path("reports") / "flows-report.html"
# On the first line of every report: how `--out` knows a file it may write over.
REPORT_MARK = "<!-- written by flows report -->"
TIMELINE_TYPES = ("transfer", "event", "sanction")
COLORS = {"transfer": "#d95f02", "event": "#7570b3", "sanction": "#1b9e77"}


@dataclass
class ReportData:
    package: dict[str, Any]
    counts: dict[str, int]  # rows per table
    stances: list[tuple[str, int]]
    transfers: pd.DataFrame  # transfers_by_party
    timeline: pd.DataFrame  # timeline rows of TIMELINE_TYPES with at least one bound
    edges: pd.DataFrame  # supplier → recipient pairs
    contested: pd.DataFrame  # contested_records
    denials: pd.DataFrame  # the denying claims of the contested records
    answers: pd.DataFrame  # sanctions_answering_transfers
    sources: pd.DataFrame  # sources with their number of claims


def _df(con: duckdb.DuckDBPyConnection, sql: str) -> pd.DataFrame:
    return con.execute(sql).df()


def short(text: Any, n: int = 60) -> str:
    s = "" if text is None or (isinstance(text, float) and pd.isna(text)) else str(text)
    return s if len(s) <= n else s[: n - 1].rstrip() + "…"


def load(con: duckdb.DuckDBPyConnection, package: dict[str, Any] | None = None) -> ReportData:
    """Everything the report shows, from the published tables and views."""
    counts = {name: con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in TABLES}
    stances = [tuple(r) for r in con.execute(
        "SELECT stance, count(*) FROM claims GROUP BY stance ORDER BY count(*) DESC, stance").fetchall()]
    transfers = _df(con, "SELECT * FROM transfers_by_party")
    types = ", ".join(f"'{t}'" for t in TIMELINE_TYPES)
    timeline = _df(con, f"""
        SELECT record_id, record_type, date_field, date_edtf, precision, label,
               coalesce(earliest, latest) AS start, coalesce(latest, earliest) AS "end"
        FROM timeline
        WHERE record_type IN ({types}) AND (earliest IS NOT NULL OR latest IS NOT NULL)
        ORDER BY start, record_id, date_field""")
    edges = _df(con, """
        SELECT supplier, recipient, supplier_id, recipient_id, count(*) AS transfers,
               string_agg(coalesce(item, flow_type), '; ' ORDER BY item) AS items,
               count(*) FILTER (WHERE denied_by IS NOT NULL) AS denied
        FROM transfers_by_party GROUP BY ALL ORDER BY transfers DESC, supplier, recipient""")
    contested = _df(con, "SELECT * FROM contested_records ORDER BY record_id")
    denials = _df(con, """
        SELECT record_id, claimant, evidence_text, source_title, publisher, claimed, url
        FROM claim_details WHERE denies AND record_id IN (SELECT record_id FROM contested_records)
        ORDER BY record_id, public_from NULLS LAST, claim_id""")
    answers = _df(con, "SELECT * FROM sanctions_answering_transfers")
    sources = _df(con, """
        SELECT s.source_id, s.title, s.publisher, s.source_type, s.published, s.url,
               count(c.claim_id) AS claims
        FROM sources s LEFT JOIN claims c USING (source_id)
        GROUP BY ALL ORDER BY claims DESC, s.source_id""")
    return ReportData(package or {}, counts, stances, transfers, timeline, edges, contested,
                      denials, answers, sources)


# --- charts ---------------------------------------------------------------------------------

def _svg(spec: dict[str, Any], prefix: str) -> str:
    """Render a Vega-Lite spec to SVG; make its ids unique within the page."""
    import vl_convert

    svg = vl_convert.vegalite_to_svg(spec)
    svg = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}-\1"', svg)
    svg = re.sub(r'url\(#([^)]+)\)', rf'url(#{prefix}-\1)', svg)
    svg = re.sub(r'href="#([^"]+)"', rf'href="#{prefix}-\1"', svg)
    return svg


def timeline_chart(data: ReportData) -> dict[str, Any]:
    import altair as alt

    df = data.timeline.copy()
    df["start"] = pd.to_datetime(df["start"]).dt.strftime("%Y-%m-%d")
    df["end"] = pd.to_datetime(df["end"]).dt.strftime("%Y-%m-%d")
    df["what"] = df["label"].map(lambda s: short(s, 80))
    df = df[["record_id", "record_type", "date_field", "date_edtf", "precision", "what", "start", "end"]]
    color = alt.Color("record_type:N", title="record",
                      scale=alt.Scale(domain=list(TIMELINE_TYPES), range=[COLORS[t] for t in TIMELINE_TYPES]))
    y = alt.Y("record_type:N", title=None, sort=list(TIMELINE_TYPES), axis=alt.Axis(labelFontSize=12))
    base = alt.Chart(df).encode(y=y, color=color)
    ranges = base.transform_filter("datum.start != datum.end").mark_rule(
        strokeWidth=7, opacity=0.35, strokeCap="round").encode(
        x=alt.X("start:T", title="date (EDTF bounds: a bar is a range, a dot a day)"),
        x2="end:T", tooltip=["record_id", "date_edtf"])
    ranges.name = "timeline_ranges"
    points = base.transform_filter("datum.start == datum.end").mark_circle(
        size=70, opacity=0.75).encode(x="start:T", tooltip=["record_id", "date_edtf"])
    points.name = "timeline_points"
    chart = alt.layer(ranges, points).properties(
        width=820, height=200,
        title=f"Timeline: {len(df)} dated flows, events and sanctions",
        description="Each dated transfer, event and sanction on one time axis.")
    return chart.to_dict()


def flow_chart(data: ReportData) -> dict[str, Any]:
    """A two-column flow diagram: suppliers on the left, recipients on the right, one line per
    supplier → recipient pair, as thick as the number of transfers between them."""
    import altair as alt

    edges = data.edges
    suppliers = list(dict.fromkeys(edges.sort_values(["supplier"])["supplier"]))
    recipients = list(dict.fromkeys(edges.sort_values(["recipient"])["recipient"]))
    rows = max(len(suppliers), len(recipients))

    def pos(names: list[str]) -> dict[str, float]:  # spread each column over the same height
        step = rows / len(names)
        return {n: (i + 0.5) * step for i, n in enumerate(names)}

    sy, ry = pos(suppliers), pos(recipients)
    e = pd.DataFrame({
        "supplier": edges["supplier"], "recipient": edges["recipient"],
        "transfers": edges["transfers"].astype(int), "items": edges["items"].map(lambda s: short(s, 120)),
        "x": 0.0, "x2": 1.0,
        "y": edges["supplier"].map(sy), "y2": edges["recipient"].map(ry),
    })
    # The figure stands a quarter of the way along its line, where lines leaving one node
    # have already parted.
    e["mx"] = 0.25
    e["my"] = e["y"] + 0.25 * (e["y2"] - e["y"])
    nodes = pd.DataFrame(
        [{"side": "supplier", "name": n, "label": short(n, 42), "x": 0.0, "y": y, "align": "right"}
         for n, y in sy.items()]
        + [{"side": "recipient", "name": n, "label": short(n, 42), "x": 1.0, "y": y, "align": "left"}
           for n, y in ry.items()])
    xs = alt.Scale(domain=[0, 1])
    ys = alt.Scale(domain=[rows, 0])
    noaxis = dict(axis=None)
    lines = alt.Chart(e).mark_rule(opacity=0.55, strokeCap="round", color="#d95f02").encode(
        x=alt.X("x:Q", scale=xs, **noaxis), x2="x2:Q",
        y=alt.Y("y:Q", scale=ys, **noaxis), y2="y2:Q",
        strokeWidth=alt.StrokeWidth("transfers:Q", title="transfers",
                                    scale=alt.Scale(domain=[1, max(2, int(e["transfers"].max()))],
                                                    range=[2, 18]), legend=None),
        tooltip=["supplier", "recipient", "transfers", "items"])
    lines.name = "flow_edges"
    counts = alt.Chart(e).mark_text(fontSize=12, fontWeight="bold", dy=-9).encode(
        x=alt.X("mx:Q", scale=xs, **noaxis), y=alt.Y("my:Q", scale=ys, **noaxis),
        text="transfers:Q")
    counts.name = "flow_counts"
    dots = alt.Chart(nodes).mark_circle(size=90, color="#333", opacity=1).encode(
        x=alt.X("x:Q", scale=xs, **noaxis), y=alt.Y("y:Q", scale=ys, **noaxis),
        tooltip=["side", "name"])
    dots.name = "flow_nodes"
    left = alt.Chart(nodes[nodes.side == "supplier"]).mark_text(align="right", dx=-9, fontSize=12).encode(
        x=alt.X("x:Q", scale=xs, **noaxis), y=alt.Y("y:Q", scale=ys, **noaxis), text="label:N")
    right = alt.Chart(nodes[nodes.side == "recipient"]).mark_text(align="left", dx=9, fontSize=12).encode(
        x=alt.X("x:Q", scale=xs, **noaxis), y=alt.Y("y:Q", scale=ys, **noaxis), text="label:N")
    left.name = "flow_suppliers"
    right.name = "flow_recipients"
    chart = alt.layer(lines, counts, dots, left, right).properties(
        width=340, height=max(160, 50 * rows),
        title=f"Supplier → recipient: {int(e['transfers'].sum())} transfers in {len(e)} pairs "
              "(line width and figure: number of transfers)",
        description="Suppliers on the left, recipients on the right.",
        padding={"left": 290, "right": 290, "top": 10, "bottom": 10})
    return chart.configure_view(stroke=None).to_dict()


def lag_chart(data: ReportData) -> dict[str, Any] | None:
    """Days between the first public report of a flow and each sanction that answers it."""
    import altair as alt

    df = data.answers.dropna(subset=["days_after_first_report"]).copy()
    if df.empty:
        return None
    labels = {r.transfer_id: short(f"{r.supplier} → {r.recipient}: {r.item or r.transfer_id}", 70)
              for r in df.itertuples()}
    df = pd.DataFrame({
        "flow": df["transfer_id"].map(labels), "transfer_id": df["transfer_id"],
        "days": df["days_after_first_report"].astype(int), "authority": df["authority"].map(lambda s: short(s, 40)),
        "sanction_id": df["sanction_id"],
    })
    chart = alt.Chart(df).mark_point(size=80, filled=True, opacity=0.8).encode(
        x=alt.X("days:Q", title="days after the flow was first publicly reported"),
        y=alt.Y("flow:N", title=None, axis=alt.Axis(labelLimit=420)),
        color=alt.Color("authority:N", title="authority", legend=alt.Legend(labelLimit=260)),
        shape=alt.Shape("authority:N", legend=None),
        tooltip=["sanction_id", "transfer_id", "days"])
    chart.name = "sanction_lags"
    return chart.properties(width=460, height=alt.Step(28), title=f"{len(df)} sanctions answering a flow, "
                            "by days after its first public report").to_dict()


# --- page -----------------------------------------------------------------------------------

def _e(value: Any) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    return html.escape(str(value))


def _link(url: Any, text: Any) -> str:
    if isinstance(url, str) and url.startswith(("http://", "https://")):
        return f'<a href="{html.escape(url)}">{_e(text)}</a>'
    return _e(text)


CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;margin:0;color:#222;background:#fafafa;line-height:1.45}
main{max-width:1200px;margin:0 auto;padding:1.5rem 2rem 4rem}
h1{font-size:1.7rem;margin:.2rem 0}h2{margin-top:2.5rem;border-bottom:2px solid #ddd;padding-bottom:.2rem}
.lead{color:#555;max-width:60rem}
dl.counts{display:flex;flex-wrap:wrap;gap:.8rem;margin:1rem 0}
dl.counts div{background:#fff;border:1px solid #ddd;border-radius:6px;padding:.5rem .9rem;min-width:7rem}
dl.counts dt{font-size:.8rem;color:#666;text-transform:uppercase;letter-spacing:.03em}
dl.counts dd{margin:0;font-size:1.6rem;font-weight:600}
figure{margin:1rem 0;background:#fff;border:1px solid #ddd;border-radius:6px;padding:.8rem;overflow-x:auto}
figure svg{max-width:none;height:auto}figcaption{color:#555;font-size:.9rem;margin-top:.4rem}
table{border-collapse:collapse;width:100%;background:#fff;font-size:.88rem;margin:.5rem 0 1rem}
th,td{border:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f0f0f0}td.n{text-align:right;font-variant-numeric:tabular-nums}
article.contested{background:#fff;border:1px solid #ddd;border-left:5px solid #c0392b;border-radius:6px;padding:.6rem 1rem;margin:1rem 0}
blockquote{margin:.4rem 0 .4rem 1rem;padding-left:.8rem;border-left:3px solid #ccc;color:#333}
.who{font-weight:600}.muted{color:#666;font-size:.85rem}code{font-size:.85em;color:#555}
a{color:#1f5f99}
"""


def render_html(data: ReportData, charts: dict[str, str]) -> str:
    pkg = data.package
    title = pkg.get("title") or "flows"
    version = pkg.get("version")
    n_transfers = data.counts.get("transfers", 0)
    parts: list[str] = []
    add = parts.append
    add(f"<!DOCTYPE html>{REPORT_MARK}")
    add('<html lang="en"><head><meta charset="utf-8">')
    add('<meta name="viewport" content="width=device-width, initial-scale=1">')
    add(f"<title>{_e(title)} — report</title><style>{CSS}</style></head><body><main>")
    add(f"<h1>{_e(title)}</h1>")
    add(f'<p class="lead">A report on the published data package'
        f'{" version " + _e(version) if version else ""}: the flows, who says they happened and who '
        "denies it, and the sanctions that answer them. Every figure comes from the package's "
        "DuckDB views; the charts are Vega-Lite, rendered to SVG when the report was written.</p>")

    # counts
    shown = [("transfers", "transfers"), ("events", "events"), ("sanctions", "sanctions"),
             ("designations", "designations"), ("actors", "actors"), ("claims", "claims"),
             ("sources", "sources"), ("records", "records")]
    add('<section id="counts"><h2>Counts</h2><dl class="counts">')
    for key, label in shown:
        add(f'<div><dt>{label}</dt><dd data-count="{key}">{data.counts.get(key, 0)}</dd></div>')
    add(f'<div><dt>contested records</dt><dd data-count="contested">{len(data.contested)}</dd></div>')
    add("</dl>")
    add('<table id="stances"><thead><tr><th>stance</th><th>claims</th></tr></thead><tbody>')
    for stance, n in data.stances:
        add(f'<tr data-stance="{_e(stance)}"><td>{_e(stance)}</td><td class="n">{n}</td></tr>')
    add("</tbody></table></section>")

    # timeline
    by_type = data.timeline["record_type"].value_counts()
    add('<section id="timeline"><h2>Timeline</h2>')
    add(f'<figure id="timeline-chart" data-chart="timeline" data-points="{len(data.timeline)}">{charts["timeline"]}')
    add("<figcaption>" + ", ".join(f'<span data-timeline-type="{t}" data-n="{int(by_type.get(t, 0))}">'
                                   f"{int(by_type.get(t, 0))} {t} dates</span>" for t in TIMELINE_TYPES)
        + ". A sanction announced and taking effect on different days has a date for each; "
        "open-ended dates are drawn at their known bound.</figcaption></figure></section>")

    # flows
    add('<section id="flows"><h2>Supplier → recipient</h2>')
    add(f'<figure id="flow-chart" data-chart="flows" data-edges="{len(data.edges)}" '
        f'data-transfers="{n_transfers}">{charts["flows"]}')
    add(f"<figcaption>{n_transfers} transfers between {len(data.edges)} supplier → recipient pairs."
        "</figcaption></figure>")
    add('<table id="transfers"><thead><tr><th>supplier → recipient</th><th>item</th><th>status</th>'
        "<th>period</th><th>sources</th><th>asserted by</th><th>denied by</th></tr></thead><tbody>")
    for t in data.transfers.itertuples():
        add(f'<tr data-record-id="{_e(t.transfer_id)}"><td>{_e(t.supplier)} → {_e(t.recipient)}</td>'
            f"<td>{_e(t.item)}<br><code>{_e(t.transfer_id)}</code></td><td>{_e(t.status)}</td>"
            f'<td>{_e(t.period)}</td><td class="n">{_e(t.n_sources)}</td>'
            f"<td>{_e(t.asserted_by)}</td><td>{_e(t.denied_by)}</td></tr>")
    add("</tbody></table></section>")

    # contested
    add(f'<section id="contested"><h2>Contested records ({len(data.contested)})</h2>')
    add('<p class="muted">Records asserted by some parties and denied by others; the denials are '
        "quoted in full.</p>")
    for c in data.contested.itertuples():
        add(f'<article class="contested" data-record-id="{_e(c.record_id)}">')
        add(f"<h3>{_e(short(c.label, 200))}</h3><p><code>{_e(c.record_id)}</code> ({_e(c.record_type)})</p>")
        add(f'<p><span class="who">Asserted by:</span> {_e(c.asserted_by)}</p>')
        add(f'<p><span class="who">Denied by:</span> {_e(c.denied_by)}</p>')
        for d in data.denials[data.denials.record_id == c.record_id].itertuples():
            when = f", {_e(d.claimed)}" if isinstance(d.claimed, str) else ""
            add(f'<blockquote data-denial="{_e(d.claimant)}"><span class="who">{_e(d.claimant)}</span>: '
                f"“{_e(d.evidence_text)}”<br><span class=\"muted\">{_link(d.url, d.source_title)} — "
                f"{_e(d.publisher)}{when}</span></blockquote>")
        add("</article>")
    add("</section>")

    # sanctions answering flows
    add('<section id="sanctions"><h2>Sanctions answering each flow</h2>')
    if "lags" in charts:
        add(f'<figure id="lag-chart" data-chart="lags">{charts["lags"]}<figcaption>Days between the '
            "first public report of a flow (its earliest supporting claim) and each sanction "
            "announced in answer to it.</figcaption></figure>")
    for transfer_id, group in data.answers.groupby("transfer_id", sort=False):
        first = group.iloc[0]
        add(f'<div class="answered" data-record-id="{_e(transfer_id)}" data-sanctions="{len(group)}">')
        add(f"<h3>{_e(first.supplier)} → {_e(first.recipient)}: {_e(first['item'])}</h3>")
        add(f'<p class="muted"><code>{_e(transfer_id)}</code>; first reported '
            f"{_e(first.transfer_first_reported)}; {len(group)} sanction{'s' if len(group) != 1 else ''}</p>")
        add("<table><thead><tr><th>announced</th><th>authority</th><th>sanction</th><th>status</th>"
            "<th>days after first report</th><th>designations</th></tr></thead><tbody>")
        for s in group.itertuples():
            add(f'<tr data-sanction-id="{_e(s.sanction_id)}"><td>{_e(s.announced)}</td><td>{_e(s.authority)}</td>'
                f"<td>{_e(s.title)}<br><code>{_e(s.sanction_id)}</code></td><td>{_e(s.status)}</td>"
                f'<td class="n">{_e(s.days_after_first_report)}</td><td class="n">{_e(s.n_designations)}</td></tr>')
        add("</tbody></table></div>")
    add("</section>")

    # sources
    add(f'<section id="sources"><h2>Sources ({len(data.sources)})</h2>')
    add("<table><thead><tr><th>source</th><th>publisher</th><th>type</th><th>published</th>"
        "<th>claims</th></tr></thead><tbody>")
    for s in data.sources.itertuples():
        add(f'<tr data-source-id="{_e(s.source_id)}"><td>{_link(s.url, s.title)}</td><td>{_e(s.publisher)}</td>'
            f'<td>{_e(s.source_type)}</td><td>{_e(s.published)}</td><td class="n">{s.claims}</td></tr>')
    add("</tbody></table></section>")
    licences = "; ".join(lic.get("title", lic.get("name", "")) for lic in pkg.get("licenses", []))
    add(f'<footer class="muted"><p>{_e(licences)}</p></footer>')
    add("</main></body></html>")
    return "\n".join(parts) + "\n"


def write_report(con: duckdb.DuckDBPyConnection, out: Path, package: dict[str, Any] | None = None) -> ReportData:
    """Write the report to `out`; return the data it shows. OutputRefused when `out` is not a
    file or is a file that is not an earlier report."""
    check_report_file(out)
    data = load(con, package)
    charts = {"timeline": _svg(timeline_chart(data), "timeline"),
              "flows": _svg(flow_chart(data), "flows")}
    lags = lag_chart(data)
    if lags is not None:
        charts["lags"] = _svg(lags, "lags")
    page = render_html(data, charts)
    try:
        write_replacing(out, lambda f: f.write(page))
    except OSError as e:
        raise OutputRefused(f"cannot write {out}: {e}") from None
    return data


def check_report_file(out: Path) -> None:
    """Refuse to write over anything but an earlier report (or an empty file)."""
    check_file_target(out, "a flows report", lambda line: REPORT_MARK in line)
