"""Shared fixtures: the project root, a fresh build of it, and throw-away copies of it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.build import build
from flows.cli import app

ROOT = Path(__file__).resolve().parents[1]
SHARED_SOURCES = (ROOT / ".." / "shared" / "sources").resolve()


@pytest.fixture(autouse=True)
def _shared_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    # Copies of the project live in temporary folders: point them at the real shared archive.
    monkeypatch.setenv("FLOWS_SHARED_SOURCES", str(SHARED_SOURCES))


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh build of the project's data/raw, published into a temporary folder."""
    import os

    os.environ.setdefault("FLOWS_SHARED_SOURCES", str(SHARED_SOURCES))
    out = tmp_path_factory.mktemp("built")
    build(ROOT, out)
    return out


def copy_project(dest: Path) -> Path:
    """A copy of what a build reads (data/raw, README) and of what it published."""
    shutil.copytree(ROOT / "data" / "raw", dest / "data" / "raw")
    shutil.copy(ROOT / "README.md", dest / "README.md")
    return dest


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A built copy of the project, to break on purpose."""
    copy_project(tmp_path)
    build(tmp_path, with_duckdb=False)
    return tmp_path


def run_cli(*args: str):
    """Run the flows command in-process; return (exit code, stdout, stderr)."""
    result = CliRunner().invoke(app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr
