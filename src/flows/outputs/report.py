"""A self-contained static HTML report (`flows report`): charts rendered to inline SVG by
Vega-Lite (altair specs, rendered by vl-convert without a browser), and tables, all read from
the published views of `data/processed/flows.duckdb`. The page loads nothing from anywhere:
no script, stylesheet, font or image outside the file.

Three steps: `load` queries the views (`ReportData`), `page_of` shapes what the page shows as
plain text and numbers (`Page`), and the Jinja2 template `templates/report.html.j2` lays it out
with autoescape on. A new section or field is a `Page` field and a block of the template.

The marks of each chart are named (`timeline_ranges`, `timeline_points`, `flow_edges`,
`flow_counts`, `flow_nodes`, `flow_suppliers`, `flow_recipients`, `sanction_lags`), so each item a chart draws is an element of
`<g class="... NAME_marks">` in the page, which a test can count against the data.
"""

from __future__ import annotations

import dataclasses
import os
import re
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
    """Days between the first public report of a flow and each sanction that answers it, by the
    state (or organisation) that sanctions: offices of one state share its colour."""
    import altair as alt

    df = data.answers.dropna(subset=["days_after_first_report"]).copy()
    if df.empty:
        return None
    labels = {r.transfer_id: short(f"{r.supplier} → {r.recipient}: {r.item or r.transfer_id}", 70)
              for r in df.itertuples()}
    df = pd.DataFrame({
        "flow": df["transfer_id"].map(labels), "transfer_id": df["transfer_id"],
        "days": df["days_after_first_report"].astype(int), "authority": df["authority"].map(lambda s: short(s, 40)),
        "sanctioner": df["sanctioner"].fillna(df["authority"]).map(lambda s: short(s, 40)),
        "sanction_id": df["sanction_id"],
    })
    chart = alt.Chart(df).mark_point(size=80, filled=True, opacity=0.8).encode(
        x=alt.X("days:Q", title="days after the flow was first publicly reported"),
        y=alt.Y("flow:N", title=None, axis=alt.Axis(labelLimit=420)),
        color=alt.Color("sanctioner:N", title="sanctioning state", legend=alt.Legend(labelLimit=260)),
        shape=alt.Shape("sanctioner:N", legend=None),
        tooltip=["sanction_id", "transfer_id", "authority", "days"])
    chart.name = "sanction_lags"
    return chart.properties(width=460, height=alt.Step(28), title=f"{len(df)} sanctions answering a flow, "
                            "by days after its first public report").to_dict()


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
    timeline_dates: int
    timeline_types: list[Count]  # dates drawn per record type
    flows_svg: Markup
    pairs: int
    transfers_total: int
    transfers: list[TransferRow]
    contested: list[ContestedRecord]
    lags_svg: Markup | None
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
    by_type = data.timeline["record_type"].value_counts()
    return Page(
        title=text(pkg.get("title") or "flows"),
        version=text(pkg.get("version") or ""),
        counts=[Count(key, key, data.counts.get(key, 0)) for key in COUNTED]
        + [Count("contested", "contested records", len(data.contested))],
        stances=[(text(stance), n) for stance, n in data.stances],
        timeline_svg=Markup(charts["timeline"]),
        timeline_dates=len(data.timeline),
        timeline_types=[Count(t, t, int(by_type.get(t, 0))) for t in TIMELINE_TYPES],
        flows_svg=Markup(charts["flows"]),
        pairs=len(data.edges),
        transfers_total=data.counts.get("transfers", 0),
        transfers=[TransferRow(text(t.transfer_id), text(t.supplier), text(t.recipient), text(t.item),
                               text(t.status), text(t.period), text(t.n_sources), text(t.asserted_by),
                               text(t.denied_by)) for t in data.transfers.itertuples()],
        contested=[_contested(c, data.denials[data.denials.record_id == c.record_id])
                   for c in data.contested.itertuples()],
        lags_svg=Markup(charts["lags"]) if "lags" in charts else None,
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

    ids = [*data.transfers.transfer_id, *data.contested.record_id, *data.answers.transfer_id,
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
