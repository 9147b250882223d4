"""Issue 16, `flows diff OLD NEW` on damaged or hostile builds: one error line naming the file
(exit 2), never a traceback; values that would act on a terminal are escaped."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import run_cli
from flows.publish.descriptor import PROCESSED


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
