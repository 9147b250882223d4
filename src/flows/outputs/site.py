"""A static site of the published release (`flows site OUT`): one page per record, per source,
an index with a search by name and alias, all opening offline (file://): relative links, one
stylesheet, one plain script and its JSON index, nothing loaded from anywhere else.

As in the report, the data are assembled apart from the markup: `load` reads the published
tables and views (`SiteData`), the `*_page` functions shape each page as plain text and links
(`Cell`, `Section`, ...), and the Jinja2 templates under `templates/site/` lay them out with
autoescape on. Every page states the release version and the build date.

A record `transfer/x` is at `transfer/x.html`, a source `source/y` at `source/y.html` (ids
are `type/slug` with a slug of [a-z0-9._-], which is a safe file name; any other id gets a
name made of its hash). Only http(s) addresses become links out of the site.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import jinja2
import pandas as pd

from flows.outputs.words import edtf_words, enum_words, quoted_already, web_address
from flows.publish.targets import OutputRefused, StagedFiles
from flows.schema.definition import RECORD_TABLES, TABLES, table_fields

# The file that marks a folder as a flows site: its first line is SITE_MARK, then the files the
# site wrote, one a line (a rebuild removes those it no longer writes).
MANIFEST = ".flows-site"
SITE_MARK = "written by flows site"
SAFE_ID = re.compile(r"^([a-z_]+)/([a-z0-9][a-z0-9._-]*)$")
TYPE_TITLES = {"actor": "Actors", "item": "Items", "transfer": "Transfers", "event": "Events",
               "sanction": "Sanctions", "designation": "Designations", "link": "Links",
               "source": "Sources"}
SECTION_ORDER = ("transfer", "actor", "item", "event", "sanction", "designation", "link", "source")


class SiteRefused(OutputRefused):
    """A site folder that must not be written: one line for the user."""


# --- values -----------------------------------------------------------------------------------

def text(value: Any) -> str:
    """A cell as a page shows it: nothing for a missing value, a day for a timestamp."""
    if value is None or (not isinstance(value, (str, list, tuple)) and pd.isna(value)):
        return ""
    if isinstance(value, (pd.Timestamp, dt.date)):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def page_path(page_id: str) -> str:
    """Where the page of a record or source lives, relative to the site's root."""
    m = SAFE_ID.match(page_id)
    if m and ".." not in m[2]:
        return f"{m[1]}/{m[2]}.html"
    kind = re.sub(r"[^a-z_]", "", page_id.split("/", 1)[0]) or "page"
    return f"{kind}/_{hashlib.sha256(page_id.encode('utf-8')).hexdigest()[:16]}.html"


@dataclass(frozen=True)
class Cell:
    """One value as shown: its words, where it links (a page of the site, relative to the site's
    root, or a web address), and the stored value beside the words when they differ (an EDTF
    date, an enum value)."""
    text: str
    page: str | None = None  # a page of the site
    url: str | None = None  # a web address
    code: str | None = None


def date_cell(value: Any) -> Cell:
    raw = text(value)
    words = edtf_words(raw)
    return Cell(words, code=raw if words != raw else None)


def enum_cell(value: Any) -> Cell:
    raw = text(value)
    return Cell(enum_words(raw), code=raw if enum_words(raw) != raw else None)


@dataclass(frozen=True)
class FieldRow:
    label: str
    value: Cell
    about: str  # the field's description in the schema


@dataclass(frozen=True)
class Claim:
    claim_id: str
    record: Cell
    field: str
    claimed_value: str
    claimant: Cell
    stance: Cell
    evidence_type: str  # quote, paraphrase, list_row
    evidence_label: str  # the evidence type in words
    evidence_text: str
    quoted_already: bool  # a quote that carries its own marks gets none from the page
    locator: str
    claimed: Cell
    source: Cell
    source_url: Cell
    publisher: str
    published: Cell


@dataclass(frozen=True)
class Section:
    """A table of the page: a heading, column names and rows of cells."""
    key: str
    heading: str
    columns: list[str]
    rows: list[list[Cell]]


