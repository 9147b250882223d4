"""`flows import eu`: the EU Financial Sanctions Files XML (shared fixture, generationDate
2020-04-15: the first 7 sanctionEntity elements of a real export), and small SYNTHETIC files,
marked as such, for what the excerpt lacks (several regulations, designationDate, missing
optional attributes, circa and partial birth dates, identifications, addresses, a UN reference)
and for files that are not as published."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

from conftest import copy_project, run_cli
from flows.build.list_rows import rows
from flows.build.load import load_curation
from flows.build.pipeline import build
from flows.build.texts import normalise
from flows.importers.eu import EuRelease
from flows.importers.identity import Index
from flows.importers.select import select

EU = Path(__file__).parent / "fixtures" / "lists" / "eu" / "fsf-excerpt-2020-04-15.xml"
EU_TEXT = EU.read_text(encoding="utf-8")
NS = "http://eu.europa.ec/fpi/fsd/export"


def _line_of(needle: str, text: str = EU_TEXT) -> int:
    return text[: text.index(needle)].count("\n") + 1


@pytest.fixture(scope="module")
def excerpt() -> tuple[EuRelease, dict]:
    release = EuRelease(EU)
    return release, {e.ref: e for e in release.entries(None)}


def _values(values) -> list[tuple[str, str]]:
    return [(v.kind, v.value) for v in values]


# -- the real excerpt -----------------------------------------------------------------------

def test_release_date_file_and_references(excerpt):
    release, got = excerpt
    assert release.generated() == "2020-04-15"  # generationDate="2020-04-15T15:29:22.497+02:00"
    assert list(got) == ["EU.27.28", "EU.39.56", "EU.16.62", "EU.11.43", "EU.22.9", "EU.42.11", "EU.35.2"]
    info = release.info[EU.name]
    assert (info.rows, info.size, info.encoding) == (7, EU.stat().st_size, "utf-8")
    assert info.sha256 == hashlib.sha256(EU.read_bytes()).hexdigest()


def test_primary_name_is_the_strong_english_name_entered_first(excerpt):
    _, got = excerpt
    saddam = got["EU.27.28"]
    # nameAlias logicalId 380 "Abou Ali" (FR) comes first in the file; 17 is the lowest id
    assert saddam.name == "Saddam Hussein Al-Tikriti"
    assert _values(saddam.aliases) == [("alias", "Abou Ali"), ("alias", "Abu Ali")]
    assert got["EU.11.43"].name == "Abid Hamid Mahmud Al-Tikriti"  # logicalId 31 of 31..386
    assert got["EU.42.11"].name == "Izzat Ibrahim al-Duri"  # logicalId 44
    assert ("alias", "Izzat Ibrahim al-Douri") in _values(got["EU.42.11"].aliases)  # nameLanguage FR


def test_person_programme_listing_and_attributes(excerpt):
    _, got = excerpt
    saddam = got["EU.27.28"]
    assert (saddam.actor_type, saddam.list_type, saddam.programs) == ("person", "person", ["IRQ"])
    # no designationDate in this export: the date of regulation 1210/2003, and the entry says so
    assert saddam.listed == "2003-07-08"
    assert saddam.listed_basis == "no designationDate: the publication date of regulation 1210/2003 (OJ L169)"
    assert _values(saddam.attributes) == [
        ("gender", "Male"), ("birth_date", "1937-04-28"), ("place_of_birth", "al-Awja, near Tikrit, IRAQ"),
        ("nationality", "IRAQ")]
    qusay = got["EU.39.56"]
    assert qusay.position == "Oversaw Special Republican Guard, Special Security Organisation, and Republican Guard"
    # year-only birth dates; country UNKNOWN (code 00) gives no country
    assert [v for k, v in _values(qusay.attributes) if k in ("birth_date", "place_of_birth")] == [
        "1965", "Baghdad", "1966", "Baghdad"]
    assert ("birth_date", "circa 1957") in _values(got["EU.11.43"].attributes)  # circa="true"
    assert ("birth_date", "circa 1962") in _values(got["EU.35.2"].attributes)
    # a birthdate element without any date part: its place only
    majid = _values(got["EU.22.9"].attributes)
    assert ("place_of_birth", "Al-Awja, near Tikrit (J.O. ES)") in majid
    assert [v for k, v in majid if k == "birth_date"] == ["1943"]


def test_every_value_keeps_its_element_verbatim_and_its_line(excerpt):
    _, got = excerpt
    saddam = got["EU.27.28"]
    assert saddam.row.line == 3 and saddam.row.file == EU.name
    assert saddam.row.text.startswith('<sanctionEntity designationDetails="" unitedNationId="" '
                                      'euReferenceNumber="EU.27.28" logicalId="13">')
    assert saddam.row.text.endswith("</sanctionEntity>") and saddam.row.text in EU_TEXT
    birth = next(v for v in saddam.attributes if v.kind == "birth_date")
    assert birth.row.line == _line_of('birthdate="1937-04-28"') == 21
    assert birth.row.text.startswith('<birthdate circa="false"') and birth.row.text.endswith("</birthdate>")
    abou = saddam.aliases[0]
    assert abou.row.line == 9 and abou.row.text.startswith('<nameAlias firstName="" middleName="" lastName="" '
                                                          'wholeName="Abou Ali"')
    for e in got.values():
        assert e.row.text in EU_TEXT
        for v in e.aliases + e.attributes:
            assert v.row.within and v.row.text in e.row.text
            assert EU_TEXT.splitlines()[v.row.line - 1].strip().startswith(v.row.text.split("\n")[0].strip())


def test_streams_in_small_chunks(monkeypatch, excerpt):
    import flows.importers.xml_stream as xml_stream

    _, whole = excerpt
    monkeypatch.setattr(xml_stream, "CHUNK", 97)  # every element cut across chunk borders
    got = {e.ref: e for e in EuRelease(EU).entries(None)}
    assert list(got) == list(whole)
    for ref, e in got.items():
        assert e.row == whole[ref].row and e.attributes == whole[ref].attributes and e.aliases == whole[ref].aliases


def test_select_by_programme_and_by_alias():
    release = EuRelease(EU)
    assert len(select(release, ["irq"], []).refs) == 7
    assert select(release, [], ["Izzat Ibrahim al-Douri"]).refs == {"EU.42.11"}  # a FR nameAlias
    assert select(release, [], ["EU.35.2"]).refs == {"EU.35.2"}


# -- SYNTHETIC files: the FSF structure beyond the excerpt ------------------------------------

def _fsf(tmp_path: Path, entities: str, root: str = f'<export xmlns="{NS}" generationDate="2024-07-30T09:00:00+02:00">',
         name: str = "synthetic.xml") -> Path:
    """A SYNTHETIC FSF file: made up here, in the structure of the real files."""
    path = tmp_path / name
    path.write_text('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + root + "\n" + entities
                    + "\n</export>", encoding="utf-8")
    return path


SYNTHETIC_BODY = """<sanctionEntity designationDate="2022-10-20" euReferenceNumber="EU.9001.1" logicalId="900001"
        unitedNationId="IRe.999">
    <regulation regulationType="regulation" publicationDate="2022-10-20" numberTitle="2022/1999 (OJ L 999)"
        programme="IRN" logicalId="1">
        <publicationUrl>https://example.invalid/2022-1999</publicationUrl>
    </regulation>
    <regulation regulationType="amendment" publicationDate="2023-07-20" programme="RUS" logicalId="2"/>
    <regulation regulationType="amendment" publicationDate="2024-01-01" programme="IRN" logicalId="3"/>
    <subjectType code="enterprise"/>
    <nameAlias wholeName="Synthetic  Drone Works" logicalId="500"/>
    <nameAlias wholeName="شرکت ساختگی" nameLanguage="FA" strong="true" logicalId="400"/>
    <nameAlias wholeName="SDW" strong="false" logicalId="300"/>
    <identification identificationTypeCode="regnumber" number="12345" countryIso2Code="IR" countryDescription="IRAN"/>
    <identification identificationTypeCode="fiscalcode" number="" latinNumber="TX-9" countryIso2Code="00"
        countryDescription="UNKNOWN"/>
    <identification identificationTypeCode="other" number="777"/>
    <address street="1 Example Street" city="Isfahan" countryDescription="IRAN">
        <remark>head office</remark>
        <contactInfo key="WEB" value="https://example.invalid"/>
        <contactInfo key="PHONE" value="+00 000"/>
    </address>
