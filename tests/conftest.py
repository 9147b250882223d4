"""Shared fixtures: the project root, builds of it, and throw-away copies of them.

Tests live in tests/test_<package>_<module>.py, beside the module of src/flows/ they test
(tests/test_<module>.py for the modules at the top of src/flows/, tests/test_scripts_<script>.py
for scripts/); data that several test files share live in tests/fault_corpus.py and
tests/hostile.py.

Builds cost a second or more each, so a session builds the project twice, once with flows.duckdb
(`built`) and once without (`_built_project`), and every fixture below copies one of the two (a
build gives the same bytes each time: tests/test_build_pipeline.py). Under pytest-xdist the
workers share them (`made_once`).
"""

from __future__ import annotations

import fcntl
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
import typer.testing
from typer.testing import CliRunner

from fault_corpus import FAULT_TEXT
from flows.build import load
from flows.build.load import load_curation
from flows.build.pipeline import build
from flows.cli.app import app

ROOT = Path(__file__).resolve().parents[1]
# The shared archive beside the project, unless FLOWS_SHARED_SOURCES names it (a copy of the
# project elsewhere, as tests/test_new_source.py runs).
SHARED_SOURCES = Path(os.environ.get("FLOWS_SHARED_SOURCES") or ROOT / ".." / "shared" / "sources").resolve()
# Session fixtures build before any test's monkeypatch: they read it from here.
os.environ.setdefault("FLOWS_SHARED_SOURCES", str(SHARED_SOURCES))
# Parsed import files are cached (flows.build.parse_cache) here, not in the user's ~/.cache; the
# folder is checked as any cache folder is (the user's own, nobody else may write it).
os.environ.setdefault("FLOWS_CACHE_DIR", str(Path(tempfile.gettempdir()) / f"flows-test-parse-cache-{os.getuid()}"))
# The scripts (synth, bench) are imported by their tests as modules.
sys.path.insert(0, str(ROOT / "scripts"))
# What a release consists of besides data/processed (a build's lock files are not part of it).
RELEASE_TOP_FILES = ("datapackage.json", "README.md")


@pytest.fixture(autouse=True, scope="session")
def _each_curation_file_parsed_once():
    """parse_yaml is a pure function of a file's bytes and its name; the suite loads the same
    unchanged curation files some 300 times (every build and check of a copy), a seventh of its
    time. Each distinct (bytes, name) is parsed for real once per process and its result handed
    out as a fresh copy (the loader may change what it gets); a failure is never kept, so a
    broken file raises on every call. Processes started by a test parse everything themselves."""
    parsed: dict[tuple[bytes, str], bytes] = {}
    real = load.parse_yaml

    def parse_yaml(raw: bytes, shown: str):
        key = (raw, shown)
        if key not in parsed:
            parsed[key] = pickle.dumps(real(raw, shown), pickle.HIGHEST_PROTOCOL)
        return pickle.loads(parsed[key])

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(load, "parse_yaml", parse_yaml)
        yield


@pytest.fixture(autouse=True, scope="session")
def _each_command_made_once():
    """typer's CliRunner makes the click command of an app anew on every invoke (8 ms; the suite
    runs the flows command some 700 times in-process). The command of each app is made once per
    process: click makes a new context for each run, and the callbacks read the modules'
    globals when they run, so a test's monkeypatch still applies."""
    made: dict[int, tuple[typer.Typer, object]] = {}
    real = typer.testing._get_command

    def get_command(app: typer.Typer):
        if id(app) not in made:  # the app is kept beside its command: its id is not reused
            made[id(app)] = (app, real(app))
        return made[id(app)][1]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(typer.testing, "_get_command", get_command)
        yield


@pytest.fixture(autouse=True)
def _shared_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    # Copies of the project live in temporary folders: point them at the real shared archive.
    monkeypatch.setenv("FLOWS_SHARED_SOURCES", str(SHARED_SOURCES))


