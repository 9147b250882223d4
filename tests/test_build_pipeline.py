"""End to end: a fresh build validates with frictionless, passes `flows check`, and equals
what is committed (the drift test)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from frictionless import Package, system

from conftest import ROOT, run_cli
from flows.schema.ddl import schema_sql, views_sql
from flows.publish.descriptor import table_schema
from flows.schema.definition import TABLES

GENERATED = ["datapackage.json", "README.md", "data/processed/schema.sql", "data/processed/views.sql",
             *[f"data/processed/{name}.parquet" for name in TABLES]]


def test_frictionless_validates_the_fresh_build(built: Path):
    with system.use_context(trusted=True):
        report = Package(str(built / "datapackage.json")).validate()
    errors = [e.message for task in report.tasks for e in task.errors]
    assert report.valid, errors[:5]
    assert len(report.tasks) == len(TABLES)


def test_flows_check_passes_on_the_fresh_build(built: Path):
    code, _, stderr = run_cli("check", "--root", str(built), "--texts-root", str(ROOT))
    assert code == 0, stderr
    assert "check passed" in stderr


def test_descriptor_carries_schema_hashes_and_metadata(built: Path):
    package = json.loads((built / "datapackage.json").read_text())
    assert package["profile"] == "tabular-data-package"
    assert package["licenses"][0]["name"] == "CC-BY-4.0"
    assert package["version"] and package["contributors"]
    resources = {r["name"]: r for r in package["resources"]}
    assert list(resources) == list(TABLES)
    claims = resources["claims"]
    assert claims["schema"] == table_schema(TABLES["claims"])
    assert {"fields": ["record_id"], "reference": {"resource": "records", "fields": ["record_id"]}} \
        in claims["schema"]["foreignKeys"]
    assert resources["actors"]["schema"]["foreignKeys"][0]["reference"]["resource"] == ""  # self
    assert all(r["hash"].startswith("sha256:") and len(r["hash"]) == 71 for r in resources.values())
    titles = {s["title"] for s in package["sources"]}
    assert "Iranian Drones’ Role in Ukraine War Risks Deepening Tehran’s Rift With West" in titles


@pytest.mark.parametrize("rel", GENERATED)
def test_committed_outputs_equal_a_fresh_build(built: Path, rel: str):
    """The drift test: regenerate and compare byte for byte. On failure run `make build` and
    commit the result."""
    assert (ROOT / rel).read_bytes() == (built / rel).read_bytes(), f"{rel} drifted: run `make build`"


def test_two_builds_are_byte_identical(built: Path, tmp_path: Path):
    from flows.build.pipeline import build

    build(ROOT, tmp_path)  # with flows.duckdb: datapackage.json records its digests
    for rel in GENERATED:
        assert (tmp_path / rel).read_bytes() == (built / rel).read_bytes(), rel


def test_sql_files_are_generated_from_the_schema(built: Path):
    assert (built / "data/processed/schema.sql").read_text() == schema_sql()
    assert (built / "data/processed/views.sql").read_text() == views_sql()
    assert "COMMENT ON COLUMN claims.stance IS 'What the claimant does with the statement.';" in schema_sql()


def test_readme_dictionary_lists_every_field(built: Path):
    readme = (built / "README.md").read_text()
    for table in TABLES.values():
        assert f"### `{table.name}`" in readme
        for name in table.fields:
            assert f"| `{name}` |" in readme


def test_duckdb_cli_opens_the_database(built: Path):
    """The duckdb 1.5 command line (duckdb-cli) reads the file written by duckdb 2."""
    import shutil
    import subprocess

    cli = shutil.which("duckdb") or str(Path(__import__("sys").executable).with_name("duckdb"))
    out = subprocess.run([cli, "-readonly", "-csv", str(built / "data/processed/flows.duckdb"), "-c",
                          "SELECT count(*) AS n FROM transfers_by_party WHERE supplier = 'Iran'"],
                         capture_output=True, text=True, check=True)
    assert int(out.stdout.splitlines()[1]) >= 1
