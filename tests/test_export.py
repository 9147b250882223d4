"""`flows export csv` (validated by frictionless) and `flows export ftm` (validated by the
followthemoney library), on the real build."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import run_cli
from flows.publish.descriptor import table_schema
from flows.views.query import connect_read_only
from flows.schema.definition import TABLES

ARMED_DRONES = "transfer/iran-russia-armed-drones-2022"


@pytest.fixture(scope="module")
def csv_dir(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("csv")
    code, _, err = run_cli("export", "csv", str(out), "--root", str(built))
    assert code == 0, err
    return out


@pytest.fixture(scope="module")
def entities(built: Path, tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    out = tmp_path_factory.mktemp("ftm") / "flows.ftm.jsonl"
    code, _, err = run_cli("export", "ftm", str(out), "--root", str(built))
    assert code == 0, err
    lines = out.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def test_csv_export_passes_frictionless_validate(csv_dir: Path) -> None:
    frictionless = Path(sys.executable).parent / "frictionless"
    result = subprocess.run([str(frictionless), "validate", str(csv_dir / "datapackage.json")],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert result.stdout.count("VALID") == len(TABLES)


def test_csv_export_has_every_table_with_the_package_schemas(csv_dir: Path, built: Path) -> None:
    descriptor = json.loads((csv_dir / "datapackage.json").read_text(encoding="utf-8"))
    published = json.loads((built / "datapackage.json").read_text(encoding="utf-8"))
    assert [r["name"] for r in descriptor["resources"]] == list(TABLES)
    assert descriptor["version"] == published["version"] and descriptor["licenses"] == published["licenses"]
    for res, pub in zip(descriptor["resources"], published["resources"]):
        assert res["format"] == "csv" and res["encoding"] == "utf-8" and res["path"] == f"{res['name']}.csv"
        assert res["schema"] == table_schema(TABLES[res["name"]]) == pub["schema"]
        with (csv_dir / res["path"]).open(encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
        assert len(rows) == res["rows"] == pub["rows"]
        assert list(rows[0]) == [fld["name"] for fld in res["schema"]["fields"]]
    with (csv_dir / "transfers.csv").open(encoding="utf-8", newline="") as f:
        drones = next(r for r in csv.DictReader(f) if r["transfer_id"] == ARMED_DRONES)
    assert drones["supplier_id"] == "actor/iran" and drones["period"] == "2022-08/.."
    assert drones["period_earliest"] == "2022-08-01" and drones["period_latest"] == ""
    assert drones["quantity_low"] == ""
    assert "Mélanie Joly" in (csv_dir / "actors.csv").read_text(encoding="utf-8")


def _library_problems(data: dict, ids: set[str]) -> list[str]:
    """followthemoney's own checks, independent of flows.outputs.ftm."""
    from followthemoney import model
    from followthemoney.types import registry

    schema = model.get(data["schema"])
    problems = []
    if schema is None or schema.abstract:
        return [f"{data['id']}: schema {data['schema']}"]
    proxy = model.get_proxy(data, cleaned=False)  # cleans every value
    cleaned = proxy.to_dict()
    schema.validate(cleaned)  # raises InvalidData
    if proxy.id != data["id"] or registry.entity.clean(data["id"]) != data["id"]:
        problems.append(f"{data['id']}: not a valid entity id")
    for name, values in data["properties"].items():
        if name not in schema.properties:
            problems.append(f"{data['id']}: unknown property {name}")
        elif sorted(cleaned["properties"].get(name, [])) != sorted(values):
            problems.append(f"{data['id']}: {name}={values} is not clean")
        elif schema.properties[name].type == registry.entity:
            problems += [f"{data['id']}: {name} -> {v} not in the file" for v in values if v not in ids]
    problems += [f"{data['id']}: {name} missing" for name in schema.required if not proxy.get(name)]
    return problems


def test_ftm_entities_pass_the_library_validation(entities: list[dict]) -> None:
    ids = {e["id"] for e in entities}
    assert len(ids) == len(entities)
    problems = [p for e in entities for p in _library_problems(e, ids)]
    assert problems == []


def test_ftm_entities_match_the_data(entities: list[dict], built: Path, curated: dict) -> None:
    by_id = {e["id"]: e for e in entities}
    con = connect_read_only(built)
    try:
        n_actors = con.execute("SELECT count(*) FROM actors WHERE actor_type <> 'collective'").fetchone()[0]
        n_designations = con.execute("SELECT count(*) FROM designations").fetchone()[0]
        persons = con.execute("SELECT count(*) FROM actors WHERE actor_type = 'person'").fetchone()[0]
    finally:
        con.close()
    schemata = [e["schema"] for e in entities]
    assert len([s for s in schemata if s != "Sanction"]) == n_actors
    assert schemata.count("Person") == persons
    designations = [e for e in entities if e["id"].startswith("flows-designation-")]
    assert len(designations) == n_designations == len(curated["designations"])

    iran = by_id["flows-actor-iran"]
    assert iran["schema"] == "LegalEntity" and iran["properties"]["country"] == ["ir"]
    djuma = by_id["flows-actor-abbas-djuma"]
    assert djuma["schema"] == "Person"
    assert djuma["properties"]["birthDate"] == ["1993-07-10"]
    assert djuma["properties"]["nationality"] == ["ru"] and djuma["properties"]["topics"] == ["sanction"]
    eu = by_id["flows-designation-eu-145109"]["properties"]
    assert eu["authority"] == ["Council of the European Union"] and eu["authorityId"] == ["EU-145109"]
    assert eu["entity"] == ["flows-actor-mohammad-hossein-bagheri"]
    assert eu["recordId"] == ["sanction/eu-2022-10-20-iran-drones"]
    assert "https://webgate.ec.europa.eu/fsd/fsf" in eu["sourceUrl"]
    assert by_id["flows-actor-mohammad-hossein-bagheri"]["schema"] == "Person"
    # A sanctioning action with no designation recorded is a Sanction on the state it targets.
    canada = by_id["flows-sanction-canada-2022-11-iran-drone-makers"]["properties"]
    assert canada["entity"] == ["flows-actor-iran"] and canada["date"] == ["2022-11"]
    # Collective claimants are not entities.
    assert not any(e["id"] == "flows-actor-us-officials" for e in entities)
