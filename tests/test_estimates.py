"""Estimates over time (issue 20): the view estimate_history answers "how did the estimate of X
change over time, and who gave each figure", from the claims' values read as figures, never
guessed; checked on the real build against the curation, and on a few rows made here."""

from __future__ import annotations


import duckdb
import pytest

from conftest import rows

from flows.schema.ddl import field_kind, figure_ranges, question_views_sql, schema_sql
from flows.schema.definition import RECORD_TABLES, SUPPORTING_STANCES


def empty_views() -> duckdb.DuckDBPyConnection:
    """The typed tables, empty, with the views and macros over them."""
    con = duckdb.connect()
    con.execute(schema_sql())
    con.execute(question_views_sql())
    return con


# --- reading a claimed value as a figure --------------------------------------------------------

@pytest.mark.parametrize("claimed, figure", [
    ("8", ("exact", 8, 8, 8)),
    ("4 (as of 20:00)", ("exact", 4, 4, 4)),
    ("at least 8", ("at_least", 8, None, None)),
    ("more than 300,000", ("at_least", 300000, None, None)),
    ("More than 400 since August 2022", ("at_least", 400, None, None)),
    ("over 13,000", ("at_least", 13000, None, None)),
    ("up to 6,700", ("at_most", None, None, 6700)),
    ("as many as 6,700", ("at_most", None, None, 6700)),
    ("about 450 in the latest shipment", ("about", None, 450, None)),
    ("around 400", ("about", None, 400, None)),
    ("a million", ("exact", 1000000, 1000000, 1000000)),
    ("4.8 million", ("exact", 4800000, 4800000, 4800000)),
    ("11,000–12,000", ("range", 11000, None, 12000)),
    ("8-13", ("range", 8, None, 13)),
    ("between 8 and 13", ("range", 8, None, 13)),
    ("8 to 13 million", ("range", 8000000, None, 13000000)),
    ("500 to 1 million", ("range", 500, None, 1000000)),
])
def test_a_claimed_figure_is_read_in_the_forms_the_data_use(claimed: str, figure: tuple):
    con = empty_views()
    got = con.execute("SELECT claimed_figure(?)", [claimed]).fetchone()[0]
    assert (got["form"], got["low"], got["best"], got["high"]) == figure


@pytest.mark.parametrize("claimed", [
    "several hundred", "hundreds (contract signed in late 2023)", "a few", "400s", "2.5",
    "13-8", "between 8", "2022-10-17", "eight", "99999999999999 billion", "1,00",
])
def test_a_value_that_is_no_figure_stays_unread(claimed: str):
    """Vague words, a fraction, a range that runs backwards, a date: no figure is guessed."""
    con = empty_views()
    got = con.execute("SELECT claimed_figure(?)", [claimed]).fetchone()[0]
    assert got == {"form": "unparsed", "low": None, "best": None, "high": None}


# --- estimate_history on the real build ----------------------------------------------------------

def _figure_claims(curated: dict) -> dict[str, dict]:
    return {c["claim_id"]: c for c in curated["claims"]
            if c["field"] and field_kind(c["field"]) == "figure" and c["claimed_value"] is not None}


def test_every_claimed_figure_is_in_the_history_with_its_text(con, curated):
    claims = _figure_claims(curated)
    assert claims, "the data hold claimed figures (the Kyiv strike's death toll, drone numbers)"
    history = {r["claim_id"]: r for r in rows(con, "SELECT * FROM estimate_history WHERE claim_id IS NOT NULL")}
    assert set(history) == set(claims)
    sources = {s["source_id"]: s for s in curated["sources"]}
    actors = {a["actor_id"]: a for a in curated["actors"]}
    for claim_id, claim in claims.items():
        row = history[claim_id]
        assert row["claimed_value"] == claim["claimed_value"]  # the text as the claimant gives it
        assert row["field"] == claim["field"] and row["estimate"] == claim["field"].rsplit("_", 1)[0]
        assert (row["claimant"], row["stance"]) == (actors[claim["claimant_id"]]["name"], claim["stance"])
        source = sources[claim["source_id"]]
        assert (row["source_title"], row["url"]) == (source["title"], source["url"])
        # dated by the claim, else by its source's publication
        assert row["dated"] == (claim["claimed"] or source["published"])
        assert row["dated_by"] == ("claimed" if claim["claimed"] else "published" if source["published"] else None)
        if row["figure_form"] == "unparsed":
            assert row["claimed_low"] is row["claimed_best"] is row["claimed_high"] is None


def test_the_record_figures_stand_beside_every_row(con, curated):
    """Every record holding a figure, or a claim on one, has its rows, each with the record's
    own low/best/high; a record with figures but no claimed figure has one row without a claim."""
    claimed = {(c["record_id"], c["field"].rsplit("_", 1)[0]) for c in _figure_claims(curated).values()}
    expected = {}
    for record_type, table in RECORD_TABLES.items():
        for record in curated[table.name]:
            for estimate in figure_ranges(table):
                figures = tuple(record[f"{estimate}_{b}"] for b in ("low", "best", "high"))
                key = (record[table.primary_key[0]], estimate)
                if any(f is not None for f in figures) or key in claimed:
                    expected[key] = figures
    found = rows(con, "SELECT record_id, estimate, record_low, record_best, record_high, claim_id FROM estimate_history")
    assert {(r["record_id"], r["estimate"]) for r in found} == set(expected)
    for r in found:
        assert (r["record_low"], r["record_best"], r["record_high"]) == expected[(r["record_id"], r["estimate"])]
    unclaimed = {key for key in expected if key not in claimed}
    assert {(r["record_id"], r["estimate"]) for r in found if r["claim_id"] is None} == unclaimed


