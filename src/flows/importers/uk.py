"""The UK lists: HM Treasury OFSI's Consolidated List (ConList, CSV or XLSX) and the FCDO's UK
Sanctions List (ODS or CSV, the short layout).

The layout is read from the header row (LAYOUTS); any other header is refused, naming the
first column that differs. An OFSI file may open with a `Last Updated,dd/mm/yyyy` line: the
release date. OFSI writes one row per name (and per date of birth, address and regime): rows
are grouped by Group ID into one entry, wherever they are in the file. The FCDO's short layout
has one row per designation, keyed by its Unique ID.

An entry's reference is its UK Sanctions List reference (`RUS1652`): the FCDO's Unique ID, or
OFSI's `(UK Sanctions List Ref):` in Other Information. OFSI files in the layout used until
2022 carry none: their entries are keyed by Group ID, and so is a group that lacks one.

Rows are read by flows.importers.sheets; each value keeps the row it was read from. Every entry
also keeps the header row (the archive holds it once): `archived_entries` reads the entries
again from an import's archived text, through the same steps as the file's rows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path

from flows.build.dates import day_first_date
from flows.build.list_rows import locator
from flows.importers import sheets
from flows.importers.archive import archived_rows
from flows.importers.model import UNSAFE_CHARACTER, Entry, FileInfo, ListError, Row, Summary, Value, unsafe_character
from flows.importers.sheets import SheetRow


@dataclass(frozen=True)
class Layout:
    name: str
    columns: tuple[str, ...]
    publisher: str  # "ofsi" or "fcdo"


_NAMES = ("Name 6", "Name 1", "Name 2", "Name 3", "Name 4", "Name 5", "Title")
_ADDRESS = ("Address 1", "Address 2", "Address 3", "Address 4", "Address 5", "Address 6", "Post/Zip Code",
            "Country")
OFSI_LEGACY = Layout("OFSI ConList (29 columns, until 2022)", (
    *_NAMES, "DOB", "Town of Birth", "Country of Birth", "Nationality", "Passport Details", "NI Number",
    "Position", *_ADDRESS, "Other Information", "Group Type", "Alias Type", "Regime", "Listed On",
    "Last Updated", "Group ID"), "ofsi")
OFSI_2022 = Layout("OFSI ConList (2022 format, 36 columns)", (
    *_NAMES, "Name Non-Latin Script", "Non-Latin Script Type", "Non-Latin Script Language", "DOB",
    "Town of Birth", "Country of Birth", "Nationality", "Passport Number", "Passport Details",
    "National Identification Number", "National Identification Details", "Position", *_ADDRESS,
    "Other Information", "Group Type", "Alias Type", "Alias Quality", "Regime", "Listed On",
    "UK Sanctions List Date Designated", "Last Updated", "Group ID"), "ofsi")
FCDO_SHORT = Layout("FCDO UK Sanctions List (short, 8 columns)", (
    "Unique ID", "OFSI Group ID", "Name", "Regime Name", "Type", "Designation source", "Date Designated",
    "Sanctions Imposed"), "fcdo")
LAYOUTS = (OFSI_2022, OFSI_LEGACY, FCDO_SHORT)

PREAMBLE = "Last Updated"
OFSI_PAGE = "https://www.gov.uk/government/publications/financial-sanctions-consolidated-list-of-targets"
OFSI_2022_URL = "https://ofsistorage.blob.core.windows.net/publishlive/2022format/ConList"  # .csv, .xlsx
FCDO_PAGE = "https://www.gov.uk/government/publications/the-uk-sanctions-list"
LICENCE = "Crown copyright; Open Government Licence v3.0"

ALIAS_KINDS = {"prime alias": "primary", "primary name": "primary", "primary name variation": "primary_variation",
               "aka": "alias", "fka": "former_name"}
ACTOR_TYPES = {"individual": "person", "entity": "company", "ship": None}

# Other Information of the 2022 format: `(Label):value` parts. Only these labels open a part;
# any other `(…):` is text of the part it is in.
LABELS = ("UK Sanctions List Ref", "UK Statement of Reasons", "UN Ref", "Gender", "Phone number",
          "Email address", "Fax", "Website", "Type of entity", "Business Reg No", "Parent company",
          "Subsidiaries", "IMO number", "Current owners", "Flag of ship", "Previous flags", "Type of ship",
          "Tonnage of ship", "Length of ship", "Year built")
_LABEL = re.compile(r"\((" + "|".join(map(re.escape, LABELS)) + r")\):")
LABEL_ATTRIBUTES = {"Gender": "gender", "Website": "website", "Business Reg No": "registration_number",
                    "Type of entity": "organization_type"}
# `(UK Sanctions List Ref):RUS1652.`, also `SDi.005.` and `INU0082 and SYR0310.` (one group, two
# designations); what follows the references is other information
_UK_REF = r"[A-Za-z]{2,4}\.?\d{2,6}"
_UK_REFS = re.compile(rf"\s*({_UK_REF}(?:\s*(?:,|and|&)\s*{_UK_REF})*)\b[.\s]*")
# A UN reference after "UN Ref" (QDi.004, IRe.055, KPI.067, QE.A.146.14, E.29.I.11, CDi. 038)
_UN_REF = re.compile(r"UN\s*Ref(?:\s*No)?[\s.:)]*([A-Za-z]{1,3}(?:\.(?:\s?\d+|[A-Za-z]+))+)", re.I)
_UN_REF_AT_START = re.compile(r"\s*([A-Za-z]{1,3}(?:\.(?:\s?\d+|[A-Za-z]+))+)")
_NUMBERED = re.compile(r"(?:^|(?<=\s))\(?(\d{1,2})\)\s*")  # "(1) a (2) b" or "1) a 2) b"
_EMBEDDING = re.compile("[\u202a\u202b][^\u202a-\u202e\u2066-\u2069]*\u202c")  # LRE/RLE ... PDF
_SPACE = re.compile(r"\s+")


def items(text: str) -> list[str]:
    """The items of a numbered list (`(1) German (2) Moroccan` → German, Moroccan; `-` is an
    empty item, kept so that lists can be paired), or the text alone."""
    if not text or text.isspace():
        return []
    marks = list(_NUMBERED.finditer(text))
    if len(marks) < 2 or marks[0].start() != 0 or \
            [int(m.group(1)) for m in marks] != list(range(1, len(marks) + 1)):
        return [_clean(text)] if _clean(text) else []
    ends = [m.start() for m in marks[1:]] + [len(text)]
    return [_clean(text[m.end():end]) for m, end in zip(marks, ends)]


def _clean(text: str) -> str:
    if not text:
        return text
    text = _SPACE.sub(" ", text).strip().rstrip(".,;").strip()
    return "" if text == "-" else text


def paired(first: str, second: str, form: str) -> list[str]:
    """Items of two numbered lists that go together (passport numbers and their details, towns
    and countries), each `form`atted; the second list's single item goes with each of the first's."""
    if not first and not second:
        return []
    a, b = items(first), items(second)
    if not a:
        return [x for x in b if x]
    if len(b) == len(a):
        pairs = list(zip(a, b))
    elif len(b) == 1:
        pairs = [(x, b[0]) for x in a]
    else:
        pairs = [(x, "") for x in a]
    return [form.format(x, y) if y else x for x, y in pairs if x]


def un_reference(text: str, at_start: bool = False) -> str | None:
    m = (_UN_REF_AT_START.match if at_start else _UN_REF.search)(text)
    return re.sub(r"\s", "", m.group(1)) if m else None


def labelled_parts(text: str) -> list[tuple[str, str]]:
    """(label, value) parts of a 2022-format Other Information; text before the first label has
    the label "Other Information"."""
    parts, start, label = [], 0, "Other Information"
    for m in _LABEL.finditer(text):
        parts.append((label, text[start:m.start()]))
        label, start = m.group(1), m.end()
    parts.append((label, text[start:]))
    return [(k, v.strip()) for k, v in parts if v.strip()]


def _snake(label: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")


@dataclass
class _Group:
    """What selection needs of an entry, gathered over its rows."""

    refs: dict[str, str] = field(default_factory=dict)  # UK reference -> where first seen
    name: str | None = None
    primary: str | None = None
    programs: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)


class UkRelease:
    """One UK list file: OFSI ConList (.csv, .xlsx) or the FCDO UK Sanctions List (.ods, .csv)."""

    authority_id = "actor/hm-government"

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no such file")
        self._start(path, archived=False)
        self._header()

    def _start(self, path: Path, archived: bool) -> None:
        self.path = self.main_file = path
        self.archived = archived  # read from an archived text: errors name rows by locator
        self.present = [path.name]
        self.info: dict[str, FileInfo] = {}
        self.layout: Layout | None = None
        self.header_row: Row | None = None
        self.last_updated: str | None = None
        self._groups: dict[str, _Group] | None = None  # by reference
        self._key_ref: dict[str, str] = {}  # Group ID (Unique ID) -> reference

    @classmethod
    def archived_entries(cls, text: str) -> Iterator[Entry]:
        """The entries an import archived, read again from its rows: the header row first (the
        layout), then the entries' rows, as `entries` reads the file's."""
        rows = archived_rows(text)
        first = next(rows, None)
        if first is None:
            return
        release = cls.__new__(cls)
        release._start(Path(first.file), archived=True)
        yield from release._entries(release._records(release._archived_cells(chain([first], rows), text)))

    # -- what the file is ------------------------------------------------------------------
    def _header(self) -> None:
        """Reads the rows up to the header: layout and Last Updated date."""
        for _ in self._records(self._file_cells(FileInfo(self.path.name, 0, "", ""))):
            break

    @property
    def list_key(self) -> str:
        """The FCDO's list and OFSI's are two lists. OFSI's files in the layout used until 2022
        are keyed by Group ID, not by UK reference: imported under a key of their own, so that
        neither kind of release reads as the delisting of the other's entries."""
        if self.layout is FCDO_SHORT:
            return "uk-sanctions-list"
        return "uk-ofsi-conlist" if self.layout is OFSI_2022 else "uk-ofsi-conlist-legacy"

    @property
    def ref_label(self) -> str:
        return {OFSI_2022: "UK Sanctions List Ref", OFSI_LEGACY: "Group ID", FCDO_SHORT: "Unique ID"}[self.layout]

    def released(self) -> str | None:
        """The Last Updated date of an OFSI file (ISO); None for a file that gives none."""
        return self.last_updated

    def describe(self) -> dict[str, str]:
        if self.layout.publisher == "fcdo":
            title, publisher, url = ("FCDO UK Sanctions List", "UK Foreign, Commonwealth & Development Office "
                                     "(FCDO)", FCDO_PAGE)
        else:
            title = "HM Treasury OFSI Consolidated List of Financial Sanctions Targets"
            publisher = "HM Treasury, Office of Financial Sanctions Implementation (OFSI)"
            suffix = self.path.suffix.lower()
            url = f"{OFSI_2022_URL}{suffix}" if self.layout is OFSI_2022 else OFSI_PAGE
        return {"title": f"{title} ({self.layout.name}, {self.path.name})", "publisher": publisher,
                "url": url, "urls": url, "licence": LICENCE}

    # -- rows -------------------------------------------------------------------------------
    @property
    def _csv(self) -> bool:
        return self.path.suffix.lower() == ".csv"

    def _where(self, row: Row) -> str:
        if self.archived:
            return locator(row.file, row.line)
        if isinstance(row, SheetRow):
            return f"{self.path}: sheet {row.sheet} row {row.line}"
        return f"{self.path}:{row.line}"

    def _file_cells(self, info: FileInfo) -> Iterator[tuple[Row, list[str]]]:
        """(verbatim row, cells) of every row of the file."""
        name = self.path.name
        for sheet, number, cells, text in sheets.rows(self.path, info):
            yield (Row(name, number, text) if sheet is None else SheetRow(name, number, text, sheet=sheet)), cells

    def _archived_cells(self, rows: Iterable[Row], text: str) -> Iterator[tuple[Row, list[str]]]:
        """(row, cells) of every archived row, each row as the file's reader gives it (a
        spreadsheet's, of the sheet the archive's header names)."""
        name = self.path.name
        sheet = None if self._csv else sheets.archived_sheet(text, name)
        if not self._csv and sheet is None:
            raise ListError(name, None, "the archive's FILES READ names no sheet for the file's rows")
        for row in rows:
            if row.file != name:
                raise ListError(self._where(row), None, f"rows of a second file (after {name}): a UK release is one file")
            try:
                cells = sheets.csv_cells(row.text) if self._csv else sheets.cells(row.text)
            except ValueError as e:
                raise ListError(self._where(row), None, str(e)) from None
            yield (row if sheet is None else SheetRow(name, row.line, row.text, sheet=sheet)), cells

    def _records(self, rows: Iterable[tuple[Row, list[str]]]) -> Iterator[tuple[Row, dict[str, str]]]:
        """(verbatim row, cells by column) of every data row; the layout, header row and release
        date on the way. Raises ListError for a header of no known layout, a row of more or (in
        a CSV) fewer cells than columns, and unsafe cells."""
        columns: tuple[str, ...] | None = None
        data_rows = 0
        for row, cells in rows:
            where = self._where(row)
            if columns is None:
                if cells[0].strip() == PREAMBLE and row.line == 1:
                    self.last_updated = self._date(cells[1] if len(cells) > 1 else "", where, PREAMBLE, full=True)
                    continue
                self.layout = _layout(cells, where)
                self.header_row = row
                columns = self.layout.columns
                continue
            if len(cells) > len(columns) and any(c.strip() for c in cells[len(columns):]):
                extra = next(i for i in range(len(columns), len(cells)) if cells[i].strip())
                raise ListError(where, f"column {extra + 1}", f"a value beyond the header's last column "
                                                              f"({columns[-1]}): {cells[extra][:60]!r}")
            if len(cells) < len(columns):
                if self._csv:
                    raise ListError(where, columns[len(cells)], f"the row ends after {len(cells)} of the header's "
                                                                f"{len(columns)} columns")
                cells = cells + [""] * (len(columns) - len(cells))  # a sheet row ends at its last non-empty cell
            record = dict(zip(columns, cells))
            if UNSAFE_CHARACTER.search(row.text):  # the row first, each cell only when it fails
                for column, value in record.items():
                    if (problem := unsafe_character(value)) and not _embedded_name(column, value):
                        raise ListError(where, column, problem)
            data_rows += 1
            yield row, record
        if columns is None:
            raise ListError(str(self.path), None, "holds no header row: not a UK list file")
        if not data_rows:
            raise ListError(str(self.path), None, "holds no rows under its header (a file cut short?)")

    def _date(self, value: str, where: str, column: str, full: bool = False) -> str:
        iso = day_first_date(value)
        if iso is None or (full and len(iso) != 10):
            raise ListError(where, column, f"{value!r} is not a date (dd/mm/yyyy, as the list writes it)")
        return iso

    def _key(self, record: dict[str, str]) -> str:
        if self.layout is FCDO_SHORT:
            return record["Unique ID"].strip()
        return record["Group ID"].strip()

    def _check_key(self, key: str, where: str) -> None:
        column = "Unique ID" if self.layout is FCDO_SHORT else "Group ID"
        if not key:
            raise ListError(where, column, "empty: every row of the list has one")
        if column == "Group ID" and not key.isdigit():
            raise ListError(where, column, f"{key!r} is not a number")

    def _uk_refs(self, record: dict[str, str], where: str) -> list[str]:
        """The row's UK references: the FCDO's Unique ID; OFSI's `(UK Sanctions List Ref):` (a
        group designated under two regimes has two)."""
        if self.layout is FCDO_SHORT:
            return [record["Unique ID"].strip()]
        if self.layout is OFSI_LEGACY:
            return []
        for label, value in labelled_parts(record["Other Information"]):
            if label == "UK Sanctions List Ref":
                m = _UK_REFS.match(value)
                if m is None:
                    raise ListError(where, "Other Information",
                                    f"(UK Sanctions List Ref):{value[:40]!r} is not a reference like RUS1652")
                return re.findall(_UK_REF, m.group(1))
        return []

    # -- the cheap pass for selection ---------------------------------------------------------
    def _index(self) -> dict[str, _Group]:
        """Every entry's reference, names and programmes, in one pass (kept: selection asks
        several times). Keyed by the reference."""
        if self._groups is not None:
            return self._groups
        groups: dict[str, _Group] = {}
        for row, record in self._records(self._file_cells(FileInfo(self.path.name, 0, "", ""))):
            where = self._where(row)
            key = self._key(record)
            self._check_key(key, where)
            if key in groups and self.layout is FCDO_SHORT:
                raise ListError(where, "Unique ID", f"{key} again")
            g = groups.setdefault(key, _Group())
            for ref in self._uk_refs(record, where):
                g.refs.setdefault(ref, where)
            name = self._name(record)
            if name:
                g.name = g.name or name
                if g.primary is None and self._alias_kind(record, where) == "primary":
                    g.primary = name
                g.names.append(name)
            if script := _native(record):
                g.names.append(script)
            for p in self._programs(record):
                if p not in g.programs:
                    g.programs.append(p)
        self._groups, self._key_ref = {}, {}
        owner: dict[str, str] = {}
        for key, g in groups.items():
            ref = self._key_ref[key] = self._ref(key, g.refs, owner)
            self._groups[ref] = g
        return self._groups

    def _ref(self, key: str, refs: dict[str, str], owner: dict[str, str]) -> str:
        """The entry's reference: its first UK reference, else its Group ID. A reference is
        one group's: refused when a second group has it."""
        for ref, where in refs.items():
            if owner.setdefault(ref, key) != key:
                raise ListError(where, "Other Information", f"{ref} is the reference of Group IDs {owner[ref]} and {key}")
        return next(iter(refs), key)

    def scan(self) -> Iterator[Summary]:
        for ref, g in self._index().items():
            yield Summary(ref, g.primary or g.name or "", tuple(g.programs), ())

    def scan_aliases(self) -> Iterator[tuple[str, str]]:
        for ref, g in self._index().items():
            for name in dict.fromkeys(g.names):
                yield ref, name

    # -- the full read ------------------------------------------------------------------------
    def entries(self, wanted: set[str] | None) -> Iterator[Entry]:
        """Entries whose reference is in `wanted` (every entry when None), in the order their
        first row comes in the file. Only the wanted entries' rows are kept in memory."""
        keep = None
        if wanted is not None:
            self._index()
            keep = {key for key, ref in self._key_ref.items() if ref in wanted}
        info = self.info[self.path.name] = FileInfo(self.path.name, 0, "", "")
        yield from self._entries(self._records(self._file_cells(info)), keep)

    def _entries(self, records: Iterable[tuple[Row, dict[str, str]]], keep: set[str] | None = None) -> Iterator[Entry]:
        """The entries of the data rows, one per Group ID (Unique ID) of `keep` (every one when
        None), in the order of their first rows."""
        grouped: dict[str, list[tuple[Row, dict[str, str]]]] = {}
        refs: dict[str, dict[str, str]] = {}
        for row, record in records:
            where = self._where(row)
            key = self._key(record)
            self._check_key(key, where)
            if keep is not None and key not in keep:
                continue
            if key in grouped and self.layout is FCDO_SHORT:
                raise ListError(where, "Unique ID", f"{key} again")
            grouped.setdefault(key, []).append((row, record))
            for ref in self._uk_refs(record, where):
                refs.setdefault(key, {}).setdefault(ref, where)
        owner: dict[str, str] = {}
        for key, rows in grouped.items():
            yield self._entry(self._ref(key, refs.get(key, {}), owner), key, rows)

    def _name(self, record: dict[str, str]) -> str:
        if self.layout is FCDO_SHORT:
            return _SPACE.sub(" ", record["Name"]).strip()
        parts = [record[c].strip() for c in ("Name 1", "Name 2", "Name 3", "Name 4", "Name 5", "Name 6")]
        return _SPACE.sub(" ", " ".join(p for p in parts if p)).strip()

    def _alias_kind(self, record: dict[str, str], where: str) -> str:
        if self.layout is FCDO_SHORT:
            return "primary"
        value = record["Alias Type"].strip()
        kind = ALIAS_KINDS.get(value.casefold())
        if kind is None:
            raise ListError(where, "Alias Type", f"{value!r}: not an alias type of the list "
                                                 "(Primary name, Primary name variation, Prime Alias, AKA, FKA)")
        return kind

    def _programs(self, record: dict[str, str]) -> list[str]:
        value = record["Regime Name" if self.layout is FCDO_SHORT else "Regime"].strip()
        return [value] if value else []

    def _entry(self, ref: str, key: str, rows: list[tuple[Row, dict[str, str]]]) -> Entry:
        fcdo = self.layout is FCDO_SHORT
        first_row, first = rows[0]
        type_column = "Type" if fcdo else "Group Type"
        kind = first[type_column].strip()
        if kind.casefold() not in ACTOR_TYPES:
            raise ListError(self._where(first_row), type_column,
                            f"{kind!r}: not a target type of the list (Individual, Entity, Ship)")
        names = [(row, record, self._name(record), self._alias_kind(record, self._where(row))) for row, record in rows]
        main = next((n for n in names if n[3] == "primary" and n[2]), next((n for n in names if n[2]), names[0]))
        entry = Entry(ref=ref, name=main[2], actor_type=ACTOR_TYPES[kind.casefold()], list_type=kind.casefold(),
                      programs=[], row=main[0], extra_rows=[self.header_row, *(r for r, _ in rows)])
        if not entry.name:
            entry.actor_type, entry.list_type = None, f"{kind.casefold()} without a name on the list"
        seen: set[tuple[str, str, str]] = set()

        def add(values: list[Value], what: str, value: str, row: Row) -> None:
            if value and (id(values), what, value) not in seen:
                seen.add((id(values), what, value))
                values.append(Value(what, value, row))

        listed: list[str] = []  # ISO dates
        positions: list[str] = []
        for row, record, name, alias_kind in names:
            where = self._where(row)
            add(entry.aliases, alias_kind, name, row)
            for p in self._programs(record):
                if p not in entry.programs:
                    entry.programs.append(p)
            if fcdo:
                listed.append(self._date(record["Date Designated"], where, "Date Designated", full=True))
                add(entry.details, "ofsi_group_id", record["OFSI Group ID"].strip(), row)
                add(entry.details, "designation_source", record["Designation source"].strip(), row)
                add(entry.details, "sanctions_imposed", record["Sanctions Imposed"].strip(), row)
                continue
            listed.append(self._date(record["Listed On"], where, "Listed On", full=True))
            add(entry.details, "ofsi_group_id", key, row)
            if script := _native(record):
                add(entry.aliases, "native_script", script, row)
            add(entry.details, "title", _clean(record["Title"]), row)
            if dob := record["DOB"].strip():
                add(entry.attributes, "birth_date", day_first_date(dob) or dob, row)
            for place in paired(record["Town of Birth"], record["Country of Birth"], "{}, {}"):
                add(entry.attributes, "place_of_birth", place, row)
            for nationality in items(record["Nationality"]):
                add(entry.attributes, "nationality", nationality, row)
            if self.layout is OFSI_2022:
                for number in paired(record["Passport Number"], record["Passport Details"], "{} ({})"):
                    add(entry.attributes, "passport", number, row)
                for number in paired(record["National Identification Number"],
                                     record["National Identification Details"], "{} ({})"):
                    add(entry.attributes, "national_id", number, row)
                designated = record["UK Sanctions List Date Designated"].strip()
                if designated:
                    add(entry.details, "uk_date_designated",
                        self._date(designated, where, "UK Sanctions List Date Designated"), row)
                self._other_information(entry, record["Other Information"], row, add)
            else:
                for number in items(record["Passport Details"]):
                    add(entry.attributes, "passport", number, row)
                for number in items(record["NI Number"]):
                    add(entry.attributes, "national_id", number, row)
                other = record["Other Information"].strip()
                add(entry.details, "other_information", other, row)
                if un := un_reference(other):
                    add(entry.details, "un_reference", un, row)
            address = ", ".join(v for v in (record[c].strip() for c in _ADDRESS) if v)
            add(entry.attributes, "address", address, row)
            if (position := _clean(record["Position"])) and position not in positions:
                positions.append(position)
        if listed:
            entry.listed = min(listed)
        entry.position = "; ".join(positions) or None
        return entry

    def _other_information(self, entry: Entry, text: str, row: Row, add) -> None:
        for label, value in labelled_parts(text):
            if label == "UK Sanctions List Ref":
                m = _UK_REFS.match(value)
                for ref in re.findall(_UK_REF, m.group(1)):
                    if ref != entry.ref:
                        add(entry.details, "uk_reference", ref, row)
                add(entry.details, "other_information", value[m.end():].strip(), row)
            elif label == "UN Ref":
                if un := un_reference(value, at_start=True):
                    add(entry.details, "un_reference", un, row)
                add(entry.details, "other_information", value, row)
            elif label in LABEL_ATTRIBUTES:
                values = items(value) if label == "Business Reg No" else [_clean(value)]
                for v in values:
                    add(entry.attributes, LABEL_ATTRIBUTES[label], v, row)
            else:
                add(entry.details, _snake(label), _clean(value), row)


