"""OfacRelease.archived_entries: the entries of an OFAC release read again from its archived text
alone (texts/ofac-sdn-<date>.txt), equal to those read from the files: the excerpt in
tests/fixtures/lists/ofac/ and every whole release in ../shared/fixtures/lists/full/ofac-*,
whole and selected; archived rows damaged here are refused at their locator."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.importers.archive import archive_text
from flows.importers.model import Entry, ListError
from flows.importers.ofac import OfacRelease
from flows.importers.registry import registry

HERE = Path(__file__).resolve().parent
EXCERPT = HERE / "fixtures" / "lists" / "ofac"
WHOLE = sorted(p for p in (HERE.parents[1] / "shared" / "fixtures" / "lists" / "full").glob("ofac-*")
               if (p / "sdn.csv").is_file())
RELEASES = [pytest.param(EXCERPT, id="excerpt"),
            *(pytest.param(p, id=p.name, marks=pytest.mark.slow) for p in WHOLE)]


def _archive(release: OfacRelease, entries: list[Entry]) -> str:
    return archive_text(registry()["ofac-sdn"], release, "2023-12-28", entries, "every entry", [])


def test_whole_releases_are_found():
    assert WHOLE, "no whole OFAC release in ../shared/fixtures/lists/full"


@pytest.mark.parametrize("folder", RELEASES)
def test_archived_entries_are_the_entries_read_from_the_files(folder: Path):
    release = OfacRelease(folder)
    entries = list(release.entries(None))
    assert entries and any(e.aliases for e in entries) and any(e.attributes for e in entries)
    assert list(OfacRelease.archived_entries(_archive(release, entries))) == entries
    # a selection, as an import archives it, reads back as selected
    assert list(OfacRelease.archived_entries(_archive(release, entries[::3]))) == entries[::3]
    assert list(OfacRelease.archived_entries(_archive(release, []))) == []


def test_values_come_back_with_their_rows():
    release = OfacRelease(EXCERPT)
    entries = list(release.entries(None))
    back = {e.ref: e for e in OfacRelease.archived_entries(_archive(release, entries))}
    sarmad = back["45696"]
    address = next(v for v in sarmad.attributes if v.kind == "address")
    assert (address.row.file, address.row.line) == ("add.csv", 110)
    assert "Isfahan City, Isfahan Province 8138961456" in address.value


@pytest.mark.parametrize("damage, field", [
    (lambda row: row[:15], None),  # cut short: a quote left open
    (lambda row: row + ',"one more"', None),  # 13 fields where sdn.csv has 12
    (lambda row: "X" + row, "ent_num"),  # an ent_num that is no number
    (lambda row: row.replace('"', '"\u202e', 1), "SDN_Name"),  # a bidirectional override
    (lambda row: "36" + row[row.index(","):], "ent_num"),  # the ent_num of the row before (36, line 1)
], ids=["cut", "extra-field", "bad-ent-num", "override", "ent-num-again"])
def test_a_damaged_row_is_refused_at_its_locator(damage, field):
    release = OfacRelease(EXCERPT)
    entries = list(release.entries(None))
    text = _archive(release, entries)
    row = entries[1].row
    text = text.replace(f"\n{row.line}\t{row.text}\n", f"\n{row.line}\t{damage(row.text)}\n")
    with pytest.raises(ListError) as e:
        list(OfacRelease.archived_entries(text))
    assert (e.value.problem.where, e.value.problem.field) == (f"sdn.csv line {row.line}", field)
