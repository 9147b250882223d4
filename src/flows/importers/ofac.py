"""OFAC's legacy CSV files, streamed: sdn.csv (one row per target), add.csv (addresses),
alt.csv (aliases) and, when present, sdn_comments.csv (remarks too long for sdn.csv).

The files have no header line; `-0-` (followed by a space) is the null marker; line ends are
CRLF and the last line holds a single 0x1A (Ctrl-Z) byte. A row is decoded as UTF-8 and, if
that fails, as Windows-1252 (the encoding of OFAC's older files); the archive keeps the
decoded text. Nothing is read twice into memory: every pass streams the files line by line.
A row that is not as OFAC writes it (read_rows) stops the read with a ListError.

Columns (https://ofac.treasury.gov/specially-designated-nationals-list-data-formats-data-schemas):
  sdn.csv  ent_num, SDN_Name, SDN_Type, Program, Title, Call_Sign, Vess_type, Tonnage, GRT,
           Vess_flag, Vess_owner, Remarks
  add.csv  ent_num, Add_num, Address, City/State/Province/Postal Code, Country, Add_remarks
  alt.csv  ent_num, alt_num, alt_type, alt_name, alt_remarks
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

from flows.importers.archive import archived_rows
from flows.importers.model import UNSAFE_CHARACTER, Entry, FileInfo, ListError, Row, Summary, Value, unsafe_character

FILES = ("sdn.csv", "add.csv", "alt.csv")
COMMENTS = "sdn_comments.csv"
NULL = "-0-"
EOF_BYTE = b"\x1a"
URLS = {f: f"https://www.treasury.gov/ofac/downloads/{f}" for f in (*FILES, COMMENTS)}
COLUMNS = {
    "sdn.csv": ("ent_num", "SDN_Name", "SDN_Type", "Program", "Title", "Call_Sign", "Vess_type",
                "Tonnage", "GRT", "Vess_flag", "Vess_owner", "Remarks"),
    "add.csv": ("ent_num", "Add_num", "Address", "City/State/Province/Postal Code", "Country",
                "Add_remarks"),
    "alt.csv": ("ent_num", "alt_num", "alt_type", "alt_name", "alt_remarks"),
    COMMENTS: ("ent_num", "Remarks_Extended"),
}
UNIQUE = {"sdn.csv": 0, "add.csv": 1, "alt.csv": 1}  # the column no two rows share
# OFAC cuts Remarks at 1,000 characters (the rest goes to sdn_comments.csv); rows are about
# 1,100 bytes at most. Far longer is not an official file, and stays under csv's field limit.
MAX_FIELD = 10_000
MAX_LINE = 64 * 1024

ALT_TYPES = {"aka": "alias", "fka": "former_name", "nka": "alias"}
ACTOR_TYPES = {"individual": "person", None: "company"}  # vessels and aircraft are not actors

# Remarks items that carry an identifying detail: (label, attribute, label kept). The label
# starts the item ("alt. " may precede it; a colon may follow it). When the label only names
# the attribute ("DOB", "Passport") the value is what follows it; when it says more (the
# document or register: "Cedula No.", "Diplomatic Passport", "Company Number") the value is the
# whole item, so that nothing the list says is lost. Longer labels are tried first.
REMARK_LABELS: tuple[tuple[str, str, bool], ...] = (
    ("DOB", "birth_date", False),
    ("POB", "place_of_birth", False),
    ("nationality", "nationality", False),
    ("citizen", "citizenship", False),
    ("Gender", "gender", False),
    ("Website", "website", False),
    ("Email Address", "email", False),
    ("Email", "email", False),
    ("Phone Number", "phone", False),
    ("Telephone No.", "phone", False),
    ("Telephone", "phone", False),
    ("Phone", "phone", False),
    ("PHONE", "phone", False),
    ("Organization Established Date", "established_date", False),
    ("Organization Type", "organization_type", False),
    ("Digital Currency Address -", "digital_currency_address", False),  # "XBT 12QtD5…": currency, address
    ("Legal Entity Number", "legal_entity_id", False),
    ("SWIFT/BIC", "swift_bic", False),
    ("Passport", "passport", False),
    ("Diplomatic Passport", "passport", True),
    ("Travel Document Number", "passport", True),
    ("National ID No.", "national_id", False),
    *((label, "national_id", True) for label in (
        "Cedula No.", "Identification Number", "Personal ID Card", "National Foreign ID Number",
        "Turkish Identification Number", "Numero de Identidad", "Kenyan ID No.", "Citizen's Card Number",
        "C.U.I.", "C.U.I.P.", "C.U.R.P.", "D.N.I.", "I.F.E.", "Credencial electoral", "Electoral Registry No.",
        "Cartilla de Servicio Militar Nacional",
        "Residency Number", "Birth Certificate Number", "SSN", "Driver's License No.")),
    ("Tax ID No.", "tax_id", False),
    *((label, "tax_id", True) for label in (
        "NIT #", "RUC #", "RIF #", "R.F.C.", "RFC", "C.U.I.T.", "RTN", "US FEIN", "V.A.T. Number",
        "Italian Fiscal Code")),
    ("Registration Number", "registration_number", False),
    *((label, "registration_number", True) for label in (
        "Registration ID", "Business Registration Number", "Business Registration Document #",
        "Company Number", "UK Company Number", "Commercial Registry Number", "Government Gazette Number",
        "C.R. No.", "Chamber of Commerce Number", "Dubai Chamber of Commerce Membership No.",
        "Istanbul Chamber of Comm. No.", "Trade License No.", "Folio Mercantil No.", "Matricula Mercantil No",
        "Central Registration System Number", "Economic Register Number", "Unified Social Credit Code",
        "United Social Credit Code Certificate", "Public Registration Number", "Business Number",
        "Enterprise Number", "Branch Unit Number", "Registered Charity No.", "Certificate of Incorporation Number",
        "D-U-N-S Number", "LE Number", "Permit Number", "File Number",
        "Identification Number IMO")),  # IMO's number of a ship's owner or manager, not a person's ID
)
_LABELLED = re.compile("(?P<label>" + "|".join(
    re.escape(label) for label, _, _ in sorted(REMARK_LABELS, key=lambda r: -len(r[0]))) + r")(?::\s*|\s+)(?P<value>.+)")
_BY_LABEL = {label: (attribute, kept) for label, attribute, kept in REMARK_LABELS}
_ALIAS = re.compile(r"([afn])\.k\.a\. '(.+)'")
_LINK = re.compile(r"Linked To: (.+)")
# The last remark ends with the field's full stop, which swallows the dot of a value ending in
# an abbreviation: that dot is kept after letters joined by dots (S.A, L.L.C, n.e.c) and, in a
# linked party's name ("Linked To: YUSONG SHIPPING CO."), after a single letter or one of the
# words OFAC writes with a dot in names.
_DOTTED = re.compile(r"(?:[^\W\d_]\.)+[^\W\d_]")
_DOTTED_WORDS = {"co", "corp", "inc", "ltd", "ltda"}


def decode(raw: bytes) -> tuple[str, str]:
    """A line's text and the encoding that read it (ascii, utf-8 or cp1252).

    Raises UnicodeDecodeError for bytes that are neither UTF-8 nor Windows-1252 (0x81, 0x8D,
    0x8F, 0x90, 0x9D): the archive keeps rows verbatim, so nothing is replaced."""
    if raw.isascii():
        return raw.decode("ascii"), "ascii"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("cp1252"), "cp1252"


def read_rows(path: Path, info: FileInfo | None = None) -> Iterator[tuple[Row, list[str | None]]]:
    """Each row of a legacy CSV file: the verbatim Row and its fields (null as None).

    One row is one line: no official file has a line break inside a field, so a quote left
    open is a stray quote, never a field going on. A file OFAC publishes (COLUMNS) must have
    its column count on every row, unique keys (UNIQUE), and end with the 0x1A line: a file
    cut short lacks it. Anything else raises ListError naming the file, line and column. When
    `info` is given it receives the file's size, sha256, encoding and row count."""
    columns = COLUMNS.get(path.name)
    unique = UNIQUE.get(path.name)
    seen = _NumberSet()
    digest = hashlib.sha256()
    size = rows = number = 0
    encodings: set[str] = set()
    ended = False
    name = path.name

    def refuse(field: str | None, message: str, code: str = "list_row") -> ListError:
        return ListError(f"{path}:{number}" if number else str(path), field, message, code)

    try:
        f = path.open("rb")
    except OSError as e:
        raise ListError(str(path), None, f"cannot be read: {e.strerror or e}", "list_unreadable") from None
    with f:
        while raw := f.readline(MAX_LINE + 1):
            number += 1
            digest.update(raw)
            size += len(raw)
            if len(raw) > MAX_LINE:
                raise refuse(None, f"a line longer than {MAX_LINE} bytes: not an OFAC legacy CSV file "
                                   "(its longest rows are about 1,100 bytes)", "list_structure")
            line = raw.rstrip(b"\r\n")
            if ended:
                if line.strip():
                    raise refuse(None, "a row after the 0x1A end-of-file line", "list_structure")
                continue
            if line.endswith(EOF_BYTE):
                line = line.rstrip(EOF_BYTE)
                ended = True
            try:
                text, encoding = decode(line)
            except UnicodeDecodeError as e:
                raise refuse(None, f"byte 0x{line[e.start]:02X} at column {e.start + 1} is neither UTF-8 "
                                   "nor Windows-1252 text", "list_encoding") from None
            if not text.strip():
                continue
            encodings.add(encoding)
            if text.count('"') % 2:
                raise refuse(None, "a quote that is never closed on its line (a stray quote would "
                                   "swallow the rows after it)")
            try:
                fields = next(csv.reader([text], strict=True))
            except csv.Error as e:
                raise refuse(None, f"not a CSV row: {e}") from None
            if columns is not None:
                _check_fields(text, fields, columns, refuse)
                if unique is not None:
                    key = fields[unique].strip()
                    if not key.isdigit():
                        raise refuse(columns[unique], f"{key!r} is not a number", "list_key")
                    if not seen.add(int(key)):
                        raise refuse(columns[unique], f"{key} again (an earlier row has it)", "list_key")
            rows += 1
            yield Row(name, number, text), [_null(v) for v in fields]
    if columns is not None and name != COMMENTS:
        if not ended:
            raise refuse(None, "does not end with OFAC's 0x1A end-of-file line: the file is cut short "
                               "(or not an OFAC legacy CSV file)", "list_structure")
        if rows == 0:
            raise ListError(str(path), None, "holds no rows", "list_structure")
    if info is not None:
        info.size, info.sha256, info.rows = size, digest.hexdigest(), rows
        info.terminator = ended
        info.encoding = ("cp1252" if "cp1252" in encodings else "utf-8" if "utf-8" in encodings
                         else "ascii")