def test_the_history_runs_in_date_order(con):
    found = rows(con, "SELECT record_id, estimate, dated_earliest FROM estimate_history")
    for (a, b) in zip(found, found[1:]):
        if (a["record_id"], a["estimate"]) == (b["record_id"], b["estimate"]) and b["dated_earliest"]:
            assert a["dated_earliest"] is not None and a["dated_earliest"] <= b["dated_earliest"]


def test_outside_record_span_says_whether_the_record_spans_the_claim(con):
    """Recomputed here for every row: the figure the claim allows lies wholly below the record's
    low or above its high (the record's best is its span when it holds no bound)."""
    for r in rows(con, "SELECT * FROM estimate_history WHERE claim_id IS NOT NULL"):
        low, high = r["record_low"], r["record_high"]
        if low is None and high is None:
            low = high = r["record_best"]
        form = r["figure_form"]
        if form == "unparsed" or (low is None and high is None):
            assert r["outside_record_span"] is None, r
            continue
        least = None if form == "at_most" else (r["claimed_low"] if r["claimed_low"] is not None else r["claimed_best"])
        most = None if form == "at_least" else (r["claimed_high"] if r["claimed_high"] is not None else r["claimed_best"])
        outside = (most is not None and low is not None and most < low) or \
                  (least is not None and high is not None and least > high)
        assert r["outside_record_span"] == outside, r


def test_the_kyiv_death_toll_keeps_every_figure(con, curated):
    """The issue's example: each source's figure for the 17 October 2022 strike on Kyiv is its own
    row, the article's "at least eight" beside the others' four."""
    kyiv = "event/kyiv-drone-strike-2022-10-17"
    expected = {c["claim_id"]: c["claimed_value"] for c in _figure_claims(curated).values() if c["record_id"] == kyiv}
    assert len(set(expected.values())) > 1
    found = {r["claim_id"]: r["claimed_value"] for r in rows(
        con, "SELECT claim_id, claimed_value FROM estimate_history WHERE record_id = ? AND estimate = 'fatalities'", kyiv)}
    assert found == expected


# --- on rows made here ---------------------------------------------------------------------------

def _insert(con, table: str, **values) -> None:
    con.execute(f"INSERT INTO {table} ({', '.join(values)}) VALUES ({', '.join('?' * len(values))})",
                list(values.values()))


def test_estimates_change_over_time_and_each_keeps_its_claimant():
    con = empty_views()
    for actor in ("a", "b", "c"):
        _insert(con, "actors", actor_id=f"actor/{actor}", name=actor.upper(), actor_type="collective")
    _insert(con, "transfers", transfer_id="transfer/t", supplier_id="actor/a", recipient_id="actor/b",
            flow_type="materiel", status="delivered", quantity_low=1000, quantity_high=5000, quantity_unit="shells")
    _insert(con, "records", record_id="transfer/t", record_type="transfer", label="t", curated_in="x.yaml")
    _insert(con, "sources", source_id="source/s", title="S", publisher="P", source_type="report",
            text_path="texts/s.txt", text_kind="full_text", licence="l", published="2024-06",
            published_earliest="2024-06-01", published_latest="2024-06-30", url="https://example.org/s")
    for i, (claimant, value, claimed) in enumerate([("c", "about 6,000", "2024-03-01"), ("a", "at least 1,000", None),
                                                     ("b", "several thousand", "2023-11-02")]):
        _insert(con, "claims", claim_id=f"claim/s/{i}", record_id="transfer/t", field="quantity_best",
                claimed_value=value, claimant_id=f"actor/{claimant}", stance=SUPPORTING_STANCES[0],
                source_id="source/s", evidence_type="paraphrase", evidence_text="some evidence", claimed=claimed,
                claimed_earliest=claimed, claimed_latest=claimed)
    found = rows(con, "SELECT claimant, claimed_value, figure_form, claimed_best, dated, dated_by, outside_record_span, "
                      "record_low, record_high, unit FROM estimate_history")
    assert [(r["claimant"], r["claimed_value"], r["dated"], r["dated_by"]) for r in found] == [
        ("B", "several thousand", "2023-11-02", "claimed"), ("C", "about 6,000", "2024-03-01", "claimed"),
        ("A", "at least 1,000", "2024-06", "published")]
    assert [(r["figure_form"], r["claimed_best"], r["outside_record_span"]) for r in found] == [
        ("unparsed", None, None), ("about", 6000, True), ("at_least", None, False)]
    assert {(r["record_low"], r["record_high"], r["unit"]) for r in found} == {(1000, 5000, "shells")}
