"""The UN Security Council consolidated list (XML), streamed.

The file is read in chunks by expat, which reports the byte offset of every tag: each
INDIVIDUAL or ENTITY element is cut out of the file verbatim (the evidence of its values and
the text archived for `flows check`) and parsed on its own, so memory holds one element at a
time. Schema: https://scsanctions.un.org/resources/xml/en/consolidated.xml (root
CONSOLIDATED_LIST, attribute dateGenerated; INDIVIDUALS/INDIVIDUAL, ENTITIES/ENTITY).

Every byte is checked before the parser sees it: the file must be UTF-8 text without control
characters (they can hide text). A damaged copy is refused at its first bad byte, unless the
curator asks for each bad byte to be replaced with U+FFFD (`replace_invalid_characters`): the
positions replaced are then listed in the archive header with the file's encoding.
"""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import NamedTuple
from xml.parsers import expat

from flows.build.list_rows import locator
from flows.importers.archive import archived_rows
from flows.importers.model import Entry, FileInfo, ListError, Row, Summary, Value, unsafe_character

REPLACE_FLAG = "--replace-invalid-characters"  # the import's option that sets replace_invalid_characters

URL = "https://scsanctions.un.org/resources/xml/en/consolidated.xml"
TARGETS = {"INDIVIDUAL": "person", "ENTITY": "company"}
PASSPORT_WORDS = ("passport", "passeport", "pasaporte")  # TYPE_OF_DOCUMENT in English, French, Spanish
CHUNK = 1 << 20
MAX_ELEMENT = 1 << 20  # bytes of one INDIVIDUAL or ENTITY; real ones are under 10 kB
_TOO_LONG = f"an element longer than {MAX_ELEMENT} bytes (the longest real one is about 10 kB)"
_UNPARSED = 1 << 16  # bytes kept after the last element read: a start tag cut by a chunk's end
ROOT = "CONSOLIDATED_LIST"
# dateGenerated as the UN writes it (2026-02-27T00:00:09.554Z); only its date is used, in file names
_GENERATED = re.compile(r"(\d{4}-\d{2}-\d{2})(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?")
# An xs:date, as LISTED_ON and DATE are typed: a day, with an optional time zone (2015-03-27-04:00)
_XS_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(Z|[+-]\d{2}:\d{2})?")
_SPACE = re.compile(r"\s+")
_OPENING = re.compile(r"<([^\s/>]+)")  # the name of an element's start tag


def _text(el: ET.Element | None) -> str | None:
    if el is None or el.text is None:
        return None
    text = _SPACE.sub(" ", el.text).strip()
    return text or None


def _parser(path: Path) -> expat.XMLParserType:
    """An expat parser that refuses what the UN list never has: a DOCTYPE (whose entity
    definitions allow billion-laughs expansion and external entities), CDATA sections (text
    that can hide markup) and any encoding but UTF-8. Without a DOCTYPE, expat itself
    refuses every undefined entity."""
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def doctype(*_: object) -> None:
        raise ListError(f"{path}:{parser.CurrentLineNumber}", None,
                        "a DOCTYPE declaration: the UN list has none, and the entities it could define are refused",
                        "list_structure")

    def declaration(_version: str, encoding: str | None, _standalone: int) -> None:
        if encoding and encoding.lower() not in ("utf-8", "utf8"):
            raise ListError(f"{path}:{parser.CurrentLineNumber}", None,
                            f"encoding {encoding!r}: the UN list is UTF-8", "list_encoding")

    def cdata() -> None:
        raise ListError(f"{path}:{parser.CurrentLineNumber}", None,
                        "a CDATA section: the UN list has none (its text is escaped)", "list_structure")

    parser.StartDoctypeDeclHandler = doctype
    parser.StartCdataSectionHandler = cdata
    parser.XmlDeclHandler = declaration
    return parser


