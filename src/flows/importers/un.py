"""The UN Security Council consolidated list (XML), streamed.

The file is read in chunks by expat, which reports the byte offset of every tag: each
INDIVIDUAL or ENTITY element is cut out of the file verbatim (the evidence of its values and
the text archived for `flows check`) and parsed on its own, so memory holds one element at a
time. Schema: https://scsanctions.un.org/resources/xml/en/consolidated.xml (root
CONSOLIDATED_LIST, attribute dateGenerated; INDIVIDUALS/INDIVIDUAL, ENTITIES/ENTITY).
"""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from xml.parsers import expat

from .model import Entry, FileInfo, Row, Summary, Value

URL = "https://scsanctions.un.org/resources/xml/en/consolidated.xml"
TARGETS = {"INDIVIDUAL": "person", "ENTITY": "company"}
CHUNK = 1 << 20
_SPACE = re.compile(r"\s+")


def _text(el: ET.Element | None) -> str | None:
    if el is None or el.text is None:
        return None
    text = _SPACE.sub(" ", el.text).strip()
    return text or None


def elements(path: Path, info: FileInfo | None = None,
             root_attrs: dict | None = None) -> Iterator[tuple[str, int, str]]:
    """(tag, first line, verbatim text) of every INDIVIDUAL and ENTITY element, in file order."""
    parser = expat.ParserCreate()
    done: list[tuple[str, int, int, int]] = []  # tag, line, start, end offsets
    open_: list[tuple[str, int, int]] = []
    depth = [0]

    def start(tag: str, attrs: dict) -> None:
        depth[0] += 1
        if depth[0] == 1 and root_attrs is not None:
            root_attrs.update(attrs)
        if depth[0] == 3 and tag in TARGETS:
            open_.append((tag, parser.CurrentLineNumber, parser.CurrentByteIndex))

    def end(tag: str) -> None:
        if depth[0] == 3 and open_ and open_[-1][0] == tag:
            t, line, s = open_.pop()
            done.append((t, line, s, -1))  # the end offset is known after the end tag
        depth[0] -= 1

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    buf = bytearray()
    buf_start = 0  # file offset of buf[0]
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as f:
        while True:
            chunk = f.read(CHUNK)
            digest.update(chunk)
            size += len(chunk)
            buf += chunk
            parser.Parse(chunk, not chunk)
            for tag, line, s, _ in done:
                end_tag = f"</{tag}>".encode()
                e = buf.find(end_tag, s - buf_start) + len(end_tag)
                yield tag, line, bytes(buf[s - buf_start:e]).decode("utf-8")
            done.clear()
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
        self.path = path
        self.present = [path.name]
        self.info: dict[str, FileInfo] = {}
        self.root_attrs: dict[str, str] = {}
        self.orphans = 0

    def generated(self) -> str | None:
        """The list's dateGenerated (ISO date), read from the root element."""
        attrs: dict[str, str] = {}
        parser = expat.ParserCreate()

        def start(tag: str, a: dict) -> None:
            if not attrs:
                attrs.update(a)
                attrs["_"] = tag
                raise StopIteration

        parser.StartElementHandler = start
        with self.path.open("rb") as f:
            try:
                while chunk := f.read(65536):
                    parser.Parse(chunk, False)
            except StopIteration:
                pass
        value = attrs.get("dateGenerated")
        return value[:10] if value else None

    def scan(self) -> Iterator[Summary]:
        for tag, line, raw in elements(self.path):
            el = ET.fromstring(raw)
            yield Summary(_text(el.find("REFERENCE_NUMBER")) or "", _name(el),
                          tuple(_programs(el)), ())

    def scan_aliases(self) -> Iterator[tuple[str, str]]:
        for tag, line, raw in elements(self.path):
            el = ET.fromstring(raw)
            ref = _text(el.find("REFERENCE_NUMBER")) or ""
            for a in el.findall(f"{tag}_ALIAS"):
                if name := _text(a.find("ALIAS_NAME")):
                    yield ref, name

    def entries(self, wanted: set[str] | None) -> Iterator[Entry]:
        info = self.info[self.path.name] = FileInfo(self.path.name, 0, "", "utf-8", 0)
        count = 0
        for tag, line, raw in elements(self.path, info, self.root_attrs):
            count += 1
            el = ET.fromstring(raw)
            ref = _text(el.find("REFERENCE_NUMBER")) or ""
            if ref and (wanted is None or ref in wanted):
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


def ref_sort_key(ref: str) -> tuple:
    return (0, 0, ref)
