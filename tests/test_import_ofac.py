"""`flows import ofac`: OFAC's legacy CSV files read as they are (shared fixtures, 2023-12-28)."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.importers.ofac import OfacRelease, decode, parse_remarks, programs, read_rows, remark_value
from flows.importers.select import norm, select
from flows.importers.model import FileInfo

OFAC = Path(__file__).parent / "fixtures" / "lists" / "ofac"


@pytest.fixture(scope="module")
def entries():
    release = OfacRelease(OFAC)
    got = {e.ref: e for e in release.entries(None)}
    return release, got


def test_files_terminator_and_encoding(entries):
    release, got = entries
    assert len(got) == 67
    info = release.info
    assert (info["sdn.csv"].rows, info["add.csv"].rows, info["alt.csv"].rows) == (67, 114, 100)
    assert all(info[f].terminator for f in ("sdn.csv", "add.csv", "alt.csv"))  # the final 0x1A line
    assert {info[f].encoding for f in info} == {"ascii"}
    assert info["sdn.csv"].size == 12037
    assert list(got)[-1] == "46919" and got["46919"].name == "SAMAN INDUSTRIAL GROUP"
    assert all(e.ref.isdigit() for e in got.values())  # 0x1A never became a row
    # alt.csv lines 1-40 hold aliases of entries not in the sdn.csv excerpt (PROVENANCE.md)
    assert release.orphans == 24


def test_decode_falls_back_to_windows_1252():
    assert decode(b"caf\xc3\xa9") == ("café", "utf-8")
    assert decode(b"caf\xe9") == ("café", "cp1252")
    assert decode(b"-0- ") == ("-0- ", "ascii")


def test_crlf_null_marker_and_rows_verbatim():
    rows = list(read_rows(OFAC / "add.csv", FileInfo("add.csv", 0, "", "")))
    row, fields = next((r, f) for r, f in rows if f[0] == "39096")
    assert row.text == '39096,58224,-0- ,-0- ,"Iran",-0- '  # CRLF gone, trailing space kept
    assert fields == ["39096", "58224", None, None, "Iran", None]


def test_names_programs_aliases_attributes(entries):
    _, got = entries
    e = got["39096"]
    assert e.name == "GHOREISHI, Seyed Hojatollah" and e.actor_type == "person"
    assert e.programs == ["NPWMD", "IFSR", "IRAN-CON-ARMS-EO"]
    assert programs("NPWMD] [IFSR") == ["NPWMD", "IFSR"]
    aliases = [(a.kind, a.value) for a in e.aliases]
    assert ("alias", "QUREISHI, Seyed Hojjatollah") in aliases and len(aliases) == 9
    attrs = [(a.kind, a.value) for a in e.attributes]
    assert ("birth_date", "27 Sep 1964") in attrs
    assert ("nationality", "Iran") in attrs and ("gender", "Male") in attrs
    assert ("national_id", "5929869741 (Iran)") in attrs
    assert sum(k == "passport" for k, _ in attrs) == 5
    assert ("address", "Iran") in attrs
    assert [v.value for v in e.links] == ["MINISTRY OF DEFENSE AND ARMED FORCES LOGISTICS",
                                          "QODS AVIATION INDUSTRIES"]
    assert e.row.file == "sdn.csv" and e.row.text.startswith('39096,"GHOREISHI, Seyed Hojatollah"')

    shahed = got["39637"]
    assert ("alias", "SAIRC") in [(a.kind, a.value) for a in shahed.aliases]
    assert ("address", "Shahid Lavi Street, Sajad Street, Isfahan, Iran") in \
        [(a.kind, a.value) for a in shahed.attributes]
    assert ("website", "http://www.shahedaviation.com") in [(a.kind, a.value) for a in shahed.attributes]
    engine = [(a.kind, a.value) for a in got["39039"].aliases]
    assert ("former_name", "TEM") in engine  # f.k.a. in the remarks
    assert ("former_name", "TURBINE ENGINE MANUFACTURING PLANT") in engine  # fka in alt.csv
    assert got["12055"].actor_type == "company" and got["12055"].list_type == "entity"
    assert got["12055"].programs == ["FTO", "SDGT", "NPWMD", "IRGC", "IFSR", "RUSSIA-EO14024"]
    addresses = [a.value for a in got["38977"].attributes if a.kind == "address"]
    assert addresses[1] == "Plaza del Olivar, 1 4, Palma de Mallorca, Baleares H24 07002, Spain"
    assert addresses[3] == "Damascus, Syria"  # -0- street left out


def test_select_by_program_and_graph():
    release = OfacRelease(OFAC)
    around = select(release, [], ["QODS AVIATION INDUSTRIES", "IRGC Air Force"], depth=1)
    assert around.refs == {"12055", "16418", "39038", "39096", "39637", "40416", "40417", "40418",
                           "40419", "40420", "45696"}
    assert around.why["12055"] == "seed"  # found by its alias in alt.csv
    assert around.unresolved_seeds == []
    russia = select(release, ["RUSSIA-EO14024"], [])
    assert russia.refs == {"12055", "16418", "38976", "38977", "38978", "39776", "39777"}
    two = select(release, [], ["39096"], depth=2)
    assert {"39096", "16418", "45696", "40416"} <= two.refs  # QAI, then who is linked to QAI
    assert select(release, [], []).refs is None


# -- the remarks of the whole 2023-12-28 sdn.csv ---------------------------------------------

FULL = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures" / "lists" / "full"


@pytest.fixture(scope="module")
def sdn_2023():
    """Every row of the whole sdn.csv of 2023-12-28: (Row, fields), and the csv module's own
    reading of the same file (an independent split)."""
    import csv
    import io

    path = FULL / "ofac-2023-12-28" / "sdn.csv"
    rows = list(read_rows(path))
    text = path.read_bytes().decode("cp1252").rstrip("\x1a")
    independent = [r for r in csv.reader(io.StringIO(text, newline="")) if r]
    return rows, independent


def _entry_values(rows, ent: str):
    row, fields = next((r, f) for r, f in rows if f[0] == ent)
    aliases, attributes, links = parse_remarks(fields[11], row)
    return [(v.kind, v.value) for v in attributes], [v.value for v in links]


def test_every_linked_party_on_the_list_is_found(sdn_2023):
    """A name ending in an abbreviation keeps its dot when the remark is the last one, where the
    field's full stop and the name's dot are one ("Linked To: X CO."): 503 links of this list
    were lost when the dot was dropped. Each linked party named as a primary name on the list
    (with or without the dot, found here on the raw text) is found by its parsed name."""
    rows, independent = sdn_2023
    names = {r[1].strip() for r in independent}
    raw = [item.split("Linked To: ", 1)[1].strip() for r in independent
           for item in r[11].strip().split("; ") if item.startswith("Linked To: ")]
    on_list = sum(n in names or n.removesuffix(".") in names for n in raw)
    parsed = [v for row, f in rows for v in parse_remarks(f[11], row)[2]]
    assert len(parsed) == len(raw)
    normalised = {norm(n) for n in names}  # once: in the generator it was built again per link
    assert sum(norm(v.value) in normalised for v in parsed) == on_list
    # the dot of an abbreviation stays: the names OFAC writes with it are read with it
    dotted = [n for n in raw if n in names and n.removesuffix(".") not in names and n.endswith(".")]
    assert "PERSIAN GULF PETROCHEMICAL INDUSTRY CO." in dotted
    assert {v.value for v in parsed} >= set(dotted)
    assert "MINISTRY OF DEFENSE AND ARMED FORCES LOGISTICS" in {v.value for v in parsed}  # a full stop only


def test_remarks_read_as_attributes(sdn_2023):
    rows, _ = sdn_2023
    attrs, _ = _entry_values(rows, "4107")
    assert ("national_id", "Cedula No. 6068015 (Colombia)") in attrs  # the register stays in the value
    assert ("national_id", "Cedula No. 6067015 (Colombia)") in attrs  # an "alt." one too
    assert _entry_values(rows, "6531")[0] == [("tax_id", "NIT # 800018928-0 (Colombia)")]
    assert ("citizenship", "Egypt") in _entry_values(rows, "6915")[0]
    soleimani = _entry_values(rows, "10481")[0]
    assert ("passport", "Diplomatic Passport 008827 (Iran) issued 1999") in soleimani
    assert ("citizenship", "Iran") in soleimani and ("nationality", "Iran") in soleimani
    assert ("email", "dam.d.free@net.sy") in _entry_values(rows, "10933")[0]  # the last remark: full stop gone
    assert ("phone", "982188526300") in _entry_values(rows, "12802")[0]
    assert ("registration_number", "Company Number 01074897 (United Kingdom)") in _entry_values(rows, "906")[0]
    assert ("swift_bic", "HAVIGB2L") in _entry_values(rows, "906")[0]
    lazarus = _entry_values(rows, "27307")[0]
    assert ("digital_currency_address", "ETH 0x098B716B8Aaf21512996dC57EB0615e2383E2f96") in lazarus
    vtb = _entry_values(rows, "17013")[0]
    assert ("swift_bic", "VTBRRUMM") in vtb and ("website", "www.vtb.com") in vtb
    assert any(k == "legal_entity_id" for k, _ in vtb)


def test_remarks_the_reader_leaves(sdn_2023):
    """Items that give no alias, link or identifying detail stay unread: sanctions notes, titles,
    a vessel's or an aircraft's details."""
    rows, _ = sdn_2023
    row = rows[0][0]
    for item in ("Additional Sanctions Information - Subject to Secondary Sanctions",
                 "Vessel Registration Identification IMO 7406784", "Aircraft Manufacture Date 1992",
                 "Member of the State Duma of the Federal Assembly of the Russian Federation"):
        assert remark_value(item, row) is None
    assert remark_value("DOBRYNIN", row) is None  # a label is a whole word


# -- files out of order --------------------------------------------------------------------

def _shuffled(dest: Path, names: tuple[str, ...]) -> Path:
    """The fixture with the rows of some files in another order (the final 0x1A line last)."""
    import random

    dest.mkdir()
    for name in ("sdn.csv", "add.csv", "alt.csv"):
        lines = (OFAC / name).read_bytes().split(b"\r\n")
        end = lines.index(b"\x1a")
        rows = lines[:end]
        if name in names:
            random.Random(18).shuffle(rows)
        (dest / name).write_bytes(b"\r\n".join(rows + lines[end:]))
    return dest


@pytest.mark.parametrize("names", [("add.csv", "alt.csv"), ("alt.csv",), ("sdn.csv", "add.csv", "alt.csv")])
def test_files_out_of_order_are_read_once(tmp_path: Path, monkeypatch, names, entries):
    import flows.importers.ofac as ofac

    _, expected = entries
    opened: list[str] = []
    read = ofac.read_rows

    def counted(path, info=None):
        opened.append(path.name)
        return read(path, info)

    monkeypatch.setattr(ofac, "read_rows", counted)
    release = OfacRelease(_shuffled(tmp_path / "shuffled", names))
    got = list(release.entries(None))
    assert sorted(opened) == ["add.csv", "alt.csv", "sdn.csv"]  # each file once
    assert sorted(e.ref for e in got) == sorted(expected) and len(got) == len(expected)
    for e in got:
        want = expected[e.ref]
        assert (e.name, [v.value for v in e.links]) == (want.name, [v.value for v in want.links])
        assert sorted((v.kind, v.value) for v in e.aliases) == sorted((v.kind, v.value) for v in want.aliases)
        assert sorted((v.kind, v.value) for v in e.attributes) == sorted((v.kind, v.value) for v in want.attributes)
    assert release.orphans == 24


def test_a_whole_release_out_of_order_late_is_read_once_without_repeats(tmp_path: Path):
    """alt.csv of April 2021 with its last 200 rows out of order: the disorder is met after
    thousands of entries were read, where the old reader started again and gave 2,177 entries
    twice."""
    import random

    folder = tmp_path / "late"
    folder.mkdir()
    for name in ("sdn.csv", "add.csv", "alt.csv"):
        lines = (FULL / "ofac-2021-04" / name).read_bytes().split(b"\r\n")
        end = lines.index(b"\x1a")
        rows = lines[:end]
        if name == "alt.csv":
            tail = rows[-200:]
            random.Random(18).shuffle(tail)
            rows = rows[:-200] + tail
        (folder / name).write_bytes(b"\r\n".join(rows + lines[end:]))
    release = OfacRelease(folder, complete=True)
    refs = [e.ref for e in release.entries(None)]
    assert len(refs) == len(set(refs)) == release.info["sdn.csv"].rows
    assert release.info["alt.csv"].rows == len(_independent(folder / "alt.csv"))


def _independent(path: Path) -> list[list[str]]:
    import csv
    import io

    text = path.read_bytes().decode("cp1252").rstrip("\x1a")
    return [r for r in csv.reader(io.StringIO(text, newline="")) if r]
