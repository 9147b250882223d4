"""`flows diff OLD NEW` between two real builds: the project as it is, and a copy in which one
record and one claim were edited, one claim removed and one added."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from conftest import copy_project, run_cli
from flows.build.pipeline import build
from flows.outputs.diff import diff_builds, to_markdown

ARMED_DRONES = "transfer/iran-russia-armed-drones-2022"
SOURCE = "alarabiya-2022-11-05-iran-acknowledges-supplying-drones"
EDITED = f"claim/{SOURCE}/offer-to-examine-evidence"
REMOVED = f"claim/{SOURCE}/iravani-totally-unfounded"
ADDED = f"claim/{SOURCE}/amirabdollahian-admits-limited-number-event"


@pytest.fixture(scope="module")
def edited(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project, edited as a curator would, and built."""
    root = copy_project(tmp_path_factory.mktemp("edited"))
    transfers = root / "data/raw/transfers/iran-russia.yaml"
    records = yaml.safe_load(transfers.read_text(encoding="utf-8"))
    drones = next(r for r in records if r["transfer_id"] == ARMED_DRONES)
    assert drones["end_use"] == "use in Ukraine"
    drones["end_use"] = "use in Ukraine, against cities and power plants"
    transfers.write_text(yaml.safe_dump(records, sort_keys=False, allow_unicode=True, width=100),
                         encoding="utf-8")
    source = root / f"data/raw/sources/{SOURCE}.yaml"
    doc = yaml.safe_load(source.read_text(encoding="utf-8"))
    claims = {c["id"]: c for c in doc["claims"]}
    claims["offer-to-examine-evidence"]["locator"] = "pointer 16 (event date 2022-11-05), WHAT line, second sentence"
    added = dict(claims["amirabdollahian-admits-limited-number"], id="amirabdollahian-admits-limited-number-event",
                 record_id="event/iran-admits-drone-supply-2022-11-05")
    del added["field"], added["claimed_value"]
    added["stance"] = "asserts"
    doc["claims"] = [c for c in doc["claims"] if c["id"] != "iravani-totally-unfounded"] + [added]
    source.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100), encoding="utf-8")
    build(root, with_duckdb=False)
    return root


def test_diff_finds_each_edit_by_table_and_key(built: Path, edited: Path) -> None:
    d = diff_builds(built, edited)
    changed = {t.table: t for t in d.tables if t}
    assert set(changed) == {"transfers", "claims"}

    transfers = changed["transfers"]
    assert transfers.added == [] and transfers.removed == []
    assert [c.key for c in transfers.changed] == [ARMED_DRONES]
    assert transfers.changed[0].fields == {
        "end_use": ("use in Ukraine", "use in Ukraine, against cities and power plants")}

    claims = changed["claims"]
    assert claims.added == [ADDED] and claims.removed == [REMOVED]
    assert [c.key for c in claims.changed] == [EDITED]
    assert claims.changed[0].fields == {"locator": (
        "pointer 16 (event date 2022-11-05), WHAT line",
        "pointer 16 (event date 2022-11-05), WHAT line, second sentence")}
    assert "Iran's UN ambassador had called the allegations totally unfounded" in claims.labels[REMOVED]

    # The other way round, added and removed swap.
    back = {t.table: t for t in diff_builds(edited, built).tables if t}
    assert back["claims"].added == [REMOVED] and back["claims"].removed == [ADDED]


def test_diff_command_writes_a_changelog_section(built: Path, edited: Path) -> None:
    code, out, err = run_cli("diff", str(built), str(edited))
    assert code == 0, err
    assert out.startswith("## Changes (0.1.0 → 0.1.0)")
    assert "| `transfers` | 0 | 0 | 1 |" in out and "| `claims` | 1 | 1 | 1 |" in out
    assert f"- changed `{ARMED_DRONES}`:" in out
    assert "  - `end_use`: use in Ukraine → use in Ukraine, against cities and power plants" in out
    assert f"- added `{ADDED}`" in out and f"- removed `{REMOVED}`" in out
    assert out == to_markdown(diff_builds(built, edited))

    code, out, _ = run_cli("diff", str(built / "data" / "processed"), str(edited), "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["summary"] == {"transfers": {"added": 0, "removed": 0, "changed": 1},
                               "claims": {"added": 1, "removed": 1, "changed": 1}}
    assert data["tables"]["claims"]["changed"][0]["fields"]["locator"]["new"].endswith("second sentence")

    code, _, _ = run_cli("diff", str(built), str(edited), "--exit-code")
    assert code == 1


def test_same_build_has_no_changes(built: Path) -> None:
    code, out, _ = run_cli("diff", str(built), str(built), "--exit-code")
    assert code == 0 and "No changes." in out


def test_diff_of_a_folder_without_a_build(built: Path, tmp_path: Path) -> None:
    code, _, err = run_cli("diff", str(built), str(tmp_path))
    assert code == 2 and "no build here" in err
