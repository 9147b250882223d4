"""A correct new source breaks no test: the tests take the counts of the data from the curation,
never from a pinned number. A copy of the project gets one more source (tests/fixtures/new-source:
an archived text, a source file and new actors, designations and a transfer, each counted by some
test), is rebuilt as a curator would, and runs the suite of `make test-fast` against itself."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from flows.build.pipeline import build

NEW_SOURCE = Path(__file__).parent / "fixtures" / "new-source"
NOT_COPIED = shutil.ignore_patterns(".git", ".venv", "__pycache__", ".pytest_cache", ".hypothesis", "*.egg-info",
                                    ".flows-*", "flows.duckdb*")


@pytest.mark.slow
def test_a_new_source_breaks_no_test(tmp_path: Path) -> None:
    copy = tmp_path / "project"
    shutil.copytree(ROOT, copy, ignore=NOT_COPIED)
    (tmp_path / "shared").symlink_to(ROOT.parent / "shared")  # the shared archive and lists, beside it
    shutil.copytree(NEW_SOURCE / "data", copy / "data", dirs_exist_ok=True)
    build(copy)  # as a curator would before committing: the published files now hold the new source
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "-m", "not slow and not perf", "-n", "auto"],
        cwd=copy, capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
