"""flows.outputs.diff: `flows diff OLD NEW` between two real builds (the project as it is, and a
copy in which one record and one claim were edited, one claim removed and one added); on damaged
or hostile builds, one error line naming the file (exit 2), never a traceback, and values that
would act on a terminal escaped."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from conftest import copy_project, run_cli
from flows.build.pipeline import build
from flows.outputs.diff import diff_builds, to_markdown
from flows.publish.descriptor import PROCESSED

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


# --- damaged and hostile builds --------------------------------------------------------------

@pytest.fixture
def new(built: Path, tmp_path: Path) -> Path:
    """A copy of the build, to damage."""
    root = tmp_path / "new"
    shutil.copytree(built / PROCESSED, root / PROCESSED, ignore=shutil.ignore_patterns("*.duckdb*"))
    shutil.copy(built / "datapackage.json", root / "datapackage.json")
    return root


def _damage(path: Path, how: str) -> None:
    data = path.read_bytes()
    if how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "zero bytes":
        path.write_bytes(b"")
    elif how == "not parquet":
        path.write_text("claim_id,record_id\nx,y\n")
    elif how == "footer only":
        path.write_bytes(data[-64:])
    elif how == "missing":
        path.unlink()
    elif how == "a folder":
        path.unlink()
        path.mkdir()


@pytest.mark.parametrize("how", ["truncated", "zero bytes", "not parquet", "footer only", "missing", "a folder"])
@pytest.mark.parametrize("side", ["old", "new"])
def test_a_damaged_table_is_one_line_naming_the_file(built: Path, new: Path, how: str, side: str):
    victim = new / PROCESSED / "links.parquet"
    _damage(victim, how)
    args = (str(new), str(built)) if side == "old" else (str(built), str(new))
    code, out, err = run_cli("diff", *args)
    assert code == 2 and out == ""
    assert err.startswith(f"error: {victim}: ") and err.count("\n") == 1


def test_a_table_with_another_schema_is_named(built: Path, new: Path):
    shutil.copy(new / PROCESSED / "actors.parquet", new / PROCESSED / "links.parquet")
    code, _, err = run_cli("diff", str(built), str(new))
    assert code == 2
    assert err == f"error: {new / PROCESSED / 'links.parquet'}: no column link_id (the key of links): not the links table\n"


def test_a_key_twice_is_named(built: Path, new: Path):
    path = new / PROCESSED / "links.parquet"
    links = pq.read_table(path)
    pq.write_table(pa.concat_tables([links, links.slice(0, 1)]), path)
    key = links["link_id"][0].as_py()
    code, _, err = run_cli("diff", str(built), str(new))
    assert code == 2 and err == f"error: {path}: the key {key!r} is on two rows\n"


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", '{"resources": "all"}'])
def test_an_unreadable_descriptor_is_named(built: Path, new: Path, content: str):
    (new / "datapackage.json").write_text(content)
    code, _, err = run_cli("diff", str(built), str(new))
    assert code == 2 and err.startswith(f"error: {new / 'datapackage.json'}: ") and err.count("\n") == 1


def test_a_table_the_release_does_not_list_is_empty(built: Path, new: Path):
    """An older release, before a table existed: its rows are all added, not an error."""
    descriptor = json.loads((new / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"] = [r for r in descriptor["resources"] if r["name"] != "links"]
    (new / "datapackage.json").write_text(json.dumps(descriptor))
    (new / PROCESSED / "links.parquet").unlink()
    code, out, err = run_cli("diff", str(new), str(built), "--format", "json")
    assert code == 0, err
    n = pq.read_metadata(built / PROCESSED / "links.parquet").num_rows
    assert json.loads(out)["summary"] == {"links": {"added": n, "removed": 0, "changed": 0}}


def test_a_folder_against_itself_says_so(built: Path):
    code, out, err = run_cli("diff", str(built), str(built / PROCESSED), "--exit-code")
    assert code == 0 and "No changes." in out
    assert err == f"note: {built} and {built / PROCESSED} are the same build\n"


def test_hostile_values_are_escaped_in_markdown_and_json(built: Path, new: Path):
    path = new / PROCESSED / "links.parquet"
    links = pq.read_table(path)
    descriptions = links["description"].to_pylist()
    hostile = "\x1b[2Jx\r\n## Injected heading\u202e\x9b"
    descriptions[0] = hostile
    i = links.schema.get_field_index("description")
    pq.write_table(links.set_column(i, links.schema.field(i), pa.array(descriptions, pa.string())), path)
    code, out, _ = run_cli("diff", str(built), str(new))
    assert code == 0
    assert r"\x1b[2Jx\r\n## Injected heading\u202e\x9b" in out
    assert not any(c in out for c in "\x1b\r\u202e\x9b")
    assert "\n## Injected" not in out
    code, out, _ = run_cli("diff", str(built), str(new), "--format", "json")
    assert code == 0 and not any(c in out for c in "\x1b\r\u202e\x9b")
    changed = json.loads(out)["tables"]["links"]["changed"][0]
    assert changed["fields"]["description"]["new"] == hostile
