"""A self-contained static HTML report (`flows report`): charts rendered to inline SVG by
Vega-Lite (altair specs, rendered by vl-convert without a browser), and tables, all read from
the published views of `data/processed/flows.duckdb`. The page loads nothing from anywhere:
no script, stylesheet, font or image outside the file.

Three steps: `load` queries the views (`ReportData`), `page_of` shapes what the page shows as
plain text and numbers (`Page`), and the Jinja2 template `templates/report.html.j2` lays it out
with autoescape on. A new section or field is a `Page` field and a block of the template.

The marks of each chart are named (`timeline_ranges`, `timeline_points`, `flow_edges`,
`flow_nodes`, `flow_suppliers`, `flow_supplied`, `flow_recipients`, `flow_received`,
`lag_rows`, `lag_flows`, `sanction_lags`), so each item a chart draws is an element of
`<g class="... NAME_marks">` in the page, which a test can count against the data. Each
graphic item (a line, a point, a node) carries a <title>: its tooltip in any browser.
Charts scale down to the page's width (an SVG with a viewBox); their text is never cut: a long
name is broken over lines.
"""

from __future__ import annotations

import dataclasses
import os
import re
import textwrap
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import jinja2
import pandas as pd
from markupsafe import Markup

from flows.outputs.words import edtf_words, enum_words, quoted_already, web_address
from flows.schema.definition import TABLES
from flows.publish.targets import OutputRefused, check_file_target, write_replacing

DEFAULT_OUT = Path("reports") / "flows-report.html"
# On the first line of every report: how `--out` knows a file it may write over.
REPORT_MARK = "<!-- written by flows report -->"
TIMELINE_TYPES = ("transfer", "event", "sanction")
# The timeline's axis starts here; dates that begin before it are listed apart, as context.
TIMELINE_FROM = "2022-01-01"
# What the timeline dates, told apart by colour and shape: (colour, Vega shape).
KINDS = {"transfer": ("#d95f02", "circle"), "event": ("#7570b3", "diamond"),
         "sanction announced": ("#1b9e77", "square"), "sanction effective": ("#0b5345", "triangle-up")}
NAME_WIDTH = 28  # characters a line of a name holds in the flow diagram


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
    by_state: pd.DataFrame  # sanctions_by_state: who sanctioned whom, counting states


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
        SELECT record_id, claim_id, claimant, evidence_type, evidence_text, source_title, publisher, claimed, url
        FROM claim_details WHERE denies AND record_id IN (SELECT record_id FROM contested_records)
        ORDER BY record_id, public_from NULLS LAST, claim_id""")
    answers = _df(con, "SELECT * FROM sanctions_answering_transfers")
    sources = _df(con, """
        SELECT s.source_id, s.title, s.publisher, s.source_type, s.published, s.url,
               count(c.claim_id) AS claims
        FROM sources s LEFT JOIN claims c USING (source_id)
        GROUP BY ALL ORDER BY claims DESC, s.source_id""")
    by_state = _df(con, "SELECT * FROM sanctions_by_state")
    return ReportData(package or {}, counts, stances, transfers, timeline, edges, contested,
                      denials, answers, sources, by_state)


# --- charts ---------------------------------------------------------------------------------

# A graphic mark item as Vega's SVG renderer writes it: its `description` encoding is its
# aria-label; the renderer writes no <title> (the tooltip channel is for a browser's Vega only).
_MARK_ITEM = re.compile(r'<(path|line|rect)\b([^>]*?\baria-label="([^"]*)"[^>]*?role="graphics-symbol"[^>]*?)(/?)>')


def _svg(spec: dict[str, Any], prefix: str) -> str:
    """Render a Vega-Lite spec to SVG; make its ids unique within the page; give each graphic
    mark item a <title> (a tooltip in every browser) holding its description."""
    import vl_convert

    svg = vl_convert.vegalite_to_svg(spec)
    svg = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}-\1"', svg)
    svg = re.sub(r'url\(#([^)]+)\)', rf'url(#{prefix}-\1)', svg)
    svg = re.sub(r'href="#([^"]+)"', rf'href="#{prefix}-\1"', svg)
    # The label is already escaped as an attribute value, which is escaped text as well.
    return _MARK_ITEM.sub(lambda m: f"<{m[1]}{m[2]}><title>{m[3]}</title>" + (f"</{m[1]}>" if m[4] else ""), svg)


def wrapped(name: Any, width: int) -> list[str]:
    """A name in lines of about `width` characters, whole: a chart breaks a long name, never cuts it."""
    return textwrap.wrap(text(name), width, break_long_words=False, break_on_hyphens=False) or [""]


def lanes(starts: pd.Series, ends: pd.Series, gap: float) -> pd.Series:
    """A lane (0, 1, ...) for each interval such that intervals in one lane stand at least `gap`
    apart: marks that would cover each other are drawn one above the other."""
    lane_end: list[float] = []
    out = pd.Series(0, index=starts.index, dtype=int)
    for i in sorted(starts.index, key=lambda i: (starts[i], ends[i])):
        free = next((n for n, last in enumerate(lane_end) if starts[i] - last >= gap), None)
        if free is None:
            free = len(lane_end)
            lane_end.append(ends[i])
        lane_end[free] = ends[i]
        out[i] = free
    return out


def timeline_kind(record_type: str, date_field: str) -> str:
    return f"sanction {date_field}" if record_type == "sanction" else record_type


def timeline_split(timeline: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the dates the chart draws: those reaching TIMELINE_FROM or later; the dates that begin
    before it, listed apart). A date from before TIMELINE_FROM to after it is in both."""
    start = pd.to_datetime(timeline["start"])
    end = pd.to_datetime(timeline["end"])
    return timeline[end >= TIMELINE_FROM], timeline[start < TIMELINE_FROM]


