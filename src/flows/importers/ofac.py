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

# Remarks items that carry an identifying detail: (pattern, attribute). "alt. " may precede.
_REMARKS = [
    (re.compile(r"DOB (.+)"), "birth_date"),
    (re.compile(r"POB (.+)"), "place_of_birth"),
    (re.compile(r"nationality (.+)"), "nationality"),
    (re.compile(r"Gender (.+)"), "gender"),
    (re.compile(r"Passport (.+)"), "passport"),
    (re.compile(r"National ID No\. (.+)"), "national_id"),
    (re.compile(r"Tax ID No\. (.+)"), "tax_id"),
    (re.compile(r"Registration Number (.+)"), "registration_number"),
    (re.compile(r"Website (.+)"), "website"),
    (re.compile(r"Organization Established Date (.+)"), "established_date"),
    (re.compile(r"Organization Type: (.+)"), "organization_type"),
]
_ALIAS = re.compile(r"([afn])\.k\.a\. '(.+)'")
_LINK = re.compile(r"Linked To: (.+)")


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

    def refuse(field: str | None, message: str) -> ListError:
        return ListError(f"{path}:{number}" if number else str(path), field, message)

    try:
        f = path.open("rb")
    except OSError as e:
        raise ListError(str(path), None, f"cannot be read: {e.strerror or e}") from None
    with f:
        while raw := f.readline(MAX_LINE + 1):
            number += 1
            digest.update(raw)
            size += len(raw)
            if len(raw) > MAX_LINE:
                raise refuse(None, f"a line longer than {MAX_LINE} bytes: not an OFAC legacy CSV file "
                                   "(its longest rows are about 1,100 bytes)")
            line = raw.rstrip(b"\r\n")
            if ended:
                if line.strip():
                    raise refuse(None, "a row after the 0x1A end-of-file line")
                continue
            if line.endswith(EOF_BYTE):
                line = line.rstrip(EOF_BYTE)
                ended = True
            try:
                text, encoding = decode(line)
            except UnicodeDecodeError as e:
                raise refuse(None, f"byte 0x{line[e.start]:02X} at column {e.start + 1} is neither UTF-8 "
                                   "nor Windows-1252 text") from None
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
                        raise refuse(columns[unique], f"{key!r} is not a number")
                    if not seen.add(int(key)):
                        raise refuse(columns[unique], f"{key} again (an earlier row has it)")
            rows += 1
            yield Row(name, number, text), [_null(v) for v in fields]
    if columns is not None and name != COMMENTS:
        if not ended:
            raise refuse(None, "does not end with OFAC's 0x1A end-of-file line: the file is cut short "
                               "(or not an OFAC legacy CSV file)")
        if rows == 0:
            raise ListError(str(path), None, "holds no rows")
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
                raise refuse(column, problem)
    if not fields[0].strip().isdigit():
        raise refuse(columns[0], f"{fields[0]!r} is not a number")


def _null(value: str) -> str | None:
    value = value.strip()
    return None if value in (NULL, "") else value


def programs(field: str | None) -> list[str]:
    """`NPWMD] [IFSR] [IRAN-CON-ARMS-EO` -> [NPWMD, IFSR, IRAN-CON-ARMS-EO]."""
    if not field:
        return []
    return [p.strip(" []") for p in field.split("] [") if p.strip(" []")]


def remark_items(remarks: str | None) -> list[str]:
    """The `; `-separated items of a Remarks field, without the final full stop."""
    if not remarks:
        return []
    text = remarks.strip()
    if text.endswith("."):
        text = text[:-1]
    return [item.strip() for item in text.split("; ") if item.strip()]