</sanctionEntity>
<sanctionEntity euReferenceNumber="EU.9001.2" logicalId="900002">
    <regulation regulationType="amendment" publicationDate="2025-01-31" programme="TERR"/>
    <subjectType code="person"/>
    <nameAlias firstName="Jane" lastName="EXAMPLE" gender="F" function="Director" logicalId="10"/>
    <birthdate circa="true" yearRangeFrom="1953" yearRangeTo="1958"/>
    <birthdate year="1960" monthOfYear="4"/>
    <birthdate year="1961" monthOfYear="0" dayOfMonth="0"/>
    <birthdate year="1380" calendarType="PERSIAN"/>
    <birthdate dayOfMonth="12" monthOfYear="3" city="-" countryIso2Code="00"/>
    <citizenship countryIso2Code="XX"/>
</sanctionEntity>
<sanctionEntity euReferenceNumber="EU.9001.3" logicalId="900003">
    <subjectType code="vessel"/>
    <nameAlias wholeName="SYNTHETIC VESSEL"/>
</sanctionEntity>"""


def test_synthetic_several_regulations_designation_date_and_missing_attributes(tmp_path: Path):
    release = EuRelease(_fsf(tmp_path, SYNTHETIC_BODY))
    assert release.generated() == "2024-07-30"
    got = {e.ref: e for e in release.entries(None)}
    body = got["EU.9001.1"]
    # strong absent counts as strong; the FA name is not English; the weak alias is not primary
    assert body.name == "Synthetic Drone Works"
    assert _values(body.aliases) == [("native_script", "شرکت ساختگی"), ("alias", "SDW")]
    assert (body.actor_type, body.list_type) == ("company", "enterprise")
    assert body.programs == ["IRN", "RUS"]  # every regulation's programme, each once
    assert (body.listed, body.listed_basis) == ("2022-10-20", None)  # designationDate
    assert _values(body.attributes) == [
        ("registration_number", "12345 (IRAN)"), ("tax_id", "TX-9"),
        ("address", "1 Example Street, Isfahan, IRAN (head office)"), ("website", "https://example.invalid"),
        ("un_reference", "IRe.999")]
    un = body.attributes[-1]
    assert un.row.text.startswith("<sanctionEntity ") and un.row.text.endswith('unitedNationId="IRe.999">')
    person = got["EU.9001.2"]
    assert person.name == "Jane EXAMPLE" and person.position == "Director"
    # only an amendment: its date is not the listing date
    assert (person.listed, person.listed_basis, person.programs) == (None, None, ["TERR"])
    assert _values(person.attributes) == [
        ("gender", "Female"), ("birth_date", "circa 1953 to 1958"), ("birth_date", "1960-04"),
        ("birth_date", "1961"), ("birth_date", "1380 (calendar PERSIAN)"), ("nationality", "XX")]
    vessel = got["EU.9001.3"]
    assert (vessel.actor_type, vessel.list_type) == (None, "vessel")  # not imported as an actor


def test_synthetic_listing_date_from_the_earliest_listing_regulation(tmp_path: Path):
    entity = """<sanctionEntity euReferenceNumber="EU.9002.1" logicalId="1">
    <regulation regulationType="amendment" publicationDate="2001-01-01" numberTitle="A" programme="X"/>
    <regulation regulationType="regulation" publicationDate="2010-05-06+02:00" numberTitle="B" programme="X"/>
    <regulation regulationType="regulation" publicationDate="2012-01-02" numberTitle="C" programme="X"/>
    <subjectType code="person"/><nameAlias wholeName="A Person"/>