def timeline_chart(data: ReportData) -> dict[str, Any]:
    import altair as alt

    drawn, _ = timeline_split(data.timeline)
    df = drawn.copy()
    start = pd.to_datetime(df["start"]).clip(lower=pd.Timestamp(TIMELINE_FROM))
    end = pd.to_datetime(df["end"])
    df["kind"] = [timeline_kind(t, f) for t, f in zip(df["record_type"], df["date_field"])]
    began = pd.to_datetime(df["start"]) < pd.Timestamp(TIMELINE_FROM)
    df["about"] = [f"{kind}: {text(label)} — {edtf_words(edtf)} ({edtf})"
                   + (f"; began before {TIMELINE_FROM[:4]}, drawn from {TIMELINE_FROM[:4]}" if b else "") + f" [{rid}]"
                   for kind, label, edtf, b, rid in zip(df["kind"], df["label"], df["date_edtf"], began, df["record_id"])]
    width = 760
    last = end.max() if len(df) else pd.Timestamp(TIMELINE_FROM) + pd.DateOffset(years=1)
    gap = 12 * max(1, (last - pd.Timestamp(TIMELINE_FROM)).days) / width  # a point is about 9 px wide: marks closer than 12 px take another lane
    first_day, last_day = ((d - pd.Timestamp(TIMELINE_FROM)).dt.days for d in (start, end))
    df["lane"] = 0
    for t in TIMELINE_TYPES:
        of_type = df.record_type == t
        df.loc[of_type, "lane"] = lanes(first_day[of_type], last_day[of_type], gap)
    df["start"] = start.dt.strftime("%Y-%m-%d")
    df["end"] = end.dt.strftime("%Y-%m-%d")
    # Each record type a band of its own lanes, one below the other, 1.5 lanes apart.
    bands, top = {}, 0.0
    for t in TIMELINE_TYPES:
        if (df.record_type == t).any():
            bands[t] = top
            top += int(df.lane[df.record_type == t].max()) + 2.5
    df["row"] = df["record_type"].map(bands).astype(float) + df["lane"]
    df = df[["record_id", "record_type", "kind", "about", "row", "start", "end"]]
    kinds = [k for k in KINDS if k in set(df["kind"])]
    color = alt.Color("kind:N", title="what is dated", scale=alt.Scale(domain=kinds, range=[KINDS[k][0] for k in kinds]),
                      legend=alt.Legend(orient="top", labelLimit=0, symbolOpacity=1))
    shape = alt.Shape("kind:N", scale=alt.Scale(domain=kinds, range=[KINDS[k][1] for k in kinds]), legend=None)
    middles = {t: bands[t] + (df.row[df.record_type == t].max() - bands[t]) / 2 for t in bands}
    names = "".join(f"datum.value == {m} ? '{t}' : " for t, m in middles.items()) + "''"  # the types: words of this module
    y = alt.Y("row:Q", title=None, scale=alt.Scale(domain=[top - 1.5, -1], nice=False, zero=False),
              axis=alt.Axis(values=list(middles.values()), labelExpr=names, labelFontSize=12,
                            labelLimit=0, grid=False, domain=False))
    x = alt.X("start:T", title=f"date, {TIMELINE_FROM[:4]} on (a bar is a range, a mark a day or a bound)",
              scale=alt.Scale(domain=[TIMELINE_FROM, last.strftime("%Y-%m-%d")], padding=8),
              axis=alt.Axis(format="%Y", tickCount="year"))
    base = alt.Chart(df).encode(y=y, color=color, description="about:N")
    ranges = base.transform_filter("datum.start != datum.end").mark_rule(
        strokeWidth=5, opacity=0.45, strokeCap="round").encode(x=x, x2="end:T")
    ranges.name = "timeline_ranges"
    points = base.transform_filter("datum.start == datum.end").mark_point(
        size=60, filled=True, opacity=0.85).encode(x=x, shape=shape)
    points.name = "timeline_points"
    chart = alt.layer(ranges, points).properties(
        width=width, height=round((top - 0.5) * 9),
        title=f"Timeline from {TIMELINE_FROM[:4]}: {len(df)} dated flows, events and sanctions",
        description="Each dated transfer, event and sanction on one time axis; marks that would "
                    "cover each other are drawn one above the other.")
    return chart.to_dict()


