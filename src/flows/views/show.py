"""One record with its evidence: the fields of the record, the rows nested in it (aliases,
attributes, an event's actors), every claim about it with its source, and the links to and
from it. Read from the published database (`flows show RECORD_ID`)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

import duckdb

from flows.printable import visible
from flows.schema.definition import DENYING_STANCES, RECORD_TABLES, SUPPORTING_STANCES, TABLES

# Columns of the `record_evidence` view shown for each claim.
CLAIM_COLUMNS = ("claim_id", "claimant", "stance", "field", "claimed_value", "evidence_type",
                 "evidence_text", "locator", "claimed", "source_id", "source_title", "publisher",
                 "url", "published")


class ShowError(LookupError):
    """A record that cannot be shown: one line for the user."""


class AmbiguousRecord(ShowError):
    def __init__(self, wanted: str, matches: list["Match"]):
        self.wanted = wanted
        self.matches = matches
        shown = "; ".join(f"{visible(m.record_id)} ({visible(m.matched)})" for m in matches[:8])
        more = f"; and {len(matches) - 8} more" if len(matches) > 8 else ""
        super().__init__(f"{wanted!r} names {len(matches)} records: {shown}{more}; give one of these ids")


class RecordNotFound(ShowError):
    def __init__(self, record_id: str, suggestions: list[str]):
        self.record_id = record_id
        self.suggestions = suggestions
        hint = f" (did you mean: {', '.join(suggestions)}?)" if suggestions else ""
        super().__init__(f"no record {record_id!r} in the published package{hint}")


@dataclass(frozen=True)
class Match:
    """A record found by a name: its id, type and label, and the name or alias that matched."""
    record_id: str
    record_type: str
    label: str
    matched: str


@dataclass
class Link:
    link_id: str
    relation: str
    other_id: str
    other_label: str
    description: str | None


@dataclass
class RecordDetail:
    record_id: str
    record_type: str
    label: str
    curated_in: str
    fields: dict[str, Any]
    nested: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    claims: list[dict[str, Any]] = field(default_factory=list)
    links_from: list[Link] = field(default_factory=list)  # this record → other
    links_to: list[Link] = field(default_factory=list)  # other → this record


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    result = con.execute(sql, params)
    columns = [d[0] for d in result.description]
    return [dict(zip(columns, r)) for r in result.fetchall()]


def _names_sql() -> str:
    """Every name a record goes by, with its rank when several match: its label (0), the aliases
    of the nested alias tables (1: actor_aliases, item_aliases, any nested table with an `alias`
    column), its id (2)."""
    parts = ["SELECT record_id, label AS name, 0 AS rank FROM records",
             "SELECT record_id, record_id AS name, 2 AS rank FROM records"]
    for t in TABLES.values():
        if t.nested is not None and "alias" in t.fields:
            parts.append(f'SELECT "{t.nested.parent_field}" AS record_id, alias AS name, 1 AS rank FROM "{t.name}"')
    return " UNION ALL ".join(parts)


def find_records(con: duckdb.DuckDBPyConnection, text: str) -> list[Match]:
    """The records whose id, label or an alias contains `text`, compared case-insensitively:
    those with a name equal to it first, then by id. Each with the name that matched."""
    rows = con.execute(
        f"WITH names AS ({_names_sql()}) "
        "SELECT n.record_id, r.record_type, r.label, "
        "arg_min(n.name, (lower(n.name) <> lower($1), n.rank, n.name)) AS matched "
        "FROM names n JOIN records r USING (record_id) "
        "WHERE contains(lower(n.name), lower($1)) GROUP BY ALL "
        "ORDER BY bool_or(lower(n.name) = lower($1)) DESC, n.record_id", [text]).fetchall()
    return [Match(*row) for row in rows]


def resolve_record(con: duckdb.DuckDBPyConnection, wanted: str) -> str:
    """The id of the one record `wanted` names: an id, else a label or alias matching it whole
    (any case), else (for a text without "/", which would be a mistyped id) the only record whose
    label or alias contains it. AmbiguousRecord when it
    names several, RecordNotFound (with close ids) when none."""
    if con.execute("SELECT 1 FROM records WHERE record_id = ?", [wanted]).fetchone():
        return wanted
    matches = find_records(con, wanted)
    whole = [m for m in matches if m.matched.lower() == wanted.lower()]
    if "/" in wanted:  # an id is taken whole: a mistyped one is not read as part of another
        matches = whole
    for candidates in (whole, matches):
        if len(candidates) == 1:
            return candidates[0].record_id
        if candidates:
            raise AmbiguousRecord(wanted, candidates)
    ids = [r[0] for r in con.execute("SELECT record_id FROM records").fetchall()]
    raise RecordNotFound(wanted, difflib.get_close_matches(wanted, ids, n=3, cutoff=0.6))


def record_detail(con: duckdb.DuckDBPyConnection, record_id: str) -> RecordDetail:
    """Everything the package says about one record; RecordNotFound when there is no such id."""
    found = _rows(con, "SELECT record_type, label, curated_in FROM records WHERE record_id = ?",
                  [record_id])
    if not found:
        ids = [r[0] for r in con.execute("SELECT record_id FROM records").fetchall()]
        raise RecordNotFound(record_id, difflib.get_close_matches(record_id, ids, n=3, cutoff=0.6))
    rec = found[0]
    table = RECORD_TABLES.get(rec["record_type"])
    if table is None:
        raise ShowError(f"the published package is not as built: {record_id!r} has the unknown record "
                        f"type {rec['record_type']!r} (run `flows check`)")
    key = table.primary_key[0]
    rows = _rows(con, f'SELECT * FROM "{table.name}" WHERE "{key}" = ?', [record_id])
    if not rows:
        raise ShowError(f"the published package is not as built: records lists {record_id!r} but "
                        f"{table.name} has no such row (run `flows check`)")
    fields = rows[0]
    detail = RecordDetail(record_id, rec["record_type"], rec["label"], rec["curated_in"], fields)
    for child in TABLES.values():
        if child.nested is not None and child.nested.parent == table.name:
            rows = _rows(con, f'SELECT * FROM "{child.name}" WHERE "{child.nested.parent_field}" = ? '
                         f'ORDER BY {", ".join(child.primary_key)}', [record_id])
            if rows:
                detail.nested[child.name] = [
                    {k: v for k, v in r.items() if k != child.nested.parent_field} for r in rows]
    detail.claims = _rows(con, f"SELECT {', '.join(CLAIM_COLUMNS)} FROM record_evidence "
                          "WHERE record_id = ?", [record_id])
    for direction, mine, other in (("from", "from_record_id", "to_record_id"),
                                   ("to", "to_record_id", "from_record_id")):
        rows = _rows(con, f"SELECT l.link_id, l.relation, l.{other} AS other_id, r.label AS other_label, "
                     f"l.description FROM links l JOIN records r ON r.record_id = l.{other} "
                     f"WHERE l.{mine} = ? ORDER BY l.relation, l.{other}, l.link_id", [record_id])
        links = [Link(**r) for r in rows]
        if direction == "from":
            detail.links_from = links
        else:
            detail.links_to = links
    return detail


def _text(value: Any) -> str:
    """A value as the terminal shows it: control and bidi characters as escapes."""
    return "" if value is None else visible(str(value))


def render(detail: RecordDetail, console: Any) -> None:
    """Print a record for a terminal, with rich. Every value is a `Text`, never markup: a value
    like "[bold]x[/]" or ":skull:" is printed as it is written."""
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    def line(*parts: str | tuple[str, str]) -> Text:
        return Text.assemble(*parts)

    fields = Table.grid(padding=(0, 2))
    fields.add_column(style="bold cyan", no_wrap=True)
    fields.add_column(overflow="fold")
    for name, value in detail.fields.items():
        if value is not None:
            fields.add_row(Text(name), Text(_text(value)))
    fields.add_row(Text("curated_in"), Text(_text(detail.curated_in)))
    console.print(Panel(fields, title=line((_text(detail.record_id), "bold"), f" ({detail.record_type})"),
                        subtitle=Text(_text(detail.label)), title_align="left", subtitle_align="left"))

    for name, rows in detail.nested.items():
        t = Table(title=f"{name} ({len(rows)})", title_justify="left", show_lines=False)
        columns = list(rows[0])
        for c in columns:
            t.add_column(Text(c), overflow="fold")
        for r in rows:
            t.add_row(*(Text(_text(r[c])) for c in columns))
        console.print(t)

    console.print(line("\n", ("Evidence", "bold"),
                       f": {len(detail.claims)} claim{'s' if len(detail.claims) != 1 else ''}"))
    stance_style = {**dict.fromkeys(SUPPORTING_STANCES, "green"), **dict.fromkeys(DENYING_STANCES, "bold red")}
    for i, c in enumerate(detail.claims, 1):
        about = [" ", ("on", "dim"), f" {_text(c['field'])}"] if c["field"] else []
        value = [f" = {_text(c['claimed_value'])}"] if c["claimed_value"] else []
        when = [" ", (f"({_text(c['claimed'])})", "dim")] if c["claimed"] else []
        console.print(line(f"\n{i}. ", (_text(c["claimant"]), "bold"), " ",
                           (_text(c["stance"]), stance_style.get(c["stance"], "yellow")), *about, *value, *when))
        locator = f", {_text(c['locator'])}" if c["locator"] else ""
        console.print(line(f"   “{_text(c['evidence_text'])}” ",
                           (f"({_text(c['evidence_type'])}{locator})", "dim")))
        published = f", {_text(c['published'])}" if c["published"] else ""
        console.print(line("   ", ("source:", "dim"),
                           f" {_text(c['source_title'])} — {_text(c['publisher'])}{published}"))
        if c["url"]:
            console.print(line("   ", ("url:", "dim"), f" {_text(c['url'])}"))
        console.print(line("   ", (_text(c["claim_id"]), "dim")))

    for title, links, this_first in (("Links from this record", detail.links_from, True),
                                     ("Links to this record", detail.links_to, False)):
        if not links:
            continue
        console.print(line("\n", (title, "bold"), f" ({len(links)})"))
        for link in links:
            relation = (_text(link.relation), "magenta")
            other = _text(link.other_id)
            said = ["this record ", relation, f" {other}"] if this_first else [f"{other} ", relation, " this record"]
            console.print(line("  ", *said, f": {_text(link.other_label)} ", (f"({_text(link.link_id)})", "dim")))