@dataclass(frozen=True)
class SitePage:
    path: str  # relative to the site's root
    kind: str  # a record type, "source" or "index"
    page_id: str
    title: str
    fields: list[FieldRow] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    claims_heading: str = "Claims"

    @property
    def root(self) -> str:
        """The way back to the site's root from this page."""
        return "../" * self.path.count("/")


# --- data -------------------------------------------------------------------------------------

class Rows:
    """A table's rows (named tuples), read once, with an index per column looked up by: a page
    asks for the rows naming its record, hundreds of times over."""

    def __init__(self, df: pd.DataFrame) -> None:
        self.rows = list(df.itertuples(index=False))
        self.indexes: dict[str, dict[Any, list[Any]]] = {}

    def __iter__(self) -> Any:
        return iter(self.rows)

    def where(self, column: str, value: Any) -> list[Any]:
        if column not in self.indexes:
            index: dict[Any, list[Any]] = defaultdict(list)
            for r in self.rows:
                index[getattr(r, column)].append(r)
            self.indexes[column] = index
        return self.indexes[column].get(value, [])


@dataclass
class SiteData:
    package: dict[str, Any]
    tables: dict[str, Rows]  # every table, by name
    claims: Rows  # claim_details
    transfers: Rows  # transfers_by_party
    designations: Rows  # designations_by_authority
    labels: dict[str, str] = field(default_factory=dict)  # record or source id → its label

    @property
    def records(self) -> Rows:
        return self.tables["records"]


def load(con: duckdb.DuckDBPyConnection, package: dict[str, Any] | None = None) -> SiteData:
    def rows(sql: str) -> Rows:
        return Rows(con.execute(sql).df())

    data = SiteData(package or {}, {name: rows(f'SELECT * FROM "{name}"') for name in TABLES},
                    rows("SELECT * FROM claim_details ORDER BY record_id, public_from NULLS LAST, claim_id"),
                    rows("SELECT * FROM transfers_by_party"), rows("SELECT * FROM designations_by_authority"))
    data.labels = {**{r.record_id: text(r.label) for r in data.records},
                   **{s.source_id: text(s.title) for s in data.tables["sources"]}}
    for l in data.tables["links"]:  # a link reads by its ends: "JSC Alabuga produced by ..."
        data.labels[l.link_id] = (f"{data.labels.get(l.from_record_id, l.from_record_id)} "
                                  f"{enum_words(l.relation)} {data.labels.get(l.to_record_id, l.to_record_id)}")
    return data


def ref(data: SiteData, page_id: Any) -> Cell:
    """A link to the page of a record or source, by its label."""
    page_id = text(page_id)
    if not page_id:
        return Cell("")
    return Cell(data.labels.get(page_id) or page_id, page=page_path(page_id))


def _rows(rows: Rows, column: str, value: str) -> list[Any]:
    return rows.where(column, value)


def field_rows(data: SiteData, table_name: str, row: Any) -> list[FieldRow]:
    """A record's or source's fields in words: dates beside their EDTF value, enums as words,
    ids as links; the derived bounds of a date are left out (the EDTF value says them)."""
    table = TABLES[table_name]
    out = []
    for f in table_fields(table):
        name = f.name
        if f.derived and f.type == "date" or name in table.primary_key:
            continue
        value = getattr(row, name)
        if text(value) == "":
            continue
        if name in table.foreign_keys:
            cell = ref(data, value)
        elif f.type == "edtf":
            cell = date_cell(value)
        elif f.enum:
            cell = enum_cell(value)
        elif name == "url":
            cell = Cell(text(value), url=web_address(value))
        else:
            cell = Cell(text(value))
        label = enum_words(name.removesuffix("_id") if name.endswith("_id") else name)
        out.append(FieldRow(label, cell, f.description))
    return out


def claim_of(data: SiteData, c: Any) -> Claim:
    return Claim(
        claim_id=text(c.claim_id), record=ref(data, c.record_id), field=enum_words(text(c.field)),
        claimed_value=text(c.claimed_value), claimant=ref(data, c.claimant_id), stance=enum_cell(c.stance),
        evidence_type=text(c.evidence_type), evidence_label=enum_words(text(c.evidence_type)),
        evidence_text=text(c.evidence_text), quoted_already=quoted_already(text(c.evidence_text)),
        locator=text(c.locator), claimed=date_cell(c.claimed),
        source=ref(data, c.source_id), source_url=Cell(text(c.url), url=web_address(c.url)),
        publisher=text(c.publisher), published=date_cell(c.published))


