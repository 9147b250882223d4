"""flows.publish.lock: one build publishes at a time, and readers wait for files being moved; a
lock that stays taken is waited for up to FLOWS_LOCK_TIMEOUT seconds, saying who holds it."""

from __future__ import annotations

import fcntl
import json
import os
import time
from pathlib import Path

import pytest

from conftest import error_lines, flows_process, run_cli
from flows.publish.lock import BUILD_LOCK, RELEASE_LOCK, LockError, locked, try_locked

RECORD = "transfer/iran-russia-armed-drones-2022"


@pytest.mark.slow  # a concurrency trial: processes waiting on a held lock (in-process: the tests below)
def test_reader_waits_for_a_publish_in_progress(published_project: Path):
    """While files are being moved (the release lock held exclusively), a reader waits, saying
    so; it answers once the move is done, or fails with one line when its time runs out."""
    root = published_project
    with locked(root / RELEASE_LOCK, exclusive=True, doing="publishing"):
        patient = flows_process("sql", "SELECT count(*) AS n FROM claims", "--root", str(root), "--format", "csv",
                                FLOWS_LOCK_TIMEOUT="60")
        hasty = flows_process("show", RECORD, "--root", str(root), FLOWS_LOCK_TIMEOUT="0.5")
        _, hasty_err = hasty.communicate(timeout=60)
        time.sleep(1.0)
        assert patient.poll() is None, "the reader did not wait"
    out, err = patient.communicate(timeout=60)
    assert patient.returncode == 0, err
    assert int(out.splitlines()[1]) > 0
    assert f"(pid {os.getpid()}) is publishing in {root}" in err
    assert hasty.returncode == 1
    lines = error_lines(hasty_err)
    assert len(lines) == 1 and "still publishing after 0.5 s" in lines[0], hasty_err


@pytest.mark.slow  # a concurrency trial: a build process waiting on a held lock
def test_build_waits_for_another_build(published_project: Path):
    root = published_project
    with locked(root / BUILD_LOCK, exclusive=True, doing="building"):
        proc = flows_process("build", "--root", str(root), "--no-duckdb", FLOWS_LOCK_TIMEOUT="1")
        _, err = proc.communicate(timeout=120)
    assert proc.returncode == 1
    lines = error_lines(err)
    assert len(lines) == 1 and f"(pid {os.getpid()}) is still building after 1 s" in lines[0], err
    assert "Traceback" not in err


# --- each refusal with its code (flows.errors.CODES) -----------------------------------------------

@pytest.fixture
def held_elsewhere(tmp_path: Path):
    """A lock file of tmp_path held exclusively through another open file, as another process
    would hold it (flock locks belong to an open file)."""
    fd = os.open(tmp_path / BUILD_LOCK, os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    yield tmp_path / BUILD_LOCK
    os.close(fd)


def _code(error: pytest.ExceptionInfo) -> list[str]:
    return [p.code for p in error.value.problems]


def test_a_lock_still_held_after_the_timeout_is_refused(held_elsewhere: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FLOWS_LOCK_TIMEOUT", "0")
    with pytest.raises(LockError) as refused, locked(held_elsewhere, exclusive=True, doing="building",
                                                     notify=lambda line: None):
        pass
    assert _code(refused) == ["lock_timeout"]
    with try_locked(held_elsewhere) as free:
        assert not free


def test_a_timeout_that_is_not_a_number_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FLOWS_LOCK_TIMEOUT", "ten")
    with pytest.raises(LockError) as refused, locked(tmp_path / BUILD_LOCK, exclusive=True, doing="building"):
        pass
    assert _code(refused) == ["lock_timeout_invalid"]


def test_a_folder_that_cannot_hold_a_lock_is_refused_to_a_build_but_not_to_a_reader(tmp_path: Path):
    with pytest.raises(LockError) as refused, locked(tmp_path / "nowhere" / BUILD_LOCK, exclusive=True,
                                                     doing="building"):
        pass
    assert _code(refused) == ["lock_unavailable"]
    with locked(tmp_path / "nowhere" / RELEASE_LOCK, exclusive=False, doing="publishing"):
        pass  # nothing there to read, nothing published there: the reader says what is missing


def test_a_lock_held_shared_is_not_taken_exclusively_by_the_same_process(tmp_path: Path):
    with locked(tmp_path / RELEASE_LOCK, exclusive=False, doing="publishing"):
        with locked(tmp_path / RELEASE_LOCK, exclusive=False, doing="publishing"):
            pass  # a nested shared request is granted at once
        with pytest.raises(LockError) as refused, locked(tmp_path / RELEASE_LOCK, exclusive=True,
                                                         doing="publishing"):
            pass
    assert _code(refused) == ["lock_held_shared"]
    with try_locked(tmp_path / RELEASE_LOCK) as free:  # released on leaving
        assert free


def test_build_json_reports_a_lock_timeout_by_its_code(published_project: Path, monkeypatch: pytest.MonkeyPatch):
    root = published_project
    monkeypatch.setenv("FLOWS_LOCK_TIMEOUT", "0")
    fd = os.open(root / BUILD_LOCK, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        code, stdout, stderr = run_cli("build", "--root", str(root), "--no-duckdb", "--format", "json")
    finally:
        os.close(fd)
    assert code == 1, stderr
    report = json.loads(stdout)
    assert [(p["code"], p["file"]) for p in report["problems"]] == [("lock_timeout", str(root))]
    assert report["summary"]["passed"] is False and report["summary"]["published"] is None