def flow_chart(data: ReportData) -> dict[str, Any]:
    """A two-column flow diagram: suppliers on the left, recipients on the right, one line per
    supplier → recipient pair, as thick as the number of transfers between them. Each name
    stands above its node, whole (broken over lines), and its figure on a line of its own below."""
    import altair as alt

    edges = data.edges
    suppliers = list(dict.fromkeys(edges.sort_values(["supplier"])["supplier"]))
    recipients = list(dict.fromkeys(edges.sort_values(["recipient"])["recipient"]))
    line_px = 14
    names = {n: wrapped(n, NAME_WIDTH) for n in suppliers + recipients}

    def block(name: str) -> int:  # pixels a node takes: its name's lines, the node, the figure, a gap
        return len(names[name]) * line_px + 4 + 4 + line_px + 18

    height = max(sum(block(n) for n in suppliers), sum(block(n) for n in recipients))

    def pos(column: list[str]) -> dict[str, float]:  # each column spread over the same height, in pixels
        spare = (height - sum(block(n) for n in column)) / len(column)
        at, out = 0.0, {}
        for n in column:
            out[n] = at + spare / 2 + len(names[n]) * line_px + 4
            at += block(n) + spare
        return out

    sy, ry = pos(suppliers), pos(recipients)
    e = pd.DataFrame({
        "supplier": edges["supplier"], "recipient": edges["recipient"],
        "transfers": edges["transfers"].astype(int), "x": 0.0, "x2": 1.0,
        "y": edges["supplier"].map(sy), "y2": edges["recipient"].map(ry),
    })
    e["about"] = [f"{s} → {r}: {n} transfer{'s' if n != 1 else ''} ({items})"
                  for s, r, n, items in zip(e.supplier, e.recipient, e.transfers, edges["items"])]
    supplied = e.groupby("supplier")["transfers"].sum()
    received = e.groupby("recipient")["transfers"].sum()

    def node(side: str, name: str, y: float, n: int) -> dict[str, Any]:
        lines = names[name]
        return {"side": side, "name": name, "lines": lines, "x": 0.0 if side == "supplier" else 1.0, "y": y,
                "name_y": y - len(lines) * line_px - 4, "figure_y": y + 5,
                "figure": f"{n} transfer{'s' if n != 1 else ''}",
                "about": f"{name}: {n} transfer{'s' if n != 1 else ''} {'supplied' if side == 'supplier' else 'received'}"}

    nodes = pd.DataFrame([node("supplier", n, y, int(supplied[n])) for n, y in sy.items()]
                         + [node("recipient", n, y, int(received[n])) for n, y in ry.items()])
    xs = alt.Scale(domain=[0, 1])
    ys = alt.Scale(domain=[height, 0])  # pixels from the top
    noaxis = dict(axis=None)
    lines = alt.Chart(e).mark_rule(opacity=0.55, strokeCap="round", color="#d95f02").encode(
        x=alt.X("x:Q", scale=xs, **noaxis), x2="x2:Q",
        y=alt.Y("y:Q", scale=ys, **noaxis), y2="y2:Q",
        strokeWidth=alt.StrokeWidth("transfers:Q", title="transfers",
                                    scale=alt.Scale(domain=[1, max(2, int(e["transfers"].max()))],
                                                    range=[2, 18]), legend=None),
        description="about:N")
    lines.name = "flow_edges"
    dots = alt.Chart(nodes).mark_circle(size=90, color="#333", opacity=1).encode(
        x=alt.X("x:Q", scale=xs, **noaxis), y=alt.Y("y:Q", scale=ys, **noaxis), description="about:N")
    dots.name = "flow_nodes"
    layers = [lines, dots]
    for side, align, dx in (("supplier", "right", -10), ("recipient", "left", 10)):
        column = nodes[nodes.side == side]
        names = alt.Chart(column).mark_text(align=align, baseline="top", dx=dx, fontSize=12, lineHeight=line_px).encode(
            x=alt.X("x:Q", scale=xs, **noaxis), y=alt.Y("name_y:Q", scale=ys, **noaxis), text="lines")
        names.name = f"flow_{side}s"
        figures = alt.Chart(column).mark_text(align=align, baseline="top", dx=dx, fontSize=11, fontWeight="bold",
                                              color="#555").encode(
            x=alt.X("x:Q", scale=xs, **noaxis), y=alt.Y("figure_y:Q", scale=ys, **noaxis), text="figure:N")
        figures.name = "flow_supplied" if side == "supplier" else "flow_received"
        layers += [names, figures]
    pad = 7 * NAME_WIDTH + 16  # the widest line of a name, at about 7 px a character
    chart = alt.layer(*layers).properties(
        width=300, height=height,
        title=alt.Title(f"Supplier → recipient: {int(e['transfers'].sum())} transfers in {len(e)} pairs",
                        subtitle="line width: number of transfers; under each name, its transfers", offset=16),
        description="Suppliers on the left, recipients on the right.",
        padding={"left": pad, "right": pad, "top": 10, "bottom": 10})
    return chart.configure_view(stroke=None).to_dict()


