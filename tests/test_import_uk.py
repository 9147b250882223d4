"""`flows import uk`: OFSI's Consolidated List (CSV in both layouts, XLSX) and the FCDO's UK
Sanctions List (ODS), read as they are. The excerpt is a copy in tests/fixtures/lists/uk/; the whole
releases are in ../shared/fixtures/lists/full/ (PROVENANCE.md there), read by the tests marked slow."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import ROOT, copy_project, run_cli, imported_records
from flows.build.dates import day_first_date
from flows.build.list_rows import rows
from flows.build.pipeline import build
from flows.build.texts import normalise
from flows.importers.model import ListError
from flows.importers.records import load_records
from flows.importers.select import select
from flows.importers.uk import FCDO_SHORT, OFSI_2022, OFSI_LEGACY, UkRelease, items, paired, un_reference

EXCERPT = Path(__file__).parent / "fixtures" / "lists" / "uk" / "ConList-2018-excerpt.csv"
FULL = ROOT.parent / "shared" / "fixtures" / "lists" / "full"
CONLIST_2020 = FULL / "uk-ofsi-conlist-2020-04-27" / "ConList.csv"
CONLIST_2025 = FULL / "uk-ofsi-conlist-2025-04-14" / "ConList.xlsx"
FCDO = FULL / "uk-fcdo-2025-11-19" / "FCDO_SL_2025-11-19.ods"
IRAN = "Iran (nuclear proliferation)"


def _values(values, kind=None):
    return [(v.kind, v.value) if kind is None else v.value for v in values if kind in (None, v.kind)]


# -- the 2018 excerpt: the layout used until 2022 ------------------------------------------------

@pytest.fixture(scope="module")
def excerpt():
    release = UkRelease(EXCERPT)
    return release, {e.ref: e for e in release.entries(None)}


def test_excerpt_layout_date_and_grouping(excerpt):
    release, got = excerpt
    assert release.layout is OFSI_LEGACY and release.released() == "2018-04-13"
    assert (release.list_key, release.ref_label, release.authority_id) == ("uk-ofsi-conlist-legacy", "Group ID",
                                                                           "actor/hm-government")
    info = release.info[EXCERPT.name]
    assert info.encoding == "ascii" and info.size == EXCERPT.stat().st_size
    # one entry per Group ID, in the order of its first row; rows 3-4 are one group (with the header, 2)
    assert list(got)[:3] == ["13349", "13188", "13562"]
    assert [r.line for r in got["13349"].rows()] == [2, 3, 4]


def test_excerpt_names_and_aliases(excerpt):
    _, got = excerpt
    aghajani = got["12274"]
    assert (aghajani.name, aghajani.actor_type, aghajani.row.line) == ("Azim AGHAJANI", "person", 24)  # Prime Alias
    assert _values(aghajani.aliases) == [("alias", "Azim ADHAJANI"), ("primary", "Azim AGHAJANI")]
    kim = got["13562"]
    assert kim.name == "Kim Kyong IL"  # " IL" is Name 6, the surname: last, its leading space gone
    assert kim.position == "Foreign Trade Bank deputy chief representative in Libya"
    qods = got["9046"]
    assert (qods.name, qods.actor_type, qods.list_type) == ("QODS AERONAUTICS INDUSTRIES", "company", "entity")
    assert (qods.programs, qods.listed) == ([IRAN], "2007-03-24")


def test_excerpt_attributes_and_details(excerpt):
    _, got = excerpt
    qahtani = got["13349"]
    assert _values(qahtani.attributes, "birth_date") == ["1980", "1981"]  # 00/00/1980, 00/00/1981
    assert _values(qahtani.attributes, "nationality") == ["Saudi Arabia", "Qatar"]  # 1) Saudi Arabia 2) Qatar
    assert _values(qahtani.attributes, "passport") == ["Passport No: 592667 (Qatari passport issued on 3 May 2007)"]
    assert _values(qahtani.attributes, "address") == ["Afghanistan (since 2009)"]
    assert _values(got["12274"].attributes, "passport") == ["6620505", "9003213"]
    assert _values(got["13562"].attributes, "birth_date") == ["1979-08-01"]
    assert _values(got["11203"].attributes, "address") == [
        "107 Sepahbod Gharani Ave, Tehran, Iran", "Ave Sepahbod Gharani, PO Box 15815/1775, Tehran, Iran",
        "Ave Sepahbod Gharani, PO Box 15815/3446, Tehran, Iran"]
    un = {ref: _values(e.details, "un_reference") for ref, e in got.items()}
    assert un["9046"] == ["IRe.055"] and un["12274"] == ["IRi.003"] and un["13349"] == ["QDe.004"]
    assert un["13188"] == ["QE.A.146.14"] and un["13562"] == ["KPI.067"] and un["10657"] == ["E.29.I.11"]
    assert un["11203"] == []  # "EU listing. Not UN."
    assert _values(got["12872"].details, "other_information") == ["UK listing only. Not currently in the UK."]
    assert _values(got["13349"].details, "ofsi_group_id") == ["13349"]


def test_excerpt_evidence_is_the_rows_verbatim(excerpt):
    _, got = excerpt
    lines = EXCERPT.read_text(encoding="ascii").splitlines()
    for e in got.values():
        for v in e.aliases + e.attributes + e.details:
            assert v.row.text == lines[v.row.line - 1]
    assert got["9046"].row.locator("Group ID 9046", "listing") == "ConList-2018-excerpt.csv line 28, Group ID 9046, listing"


def test_excerpt_selection(excerpt):
    release, _ = excerpt
    assert select(release, [IRAN], []).refs == {"9002", "10657", "8990", "12274", "11203", "9046"}
    around = select(release, [], ["qods aeronautics industries", "Azim ADHAJANI", "13562"], depth=1)
    assert around.refs == {"9046", "12274", "13562"} and around.unresolved_seeds == []


def test_day_first_dates_and_numbered_lists():
    assert [day_first_date(v) for v in ("20/10/2022", "29-06-2012", "00/06/1960", "00/00/1964", "06/1960",
                                        "1964", "31/02/2022", "2022-10-20")] == \
        ["2022-10-20", "2012-06-29", "1960-06", "1964", "1960-06", "1964", None, None]
    assert items("(1) German (2) Moroccan") == ["German", "Moroccan"]
    assert items("(1)-(2) Indonesia") == ["(1)-(2) Indonesia"]  # not a list of items: kept whole
    assert paired("(1) 223611 (2) C00146605", "(1) Libya number (2) British passport number", "{} ({})") == \
        ["223611 (Libya number)", "C00146605 (British passport number)"]
    assert paired("(1) 1024 (2) -", "Pakistan", "{} ({})") == ["1024 (Pakistan)"]
    assert un_reference("(UN Ref):CDi. 038. Listed pursuant to", ) == "CDi.038"


# -- refused files: the real excerpt changed minimally --------------------------------------------

def _excerpt_with(tmp_path: Path, old: bytes, new: bytes, name: str = "ConList.csv") -> Path:
    data = EXCERPT.read_bytes()
    assert old in data
    path = tmp_path / name
    path.write_bytes(data.replace(old, new, 1))
    return path


def _refused(path: Path) -> str:
    with pytest.raises(ListError) as e:
        release = UkRelease(path)
        list(release.entries(None))
    return str(e.value)


@pytest.mark.parametrize("old, new, expected", [
    (b"Passport Details,NI Number", b"Passport Details,NI No",
     "ConList.csv:2: NI No: column 13 is 'NI No' where the OFSI ConList (29 columns, until 2022) layout has 'NI Number'"),
    (b",Group ID\n", b",Group ID,Extra\n", "ConList.csv:2: Extra: an unexpected column 30 'Extra'"),
    (b"Name 6,Name 1", b"Surname,Name 1", "ConList.csv:2: Surname: the header starts with 'Surname'"),
    (b"Last Updated,13/04/2018", b"Last Updated,13/14/2018", "ConList.csv:1: Last Updated: '13/14/2018' is not a date"),
    (b"24/03/2007,27/06/2017,9046", b"24/03/07,27/06/2017,9046", "ConList.csv:28: Listed On: '24/03/07' is not a date"),
    (b"Prime Alias,Iran (nuclear proliferation),24/03/2007", b"Main,Iran (nuclear proliferation),24/03/2007",
     "ConList.csv:28: Alias Type: 'Main': not an alias type"),
    (b"Entity,Prime Alias,Iran (nuclear proliferation),24/03/2007", b"Vessel,Prime Alias,Iran (nuclear proliferation),24/03/2007",
     "ConList.csv:28: Group Type: 'Vessel': not a target type"),
    (b",9046", b",90x6", "ConList.csv:28: Group ID: '90x6' is not a number"),
    (b",9046", b",9046,9047", "ConList.csv:28: column 30: a value beyond the header's last column (Group ID): '9047'"),
    (b"QODS AERONAUTICS", b"QODS\x1bAERONAUTICS", "ConList.csv:28: Name 6: control character U+001B"),
    (b"QODS AERONAUTICS", b"QODS \xe2\x80\xaeAERONAUTICS", "ConList.csv:28: Name 6: bidirectional override U+202E"),
    (b"QODS AERONAUTICS", b"QODS \x81AERONAUTICS", "ConList.csv:28: byte 0x81 at column 6 is neither UTF-8 nor Windows-1252"),
    (b",UN Ref IRe.055", b',"UN Ref IRe.055', "ConList.csv:28: not a CSV row: unexpected end of data"),
    (b",UN Ref QDe.004.", b',"UN Ref QDe.004.', "ConList.csv:3: not a CSV row: ',' expected after '\"'"),
])
def test_refused(tmp_path, old, new, expected):
    assert expected in _refused(_excerpt_with(tmp_path, old, new))


def test_refused_cut_short(tmp_path):
    path = tmp_path / "ConList.csv"
    path.write_bytes(b"".join(EXCERPT.read_bytes().splitlines(keepends=True)[:2]))  # preamble and header
    assert _refused(path).endswith("ConList.csv: holds no rows under its header (a file cut short?)")
    path.write_bytes(b"")
    assert _refused(path).endswith("ConList.csv: holds no header row: not a UK list file")


def test_windows_1252_read_strictly(tmp_path):
    path = _excerpt_with(tmp_path, b"QODS AERONAUTICS", b"QODS A\xc9RONAUTICS")  # 0xC9: not UTF-8 here
    release = UkRelease(path)
    got = {e.ref: e for e in release.entries(None)}
    assert got["9046"].name == "QODS AÉRONAUTICS INDUSTRIES" and release.info[path.name].encoding == "cp1252"


def test_cli_release_date(tmp_path):
    root = copy_project(tmp_path / "project")
    code, _, err = run_cli("import", "uk", str(EXCERPT), "--released", "2018-04-14", "--root", str(root))
    assert code == 1 and "gives its release date, 2018-04-13" in err
    csv = tmp_path / "fcdo.csv"  # the FCDO's short layout as CSV: no date in the file
    csv.write_text("Unique ID,OFSI Group ID,Name,Regime Name,Type,Designation source,Date Designated,"
                   "Sanctions Imposed\nRUS1655,15607,Shahed Aviation Industries,Russia,Entity,UK,20-10-2022,"
                   "Asset freeze\n", encoding="utf-8")
    code, _, err = run_cli("import", "uk", str(csv), "--root", str(root))
    assert code == 1 and "carries no release date: give it with --released" in err
    assert not (root / "data" / "raw" / "sources" / "uk-sanctions-list-2025-11-19.yaml").exists()
    code, out, err = run_cli("import", "uk", str(csv), "--released", "2025-11-19", "--root", str(root))
    assert code == 0, err
    assert "RUS1655 -> actor/shahed-aviation-industries: same list reference: designation/uk-rus1655" in out
    source = yaml.safe_load((root / "data" / "raw" / "sources" / "uk-sanctions-list-2025-11-19.yaml").read_text(encoding="utf-8"))
    assert source["source"]["date_basis"].startswith("the file carries no date")
    assert [(c["record_id"], c["locator"]) for c in source["claims"]] == [
        ("actor/shahed-aviation-industries", "fcdo.csv line 2"), ("designation/uk-rus1655", "fcdo.csv line 2")]
    # the claims name the row; the build fills their evidence with it (the date as the row writes it)
    assert not any("evidence_text" in c for c in source["claims"])
    text = (root / "data" / "raw" / "texts" / "uk-sanctions-list-2025-11-19.txt").read_text(encoding="utf-8")
    assert "\n2\tRUS1655,15607,Shahed Aviation Industries,Russia,Entity,UK,20-10-2022,Asset freeze\n" in text


# -- whole releases ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def conlist_2025():
    release = UkRelease(CONLIST_2025)
    return release, {e.ref: e for e in release.entries(None)}


@pytest.mark.slow
def test_conlist_2025_xlsx(conlist_2025):
    release, got = conlist_2025
    assert release.layout is OFSI_2022 and release.released() == "2025-04-14"
    assert release.ref_label == "UK Sanctions List Ref" and len(got) == 4688  # its Group IDs (PROVENANCE.md)
    shahed = got["RUS1655"]
    assert (shahed.name, shahed.actor_type, shahed.programs, shahed.listed) == \
        ("SHAHED AVIATION INDUSTRIES", "company", ["Russia"], "2022-10-20")
    assert _values(shahed.details, "ofsi_group_id") == ["15607"]
    assert shahed.row.locator("UK Sanctions List Ref RUS1655") == "ConList.xlsx sheet Data row 16108, UK Sanctions List Ref RUS1655"
    bagheri = got["RUS1652"]
    assert bagheri.name == "Mohammad BAGHERI" and bagheri.position == "Chairman of the Armed Forces General Staff"
    assert ("native_script", "محمد باقری") in _values(bagheri.aliases)
    attrs = _values(bagheri.attributes)
    assert ("birth_date", "1960-06") in attrs and ("place_of_birth", "Tehran, Iran") in attrs  # DOB 00/06/1960
    assert ("gender", "Male") in attrs and ("nationality", "Iran") in attrs
    assert _values(bagheri.details, "title") == ["Major General"]
    assert _values(bagheri.details, "uk_date_designated") == ["2022-10-20"]
    qods = got["INU0253"]
    assert qods.name == "QODS AERONAUTICS INDUSTRIES (QAI)" and qods.programs == ["Iran (Nuclear)"]
    assert ("primary_variation", "QODS AVIATION INDUSTRIES") in _values(qods.aliases)
    assert _values(qods.details, "ofsi_group_id") == ["16138"]
    aghajani = got["RUS1653"]
    assert aghajani.name == "Saeed AGHAJANI" and ("primary_variation", "Said ARA JANI") in _values(aghajani.aliases)
    # one group designated under two regimes carries two references: the first is the entry's
    irgc_qf = got["INU0082"]
    assert irgc_qf.programs == ["Iran (Nuclear)", "Syria"] and _values(irgc_qf.details, "uk_reference") == ["SYR0310"]
    assert irgc_qf.listed == "2010-07-27"  # the earliest Listed On of its rows
    kmdtc = got["DPR0157"]
    assert kmdtc.name == "KOREA MINING DEVELOPMENT TRADING CORPORATION"
    assert _values(kmdtc.details, "un_reference") == ["KPe.001"]
    assert got["15878"].name == "Alexander SAMOFAL"  # the one group without a UK reference keeps its Group ID
    # a Persian name between direction embeddings (U+202B ... U+202C) is read, without them
    assert ("native_script", "حیدر مهدیقلی") in _values(got["IRN0153"].aliases)
    assert "\u202b" in next(a for a in got["IRN0153"].aliases if a.kind == "native_script").row.text


@pytest.mark.slow
def test_conlist_2025_rows_are_the_cells_joined_by_tabs(conlist_2025):
    from python_calamine import CalamineWorkbook

    _, got = conlist_2025
    sheet = CalamineWorkbook.from_path(str(CONLIST_2025)).get_sheet_by_name("Data").to_python()
    row = got["RUS1655"].row
    assert row.text.split("\t") == [c for c in sheet[row.line - 1]][:len(row.text.split("\t"))]
    assert row.text.endswith("\t15607") and row.text.startswith("SHAHED AVIATION INDUSTRIES\t")


@pytest.mark.slow
def test_conlist_2020_csv_windows_1252():
    release = UkRelease(CONLIST_2020)
    got = {e.ref: e for e in release.entries(None)}
    info = release.info["ConList.csv"]
    assert release.layout is OFSI_LEGACY and release.released() == "2020-04-27"
    assert (info.encoding, info.size, len(got)) == ("cp1252", 3855148, 2114)  # PROVENANCE.md: 2,114 groups
    prizrak = got["13222"]
    assert prizrak.name == "PRIZRAK BRIGADE" and ("alias", "14TH MOTORIZED RIFLE BATTALION") in _values(prizrak.aliases)
    # 0x92, 0x91 and 0xB4 in Windows-1252
    assert "’2nd Army Corps’ of the ‘Lugansk People´s Republic’" in _values(prizrak.details, "other_information")[0]
    assert prizrak.row.line == 7554 and prizrak.aliases[0].row.line == 8
    qods = got["9046"]
    assert (qods.name, qods.listed, _values(qods.details, "un_reference")) == \
        ("QODS AERONAUTICS INDUSTRIES", "2007-03-24", ["IRe.055"])
    lines = CONLIST_2020.read_bytes().decode("cp1252").split("\r\n")
    assert qods.row.text == lines[qods.row.line - 1]


@pytest.mark.slow
def test_fcdo_ods_short_layout():
    release = UkRelease(FCDO)
    got = {e.ref: e for e in release.entries(None)}
    assert release.layout is FCDO_SHORT and release.released() is None and release.list_key == "uk-sanctions-list"
    assert len(got) == 5668  # designations (PROVENANCE.md)
    shahed = got["RUS1655"]
    assert (shahed.name, shahed.listed, shahed.programs) == ("Shahed Aviation Industries", "2022-10-20", ["Russia"])
    assert _values(shahed.details) == [
        ("ofsi_group_id", "15607"), ("designation_source", "UK"),
        ("sanctions_imposed", "Asset freeze, Director Disqualification Sanction, Trust Services Sanctions")]
    assert shahed.row.locator("Unique ID RUS1655") == "FCDO_SL_2025-11-19.ods sheet UK_Sanction_List row 3845, Unique ID RUS1655"
    assert got["RUS1652"].name == "BAGHERI Mohammad"  # as the FCDO writes it: Name 6 first
    qods = got["INU0253"]
    assert qods.name == "QODS AERONAUTICS INDUSTRIES (QAI)" and ("designation_source", "UK|UN") in _values(qods.details)
    # an empty Name cell (its <text:p> holds only the file's indentation): no actor
    assert got["AFG0043"].name == "" and got["AFG0043"].actor_type is None
    assert got["AFG0043"].listed == "2001-02-23"  # 23-02-2001


def fcdo_rewritten(path: Path, change) -> Path:
    """The FCDO's ODS at `path`, its content.xml changed by `change` (bytes -> bytes), every
    other member as it is."""
    with zipfile.ZipFile(FCDO) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            if item.is_dir():
                continue
            data = src.read(item.filename)
            out.writestr(item.filename, change(data) if item.filename == "content.xml" else data)
    return path


def _ods_with(tmp_path: Path, old: bytes, new: bytes) -> Path:
    """The FCDO's ODS with one change in content.xml."""
    def change(data: bytes) -> bytes:
        assert old in data
        return data.replace(old, new, 1)
    return fcdo_rewritten(tmp_path / "list.ods", change)


