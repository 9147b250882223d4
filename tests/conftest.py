"""Shared fixtures: the project root, a fresh build of it, and throw-away copies of it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.build.pipeline import build
from flows.cli.app import app
from flows.build.load import load_curation

ROOT = Path(__file__).resolve().parents[1]
# The shared archive beside the project, unless FLOWS_SHARED_SOURCES names it (a copy of the
# project elsewhere, as tests/test_new_source.py runs).
SHARED_SOURCES = Path(os.environ.get("FLOWS_SHARED_SOURCES") or ROOT / ".." / "shared" / "sources").resolve()
# Session fixtures build before any test's monkeypatch: they read it from here.
os.environ.setdefault("FLOWS_SHARED_SOURCES", str(SHARED_SOURCES))


@pytest.fixture(autouse=True)
def _shared_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    # Copies of the project live in temporary folders: point them at the real shared archive.
    monkeypatch.setenv("FLOWS_SHARED_SOURCES", str(SHARED_SOURCES))


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh build of the project's data/raw, published into a temporary folder."""
    out = tmp_path_factory.mktemp("built")
    build(ROOT, out)
    return out


@pytest.fixture(scope="session")
def curated() -> dict[str, list[dict]]:
    """Every row curated in data/raw, per table. Tests take the expected counts of the data
    from here (never a pinned number), so that a correct new source does not break them."""
    import os

    return load_curation(ROOT).rows


def copy_project(dest: Path) -> Path:
    """A copy of what a build reads (data/raw, README) and of what it published."""
    shutil.copytree(ROOT / "data" / "raw", dest / "data" / "raw")
    shutil.copy(ROOT / "README.md", dest / "README.md")
    return dest


@pytest.fixture(scope="session")
def _built_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project built once (without flows.duckdb): what each `project` copies."""
    template = copy_project(tmp_path_factory.mktemp("built-project"))
    build(template, with_duckdb=False)
    return template


@pytest.fixture
def project(tmp_path: Path, _built_project: Path) -> Path:
    """A built copy of the project, to break on purpose. A build gives the same bytes each time,
    so a copy of one build stands for a build of each copy (and costs far less)."""
    shutil.copytree(_built_project, tmp_path, symlinks=True, dirs_exist_ok=True)
    return tmp_path


def run_cli(*args: str):
    """Run the flows command in-process; return (exit code, stdout, stderr)."""
    result = CliRunner().invoke(app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr
