"""`flows import un`: the UN consolidated list XML (shared fixture, dateGenerated 2026-02-27)."""

from __future__ import annotations

from pathlib import Path

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


def test_streams_in_small_chunks(monkeypatch):
    import flows.importers.un as un

    monkeypatch.setattr(un, "CHUNK", 97)  # elements cut across many chunk borders
    got = [(tag, line, raw) for tag, line, raw in elements(UN)]
    assert [(t, l) for t, l, _ in got] == [("INDIVIDUAL", 4), ("INDIVIDUAL", 42), ("ENTITY", 88)]
    assert got[2][2].startswith("<ENTITY>") and got[2][2].endswith("</ENTITY>")


def test_select():
    release = UnRelease(UN)
    assert select(release, ["iran"], []).refs == {"IRi.001", "IRe.001"}
    assert select(release, [], ["7th of Tir"]).refs == {"IRe.001"}
