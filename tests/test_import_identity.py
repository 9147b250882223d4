"""Identity across lists (flows.importers.identity) on real entries of whole releases: keys of
identity numbers and birth dates, names with an acronym, and never two entries of one release
merged into one actor (QDe.003 and QDe.004 once were, through OFAC's aliases of AL QA'IDA)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from flows.importers.decisions import decide
from flows.importers.identity import Index, birth_date, date_key, id_key, name_keys
from flows.importers.model import Entry, Value
from flows.importers.ofac import OfacRelease
from flows.importers.un import UnRelease

FULL = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures" / "lists" / "full"
UN_2020 = FULL / "un-2020-03-20" / "consolidated.xml"
OFAC = "actor/us-treasury-ofac"
UN = "actor/un-security-council"


@pytest.fixture(scope="module")
def un_2020() -> dict[str, Entry]:
    return {e.ref: e for e in UnRelease(UN_2020).entries(None)}


def _rows(*entries: tuple[str, Entry], designations: list[dict] | None = None) -> dict[str, list[dict]]:
    """A project holding these entries as actors (actor id, entry): name, aliases, attributes."""
    rows: dict[str, list[dict]] = {"actors": [], "actor_aliases": [], "actor_attributes": [],
                                   "designations": designations or [], "links": []}
    for actor_id, e in entries:
        rows["actors"].append({"actor_id": actor_id, "name": e.name, "actor_type": e.actor_type})
        rows["actor_aliases"] += [{"actor_id": actor_id, "alias": a.value} for a in e.aliases]
        rows["actor_attributes"] += [{"actor_id": actor_id, "attribute": a.kind, "value": a.value}
                                     for a in e.attributes]
    return rows


# -- identity numbers ----------------------------------------------------------------------

def test_identity_numbers_keyed_on_the_whole_number(un_2020):
    """"PS 472330208" was keyed "ps", its first word: every DPRK passport of that series was
    one number. Found here in the file, independently."""
    text = UN_2020.read_text(encoding="utf-8")
    series = re.findall(r"<NUMBER>\s*(P[SD] \d+)\s*</NUMBER>", text)
    assert "PS 472330208" in series
    keys = {id_key(n) for n in series}
    assert len(keys) == len(set(series)) and "ps472330208" in keys
    passports = [a.value for e in un_2020.values() for a in e.attributes if a.kind == "passport"]
    assert "PS 472330208" in passports
    assert id_key("PS472330208 (Korea, North)") == id_key("PS 472330208") != id_key("PS 381420389")


@pytest.mark.parametrize("value, key", [
    ("national identity card number 44103-5251752-5", "4410352517525"),  # UN QDi.xxx, words before it
    ("national identity card number 5802098444", "5802098444"),
    ("5929869741 (Iran)", "5929869741"),  # OFAC: the country in brackets
    ("D9004878 (Iran) expires 07 Oct 2023", "d9004878"),
    ("Cedula No. 6068015 (Colombia)", "6068015"),  # OFAC: the register's label kept in the value
    ("NIT # 800018928-0 (Colombia)", "8000189280"),
    ("Registration ID HRB 26136 (Germany)", "hrb26136"),
    ("R00012098, South Sudan", "r00012098"),  # UN: ", country"
    ("Russian passport number 8208 No. 555627", "8208555627"),
    ("No. 7", ""),  # too short to tell people apart
])
def test_id_key(value: str, key: str):
    assert id_key(value) == key


def test_different_passports_of_one_series_do_not_confirm_a_name(un_2020):
    """Two persons of the same name whose passports share a series (PS) but not a number are
    not one: the number no longer confirms them."""
    kang = un_2020["KPi.019"]
    other = Entry("X", kang.name, "person", "individual", [], kang.row,
                  attributes=[Value("passport", "PS 381420389", kang.row)])
    m = Index(_rows(("actor/kang", kang)), set(), OFAC).match(other)
    assert m.actor_id is None and "nothing to confirm it" in m.ambiguous
    same = Entry("Y", kang.name, "person", "individual", [], kang.row,
                 attributes=[Value("passport", "PS472330208 (Korea, North)", kang.row)])
    m = Index(_rows(("actor/kang", kang)), set(), OFAC).match(same)
    assert m.actor_id == "actor/kang" and "same identity number (ps472330208)" in m.basis


# -- birth dates ---------------------------------------------------------------------------

@pytest.mark.parametrize("a, b", [
    ("circa 1964", "1964"), ("1964 (approximately)", "1964"), ("approximately 1964", "circa 1964"),
    ("27 Sep 1964", "1964-09-27"), ("1979 to 1981 (between)", "01 Jan 1979 to 31 Dec 1981"),
])
def test_birth_dates_the_same_after_normalising(a: str, b: str):
    assert date_key(a) == date_key(b)


def test_a_year_confirms_a_day_in_it_and_other_years_contradict(un_2020):
    """UN writes a year (`<YEAR>1958</YEAR>`), OFAC a day or `circa 1958`: the year confirms
    the day; years that do not meet contradict."""
    from flows.importers.identity import _confirms, _contradict

    assert _confirms(birth_date("1958"), birth_date("12 Mar 1958")) == "1958-03-12 in 1958"
    assert _confirms(birth_date("circa 1958"), birth_date("1958 (approximately)")) == "1958"
    assert _confirms(birth_date("1958"), birth_date("1959")) is None
    assert _contradict({birth_date("1958")}, {birth_date("1960")})
    assert not _contradict({birth_date("1958 to 1960 (between)")}, {birth_date("1959")})
    iri = un_2020["IRi.001"]  # FEREIDOUN ABBASI-DAVANI: born 1958 or 1959
    assert [a.value for a in iri.attributes if a.kind == "birth_date"] == ["1958", "1959"]
    ofac_like = Entry("1", "ABBASI DAVANI, Fereidoun", "person", "individual", [], iri.row,
                      attributes=[Value("birth_date", "circa 1958", iri.row)])
    m = Index(_rows(("actor/abbasi", iri)), set(), OFAC).match(ofac_like)
    assert m.actor_id == "actor/abbasi" and "same birth date (1958)" in m.basis


# -- names with an acronym ------------------------------------------------------------------

def test_a_name_with_an_acronym_matches_the_name_without_it(un_2020):
    """UN IRe.012 is "DEFENSE TECHNOLOGY AND SCIENCE RESEARCH CENTER (DTSRC)", OFAC's 41481
    (2023-12-28) the same name without "(DTSRC)"."""
    dtsrc = un_2020["IRe.012"]
    assert dtsrc.name == "DEFENSE TECHNOLOGY AND SCIENCE RESEARCH CENTER (DTSRC)"
    ofac = next(OfacRelease(FULL / "ofac-2023-12-28").entries({"41481"}))
    assert ofac.name == "DEFENSE TECHNOLOGY AND SCIENCE RESEARCH CENTER"
    assert name_keys(dtsrc.name) >= name_keys(ofac.name)
    m = Index(_rows(("actor/dtsrc", dtsrc)), set(), OFAC).match(ofac)
    assert m.actor_id == "actor/dtsrc"
    assert m.basis.startswith("same name or alias as actor/dtsrc (DEFENSE TECHNOLOGY AND SCIENCE RESEARCH CENTER "
                              "(DTSRC)): 'DEFENSE TECHNOLOGY AND SCIENCE RESEARCH CENTER' = "
                              "'DEFENSE TECHNOLOGY AND SCIENCE RESEARCH CENTER (DTSRC)' (without the acronym")


# -- two entries of one release are never one actor -----------------------------------------

@pytest.fixture(scope="module")
def al_qaida():
    """OFAC's AL QA'IDA (2021-04, with its alt.csv aliases) as an actor of the project."""
    return next(OfacRelease(FULL / "ofac-2021-04", complete=True).entries({"6366"}))


def test_two_entries_of_a_release_never_merge_into_one_actor(un_2020, al_qaida):
    """QDe.004 AL-QAIDA carries OFAC's primary name ("Al Qa'ida"), QDe.003 EGYPTIAN ISLAMIC
    JIHAD one of its aliases: both were merged into it."""
    rows = _rows(("actor/al-qa-ida", al_qaida))
    qde3, qde4 = un_2020["QDe.003"], un_2020["QDe.004"]
    for order in ([qde3, qde4], [qde4, qde3]):
        matches = Index(rows, set(), UN).match_release(order)
        assert matches["QDe.004"].actor_id == "actor/al-qa-ida"
        assert matches["QDe.003"].actor_id is None
        assert "entry QDe.004 of this release carries its primary name" in matches["QDe.003"].ambiguous
    # one entry at a time (as an importer without match_release asks): the first keeps it
    index = Index(rows, set(), UN)
    first, second = index.match(qde3), index.match(qde4)
    assert first.actor_id == "actor/al-qa-ida" and second.actor_id is None
    assert "merged into by entry QDe.003 of this release" in second.ambiguous


def test_the_writer_decides_a_release_whole_whatever_its_order(un_2020, al_qaida):
    """decisions.decide, as an import runs it: the entry carrying the actor's primary name is
    merged, the other becomes an actor of its own, in either order; a curator's --same-as wins."""
    rows = _rows(("actor/al-qa-ida", al_qaida))
    qde3, qde4 = un_2020["QDe.003"], un_2020["QDe.004"]
    for order in ([qde3, qde4], [qde4, qde3]):
        chosen = decide(order, Index(rows, set(), UN), {}, {}, set(), "un", "designations/import-un.yaml")
        assert (chosen.chosen["QDe.004"].actor_id, chosen.chosen["QDe.004"].new) == ("actor/al-qa-ida", False)
        assert chosen.chosen["QDe.003"].new and chosen.chosen["QDe.003"].actor_id != "actor/al-qa-ida"
        assert "two entries of one release are never one actor" in chosen.ambiguous["QDe.003"]
    curator = decide([qde4, qde3], Index(rows, set(), UN), {"QDe.003": "actor/al-qa-ida"}, {}, set(), "un",
                     "designations/import-un.yaml")
    assert curator.merged["QDe.003"] == ("actor/al-qa-ida", "curator decision (--same-as)")
    assert curator.chosen["QDe.004"].new


def test_an_actor_a_designation_of_the_list_targets_is_that_reference_s(un_2020, al_qaida):
    designation = {"designation_id": "designation/un-qde-004", "authority_id": UN,
                   "target_actor_id": "actor/al-qa-ida", "list_reference": "QDe.004"}
    index = Index(_rows(("actor/al-qa-ida", al_qaida), designations=[designation]), set(), UN)
    matches = index.match_release([un_2020["QDe.003"], un_2020["QDe.004"]])
    assert matches["QDe.004"].actor_id == "actor/al-qa-ida" and matches["QDe.004"].basis.startswith(
        "same list reference")
    assert matches["QDe.003"].actor_id is None
    assert "already the target of designation designation/un-qde-004 (QDe.004)" in matches["QDe.003"].ambiguous


def test_a_curators_decision_keeps_its_actor(un_2020, al_qaida):
    index = Index(_rows(("actor/al-qa-ida", al_qaida)), set(), UN)
    matches = index.match_release([un_2020["QDe.003"], un_2020["QDe.004"]], decided={"QDe.003": "actor/al-qa-ida"})
    assert "QDe.003" not in matches and matches["QDe.004"].actor_id is None
    assert "the actor a curator decided entry QDe.003 is" in matches["QDe.004"].ambiguous
