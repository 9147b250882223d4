"""CITATION.cff: valid against the official Citation File Format 1.2.0 schema (the schema.json the
CFF project publishes, as cffconvert ships it: tests/fixtures/citation/; cffconvert itself needs
jsonschema < 4, which frictionless cannot share), and its version is the data version."""

from __future__ import annotations

import json

import jsonschema
import yaml

from flows.publish.dist import version_places

from conftest import ROOT

SCHEMA = ROOT / "tests" / "fixtures" / "citation" / "cff-1.2.0.schema.json"


def _citation() -> dict:
    return yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))


def test_citation_is_valid_cff_1_2_0() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert schema["$id"] == "https://citation-file-format.github.io/1.2.0/schema.json"
    citation = _citation()
    jsonschema.validate(citation, schema, format_checker=jsonschema.FormatChecker())
    assert citation["cff-version"] == "1.2.0" and citation["type"] == "dataset"


def test_the_schema_check_can_fail() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    broken = {k: v for k, v in _citation().items() if k != "authors"}
    errors = list(jsonschema.Draft7Validator(schema).iter_errors(broken))
    assert any("'authors' is a required property" in e.message for e in errors)


def test_every_place_states_the_one_data_version() -> None:
    places = version_places(ROOT)
    assert places["CITATION.cff"] == places["data/raw/package.yaml"]
    assert set(places.values()) == {places["data/raw/package.yaml"]}, places


def test_the_citation_licence_is_the_data_licence() -> None:
    package = yaml.safe_load((ROOT / "data" / "raw" / "package.yaml").read_text(encoding="utf-8"))
    assert _citation()["license"] in {lic["name"] for lic in package["licenses"]}