def lag_chart(data: ReportData) -> dict[str, Any] | None:
    """Days between the first public report of a flow and each sanction that answers it: one
    row per flow, named in full; sanctions of one flow that fall within a few days of each other
    are drawn one above the other, not on top of each other; the axis starts a little before
    day 0, so that a sanction on the day of the report stands off it. Colour and shape: the
    state (or organisation) that sanctions."""
    import altair as alt

    df = data.answers.dropna(subset=["days_after_first_report"]).copy()
    if df.empty:
        return None
    df = df.sort_values(["transfer_first_reported", "transfer_id", "days_after_first_report"], kind="stable")
    flows = list(dict.fromkeys(df["transfer_id"]))
    row = {t: i for i, t in enumerate(flows)}
    days = df["days_after_first_report"].astype(int)
    width, lane_px, line_px = 460, 11, 13
    gap = 14 * max(1, int(days.max())) / width  # a marker is about 10 px wide
    lane = pd.concat([lanes(d, d, gap) for _, d in days.groupby(df["transfer_id"])])
    # lanes 0, 1, 2, 3... drawn at 0, +1, -1, +2...: around the middle of the row, which its name faces
    offset = pd.Series([(n + 1) // 2 * (1 if n % 2 else -1) for n in lane[df.index]], index=df.index)
    reach = int(offset.abs().max())
    row_px = max(4 * line_px, lane_px * (2 * reach + 2))  # a name of three lines, and every lane
    points = pd.DataFrame({
        "y": df["transfer_id"].map(row) + offset * lane_px / row_px, "days": days,
        "sanctioner": df["sanctioner"].fillna(df["authority"]).map(text),
        "about": [f"{text(r.sanctioner) or text(r.authority)}: {text(r.title)} [{r.sanction_id}], {int(r.days_after_first_report)} "
                  f"days after {text(r.supplier)} → {text(r.recipient)}: {text(r.item)} was first reported "
                  f"({text(r.transfer_first_reported)})" for r in df.itertuples()],
    })
    first = df.drop_duplicates("transfer_id")
    names = pd.DataFrame({"lines": [wrapped(f"{r.supplier} → {r.recipient}: {text(r.item) or r.transfer_id}", 46)
                                    for r in first.itertuples()]})
    # The first line's middle placed so that the name's middle meets the row's.
    names["y"] = [i - (len(lines) - 1) * line_px / 2 / row_px for i, lines in enumerate(names["lines"])]
    rows = pd.DataFrame({"y": [i - 0.5 for i in range(1, len(flows), 2)], "y2": [i + 0.5 for i in range(1, len(flows), 2)]})
    ys = alt.Scale(domain=[len(flows) - 0.5, -0.5], nice=False, zero=False)
    x = alt.X("days:Q", title="days after the flow was first publicly reported",
              scale=alt.Scale(domain=[-round(gap * 2), round(int(days.max()) + gap * 2)], nice=False, zero=False))
    shade = alt.Chart(rows).mark_rect(color="#f1f1f1", aria=False).encode(  # every other row, so a name and its marks read as one
        y=alt.Y("y:Q", scale=ys, axis=None), y2="y2:Q", x=alt.value(0), x2=alt.value(width))
    shade.name = "lag_rows"
    labels = alt.Chart(names).mark_text(align="right", baseline="middle", dx=-10, fontSize=11, lineHeight=line_px).encode(
        y=alt.Y("y:Q", scale=ys, axis=None), x=alt.value(0), text="lines")
    labels.name = "lag_flows"
    marks = alt.Chart(points).mark_point(size=70, filled=True, opacity=0.9).encode(
        x=x, y=alt.Y("y:Q", scale=ys, axis=None),
        color=alt.Color("sanctioner:N", title="sanctioning state", legend=alt.Legend(labelLimit=0)),
        shape=alt.Shape("sanctioner:N"), description="about:N")
    marks.name = "sanction_lags"
    return alt.layer(shade, labels, marks).properties(
        width=width, height=row_px * len(flows),
        title=f"{len(points)} sanctions answering a flow, by days after its first public report").to_dict()


# --- page -----------------------------------------------------------------------------------
# What the page shows, as plain text and numbers, apart from its markup: `page_of` builds a
# `Page` from the query results, templates/report.html.j2 lays it out (and escapes every value).

def text(value: Any) -> str:
    """A cell as the page shows it: nothing for a missing value, a day for a timestamp."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    return str(value)


@dataclass(frozen=True)
class Link:
    text: str
    href: str | None  # only a web address (http, https) is linked: never javascript:, data:, file:


def link(url: Any, label: Any) -> Link:
    return Link(text(label), web_address(url))


@dataclass(frozen=True)
class Count:
    key: str
    label: str
    n: int


@dataclass(frozen=True)
class ContextDate:
    """A date of the timeline that begins before TIMELINE_FROM: listed apart from the chart."""
    record_id: str
    kind: str
    label: str
    date_edtf: str
    on_the_chart: bool  # it runs on past TIMELINE_FROM, where the chart draws the rest of it


@dataclass(frozen=True)
class PairRow:
    supplier: str
    recipient: str
    transfers: int
    denied: int  # of them, transfers some party denies


@dataclass(frozen=True)
class TransferRow:
    record_id: str
    supplier: str
    recipient: str
    item: str
    status: str
    period: str
    sources: str
    asserted_by: str
    denied_by: str


@dataclass(frozen=True)
class Denial:
    claim_id: str
    claimant: str
    evidence_type: str  # quote, paraphrase, list_row: a paraphrase is never set in quotation marks
    evidence: str
    quoted_already: bool  # a quote that carries its own marks gets none from the page
    source: Link
    publisher: str
    claimed: str | None  # the day the denial was made, when known


@dataclass(frozen=True)
class ContestedRecord:
    record_id: str
    heading: str
    record_type: str
    asserted_by: str
    denied_by: str
    denials: list[Denial]


@dataclass(frozen=True)
class AnsweringSanction:
    sanction_id: str
    announced: str
    sanctioner: str  # the state (or organisation) the authority counts under
    authority: str
    title: str
    status: str
    days_after_first_report: str
    designations: str


@dataclass(frozen=True)
class AnsweredFlow:
    transfer_id: str
    supplier: str
    recipient: str
    item: str
    first_reported: str
    sanctions: list[AnsweringSanction]


@dataclass(frozen=True)
class SanctionerRow:
    """One row of sanctions_by_state: a sanctioning state and the country it targets."""
    sanctioner: str
    sanctioner_type: str  # state, international_org, or unresolved (the authority stands for itself)
    target: str
    sanctions: int
    imposed: int
    designations: int
    authorities: str
    first: str
    last: str


@dataclass(frozen=True)
class SourceRow:
    source_id: str
    source: Link
    publisher: str
    source_type: str
    published: str
    claims: int


@dataclass(frozen=True)
class Page:
    """Everything the template reads. The charts are SVG drawn by Vega, which escapes the
    text it draws: they are the only markup the page takes in as it is."""
    title: str
    version: str
    counts: list[Count]
    stances: list[tuple[str, int]]
    timeline_svg: Markup
    timeline_from: str  # the year the chart's axis starts
    timeline_dates: int  # dates drawn
    timeline_types: list[Count]  # dates drawn per record type
    timeline_before: list[ContextDate]
    flows_svg: Markup
    pairs: int
    pair_rows: list[PairRow]
    transfers_total: int
    transfers: list[TransferRow]
    contested: list[ContestedRecord]
    lags_svg: Markup | None
    lags_undated: int  # answering sanctions without a day to count from, not drawn
    answered: list[AnsweredFlow]
    sanctioners: list[SanctionerRow]
    sources: list[SourceRow]
    licences: str
    # With --site: each record's and source's page in the site, relative to the report
    # (`site_index` its index); the page links a record id only when it is here.
    record_links: dict[str, str] = dataclasses.field(default_factory=dict)
    site_index: str | None = None


COUNTED = ("transfers", "events", "sanctions", "designations", "actors", "claims", "sources", "records")


def page_of(data: ReportData, charts: dict[str, str], site: str | None = None) -> Page:
    """`site`: the folder of a `flows site`, relative to the report, to link each record into."""
    pkg = data.package
    drawn, before = timeline_split(data.timeline)
    by_type = drawn["record_type"].value_counts()
    return Page(
        title=text(pkg.get("title") or "flows"),
        version=text(pkg.get("version") or ""),
        counts=[Count(key, key, data.counts.get(key, 0)) for key in COUNTED]
        + [Count("contested", "contested records", len(data.contested))],
        stances=[(text(stance), n) for stance, n in data.stances],
        timeline_svg=Markup(charts["timeline"]),
        timeline_from=TIMELINE_FROM[:4],
        timeline_dates=len(drawn),
        timeline_types=[Count(t, t, int(by_type.get(t, 0))) for t in TIMELINE_TYPES],
        timeline_before=[ContextDate(text(r.record_id), timeline_kind(r.record_type, r.date_field), text(r.label),
                                     text(r.date_edtf), r.Index in drawn.index) for r in before.itertuples()],
        flows_svg=Markup(charts["flows"]),
        pairs=len(data.edges),
        pair_rows=[PairRow(text(e.supplier), text(e.recipient), int(e.transfers), int(e.denied))
                   for e in data.edges.itertuples()],
        transfers_total=data.counts.get("transfers", 0),
        transfers=[TransferRow(text(t.transfer_id), text(t.supplier), text(t.recipient), text(t.item),
                               text(t.status), text(t.period), text(t.n_sources), text(t.asserted_by),
                               text(t.denied_by)) for t in data.transfers.itertuples()],
        contested=[_contested(c, data.denials[data.denials.record_id == c.record_id])
                   for c in data.contested.itertuples()],
        lags_svg=Markup(charts["lags"]) if "lags" in charts else None,
        lags_undated=int(data.answers["days_after_first_report"].isna().sum()),
        answered=[_answered(transfer_id, group)
                  for transfer_id, group in data.answers.groupby("transfer_id", sort=False)],
        sanctioners=[SanctionerRow(text(r.sanctioner), text(r.sanctioner_type),
                                   text(r.target) or text(r.target_country_code) or "not stated",
                                   int(r.n_sanctions), int(r.n_imposed), int(r.n_designations),
                                   text(r.authorities), text(r.first_dated), text(r.last_dated))
                     for r in data.by_state.itertuples()],
        sources=[SourceRow(text(s.source_id), link(s.url, s.title), text(s.publisher), text(s.source_type),
                           text(s.published), s.claims) for s in data.sources.itertuples()],
        licences="; ".join(lic.get("title", lic.get("name", "")) for lic in pkg.get("licenses", [])),
        record_links=_record_links(data, site) if site is not None else {},
        site_index=f"{site}index.html" if site is not None else None,
    )


def _record_links(data: ReportData, site: str) -> dict[str, str]:
    """The site page of every record and source the report names."""
    from flows.outputs.site import page_path

    ids = [*data.transfers.transfer_id, *data.contested.record_id, *data.answers.transfer_id, *data.timeline.record_id,
           *data.answers.sanction_id, *data.sources.source_id]
    return {i: site + page_path(i) for i in ids if isinstance(i, str)}


def site_prefix(site: Path, out: Path) -> str:
    """The site's folder as seen from the report's, as the start of a relative link."""
    return Path(os.path.relpath(site.resolve(), out.resolve().parent)).as_posix().rstrip("/") + "/"


def _contested(c: Any, denials: pd.DataFrame) -> ContestedRecord:
    return ContestedRecord(
        text(c.record_id), short(c.label, 200), text(c.record_type), text(c.asserted_by), text(c.denied_by),
        [Denial(text(d.claim_id), text(d.claimant), text(d.evidence_type), text(d.evidence_text), quoted_already(text(d.evidence_text)),
                link(d.url, d.source_title), text(d.publisher),
                d.claimed if isinstance(d.claimed, str) else None) for d in denials.itertuples()])


def _answered(transfer_id: str, group: pd.DataFrame) -> AnsweredFlow:
    first = group.iloc[0]
    return AnsweredFlow(
        text(transfer_id), text(first.supplier), text(first.recipient), text(first["item"]),
        text(first.transfer_first_reported),
        [AnsweringSanction(text(s.sanction_id), text(s.announced), text(s.sanctioner), text(s.authority), text(s.title),
                           text(s.status), text(s.days_after_first_report), text(s.n_designations))
         for s in group.itertuples()])


@cache
def _template() -> jinja2.Template:
    env = jinja2.Environment(loader=jinja2.PackageLoader("flows.outputs", "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                             keep_trailing_newline=True)
    env.filters.update(words=enum_words, edtf_words=edtf_words)
    return env.get_template("report.html.j2")


def render_html(data: ReportData, charts: dict[str, str], site: str | None = None) -> str:
    return _template().render(page=page_of(data, charts, site), mark=Markup(REPORT_MARK))


def write_report(con: duckdb.DuckDBPyConnection, out: Path, package: dict[str, Any] | None = None,
                 site: Path | None = None) -> ReportData:
    """Write the report to `out`; return the data it shows. OutputRefused when `out` is not a
    file or is a file that is not an earlier report. `site`: the folder of a `flows site` the
    report links each record into (by relative links, so both may move together)."""
    check_report_file(out)
    data = load(con, package)
    charts = {"timeline": _svg(timeline_chart(data), "timeline"),
              "flows": _svg(flow_chart(data), "flows")}
    lags = lag_chart(data)
    if lags is not None:
        charts["lags"] = _svg(lags, "lags")
    page = render_html(data, charts, site_prefix(site, out) if site is not None else None)
    try:
        write_replacing(out, lambda f: f.write(page))
    except OSError as e:
        raise OutputRefused(f"cannot write {out}: {e}") from None
    return data


def check_report_file(out: Path) -> None:
    """Refuse to write over anything but an earlier report (or an empty file)."""
    check_file_target(out, "a flows report", lambda line: REPORT_MARK in line)
