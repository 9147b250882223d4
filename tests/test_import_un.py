"""`flows import un`: the UN consolidated list XML (shared fixture, dateGenerated 2026-02-27)."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.importers.model import ListError
from flows.importers.un import UnRelease, elements
from flows.importers.select import select
from flows.build.texts import normalise

UN = Path(__file__).parent / "fixtures" / "lists" / "un" / "consolidated-excerpt.xml"


def test_entries():
    release = UnRelease(UN)
    assert release.generated() == "2026-02-27"
    got = {e.ref: e for e in release.entries(None)}
    assert list(got) == ["CDi.001", "IRi.001", "IRe.001"]
    assert release.info[UN.name].encoding == "utf-8" and release.info[UN.name].rows == 3
    ire = got["IRe.001"]
    assert (ire.name, ire.actor_type, ire.programs, ire.listed) == ("7TH OF TIR", "company", ["Iran"], "2006-12-23")
    iri = got["IRi.001"]
    assert iri.name == "FEREIDOUN ABBASI-DAVANI" and iri.listed == "2007-03-24"
    assert iri.position == "Senior Ministry of Defence and Armed Forces Logistics (MODAFL) Scientist"
    attrs = [(a.kind, a.value) for a in iri.attributes]
    assert attrs == [("birth_date", "1958"), ("birth_date", "1959"),
                     ("place_of_birth", "Abadan, Iran (Islamic Republic of)")]
    cdi = got["CDi.001"]
    assert ("address", "Rwanda (as of early 2016)") in [(a.kind, a.value) for a in cdi.attributes]
    assert cdi.aliases == []  # an empty <ALIAS_NAME/> is no alias
    # the evidence: the element verbatim, found in the file (multi-line text included)
    source = normalise(UN.read_text(encoding="utf-8"))
    for e in got.values():
        assert e.row.line in (4, 42, 88)
        assert normalise(e.row.text) in source
        for v in e.attributes:
            assert normalise(v.row.text) in normalise(e.row.text)


@pytest.mark.parametrize("chunk", [1, 7, 97])
def test_streams_in_small_chunks(monkeypatch, chunk: int):
    """Elements, and their start tags, cut across chunk borders are read whole (a start tag
    cut by a chunk's end was once read from its cut)."""
    import flows.importers.un as un

    whole = list(elements(UN))
    monkeypatch.setattr(un, "CHUNK", chunk)
    got = list(elements(UN))
    assert [(t, l) for t, l, _ in got] == [("INDIVIDUAL", 4), ("INDIVIDUAL", 42), ("ENTITY", 88)]
    assert got == whole
    assert got[2][2].startswith("<ENTITY>") and got[2][2].endswith("</ENTITY>")


def test_select():
    release = UnRelease(UN)
    assert select(release, ["iran"], []).refs == {"IRi.001", "IRe.001"}
    assert select(release, [], ["7th of Tir"]).refs == {"IRe.001"}


# -- dates with a time zone, bytes the parser cannot read ------------------------------------

TEXT = UN.read_bytes()


def _file(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "consolidated.xml"
    path.write_bytes(data)
    return path


def _position(data: bytes, needle: bytes) -> tuple[int, int]:
    """Line and byte column (1-based) of the first byte of needle."""
    at = data.index(needle)
    return data[:at].count(b"\n") + 1, at - data.rfind(b"\n", 0, at)


def test_listed_on_with_a_time_zone_is_its_day(tmp_path: Path):
    """The UN writes a few LISTED_ON values as xs:date with a zone (`2015-03-27-04:00`)."""
    data = TEXT.replace(b"<LISTED_ON>2006-12-23</LISTED_ON>", b"<LISTED_ON>2006-12-23-04:00</LISTED_ON>")
    got = {e.ref: e for e in UnRelease(_file(tmp_path, data)).entries(None)}
    assert got["IRe.001"].listed == "2006-12-23" and got["IRi.001"].listed == "2007-03-24"


def test_listed_on_that_is_no_date_is_refused(tmp_path: Path):
    data = TEXT.replace(b"<LISTED_ON>2006-12-23</LISTED_ON>", b"<LISTED_ON>2006-12-32-04:00</LISTED_ON>")
    path = _file(tmp_path, data)
    with pytest.raises(ListError) as e:
        list(UnRelease(path).entries(None))
    line = data[: data.rindex(b"<ENTITY>", 0, data.index(b"2006-12-32"))].count(b"\n") + 1
    assert (e.value.problem.code, e.value.problem.where, e.value.problem.field) == \
        ("list_date", f"{path}:{line}", "LISTED_ON")
    assert "'2006-12-32-04:00' in this ENTITY is not a date" in e.value.problem.message


def test_a_control_character_is_refused_at_its_line_and_column(tmp_path: Path):
    data = TEXT.replace(b"<FIRST_NAME>FEREIDOUN<", b"<FIRST_NAME>FEREI\x19DOUN<")
    path = _file(tmp_path, data)
    line, column = _position(data, b"\x19")
    with pytest.raises(ListError) as e:
        list(UnRelease(path).entries(None))
    assert e.value.problem.code == "list_character" and e.value.problem.where == f"{path}:{line}"
    assert e.value.problem.message.startswith(f"control character U+0019 at column {column}: XML forbids it")
    assert "--replace-invalid-characters" in e.value.problem.message


def test_a_byte_that_is_not_utf8_is_refused(tmp_path: Path):
    data = TEXT.replace(b"<SECOND_NAME>BADEGE<", b"<SECOND_NAME>BAD\xe9GE<")
    path = _file(tmp_path, data)
    line, column = _position(data, b"\xe9")
    with pytest.raises(ListError) as e:
        list(UnRelease(path).entries(None))
    assert e.value.problem.code == "list_encoding" and e.value.problem.where == f"{path}:{line}"
    assert e.value.problem.message.startswith(f"byte 0xE9 at column {column} is not UTF-8 text")


@pytest.mark.parametrize("chunk", [1 << 20, 7, 97])
def test_damaged_bytes_replaced_when_asked_and_listed(tmp_path: Path, monkeypatch, chunk: int):
    """A damaged copy (the 2025-08-16 mirror has both faults) can be read with each bad byte
    replaced with U+FFFD; every position is kept for the archive header. Small chunks cut the
    file, and its 2-byte characters, anywhere."""
    import flows.importers.un as un

    monkeypatch.setattr(un, "CHUNK", chunk)
    data = (TEXT.replace(b"<FIRST_NAME>FEREIDOUN<", b"<FIRST_NAME>FEREI\x19DOUN<")
            .replace(b"<SECOND_NAME>BADEGE<", b"<SECOND_NAME>BAD\xe9GE<")
            .replace(b"<FIRST_NAME>ERIC<", b"<FIRST_NAME>\xc3\xa9RIC<"))  # valid UTF-8: kept
    path = _file(tmp_path, data)
    release = UnRelease(path, replace_invalid_characters=True)
    got = {e.ref: e for e in release.entries(None)}
    assert got["IRi.001"].name == "FEREI\ufffdDOUN ABBASI-DAVANI"
    assert got["CDi.001"].name == "\u00e9RIC BAD\ufffdGE"
    info = release.info[path.name]
    assert info.replaced == sorted([(*_position(data, b"\x19"), b"\x19"), (*_position(data, b"\xe9G"), b"\xe9")])
    assert info.size == len(data)  # the file's own size and hash, not the repaired text's
    (l1, c1), (l2, c2) = _position(data, b"\xe9G"), _position(data, b"\x19")
    assert info.encoding.startswith("utf-8, damaged: 2 bytes or sequences")
    assert info.encoding.endswith(f"(--replace-invalid-characters), at line:column (byte) {l1}:{c1} 0xE9, {l2}:{c2} 0x19")
    # without the option, the same file is refused
    with pytest.raises(ListError):
        list(UnRelease(path).entries(None))


def test_document_types_in_french_and_spanish(tmp_path: Path):
    data = TEXT.replace(b"<INDIVIDUAL_DOCUMENT/>", "<INDIVIDUAL_DOCUMENT><TYPE_OF_DOCUMENT>Número de pasaporte"
                        "</TYPE_OF_DOCUMENT><NUMBER>D 000974</NUMBER></INDIVIDUAL_DOCUMENT>".encode(), 1)
    got = {e.ref: e for e in UnRelease(_file(tmp_path, data)).entries(None)}
    assert ("passport", "D 000974") in [(a.kind, a.value) for a in got["CDi.001"].attributes]


def test_import_of_a_damaged_copy_on_request_says_so_in_the_archived_text(tmp_path: Path):
    """`flows import un --replace-invalid-characters` (the option of the list's mapping file):
    refused without it; with it, the archived text's header names each byte replaced."""
    from conftest import copy_project, run_cli

    data = TEXT.replace(b"<SECOND_NAME>BADEGE<", b"<SECOND_NAME>BAD\xe9GE<")
    path = _file(tmp_path, data)
    root = copy_project(tmp_path / "project")
    code, _, err = run_cli("import", "un", str(path), "--root", str(root))
    assert code == 1 and "byte 0xE9" in err and "--replace-invalid-characters" in err
    assert not (root / "data" / "raw" / "texts" / "un-consolidated-2026-02-27.txt").exists()
    code, out, err = run_cli("import", "un", str(path), "--replace-invalid-characters", "--root", str(root))
    assert code == 0, err
    line, column = _position(data, b"\xe9G")
    header = (root / "data" / "raw" / "texts" / "un-consolidated-2026-02-27.txt").read_text(encoding="utf-8")
    assert f"{line}:{column} 0xE9" in header.split("SELECTION:")[0]