def parse_remarks(remarks: str | None, row: Row) -> tuple[list[Value], list[Value], list[Value]]:
    """Aliases, attributes and linked parties named in the remarks."""
    aliases, attributes, links = [], [], []
    for item in remark_items(remarks):
        bare = item[5:] if item.startswith("alt. ") else item
        if m := _ALIAS.fullmatch(bare):
            aliases.append(Value("former_name" if m.group(1) == "f" else "alias", m.group(2), row))
        elif m := _LINK.fullmatch(bare):
            links.append(Value("linked_to", m.group(1).strip(), row))
        else:
            for pattern, attribute in _REMARKS:
                if m := pattern.fullmatch(bare):
                    attributes.append(Value(attribute, m.group(1).strip(), row))
                    break
    return aliases, attributes, links


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

        Addresses, aliases and comments are joined on ent_num; only the wanted ones are kept
        in memory, so memory grows with the selection, not with the files."""
        def keep(ref: str | None) -> bool:
            return bool(ref) and (wanted is None or ref in wanted)

        if wanted is None:
            try:
                yield from self._merged_entries()
                return
            except _Unsorted:
                pass  # files not in ent_num order: join in memory instead
        extra: dict[str, list[tuple[str, Row, list[str | None]]]] = {}
        for name in ("add.csv", "alt.csv", COMMENTS):
            if name not in self.present:
                continue
            info = self.info[name] = FileInfo(name, 0, "", "")
            for row, f in read_rows(self.folder / name, info):
                if keep(f[0] if f else None):
                    extra.setdefault(f[0], []).append((name, row, f))
        info = self.info["sdn.csv"] = FileInfo("sdn.csv", 0, "", "")
        for row, f in read_rows(self.folder / "sdn.csv", info):
            f = _pad(f, 12)
            if not keep(f[0]):
                continue
            yield self._entry(row, f, extra.pop(f[0], []))
        self.orphans = sum(len(v) for v in extra.values())  # rows whose ent_num is not in sdn.csv

    def _merged_entries(self) -> Iterator[Entry]:
        """Every entry, joining add/alt/comments rows by walking the files side by side: OFAC
        writes all of them in ascending ent_num order, so memory holds one entry at a time.
        Raises _Unsorted (before yielding anything out of order) when a file is not sorted."""
        sides = {n: _JoinedFile(self.folder / n, self.info.setdefault(n, FileInfo(n, 0, "", "")))
                 for n in ("add.csv", "alt.csv", COMMENTS) if n in self.present}
        info = self.info["sdn.csv"] = FileInfo("sdn.csv", 0, "", "")
        last = -1
        self.orphans = 0
        buffered: list[Entry] = []
        for row, f in read_rows(self.folder / "sdn.csv", info):
            f = _pad(f, 12)
            if not f[0]:
                continue
            ent = int(f[0]) if f[0].isdigit() else None
            if ent is None or ent <= last:
                raise _Unsorted()
            last = ent
            extra = []
            for name, side in sides.items():
                self.orphans += side.skip_below(ent)
                extra += [(name, r, g) for r, g in side.take(ent)]
            buffered.append(self._entry(row, f, extra))
            if len(buffered) > 1000:  # yield late enough that an unsorted file is found first
                yield from buffered[:-1000]
                del buffered[:-1000]
        for side in sides.values():
            self.orphans += side.skip_below(None)
        yield from buffered

    def _entry(self, row: Row, f: list[str | None], extra: list) -> Entry:
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


class _Unsorted(Exception):
    pass


class _JoinedFile:
    """A file joined to sdn.csv on ent_num, read in step (ascending ent_num)."""

    def __init__(self, path: Path, info: FileInfo) -> None:
        self.rows = read_rows(path, info)
        self.head: tuple[int, Row, list] | None = None
        self.last = -1
        self._advance()

    def _advance(self) -> None:
        for row, f in self.rows:
            if f and f[0] and f[0].isdigit():
                ent = int(f[0])
                if ent < self.last:
                    raise _Unsorted()
                self.last = ent
                self.head = (ent, row, f)
                return
        self.head = None

    def skip_below(self, ent: int | None) -> int:
        n = 0
        while self.head is not None and (ent is None or self.head[0] < ent):
            n += 1
            self._advance()
        return n

    def take(self, ent: int) -> list[tuple[Row, list]]:
        out = []
        while self.head is not None and self.head[0] == ent:
            out.append((self.head[1], self.head[2]))
            self._advance()
        return out
