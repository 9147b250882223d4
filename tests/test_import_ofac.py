"""`flows import ofac`: OFAC's legacy CSV files read as they are (shared fixtures, 2023-12-28)."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.importers.ofac import OfacRelease, decode, programs, read_rows
from flows.importers.select import select
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
