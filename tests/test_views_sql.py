"""flows/views/sql/views.sql: the questions users ask, answered by the views from the real data,
precomputed in flows.duckdb as the live views give them over the Parquet files."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import duckdb

from conftest import rows, run_cli
from flows.schema.ddl import question_views_sql
from flows.publish.release import MATERIALISED_ORDER
from flows.views.query import list_views
from flows.schema.definition import TABLES

DRONES = "transfer/iran-russia-armed-drones-2022"
SU35 = "transfer/russia-iran-su-35-request"
KYIV = "event/kyiv-drone-strike-2022-10-17"


def designations(curated: dict, **match: str) -> list[dict]:
    """The curated designations whose fields have the given values."""
    return [d for d in curated["designations"] if all(d[k] == v for k, v in match.items())]


def one(con, sql: str, *params) -> dict:
    found = rows(con, sql, *params)
    assert len(found) == 1, found
    return found[0]


VIEWS = {"transfers_by_party", "requested_not_delivered", "sanctions_answering_transfers",
         "designations_by_authority", "multi_listed_targets", "timeline", "contested_records",
         "record_evidence", "actor_profile", "claim_details", "estimate_history", "conflicting_claims",
         "actor_states", "sanctions_by_state"}


def test_every_view_has_a_description(con):
    views = dict(list_views(con))
    assert set(views) == VIEWS | {"known_as_of(as_of)"}
    assert not set(views) & set(TABLES)
    assert all(views.values())


def test_views_are_precomputed_as_tables(con):
    """A release never changes: flows.duckdb holds each view of views.sql as a table of the
    same name, with the view's comment, and no live view."""
    assert rows(con, "SELECT view_name FROM duckdb_views() WHERE NOT internal") == []
    tables = {r["table_name"]: r["comment"] for r in rows(con, "SELECT table_name, comment FROM duckdb_tables()")}
    assert set(tables) == VIEWS | set(TABLES)
    defined = re.findall(r"COMMENT ON VIEW (\w+) IS '((?:[^']|'')*)';", question_views_sql())
    assert {name for name, _ in defined} == VIEWS
    for name, comment in defined:
        assert tables[name] == comment.replace("''", "'"), name


def test_precomputed_views_equal_the_live_views_over_parquet(con, built: Path, monkeypatch):
    """Each table of flows.duckdb holds exactly the rows, in the same order and with the same
    types, that the live view of the published views.sql gives over the Parquet files; the same
    for known_as_of."""
    monkeypatch.chdir(built)  # views.sql reads data/processed/*.parquet from the package root
    live = duckdb.connect()
    try:
        live.execute((built / "data/processed/views.sql").read_text(encoding="utf-8"))
        for name in sorted(VIEWS):
            # claim_details has no ORDER BY; flows.duckdb stores it in MATERIALISED_ORDER.
            order = f" ORDER BY {MATERIALISED_ORDER[name]}" if name in MATERIALISED_ORDER else ""
            expected = live.sql(f"SELECT * FROM {name}{order}").to_arrow_table()
            got = con.sql(f"SELECT * FROM {name}").to_arrow_table()
            assert got.num_rows > 0, name
            assert got.schema.equals(expected.schema), (name, got.schema, expected.schema)
            assert got.equals(expected), name
        for day in ("2022-07-31", "2022-10-31", "2100-01-01"):
            query = f"SELECT * FROM known_as_of(DATE '{day}')"
            assert con.sql(query).to_arrow_table().equals(live.sql(query).to_arrow_table()), day
    finally:
        live.close()


def test_what_iran_is_said_to_have_supplied_russia_and_who_denies_it(con):
    drones = one(con, "SELECT * FROM transfers_by_party WHERE transfer_id = ?", DRONES)
    assert (drones["supplier"], drones["recipient"], drones["status"]) == ("Iran", "Russia", "in_use")
    # Open end: later claims on the record report shipments after 2022 (issue 20).
    assert drones["period"] == "2022-08/.."
    assert drones["period_earliest"] == dt.date(2022, 8, 1) and drones["period_latest"] is None
    for denier in ("Government of Iran", "Government of Russia", "Hossein Amir-Abdollahian",
                   "Dmitry Peskov", "Amir Saeid Iravani", "Ebrahim Raisi"):
        assert denier in drones["denied_by"]
    assert "U.S. officials" in drones["asserted_by"]
    assert drones["n_sources"] >= 20
    supplied = {r["item"] for r in rows(con, "SELECT item FROM transfers_by_party WHERE supplier = 'Iran' AND recipient = 'Russia'")}
    assert {"Armed drones (Iranian-made)", "Training in the use and piloting of Iranian drones",
            "Maintenance on Iranian-made drones", "Artillery shells"} <= supplied
    crimea = one(con, "SELECT location, flow_type FROM transfers WHERE transfer_id = 'transfer/iran-russia-drone-maintenance-crimea-2022'")
    assert crimea == {"location": "Crimea", "flow_type": "maintenance"}