def _link_sections(data: SiteData, record_id: str) -> list[Section]:
    links = data.tables["links"]
    out_rows = [[enum_cell(l.relation), ref(data, l.to_record_id), ref(data, l.link_id), Cell(text(l.description))]
                for l in _rows(links, "from_record_id", record_id)]
    in_rows = [[ref(data, l.from_record_id), enum_cell(l.relation), ref(data, l.link_id), Cell(text(l.description))]
               for l in _rows(links, "to_record_id", record_id)]
    return [Section("links-out", "Links out", ["relation", "to", "link", "description"], out_rows),
            Section("links-in", "Links in", ["from", "relation", "link", "description"], in_rows)]


def _named_in(data: SiteData, record_id: str, skip: set[tuple[str, str]]) -> Section:
    """Every record whose fields name this one (a transfer its item, a designation its
    sanction...), but those shown in a section of their own (`skip`: table, field)."""
    rows = []
    for table in RECORD_TABLES.values():
        if table.name == "links":
            continue
        for fk in table.foreign_keys:
            if (table.name, fk) in skip:
                continue
            for r in _rows(data.tables[table.name], fk, record_id):
                rows.append([Cell(enum_words(table.record_type)),
                             Cell(enum_words(fk.removesuffix("_id"))), ref(data, getattr(r, table.primary_key[0]))])
    return Section("named-in", "Named in other records", ["record", "as", "which"], rows)


def _transfer_rows(data: SiteData, df: list[Any], other: str) -> list[list[Cell]]:
    return [[ref(data, getattr(t, f"{other}_id")), ref(data, t.transfer_id), enum_cell(t.flow_type),
             enum_cell(t.status), date_cell(t.period)] for t in df]


def actor_sections(data: SiteData, actor_id: str) -> list[Section]:
    t = data.tables
    aliases = [[Cell(text(a.alias)), enum_cell(a.alias_type), Cell(text(a.language)), ref(data, a.source_id)]
               for a in _rows(t["actor_aliases"], "actor_id", actor_id)]
    attributes = [[enum_cell(a.attribute), Cell(text(a.value)), ref(data, a.source_id)]
                  for a in _rows(t["actor_attributes"], "actor_id", actor_id)]
    listed = [[ref(data, d.authority_id), Cell(text(d.list_reference)), Cell(text(d.program_tags)),
               date_cell(d.listed), ref(data, d.sanction_id), ref(data, d.designation_id)]
              for d in _rows(data.designations, "target_actor_id", actor_id)]
    events = [[ref(data, e.event_id), enum_cell(e.role)]
              for e in _rows(t["event_actors"], "actor_id", actor_id)]
    claims_made = [[ref(data, c.record_id), enum_cell(c.stance), Cell(enum_words(c.evidence_type)),
                    Cell(text(c.evidence_text)), ref(data, c.source_id)]
                   for c in _rows(data.claims, "claimant_id", actor_id)]
    return [
        Section("aliases", "Names", ["name", "kind", "language", "source"], aliases),
        Section("attributes", "Identifying details", ["detail", "value", "source"], attributes),
        Section("designations", "Designations on every list",
                ["listed by", "list reference", "programmes", "listed", "sanction", "designation"], listed),
        Section("supplied", "Flows supplied", ["to", "transfer", "flow", "status", "period"],
                _transfer_rows(data, _rows(data.transfers, "supplier_id", actor_id), "recipient")),
        Section("received", "Flows received", ["from", "transfer", "flow", "status", "period"],
                _transfer_rows(data, _rows(data.transfers, "recipient_id", actor_id), "supplier")),
        Section("events", "Part in events", ["event", "role"], events),
        Section("claims-made", "Claims made", ["about", "stance", "evidence", "text", "source"], claims_made),
    ]


