"""Trust: tampering, interrupted publishing, read-only queries, safe loading."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, run_cli
from flows.rules.check import check
from flows.publish.release import JOURNAL, STAGING, sha256_file
from flows.schema.definition import TABLES


def _check_lines(root: Path) -> list[str]:
    problems, _ = check(root, ROOT)
    return [str(p) for p in problems]


@pytest.mark.parametrize("name", sorted(TABLES))
def test_flipped_byte_in_any_parquet_file_is_named(project: Path, name: str):
    path = project / "data/processed" / f"{name}.parquet"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    lines = _check_lines(project)
    assert any(line.startswith(f"data/processed/{name}.parquet") and "sha256 differs" in line for line in lines), lines


@pytest.mark.parametrize("rel", ["data/processed/claims.parquet", "data/processed/views.sql",
                                 "data/processed/schema.sql", "datapackage.json"])
def test_deleted_file_is_named(project: Path, rel: str):
    (project / rel).unlink()
    code, _, stderr = run_cli("check", "--root", str(project), "--texts-root", str(ROOT))
    assert code == 1
    assert stderr.startswith(rel), stderr


def test_edited_sql_or_descriptor_is_named(project: Path):
    views = project / "data/processed/views.sql"
    views.write_text(views.read_text() + "\nDROP VIEW timeline;\n")
    descriptor = project / "datapackage.json"
    descriptor.write_text(descriptor.read_text().replace('"minimum": 0', '"minimum": 1', 1))
    lines = _check_lines(project)
    assert "data/processed/views.sql: differs from what the build generates" in lines
    assert any(line.startswith("datapackage.json: resources.") and "schema" in line for line in lines)


def test_valid_parquet_with_changed_content_is_caught(project: Path, tmp_path: Path):
    """A consistent rewrite (new hash recorded too) still fails the rules, not just the hash."""
    import json

    import pyarrow.parquet as pq

    path = project / "data/processed/claims.parquet"
    table = pq.read_table(path)
    texts = table.column("evidence_text").to_pylist()
    texts[0] = texts[0] + " (edited)"
    table = table.set_column(table.schema.get_field_index("evidence_text"), "evidence_text",
                             __import__("pyarrow").array(texts))
    pq.write_table(table, path)
    descriptor = json.loads((project / "datapackage.json").read_text())
    for r in descriptor["resources"]:
        if r["name"] == "claims":
            r["hash"] = f"sha256:{sha256_file(path)}"
    (project / "datapackage.json").write_text(json.dumps(descriptor))
    lines = _check_lines(project)
    assert any("evidence_text: not found verbatim" in line and "data/processed/claims.parquet [" in line
               for line in lines), lines


def _release(root: Path) -> dict[str, str]:
    files = ["datapackage.json", *[f"data/processed/{n}.parquet" for n in TABLES]]
    return {f: sha256_file(root / f) for f in files}


@pytest.mark.slow
def test_killed_builds_leave_old_or_new_release(project: Path):
    """SIGKILL a build at random moments; after recovery, the outputs are entirely the old
    release or entirely the new one (checked against the sha256 manifest), never a mix."""
    old = _release(project)
    raw = project / "data/raw/transfers"
    # A change that gives a new release: one more claim-backed record edit (a description).
    target = raw / "iran-russia.yaml"
    target.write_text(target.read_text(encoding="utf-8").replace(
        "description:", "description: (edited)", 1), encoding="utf-8")
    env = {**os.environ}
    new_root = project.parent / "new-release"
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "flows", "build", "--root", str(project), "--out", str(new_root),
                    "--no-duckdb"], check=True, env=env, capture_output=True)
    took = time.monotonic() - started  # kills land anywhere in a build of this length
    new = _release(new_root)
    assert new != old
    rng = random.Random(20221017)
    trials = int(os.environ.get("FLOWS_KILL_TRIALS", "20"))
    outcomes = {"old": 0, "new": 0}
    for _ in range(trials):
        proc = subprocess.Popen([sys.executable, "-m", "flows", "build", "--root", str(project), "--no-duckdb"],
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.2 * took, 1.1 * took))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        _, recovered = check(project, ROOT)  # any flows command finishes an interrupted publish
        now = _release(project)
        assert now in (old, new), "a mix of releases"
        assert not (project / JOURNAL).exists() and not (project / STAGING).exists()
        outcomes["old" if now == old else "new"] += 1
        if now == new:  # go back to the old release for the next trial
            target.write_text(target.read_text(encoding="utf-8").replace("description: (edited)", "description:", 1), encoding="utf-8")
            subprocess.run([sys.executable, "-m", "flows", "build", "--root", str(project), "--no-duckdb"], check=True, env=env, capture_output=True)
            assert _release(project) == old
            target.write_text(target.read_text(encoding="utf-8").replace("description:", "description: (edited)", 1), encoding="utf-8")
    print(f"kill trials: {trials} builds killed, {sum(outcomes.values())} releases whole after "
          f"(old {outcomes['old']}, new {outcomes['new']})")
    assert sum(outcomes.values()) == trials


# A child that finishes an interrupted publish slowly (each move 20 ms later), to be killed at
# any moment of it.
SLOW_RECOVERY = """
import os, sys, time
from pathlib import Path
import flows.publish.release as publish
real_replace, real_unlink = os.replace, os.unlink
os.replace = lambda *a, **k: (time.sleep(0.02), real_replace(*a, **k))[1]
os.unlink = lambda *a, **k: (time.sleep(0.02), real_unlink(*a, **k))[1]
print("ready", flush=True)
publish.recover(Path(sys.argv[1]))
"""


@pytest.mark.slow
def test_killed_recoveries_leave_a_release_the_next_command_finishes(project: Path, tmp_path: Path):
    """SIGKILL the roll-forward of an interrupted publish at random moments, itself interrupted
    after a random number of moves: the next command finishes it, and the release is entirely
    the new one."""
    import json
    import shutil

    from flows.publish.release import release_files

    old = _release(project)
    old_copy = tmp_path / "old-release"
    for rel in old:
        (old_copy / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(project / rel, old_copy / rel)
    target = project / "data/raw/transfers/iran-russia.yaml"
    target.write_text(target.read_text(encoding="utf-8").replace("description:", "description: (edited)", 1),
                      encoding="utf-8")
    new_root = tmp_path / "new-release"
    subprocess.run([sys.executable, "-m", "flows", "build", "--root", str(project), "--out", str(new_root),
                    "--no-duckdb"], check=True, capture_output=True)
    new = _release(new_root)
    assert new != old
    rng = random.Random(20240601)
    trials = int(os.environ.get("FLOWS_KILL_TRIALS", "20"))
    outcomes = {"killed mid-recovery": 0, "finished before the kill": 0}
    for _ in range(trials):
        staging = project / STAGING
        for rel in sorted(p.relative_to(new_root).as_posix() for p in new_root.rglob("*")
                          if p.is_file() and not p.name.startswith(".flows")):
            if rel == "README.md" or rel == "datapackage.json" or rel.startswith("data/processed/"):
                (staging / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(new_root / rel, staging / rel)
        files = release_files(staging)
        (project / JOURNAL).write_text(json.dumps({"staging": STAGING, "files": files}))
        for rel in files[: rng.randrange(len(files))]:  # killed during its commit, some files moved
            os.replace(staging / rel, project / rel)
        proc = subprocess.Popen([sys.executable, "-c", SLOW_RECOVERY, str(project)],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0, 0.02 * (len(files) + 2)))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        outcomes["killed mid-recovery" if (project / JOURNAL).exists() else "finished before the kill"] += 1
        problems, _ = check(project, ROOT)
        assert _release(project) == new, "a mix of releases"
        assert not problems, problems
        assert not (project / JOURNAL).exists() and not (project / STAGING).exists()
        for rel in old:  # back to the old release for the next trial
            shutil.copy2(old_copy / rel, project / rel)
    print(f"kill trials during recovery: {trials} killed, {trials} releases whole after ({outcomes})")
    assert sum(outcomes.values()) == trials


@pytest.mark.parametrize("statement", [
    "CREATE TABLE x AS SELECT 1",
    "DROP VIEW timeline",
    "DELETE FROM claims",
    "INSERT INTO actors (actor_id, name, actor_type) VALUES ('actor/x', 'x', 'state')",
    "COPY claims TO '/tmp/flows-exfiltrated.csv'",
    "ATTACH '/tmp/flows-other.duckdb' AS other",
    "SET enable_external_access = true",
    "SELECT * FROM read_csv('/etc/passwd')",
    "INSTALL httpfs",
])
def test_sql_is_read_only(built: Path, statement: str):
    before = sha256_file(built / "data/processed/flows.duckdb")
    code, _, stderr = run_cli("sql", statement, "--root", str(built))
    assert code == 1, stderr
    assert stderr.startswith("error:")
    assert sha256_file(built / "data/processed/flows.duckdb") == before
    assert not Path("/tmp/flows-exfiltrated.csv").exists()
    code, out, _ = run_cli("sql", "SELECT count(*) AS n FROM timeline", "--root", str(built), "--format", "csv")
    assert code == 0 and int(out.splitlines()[1]) > 0