def _parse(parser: expat.XMLParserType, path: Path, data: bytes, final: bool) -> None:
    try:
        parser.Parse(data, final)
    except expat.ExpatError as e:
        raise ListError(f"{path}:{e.lineno}", None,
                        f"malformed XML: {expat.ErrorString(e.code)} (column {e.offset + 1})",
                        "list_structure") from None


def _root(path: Path, parser: expat.XMLParserType, tag: str) -> None:
    if tag != ROOT:
        raise ListError(f"{path}:{parser.CurrentLineNumber}", None,
                        f"root element <{tag}>: not a UN consolidated list (<{ROOT}>)", "list_structure")


def _open(path: Path):
    try:
        return path.open("rb")
    except OSError as e:
        raise ListError(str(path), None, f"cannot be read: {e.strerror or e}", "list_unreadable") from None


# The control characters XML forbids (C0, but tab and line ends): the parser cannot read them,
# and they can hide text. (C1 controls and bidirectional overrides are XML, refused later with
# the field that holds them: UnRelease.targets.)
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_REPLACEMENT = "\ufffd".encode("utf-8")


class _CheckedBytes:
    """The file's bytes on their way to the parser: UTF-8 text without the control characters
    XML forbids. The
    first bad byte refuses the file (ListError at its line and column), unless `replace`: every
    bad byte (or invalid UTF-8 sequence) is then replaced with U+FFFD and its position recorded.
    No line end is ever replaced, so the parser's line numbers are the file's."""

    def __init__(self, path: Path, replace: bool) -> None:
        self.path, self.replace = path, replace
        self.pending = b""  # an incomplete UTF-8 sequence at the end of the last chunk
        self.offset = 0  # file offset of the next byte checked
        self.line = 1  # its line
        self.line_start = 0  # file offset where that line starts
        self.replaced: list[tuple[int, int, bytes]] = []  # line, byte column, the bytes replaced

    def feed(self, chunk: bytes, final: bool) -> bytes:
        data = self.pending + chunk
        cut = len(data) if final else _complete(data)
        seg, self.pending = data[:cut], data[cut:]
        out = seg if _clean(seg) else self._fix(seg)
        if (lines := seg.count(b"\n")):
            self.line += lines
            self.line_start = self.offset + seg.rindex(b"\n") + 1
        self.offset += len(seg)
        return out

    def _where(self, seg: bytes, at: int) -> tuple[int, int]:
        """The line and byte column (1-based) of seg[at]."""
        before = seg.rfind(b"\n", 0, at)
        line_start = self.line_start if before < 0 else self.offset + before + 1
        return self.line + seg.count(b"\n", 0, at), self.offset + at - line_start + 1

    def _fix(self, seg: bytes) -> bytes:
        out, last = [], 0
        for start, stop in _bad_spans(seg):
            line, column = self._where(seg, start)
            if not self.replace:
                raise self._refusal(seg[start:stop], line, column)
            self.replaced.append((line, column, seg[start:stop]))
            out += [seg[last:start], _REPLACEMENT]
            last = stop
        out.append(seg[last:])
        return b"".join(out)

    def _refusal(self, bad: bytes, line: int, column: int) -> ListError:
        if _CONTROL.fullmatch(bad):
            what = f"control character U+{bad[0]:04X} at column {column}: XML forbids it, and it can hide text"
            code = "list_character"
        else:
            what = f"byte 0x{bad[0]:02X} at column {column} is not UTF-8 text (the file declares UTF-8)"
            code = "list_encoding"
        return ListError(f"{self.path}:{line}", None,
                         f"{what}: the file is refused. A copy known to be damaged can be imported with "
                         f"{REPLACE_FLAG}: each such byte is then replaced with U+FFFD, its line and column "
                         "listed in the archive", code)

    def describe(self) -> str:
        """The encoding as the archive header gives it: with the positions replaced, if any."""
        if not self.replaced:
            return "utf-8"
        where = ", ".join(f"{line}:{column} 0x{bad.hex().upper()}" for line, column, bad in self.replaced)
        return (f"utf-8, damaged: {len(self.replaced)} bytes or sequences that are not UTF-8 text or are "
                f"control characters replaced with U+FFFD by the importer ({REPLACE_FLAG}), at "
                f"line:column (byte) {where}")