def item_sections(data: SiteData, item_id: str) -> list[Section]:
    aliases = [[Cell(text(a.alias)), enum_cell(a.alias_type), Cell(text(a.language)), ref(data, a.source_id)]
               for a in _rows(data.tables["item_aliases"], "item_id", item_id)]
    flows = [[ref(data, t.supplier_id), ref(data, t.recipient_id), ref(data, t.transfer_id), enum_cell(t.status),
              date_cell(t.period)] for t in _rows(data.transfers, "item_id", item_id)]
    return [Section("aliases", "Other designations", ["name", "kind", "language", "source"], aliases),
            Section("item-flows", "Flows of this item", ["supplier", "recipient", "transfer", "status", "period"],
                    flows)]


def event_sections(data: SiteData, event_id: str) -> list[Section]:
    rows = [[ref(data, e.actor_id), enum_cell(e.role)]
            for e in _rows(data.tables["event_actors"], "event_id", event_id)]
    return [Section("event-actors", "Actors", ["actor", "role"], rows)]


def record_page(data: SiteData, record: Any, row: Any) -> SitePage:
    record_id, kind = text(record.record_id), text(record.record_type)
    title = data.labels.get(record_id) or record_id
    table = RECORD_TABLES[kind]
    sections: list[Section] = []
    skip: set[tuple[str, str]] = set()
    if kind == "actor":
        sections += actor_sections(data, record_id)
        skip = {("transfers", "supplier_id"), ("transfers", "recipient_id"), ("designations", "target_actor_id")}
    elif kind == "item":
        sections += item_sections(data, record_id)
        skip = {("transfers", "item_id")}
    elif kind == "event":
        sections += event_sections(data, record_id)
    sections += _link_sections(data, record_id)
    sections.append(_named_in(data, record_id, skip))
    claims = [claim_of(data, c) for c in _rows(data.claims, "record_id", record_id)]
    return SitePage(page_path(record_id), kind, record_id, title,
                    field_rows(data, table.name, row) if row is not None else [],
                    [s for s in sections if s.rows], claims)


def source_page(data: SiteData, source: Any) -> SitePage:
    claims = [claim_of(data, c) for c in _rows(data.claims, "source_id", source.source_id)]
    return SitePage(page_path(text(source.source_id)), "source", text(source.source_id),
                    text(source.title) or text(source.source_id), field_rows(data, "sources", source),
                    [], claims, claims_heading="Claims taken from this source")


@dataclass(frozen=True)
class IndexGroup:
    kind: str
    heading: str
    entries: list[Cell]


def search_entries(data: SiteData) -> list[dict[str, Any]]:
    """The search index: each record and source with its name, aliases, kind and page."""
    aliases: dict[str, list[str]] = defaultdict(list)
    for table, key in (("actor_aliases", "actor_id"), ("item_aliases", "item_id")):
        for row in data.tables[table]:
            owner, alias = getattr(row, key), row.alias
            if text(alias) and text(alias) not in aliases[owner]:
                aliases[owner].append(text(alias))
    entries = [{"name": data.labels.get(r.record_id) or text(r.record_id), "aliases": aliases.get(r.record_id, []),
                "kind": text(r.record_type), "id": text(r.record_id), "page": page_path(text(r.record_id))}
               for r in data.records]
    entries += [{"name": text(s.title), "aliases": [text(s.publisher)] if text(s.publisher) else [],
                 "kind": "source", "id": text(s.source_id), "page": page_path(text(s.source_id))}
                for s in data.tables["sources"]]
    return entries


def index_groups(data: SiteData) -> list[IndexGroup]:
    by_kind: dict[str, list[Cell]] = defaultdict(list)
    for r in sorted(data.records, key=lambda r: (r.record_type, data.labels.get(r.record_id, "").lower())):
        by_kind[text(r.record_type)].append(ref(data, r.record_id))
    for s in sorted(data.tables["sources"], key=lambda s: text(s.title).lower()):
        by_kind["source"].append(ref(data, s.source_id))
    return [IndexGroup(k, TYPE_TITLES.get(k, k), by_kind[k]) for k in SECTION_ORDER if by_kind.get(k)]


def pages_of(data: SiteData) -> list[SitePage]:
    rows: dict[str, Any] = {}
    for table in RECORD_TABLES.values():
        key = table.primary_key[0]
        rows.update({text(getattr(r, key)): r for r in data.tables[table.name]})
    pages = [record_page(data, r, rows.get(text(r.record_id))) for r in data.records]
    pages += [source_page(data, s) for s in data.tables["sources"]]
    return pages