class _NumberSet:
    """The keys seen so far, in one bit each: a whole list's ent_nums cost kilobytes, not the
    megabytes a set of ints would (the import's memory grows with the selection, not the list)."""

    BITMAP_LIMIT = 1 << 24  # keys below it go in the bitmap (2 MiB at most; real ent_nums are
    # under 100,000, 12 kB); larger ones, which only synthetic files have, in a set

    def __init__(self) -> None:
        self.bits = bytearray()
        self.large: set[int] = set()

    def add(self, key: int) -> bool:
        """Record a key; False when it was there already."""
        if key >= self.BITMAP_LIMIT:
            if key in self.large:
                return False
            self.large.add(key)
            return True
        byte, bit = divmod(key, 8)
        if byte >= len(self.bits):
            self.bits.extend(bytes(max(byte + 1 - len(self.bits), len(self.bits))))
        if self.bits[byte] >> bit & 1:
            return False
        self.bits[byte] |= 1 << bit
        return True


def _check_fields(text: str, fields: list[str], columns: tuple[str, ...], refuse) -> None:
    if len(fields) != len(columns):
        raise refuse(None, f"{len(fields)} fields where the file has {len(columns)} "
                           f"({', '.join(columns)})")
    # the whole line is checked first, each field only when the line fails (the usual case is fast)
    if len(text) > MAX_FIELD or UNSAFE_CHARACTER.search(text):
        for column, value in zip(columns, fields):
            if len(value) > MAX_FIELD:
                raise refuse(column, f"{len(value)} characters: no real field is longer than {MAX_FIELD}")
            if problem := unsafe_character(value):
                raise refuse(column, problem, "list_character")
    if not fields[0].strip().isdigit():
        raise refuse(columns[0], f"{fields[0]!r} is not a number", "list_key")


