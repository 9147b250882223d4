"""flows.build.pipeline, the whole build: a fresh build validates with frictionless and equals
what is committed (the drift test), two builds are byte-identical, and each fault of the fault
corpus (tests/fault_corpus.py) fails the build with one problem line and publishes nothing."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from frictionless import Package, system

from conftest import ROOT, run_cli
from fault_corpus import CLAIM, FAULTS, SOURCE, Fault, plant
from flows.schema.definition import TABLES

GENERATED = ["datapackage.json", "README.md", "data/processed/schema.sql", "data/processed/views.sql",
             *[f"data/processed/{name}.parquet" for name in TABLES]]


def test_frictionless_validates_the_fresh_build(built: Path):
    with system.use_context(trusted=True):
        report = Package(str(built / "datapackage.json")).validate()
    errors = [e.message for task in report.tasks for e in task.errors]
    assert report.valid, errors[:5]
    assert len(report.tasks) == len(TABLES)


@pytest.mark.parametrize("rel", GENERATED)
def test_committed_outputs_equal_a_fresh_build(built: Path, rel: str):
    """The drift test: regenerate and compare byte for byte. On failure run `make build` and
    commit the result."""
    assert (ROOT / rel).read_bytes() == (built / rel).read_bytes(), f"{rel} drifted: run `make build`"


def test_two_builds_are_byte_identical(built: Path, _built_project: Path):
    """`built` (with flows.duckdb, published elsewhere) and `_built_project` (a copy of the project
    built in place without it): the fixtures of tests/conftest.py copy the one or the other."""
    for rel in GENERATED:
        assert (_built_project / rel).read_bytes() == (built / rel).read_bytes(), rel


# --- the fault corpus ----------------------------------------------------------------------------

def _snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_corpus_is_large_enough():
    assert len(FAULTS) >= 40
    assert len({f.name for f in FAULTS}) == len(FAULTS)


def _fails_alone_and_publishes_nothing(project: Path, fault: Fault) -> None:
    before = {**_snapshot(project / "data" / "processed"),
              "datapackage.json": hashlib.sha256((project / "datapackage.json").read_bytes()).hexdigest()}
    plant(fault, project)

    code, _, stderr = run_cli("build", "--root", str(project), "--no-duckdb")

    assert code == 1
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert lines[-1] == "build failed, nothing published: 1 problem", stderr
    problem = lines[0]
    assert problem.startswith(fault.where), problem
    assert fault.says in problem, problem
    after = {**_snapshot(project / "data" / "processed"),
             "datapackage.json": hashlib.sha256((project / "datapackage.json").read_bytes()).hexdigest()}
    assert after == before


def test_a_quote_missing_from_its_text_fails_the_build_and_nothing_is_published(project: Path):
    """One planted curation mistake, for `make test-fast`; the whole corpus is the trust trial below."""
    claim = CLAIM.format(record="actor/iran").replace("Iran supplied nothing", "Iran supplied drones")
    fault = Fault("quote not in its text", {"sources/zz-fault.yaml": SOURCE.format(claims=claim)},
                  "data/raw/sources/zz-fault.yaml:15: evidence_text", "not found verbatim in texts/zz-fault.txt")
    _fails_alone_and_publishes_nothing(project, fault)


@pytest.mark.slow  # the trust trial: 60-odd builds, each refused
@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
def test_fault_is_caught_and_nothing_is_published(project: Path, fault: Fault):
    _fails_alone_and_publishes_nothing(project, fault)
