"""The UN Security Council consolidated list (XML), streamed.

The file is read in chunks by expat, which reports the byte offset of every tag: each
INDIVIDUAL or ENTITY element is cut out of the file verbatim (the evidence of its values and
the text archived for `flows check`) and parsed on its own, so memory holds one element at a
time. Schema: https://scsanctions.un.org/resources/xml/en/consolidated.xml (root
CONSOLIDATED_LIST, attribute dateGenerated; INDIVIDUALS/INDIVIDUAL, ENTITIES/ENTITY).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from xml.parsers import expat

from flows.importers.model import Entry, FileInfo, ListError, Row, Summary, Value, unsafe_character

URL = "https://scsanctions.un.org/resources/xml/en/consolidated.xml"
TARGETS = {"INDIVIDUAL": "person", "ENTITY": "company"}
CHUNK = 1 << 20
MAX_ELEMENT = 1 << 20  # bytes of one INDIVIDUAL or ENTITY; real ones are under 10 kB
_TOO_LONG = f"an element longer than {MAX_ELEMENT} bytes (the longest real one is about 10 kB)"
ROOT = "CONSOLIDATED_LIST"
# dateGenerated as the UN writes it (2026-02-27T00:00:09.554Z); only its date is used, in file names
_GENERATED = re.compile(r"(\d{4}-\d{2}-\d{2})(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?")
_SPACE = re.compile(r"\s+")


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
                        "a DOCTYPE declaration: the UN list has none, and the entities it could define are refused")

    def declaration(_version: str, encoding: str | None, _standalone: int) -> None:
        if encoding and encoding.lower() not in ("utf-8", "utf8"):
            raise ListError(f"{path}:{parser.CurrentLineNumber}", None,
                            f"encoding {encoding!r}: the UN list is UTF-8")

    def cdata() -> None:
        raise ListError(f"{path}:{parser.CurrentLineNumber}", None,
                        "a CDATA section: the UN list has none (its text is escaped)")

    parser.StartDoctypeDeclHandler = doctype
    parser.StartCdataSectionHandler = cdata
    parser.XmlDeclHandler = declaration
    return parser


def _parse(parser: expat.XMLParserType, path: Path, data: bytes, final: bool) -> None:
    try:
        parser.Parse(data, final)
    except expat.ExpatError as e:
        raise ListError(f"{path}:{e.lineno}", None,
                        f"malformed XML: {expat.ErrorString(e.code)} (column {e.offset + 1})") from None


def _root(path: Path, parser: expat.XMLParserType, tag: str) -> None:
    if tag != ROOT:
        raise ListError(f"{path}:{parser.CurrentLineNumber}", None,
                        f"root element <{tag}>: not a UN consolidated list (<{ROOT}>)")


def _open(path: Path):
    try:
        return path.open("rb")
    except OSError as e:
        raise ListError(str(path), None, f"cannot be read: {e.strerror or e}") from None


def elements(path: Path, info: FileInfo | None = None,
             root_attrs: dict | None = None) -> Iterator[tuple[str, int, str]]:
    """(tag, first line, verbatim text) of every INDIVIDUAL and ENTITY element, in file order.

    The element's end is where expat saw its end tag, so an end tag inside a comment or a
    CDATA section cannot cut it short. Raises ListError for anything not well formed."""
    parser = _parser(path)
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
    buf_start = 0  # file offset of buf[0]
    digest = hashlib.sha256()
    size = 0
    with _open(path) as f:
        while True:
            chunk = f.read(CHUNK)
            digest.update(chunk)
            size += len(chunk)
            buf += chunk
            _parse(parser, path, chunk, not chunk)
            for tag, line, s, e in done:
                e = buf.index(b">", e - buf_start) + 1
                if e - (s - buf_start) > MAX_ELEMENT:
                    raise ListError(f"{path}:{line}", tag, _TOO_LONG)
                try:
                    text = bytes(buf[s - buf_start:e]).decode("utf-8")
                except UnicodeDecodeError:
                    raise ListError(f"{path}:{line}", tag, "not UTF-8 text") from None
                yield tag, line, text
            done.clear()
            if open_ and buf_start + len(buf) - open_[0][2] > MAX_ELEMENT:
                raise ListError(f"{path}:{open_[0][1]}", open_[0][0], _TOO_LONG)
            keep_from = open_[0][2] if open_ else buf_start + len(buf)
            if keep_from > buf_start:
                del buf[: keep_from - buf_start]
                buf_start = keep_from
            if not chunk:
                break
    if info is not None:
        info.size, info.sha256, info.encoding = size, digest.hexdigest(), "utf-8"


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

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no such file")
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
            raise ListError(where, "dateGenerated", f"missing from <{ROOT}>: the release has no date")
        m = _GENERATED.fullmatch(value)
        try:
            return dt.date.fromisoformat(m.group(1)).isoformat() if m else _bad_date(value, where)
        except ValueError:
            return _bad_date(value, where)

    def targets(self, info: FileInfo | None = None, root_attrs: dict | None = None
                ) -> Iterator[tuple[str, int, str, ET.Element, str]]:
        """(tag, line, verbatim text, element, reference number) of every listed target. A
        target without a reference number, or with one already seen, is refused."""
        seen: dict[str, int] = {}
        for tag, line, raw in elements(self.path, info, root_attrs):
            try:
                el = ET.fromstring(raw)
            except ET.ParseError as e:
                raise ListError(f"{self.path}:{line + e.position[0] - 1}", tag, f"malformed XML: {e}") from None
            for node in el.iter():
                for value in (node.text, node.tail, *node.attrib.values()):
                    if value and (problem := unsafe_character(value)):
                        raise ListError(f"{self.path}:{line}", node.tag, f"{problem} in this {tag}")
            ref = _text(el.find("REFERENCE_NUMBER"))
            if not ref:
                raise ListError(f"{self.path}:{line}", "REFERENCE_NUMBER", f"missing from this {tag}")
            if ref in seen:
                raise ListError(f"{self.path}:{line}", "REFERENCE_NUMBER", f"{ref} again (first on line {seen[ref]})")
            seen[ref] = line
            yield tag, line, raw, el, ref
        if not seen:
            raise ListError(str(self.path), None, "holds no INDIVIDUAL or ENTITY element")

    def scan(self) -> Iterator[Summary]:
        for _tag, _line, _raw, el, ref in self.targets():
            yield Summary(ref, _name(el), tuple(_programs(el)), ())

    def scan_aliases(self) -> Iterator[tuple[str, str]]:
        for tag, _line, _raw, el, ref in self.targets():
            for a in el.findall(f"{tag}_ALIAS"):
                if name := _text(a.find("ALIAS_NAME")):
                    yield ref, name

    def entries(self, wanted: set[str] | None) -> Iterator[Entry]:
        info = self.info[self.path.name] = FileInfo(self.path.name, 0, "", "utf-8", 0)
        count = 0
        for tag, line, raw, el, ref in self.targets(info, self.root_attrs):
            count += 1
            if wanted is None or ref in wanted:
                yield self._entry(tag, line, raw, el, ref)
        info.rows = count

    def _entry(self, tag: str, line: int, raw: str, el: ET.Element, ref: str) -> Entry:
        row = Row(self.path.name, line, raw)

        def block(child: str, i: int) -> Row:
            found = _blocks(raw, child)
            return Row(self.path.name, line, found[i], within=True) if i < len(found) else row

        designation = _values(el, "DESIGNATION")
        entry = Entry(ref=ref, name=_name(el), actor_type=TARGETS[tag], list_type=tag.lower(),
                      programs=_programs(el), row=row, listed=_text(el.find("LISTED_ON")),
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
            attribute = "passport" if "passport" in kind else "national_id" if "national" in kind else None
            if attribute:
                country = _text(d.find("ISSUING_COUNTRY")) or _text(d.find("COUNTRY_OF_ISSUE"))
                value = f"{number} ({country})" if country else number
                entry.attributes.append(Value(attribute, value, block("INDIVIDUAL_DOCUMENT", i)))
        return entry

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


def _bad_date(value: str, where: str) -> str:
    raise ListError(where, "dateGenerated", f"{value!r} is not a date (YYYY-MM-DD, as the UN writes it)")


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
    date = _text(d.find("DATE")) or _text(d.find("YEAR"))
    if not date:
        lo, hi = _text(d.find("FROM_YEAR")), _text(d.find("TO_YEAR"))
        date = f"{lo} to {hi}" if lo and hi else lo or hi
    if not date:
        return None
    return date if kind in (None, "EXACT") else f"{date} ({kind.lower()})"
