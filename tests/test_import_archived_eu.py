"""EuRelease.archived_entries: the entries of an EU FSF release read again from its archived text
alone (texts/eu-fsf-<date>.txt), equal to those read from the file. Every real EU file of the
fixtures (the excerpt of the export of 2020-04-15, in tests/fixtures/lists/eu/ and
../shared/fixtures/lists/eu/, and any whole release in ../shared/fixtures/lists/full/eu*), the
SYNTHETIC files of tests/test_import_eu.py, and archived rows damaged here."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from flows.importers.archive import archive_text
from flows.importers.eu import EuRelease
from flows.importers.model import Entry, ListError
from flows.importers.registry import list_of
from test_import_eu import GOOD, SYNTHETIC_BODY, _fsf

HERE = Path(__file__).resolve().parents[1]
SHARED_LISTS = HERE.parent / "shared" / "fixtures" / "lists"
REAL = sorted([*(HERE / "tests" / "fixtures" / "lists" / "eu").glob("*.xml"),
               *(SHARED_LISTS / "eu").glob("*.xml"), *SHARED_LISTS.glob("full/eu*/*.xml")])
EXCERPT = SHARED_LISTS / "eu" / "fsf-excerpt-2020-04-15.xml"


def _id(path: Path) -> str:
    return str(path.relative_to(HERE)) if HERE in path.parents else f"../shared/{path.relative_to(SHARED_LISTS.parents[1])}"


def _read(path: Path, wanted: set[str] | None = None) -> tuple[EuRelease, list[Entry]]:
    release = list_of(path).open(path)
    return release, list(release.entries(wanted))


def _archive(release: EuRelease, entries: list[Entry]) -> str:
    return archive_text(list_of(release.main_file), release, release.generated(), entries, "every entry", [])


def test_every_real_fixture_is_found():
    assert EXCERPT in REAL and len(REAL) >= 2


@pytest.mark.parametrize("path", REAL, ids=_id)
def test_archived_entries_are_the_entries_read_from_the_file(path: Path):
    release, entries = _read(path)
    assert entries
    assert list(EuRelease.archived_entries(_archive(release, entries))) == entries


@pytest.mark.parametrize("path", REAL, ids=_id)
def test_a_selection_is_read_again_as_selected(path: Path):
    release, entries = _read(path)
    every_third = entries[::3]
    assert list(EuRelease.archived_entries(_archive(release, every_third))) == every_third
    # as an import selects: by reference or by the EU-<logicalId> form
    wanted = {entries[-1].ref, *entries[0].other_refs}
    release, chosen = _read(path, wanted)
    assert [e.ref for e in chosen] == [entries[0].ref, entries[-1].ref]
    assert list(EuRelease.archived_entries(_archive(release, chosen))) == chosen
    assert list(EuRelease.archived_entries(_archive(release, []))) == []


def test_the_excerpt_read_again_keeps_every_element_at_its_line():
    release, entries = _read(EXCERPT)
    saddam = next(EuRelease.archived_entries(_archive(release, entries)))
    assert (saddam.ref, saddam.row.file, saddam.row.line) == ("EU.27.28", EXCERPT.name, 3)
    birth = next(v for v in saddam.attributes if v.kind == "birth_date")
    assert (birth.value, birth.row.line, birth.row.within) == ("1937-04-28", 21, True)
    assert birth.row.text.startswith('<birthdate circa="false"') and birth.row.text in saddam.row.text


@pytest.mark.parametrize("body", [
    SYNTHETIC_BODY,
    # an end tag inside a comment and '>' inside an attribute value
    GOOD.replace('<subjectType code="person"/>', '<subjectType code="person"/><!-- </sanctionEntity> -->'
                 '<citizenship countryDescription="A>B"/>'),
], ids=["several-regulations-identifications-addresses-un-reference", "comment-and-gt"])
def test_synthetic_files_read_again(tmp_path: Path, body: str):
    release, entries = _read(_fsf(tmp_path, body))
    assert list(EuRelease.archived_entries(_archive(release, entries))) == entries
    if body == SYNTHETIC_BODY:  # the UN reference's evidence is the start tag: re-made from the row
        un = next(v for e in entries for v in e.attributes if v.kind == "un_reference")
        assert un.row.text.endswith('unitedNationId="IRe.999">') and un.row.within


def _damaged(entries: list[Entry], index: int, damage) -> list[Entry]:
    """The entries with the row of one of them replaced by `damage(text)`."""
    hurt = entries[index]
    return [*entries[:index], dataclasses.replace(hurt, row=dataclasses.replace(hurt.row, text=damage(hurt.row.text))),
            *entries[index + 1:]]


@pytest.mark.parametrize("index, damage, field, words", [
    (1, lambda t: t[: len(t) // 2], None, "malformed XML"),
    (0, lambda t: t[:-1], None, "malformed XML"),
    (2, lambda t: t.replace('euReferenceNumber="EU.16.62"', 'euReferenceNumber="EU.27.28"'), "euReferenceNumber",
     "EU.27.28 again (first on line 3)"),
    (0, lambda t: t.replace('birthdate="1937-04-28"', 'birthdate="1937-04-31"'), "birthdate/@birthdate",
     "'1937-04-31' is not a date (YYYY-MM-DD) (on line 21)"),
    (1, lambda t: t + "<sanctionEntity/>", "sanctionEntity", "not one whole <sanctionEntity> element"),
    (1, lambda t: t.replace("<sanctionEntity ", "<sanctionEntityX ", 1).replace("</sanctionEntity>",
                                                                              "</sanctionEntityX>"),
     "sanctionEntity", "not one whole <sanctionEntity> element"),
    (1, lambda t: t.replace('wholeName="Qusay Saddam Hussein Al-Tikriti"', 'wholeName="Q\u202eusay"'),
     "nameAlias/@wholeName", "bidirectional override U+202E"),
], ids=["cut-in-half", "last-character-cut", "reference-again", "not-a-date-inside", "two-elements",
        "another-element", "bidi-override"])
def test_a_damaged_archived_row_is_refused_at_its_locator(index: int, damage, field, words):
    release, entries = _read(EXCERPT)
    text = _archive(release, _damaged(entries, index, damage))
    with pytest.raises(ListError) as refused:
        list(EuRelease.archived_entries(text))
    problem = refused.value.problem
    assert problem.where == f"{EXCERPT.name} line {entries[index].row.line}", problem
    assert (problem.field, problem.code) == (field, "list_file") and words in problem.message, problem
