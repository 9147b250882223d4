"""The UK lists read again from an import's archived text (UkRelease.archived_entries): the same
entries as from the files, for every real release at hand (OFSI's CSV in the layout used until
2022, its 2022-format XLSX, the FCDO's ODS), for a selection, and a damaged row refused by its
locator. The spreadsheet rows' text (cells joined by tabs) reads back into exactly its cells."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest

from conftest import ROOT
from flows.build.list_rows import locator
from flows.importers import sheets
from flows.importers.archive import archive_text, archived_rows
from flows.importers.model import Entry, ListError
from flows.importers.registry import list_of
from flows.importers.sheets import SheetRow
from flows.importers.uk import FCDO_SHORT, OFSI_2022, OFSI_LEGACY, UkRelease
from test_import_uk import fcdo_rewritten

EXCERPT = Path(__file__).parent / "fixtures" / "lists" / "uk" / "ConList-2018-excerpt.csv"
SHARED_EXCERPT = ROOT.parent / "shared" / "fixtures" / "lists" / "uk" / "ConList-2018-excerpt.csv"
FULL = ROOT.parent / "shared" / "fixtures" / "lists" / "full"
CONLIST_2020 = FULL / "uk-ofsi-conlist-2020-04-27" / "ConList.csv"
CONLIST_2025 = FULL / "uk-ofsi-conlist-2025-04-14" / "ConList.xlsx"
FCDO = FULL / "uk-fcdo-2025-11-19" / "FCDO_SL_2025-11-19.ods"
RELEASES = {CONLIST_2020: OFSI_LEGACY, CONLIST_2025: OFSI_2022, FCDO: FCDO_SHORT}


def _read(path: Path) -> tuple[UkRelease, list[Entry]]:
    release = list_of(path).open(path)
    return release, list(release.entries(None))


def _archive(path: Path, release: UkRelease, entries: list[Entry], note: str = "every entry") -> str:
    spec = list_of(path).for_release(release)
    return archive_text(spec, release, release.released() or "2025-11-19", entries, note, [])


def _damaged(text: str, row) -> str:
    """The archived text with `row` (one line) cut to a third of its length."""
    line = f"\n{row.line}\t{row.text}\n"
    assert "\n" not in row.text and text.count(line) == 1
    return text.replace(line, f"\n{row.line}\t{row.text[:len(row.text) // 3]}\n")


def _refused_at(text: str) -> str:
    with pytest.raises(ListError) as e:
        list(UkRelease.archived_entries(text))
    return e.value.problem.where


@functools.cache
def _whole(path: Path) -> tuple[UkRelease, list[Entry]]:
    """A whole release, read once for the tests that share it."""
    return _read(path)


def _round_trips(path: Path, release: UkRelease, entries: list[Entry]) -> None:
    text = _archive(path, release, entries)
    assert list(UkRelease.archived_entries(text)) == entries
    # the header row is archived once, first in its file's section: every entry keeps it
    header = release.header_row
    assert all(header in e.extra_rows for e in entries)
    assert next(archived_rows(text)).line == header.line and text.count(f"\n{header.line}\t{header.text}\n") == 1
    selection = entries[::3]
    assert list(UkRelease.archived_entries(_archive(path, release, selection, "every third entry"))) == selection
    row = next(e.row for e in entries[2:] if "\n" not in e.row.text)
    assert _refused_at(_damaged(text, row)) == locator(path.name, row.line)


# -- the excerpts of OFSI's CSV (the layout used until 2022) --------------------------------------

@pytest.mark.parametrize("path", [EXCERPT, SHARED_EXCERPT], ids=["tests", "shared"])
def test_excerpt_read_again_from_its_archive(path):
    release, entries = _read(path)
    assert release.layout is OFSI_LEGACY and release.released() == "2018-04-13"
    _round_trips(path, release, entries)


def test_excerpt_archive_refusals():
    release, entries = _read(EXCERPT)
    text = _archive(EXCERPT, release, entries)
    assert list(UkRelease.archived_entries(_archive(EXCERPT, release, []))) == []
    # a header row no layout has: refused at the header's locator
    header = release.header_row
    assert _refused_at(text.replace(f"\n{header.line}\tName 6,", f"\n{header.line}\tName 7,")) == \
        locator(EXCERPT.name, header.line)
    # a quoted field cut open: not a CSV row
    row = next(r for e in entries for r in e.rows() if '"' in r.text and "\n" not in r.text)
    damaged = text.replace(f"\n{row.line}\t{row.text}\n", f"\n{row.line}\t{row.text[:row.text.index(chr(34)) + 2]}\n")
    with pytest.raises(ListError, match="not a CSV row"):
        list(UkRelease.archived_entries(damaged))
    assert _refused_at(damaged) == locator(EXCERPT.name, row.line)
    # rows of a file other than the release's
    other = text.replace(f"=== {EXCERPT.name} ===", "=== ConList.csv ===").replace(
        f"\n{row.line}\t", f"\n=== {EXCERPT.name} ===\n{row.line}\t")
    assert _refused_at(other) == locator(EXCERPT.name, row.line)


# -- the FCDO's ODS, cut to its first rows (fast), and the spreadsheets' joined cells -------------

def _fcdo_first_rows(tmp_path: Path, rows: int) -> Path:
    """The FCDO's ODS with its header and first `rows` rows, the rest of content.xml as it is."""
    def first_rows(data: bytes) -> bytes:
        ends = [m.end() for m in re.finditer(rb"</table:table-row>", data)]
        return data[:ends[rows]] + data[data.rindex(b"</table:table>"):]
    return fcdo_rewritten(tmp_path / "FCDO_SL_first_rows.ods", first_rows)