def _fields(text: str) -> list[str | None]:
    """A row's fields, split again (read_rows checked the row when it was read)."""
    return [_null(v) for v in next(csv.reader([text], strict=True))]


def _archived_fields(row: Row) -> list[str | None]:
    """An archived row's fields, checked as read_rows checks them in the file (a ListError
    names the row's locator)."""
    where = f"{row.file} line {row.line}"

    def refuse(field: str | None, message: str, code: str = "list_row") -> ListError:
        return ListError(where, field, message, code)

    columns = COLUMNS.get(row.file)
    if columns is None:
        raise refuse(None, f"{row.file!r} is not a file of the legacy SDN list ({', '.join(COLUMNS)})", "list_structure")
    if row.text.count('"') % 2:
        raise refuse(None, "a quote that is never closed on its line")
    try:
        fields = next(csv.reader([row.text], strict=True))
    except (csv.Error, StopIteration) as e:
        raise refuse(None, f"not a CSV row: {e or 'empty'}") from None
    _check_fields(row.text, fields, columns, refuse)
    return [_null(v) for v in fields]


def _null(value: str) -> str | None:
    value = value.strip()
    return None if value in (NULL, "") else value


def programs(field: str | None) -> list[str]:
    """`NPWMD] [IFSR] [IRAN-CON-ARMS-EO` -> [NPWMD, IFSR, IRAN-CON-ARMS-EO]."""
    if not field:
        return []
    return [p.strip(" []") for p in field.split("] [") if p.strip(" []")]


