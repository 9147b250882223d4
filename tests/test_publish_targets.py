"""One writer for the files flows writes (flows.publish.targets.StagedFiles), one sha256 of a file and
one reader of a published datapackage.json (issue 17)."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from conftest import run_cli
from flows.importers.files import ImportRefused, Plan
from flows.publish.descriptor import read_package
from flows.publish.targets import StagedFiles, sha256_file, write_replacing


def test_an_import_never_writes_through_a_link_at_its_temporary_name(tmp_path: Path):
    """A link planted at data/raw/<file>.tmp is replaced: the file it points at keeps its bytes,
    and the curation file becomes a file, not that link."""
    raw = tmp_path / "data" / "raw"
    raw.mkdir(parents=True)
    victim = tmp_path / "elsewhere.txt"
    victim.write_bytes(b"not the importer's\n")
    target = raw / "designations-ofac.yaml"
    (raw / "designations-ofac.yaml.tmp").symlink_to(victim)
    plan = Plan(tmp_path, "ofac-sdn")
    plan.put(target, b"designations: []\n")
    assert plan.commit(force=False) == ["data/raw/designations-ofac.yaml"]
    assert victim.read_bytes() == b"not the importer's\n"
    assert not target.is_symlink() and target.read_bytes() == b"designations: []\n"
    assert sorted(p.name for p in raw.iterdir()) == ["designations-ofac.yaml", "imported-ofac-sdn.sha256"]


def test_an_import_that_cannot_write_one_file_writes_none(tmp_path: Path):
    raw = tmp_path / "data" / "raw"
    raw.mkdir(parents=True)
    kept = raw / "a.yaml"
    kept.write_bytes(b"old\n")
    (raw / "b.yaml.tmp").mkdir()  # a folder where b's temporary file must go: it cannot be written
    (raw / "b.yaml.tmp" / "x").write_bytes(b"")
    plan = Plan(tmp_path, "ofac-sdn")
    plan.put(kept, b"new\n")
    plan.put(raw / "b.yaml", b"new\n")
    with pytest.raises(ImportRefused, match="nothing was written"):
        plan.commit(force=True)
    assert kept.read_bytes() == b"old\n"
    assert sorted(p.name for p in raw.iterdir()) == ["a.yaml", "b.yaml.tmp"]


def test_staged_files_replace_together_or_not_at_all(tmp_path: Path):
    first, second = tmp_path / "one.txt", tmp_path / "sub" / "two.txt"
    first.write_text("old one")
    with pytest.raises(RuntimeError), StagedFiles() as staged:
        staged.write(first, b"new one")
        raise RuntimeError("a failure before replace_all")
    assert first.read_text() == "old one" and list(tmp_path.iterdir()) == [first]
    with StagedFiles() as staged:
        staged.write(first, b"new one")
        staged.write(second, b"new two")
        staged.replace_all()
    assert (first.read_text(), second.read_text()) == ("new one", "new two")
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["one.txt", "sub", "two.txt"]


def test_write_replacing_replaces_a_planted_link_instead_of_following_it(tmp_path: Path):
    victim, target = tmp_path / "victim", tmp_path / "page.html"
    victim.write_text("kept")
    target.symlink_to(victim)
    (tmp_path / "page.html.tmp").symlink_to(victim)
    write_replacing(target, lambda f: f.write("<html>"))
    assert victim.read_text() == "kept"
    assert not target.is_symlink() and target.read_text() == "<html>"


def test_sha256_file_reads_past_its_chunk(tmp_path: Path):
    data = bytes(range(256)) * 8193  # more than one MiB chunk
    path = tmp_path / "blob"
    path.write_bytes(data)
    assert sha256_file(path) == hashlib.sha256(data).hexdigest()


def test_read_package_without_a_build_says_so(tmp_path: Path):
    with pytest.raises(FileNotFoundError, match="datapackage.json is missing: run `flows build`"):
        read_package(tmp_path)


def test_report_of_a_release_without_its_descriptor_is_one_error_line(built: Path, tmp_path: Path):
    """The report reads the published descriptor as the CSV export does: no datapackage.json is
    an error line, not a page without the package's title, version and licences."""
    root = tmp_path / "release"
    shutil.copytree(built, root)
    (root / "datapackage.json").unlink()
    out = tmp_path / "report.html"
    code, _, err = run_cli("report", "--root", str(root), "--out", str(out))
    assert (code, err.strip()) == (1, f"error: {root / 'datapackage.json'} is missing: run `flows build` "
                                      "(or `make build`) first")
    assert not out.exists()