def _complete(data: bytes) -> int:
    """Where a UTF-8 sequence left incomplete at the end of data begins (len(data) if none)."""
    for back in range(1, min(4, len(data)) + 1):
        byte = data[-back]
        if byte & 0xC0 != 0x80:  # a lead byte (or ASCII)
            need = 2 if byte >= 0xC0 else 1
            need = 3 if byte >= 0xE0 else need
            need = 4 if byte >= 0xF0 else need
            return len(data) - back if back < need else len(data)
    return len(data)


def _clean(seg: bytes) -> bool:
    try:
        seg.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return _CONTROL.search(seg) is None


def _bad_spans(seg: bytes) -> list[tuple[int, int]]:
    """(start, stop) of every invalid UTF-8 sequence and every control character, in order."""
    spans = [m.span() for m in _CONTROL.finditer(seg)]
    view, at = memoryview(seg), 0
    while at < len(seg):
        try:  # the decoder stops at the next invalid sequence: one pass over seg in all
            codecs.utf_8_decode(view[at:], "strict", True)
            break
        except UnicodeDecodeError as e:
            spans.append((at + e.start, at + e.end))
            at += e.end
    spans.sort()
    return [s for i, s in enumerate(spans) if i == 0 or s[0] >= spans[i - 1][1]]


def elements(path: Path, info: FileInfo | None = None, root_attrs: dict | None = None,
             replace_invalid_characters: bool = False) -> Iterator[tuple[str, int, str]]:
    """(tag, first line, text) of every INDIVIDUAL and ENTITY element, in file order: verbatim,
    but for the bytes replaced when `replace_invalid_characters` (_CheckedBytes).

    The element's end is where expat saw its end tag, so an end tag inside a comment or a
    CDATA section cannot cut it short. Raises ListError for anything not well formed."""
    parser = _parser(path)
    checked = _CheckedBytes(path, replace_invalid_characters)
    done: list[tuple[str, int, int, int]] = []  # tag, line, start, end offsets
    open_: list[tuple[str, int, int]] = []
    depth = [0]

    def start(tag: str, attrs: dict) -> None:
        depth[0] += 1
        if depth[0] == 1:
            _root(path, parser, tag)
            if root_attrs is not None:
                root_attrs.update(attrs)
        if depth[0] == 3 and tag in TARGETS:
            open_.append((tag, parser.CurrentLineNumber, parser.CurrentByteIndex))

    def end(tag: str) -> None:
        if depth[0] == 3 and open_ and open_[-1][0] == tag:
            t, line, s = open_.pop()
            done.append((t, line, s, parser.CurrentByteIndex))  # where its end tag starts
        depth[0] -= 1

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    buf = bytearray()
    buf_start = 0  # offset of buf[0] in the checked bytes (the file's, but for replacements)
    digest = hashlib.sha256()
    size = 0
    with _open(path) as f:
        while True:
            raw = f.read(CHUNK)
            digest.update(raw)
            size += len(raw)
            chunk = checked.feed(raw, not raw)
            buf += chunk
            _parse(parser, path, chunk, not raw)
            for tag, line, s, e in done:
                if s < buf_start:  # its start tag began before the bytes kept (_UNPARSED)
                    raise ListError(f"{path}:{line}", tag, f"a start tag longer than {_UNPARSED} bytes",
                                    "list_structure")
                e = buf.index(b">", e - buf_start) + 1
                if e - (s - buf_start) > MAX_ELEMENT:
                    raise ListError(f"{path}:{line}", tag, _TOO_LONG, "list_structure")
                try:
                    text = bytes(buf[s - buf_start:e]).decode("utf-8")
                except UnicodeDecodeError:
                    raise ListError(f"{path}:{line}", tag, "not UTF-8 text", "list_encoding") from None
                yield tag, line, text
            done.clear()
            if open_ and buf_start + len(buf) - open_[0][2] > MAX_ELEMENT:
                raise ListError(f"{path}:{open_[0][1]}", open_[0][0], _TOO_LONG, "list_structure")
            # expat may hold the first bytes of a start tag it has not reported yet: they stay
            keep_from = open_[0][2] if open_ else max(buf_start, buf_start + len(buf) - _UNPARSED)
            if keep_from > buf_start:
                del buf[: keep_from - buf_start]
                buf_start = keep_from
            if not raw:
                break
    if info is not None:
        info.size, info.sha256, info.encoding = size, digest.hexdigest(), checked.describe()
        info.replaced = list(checked.replaced)