def remark_items(remarks: str | None) -> list[str]:
    """The `; `-separated items of a Remarks field. The field's final full stop is taken off the
    last item, unless the item ends in an abbreviation (_DOTTED)."""
    if not remarks:
        return []
    items = [item.strip() for item in remarks.strip().split("; ")]
    last = items[-1]
    if last.endswith(".") and not _ends_in_abbreviation(last[:-1], name=bool(_LINK.search(last))):
        items[-1] = last[:-1]
    return [item for item in items if item]


def _ends_in_abbreviation(text: str, name: bool) -> bool:
    word = text.rsplit(None, 1)[-1] if text.strip() else ""
    if _DOTTED.fullmatch(word):
        return True
    return name and ((len(word) == 1 and word.isalpha()) or word.casefold() in _DOTTED_WORDS)


def parse_remarks(remarks: str | None, row: Row) -> tuple[list[Value], list[Value], list[Value]]:
    """Aliases, attributes and linked parties named in the remarks."""
    aliases, attributes, links = [], [], []
    for item in remark_items(remarks):
        if value := remark_value(item, row):
            (aliases if value.kind in ("alias", "former_name") else links if value.kind == "linked_to"
             else attributes).append(value)
    return aliases, attributes, links


def remark_value(item: str, row: Row) -> Value | None:
    """The alias, linked party or attribute one remarks item gives; None for an item that
    gives none of them (a sanctions note, a title, a vessel's or aircraft's details)."""
    bare = item[5:] if item.startswith("alt. ") else item
    if m := _ALIAS.fullmatch(bare):
        return Value("former_name" if m.group(1) == "f" else "alias", m.group(2), row)
    if m := _LINK.fullmatch(bare):
        return Value("linked_to", m.group(1).strip(), row)
    if m := _LABELLED.fullmatch(bare):
        attribute, kept = _BY_LABEL[m.group("label")]
        return Value(attribute, bare if kept else m.group("value").strip(), row)
    return None


def _pad(fields: list[str | None], n: int) -> list[str | None]:
    return (fields + [None] * n)[:n]


