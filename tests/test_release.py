"""`flows release`: dist/flows-<version>/ holds the published package, the CSV package, the FtM
file, the report, a CHANGELOG from `flows diff` and SHA256SUMS that `sha256sum -c` verifies; the
wheel also lies at dist/ itself, where `pip install dist/flows-<version>-py3-none-any.whl` finds it;
a package failing `flows check` gives no release; an existing release is never overwritten; a
bump too small for the changes is refused."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from flows.errors import CheckFailed
from flows.publish.descriptor import PROCESSED, descriptor_text
from flows.publish.dist import CHECKSUMS, ReleaseError, make_release, version_places
from flows.publish.targets import sha256_file
from flows.publish.versions import VersionError, check_bump, needed_bump
from flows.schema.definition import TABLES

from conftest import ROOT, run_cli


def _set_version(root: Path, version: str) -> None:
    """The data version as a curator sets it (package.yaml) and as the build carries it."""
    package = root / "data" / "raw" / "package.yaml"
    text = package.read_text(encoding="utf-8")
    package.write_text(re.sub(r"(?m)^version: .*$", f"version: {version}", text), encoding="utf-8")
    descriptor = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["version"] = version
    (root / "datapackage.json").write_text(descriptor_text(descriptor), encoding="utf-8")


def _as_previous(release: Path, dist: Path, version: str, edit=None) -> Path:
    """A copy of a release folder in dist standing for an earlier release of `version`."""
    previous = dist / f"flows-{version}"
    shutil.copytree(release, previous)
    descriptor = json.loads((previous / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["version"] = version
    if edit:
        edit(descriptor, previous)
    (previous / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    return previous


@pytest.fixture(scope="module")
def _first_release(_built_project: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The release 2.4.0 of a copy of the built project, made once for the module (a release takes
    seconds); `first` copies it. A release is the same bytes from any copy of the same project."""
    root = tmp_path_factory.mktemp("first-release") / "p"
    shutil.copytree(_built_project, root)
    _set_version(root, "2.4.0")
    return make_release(root, root.parent / "dist", with_wheel=False).folder


@pytest.fixture
def first(project: Path, tmp_path: Path, _first_release: Path) -> Path:
    """What `make_release` writes for `project` at version 2.4.0 (a copy of `_first_release`)."""
    _set_version(project, "2.4.0")
    return shutil.copytree(_first_release, tmp_path / "dist" / _first_release.name)