</sanctionEntity>"""
    e = next(EuRelease(_fsf(tmp_path, entity)).entries(None))
    assert (e.listed, e.listed_basis) == ("2010-05-06", "no designationDate: the publication date of regulation B")


def test_synthetic_un_reference_is_an_identity_number_across_lists(tmp_path: Path):
    """An EU entry citing a UN reference is the actor the UN list designates under it."""
    from flows.importers.model import Entry, Row, Value

    rows = {k: [] for k in ("actors", "actor_aliases", "actor_attributes", "designations", "links")}
    rows["actors"] = [{"actor_id": "actor/un-listed", "name": "Listed Person", "actor_type": "person"}]
    rows["designations"] = [{"designation_id": "designation/un-x", "authority_id": "actor/un-security-council",
                             "target_actor_id": "actor/un-listed", "list_reference": "IRi.999"}]
    row = Row("synthetic.xml", 1, "<sanctionEntity/>")
    entry = Entry("EU.1.1", "LISTED Person", "person", "person", [], row,
                  attributes=[Value("un_reference", "IRi.999", row)])
    m = Index(rows, set(), "actor/council-of-the-eu").match(entry)
    assert m.actor_id == "actor/un-listed" and "same identity number (iri.999)" in m.basis
    entry.attributes = [Value("un_reference", "IRi.998", row)]
    assert Index(rows, set(), "actor/council-of-the-eu").match(entry).actor_id is None


# -- files not as published: one error naming the file, the line and the field ---------------

@pytest.fixture(scope="module")
def project_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One copy of the project for every refused import (a refusal writes nothing)."""
    return copy_project(tmp_path_factory.mktemp("project"))