# --- markup and files ---------------------------------------------------------------------------

@cache
def _env() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.PackageLoader("flows.outputs", "templates/site"), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                              keep_trailing_newline=True)


@dataclass(frozen=True)
class Release:
    title: str
    version: str
    built: str  # the build date, ISO


@dataclass
class SiteResult:
    pages: int
    files: list[str]
    bytes: int


def render_site(data: SiteData, built: dt.date) -> dict[str, bytes]:
    """Every file of the site, by its path relative to the site's root."""
    release = Release(text(data.package.get("title")) or "flows", text(data.package.get("version")),
                      built.isoformat())
    env = _env()
    record_template, index_template = env.get_template("page.html.j2"), env.get_template("index.html.j2")
    files: dict[str, bytes] = {}
    pages = pages_of(data)
    for p in pages:
        files[p.path] = record_template.render(page=p, release=release, kind_words=enum_words(p.kind)).encode()
    index = SitePage("index.html", "index", "index", release.title)
    entries = search_entries(data)
    files["index.html"] = index_template.render(page=index, release=release, groups=index_groups(data),
                                                pages=len(pages)).encode()
    index_json = json.dumps(entries, ensure_ascii=False, separators=(",", ":"))
    files["search-index.json"] = index_json.encode()
    # The same index as a script: a page opened from file:// may not fetch() a file beside it.
    files["search-index.js"] = f"window.FLOWS_SEARCH_INDEX = {index_json};\n".encode()
    for asset in ("site.css", "search.js"):
        files[asset] = (Path(__file__).parent / "templates" / "site" / asset).read_bytes()
    return files


def previous_files(out: Path) -> list[str] | None:
    """The files a previous site in `out` wrote, or None when `out` is not one."""
    manifest = out / MANIFEST
    if manifest.is_symlink() or not manifest.is_file():
        return None
    lines = manifest.read_text(encoding="utf-8", errors="replace").splitlines()
    return lines[1:] if lines and lines[0] == SITE_MARK else None


def check_site_folder(out: Path) -> list[str]:
    """Refuse a target that is a link, not a folder, or a non-empty folder that is not a
    previous site; the files of the previous site (none for a new or empty folder)."""
    if out.is_symlink():
        raise SiteRefused(f"{out}: is a link; give the site a real folder")
    if out.exists() and not out.is_dir():
        raise SiteRefused(f"{out}: exists and is not a folder")
    if not out.exists() or not any(out.iterdir()):
        return []
    previous = previous_files(out)
    if previous is None:
        raise SiteRefused(f"{out}: is not empty and holds no flows site; write the site to a new or empty folder")
    return previous


def _real_folder(out: Path, relative: str) -> None:
    """Refuse to write below a folder of the site that is a link (it would write elsewhere)."""
    folder = out
    for part in Path(relative).parts[:-1]:
        folder = folder / part
        if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
            raise SiteRefused(f"{folder}: is a link or not a folder; the site is never written through links")


def write_site(con: duckdb.DuckDBPyConnection, out: Path, package: dict[str, Any] | None = None,
               built: dt.date | None = None) -> SiteResult:
    """Write the site to `out`: every file staged beside its target and moved in once all are
    written; the files of a previous site that this one no longer has are removed."""
    previous = check_site_folder(out)
    files = render_site(load(con, package), built or dt.datetime.now(dt.timezone.utc).date())
    try:
        with StagedFiles() as staged:
            for relative, content in files.items():
                _real_folder(out, relative)
                staged.write(out / relative, content)
            staged.write(out / MANIFEST, "\n".join([SITE_MARK, *sorted(files)]).encode() + b"\n")
            staged.replace_all()
    except OSError as e:
        raise SiteRefused(f"cannot write {out}: {e}") from None
    for stale in sorted(set(previous) - set(files)):
        path = out / stale
        if SAFE_RELATIVE.match(stale) and path.is_file() and not path.is_symlink():
            path.unlink()
    return SiteResult(sum(1 for f in files if f.endswith(".html")), sorted(files),
                      sum(len(c) for c in files.values()))


SAFE_RELATIVE = re.compile(r"^(?:[a-z_]+/)?[A-Za-z0-9_][A-Za-z0-9._-]*$")
