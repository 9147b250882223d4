"""flows.outputs.csv_package and flows.outputs.ftm: `flows export csv` (validated by frictionless) and `flows export ftm`
(validated by the followthemoney library) on the real build; CSV cells that a spreadsheet would
run as formulas are neutralised (unless --raw) and the package still validates; a target that is
not the command's own (a file, the package itself, a planted link) is refused and left as it was."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import run_cli
from flows.publish.descriptor import PROCESSED, table_schema
from flows.schema.definition import TABLES
from flows.views.query import connect_read_only

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


# --- formulas -------------------------------------------------------------------------------

# description written into the data → what the CSV cell holds after neutralising
FORMULAS = {
    '=HYPERLINK("http://evil.example","click")': '\'=HYPERLINK("http://evil.example","click")',
    "+1+cmd|' /C calc'!A0": "'+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0": "'-2+3+cmd|' /C calc'!A0",
    "@SUM(1+9)*cmd|' /C calc'!A0": "'@SUM(1+9)*cmd|' /C calc'!A0",
    "\t=1+1": "'\t=1+1",
    "\r=1+1": "'\r=1+1",
    "a=b stays": "a=b stays",  # only the first character counts
    "'quoted already": "'quoted already",
}


@pytest.fixture(scope="module")
def hostile(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the build whose actors carry formula-like descriptions and whose first transfer
    has an EDTF period of a negative year (a date: never touched)."""
    root = tmp_path_factory.mktemp("hostile")
    shutil.copytree(built / PROCESSED, root / PROCESSED)
    shutil.copy(built / "datapackage.json", root / "datapackage.json")
    path = root / PROCESSED / "actors.parquet"
    actors = pq.read_table(path)
    descriptions = actors["description"].to_pylist()
    descriptions[: len(FORMULAS)] = list(FORMULAS)
    i = actors.schema.get_field_index("description")
    pq.write_table(actors.set_column(i, actors.schema.field(i), pa.array(descriptions, pa.string())), path)
    path = root / PROCESSED / "transfers.parquet"
    transfers = pq.read_table(path)
    periods = transfers["period"].to_pylist()
    periods[0] = "-0100"
    i = transfers.schema.get_field_index("period")
    pq.write_table(transfers.set_column(i, transfers.schema.field(i), pa.array(periods, pa.string())), path)
    return root


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_formula_cells_get_a_leading_quote_and_the_package_still_validates(hostile: Path, tmp_path: Path):
    code, _, err = run_cli("export", "csv", str(tmp_path), "--root", str(hostile))
    assert code == 0, err
    actors = pq.read_table(hostile / PROCESSED / "actors.parquet").to_pylist()
    rows = _rows(tmp_path / "actors.csv")
    assert [r["description"] for r in rows[: len(FORMULAS)]] == list(FORMULAS.values())
    # every other column as it is: ids (patterns), names, codes
    assert [r["actor_id"] for r in rows] == [a["actor_id"] for a in actors]
    risky = sum(1 for v in FORMULAS if v[:1] in "=+-@\t\r")
    assert f"{risky} text cell(s) begin like a formula" in err
    assert _rows(tmp_path / "transfers.csv")[0]["period"] == "-0100"  # an EDTF date, not text
    descriptor = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    assert all("leading '" in r["description"] and "--raw" in r["description"] for r in descriptor["resources"])
    frictionless = Path(sys.executable).parent / "frictionless"
    result = subprocess.run([str(frictionless), "validate", str(tmp_path / "datapackage.json")],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:]
    assert result.stdout.count("VALID") == len(TABLES)


def test_raw_writes_every_value_as_it_is(hostile: Path, tmp_path: Path):
    code, _, err = run_cli("export", "csv", str(tmp_path), "--raw", "--root", str(hostile))
    assert code == 0 and "formula" not in err
    rows = _rows(tmp_path / "actors.csv")
    assert [r["description"] for r in rows[: len(FORMULAS)]] == list(FORMULAS)
    descriptor = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    assert [r["description"] for r in descriptor["resources"]] == [t.description for t in TABLES.values()]


def test_only_free_text_columns_are_neutralised():
    from flows.outputs.csv_package import free_text_fields

    fields = free_text_fields("actors")
    assert "description" in fields and "name" in fields
    assert "actor_id" not in fields and "actor_type" not in fields and "country_code" not in fields
    assert not set(free_text_fields("transfers")) & {"period", "quantity_low", "period_earliest"}