def _snapshot(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in (root / "data" / "raw").rglob("*") if p.is_file()}


GOOD = """<sanctionEntity euReferenceNumber="EU.1.1" logicalId="1">
    <subjectType code="person"/>
    <nameAlias wholeName="A Person" logicalId="2"/>
</sanctionEntity>"""
ROOT = f'<export xmlns="{NS}" generationDate="2024-07-30">'


@pytest.mark.parametrize("root, entities, line, field, words", [
    (ROOT, GOOD.replace('wholeName="A Person"', 'wholeName="A\u202ePerson"'), 5, "nameAlias/@wholeName",
     "bidirectional override U+202E"),
    (ROOT, GOOD.replace('wholeName="A Person"', 'wholeName="A&#x85;Person"'), 5, "nameAlias/@wholeName",
     "control character U+0085"),
    (ROOT, GOOD.replace('<subjectType code="person"/>', "<remark>A\u0085B</remark>"), 4, "remark",
     "control character U+0085"),
    (ROOT, GOOD.replace(' euReferenceNumber="EU.1.1"', ""), 3, "euReferenceNumber",
     "missing from this sanctionEntity (logicalId 1)"),
    (ROOT, GOOD.replace('euReferenceNumber="EU.1.1"', 'euReferenceNumber=""'), 3, "euReferenceNumber", "missing"),
    (ROOT, GOOD + "\n" + GOOD, 7, "euReferenceNumber", "EU.1.1 again (first on line 3)"),
    (ROOT, GOOD.replace('logicalId="1"', 'logicalId="1" designationDate="2022-02-30"'), 3,
     "sanctionEntity/@designationDate", "'2022-02-30' is not a date"),
    (ROOT, GOOD.replace('<subjectType code="person"/>', '<birthdate year="1960" monthOfYear="13"/>'), 4,
     "birthdate", "'1960-13' (year, monthOfYear, dayOfMonth) is not a date"),
    (ROOT, GOOD.replace('<subjectType code="person"/>', '<birthdate year="about 1960"/>'), 4,
     "birthdate/@year", "not a number"),
    (ROOT, GOOD.replace('<subjectType code="person"/>', '<x:note xmlns:x="urn:other"/>'), 4, "note",
     "an element of namespace urn:other"),
    (f'<fsd:export xmlns:fsd="{NS}" generationDate="2024-07-30">', "", 2, "export", "prefix 'fsd'"),
    ('<export xmlns="http://eu.europa.ec/fpi/fsd/export/v2" generationDate="2024-07-30">', GOOD, 2, None,
     "root element <export> in namespace http://eu.europa.ec/fpi/fsd/export/v2: not the EU Financial Sanctions File"),
    ('<sdnList generationDate="2024-07-30">', GOOD.replace("sanctionEntity", "sdnEntry"), 2, None,
     "root element <sdnList> in no namespace"),
    (ROOT, "", None, None, "holds no sanctionEntity element"),
    (ROOT, GOOD.replace("<subjectType", "<subjectType><![CDATA[</sanctionEntity>]]></subjectType><subjectType"),
     4, None, "a CDATA section"),
    (ROOT, GOOD.replace("A Person", "&foo;"), 5, None, "undefined entity"),
], ids=["bidi-override", "c1-by-reference", "c1-in-text", "no-reference", "empty-reference", "duplicate-reference",
        "designation-date-not-a-day", "month-13", "year-not-a-number", "other-namespace", "prefixed-root",
        "other-root-namespace", "other-list", "no-entries", "cdata", "undefined-entity"])
