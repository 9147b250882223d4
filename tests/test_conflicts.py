"""Conflicting values, never collapsed (issue 20): the view conflicting_claims lists each record
field whose supporting claims give different values, or a value the record does not hold, and
`flows check` warns of each (code conflicting_values) without failing."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pytest

from conftest import rows, ROOT, run_cli
from flows.build.pipeline import build
from flows.schema.ddl import field_kind, question_views_sql, schema_sql
from flows.schema.definition import DENYING_STANCES, SUPPORTING_STANCES

KYIV = "event/kyiv-drone-strike-2022-10-17"


def _valued(curated: dict) -> dict[tuple[str, str], list[dict]]:
    """The supporting claims that give a value, by record and field."""
    out: dict[tuple[str, str], list[dict]] = {}
    for c in curated["claims"]:
        if c["field"] and c["claimed_value"] is not None and c["stance"] in SUPPORTING_STANCES:
            out.setdefault((c["record_id"], c["field"]), []).append(c)
    return out


def _normalised(value: str) -> str:
    return " ".join(value.split()).lower()


# --- the view on the real build ------------------------------------------------------------------

def test_each_listed_field_has_differing_values_and_all_its_claims(con, curated):
    valued = _valued(curated)
    listed = rows(con, "SELECT * FROM conflicting_claims")
    assert listed, "the data hold conflicting values (the Kyiv strike's death toll)"
    for r in listed:
        claims = valued[(r["record_id"], r["field"])]
        assert r["claims_differ"] or r["record_differs"]
        assert r["claims_differ"] == (r["n_values"] > 1)
        assert r["n_claims"] == len(claims)
        assert r["claim_ids"].split("; ") and set(r["claim_ids"].split("; ")) == {c["claim_id"] for c in claims}
        for c in claims:  # every value stays visible, as written
            assert c["claimed_value"] in r["claimed_values"]


def test_text_fields_are_listed_exactly_when_their_claims_differ(con, curated):
    """Worked out here from the curation: text fields compare as written (case and spacing aside)."""
    expected = {key for key, claims in _valued(curated).items()
                if field_kind(key[1]) == "text" and len({_normalised(c["claimed_value"]) for c in claims}) > 1}
    found = {(r["record_id"], r["field"]) for r in rows(con, "SELECT * FROM conflicting_claims WHERE field_kind = 'text'")}
    assert found == expected


def test_figures_are_listed_when_they_differ_from_each_other_or_from_the_record(con, curated):
    """Figure fields against estimate_history's reading of each value: the claims' figures for the
    field differ, or one is not the record's value (a record holding none included)."""
    history = rows(con, "SELECT h.*, c.supports FROM estimate_history h JOIN claim_details c USING (claim_id)")
    by_field: dict[tuple[str, str], list[dict]] = {}
    for h in history:
        if h["supports"]:
            by_field.setdefault((h["record_id"], h["field"]), []).append(h)
    expected = {}
    for key, claims in by_field.items():
        bound = key[1].rsplit("_", 1)[1]
        figures = [h[f"claimed_{bound}"] for h in claims]
        held = claims[0][f"record_{bound}"]
        keys = {str(f) if f is not None else _normalised(h["claimed_value"]) for f, h in zip(figures, claims)}
        differs = any(f is not None and f != held for f in figures)
        if len(keys) > 1 or differs:
            expected[key] = (len(keys) > 1, differs)
    found = {(r["record_id"], r["field"]): (r["claims_differ"], r["record_differs"])
             for r in rows(con, "SELECT * FROM conflicting_claims WHERE field_kind = 'figure'")}
    assert found == expected


def test_the_kyiv_strike_shows_every_death_toll_beside_the_record(con, curated):
    """The issue's example: "at least eight" in the article, four in other sources, and the record
    holding one figure; the listing names them all and what the record holds."""
    event = next(e for e in curated["events"] if e["event_id"] == KYIV)
    found = {r["field"]: r for r in rows(con, "SELECT * FROM conflicting_claims WHERE record_id = ?", KYIV)}
    low = found["fatalities_low"]
    assert low["claims_differ"] and low["record_value"] == str(event["fatalities_low"])
    values = {c["claimed_value"] for c in _valued(curated)[(KYIV, "fatalities_low")]}
    assert len(values) > 1 and all(v in low["claimed_values"] for v in values)


# --- the same rules on rows made here ----------------------------------------------------------

def _insert(con, table: str, **values) -> None:
    con.execute(f"INSERT INTO {table} ({', '.join(values)}) VALUES ({', '.join('?' * len(values))})",
                list(values.values()))


def _claim(con, n: int, record_id: str, field: str, value: str, stance: str = SUPPORTING_STANCES[0]) -> None:
    _insert(con, "claims", claim_id=f"claim/s/c{n}", record_id=record_id, field=field, claimed_value=value,
            claimant_id="actor/a", stance=stance, source_id="source/s", evidence_type="paraphrase",
            evidence_text="some evidence")


@pytest.fixture
def made() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(schema_sql())
    con.execute(question_views_sql())
    _insert(con, "actors", actor_id="actor/a", name="A", actor_type="collective")
    _insert(con, "sources", source_id="source/s", title="S", publisher="P", source_type="report",
            text_path="texts/s.txt", text_kind="full_text", licence="l")
    _insert(con, "events", event_id="event/e", event_type="strike", title="E", date="2022-10-17",
            date_earliest="2022-10-17", date_latest="2022-10-17", fatalities_low=8)
    _insert(con, "sanctions", sanction_id="sanction/s", title="S", authority_id="actor/a", status="imposed",
            effective="2023-02", effective_earliest="2023-02-01", effective_latest="2023-02-28")
    for record_id, kind in (("event/e", "event"), ("sanction/s", "sanction")):
        _insert(con, "records", record_id=record_id, record_type=kind, label=record_id, curated_in=f"data/raw/{kind}s/x.yaml")
    return con


