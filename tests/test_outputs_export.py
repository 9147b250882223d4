"""Issue 16, what `flows export` and `flows report` write: CSV cells that a spreadsheet would run
as formulas are neutralised (unless --raw) and the package still validates; a target that is
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
from flows.publish.descriptor import PROCESSED
from flows.schema.definition import TABLES

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
    from flows.outputs.export import free_text_fields

    fields = free_text_fields("actors")
    assert "description" in fields and "name" in fields
    assert "actor_id" not in fields and "actor_type" not in fields and "country_code" not in fields
    assert not set(free_text_fields("transfers")) & {"period", "quantity_low", "period_earliest"}


# --- targets --------------------------------------------------------------------------------


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def package(built: Path, tmp_path: Path) -> Path:
    root = tmp_path / "package"
    shutil.copytree(built, root)
    return root


@pytest.mark.parametrize("target", [".", "data/processed", "data"])
def test_export_csv_into_the_package_itself_is_refused(package: Path, target: str):
    before = _snapshot(package)
    code, out, err = run_cli("export", "csv", str(package / target), "--root", str(package))
    assert code == 1 and out == ""
    assert err.startswith(f"error: {package / target}: holds files that are not a CSV export of flows")
    assert _snapshot(package) == before


def test_export_csv_into_a_file_or_a_foreign_package_is_refused(package: Path, tmp_path: Path):
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine\n")
    code, _, err = run_cli("export", "csv", str(a_file), "--root", str(package))
    assert code == 1 and err == f"error: {a_file}: exists and is not a folder\n"
    assert a_file.read_text() == "mine\n"
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "datapackage.json").write_text('{"name": "someone-else", "resources": []}')
    (foreign / "datapackage.json").write_text('{"name": "x", "resources": [{"name": "t", "format": "xlsx"}]}')
    code, _, err = run_cli("export", "csv", str(foreign), "--root", str(package))
    assert code == 1 and "not the datapackage.json of a CSV export of flows" in err
    assert json.loads((foreign / "datapackage.json").read_text())["name"] == "x"


def test_export_csv_again_into_its_own_folder_replaces_it(package: Path, tmp_path: Path):
    out = tmp_path / "csv"
    assert run_cli("export", "csv", str(out), "--root", str(package))[0] == 0
    first = _snapshot(out)
    assert run_cli("export", "csv", str(out), "--root", str(package))[0] == 0
    assert _snapshot(out) == first


def test_export_csv_never_writes_through_a_planted_link(package: Path, tmp_path: Path):
    out = tmp_path / "csv"
    out.mkdir()
    victims = {}
    for name in ("actors.csv.tmp", "datapackage.json.tmp", "claims.csv"):
        victim = tmp_path / f"victim-{name}"
        victim.write_text("precious\n")
        (out / name).symlink_to(victim)
        victims[name] = victim
    code, _, err = run_cli("export", "csv", str(out), "--root", str(package))
    assert code == 0, err
    assert all(v.read_text() == "precious\n" for v in victims.values())
    assert not (out / "claims.csv").is_symlink() and _rows(out / "claims.csv")
    assert sorted(p.name for p in out.iterdir()) == sorted([f"{n}.csv" for n in TABLES] + ["datapackage.json"])


@pytest.mark.parametrize("damage", ["truncated", "empty", "not parquet", "missing"])
def test_export_csv_from_a_damaged_build_is_one_line_and_keeps_the_previous_export(
        package: Path, tmp_path: Path, damage: str):
    out = tmp_path / "csv"
    assert run_cli("export", "csv", str(out), "--root", str(package))[0] == 0
    before = _snapshot(out)
    # A changed table that comes before the damaged one: written first, it must not land alone.
    assert list(TABLES).index("actors") < list(TABLES).index("links")
    actors_path = package / PROCESSED / "actors.parquet"
    actors = pq.read_table(actors_path)
    pq.write_table(actors.slice(1), actors_path)
    victim = package / PROCESSED / "links.parquet"
    data = victim.read_bytes()
    if damage == "missing":
        victim.unlink()
    else:
        victim.write_bytes({"truncated": data[: len(data) // 2], "empty": b"", "not parquet": b"id,name\n1,x\n"}[damage])
    code, _, err = run_cli("export", "csv", str(out), "--root", str(package))
    assert code == 1 and err.startswith(f"error: {victim}") and err.count("\n") == 1
    assert _snapshot(out) == before


def test_export_ftm_refuses_what_is_not_an_earlier_export(package: Path, tmp_path: Path):
    descriptor = package / "datapackage.json"
    before = descriptor.read_bytes()
    code, _, err = run_cli("export", "ftm", str(descriptor), "--root", str(package))
    assert code == 1 and err == f"error: {descriptor}: exists and is not a FollowTheMoney export of flows; write to a new file\n"
    assert descriptor.read_bytes() == before
    code, _, err = run_cli("export", "ftm", str(tmp_path), "--root", str(package))
    assert code == 1 and err == f"error: {tmp_path}: exists and is not a file\n"
    out = tmp_path / "flows.ftm.jsonl"
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    (tmp_path / "flows.ftm.jsonl.tmp").symlink_to(victim)
    assert run_cli("export", "ftm", str(out), "--root", str(package))[0] == 0
    assert run_cli("export", "ftm", str(out), "--root", str(package))[0] == 0  # over its own output
    assert victim.read_text() == "precious\n" and json.loads(out.read_text().splitlines()[0])["id"]


def test_report_refuses_what_is_not_an_earlier_report(package: Path, tmp_path: Path):
    readme = tmp_path / "README.md"
    readme.write_text("# mine\n")
    code, _, err = run_cli("report", "--out", str(readme), "--root", str(package))
    assert code == 1 and err == f"error: {readme}: exists and is not a flows report; write to a new file\n"
    assert readme.read_text() == "# mine\n"
    code, _, err = run_cli("report", "--out", str(tmp_path), "--root", str(package))
    assert code == 1 and err == f"error: {tmp_path}: exists and is not a file\n"
    page = tmp_path / "report.html"
    assert run_cli("report", "--out", str(page), "--root", str(package))[0] == 0
    assert run_cli("report", "--out", str(page), "--root", str(package))[0] == 0  # over its own output
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