def run_cli(*args: str):
    """Run the flows command in-process; return (exit code, stdout, stderr)."""
    result = CliRunner().invoke(app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def error_lines(stderr: str) -> list[str]:
    """The lines of stderr that report an error (`error: …`)."""
    return [line for line in stderr.splitlines() if line.startswith("error:")]


def flows_process(*args: str, **env: str) -> subprocess.Popen:
    """The flows command in a process of its own (to run beside another, or be killed)."""
    return subprocess.Popen([sys.executable, "-m", "flows", *args], env={**os.environ, **env},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def copy_tree(source: Path, dest: Path, **options) -> Path:
    """shutil.copytree of the files' bytes only (shutil.copyfile): each copy is a new file with the
    times and mode of one, and the copy takes half the time of copy2's (the suite copies the
    project some 300 times)."""
    return shutil.copytree(source, dest, copy_function=shutil.copyfile, **options)


def copy_project(dest: Path) -> Path:
    """A copy of what a build reads: data/raw and the README."""
    copy_tree(ROOT / "data" / "raw", dest / "data" / "raw")
    shutil.copy(ROOT / "README.md", dest / "README.md")
    return dest


def copy_release(source: Path, dest: Path, with_duckdb: bool = True) -> Path:
    """The release published at source (datapackage.json, README.md, data/processed), copied to dest."""
    skip = shutil.ignore_patterns() if with_duckdb else shutil.ignore_patterns("flows.duckdb*")
    copy_tree(source / "data" / "processed", dest / "data" / "processed", ignore=skip)
    for name in RELEASE_TOP_FILES:
        shutil.copy(source / name, dest / name)
    return dest


def made_once(tmp_path_factory: pytest.TempPathFactory, name: str, make: Callable[[Path], None]) -> Path:
    """A folder that make(folder) fills, for the whole session. Under pytest-xdist the workers share
    it (the first to ask makes it, the others wait for it, under a lock in the run's base folder
    that only this run uses): the same bytes, made once instead of once per worker."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        folder = tmp_path_factory.mktemp(name)
        make(folder)
        return folder
    run_folder = tmp_path_factory.getbasetemp().parent
    folder, done = run_folder / f"shared-{name}", run_folder / f"shared-{name}.done"
    with open(run_folder / f"shared-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)  # what a worker that failed half-way left
            folder.mkdir()
            make(folder)
            done.touch()
    return folder


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh build of the project's data/raw, with flows.duckdb, published into a temporary
    folder. Read it, never change it: copy it to break it."""
    return made_once(tmp_path_factory, "built", lambda out: build(ROOT, out))


@pytest.fixture(scope="session")
def curated() -> dict[str, list[dict]]:
    """Every row curated in data/raw, per table. Tests take the expected counts of the data
    from here (never a pinned number), so that a correct new source does not break them."""
    return load_curation(ROOT).rows


@pytest.fixture(scope="session")
def _built_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project built in place, without flows.duckdb: what each `project` copies."""
    def make(template: Path) -> None:
        copy_project(template)
        build(template, with_duckdb=False)

    return made_once(tmp_path_factory, "built-project", make)


@pytest.fixture(scope="session")
def _published_project(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project with the release of `built` (flows.duckdb included) beside it: what
    a build of the copy would publish."""
    return copy_release(built, copy_project(tmp_path_factory.mktemp("published-project")))


@pytest.fixture
def project(tmp_path: Path, _built_project: Path) -> Path:
    """A built copy of the project (without flows.duckdb), to break on purpose."""
    copy_tree(_built_project, tmp_path, symlinks=True, dirs_exist_ok=True)
    return tmp_path


@pytest.fixture
def published_project(tmp_path: Path, _published_project: Path) -> Path:
    """A built copy of the project with flows.duckdb, to break on purpose."""
    copy_tree(_published_project, tmp_path, symlinks=True, dirs_exist_ok=True)
    return tmp_path


@pytest.fixture
def release_copy(built: Path, tmp_path: Path) -> Path:
    """A throw-away copy of the folder of `built` (its release with flows.duckdb, and the lock
    files a build leaves; no data/raw), at tmp_path / "release"."""
    copy_tree(built, tmp_path / "release")
    return tmp_path / "release"


# --- another release ---------------------------------------------------------------------------

EDITED = "(edited)"


def edit_curation(root: Path) -> None:
    """One description changed (the first of data/raw/transfers/iran-russia.yaml, which is the
    record transfer/iran-russia-armed-drones-2022): a build of root gives a release different
    from the project's."""
    target = root / "data/raw/transfers/iran-russia.yaml"
    target.write_text(target.read_text(encoding="utf-8").replace(
        "description:", f"description: {EDITED}", 1), encoding="utf-8")


@pytest.fixture(scope="session")
def edited_release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project with one description edited (`edit_curation`), built with
    flows.duckdb: a release other than the project's. Read it, never change it."""
    def make(root: Path) -> None:
        copy_project(root)
        edit_curation(root)
        build(root)

    return made_once(tmp_path_factory, "edited-release", make)


# --- a synthetic set (scripts/synth.py) ---------------------------------------------------------

@pytest.fixture(scope="session")
def synthetic_set(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic set of 1,500 claims built in place without flows.duckdb, its tables written in
    row groups of 400 rows (large tables are read a row group on each core: claims has 4 groups
    here). Read it, never change it: scripts/bench.py's make_fault copies it to break it."""
    import synth
    from flows.publish import release

    def make(folder: Path) -> None:
        root = folder / "clean"
        synth.generate(1500, root)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(release, "ROW_GROUP_ROWS", 400)
            code, _, stderr = run_cli("build", "--root", str(root), "--out", str(root), "--no-duckdb")
        assert code == 0, stderr

    return made_once(tmp_path_factory, "synthetic", make) / "clean"


# --- the project with the fault corpus's archived text (tests/fault_corpus.py) ---------------------

@pytest.fixture(scope="session")
def base(_built_project: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built project (without flows.duckdb) with the fault corpus's archived text beside the
    others (cited by no source: the release is the same); tests break copies of it."""
    root = tmp_path_factory.mktemp("rules-base") / "p"
    copy_tree(_built_project, root)
    (root / "data/raw/texts/zz-fault.txt").write_text(FAULT_TEXT, encoding="utf-8")
    return root


@pytest.fixture
def package(base: Path, tmp_path: Path) -> Path:
    """A throw-away copy of the base project."""
    copy_tree(base, tmp_path / "p")
    return tmp_path / "p"


@pytest.fixture(scope="session")
def base_db(_published_project: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The base project with flows.duckdb."""
    root = tmp_path_factory.mktemp("rules-db") / "p"
    copy_tree(_published_project, root)
    (root / "data/raw/texts/zz-fault.txt").write_text(FAULT_TEXT, encoding="utf-8")
    return root


@pytest.fixture
def package_db(base_db: Path, tmp_path: Path) -> Path:
    """A throw-away copy of the base project with flows.duckdb."""
    copy_tree(base_db, tmp_path / "p")
    return tmp_path / "p"


@pytest.fixture
def shared(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the shared archive that the test may break, used instead of the real one."""
    folder = tmp_path / "shared-sources"
    shutil.copytree(SHARED_SOURCES, folder)
    monkeypatch.setenv("FLOWS_SHARED_SOURCES", str(folder))
    return folder


# The published database of the shared build, read-only, and its rows as dicts: for the tests of
# the views (a test file may define its own `con`).
@pytest.fixture(scope="module")
def con(built: Path):
    con = duckdb.connect(str(built / "data/processed/flows.duckdb"), read_only=True)
    yield con
    con.close()


def rows(con, sql: str, *params) -> list[dict]:
    result = con.execute(sql, list(params))
    names = [d[0] for d in result.description]
    return [dict(zip(names, r)) for r in result.fetchall()]


# Debian's chromium, for the browser tests of the report and the site
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)


def chromium() -> str:
    """chromium's path; skipped without it, but a failure under CI, which must draw the pages."""
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: .ci/run installs Debian's chromium package")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return CHROMIUM


def imported_records(root: Path, list_key: str, table: str) -> list[dict]:
    """The records the imports of a list wrote in `table` (actors, designations, links), as the
    build makes them: a record backed by its list entry, made from the entry (as the import
    reads its earlier records)."""
    from flows.importers.archive import list_spec
    from flows.importers.records import own_files
    from flows.importers.write import Earlier

    earlier = Earlier.read(root, list_spec(list_key), own_files(list_key))
    return list({"actors": earlier.actors, "designations": earlier.designations, "links": earlier.links}[table].values())