def _layout(cells: list[str], where: str) -> Layout:
    """The layout whose columns the header row names, in order; else a ListError naming the
    first column that differs from the closest layout."""
    header = [c.strip() for c in cells]
    while header and not header[-1]:
        header.pop()

    def common(layout: Layout) -> int:
        n = 0
        while n < min(len(header), len(layout.columns)) and header[n] == layout.columns[n]:
            n += 1
        return n

    best = max(LAYOUTS, key=common)
    n = common(best)
    if n == len(header) == len(best.columns):
        return best
    known = "; ".join(layout.name for layout in LAYOUTS)
    if n == 0 and len(header) > 0 and not any(common(layout) for layout in LAYOUTS):
        raise ListError(where, header[0] or "column 1", f"the header starts with {header[0]!r}: not a layout "
                                                        f"this importer knows ({known})")
    if n < len(header) and n < len(best.columns):
        raise ListError(where, header[n], f"column {n + 1} is {header[n]!r} where the {best.name} layout has "
                                          f"{best.columns[n]!r}: an unknown layout (known: {known})")
    if n < len(header):
        raise ListError(where, header[n], f"an unexpected column {n + 1} {header[n]!r} after the last column "
                                          f"of the {best.name} layout: an unknown layout (known: {known})")
    raise ListError(where, best.columns[n], f"no column {best.columns[n]!r} (column {n + 1} of the {best.name} "
                                            f"layout): the header ends after {header[-1]!r}")


def _embedded_name(column: str, value: str) -> bool:
    """A non-Latin name whose only unsafe characters are balanced direction embeddings
    (U+202A or U+202B closed by U+202C): the 2025-04-14 ConList writes one Persian name so."""
    return column == "Name Non-Latin Script" and unsafe_character(_EMBEDDING.sub("", value)) is None


def _native(record: dict[str, str]) -> str:
    value = record.get("Name Non-Latin Script", "")
    return _SPACE.sub(" ", re.sub("[\u202a-\u202c]", "", value)).strip()