class OfacRelease:
    """One release of the legacy CSV files in a folder."""

    list_key = "ofac-sdn"
    authority_id = "actor/us-treasury-ofac"
    ref_label = "ent_num"

    def __init__(self, folder: Path, complete: bool = False) -> None:
        """`complete`: add.csv and alt.csv must be there too (an import without them would
        drop the addresses and aliases of earlier imports); a comparison needs sdn.csv only."""
        self.folder = folder
        self.main_file = folder / "sdn.csv"
        if not (folder / "sdn.csv").is_file():
            raise FileNotFoundError(f"{folder}: no sdn.csv (the legacy SDN file)")
        self.present = [f for f in (*FILES, COMMENTS) if (folder / f).is_file()]
        missing = [f for f in FILES if f not in self.present]
        if complete and missing:
            raise FileNotFoundError(f"{folder}: no {' or '.join(missing)}: OFAC publishes sdn.csv, add.csv "
                                    "and alt.csv together, and an import without one would drop the "
                                    "addresses or aliases of earlier imports (--sdn-only to import "
                                    "sdn.csv alone all the same)")
        self.info: dict[str, FileInfo] = {}

    # -- cheap passes for selection --------------------------------------------------------
    def scan(self) -> Iterator[Summary]:
        for _row, f in read_rows(self.folder / "sdn.csv"):
            f = _pad(f, 12)
            if not f[0]:
                continue
            links = tuple(v.value for v in parse_remarks(f[11], _row)[2])
            yield Summary(f[0], f[1] or "", tuple(programs(f[3])), links)

    def scan_aliases(self) -> Iterator[tuple[str, str]]:
        if "alt.csv" in self.present:
            for _row, f in read_rows(self.folder / "alt.csv"):
                f = _pad(f, 5)
                if f[0] and f[3]:
                    yield f[0], f[3]

    # -- the full read of the selected entries ---------------------------------------------
    def entries(self, wanted: set[str] | None) -> Iterator[Entry]:
        """Entries whose ent_num is in `wanted` (every entry when None), in sdn.csv order.

        Each file is read once, whatever its order: the addresses, aliases and comments of the
        wanted entries are gathered first (their rows only: the fields are split again when
        joined, which costs less than keeping them), then joined to sdn.csv's rows on ent_num,
        so memory grows with the selection, not with the files."""
        extra: dict[str, list[Row]] = {}
        for name in ("add.csv", "alt.csv", COMMENTS):
            if name not in self.present:
                continue
            info = self.info[name] = FileInfo(name, 0, "", "")
            for row, f in read_rows(self.folder / name, info):
                ref = f[0] if f else None
                if ref and (wanted is None or ref in wanted):
                    extra.setdefault(ref, []).append(row)
        info = self.info["sdn.csv"] = FileInfo("sdn.csv", 0, "", "")
        for row, f in read_rows(self.folder / "sdn.csv", info):
            f = _pad(f, 12)
            if f[0] and (wanted is None or f[0] in wanted):
                yield self._entry(row, f, [(r.file, r, _fields(r.text)) for r in extra.pop(f[0], [])])
        self.orphans = sum(len(v) for v in extra.values())  # rows whose ent_num is not in sdn.csv

    @classmethod
    def archived_entries(cls, text: str) -> Iterator[Entry]:
        """The entries of an archived release (flows.importers.release), its rows checked as
        read_rows checks a file's: an archive lists sdn.csv's rows first, then add.csv's,
        alt.csv's and sdn_comments.csv's, each in line order, as `entries` joins them."""
        main: list[tuple[Row, list[str | None]]] = []
        extra: dict[str, list] = {}
        keys: dict[tuple[str, str], int] = {}  # (file, key) -> the line that has it
        for row in archived_rows(text):
            fields = _archived_fields(row)
            if (column := UNIQUE.get(row.file)) is not None:  # as read_rows refuses in a file
                key = (fields[column] or "").strip()
                if (row.file, key) in keys:
                    raise ListError(f"{row.file} line {row.line}", COLUMNS[row.file][column],
                                    f"{key} again (the row at line {keys[row.file, key]} has it)", "list_key")
                keys[row.file, key] = row.line
            if row.file == "sdn.csv":
                main.append((row, _pad(fields, 12)))
            else:
                extra.setdefault(fields[0], []).append((row.file, row, fields))
        for row, f in main:
            yield cls._entry(row, f, extra.pop(f[0], []))

    @staticmethod
    def _entry(row: Row, f: list[str | None], extra: list) -> Entry:
        ref, name, kind = f[0], f[1] or "", f[2]
        remarks = f[11]
        comment_rows = [r for n, r, _ in extra if n == COMMENTS]
        aliases, attributes, links = parse_remarks(remarks, row)
        for n, r, g in extra:
            if n == COMMENTS:  # the remarks go on in sdn_comments.csv
                a, b, c = parse_remarks(_pad(g, 2)[1], r)
                aliases += a
                attributes += b
                links += c
        entry = Entry(ref=ref, name=name, actor_type=ACTOR_TYPES.get(kind),
                      list_type=kind or "entity", programs=programs(f[3]), row=row,
                      position=f[4], extra_rows=comment_rows)
        for n, r, g in extra:
            if n == "alt.csv":
                g = _pad(g, 5)
                if g[3]:
                    entry.aliases.append(Value(ALT_TYPES.get((g[2] or "").lower(), "alias"), g[3], r))
            elif n == "add.csv":
                g = _pad(g, 6)
                parts = [p for p in g[2:5] if p]
                if parts:
                    value = ", ".join(parts)
                    if g[5]:
                        value += f" ({g[5]})"
                    entry.attributes.append(Value("address", value, r))
        entry.aliases = aliases + entry.aliases
        entry.attributes = attributes + entry.attributes
        entry.links = links
        return entry

    # -- what the archive and the source say -----------------------------------------------
    def describe(self) -> dict[str, str]:
        return {
            "title": "OFAC Specially Designated Nationals (SDN) list, legacy CSV files "
                     f"({', '.join(self.present)})",
            "publisher": "U.S. Department of the Treasury, Office of Foreign Assets Control (OFAC)",
            "url": URLS["sdn.csv"],
            "urls": " ; ".join(URLS[f] for f in self.present),
            "licence": "U.S. federal government work – public domain (17 U.S.C. §105)",
        }