def test_synthetic_file_not_as_published_is_one_error_line(project_copy: Path, tmp_path: Path, root, entities,
                                                           line, field, words):
    path = _fsf(tmp_path, entities, root)
    before = _snapshot(project_copy)
    code, out, err = run_cli("import", "eu", str(path), "--root", str(project_copy))
    assert code == 1, out + err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    where = f"{path}:{line}" if line else f"{path}"
    prefix = f"error: {where}: " + (f"{field}: " if field else "")
    assert lines[0].startswith(prefix) and words in lines[0], lines[0]
    assert _snapshot(project_copy) == before  # nothing written


def test_synthetic_doctype_entities_and_release_date(tmp_path: Path):
    laughs = ('<!DOCTYPE export [ <!ENTITY lol "lol"> <!ENTITY lol2 "&lol;&lol;&lol;&lol;"> ]>\n')
    path = tmp_path / "laughs.xml"
    path.write_text('<?xml version="1.0"?>\n' + laughs + ROOT + GOOD.replace("A Person", "&lol2;") + "</export>",
                    encoding="utf-8")
    code, _, err = run_cli("import", "eu", str(path), "--root", str(tmp_path))
    assert code == 1 and err.startswith(f"error: {path}:2: a DOCTYPE declaration")
    for date, words in (("2024-02-30", "not a date"), ("../../x", "not a date"), (None, "missing")):
        root = f'<export xmlns="{NS}"' + (f' generationDate="{date}"' if date else "") + ">"
        path = _fsf(tmp_path, GOOD, root, name="dated.xml")
        code, _, err = run_cli("import", "eu", str(path), "--root", str(tmp_path))
        assert code == 1 and err.startswith(f"error: {path}:2: generationDate: ") and words in err, err


