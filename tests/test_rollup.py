"""Authorities roll up to their state (issue 20): actor_states follows parent_actor_id to the
first state, sanctions_by_state counts "who sanctioned whom" by state, not by office, and the
report shows it; checked against a roll-up worked out here from the curation."""

from __future__ import annotations

import html
import re
from collections import Counter
from pathlib import Path

import duckdb

from conftest import rows, run_cli
from flows.schema.ddl import question_views_sql, schema_sql


def rolled_up(actors: list[dict]) -> dict[str, tuple[str | None, str]]:
    """Each actor's (state or organisation it counts under, resolution), by walking its chain."""
    by_id = {a["actor_id"]: a for a in actors}
    out = {}
    for actor in actors:
        seen, at, org = [], actor, None
        while True:
            seen.append(at["actor_id"])
            if at["actor_type"] == "state":
                out[actor["actor_id"]] = (at["actor_id"], "state")
                break
            if at["actor_type"] == "international_org":
                org = at["actor_id"]  # the topmost one wins
            parent = by_id.get(at["parent_actor_id"])
            if parent is None or parent["actor_id"] in seen:
                out[actor["actor_id"]] = (org, "international_org") if org else (None, "unresolved")
                break
            at = parent
    return out


def test_every_actor_counts_under_the_state_its_chain_reaches(con, curated):
    expected = rolled_up(curated["actors"])
    found = {r["actor_id"]: (r["counts_under_id"], r["resolution"], r["unresolved_because"])
             for r in rows(con, "SELECT * FROM actor_states")}
    assert {k: v[:2] for k, v in found.items()} == expected
    assert all((because is None) == (resolution != "unresolved") for _, resolution, because in found.values())


def test_the_us_treasury_counts_under_the_united_states(con):
    """The issue's example, as the curation holds it: OFAC → United States."""
    ofac = rows(con, "SELECT * FROM actor_states WHERE actor_id = 'actor/us-treasury-ofac'")[0]
    assert (ofac["counts_under_id"], ofac["resolution"]) == ("actor/united-states", "state")
    assert ofac["chain"].endswith("→ United States")


def test_the_sanction_views_name_the_state_beside_the_office(con, curated):
    expected = rolled_up(curated["actors"])
    designations = rows(con, "SELECT authority_id, sanctioner_id FROM designations_by_authority")
    answering = rows(con, "SELECT s.authority_id, v.sanctioner_id FROM sanctions_answering_transfers v "
                          "JOIN sanctions s USING (sanction_id)")
    assert designations and answering
    for r in designations + answering:
        assert r["sanctioner_id"] == expected[r["authority_id"]][0], r


def test_who_sanctioned_whom_counts_states_not_offices(con, curated):
    """Worked out here: each sanction under its authority's state and its target country, each
    designation under its authority's state and its target's country (or its state's)."""
    actors = {a["actor_id"]: a for a in curated["actors"]}
    up = rolled_up(curated["actors"])

    def sanctioner(authority_id: str) -> str:
        return up[authority_id][0] or authority_id  # unresolved: the authority stands for itself

    def country(actor_id: str) -> str | None:
        state = up[actor_id][0] if up[actor_id][1] == "state" else None
        return actors[actor_id]["country_code"] or (actors[state]["country_code"] if state else None)

    sanctions = Counter((sanctioner(s["authority_id"]), s["target_country_code"]) for s in curated["sanctions"])
    listings = Counter((sanctioner(d["authority_id"]), country(d["target_actor_id"])) for d in curated["designations"])
    found = {(r["sanctioner_id"], r["target_country_code"]): (r["n_sanctions"], r["n_designations"])
             for r in rows(con, "SELECT * FROM sanctions_by_state")}
    assert found == {key: (sanctions[key], listings[key]) for key in sanctions | listings}
    # no office is counted on its own when its state is known
    offices = {s["authority_id"] for s in curated["sanctions"]} | {d["authority_id"] for d in curated["designations"]}
    resolved = {o for o in offices if up[o][0] and up[o][0] != o}
    assert not resolved & {k for k, _ in found}


def test_unresolved_chains_are_reported_never_guessed():
    con = duckdb.connect()
    con.execute(schema_sql())
    con.execute(question_views_sql())
    for actor_id, kind, parent in [("actor/state", "state", None), ("actor/office", "government_body", "actor/state"),
                                   ("actor/bureau", "government_body", "actor/office"),
                                   ("actor/loose", "government_body", None),
                                   ("actor/loop-a", "government_body", "actor/loop-b"),
                                   ("actor/loop-b", "government_body", "actor/loop-a"),
                                   ("actor/org", "international_org", None), ("actor/council", "government_body", "actor/org")]:
        con.execute("INSERT INTO actors (actor_id, name, actor_type, parent_actor_id) VALUES (?, ?, ?, ?)",
                    [actor_id, actor_id.split("/")[1], kind, parent])
    found = {r["actor_id"]: r for r in rows(con, "SELECT * FROM actor_states")}
    assert (found["actor/bureau"]["state_id"], found["actor/bureau"]["chain"]) == ("actor/state", "bureau → office → state")
    assert (found["actor/council"]["counts_under_id"], found["actor/council"]["resolution"]) == ("actor/org", "international_org")
    assert found["actor/council"]["state_id"] is None
    for unresolved in ("actor/loose", "actor/loop-a"):
        assert found[unresolved]["counts_under_id"] is None and found[unresolved]["resolution"] == "unresolved"
    assert "no parent_actor_id" in found["actor/loose"]["unresolved_because"]
    assert "loops back to actor/loop-a" in found["actor/loop-a"]["unresolved_because"]


def test_the_report_counts_sanctions_by_state(built: Path, con, tmp_path: Path):
    out = tmp_path / "report.html"
    code, _, err = run_cli("report", "--root", str(built), "--out", str(out))
    assert code == 0, err
    page = out.read_text(encoding="utf-8")
    section = page[page.index('<section id="sanctioners">'):]
    section = section[:section.index("</section>")]
    shown = Counter(html.unescape(name) for name in re.findall(r'<tr data-sanctioner="([^"]*)"', section))
    assert shown == Counter(r["sanctioner"] for r in rows(con, "SELECT sanctioner FROM sanctions_by_state"))
    # the answering sanctions name their state beside the authority
    for r in rows(con, "SELECT sanction_id, sanctioner, authority FROM sanctions_answering_transfers"):
        row = re.search(rf'<tr data-sanction-id="{re.escape(r["sanction_id"])}"><td>.*?</td><td>([^<]*)</td><td>([^<]*)</td>', page)
        assert row and tuple(map(html.unescape, row.groups())) == (r["sanctioner"], r["authority"])
