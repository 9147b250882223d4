"""What an installed wheel ships: every file the package reads at run time (the report's
template and stylesheet, the SQL of the views) is matched by `[tool.setuptools.package-data]`,
which setuptools reads as globs relative to the package folder."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "flows"


def test_package_data_covers_every_file_the_package_reads() -> None:
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"][
        "package-data"]["flows"]
    shipped = {path for pattern in patterns for path in PACKAGE.glob(pattern) if path.is_file()}
    data = {path for path in PACKAGE.rglob("*")
            if path.is_file() and path.suffix not in (".py", ".pyc") and "__pycache__" not in path.parts}
    assert PACKAGE / "templates" / "report.html.j2" in data and PACKAGE / "sql" / "views.sql" in data
    assert sorted(p.relative_to(PACKAGE).as_posix() for p in data - shipped) == []