def test_fcdo_ods_rows_read_again_from_their_archive(tmp_path):
    path = _fcdo_first_rows(tmp_path, 40)
    release, entries = _read(path)
    assert release.layout is FCDO_SHORT and len(entries) == 40
    text = _archive(path, release, entries)
    assert sheets.archived_sheet(text, path.name) == "UK_Sanction_List"
    again = list(UkRelease.archived_entries(text))
    assert again == entries and isinstance(again[0].row, SheetRow) and again[0].row.sheet == "UK_Sanction_List"
    _round_trips(path, release, entries)
    # an archive whose header names no sheet for the file
    no_sheet = re.sub(r"ODS, table '[^']*'", "ODS", text, count=1)
    with pytest.raises(ListError, match="names no sheet"):
        list(UkRelease.archived_entries(no_sheet))


@pytest.mark.parametrize("cells", [
    ["a", "b", "c"],
    ["", "", "x"],  # empty cells before the first value
    ["a", "", "b"],
    ["Shahed  Aviation\tIndustries", "Russia"],  # a tab in a cell (OFSI's XLSX has some)
    ['"ZAPCHAST TRADE" LLP', "16636"],  # a cell that starts with a quote (ConList.xlsx row 8)
    ['"quoted"', "a\tb"],
    ['ab"c', 'say "x"', "d"],  # quotes within a cell
    ["line 1\nline 2", "x"],  # a line break in a cell (an ODS cell of two paragraphs)
    ["line 1\r\nline 2", "\tlead", 'x"\ty'],
    ['"', "\t", "\n"],
    [" ", "a"],
])
def test_joined_cells_read_back(cells):
    text = sheets._joined(cells)
    assert sheets.cells(text) == cells
    assert ("\t".join(cells) == text) == (not any("\t" in c or c.startswith('"') for c in cells))


@pytest.mark.parametrize("text", ['"a\tb', 'x\t"unclosed', '"a"b\tc'])
def test_text_no_row_gives_is_refused(text):
    with pytest.raises(ValueError, match="not a CSV row"):
        sheets.cells(text)


def test_csv_cells():
    assert sheets.csv_cells('a,"b, c","d\r\ne"') == ["a", "b, c", "d\r\ne"]
    with pytest.raises(ValueError, match="2 CSV records"):
        sheets.csv_cells("a,b\nc,d")


# -- whole releases ------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("path", list(RELEASES), ids=lambda p: p.parent.name)
def test_whole_release_read_again_from_its_archive(path):
    release, entries = _whole(path)
    assert release.layout is RELEASES[path]
    _round_trips(path, release, entries)


@pytest.mark.slow
def test_conlist_2025_cells_holding_tabs_read_back():
    """ConList.xlsx has cells holding tabs and cells starting with a quote: their rows are written
    as a tab-separated CSV writes them, and read back into the same values."""
    release, entries = _whole(CONLIST_2025)
    zapchast = next(e for e in entries if any(a.row.line == 8 for a in e.aliases))
    row = next(a.row for a in zapchast.aliases if a.row.line == 8)
    assert '"ZAPCHAST TRADE" LLP' in [a.value for a in zapchast.aliases if a.row.line == 8]
    assert row.text.startswith('"""ZAPCHAST TRADE"" LLP"\t') and sheets.cells(row.text)[0] == '"ZAPCHAST TRADE" LLP'
    tabbed = {r.line for e in entries for r in e.rows() if any("\t" in c for c in sheets.cells(r.text))}
    assert {3714, 4950, 6291} <= tabbed
    selection = [e for e in entries if e is zapchast or any(r.line in tabbed for r in e.rows())]
    assert list(UkRelease.archived_entries(_archive(CONLIST_2025, release, selection))) == selection