@pytest.mark.slow
def test_ods_structure(tmp_path):
    # text:s spaces and text:tab are the characters they stand for
    path = _ods_with(tmp_path, b"<text:p>Shahed Aviation Industries",
                     b"<text:p>Shahed<text:s text:c=\"2\"/>Aviation<text:tab/>Industries")
    got = {e.ref: e for e in UkRelease(path).entries({"RUS1655"})}
    assert got["RUS1655"].name == "Shahed Aviation Industries"  # values fold white space
    # a cell holding a tab is quoted (the row as a tab-separated CSV writes it), so that the text reads back
    assert got["RUS1655"].row.text.startswith('RUS1655\t15607\t"Shahed  Aviation\tIndustries')
    bad = _ods_with(tmp_path, b"<text:p>Date Designated</text:p>", b"<text:p>Designated</text:p>")
    assert "row 1: Designated: column 7 is 'Designated' where the FCDO UK Sanctions List (short, 8 columns) " \
           "layout has 'Date Designated'" in _refused(bad)
    broken = _ods_with(tmp_path, b"<text:p>RUS1655</text:p>", b"<text:p>RUS1655</text:q>")
    assert "content.xml line" in _refused(broken) and "malformed XML" in _refused(broken)


@pytest.mark.slow
def test_calamine_refuses_the_fcdo_ods():
    """Why the ODS is read by expat: python-calamine fails on this real file (remove the
    reader of sheets.py when a release of calamine reads it)."""
    from python_calamine import CalamineError, CalamineWorkbook

    with pytest.raises(CalamineError):
        CalamineWorkbook.from_path(str(FCDO))


