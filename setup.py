"""The wheel carries the release it was built from: `flows.api` reads it from flows/_data/
when there is no clone around (pip install dist/flows-<version>/flows-<version>-py3-none-any.whl).
Everything else about the package is in pyproject.toml."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).parent
PROCESSED = ROOT / "data" / "processed"
# datapackage.json, then data/processed/ as it is published, without the DuckDB database (the API
# loads the Parquet files into memory): paths in the descriptor stay valid inside flows/_data/.
SHIPPED_PATTERNS = ("*.parquet", "*.sql")


class BuildWithRelease(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads the clone itself
            return
        if not (ROOT / "datapackage.json").is_file() or not any(PROCESSED.glob("*.parquet")):
            raise SystemExit(f"{ROOT}: no published release to ship in the wheel: run `flows build` first")
        target = Path(self.build_lib) / "flows" / "_data"
        shutil.rmtree(target, ignore_errors=True)
        (target / "data" / "processed").mkdir(parents=True)
        shutil.copy2(ROOT / "datapackage.json", target / "datapackage.json")
        for pattern in SHIPPED_PATTERNS:
            for path in sorted(PROCESSED.glob(pattern)):
                shutil.copy2(path, target / "data" / "processed" / path.name)


setup(cmdclass={"build_py": BuildWithRelease})