def test_a_release_holds_every_part_and_its_checksums(project: Path, first: Path) -> None:
    assert first.name == "flows-2.4.0"
    assert json.loads((first / "datapackage.json").read_text(encoding="utf-8"))["version"] == "2.4.0"
    for name in TABLES:
        assert sha256_file(first / PROCESSED / f"{name}.parquet") == sha256_file(project / PROCESSED / f"{name}.parquet")
    assert (first / PROCESSED / "views.sql").is_file() and (first / "README.md").is_file()
    csv_package = json.loads((first / "csv" / "datapackage.json").read_text(encoding="utf-8"))
    assert {r["name"] for r in csv_package["resources"]} == set(TABLES)
    ftm = [json.loads(line) for line in (first / "flows.ftm.json").read_text(encoding="utf-8").splitlines()]
    assert any(e["schema"] == "Sanction" for e in ftm)
    report = (first / "report.html").read_text(encoding="utf-8")
    assert "<html" in report[:500].lower()
    # the site ships too, and the report links into it
    assert (first / "site" / "index.html").is_file() and (first / "site" / "item" / "shahed-136.html").is_file()
    assert 'href="site/item/shahed-136.html' in report or "site/transfer/" in report
    changelog = (first / "CHANGELOG.md").read_text(encoding="utf-8")
    assert changelog.startswith("# flows 2.4.0 (") and "First release" in changelog
    transfers = pq.read_metadata(project / PROCESSED / "transfers.parquet").num_rows
    assert f"| `transfers` | {transfers} |" in changelog

    sums = (first / CHECKSUMS).read_text(encoding="utf-8").splitlines()
    listed = {line.split("  ", 1)[1] for line in sums}
    on_disk = {p.relative_to(first).as_posix() for p in first.rglob("*") if p.is_file()} - {CHECKSUMS}
    assert listed == on_disk
    done = subprocess.run(["sha256sum", "-c", "--strict", CHECKSUMS], cwd=first, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    with (first / "report.html").open("a", encoding="utf-8") as f:
        f.write("tampered")
    done = subprocess.run(["sha256sum", "-c", CHECKSUMS], cwd=first, capture_output=True, text=True)
    assert done.returncode == 1 and "report.html: FAILED" in done.stdout


def test_an_existing_release_is_never_overwritten(project: Path, first: Path) -> None:
    before = (first / CHECKSUMS).read_bytes()
    with pytest.raises(ReleaseError, match="already exists"):
        make_release(project, first.parent, with_wheel=False)
    assert (first / CHECKSUMS).read_bytes() == before
    assert sorted(p.name for p in first.parent.iterdir()) == ["flows-2.4.0"]  # no leftovers


def test_a_removed_field_needs_a_major_bump(project: Path, first: Path) -> None:
    def with_an_old_field(descriptor: dict, _: Path) -> None:
        transfers = next(r for r in descriptor["resources"] if r["name"] == "transfers")
        transfers["schema"]["fields"].append({"name": "old_field", "type": "string"})

    _as_previous(first, first.parent, "2.3.0", with_an_old_field)
    _set_version(project, "2.5.0")
    with pytest.raises(ReleaseError, match=r"a minor bump, but the changes need a major one "
                                           r"\(field transfers\.old_field removed or renamed"):
        make_release(project, first.parent, previous=first.parent / "flows-2.3.0", with_wheel=False)
    assert not (first.parent / "flows-2.5.0").exists()
    _set_version(project, "3.0.0")
    made = make_release(project, first.parent, previous=first.parent / "flows-2.3.0", with_wheel=False)
    assert made.bump == "major"
    changelog = (made.folder / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "Compared with `flows-2.3.0`" in changelog and "## Changes (2.3.0 → 3.0.0)" in changelog


def test_new_records_need_a_minor_bump_and_the_latest_release_is_found(project: Path, first: Path) -> None:
    def without_a_record(_: dict, previous: Path) -> None:
        path = previous / PROCESSED / "records.parquet"
        rows = pq.read_table(path)
        kept = [r for r in rows.to_pylist() if r["record_id"] != "item/shahed-136"]
        pq.write_table(pa.Table.from_pylist(kept, rows.schema), path)

    # the release of the project as it is (2.4.0), set aside: the same bytes as a new release of it
    scratch = shutil.copytree(first, first.parent.parent / "scratch" / first.name)
    shutil.rmtree(first)  # the only earlier release is now 2.4.0 without the Shahed-136
    _as_previous(scratch, first.parent, "2.4.0", without_a_record)
    _set_version(project, "2.4.1")
    with pytest.raises(ReleaseError, match=r"a patch bump, but the changes need a minor one \(1 row\(s\) added"):
        make_release(project, first.parent, with_wheel=False)
    _set_version(project, "2.5.0")
    made = make_release(project, first.parent, with_wheel=False)
    assert made.previous == first.parent / "flows-2.4.0" and made.bump == "minor"
    changelog = (made.folder / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "- added `item/shahed-136`: Shahed-136 (Iranian-designed attack drone)" in changelog


def test_bump_rules() -> None:
    old = {"resources": [{"name": "transfers", "schema": {"fields": [{"name": "a"}, {"name": "b"}]}}]}
    renamed = {"resources": [{"name": "transfers", "schema": {"fields": [{"name": "a"}, {"name": "c"}]}}]}
    grown = {"resources": [{"name": "transfers", "schema": {"fields": [{"name": "a"}, {"name": "b"}, {"name": "c"}]}}]}
    assert needed_bump(old, renamed, 0, 0).level == "major"
    assert needed_bump(old, grown, 0, 0).level == "minor"
    assert needed_bump(old, old, 3, 0).level == "minor"
    assert needed_bump(old, old, 0, 2).level == "patch"
    assert needed_bump(old, old, 0, 0).level is None
    assert check_bump("1.2.3", "2.0.0", needed_bump(old, renamed, 0, 0)) == "major"
    assert check_bump("1.2.3", "1.2.4", needed_bump(old, old, 0, 2)) == "patch"
    with pytest.raises(VersionError, match="a minor bump, but the changes need a major one"):
        check_bump("1.2.3", "1.3.0", needed_bump(old, renamed, 0, 0))
    with pytest.raises(VersionError, match="not above"):
        check_bump("1.2.3", "1.2.3", needed_bump(old, old, 0, 0))
    with pytest.raises(VersionError, match="not MAJOR.MINOR.PATCH"):
        check_bump("1.2", "1.3.0", needed_bump(old, old, 0, 0))


def test_a_version_out_of_step_is_refused(project: Path, tmp_path: Path) -> None:
    descriptor = json.loads((project / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["version"] = "9.9.9"
    (project / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    with pytest.raises(ReleaseError, match=r"datapackage.json: version 9.9.9 but data/raw/package.yaml says .*run `flows build`"):
        make_release(project, tmp_path / "dist", with_wheel=False)
    assert not (tmp_path / "dist").exists() or not any((tmp_path / "dist").iterdir())


def test_a_package_failing_the_check_gives_no_release(project: Path, tmp_path: Path) -> None:
    """An archived text emptied after the build (the evidence taken from it is no longer in it):
    `flows check` fails, and so does `flows release`, with the check's problems and nothing in dist/."""
    _set_version(project, "2.4.0")
    con = duckdb.connect()
    text_path, = con.execute(
        "SELECT s.text_path FROM read_parquet(?) c JOIN read_parquet(?) s USING (source_id) "
        "WHERE s.text_path LIKE 'texts/%' ORDER BY c.claim_id LIMIT 1",
        [str(project / PROCESSED / "claims.parquet"), str(project / PROCESSED / "sources.parquet")]).fetchone()
    con.close()
    archived = project / "data" / "raw" / text_path
    assert archived.is_file() and not archived.is_symlink()
    archived.write_text("emptied after the build\n", encoding="utf-8")
    check_code, _, check_err = run_cli("check", "--root", str(project))
    assert check_code == 1 and "check failed" in check_err
    dist = tmp_path / "dist"
    code, out, err = run_cli("release", "--root", str(project), "--dist", str(dist), "--no-wheel")
    assert (code, out) == (1, "")
    assert err.splitlines()[-1].startswith("check failed, no release written: ")
    assert text_path in err
    assert not dist.exists()
    with pytest.raises(CheckFailed):
        make_release(project, dist, with_wheel=False)
    assert not dist.exists()


def test_the_clone_states_one_version_everywhere() -> None:
    places = version_places(ROOT)
    assert len(set(places.values())) == 1, places
    package = yaml.safe_load((ROOT / "data" / "raw" / "package.yaml").read_text(encoding="utf-8"))
    assert places["pyproject.toml"] == str(package["version"])


def test_the_release_command_prints_the_tag_and_refuses_a_second_run(project: Path, tmp_path: Path) -> None:
    _set_version(project, "2.4.0")
    dist = tmp_path / "dist"
    code, out, err = run_cli("release", "--root", str(project), "--dist", str(dist), "--no-wheel")
    assert code == 0, err
    assert out.strip() == 'git tag -a v2.4.0 -m "flows data 2.4.0"'
    assert f"to {dist / 'flows-2.4.0'} (the first release)" in err
    code, _, err = run_cli("release", "--root", str(project), "--dist", str(dist), "--no-wheel")
    assert code == 1 and "already exists" in err


@pytest.mark.slow
def test_a_release_of_the_clone_ships_the_wheel(tmp_path: Path) -> None:
    """The wheel is in the release folder (in its SHA256SUMS) and, the same bytes, at dist/ itself,
    where the README's `pip install dist/flows-<version>-py3-none-any.whl` installs it."""
    made = make_release(ROOT, tmp_path / "dist")
    version = version_places(ROOT)["datapackage.json"]
    name = f"flows-{version}-py3-none-any.whl"
    wheel = made.folder / name
    assert wheel.is_file() and made.wheel == tmp_path / "dist" / name
    sums = (made.folder / CHECKSUMS).read_text(encoding="utf-8")
    assert f"{sha256_file(wheel)}  {name}\n" in sums
    assert sha256_file(tmp_path / "dist" / name) == sha256_file(wheel)
    assert sorted(p.name for p in (tmp_path / "dist").iterdir()) == sorted([made.folder.name, name])
    import zipfile

    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"flows/_data/datapackage.json", "flows/_data/data/processed/transfers.parquet",
            "flows/_data/data/processed/views.sql"} <= names
    # The command as the README gives it, from the folder holding dist/ (no dependencies: the
    # venv holds them; test_api installs the wheel with its dependencies in a fresh venv).
    target = tmp_path / "installed"
    done = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                           "--target", str(target), f"dist/{name}"], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (target / "flows" / "_data" / PROCESSED / "transfers.parquet").is_file()
    # A second release of the same version is refused, the wheel at dist/ included.
    shutil.rmtree(made.folder)
    with pytest.raises(ReleaseError, match=f"{name}: already exists"):
        make_release(ROOT, tmp_path / "dist")


def _git(folder: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(folder), "-c", "user.name=flows tests", "-c", "user.email=tests@flows.invalid",
                           *args], capture_output=True, text=True, check=True).stdout


def test_release_tag_names_the_commit_and_is_refused_on_uncommitted_changes(project: Path, tmp_path: Path) -> None:
    """`flows release --tag`: the annotated tag v<version> on the commit the release was made
    from; with tracked files changed, or the tag there already, refused before anything is written."""
    _set_version(project, "2.4.0")
    _git(project, "init", "-q")
    _git(project, "add", "-A")
    _git(project, "commit", "-q", "-m", "curation")
    (project / "data" / "raw" / "package.yaml").write_text(
        (project / "data" / "raw" / "package.yaml").read_text(encoding="utf-8") + "\n", encoding="utf-8")
    dist = tmp_path / "dist"
    code, _, err = run_cli("release", "--root", str(project), "--dist", str(dist), "--no-wheel", "--tag")
    assert code == 1 and "tracked file(s) changed since the last commit" in err and not dist.exists()
    _git(project, "checkout", "-q", "--", "data/raw/package.yaml")
    code, out, err = run_cli("release", "--root", str(project), "--dist", str(dist), "--no-wheel", "--tag")
    assert code == 0, err
    assert "tagged v2.4.0" in err and out == ""
    assert _git(project, "tag", "-l", "-n1", "v2.4.0").split() == ["v2.4.0", "flows", "data", "2.4.0"]
    assert _git(project, "rev-list", "-n1", "v2.4.0") == _git(project, "rev-parse", "HEAD")
    shutil.rmtree(dist)
    code, _, err = run_cli("release", "--root", str(project), "--dist", str(dist), "--no-wheel", "--tag")
    assert code == 1 and "the tag v2.4.0 exists already" in err and not dist.exists()