def _blocks(raw: str, tag: str) -> list[str]:
    """The verbatim child blocks <tag>...</tag> (or <tag/>) of an element, in order."""
    return re.findall(rf"<{tag}(?:\s*/>|>.*?</{tag}>)", raw, flags=re.S)


def _values(el: ET.Element, tag: str) -> list[str]:
    return [v for v in (_text(x) for x in el.findall(f"{tag}/VALUE")) if v]


class UnRelease:
    """One UN consolidated list XML file."""

    list_key = "un-consolidated"
    authority_id = "actor/un-security-council"
    ref_label = "reference number"

    def __init__(self, path: Path, replace_invalid_characters: bool = False) -> None:
        """`replace_invalid_characters`: import a damaged copy, each byte that is not UTF-8 text
        or is a control character replaced with U+FFFD (listed in FileInfo.replaced and in the
        archive header); by default such a file is refused at its first bad byte."""
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no such file")
        self.replace_invalid_characters = replace_invalid_characters
        self.path = self.main_file = path
        self.present = [path.name]
        self.info: dict[str, FileInfo] = {}
        self.root_attrs: dict[str, str] = {}
        self.orphans = 0

    def generated(self) -> str:
        """The list's dateGenerated as an ISO date (YYYY-MM-DD), read from the root element.
        It names files, so anything but a valid date is refused before it is used."""
        attrs: dict[str, str] = {}
        parser = _parser(self.path)

        def start(tag: str, a: dict) -> None:
            _root(self.path, parser, tag)
            attrs.update(a)
            raise StopIteration

        parser.StartElementHandler = start
        with _open(self.path) as f:
            try:
                while chunk := f.read(65536):
                    _parse(parser, self.path, chunk, False)
                _parse(parser, self.path, b"", True)
            except StopIteration:
                pass
        where = f"{self.path}:{parser.CurrentLineNumber}"
        value = attrs.get("dateGenerated")
        if value is None:
            raise ListError(where, "dateGenerated", f"missing from <{ROOT}>: the release has no date", "list_date")
        m = _GENERATED.fullmatch(value)
        try:
            return dt.date.fromisoformat(m.group(1)).isoformat() if m else _bad_date(value, where)
        except ValueError:
            return _bad_date(value, where)

    def targets(self, info: FileInfo | None = None, root_attrs: dict | None = None) -> Iterator[Target]:
        """Every listed target of the file, in file order (_targets)."""
        rows = (Row(self.path.name, line, raw)
                for _tag, line, raw in elements(self.path, info, root_attrs, self.replace_invalid_characters))
        found = False
        for target in _targets(rows, self._where):
            found = True
            yield target
        if not found:
            raise ListError(str(self.path), None, "holds no INDIVIDUAL or ENTITY element", "list_structure")

    def _where(self, row: Row, offset: int) -> str:
        return f"{self.path}:{row.line + offset}"

    def scan(self) -> Iterator[Summary]:
        for target in self.targets():
            yield Summary(target.ref, _name(target.el), tuple(_programs(target.el)), ())

    def scan_aliases(self) -> Iterator[tuple[str, str]]:
        for target in self.targets():
            for a in target.el.findall(f"{target.tag}_ALIAS"):
                if name := _text(a.find("ALIAS_NAME")):
                    yield target.ref, name

    def entries(self, wanted: set[str] | None) -> Iterator[Entry]:
        info = self.info[self.path.name] = FileInfo(self.path.name, 0, "", "utf-8", 0)
        count = 0
        for target in self.targets(info, self.root_attrs):
            count += 1
            if wanted is None or target.ref in wanted:
                yield _entry(target, self._where)
        info.rows = count

    @classmethod
    def archived_entries(cls, text: str) -> Iterator[Entry]:
        """The entries of an archived text: each archived element read as the file's are, its
        children (parts of its row, not archived apart) re-made from its text."""
        for target in _targets(archived_rows(text), _archived_where):
            yield _entry(target, _archived_where)

    def describe(self) -> dict[str, str]:
        return {
            "title": "United Nations Security Council Consolidated List (XML)",
            "publisher": "United Nations Security Council",
            "url": URL,
            "urls": URL,
            "licence": "© United Nations; published for public use under the UN website terms of use "
                       "(https://www.un.org/en/about-us/terms-of-use); no open-data licence: attributed, "
                       "no UN endorsement implied",
        }


