"""The report tells the truth about its evidence: a paraphrase is never set in quotation marks
after a speaker's name, every piece of evidence is marked quote / paraphrase / list row, no
doubled quotation marks, dates in words beside their EDTF value, enum values as words, and each
record linked into the site (`flows report --site`)."""

from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import unquote

import pytest

from conftest import run_cli
from flows.outputs.words import edtf_words, enum_words, quoted_already
from flows.views.query import connect_read_only


@pytest.mark.parametrize("value, words", [
    ("2024-22", "summer 2024"),
    ("2024-21", "spring 2024"),
    ("2024-09~", "about September 2024"),
    ("2024-09?", "September 2024 (uncertain)"),
    ("2024-09%", "about September 2024 (uncertain)"),
    ("2022-10", "October 2022"),
    ("2022-10-17", "17 October 2022"),
    ("2015", "2015"),
    ("2022-08/2022-10", "August to October 2022"),
    ("2022-10-21/2022-10-23", "21 to 23 October 2022"),
    ("2022-09-13/2024-09", "13 September 2022 to September 2024"),
    ("2021-08/2022-10", "August 2021 to October 2022"),
    ("../2022-10", "up to October 2022"),
    ("/2022-10", "up to October 2022, start unknown"),
    ("2023-08-16/..", "from 16 August 2023 on"),
    ("2022/", "from 2022, end unknown"),
])
def test_edtf_in_words(value: str, words: str) -> None:
    assert edtf_words(value) == words


@pytest.mark.parametrize("value", ["", None, "last Monday", "2024-13-45", "2022-10-17T10:00"])
def test_what_is_not_edtf_comes_back_as_it_is(value: str | None) -> None:
    assert edtf_words(value) == (value or "")


def test_enum_values_as_words_and_quotes_that_carry_their_own_marks() -> None:
    assert enum_words("neither_confirms_nor_denies") == "neither confirms nor denies"
    assert enum_words("list_row") == "list row" and enum_words(None) == ""
    assert quoted_already("“We have defence cooperation with Russia.”")
    assert quoted_already('"It is a lie."')
    assert not quoted_already("Iran was denying that it supplied drones.")
    assert quoted_already("“We have defence cooperation,” the minister said")  # its marks, inside
    assert not quoted_already("He called it a “lie”.")


# --- the report on the real build, written with --site -----------------------------------------

@pytest.fixture(scope="module")
def written(built: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("release")
    site, report = folder / "site", folder / "reports" / "flows-report.html"
    code, _, err = run_cli("site", str(site), "--root", str(built))
    assert code == 0, err
    code, _, err = run_cli("report", "--root", str(built), "--out", str(report), "--site", str(site))
    assert code == 0, err
    return report, site


@pytest.fixture(scope="module")
def page(written: tuple[Path, Path]) -> str:
    return written[0].read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def denials(built: Path) -> list[tuple[str, str, str, str]]:
    con = connect_read_only(built)
    try:
        return con.execute("SELECT record_id, claimant, evidence_type, evidence_text FROM claim_details "
                           "WHERE denies AND record_id IN (SELECT record_id FROM contested_records)").fetchall()
    finally:
        con.close()


def _blockquotes(page: str) -> list[tuple[dict[str, str], str]]:
    """Each denial's attributes and its text as a reader sees it (tags dropped, entities read)."""
    found = re.findall(r"<blockquote ([^>]*)>(.*?)</blockquote>", page, re.S)
    return [({k: html.unescape(v) for k, v in re.findall(r'([a-z-]+)="([^"]*)"', attrs)},
             html.unescape(re.sub(r"<[^>]+>", "", body))) for attrs, body in found]


def test_every_denial_is_marked_and_only_quotes_are_in_quotation_marks(page: str, denials: list) -> None:
    shown = _blockquotes(page)
    assert len(shown) == len(denials)
    kinds = {"quote": "quote", "paraphrase": "paraphrase", "list_row": "list row"}
    assert {k for _, _, k, _ in denials} >= {"paraphrase"}
    def shown_as_it_should(attrs: dict[str, str], text: str, claimant: str, kind: str, evidence: str) -> bool:
        if attrs["data-evidence-type"] != kind or not text.startswith(f"{kinds[kind]} {claimant}"):
            return False
        if kind == "quote":
            return (f"{claimant}: {evidence}" if quoted_already(evidence) else f"{claimant}: “{evidence}”") in text
        # never a quotation mark around a paraphrase, nor "Name: " (a quote's form) after the speaker's name
        return (f"“{evidence}" not in text and f'"{evidence}' not in text
                and not text.startswith(f"{kinds[kind]} {claimant}: ")
                and f"{claimant}, not in their words: {evidence}" in text)

    for _, claimant, kind, evidence in denials:
        # one claimant may deny twice, with evidence that contains the other's (Wang Wenbin's)
        candidates = [(a, t) for a, t in shown if a["data-denial"] == claimant and evidence in t]
        assert any(shown_as_it_should(a, t, claimant, kind, evidence) for a, t in candidates), (claimant, evidence)

def test_no_doubled_quotation_marks(page: str) -> None:
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    for doubled in ("““", "””", "“\"", "\"”", "“'"):
        assert doubled not in text


def test_dates_in_words_beside_their_edtf_value_and_enums_as_words(page: str, built: Path) -> None:
    con = connect_read_only(built)
    try:
        periods = [p for (p,) in con.execute("SELECT DISTINCT period FROM transfers WHERE period IS NOT NULL").fetchall()]
        statuses = [s for (s,) in con.execute("SELECT DISTINCT status FROM transfers").fetchall()]
        types = [t for (t,) in con.execute("SELECT DISTINCT source_type FROM sources").fetchall()]
    finally:
        con.close()
    for period in periods:
        words = edtf_words(period)
        shown = f'{html.escape(words, quote=False)} <code class="edtf">{html.escape(period)}</code>'
        assert shown in page if words != period else f"<td>{html.escape(period)}</td>" in page, period
    for value in [*statuses, *types]:
        assert f"<td>{enum_words(value)}</td>" in page, value
        if "_" in value:
            assert f"<td>{value}</td>" not in page, value


def test_each_record_links_to_its_page_in_the_site(page: str, written: tuple[Path, Path], built: Path) -> None:
    report, site = written
    hrefs = re.findall(r'<a class="record-link" href="([^"]*)"', page)
    con = connect_read_only(built)
    try:
        transfers = [t for (t,) in con.execute("SELECT transfer_id FROM transfers").fetchall()]
    finally:
        con.close()
    assert len(hrefs) >= len(transfers)
    for href in hrefs:
        assert not href.startswith(("/", "file:")) and (report.parent / unquote(html.unescape(href))).resolve().is_file(), href
    index = re.search(r'<a id="site-link" href="([^"]*)"', page)
    assert index and (report.parent / index[1]).resolve() == (site / "index.html").resolve()
    for t in transfers:
        assert f"<code>{t}</code></a>" in page, t
    # Each denial links to its claim on the record's page: the page holds an element of that id.
    claims = re.findall(r'<a class="claim-link" href="([^"]*)#([^"]*)"', page)
    assert len(claims) == len(_blockquotes(page))
    for href, claim_id in claims:
        target = (report.parent / unquote(html.unescape(href))).read_text(encoding="utf-8")
        assert f'id="{html.unescape(claim_id)}"' in target
