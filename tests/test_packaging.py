"""What an installed wheel ships: every file the package reads at run time (the report's
template and stylesheet, the SQL of the views) is matched by `[tool.setuptools.package-data]`,
which setuptools reads as globs relative to the package folder."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "flows"


def test_package_data_covers_every_file_the_package_reads() -> None:
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"][
        "package-data"]
    shipped = {path for package, patterns in package_data.items() for pattern in patterns
               for path in (PACKAGE.parent / package.replace(".", "/")).glob(pattern) if path.is_file()}
    data = {path for path in PACKAGE.rglob("*")
            if path.is_file() and path.suffix not in (".py", ".pyc") and "__pycache__" not in path.parts}
    assert PACKAGE / "outputs" / "templates" / "report.html.j2" in data
    assert PACKAGE / "views" / "sql" / "views.sql" in data
    assert sorted(p.relative_to(PACKAGE).as_posix() for p in data - shipped) == []