# The place of a row's line `offset` (0: its first) as an error names it.
Where = Callable[[Row, int], str]


def _archived_where(row: Row, _offset: int) -> str:
    """An archived row's locator (`consolidated.xml line 12`): the row, not a line inside it."""
    return locator(row.file, row.line)


class Target(NamedTuple):
    """One INDIVIDUAL or ENTITY element, parsed: its row (the element verbatim), tag and reference."""

    row: Row
    tag: str
    el: ET.Element
    ref: str


def _targets(rows: Iterable[Row], where: Where) -> Iterator[Target]:
    """The targets of rows that are INDIVIDUAL or ENTITY elements, read from the file or from an
    archived text alike. A target without a reference number, or with one already seen, is refused."""
    seen: dict[str, int] = {}
    for row in rows:
        target = _target(row, where)
        if target.ref in seen:
            raise ListError(where(row, 0), "REFERENCE_NUMBER",
                            f"{target.ref} again (first on line {seen[target.ref]})", "list_key")
        seen[target.ref] = row.line
        yield target


def _target(row: Row, where: Where) -> Target:
    try:
        el = ET.fromstring(row.text)
    except ET.ParseError as e:
        opening = _OPENING.match(row.text)
        raise ListError(where(row, e.position[0] - 1), opening.group(1) if opening else None,
                        f"malformed XML: {e}", "list_structure") from None
    tag = el.tag
    if tag not in TARGETS:  # the file reader cuts out these only; an archived row may hold anything
        raise ListError(where(row, 0), tag, f"<{tag}>: not an INDIVIDUAL or ENTITY element", "list_structure")
    for node in el.iter():
        for value in (node.text, node.tail, *node.attrib.values()):
            if value and (problem := unsafe_character(value)):
                raise ListError(where(row, 0), node.tag, f"{problem} in this {tag}", "list_character")
    ref = _text(el.find("REFERENCE_NUMBER"))
    if not ref:
        raise ListError(where(row, 0), "REFERENCE_NUMBER", f"missing from this {tag}", "list_key")
    return Target(row, tag, el, ref)


