"""flows.publish.targets: the one writer of the files flows writes (StagedFiles, write_replacing:
never through a planted link, whole or not at all), the refusal of a target that is not flows'
own (check_file_target), and the one sha256 of a file."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from flows.publish.targets import (OutputRefused, StagedFiles, check_file_target, first_line, open_new,
                                   sha256_file, write_replacing)


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


def test_a_target_is_refused_unless_it_is_new_empty_a_link_or_an_earlier_output(tmp_path: Path):
    def ours(first: str) -> bool:
        return first.startswith("<!DOCTYPE html>")

    check_file_target(tmp_path / "new.html", "a flows report", ours)  # nothing there
    (tmp_path / "empty.html").write_text("")
    check_file_target(tmp_path / "empty.html", "a flows report", ours)
    (tmp_path / "earlier.html").write_text("<!DOCTYPE html>\n<p>an earlier report</p>\n")
    check_file_target(tmp_path / "earlier.html", "a flows report", ours)
    (tmp_path / "link.html").symlink_to(tmp_path / "notes.txt")  # replaced, never written through
    check_file_target(tmp_path / "link.html", "a flows report", ours)
    (tmp_path / "notes.txt").write_text("mine\n")
    with pytest.raises(OutputRefused, match="notes.txt: exists and is not a flows report; write to a new file"):
        check_file_target(tmp_path / "notes.txt", "a flows report", ours)
    with pytest.raises(OutputRefused, match="exists and is not a file"):
        check_file_target(tmp_path, "a flows report", ours)


def test_open_new_never_writes_through_what_was_there(tmp_path: Path):
    victim = tmp_path / "victim"
    victim.write_text("kept")
    (tmp_path / "out.tmp").symlink_to(victim)
    with open_new(tmp_path / "out.tmp", "w") as f:
        f.write("new")
    assert victim.read_text() == "kept"
    assert not (tmp_path / "out.tmp").is_symlink() and (tmp_path / "out.tmp").read_text() == "new"


def test_first_line_reads_at_most_its_limit_and_nothing_from_what_it_cannot_read(tmp_path: Path):
    (tmp_path / "a").write_bytes(b"one\ntwo\n")
    (tmp_path / "long").write_bytes(b"x" * 100)
    assert first_line(tmp_path / "a") == "one\n"
    assert first_line(tmp_path / "long", limit=10) == "x" * 10
    assert first_line(tmp_path / "missing") == ""
