"""flows.publish.targets: the one writer of the files flows writes (StagedFiles, write_replacing:
never through a planted link, whole or not at all), the refusal of a target that is not flows'
own (check_file_target), and the one sha256 of a file."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from flows.publish.targets import StagedFiles, sha256_file, write_replacing


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