def test_stances_change_over_time(con):
    """Iran denied, then its foreign minister admitted in November 2022."""
    said = rows(con, "SELECT claimant, stance, claimed FROM claim_details WHERE record_id = ? "
                     "AND claimant = 'Hossein Amir-Abdollahian' ORDER BY claimed_earliest", DRONES)
    stances = [(r["stance"], r["claimed"]) for r in said]
    assert ("denies", "2022-10-20") in stances and ("admits", "2022-11-05") in stances
    assert stances.index(("denies", "2022-10-20")) < stances.index(("admits", "2022-11-05"))


def test_what_iran_asks_in_return_is_not_recorded_as_delivered(con):
    su35 = one(con, "SELECT * FROM requested_not_delivered WHERE transfer_id = ?", SU35)
    assert (su35["asked_by"], su35["asked_of"], su35["item"]) == ("Iran", "Russia", "Su-35 fighter aircraft")
    assert su35["status"] == "agreed"
    assert "reluctant to deliver heavy weaponry" in su35["stated_obstacles_and_status"]
    assert one(con, "SELECT count(*) AS n FROM transfers WHERE transfer_id = ? AND status IN ('delivered', 'in_use')", SU35)["n"] == 0
    exchange = one(con, "SELECT * FROM links WHERE from_record_id = ? AND relation = 'in_exchange_for'", SU35)
    assert exchange["to_record_id"] == DRONES


def test_which_sanctions_answer_the_drone_transfers_and_when(con, curated):
    answers = {r["sanction_id"]: r for r in rows(con, "SELECT * FROM sanctions_answering_transfers WHERE transfer_id = ?", DRONES)}
    eu = answers["sanction/eu-2022-10-20-iran-drones"]
    assert (eu["authority"], eu["announced"]) == ("Council of the European Union", "2022-10-20")
    uk = answers["sanction/uk-2022-10-20-iran-drones"]
    assert uk["n_designations"] == len(designations(curated, sanction_id="sanction/uk-2022-10-20-iran-drones")) >= 4
    assert "Seyed Hojatollah GHOREISHI" in uk["targets"] and "Shahed Aviation Industries Research Center" in uk["targets"]
    us = answers["sanction/us-treasury-2022-09-08-iran-uav"]
    assert us["announced"] == "2022-09-08"
    assert us["n_designations"] == len(designations(curated, sanction_id="sanction/us-treasury-2022-09-08-iran-uav")) >= 4
    # The first public report was Jake Sullivan's of 11 July 2022, published on 12 July (a source
    # found later may report it earlier).
    assert eu["transfer_first_reported"] <= dt.date(2022, 7, 12)
    assert eu["days_after_first_report"] == (dt.date(2022, 10, 20) - eu["transfer_first_reported"]).days
    assert len(answers) == len(set(answers))  # one row per sanction: no duplicate links


def test_kyiv_strike_date_and_divergent_tolls(con):
    kyiv = one(con, "SELECT * FROM events WHERE event_id = ?", KYIV)
    assert kyiv["date"] == "2022-10-17" and kyiv["date_earliest"] == dt.date(2022, 10, 17)
    assert (kyiv["fatalities_low"], kyiv["fatalities_best"], kyiv["fatalities_high"]) == (8, None, None)
    assert "last Monday" in kyiv["date_basis"]
    tolls = {(r["claimant"], r["claimed_value"]) for r in rows(
        con, "SELECT claimant, claimed_value FROM record_evidence WHERE record_id = ? AND field = 'fatalities_low'", KYIV)}
    assert ("Western officials", "at least 8") in tolls
    assert ("The Kyiv Independent", "at least 4") in tolls


def test_uk_designations_of_20_october_2022_and_their_eu_and_ofac_counterparts(con, curated):
    uk = rows(con, "SELECT list_reference, target FROM designations_by_authority "
                   "WHERE authority LIKE 'UK%' AND listed = '2022-10-20' ORDER BY list_reference")
    assert [r["list_reference"] for r in uk] == sorted(
        d["list_reference"] for d in designations(curated, authority_id="actor/hm-government", listed="2022-10-20"))
    assert {"RUS1652", "RUS1653", "RUS1654", "RUS1655"} <= {r["list_reference"] for r in uk}
    multi = {r["target"]: r for r in rows(con, "SELECT * FROM multi_listed_targets")}
    ghoreishi = multi["Seyed Hojatollah GHOREISHI"]
    assert ghoreishi["n_authorities"] == len({d["authority_id"] for d in designations(
        curated, target_actor_id="actor/seyed-hojatollah-ghoreishi")}) >= 3
    for ref in ("EU-145112", "39096", "RUS1654"):
        assert ref in ghoreishi["references"]
    shahed = multi["Shahed Aviation Industries Research Center"]
    for ref in ("EU-145157", "39637", "RUS1655"):
        assert ref in shahed["references"]
    assert "EU-145109" in multi["Mohammad Hossein BAGHERI"]["references"]
    assert "EU-145150" in multi["Saeed AGHAJANI"]["references"]
    birth = rows(con, "SELECT value, source_id FROM actor_attributes WHERE actor_id = 'actor/seyed-hojatollah-ghoreishi' AND attribute = 'birth_date'")
    assert {r["value"] for r in birth} >= {"1964-09-27"}


