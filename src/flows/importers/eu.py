"""The EU Financial Sanctions Files (FSF) consolidated list, XML 1.1, streamed.

The file: https://webgate.ec.europa.eu/fsd/fsf/public/files/xmlFullSanctionsList_1_1/content
(root `export`, namespace http://eu.europa.ec/fpi/fsd/export, attributes generationDate and
globalFileId; one `sanctionEntity` per listed target). Each sanctionEntity is cut out of the
file verbatim by xml_stream.py; every value keeps the verbatim element it was read from and
that element's own line. The import archives each sanctionEntity whole, as one row;
`archived_entries` reads those rows again, by the same steps, into the same entries (no entry
depends on the root element: generationDate dates the release only).

The structure followed. The published XSD could not be read here: no public repository or page
searched holds it. So the reader follows the structure that public readers of whole daily
files rely on, not the excerpt's accidents:
- opensanctions/opensanctions, zavod/zavod/shed/fsf.py (commit 06a9302a3307a12df6d95c4394c62fa49e9ce65a)
  and datasets/eu/fsf/eu_fsf.yml (commit 0657713f513976db139d075eb04f280b78afde50): several
  `regulation` per entity; designationDate may be absent; euReferenceNumber may be absent;
  identificationTypeCode values; subjectType/@code person | enterprise; `remark` children;
- GSmiguel/sanctions_lists_etl, src/sanctions_lists_etl/sources/eu/parser.py and its
  tests/fixtures/sample_eu_fsf.xml (cut from a file generated 2026-08-05): `birthdate` with
  `birthdate`, `dayOfMonth`, `monthOfYear`, `year`, or `yearRangeFrom`/`yearRangeTo`, and
  `circa`; a `regulationSummary` in each nameAlias, citizenship, birthdate, identification and
  address; `address` with `contactInfo`;
- kajala/django-jsanctions, jsanctions/models.py: the attributes of each element.
Every attribute is read as optional (absent and empty are the same: no value), and every child
element as repeatable.

What is read, and how:
- reference: `euReferenceNumber` (EU.27.28), the reference the EU publishes for an entry; the
  numeric `logicalId` is the FSF database's key. An entity without euReferenceNumber is refused
  rather than keyed on its logicalId, which would make it look delisted and listed again the
  day the EU fills the reference in. A reference seen twice is refused.
- primary name: the FSF marks no primary name. Its `nameAlias` elements carry `strong` (false:
  a weak, low-quality alias), `nameLanguage` (empty or EN; FR, ES, FA ...: the name's form in
  another language) and `logicalId`, a database key given in the order names are entered, so
  the lowest is the name entered first (sanctions_lists_etl's reader takes it so too; in the
  excerpt, logicalId 17 "Saddam Hussein Al-Tikriti", where 380 "Abou Ali", FR, comes first in
  the file). The primary name is the strong nameAlias (strong absent counts as strong) in
  English or no language with the lowest logicalId; failing that, the strong one with the
  lowest logicalId; failing that, the one with the lowest logicalId (file order where
  logicalId is absent). `wholeName`, or first, middle and last name joined when it is empty;
  whitespace folded.
- aliases: every other nameAlias, `native_script` when its letters are not Latin, else
  `alias` (weak aliases too: the evidence keeps strong="false").
- programme tags: `regulation/@programme` of every regulation, in file order, each once.
- listing date: `designationDate`; when absent, the earliest `publicationDate` of the entity's
  `regulation` elements whose regulationType is `regulation` (an act, not an amendment), and the
  entry says so (Entry.listed_basis). An amendment's date is when the entry changed, never
  used; with neither, no date.
- person or body: subjectType/@code person (person) or enterprise (body, `company` as a
  placeholder type); any other code, or none, is not imported as an actor.
- attributes: gender (nameAlias/@gender, M and F written Male and Female as the other lists
  write them), birth_date (see _birth_date) and place_of_birth (birthdate's city, region, place
  and country), nationality (citizenship), passport, national_id (identificationTypeCode id,
  "National identification card"), tax_id (fiscalcode) and registration_number (regnumber),
  each `number (country)`, latinNumber when number is empty; address (street, PO box, zip
  code, city, region, place, country; the address's remark in brackets);
  website (address/contactInfo key WEB); un_reference (`unitedNationId`, the UN Security
  Council reference of the same target: identity across lists). UNKNOWN country descriptions,
  the country code 00 and a lone '-' are the file's "not known" and give no value.
- position (persons): the distinct nameAlias/@function values, joined by "; ".
Not imported (kept verbatim in the evidence): remarks, titles, the function of a body,
designationDetails, logicalIds, nameLanguage, regulation numbers, titles, URLs and
entry-into-force dates, other identification types and their flags (knownExpired, knownFalse,
diplomatic ...), e-mail, phone and fax, and the regulationSummary of each element.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from flows.build.dates import list_date
from flows.build.list_rows import locator
from flows.importers.archive import archived_rows
from flows.importers.model import Entry, FileInfo, ListError, Row, Summary, Value
from flows.importers.xml_stream import Node, Shape, element, entries, root_attributes

NAMESPACE = "http://eu.europa.ec/fpi/fsd/export"
SHAPE = Shape(NAMESPACE, "export", "sanctionEntity", "the EU Financial Sanctions File")
URL = "https://webgate.ec.europa.eu/fsd/fsf"
XML_URL = "https://webgate.ec.europa.eu/fsd/fsf/public/files/xmlFullSanctionsList_1_1/content"
ACTOR_TYPES = {"person": "person", "enterprise": "company"}
GENDERS = {"M": "Male", "F": "Female"}
IDENTIFICATIONS = {"passport": "passport", "id": "national_id", "fiscalcode": "tax_id",
                   "regnumber": "registration_number"}
NOT_KNOWN = {"UNKNOWN", "00", "-"}
# generationDate as the file writes it (2020-04-15T15:29:22.497+02:00): its date names files
_GENERATED = re.compile(r"(\d{4}-\d{2}-\d{2})(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?")
# an xs:date, which may carry a time zone (2003-07-08, 2003-07-08+02:00, 2003-07-08Z)
_XS_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(Z|[+-]\d{2}:\d{2})?")


class EuRelease:
    """One EU FSF XML file (xmlFullSanctionsList_1_1)."""

    list_key = "eu-fsf"
    authority_id = "actor/council-of-the-eu"
    ref_label = "EU reference number"

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no such file")
        self.path = self.main_file = path
        self.present = [path.name]
        self.info: dict[str, FileInfo] = {}
        self.orphans = 0

    def generated(self) -> str:
        """The file's generationDate as an ISO date (YYYY-MM-DD), the date as the file writes it
        (in its own time zone). It names files, so anything but a valid date is refused."""
        attrs, line = root_attributes(self.path, SHAPE)
        where = f"{self.path}:{line}"
        value = attrs.get("generationDate")
        if value is None:
            raise ListError(where, "generationDate", "missing from <export>: the release has no date")
        m = _GENERATED.fullmatch(value)
        try:
            return dt.date.fromisoformat(m.group(1)).isoformat() if m else _bad_generated(value, where)
        except ValueError:
            return _bad_generated(value, where)

    def targets(self, info: FileInfo | None = None) -> Iterator[tuple[Node, str]]:
        """Every sanctionEntity with its reference (see _reference); a file without one is refused."""
        seen: dict[str, int] = {}
        for node in entries(self.path, SHAPE, info):
            yield node, _reference(node, str(self.path), seen)
        if not seen:
            raise ListError(str(self.path), None, "holds no sanctionEntity element")

    def scan(self) -> Iterator[Summary]:
        for node, ref in self.targets():
            yield Summary(ref, _primary(node, ref, str(self.path))[1], tuple(_programs(node)), ())

    def scan_aliases(self) -> Iterator[tuple[str, str]]:
        for node, ref in self.targets():
            for a in node.findall("nameAlias"):
                if name := _whole_name(a):
                    yield ref, name

    def entries(self, wanted: set[str] | None) -> Iterator[Entry]:
        info = self.info[self.path.name] = FileInfo(self.path.name, 0, "", "utf-8", 0)
        count = 0
        for node, ref in self.targets(info):
            count += 1
            if wanted is None or ref in wanted or f"EU-{node.get('logicalId')}" in wanted:
                yield _entry(node, ref, self.path.name, str(self.path))
        info.rows = count

    @classmethod
    def archived_entries(cls, text: str) -> Iterator[Entry]:
        """Each archived row is one sanctionEntity, verbatim (its elements are parts of it, not
        archived apart): it is read again as the file reader read it, and made an entry by the
        same steps. A row that does not read is refused at the row's locator, naming the line
        of the element at fault when it is another."""
        seen: dict[str, int] = {}
        for row in archived_rows(text):
            try:
                node = element(row.text, row.line, SHAPE, row.file)
                entry = _entry(node, _reference(node, row.file, seen), row.file, row.file)
            except ListError as e:
                raise _in_row(e, row) from None
            yield entry

    def describe(self) -> dict[str, str]:
        return {
            "title": "EU Financial Sanctions Files (FSF): consolidated list of persons, groups and entities "
                     "subject to EU financial sanctions (XML 1.1)",
            "publisher": "European Commission (Financial Sanctions Files)",
            "url": URL,
            "urls": XML_URL,
            "licence": "EU data – reuse authorised under Commission Decision 2011/833/EU, source acknowledged",
        }


def _reference(node: Node, source: str, seen: dict[str, int]) -> str:
    """A sanctionEntity's euReferenceNumber; refused when missing or seen before (in `seen`,
    reference -> line, which it adds to)."""
    ref = node.get("euReferenceNumber")
    if ref is None:
        raise ListError(f"{source}:{node.line}", "euReferenceNumber",
                        "missing from this sanctionEntity" + (f" (logicalId {node.get('logicalId')})"
                                                              if node.get("logicalId") else ""))
    if ref in seen:
        raise ListError(f"{source}:{node.line}", "euReferenceNumber", f"{ref} again (first on line {seen[ref]})")
    seen[ref] = node.line
    return ref


def _entry(node: Node, ref: str, file: str, source: str) -> Entry:
    """The entry of a sanctionEntity of the file named `file` in the release (`source` in
    messages)."""

    def row(n: Node, text: str | None = None) -> Row:
        """The evidence of a value: an element inside the entry, verbatim, at its own line."""
        return Row(file, n.line, n.raw if text is None else text, within=True)

    subject = node.find("subjectType")
    code = subject.get("code") if subject is not None else None
    primary, name = _primary(node, ref, source)
    listed, basis = _listed(node, source)
    entry = Entry(ref=ref, name=name, actor_type=ACTOR_TYPES.get(code or ""),
                  list_type=code or "entry without a subjectType", programs=_programs(node),
                  row=Row(file, node.line, node.raw), listed=listed, listed_basis=basis,
                  other_refs=[f"EU-{node.get('logicalId')}"] if node.get("logicalId") else [])
    aliases = node.findall("nameAlias")
    for a in aliases:
        alias = _whole_name(a)
        if a is not primary and alias:
            kind = "native_script" if _not_latin(alias) else "alias"
            entry.aliases.append(Value(kind, alias, row(a)))
    if code == "person":
        functions = list(dict.fromkeys(f for a in aliases if (f := a.get("function"))))
        entry.position = "; ".join(functions) or None
    for a in aliases:
        if gender := a.get("gender"):
            entry.attributes.append(Value("gender", GENDERS.get(gender, gender), row(a)))
    for b in node.findall("birthdate"):
        if value := _birth_date(b, f"{source}:{b.line}"):
            entry.attributes.append(Value("birth_date", value, row(b)))
        if place := _place(b, ("city", "region", "place")):
            entry.attributes.append(Value("place_of_birth", place, row(b)))
    for c in node.findall("citizenship"):
        if country := _country(c):
            entry.attributes.append(Value("nationality", country, row(c)))
    for i in node.findall("identification"):
        attribute = IDENTIFICATIONS.get(i.get("identificationTypeCode") or "")
        number = i.get("number") or i.get("latinNumber")
        if attribute and number:
            country = _country(i)
            entry.attributes.append(Value(attribute, f"{number} ({country})" if country else number, row(i)))
    for a in node.findall("address"):
        if value := _place(a, ("street", "poBox", "zipCode", "city", "region", "place")):
            remark = a.find("remark")
            if remark is not None and remark.text:
                value += f" ({remark.text})"
            entry.attributes.append(Value("address", value, row(a)))
        for contact in a.findall("contactInfo"):
            if contact.get("key") == "WEB" and (site := contact.get("value")):
                entry.attributes.append(Value("website", site, row(contact)))
    if un := node.get("unitedNationId"):
        entry.attributes.append(Value("un_reference", un, row(node, node.start_tag)))
    return entry


def _primary(node: Node, ref: str, source: str) -> tuple[Node, str]:
    """The nameAlias taken as the primary name, and that name (see the module's docstring);
    an entity without a name is refused."""
    named = [(a, n) for a in node.findall("nameAlias") if (n := _whole_name(a))]
    if not named:
        raise ListError(f"{source}:{node.line}", "nameAlias", f"no name in sanctionEntity {ref}")

    def order(an: tuple[Node, str]) -> tuple[int, int]:
        lid = an[0].get("logicalId") or ""
        return (int(lid), 0) if lid.isdigit() else (1 << 62, named.index(an))

    strong = [an for an in named if (an[0].get("strong") or "true").lower() != "false"]
    english = [an for an in strong if (an[0].get("nameLanguage") or "EN").upper() == "EN"]
    return min(english or strong or named, key=order)


def _listed(node: Node, source: str) -> tuple[str | None, str | None]:
    """The listing date and, when it is not the designationDate, where it comes from."""
    if (value := node.get("designationDate")) is not None:
        return _date(value, f"{source}:{node.line}", "sanctionEntity/@designationDate"), None
    acts = []
    for r in node.findall("regulation"):
        if r.get("regulationType") == "regulation" and (published := r.get("publicationDate")):
            acts.append((_date(published, f"{source}:{r.line}", "regulation/@publicationDate"), r))
    if not acts:
        return None, None
    date, r = min(acts, key=lambda a: a[0])
    act = r.get("numberTitle") or f"logicalId {r.get('logicalId')}"
    return date, f"no designationDate: the publication date of regulation {act}"


def _in_row(e: ListError, row: Row) -> ListError:
    """An error met reading an archived row, placed at the row's locator."""
    p = e.problem
    inner = f" (on line {p.line})" if p.line is not None and p.line != row.line else ""
    return ListError(locator(row.file, row.line), p.field, p.message + inner, p.code)


def _bad_generated(value: str, where: str) -> str:
    raise ListError(where, "generationDate", f"{value!r} is not a date (YYYY-MM-DD, as the FSF writes it)")


def _date(value: str, where: str, field: str) -> str:
    """An xs:date as an ISO date (its time zone, if any, dropped: the day is the file's)."""
    m = _XS_DATE.fullmatch(value)
    iso = list_date(m.group(1)) if m else None
    if iso is None or len(iso) != 10:
        raise ListError(where, field, f"{value!r} is not a date (YYYY-MM-DD)")
    return iso


def _whole_name(a: Node) -> str | None:
    return a.get("wholeName") or " ".join(
        p for p in (a.get("firstName"), a.get("middleName"), a.get("lastName")) if p) or None


def _programs(node: Node) -> list[str]:
    return list(dict.fromkeys(p for r in node.findall("regulation") if (p := r.get("programme"))))


def _not_latin(name: str) -> bool:
    """A name whose letters are mostly not Latin (Persian, Arabic, Cyrillic, Greek ...)."""
    letters = [c for c in name if c.isalpha()]
    latin = sum(unicodedata.name(c, "").startswith("LATIN") for c in letters)
    return bool(letters) and latin * 2 < len(letters)


def _country(node: Node) -> str | None:
    for value in (node.get("countryDescription"), node.get("countryIso2Code")):
        if value and value.upper() not in NOT_KNOWN:
            return value
    return None


def _place(node: Node, parts: tuple[str, ...]) -> str | None:
    values = [v for p in parts if (v := node.get(p)) and v not in NOT_KNOWN]
    if country := _country(node):
        values.append(country)
    return ", ".join(dict.fromkeys(values)) or None


def _number(node: Node, name: str, where: str) -> int | None:
    value = node.get(name)
    if value is None or value == "0":  # 0: not known
        return None
    if not value.isdigit():
        raise ListError(where, f"birthdate/@{name}", f"{value!r} is not a number")
    return int(value)


def _birth_date(b: Node, where: str) -> str | None:
    """A birthdate element as a list date (flows.build.dates.list_date): the full `birthdate`,
    else `year` with `monthOfYear` and `dayOfMonth` as far as they are given, else the years
    `yearRangeFrom` to `yearRangeTo`. `circa="true"` is kept as a qualifier (`circa 1957`),
    and so is a calendar other than the Gregorian one (`1380 (calendar PERSIAN)`): such a value
    is not read as a plain date. A month or day without a year gives no date."""
    year, month, day = (_number(b, n, where) for n in ("year", "monthOfYear", "dayOfMonth"))
    low, high = _number(b, "yearRangeFrom", where), _number(b, "yearRangeTo", where)
    if (full := b.get("birthdate")) is not None:
        date = _date(full, where, "birthdate/@birthdate")
    elif year is not None:
        text = f"{year:04d}" + (f"-{month:02d}" + (f"-{day:02d}" if day else "") if month else "")
        if (parsed := list_date(text)) is None:
            raise ListError(where, "birthdate", f"{text!r} (year, monthOfYear, dayOfMonth) is not a date")
        date = parsed
    elif low is not None or high is not None:
        ends = [list_date(f"{y:04d}") for y in (low, high) if y is not None]
        years = [e for e in ends if e is not None]
        if len(years) != len(ends):
            raise ListError(where, "birthdate", f"years {low} to {high} (yearRangeFrom, yearRangeTo) are not years")
        date = " to ".join(dict.fromkeys(years))
    else:
        return None
    calendar = b.get("calendarType")
    if calendar and calendar.upper() != "GREGORIAN":
        date = f"{date} (calendar {calendar})"
    return f"circa {date}" if (b.get("circa") or "").lower() == "true" else date
