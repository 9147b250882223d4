"""flows.publish.lock: one build publishes at a time, and readers wait for files being moved; a
lock that stays taken is waited for up to FLOWS_LOCK_TIMEOUT seconds, saying who holds it."""

from __future__ import annotations

import os
import time
from pathlib import Path

from conftest import error_lines, flows_process
from flows.publish.lock import BUILD_LOCK, RELEASE_LOCK, locked

RECORD = "transfer/iran-russia-armed-drones-2022"


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


def test_build_waits_for_another_build(published_project: Path):
    root = published_project
    with locked(root / BUILD_LOCK, exclusive=True, doing="building"):
        proc = flows_process("build", "--root", str(root), "--no-duckdb", FLOWS_LOCK_TIMEOUT="1")
        _, err = proc.communicate(timeout=120)
    assert proc.returncode == 1
    lines = error_lines(err)
    assert len(lines) == 1 and f"(pid {os.getpid()}) is still building after 1 s" in lines[0], err
    assert "Traceback" not in err