def test_ofac_designations_take_no_listed_date_from_the_list(con, curated):
    """OFAC's CSV carries no designation dates: an OFAC designation has a listed date only where a
    source that is not a list (a page reporting the action) gives it, in a claim about `listed`."""
    ofac = rows(con, "SELECT designation_id, listed FROM designations_by_authority WHERE authority LIKE '%OFAC%'")
    assert len(ofac) == len(designations(curated, authority_id="actor/us-treasury-ofac")) >= 17
    dated = {r["designation_id"] for r in ofac if r["listed"] is not None}
    backed = {r["record_id"] for r in rows(con, "SELECT c.record_id FROM claims c JOIN sources s USING (source_id) "
                                                "WHERE c.field = 'listed' AND s.source_type <> 'official_list'")}
    assert dated <= backed
    assert any(r["listed"] is None for r in ofac)
    tags = one(con, "SELECT program_tags FROM designations WHERE list_reference = '39096'")["program_tags"]
    assert tags == "NPWMD; IFSR; IRAN-CON-ARMS-EO"


def test_timeline_keeps_precision(con):
    t = {(r["record_id"], r["date_field"]): r for r in rows(con, "SELECT * FROM timeline")}
    assert t[(KYIV, "date")]["precision"] == "day"
    assert t[("event/putin-visit-tehran-2022-07", "date")]["precision"] == "month"
    assert t[(DRONES, "period")]["precision"] == "open"
    assert t[("transfer/iran-russia-drone-training-2022", "period")]["precision"] == "range"
    dates = [r["earliest"] for r in rows(con, "SELECT earliest FROM timeline WHERE earliest IS NOT NULL")]
    assert dates == sorted(dates)


def test_contested_records_keep_both_sides(con):
    contested = one(con, "SELECT * FROM contested_records WHERE record_id = ?", DRONES)
    assert "U.S. officials" in contested["asserted_by"] and "Government of Iran" in contested["denied_by"]
    assert "not our policy" in contested["deny_evidence"]
    assert "according to U.S. officials" in contested["assert_evidence"]


def test_known_as_of_a_date(con):
    july = rows(con, "SELECT DISTINCT claimant, record_id FROM known_as_of(DATE '2022-07-31')")
    assert {"claimant": "Jake Sullivan", "record_id": DRONES} in july
    assert not any(r["claimant"] == "Government of Russia" for r in july)  # its denial came in October
    october = {r["claim_id"] for r in rows(con, "SELECT claim_id FROM known_as_of(DATE '2022-10-31')")}
    everything = {r["claim_id"] for r in rows(con, "SELECT claim_id FROM claims")}
    assert set(r["claim_id"] for r in rows(con, "SELECT claim_id FROM known_as_of(DATE '2022-07-31')")) < october < everything


def test_evidence_behind_a_record(con):
    evidence = rows(con, "SELECT * FROM record_evidence WHERE record_id = ?", SU35)
    assert any(e["claimant"] == "Iranian officials and advisers" and "Su-35" in e["evidence_text"] for e in evidence)
    assert all(e["source_title"] and e["evidence_type"] in ("quote", "paraphrase", "list_row") for e in evidence)


def test_actor_profile(con, curated):
    iran = one(con, "SELECT * FROM actor_profile WHERE actor_id = 'actor/iran'")
    assert iran["n_supplied"] >= 8 and "Armed drones (Iranian-made) → Russia [in_use]" in iran["supplied"]
    peskov = one(con, "SELECT * FROM actor_profile WHERE name = 'Dmitry Peskov'")
    assert peskov["n_denials"] >= 1 and "armed drones" in peskov["denied"]
    shahed = one(con, "SELECT * FROM actor_profile WHERE actor_id = 'actor/shahed-aviation-industries'")
    assert shahed["n_designations"] == len(designations(
        curated, target_actor_id="actor/shahed-aviation-industries")) >= 3


def test_flows_views_lists_them(built: Path):
    code, out, _ = run_cli("views", "--root", str(built))
    assert code == 0
    assert "transfers_by_party" in out and "known_as_of(as_of)" in out
    listed = [line for line in out.splitlines() if not line.startswith(" ")]
    assert listed == sorted(VIEWS) + ["known_as_of(as_of)"]  # not the tables
    assert "Every claim with its record, claimant, stance" in out
