"""flows.publish.descriptor: datapackage.json, its table schemas, hashes and metadata, the same
whether or not the build wrote flows.duckdb; and the one reader of a published descriptor."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flows.publish.descriptor import read_package, table_schema
from flows.schema.definition import TABLES

DB = "data/processed/flows.duckdb"


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


def test_datapackage_json_does_not_depend_on_the_database(base: Path, base_db: Path):
    assert not (base / DB).exists() and (base_db / DB).is_file()
    assert (base / "datapackage.json").read_bytes() == (base_db / "datapackage.json").read_bytes()


def test_read_package_without_a_build_says_so(tmp_path: Path):
    with pytest.raises(FileNotFoundError, match="datapackage.json is missing: run `flows build`"):
        read_package(tmp_path)