# --- targets --------------------------------------------------------------------------------


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("target", [".", "data/processed", "data"])
def test_export_csv_into_the_package_itself_is_refused(release_copy: Path, target: str):
    before = _snapshot(release_copy)
    code, out, err = run_cli("export", "csv", str(release_copy / target), "--root", str(release_copy))
    assert code == 1 and out == ""
    assert err.startswith(f"error: {release_copy / target}: holds files that are not a CSV export of flows")
    assert _snapshot(release_copy) == before


def test_export_csv_into_a_file_or_a_foreign_package_is_refused(release_copy: Path, tmp_path: Path):
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine\n")
    code, _, err = run_cli("export", "csv", str(a_file), "--root", str(release_copy))
    assert code == 1 and err == f"error: {a_file}: exists and is not a folder\n"
    assert a_file.read_text() == "mine\n"
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "datapackage.json").write_text('{"name": "someone-else", "resources": []}')
    (foreign / "datapackage.json").write_text('{"name": "x", "resources": [{"name": "t", "format": "xlsx"}]}')
    code, _, err = run_cli("export", "csv", str(foreign), "--root", str(release_copy))
    assert code == 1 and "not the datapackage.json of a CSV export of flows" in err
    assert json.loads((foreign / "datapackage.json").read_text())["name"] == "x"


def test_export_csv_again_into_its_own_folder_replaces_it(release_copy: Path, tmp_path: Path):
    out = tmp_path / "csv"
    assert run_cli("export", "csv", str(out), "--root", str(release_copy))[0] == 0
    first = _snapshot(out)
    assert run_cli("export", "csv", str(out), "--root", str(release_copy))[0] == 0
    assert _snapshot(out) == first


def test_export_csv_never_writes_through_a_planted_link(release_copy: Path, tmp_path: Path):
    out = tmp_path / "csv"
    out.mkdir()
    victims = {}
    for name in ("actors.csv.tmp", "datapackage.json.tmp", "claims.csv"):
        victim = tmp_path / f"victim-{name}"
        victim.write_text("precious\n")
        (out / name).symlink_to(victim)
        victims[name] = victim
    code, _, err = run_cli("export", "csv", str(out), "--root", str(release_copy))
    assert code == 0, err
    assert all(v.read_text() == "precious\n" for v in victims.values())
    assert not (out / "claims.csv").is_symlink() and _rows(out / "claims.csv")
    assert sorted(p.name for p in out.iterdir()) == sorted([f"{n}.csv" for n in TABLES] + ["datapackage.json"])


@pytest.mark.parametrize("damage", ["truncated", "empty", "not parquet", "missing"])
def test_export_csv_from_a_damaged_build_is_one_line_and_keeps_the_previous_export(
        release_copy: Path, tmp_path: Path, damage: str):
    out = tmp_path / "csv"
    assert run_cli("export", "csv", str(out), "--root", str(release_copy))[0] == 0
    before = _snapshot(out)
    # A changed table that comes before the damaged one: written first, it must not land alone.
    assert list(TABLES).index("actors") < list(TABLES).index("links")
    actors_path = release_copy / PROCESSED / "actors.parquet"
    actors = pq.read_table(actors_path)
    pq.write_table(actors.slice(1), actors_path)
    victim = release_copy / PROCESSED / "links.parquet"
    data = victim.read_bytes()
    if damage == "missing":
        victim.unlink()
    else:
        victim.write_bytes({"truncated": data[: len(data) // 2], "empty": b"", "not parquet": b"id,name\n1,x\n"}[damage])
    code, _, err = run_cli("export", "csv", str(out), "--root", str(release_copy))
    assert code == 1 and err.startswith(f"error: {victim}") and err.count("\n") == 1
    assert _snapshot(out) == before


def test_export_ftm_refuses_what_is_not_an_earlier_export(release_copy: Path, tmp_path: Path):
    descriptor = release_copy / "datapackage.json"
    before = descriptor.read_bytes()
    code, _, err = run_cli("export", "ftm", str(descriptor), "--root", str(release_copy))
    assert code == 1 and err == f"error: {descriptor}: exists and is not a FollowTheMoney export of flows; write to a new file\n"
    assert descriptor.read_bytes() == before
    code, _, err = run_cli("export", "ftm", str(tmp_path), "--root", str(release_copy))
    assert code == 1 and err == f"error: {tmp_path}: exists and is not a file\n"
    out = tmp_path / "flows.ftm.jsonl"
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    (tmp_path / "flows.ftm.jsonl.tmp").symlink_to(victim)
    assert run_cli("export", "ftm", str(out), "--root", str(release_copy))[0] == 0
    assert run_cli("export", "ftm", str(out), "--root", str(release_copy))[0] == 0  # over its own output
    assert victim.read_text() == "precious\n" and json.loads(out.read_text().splitlines()[0])["id"]