# -- end to end: imports into a copy of the project, built and checked ----------------------------

@pytest.mark.slow
def test_import_build_check(tmp_path):
    root = copy_project(tmp_path)
    code, out, err = run_cli("import", "uk", str(CONLIST_2025), "--root", str(root), "--around", "RUS1655",
                             "--around", "QODS AVIATION INDUSTRIES", "--around", "RUS1652")
    assert code == 0, err
    assert "RUS1652 -> actor/mohammad-hossein-bagheri: same list reference: designation/uk-rus1652" in out
    assert "INU0253 -> actor/qods-aviation-industries: same name or alias" in out
    code, out, err = run_cli("import", "uk", str(FCDO), "--released", "2025-11-19", "--root", str(root),
                             "--around", "INU0253", "--around", "RUS1655")
    assert code == 0, err
    code, out, err = run_cli("import", "uk", str(EXCERPT), "--root", str(root), "--program", IRAN)
    assert code == 0, err
    raw = root / "data" / "raw"
    designations = {d["designation_id"]: d for d in imported_records(root, "uk-ofsi-conlist", "designations")}
    assert designations["designation/uk-inu0253"]["target_actor_id"] == "actor/qods-aviation-industries"
    assert designations["designation/uk-inu0253"]["listed"] == "2023-10-18"
    build(root, with_duckdb=False)
    code, _, err = run_cli("check", "--root", str(root))
    assert code == 0, err
    claims = pd.read_parquet(root / "data" / "processed" / "claims.parquet")
    mine = claims[claims.source_id == "source/uk-ofsi-conlist-2025-04-14"]
    listing = mine[mine.record_id == "designation/uk-rus1655"]  # its row of the sheet, as the archive numbers it
    assert listing.locator.tolist() == ["ConList.xlsx line 16108"]
    archived = {where: normalise(row) for where, row in rows(
        (raw / "texts" / "uk-ofsi-conlist-2025-04-14.txt").read_text(encoding="utf-8"))}
    [evidence] = listing.evidence_text.tolist()  # the row itself, filled by the build
    assert evidence == archived["ConList.xlsx line 16108"]
    assert "RUS1655" in evidence and "20/10/2022" in evidence
    fcdo = claims[claims.source_id == "source/uk-sanctions-list-2025-11-19"]
    assert "designation/uk-inu0253" in set(fcdo.record_id)  # the FCDO list's INU0253: the same designation
    legacy = claims[claims.source_id == "source/uk-ofsi-conlist-legacy-2018-04-13"]
    assert "ConList-2018-excerpt.csv line 28" in set(legacy[legacy.record_id == "designation/uk-9046"].locator)
    text = (raw / "texts" / "uk-sanctions-list-2025-11-19.txt").read_text(encoding="utf-8")
    assert "FCDO_SL_2025-11-19.ods: 187215 bytes, sha256 b8923d97" in text


def test_against_list_checks_the_designations_of_this_uk_list_only(tmp_path, curated):
    """The UK publishes several lists under one authority: compared with OFSI's older layout
    (keyed by Group ID), the designations curated with UK references belong to the other lists
    and are not reported as missing; those of the import are all found."""
    root = copy_project(tmp_path / "project")
    code, _, err = run_cli("import", "uk", str(EXCERPT), "--root", str(root))
    assert code == 0, err
    imported = load_records(root / "data" / "raw", "designations/import-uk-ofsi-conlist-legacy.yaml")
    by_hand = [d for d in curated["designations"] if d["authority_id"] == "actor/hm-government"]
    code, out, err = run_cli("check", "--root", str(root), "--against-list", str(EXCERPT))
    assert code == 0, out + err
    assert out.strip().splitlines()[-1].endswith(
        f"{len(imported)} designations checked; all listed as curated ({len(by_hand)} of the authority's "
        "other lists not checked)")