def test_synthetic_end_tag_in_a_comment_and_gt_in_attributes(tmp_path: Path):
    """An entry ends where the parser saw its end tag; a '>' inside an attribute value does not
    end an element's start tag."""
    text = GOOD.replace('<subjectType code="person"/>',
                        '<subjectType code="person"/><!-- </sanctionEntity> -->'
                        '<citizenship countryDescription="A>B"/>')
    e = next(EuRelease(_fsf(tmp_path, text)).entries(None))
    assert e.row.text.endswith("</sanctionEntity>") and "<!-- </sanctionEntity> -->" in e.row.text
    citizenship = next(v for v in e.attributes if v.kind == "nationality")
    assert (citizenship.value, citizenship.row.text) == ("A>B", '<citizenship countryDescription="A>B"/>')


# -- end to end: into a copy of the project ------------------------------------------------

def test_import_build_and_check_in_a_copy_of_the_project(tmp_path: Path):
    root = copy_project(tmp_path / "project")
    code, out, err = run_cli("import", "eu", str(EU), "--root", str(root))
    assert code == 0, err
    assert "source/eu-fsf-2020-04-15: 7 entries read" in out and "added 7" in out
    build(root, with_duckdb=False)
    code, _, err = run_cli("check", "--root", str(root))
    assert code == 0, err  # every list row found in texts/eu-fsf-2020-04-15.txt
    processed = root / "data" / "processed"
    designations = pd.read_parquet(processed / "designations.parquet").set_index("designation_id")
    saddam = designations.loc["designation/eu-eu-27-28"]
    assert (saddam.list_reference, saddam.listed, saddam.program_tags, saddam.authority_id, saddam.target_actor_id) \
        == ("EU.27.28", "2003-07-08", "IRQ", "actor/council-of-the-eu", "actor/saddam-hussein-al-tikriti")
    claims = pd.read_parquet(processed / "claims.parquet")
    mine = claims[claims.source_id == "source/eu-fsf-2020-04-15"]
    assert set(mine.evidence_type) == {"list_row"} and set(mine.stance) == {"lists"}
    listing = mine[mine.record_id == "designation/eu-eu-27-28"].iloc[0]
    # no designationDate: the claim says where its date comes from
    assert (listing.locator, listing.date_basis) == (
        "fsf-excerpt-2020-04-15.xml line 3", "no designationDate: the publication date of regulation 1210/2003 (OJ L169)")
    # its evidence: the entry's element, whole, as archived (filled by the build)
    text = (root / "data" / "raw" / "texts" / "eu-fsf-2020-04-15.txt").read_text(encoding="utf-8")
    archived = {where: normalise(row) for where, row in rows(text)}
    assert listing.evidence_text == archived["fsf-excerpt-2020-04-15.xml line 3"]
    assert all(value in listing.evidence_text for value in ('euReferenceNumber="EU.27.28"', 'programme="IRQ"'))
    # one claim for the actor, citing its entry's element: the same evidence
    name = mine[mine.record_id == "actor/saddam-hussein-al-tikriti"].iloc[0]
    assert name.locator == "fsf-excerpt-2020-04-15.xml line 3" and name.evidence_text == listing.evidence_text
    assert all(value in name.evidence_text for value in ("Saddam Hussein Al-Tikriti", "Abu Ali", "1937-04-28",
                                                         "al-Awja, near Tikrit", 'gender="M"'))
    assert f"{EU.name}: {EU.stat().st_size} bytes, sha256 {hashlib.sha256(EU.read_bytes()).hexdigest()}, 7 rows" in text
    assert normalise(EU_TEXT.splitlines()[2]) in normalise(text)
    # the same release again changes nothing
    before = _snapshot(root)
    code, out, _ = run_cli("import", "eu", str(EU), "--root", str(root))
    assert code == 0 and "files changed: none" in out
    assert _snapshot(root) == before