def _entry(target: Target, where: Where) -> Entry:
    row, tag, el, ref = target
    raw = row.text

    def block(child: str, i: int) -> Row:
        found = _blocks(raw, child)
        return Row(row.file, row.line, found[i], within=True) if i < len(found) else row

    designation = _values(el, "DESIGNATION")
    entry = Entry(ref=ref, name=_name(el), actor_type=TARGETS[tag], list_type=tag.lower(),
                  programs=_programs(el), row=row, listed=_listed(el, where(row, 0), tag),
                  position="; ".join(designation) or None)
    if script := _text(el.find("NAME_ORIGINAL_SCRIPT")):
        entry.aliases.append(Value("native_script", script, block("NAME_ORIGINAL_SCRIPT", 0)))
    for i, a in enumerate(el.findall(f"{tag}_ALIAS")):
        if name := _text(a.find("ALIAS_NAME")):
            entry.aliases.append(Value("alias", name, block(f"{tag}_ALIAS", i)))
    if gender := _text(el.find("GENDER")):
        entry.attributes.append(Value("gender", gender, block("GENDER", 0)))
    for value in _values(el, "NATIONALITY"):
        entry.attributes.append(Value("nationality", value, block("NATIONALITY", 0)))
    for i, d in enumerate(el.findall("INDIVIDUAL_DATE_OF_BIRTH")):
        if value := _birth_date(d):
            entry.attributes.append(Value("birth_date", value, block("INDIVIDUAL_DATE_OF_BIRTH", i)))
    for i, p in enumerate(el.findall("INDIVIDUAL_PLACE_OF_BIRTH")):
        if value := _place(p, ("CITY", "STATE_PROVINCE", "COUNTRY")):
            entry.attributes.append(Value("place_of_birth", value, block("INDIVIDUAL_PLACE_OF_BIRTH", i)))
    for i, a in enumerate(el.findall(f"{tag}_ADDRESS")):
        if value := _place(a, ("STREET", "CITY", "STATE_PROVINCE", "ZIP_CODE", "COUNTRY")):
            if note := _text(a.find("NOTE")):
                value += f" ({note})"
            entry.attributes.append(Value("address", value, block(f"{tag}_ADDRESS", i)))
    for i, d in enumerate(el.findall("INDIVIDUAL_DOCUMENT")):
        kind = (_text(d.find("TYPE_OF_DOCUMENT")) or "").lower()
        number = _text(d.find("NUMBER"))
        if not number:
            continue
        attribute = ("passport" if any(w in kind for w in PASSPORT_WORDS)
                     else "national_id" if "national" in kind else None)
        if attribute:
            country = _text(d.find("ISSUING_COUNTRY")) or _text(d.find("COUNTRY_OF_ISSUE"))
            value = f"{number} ({country})" if country else number
            entry.attributes.append(Value(attribute, value, block("INDIVIDUAL_DOCUMENT", i)))
    return entry


def _listed(el: ET.Element, where: str, tag: str) -> str | None:
    """LISTED_ON as an ISO date; a value that is not an xs:date is refused."""
    value = _text(el.find("LISTED_ON"))
    if value is None:
        return None
    if (day := _day(value)) is None:
        raise ListError(where, "LISTED_ON",
                        f"{value!r} in this {tag} is not a date (YYYY-MM-DD, with or without a time "
                        "zone, as the UN writes it)", "list_date")
    return day


def _day(value: str) -> str | None:
    """An xs:date as an ISO date: `2015-03-27-04:00` -> 2015-03-27. The UN writes a few dates
    with a time zone; the day is the one the list gives, whatever its zone."""
    m = _XS_DATE.fullmatch(value)
    try:
        return dt.date.fromisoformat(m.group(1)).isoformat() if m else None
    except ValueError:
        return None


def _bad_date(value: str, where: str) -> str:
    raise ListError(where, "dateGenerated", f"{value!r} is not a date (YYYY-MM-DD, as the UN writes it)",
                    "list_date")


def _name(el: ET.Element) -> str:
    parts = [_text(el.find(t)) for t in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")]
    return " ".join(p for p in parts if p)


def _programs(el: ET.Element) -> list[str]:
    value = _text(el.find("UN_LIST_TYPE"))
    return [value] if value else []


def _place(el: ET.Element, tags: tuple[str, ...]) -> str | None:
    parts = [_text(el.find(t)) for t in tags]
    return ", ".join(p for p in parts if p) or None


def _birth_date(d: ET.Element) -> str | None:
    kind = _text(d.find("TYPE_OF_DATE"))
    date = _text(d.find("DATE"))
    date = (_day(date) or date) if date else _text(d.find("YEAR"))
    if not date:
        lo, hi = _text(d.find("FROM_YEAR")), _text(d.find("TO_YEAR"))
        date = f"{lo} to {hi}" if lo and hi else lo or hi
    if not date:
        return None
    return date if kind in (None, "EXACT") else f"{date} ({kind.lower()})"