def _listed(con) -> dict[tuple[str, str], tuple[bool, bool]]:
    return {(r["record_id"], r["field"]): (r["claims_differ"], r["record_differs"])
            for r in rows(con, "SELECT * FROM conflicting_claims")}


def test_agreeing_claims_are_not_listed(made):
    _claim(made, 1, "event/e", "fatalities_low", "at least 8")
    _claim(made, 2, "event/e", "fatalities_low", "8 (as of 20:00)")  # the same figure, a note after it
    _claim(made, 3, "event/e", "date", "2022-10-17 (Monday)")
    _claim(made, 4, "sanction/s", "effective", "2023-02-01")  # a day within the record's month
    _claim(made, 5, "sanction/s", "status", "imposed (asset freeze)")
    _claim(made, 6, "event/e", "fatalities_high", "100", stance=DENYING_STANCES[0])  # a denial is no value
    assert _listed(made) == {}


def test_claims_that_differ_and_a_value_the_record_does_not_hold_are_listed(made):
    _claim(made, 1, "event/e", "fatalities_low", "at least 8")
    _claim(made, 2, "event/e", "fatalities_low", "at least 4")
    _claim(made, 3, "event/e", "fatalities_best", "4")  # the record holds no best figure
    _claim(made, 4, "sanction/s", "effective", "2023-01-31")  # no day shared with February
    _claim(made, 5, "sanction/s", "status", "lifted")
    _claim(made, 6, "event/e", "description", "28 drones")
    _claim(made, 7, "event/e", "description", "43  Drones")
    _claim(made, 8, "event/e", "fatalities_high", "several hundred")  # unread: compared as text only
    assert _listed(made) == {
        ("event/e", "fatalities_low"): (True, True), ("event/e", "fatalities_best"): (False, True),
        ("sanction/s", "effective"): (False, True), ("sanction/s", "status"): (False, True),
        ("event/e", "description"): (True, False)}
    kyiv = rows(made, "SELECT * FROM conflicting_claims WHERE field = 'fatalities_low'")[0]
    assert kyiv["record_value"] == "8" and kyiv["n_values"] == 2 and kyiv["curated_in"] == "data/raw/events/x.yaml"
    assert "at least 4 (A; not the record's)" in kyiv["claimed_values"] and "at least 8 (A)" in kyiv["claimed_values"]


# --- flows check --------------------------------------------------------------------------------

def test_check_warns_of_each_conflict_and_passes(built: Path, con):
    listed = rows(con, "SELECT record_id, field, curated_in FROM conflicting_claims")
    code, stdout, _ = run_cli("check", "--root", str(built), "--texts-root", str(ROOT), "--format", "json")
    report = json.loads(stdout)
    assert code == 0 and report["problems"] == [] and report["summary"]["passed"] is True
    warnings = report["warnings"]
    assert {(w["key"], w["field"], w["file"]) for w in warnings} == \
        {(r["record_id"], r["field"], r["curated_in"]) for r in listed}
    assert {w["code"] for w in warnings} == {"conflicting_values"}
    assert report["summary"]["warnings"] == len(warnings) == report["summary"]["warnings_by_code"]["conflicting_values"]
    code, _, stderr = run_cli("check", "--root", str(built), "--texts-root", str(ROOT))
    lines = stderr.strip().splitlines()
    assert code == 0 and lines[-1] == f"check passed, with {len(listed)} warnings (conflicting values: see the view conflicting_claims)"
    assert len(lines) == len(listed) + 1 and all(line.startswith("warning: data/raw/") for line in lines[:-1])


def test_a_planted_conflict_is_a_warning_not_a_failure(tmp_path: Path, curated):
    """A source that gives another death toll for a record: the check still passes, and warns
    of that record's field, naming its curation file."""
    from conftest import copy_project

    project = copy_project(tmp_path)
    event = next(e for e in curated["events"] if e["fatalities_low"] is not None)
    figure = event["fatalities_low"] + 1000
    claimant = curated["actors"][0]["actor_id"]
    source = next(s for s in curated["sources"] if s["text_kind"] == "pointer" and s["text_path"].startswith("shared/pointers-"))
    evidence = next(c["evidence_text"] for c in curated["claims"] if c["source_id"] == source["source_id"])
    path = project / "data/raw/sources" / f"{source['source_id'].split('/', 1)[1]}.yaml"
    path.write_text(path.read_text(encoding="utf-8") + f"""- id: planted-toll
  record_id: {event['event_id']}
  field: fatalities_low
  claimed_value: at least {figure}
  claimant_id: {claimant}
  stance: asserts
  evidence_type: paraphrase
  evidence_text: '{evidence.replace("'", "''")}'
""", encoding="utf-8")
    build(project, with_duckdb=False)
    code, stdout, _ = run_cli("check", "--root", str(project), "--format", "json")
    report = json.loads(stdout)
    assert code == 0 and report["summary"]["passed"] is True
    planted = [w for w in report["warnings"] if w["key"] == event["event_id"] and w["field"] == "fatalities_low"]
    assert len(planted) == 1 and planted[0]["file"] == event["curated_in"]
    assert re.search(rf"at least {figure} \([^)]*; not the record's\)", planted[0]["message"])