def test_synthetic_entry_merges_into_a_curated_actor(tmp_path: Path):
    """A SYNTHETIC FSF entry with the names and birth date the project's EU extract gives for
    EU-145112 (../shared/sources/eu-consolidated-list-iran-uav-extract.txt) is that actor."""
    curation = load_curation(Path(__file__).resolve().parents[1])
    designation = next(d for d in curation.rows["designations"] if d["list_reference"] == "EU-145112")
    entity = """<sanctionEntity designationDate="2022-10-20" euReferenceNumber="EU.0.0" logicalId="145112">
    <regulation regulationType="regulation" publicationDate="2022-10-20" programme="IRN"/>
    <subjectType code="person"/>
    <nameAlias wholeName="سید حجت الله قریشی" nameLanguage="FA" logicalId="1"/>
    <nameAlias wholeName="Sayed Hojatollah QUREISHI" logicalId="2"/>
    <nameAlias wholeName="Sayyed Hojatolah GHOREISHI" logicalId="3"/>
    <birthdate birthdate="1964-09-27"/>
</sanctionEntity>"""
    path = _fsf(tmp_path, entity)
    root = copy_project(tmp_path / "project")
    code, out, err = run_cli("import", "eu", str(path), "--root", str(root))
    assert code == 0, err
    # the curated designation's reference is the entry's logicalId in the mirror's form (EU-145112):
    # the entry is that designation's, which is no second designation of the same listing
    assert (f"EU.0.0 -> {designation['target_actor_id']}: same list reference: "
            f"{designation['designation_id']} (EU-145112)") in out
    assert not (root / "data" / "raw" / "designations" / "import-eu-fsf.yaml").exists()
    assert not (root / "data" / "raw" / "actors" / "import-eu-fsf.yaml").exists()  # no new actor
    build(root, with_duckdb=False)


def test_synthetic_un_reference_is_exported_on_the_sanction(tmp_path: Path):
    """unitedNationId becomes the actor's un_reference, and FollowTheMoney's Sanction.unscId."""
    import json

    root = copy_project(tmp_path / "project")
    code, out, err = run_cli("import", "eu", str(_fsf(tmp_path, SYNTHETIC_BODY)), "--root", str(root))
    assert code == 0, err
    build(root)  # with flows.duckdb, which the export reads
    attributes = pd.read_parquet(root / "data" / "processed" / "actor_attributes.parquet")
    assert ("actor/synthetic-drone-works", "un_reference", "IRe.999") in set(
        zip(attributes.actor_id, attributes.attribute, attributes.value))
    ftm = tmp_path / "flows.ftm.jsonl"
    code, _, err = run_cli("export", "ftm", str(ftm), "--root", str(root))
    assert code == 0, err
    entities = {e["id"]: e for e in map(json.loads, ftm.read_text(encoding="utf-8").splitlines())}
    sanction = entities["flows-designation-eu-eu-9001-1"]
    assert sanction["schema"] == "Sanction" and sanction["properties"]["unscId"] == ["IRe.999"]
    assert "unscId" not in entities["flows-actor-synthetic-drone-works"]["properties"]


def test_against_an_older_release_a_later_designation_is_not_missing(tmp_path: Path, curated):
    """The excerpt is of April 2020: the designations curated by hand from the sanctions of
    October 2022 are rightly not on it (their sanction's announcement dates them); one whose
    date is unknown is reported."""
    root = copy_project(tmp_path / "project")
    rows = {r["sanction_id"]: r for r in curated["sanctions"]}
    eu = [d for d in curated["designations"] if d["authority_id"] == "actor/council-of-the-eu"]
    later = [d for d in eu if (d.get("listed") or rows.get(d.get("sanction_id"), {}).get("announced") or "") > "2020-04-15"]
    undated = [d for d in eu if not d.get("listed") and not rows.get(d.get("sanction_id"), {}).get("announced")]
    assert later and undated
    code, out, err = run_cli("check", "--root", str(root), "--against-list", str(EU))
    assert code == 1
    assert f"({len(later)} listed after this release, rightly not on it)" in out
    assert {line.split(" ")[0] for line in out.splitlines() if ": no longer listed:" in line} == {
        d["designation_id"] for d in undated}
