"""`record_defaults:` of a record file (what `flows import` writes): the fields every record, or
every entry of a nested list, takes unless it gives its own; an unknown field refused with its
file, line and field; the same records written out in full build the same tables, byte for byte."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import ROOT, copy_project, run_cli
from flows.build.load import load_curation
from flows.build.pipeline import build
from flows.errors import CurationError
from flows.importers.records import load_records
from flows.importers.yaml_lines import items

OFAC = Path(__file__).parent / "fixtures" / "lists" / "ofac"
ACTORS = """\
record_defaults:
  description: placeholder
  aliases: {alias_type: alias, source_id: source/s}
  attributes: {source_id: source/s}
records:
- {actor_id: actor/a, name: A, actor_type: company, aliases: [{alias: A1}, {alias: A2, alias_type: former_name}],
   attributes: [{attribute: address, value: Tehran}]}
- {actor_id: actor/b, name: B, actor_type: company, description: its own,
   aliases: [{alias: B1, source_id: source/t}]}
"""


def _curation(tmp_path: Path, table: str, text: str):
    raw = tmp_path / "data" / "raw"
    (raw / table).mkdir(parents=True)
    shutil.copy(ROOT / "data" / "raw" / "package.yaml", raw / "package.yaml")
    (raw / table / "x.yaml").write_text(text, encoding="utf-8")
    return load_curation(tmp_path)


def test_defaults_are_applied_and_a_record_keeps_its_own_values(tmp_path: Path):
    rows = _curation(tmp_path, "actors", ACTORS).rows
    assert [(r["actor_id"], r["description"]) for r in rows["actors"]] == [("actor/a", "placeholder"),
                                                                           ("actor/b", "its own")]
    assert [(r["actor_id"], r["alias"], r["alias_type"], r["source_id"]) for r in rows["actor_aliases"]] == [
        ("actor/a", "A1", "alias", "source/s"), ("actor/a", "A2", "former_name", "source/s"),
        ("actor/b", "B1", "alias", "source/t")]
    assert [(r["actor_id"], r["value"], r["source_id"]) for r in rows["actor_attributes"]] == [
        ("actor/a", "Tehran", "source/s")]
    # the importer reads its files back as the build does
    records = [r for _, r in load_records(tmp_path / "data" / "raw", "actors/x.yaml")]
    assert records[0]["description"] == "placeholder" and records[0]["aliases"] == [
        {"alias": "A1", "alias_type": "alias", "source_id": "source/s"},
        {"alias": "A2", "alias_type": "former_name", "source_id": "source/s"}]
    assert records[1]["description"] == "its own"


@pytest.mark.parametrize("defaults, line, field, message", [
    ("  autority_id: actor/x\n", 2, "autority_id", "unknown field in record_defaults"),
    ("  designation_id: designation/x\n", 2, "designation_id", "unknown field in record_defaults"),
    ("  authority_id: actor/x\n  aliases: {alias_type: alias}\n", 3, "aliases", "unknown field in record_defaults"),
])
def test_an_unknown_default_is_refused_with_its_file_line_and_field(tmp_path: Path, defaults, line, field, message):
    text = ("record_defaults:\n" + defaults + "records:\n"
            "- {designation_id: designation/x-1, target_actor_id: actor/a, list_reference: '1'}\n")
    with pytest.raises(CurationError) as e:
        _curation(tmp_path, "designations", text)
    [problem] = e.value.problems
    assert (problem.where, problem.field, problem.code) == (f"data/raw/designations/x.yaml:{line}", field, "unknown_field")
    assert message in problem.message


def test_an_unknown_nested_default_or_top_level_key_is_refused(tmp_path: Path):
    with pytest.raises(CurationError) as e:
        _curation(tmp_path, "actors", ACTORS.replace("{source_id: source/s}", "{source_id: source/s, sorce: x}"))
    [problem] = e.value.problems
    assert (problem.where, problem.field, problem.code) == ("data/raw/actors/x.yaml:4", "sorce", "unknown_field")
    with pytest.raises(CurationError) as e:
        _curation(tmp_path / "other", "actors", ACTORS.replace("records:", "recrods:"))
    [problem] = e.value.problems
    assert (problem.where, problem.field) == ("data/raw/actors/x.yaml:5", "recrods")


def test_an_imports_files_in_full_build_the_same_tables(tmp_path: Path):
    """The import's record files with their defaults, then written out in full (every record
    with every field, no record_defaults): the built tables are the same bytes."""
    root = copy_project(tmp_path / "project")
    code, _, err = run_cli("import", "ofac", str(OFAC), "--released", "2023-12-28", "--around",
                           "QODS AVIATION INDUSTRIES", "--root", str(root))
    assert code == 0, err
    raw = root / "data" / "raw"
    designations = (raw / "designations" / "import-ofac-sdn.yaml").read_text(encoding="utf-8")
    assert ("record_defaults:\n  authority_id: actor/us-treasury-ofac\n  list_release: source/ofac-sdn-2023-12-28\n"
            "records:\n") in designations
    assert "authority_id" not in designations.split("records:\n", 1)[1]
    assert "source_id" not in (raw / "actors" / "import-ofac-sdn.yaml").read_text(encoding="utf-8").split("records:\n", 1)[1]
    build(root, with_duckdb=False)
    tables = {p.name: p.read_bytes() for p in (root / "data" / "processed").glob("*.parquet")}
    for table in ("actors", "designations", "links"):
        rel = f"{table}/import-ofac-sdn.yaml"
        if (raw / rel).is_file():
            (raw / rel).write_text(items([r for _, r in load_records(raw, rel)]), encoding="utf-8")
    assert "record_defaults" not in (raw / "designations" / "import-ofac-sdn.yaml").read_text(encoding="utf-8")
    build(root, with_duckdb=False)
    assert {p.name: p.read_bytes() for p in (root / "data" / "processed").glob("*.parquet")} == tables
