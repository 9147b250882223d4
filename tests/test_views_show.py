"""flows.views.show: `flows show RECORD_ID` on the real build (fields, every claim with its source,
links), and on hostile values or a database that is not as built."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from conftest import run_cli
from flows.publish.descriptor import PROCESSED
from flows.publish.release import DUCKDB_FILE
from flows.views.query import connect_read_only
from flows.views.show import RecordNotFound, record_detail
from hostile import UNSAFE_RAW

ARMED_DRONES = "transfer/iran-russia-armed-drones-2022"


@pytest.fixture
def con(built: Path):
    # Closed after each test: DuckDB shares one instance per file and process, and
    # connect_read_only cannot open a second connection while one is open.
    c = connect_read_only(built)
    yield c
    c.close()


def test_record_detail_has_every_claim_and_link(con) -> None:
    d = record_detail(con, ARMED_DRONES)
    assert d.record_type == "transfer"
    assert d.fields["supplier_id"] == "actor/iran" and d.fields["recipient_id"] == "actor/russia"
    assert d.curated_in == "data/raw/transfers/iran-russia.yaml"
    n_claims = con.execute("SELECT count(*) FROM claims WHERE record_id = ?", [ARMED_DRONES]).fetchone()[0]
    assert len(d.claims) == n_claims > 50
    deniers = {c["claimant"] for c in d.claims if c["stance"] == "denies"}
    assert {"Government of Iran", "Hossein Amir-Abdollahian"} <= deniers
    # Each claim carries its source.
    assert all(c["source_title"] and c["publisher"] and c["evidence_text"] for c in d.claims)
    # Sanctions that respond to the transfer link to it.
    n_links = con.execute("SELECT count(*) FROM links WHERE to_record_id = ?", [ARMED_DRONES]).fetchone()[0]
    assert len(d.links_to) == n_links > 0
    assert any(link.other_id == "sanction/us-treasury-2022-09-08-iran-uav" and link.relation == "responds_to"
               for link in d.links_to)


def test_show_prints_record_claims_sources_and_links(built: Path) -> None:
    code, out, err = run_cli("show", ARMED_DRONES, "--root", str(built))
    assert code == 0, err
    assert "Iran's armed drones transferred to Russia and used in Ukraine" in out
    assert "period_earliest" in out and "2022-08-01" in out
    # A denial: claimant, stance, verbatim evidence, source title, publisher, date, url.
    assert "Government of Iran" in out and "denies" in out
    assert "“Iran was denying that it supplied drones.”" in out
    assert "Ukraine shoots down Iranian-made drone used by Russia- defence ministry" in out
    assert "Hossein Amir-Abdollahian" in out
    assert "https://" in out
    assert "Links to this record" in out and "sanction/us-treasury-2022-09-08-iran-uav" in out


def test_show_actor_with_aliases_and_attributes(built: Path) -> None:
    code, out, _ = run_cli("show", "actor/abbas-djuma", "--root", str(built))
    assert code == 0
    assert "actor_aliases" in out and "DJUMA, Abbas" in out
    assert "actor_attributes" in out and "10 Jul 1993" in out


def test_show_unknown_record_fails_clearly(built: Path) -> None:
    code, out, err = run_cli("show", "transfer/iran-russia-armed-drone", "--root", str(built))
    assert code == 1
    assert "no record 'transfer/iran-russia-armed-drone'" in err
    assert ARMED_DRONES in err  # suggested
    assert out == ""


def test_record_detail_unknown_id(con) -> None:
    with pytest.raises(RecordNotFound, match="nobody-at-all"):
        record_detail(con, "actor/nobody-at-all")


def test_show_without_a_build_fails_clearly(tmp_path: Path) -> None:
    code, _, err = run_cli("show", ARMED_DRONES, "--root", str(tmp_path))
    assert code == 1 and "flows build" in err


# --- hostile values, and a database that is not as built ------------------------------------------

ACTOR = "actor/abbas-djuma"


@pytest.fixture
def tampered(built: Path, tmp_path: Path) -> Path:
    """A copy of the build whose database holds hostile values for one actor."""
    processed = tmp_path / PROCESSED
    shutil.copytree(built / PROCESSED, processed)
    con = duckdb.connect(str(processed / DUCKDB_FILE))
    try:
        con.execute("UPDATE actors SET name = ?, description = ? WHERE actor_id = ?",
                    ["[bold red]Evil[/] :skull:", "\x1b[2Jwiped\x1b]8;;http://e.example\x1b\\x", ACTOR])
        con.execute("UPDATE records SET label = ? WHERE record_id = ?", ["[blink]lbl\u202eend", ACTOR])
        con.execute("UPDATE actor_aliases SET alias = ? WHERE actor_id = ?", ["paid\rUNPAID", ACTOR])
        con.execute("UPDATE record_evidence SET evidence_text = ?, url = ? WHERE record_id = ?",
                    ["said \u2066\u202eno\u2069 \x9b2J", "[link=http://e.example]u[/link]", ACTOR])
    finally:
        con.close()
    return tmp_path


def test_show_prints_hostile_values_escaped_and_literally(tampered: Path):
    code, out, err = run_cli("show", ACTOR, "--root", str(tampered))
    assert code == 0, err
    assert not any(c in out for c in UNSAFE_RAW)
    for shown in ("[bold red]Evil[/] :skull:", r"\x1b[2Jwiped\x1b]8;;http://e.example\x1b\x",
                  r"[blink]lbl\u202eend", r"paid\rUNPAID", r"“said \u2066\u202eno\u2069 \x9b2J”",
                  "url: [link=http://e.example]u[/link]"):
        assert shown in out


def test_show_unknown_record_id_with_markup_and_escapes_is_one_plain_line(built: Path):
    code, out, err = run_cli("show", "[red]x[/] :skull: \x1b[2J\u202e", "--root", str(built))
    assert code == 1 and out == ""
    assert err == "error: no record '[red]x[/] :skull: \\x1b[2J\\u202e' in the published package\n"


@pytest.mark.parametrize("tamper,message", [
    ("UPDATE records SET record_type = 'spaceship' WHERE record_id = ?",
     f"error: the published package is not as built: {ACTOR!r} has the unknown record type 'spaceship' "
     "(run `flows check`)\n"),
    ("DELETE FROM actors WHERE actor_id = ?",
     f"error: the published package is not as built: records lists {ACTOR!r} but actors has no such row "
     "(run `flows check`)\n"),
])
def test_show_on_a_database_that_is_not_as_built_is_one_line(built: Path, tmp_path: Path, tamper: str, message: str):
    processed = tmp_path / PROCESSED
    shutil.copytree(built / PROCESSED, processed)
    con = duckdb.connect(str(processed / DUCKDB_FILE))
    try:
        con.execute(tamper, [ACTOR])
    finally:
        con.close()
    code, out, err = run_cli("show", ACTOR, "--root", str(tmp_path))
    assert (code, out, err) == (1, "", message)
