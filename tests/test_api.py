"""The Python API (flows.api): `import flows` stays cheap; read, connect, find and record on the
real release, by id, name and alias; a half-published release is refused, never read; and an
installed wheel answers the same calls with no clone around (slow)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

import flows
import flows.api
from flows.publish.release import JOURNAL, PublishError
from flows.schema.definition import TABLES, table_fields
from flows.views.show import AmbiguousRecord, RecordNotFound

from conftest import ROOT, copy_release, run_cli


def test_import_flows_loads_neither_pandas_nor_duckdb() -> None:
    code = "import sys, flows; print(sorted(m for m in ('pandas', 'duckdb', 'pyarrow') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_clone_is_the_release_read() -> None:
    """Without root=, the clone the flows module lives in. (The other tests name ROOT: a copy of
    the project, as tests/test_new_source.py makes, imports flows from the clone.)"""
    clone = Path(flows.api.__file__).resolve().parents[2]
    assert flows.data_root() == clone
    meta = json.loads((clone / "datapackage.json").read_text(encoding="utf-8"))
    assert flows.data_version() == meta["version"]
    assert flows.data_version(root=ROOT) == json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))["version"]


def test_read_gives_every_row_of_a_table_with_its_schema_dtypes(curated: dict[str, list[dict]]) -> None:
    transfers = flows.read("transfers", root=ROOT)
    assert list(transfers.columns) == [f.name for f in table_fields(TABLES["transfers"])]
    assert len(transfers) == len(curated["transfers"])
    assert str(transfers["transfer_id"].dtype) == "string"
    alabuga = transfers.set_index("transfer_id").loc["transfer/iran-russia-shahed-production-alabuga"]
    assert (alabuga["supplier_id"], alabuga["recipient_id"], alabuga["item_id"]) == (
        "actor/iran", "actor/russia", "item/shahed-136")


def test_read_a_view_and_refuse_an_unknown_name() -> None:
    details = flows.read("claim_details", root=ROOT)
    assert {"claim_id", "record_id", "evidence_text"} <= set(details.columns)
    assert len(details) == len(flows.read("claims", root=ROOT))
    with pytest.raises(KeyError, match="no table or view 'transfer'"):
        flows.read("transfer", root=ROOT)


@pytest.fixture(params=[True, False], ids=["with flows.duckdb", "parquet only (a fresh clone)"])
def release(request: pytest.FixtureRequest, built: Path, tmp_path: Path) -> Path:
    """The built release as a build leaves it, and as a clone has it: the committed Parquet
    files without flows.duckdb (git ignores it), which connect and `flows show` read too."""
    return copy_release(built, tmp_path, with_duckdb=request.param)


def test_connect_is_read_only_with_the_views(release: Path) -> None:
    with flows.connect(root=release) as con:
        names = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        assert {"transfers", "claim_details", "record_evidence"} <= names
        assert con.execute("SELECT label FROM records WHERE record_id = 'item/shahed-136'").fetchone() == (
            "Shahed-136 (Iranian-designed attack drone)",)
        with pytest.raises(duckdb.Error):
            con.execute("DELETE FROM transfers")
        with pytest.raises(duckdb.Error):
            con.execute("COPY transfers TO '/tmp/flows-api-leak.csv'")


def test_record_by_alias_name_and_id_is_one_record_with_its_claims() -> None:
    by_alias = flows.record("Geran-2", root=ROOT)
    assert by_alias.record_id == "item/shahed-136"
    assert flows.record("geran-2", root=ROOT).record_id == "item/shahed-136"  # any case
    assert flows.record("Shahed-136 (Iranian-designed attack drone)", root=ROOT).record_id == "item/shahed-136"
    detail = flows.record("item/shahed-136", root=ROOT)
    assert "Geran-2" in {a["alias"] for a in detail.nested["item_aliases"]}
    assert detail.claims and all(c["evidence_text"] and c["source_id"] for c in detail.claims)
    assert ("produced_by", "link/shahed-136-produced-by-jsc-alabuga") in {
        (link.relation, link.link_id) for link in detail.links_from}


def test_find_lists_every_record_a_word_names() -> None:
    found = {m.record_id: m for m in flows.find("shahed", root=ROOT)}
    assert found["item/shahed-136"].matched == "Shahed-136 (Iranian-designed attack drone)"
    assert "actor/shahed-aviation-industries" in found
    assert [m.matched for m in flows.find("Geran-2", root=ROOT)] == ["Geran-2"]


def test_a_name_of_several_records_or_of_none_is_refused() -> None:
    with pytest.raises(AmbiguousRecord) as e:
        flows.record("shahed", root=ROOT)
    assert {"item/shahed-136", "actor/shahed-aviation-industries"} <= {m.record_id for m in e.value.matches}
    with pytest.raises(RecordNotFound, match="item/shahed-136"):
        flows.record("item/shahed-999", root=ROOT)
    with pytest.raises(RecordNotFound):  # a part of an id is a mistyped id, not a name
        flows.record("item/shahed-13", root=ROOT)
    assert flows.record("kn-23/24", root=ROOT).record_id == "item/kn-23-kn-24"  # an alias with a slash


def test_flows_show_finds_a_record_by_alias(release: Path) -> None:
    code, out, _ = run_cli("show", "Geran-2", "--root", str(release))
    assert code == 0 and "item/shahed-136" in out
    code, _, err = run_cli("show", "shahed", "--root", str(release))
    assert code == 1 and "names" in err and "item/shahed-136" in err


def test_a_half_published_release_is_never_read(project: Path) -> None:
    assert len(flows.read("transfers", root=project)) == len(flows.read("transfers", root=ROOT))
    (project / JOURNAL).write_text("not a journal", encoding="utf-8")
    with pytest.raises(PublishError, match="not a journal flows wrote"):
        flows.read("transfers", root=project)
    with pytest.raises(PublishError):
        flows.connect(root=project)


def test_a_folder_without_a_release_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no published release"):
        flows.read("transfers", root=tmp_path)


@pytest.mark.slow
def test_an_installed_wheel_ships_the_release(tmp_path: Path) -> None:
    """The wheel built from the clone, installed in a fresh venv, answers from its own copy of the
    release, run from a folder with no clone in sight."""
    pip = [sys.executable, "-m", "pip"]
    subprocess.run([*pip, "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"), str(ROOT)],
                   check=True, capture_output=True)
    wheel, = (tmp_path / "dist").glob("flows-*-py3-none-any.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "-c", str(ROOT / "constraints.txt"), str(wheel)],
                   check=True, capture_output=True)
    script = textwrap.dedent("""
        import json, flows
        con = flows.connect()
        print(json.dumps({
            "root": str(flows.data_root()),
            "version": flows.data_version(),
            "transfers": len(flows.read("transfers")),
            "geran": flows.record("Geran-2").record_id,
            "claims": len(flows.record("Geran-2").claims),
            "details": con.execute("SELECT count(*) FROM claim_details").fetchone()[0],
        }))
    """)
    away = tmp_path / "elsewhere"
    away.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    done = subprocess.run([str(python), "-c", script], cwd=away, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert Path(got["root"]).is_relative_to(venv) and got["root"].endswith("flows/_data")
    assert got["version"] == flows.data_version()
    assert got["transfers"] == len(flows.read("transfers", root=ROOT))
    assert got["geran"] == "item/shahed-136"
    assert got["claims"] == len(flows.record("Geran-2", root=ROOT).claims)
    assert got["details"] == len(flows.read("claim_details", root=ROOT))
