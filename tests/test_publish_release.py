"""flows.publish.release: a release is published whole or not at all. Hostile publish journals are
refused, readers of a half-published release finish it or refuse it, storage faults replace
nothing, concurrent and killed builds and killed recoveries leave one whole release (the locks
themselves: tests/test_publish_lock.py)."""

from __future__ import annotations

import errno
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import EDITED, ROOT, copy_project, copy_tree, edit_curation, error_lines, flows_process, run_cli
from flows.publish.lock import BUILD_LOCK, RELEASE_LOCK
from flows.publish.release import (JOURNAL, RELEASE_NAMES, STAGING, PublishError, reading_release,
                                   release_files, sha256_file)
from flows.rules.check import check
from flows.schema.definition import TABLES

RECORD = "transfer/iran-russia-armed-drones-2022"  # whose description edit_curation edits


# sha256 by what stat says of a file: a file written, truncated or replaced since has another
# modification or change time (ctime is set by the kernel) or another inode, and is read again.
_DIGESTS: dict[tuple, str] = {}


def digest(path: Path) -> str:
    """The sha256 of a file's bytes, read again only if the file may have changed."""
    info = path.stat()
    key = (str(path), info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
    if key not in _DIGESTS:
        _DIGESTS[key] = sha256_file(path)
    return _DIGESTS[key]


def snapshot(folder: Path) -> dict[str, str]:
    """Every file, folder and link under folder (links not followed), by content; lock files
    aside (they hold a pid)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            rel = str(path.relative_to(folder))
            if name in (BUILD_LOCK, RELEASE_LOCK):
                continue
            if path.is_symlink():
                out[rel] = "link -> " + os.readlink(path)
            elif path.is_file():
                out[rel] = digest(path)
            else:
                out[rel] = "folder"
    return out


def release(root: Path) -> dict[str, str]:
    return {rel: digest(root / rel) for rel in sorted(RELEASE_NAMES) if (root / rel).is_file()}


@pytest.fixture(scope="module")
def releases(_published_project: Path, edited_release: Path,
             tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two published copies of the project, with DuckDB: the old one (checked clean here once,
    so that a test may compare a release with it instead of checking it), and a new one whose
    curation has one description edited (`edited_release`: read it, never change it)."""
    old = tmp_path_factory.mktemp("releases") / "old"
    copy_tree(_published_project, old)
    new = edited_release
    assert release(old) != release(new)
    problems, _ = check(old, ROOT)
    assert problems == [], problems
    return old, new


@pytest.fixture
def pkg(releases: tuple[Path, Path], tmp_path: Path) -> Path:
    """A copy of the old release to break, beside a folder `outside` holding a canary."""
    dest = tmp_path / "pkg"
    copy_tree(releases[0], dest, symlinks=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "canary.txt").write_text("must stay here\n")
    (outside / "claims.parquet").write_bytes(b"not a table of the release")
    return dest


def write_journal(root: Path, content: object) -> None:
    data = content if isinstance(content, bytes) else json.dumps(content).encode()
    (root / JOURNAL).write_bytes(data)


def stage_copy(root: Path, source: Path) -> list[str]:
    """A staging folder holding source's release, as `stage` leaves it; its journal's files."""
    staging = root / STAGING
    for rel in release(source):
        (staging / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / rel, staging / rel)
    return release_files(staging)


def half_publish(root: Path, source: Path) -> None:
    """The state a publish of source's release killed halfway leaves: journal written, the first
    half of the files moved."""
    files = stage_copy(root, source)
    write_journal(root, {"staging": STAGING, "files": files})
    for rel in files[: len(files) // 2]:
        os.replace(root / STAGING / rel, root / rel)


# ---- 1. hostile journals: each is refused as one error line and nothing moves ------------------

def _absolute(pkg: Path, outside: Path) -> None:
    write_journal(pkg, {"staging": STAGING, "files": [str(outside / "claims.parquet"), "datapackage.json"]})


def _dotdot_files(pkg: Path, outside: Path) -> None:
    (pkg / STAGING).mkdir()
    write_journal(pkg, {"staging": STAGING, "files": ["../../outside/canary.txt", "datapackage.json"]})


def _dotdot_staging(pkg: Path, outside: Path) -> None:
    write_journal(pkg, {"staging": "../outside", "files": ["canary.txt", "datapackage.json"]})


def _absolute_staging(pkg: Path, outside: Path) -> None:
    write_journal(pkg, {"staging": str(outside), "files": ["canary.txt", "datapackage.json"]})


def _symlinked_staging(pkg: Path, outside: Path) -> None:
    files = stage_copy(outside.parent / "decoy", pkg)  # a whole release, staged outside
    (pkg / STAGING).symlink_to(outside.parent / "decoy" / STAGING)
    (outside.parent / "decoy" / STAGING / "datapackage.json").write_text("{}")
    write_journal(pkg, {"staging": STAGING, "files": files})


def _symlinked_destination(pkg: Path, outside: Path) -> None:
    files = stage_copy(pkg, pkg)
    shutil.move(pkg / "data/processed", outside / "processed")
    (pkg / "data/processed").symlink_to(outside / "processed")
    (outside / "processed" / "stale.parquet").write_bytes(b"a file outside the package")
    write_journal(pkg, {"staging": STAGING, "files": files})


def _unknown_name(pkg: Path, outside: Path) -> None:
    files = stage_copy(pkg, pkg)
    (pkg / STAGING / "data/processed/run-me.sh").write_text("echo owned\n")
    write_journal(pkg, {"staging": STAGING, "files": ["data/processed/run-me.sh", *files]})


def _staged_symlink(pkg: Path, outside: Path) -> None:
    files = stage_copy(pkg, pkg)
    staged = pkg / STAGING / "data/processed/claims.parquet"
    staged.unlink()
    staged.symlink_to(outside / "claims.parquet")
    write_journal(pkg, {"staging": STAGING, "files": files})


def _incomplete(pkg: Path, outside: Path) -> None:
    stage_copy(pkg, pkg)
    write_journal(pkg, {"staging": STAGING, "files": ["datapackage.json"]})


def _huge(pkg: Path, outside: Path) -> None:
    files = stage_copy(pkg, pkg)
    write_journal(pkg, json.dumps({"staging": STAGING, "files": files}).encode() + b" " * (1 << 20))


def _journal_symlink(pkg: Path, outside: Path) -> None:
    files = stage_copy(pkg, pkg)
    (outside / "journal.json").write_text(json.dumps({"staging": STAGING, "files": files}))
    (pkg / JOURNAL).symlink_to(outside / "journal.json")


def _journal_folder(pkg: Path, outside: Path) -> None:
    (pkg / JOURNAL).mkdir()


def _content(data: object):
    return lambda pkg, outside: write_journal(pkg, data)


# case → (how it is planted, the code of its refusal: flows.errors.CODES)
HOSTILE_JOURNALS = {
    "absolute path": (_absolute, "journal_unknown_file"),
    "../ in a file name": (_dotdot_files, "journal_unknown_file"),
    "staging ../outside": (_dotdot_staging, "journal_form"),
    "absolute staging": (_absolute_staging, "journal_form"),
    "staging a symbolic link": (_symlinked_staging, "journal_link"),
    "data/processed a symbolic link": (_symlinked_destination, "journal_link"),
    "unknown file name": (_unknown_name, "journal_unknown_file"),
    "staged file a symbolic link": (_staged_symlink, "journal_link"),
    "not a whole release": (_incomplete, "journal_incomplete"),
    "huge file": (_huge, "journal_too_large"),
    "journal a symbolic link": (_journal_symlink, "journal_not_file"),
    "journal a folder": (_journal_folder, "journal_not_file"),
    "garbage bytes": (_content(b"\x89PNG\r\n\x1a\n\x00\xff\xfe garbage"), "journal_unreadable"),
    "empty file": (_content(b""), "journal_unreadable"),
    "a list": (_content([]), "journal_form"),
    "null": (_content(None), "journal_form"),
    "a string": (_content("data/processed"), "journal_form"),
    "no files": (_content({"staging": STAGING}), "journal_form"),
    "wrong types": (_content({"staging": 7, "files": {"a": 1}}), "journal_form"),
    "numbers as files": (_content({"staging": STAGING, "files": [1, 2]}), "journal_form"),
}


def _refused_and_nothing_moves(pkg: Path, old: Path, plant, refusal: str) -> None:
    outside = pkg.parent / "outside"
    plant(pkg, outside)
    before = snapshot(pkg.parent)  # the package, the folder outside it and any decoy beside them
    commands = {
        "check": ["check", "--root", str(pkg), "--texts-root", str(ROOT)],
        "build": ["build", "--root", str(pkg), "--no-duckdb"],
        "sql": ["sql", "SELECT count(*) FROM claims", "--root", str(pkg)],
        "show": ["show", RECORD, "--root", str(pkg)],
    }
    for name, args in commands.items():
        code, stdout, stderr = run_cli(*args)
        assert code == 1, (name, stdout, stderr)
        lines = error_lines(stderr)
        assert len(lines) == 1 and JOURNAL in lines[0] and "nothing was moved" in lines[0], (name, stderr)
        assert snapshot(pkg.parent) == before, name
    for name in ("check", "build"):  # the refusal's code, where the command reports in JSON
        code, stdout, stderr = run_cli(*commands[name], "--format", "json")
        problems = json.loads(stdout)["problems"]
        assert code == 1 and [(p["code"], p["file"]) for p in problems] == [(refusal, str(pkg / JOURNAL))], stdout
        assert snapshot(pkg.parent) == before, name
    assert (outside / "canary.txt").read_text() == "must stay here\n"
    # Once the planted journal is gone, the release is the one it was (which checks clean:
    # the `releases` fixture).
    for planted in (pkg / JOURNAL, pkg / STAGING):
        if planted.is_symlink() or planted.is_file():
            planted.unlink()
        elif planted.is_dir():
            shutil.rmtree(planted)
    assert release(pkg) == release(old)


def test_a_journal_naming_a_file_outside_the_package_is_refused_and_nothing_moves(
        pkg: Path, releases: tuple[Path, Path]):
    """One hostile journal, for `make test-fast`; the trust trial below plants each kind."""
    _refused_and_nothing_moves(pkg, releases[0], _absolute, "journal_unknown_file")


@pytest.mark.slow  # the trust trial: every kind of hostile journal, each refused by four commands
@pytest.mark.parametrize("case", sorted(HOSTILE_JOURNALS))
def test_hostile_journal_is_refused_and_nothing_moves(pkg: Path, releases: tuple[Path, Path], case: str):
    _refused_and_nothing_moves(pkg, releases[0], *HOSTILE_JOURNALS[case])


def test_a_link_at_the_journal_s_temporary_name_is_not_written_through(pkg: Path):
    """A link planted at the journal's temporary name, pointing outside: the build writes its
    journal anew beside it, never into the file it points to."""
    outside = pkg.parent / "outside"
    (pkg / JOURNAL).with_suffix(".tmp").symlink_to(outside / "canary.txt")
    outside_before = snapshot(outside)
    code, _, stderr = run_cli("build", "--root", str(pkg), "--no-duckdb")
    assert code == 0, stderr
    assert snapshot(outside) == outside_before
    assert not (pkg / JOURNAL).with_suffix(".tmp").exists()
    assert run_cli("check", "--root", str(pkg), "--texts-root", str(ROOT))[0] == 0


def test_stale_staging_link_is_removed_not_followed(pkg: Path):
    """No journal, and the staging folder's name is a link to a folder outside: the link goes
    (as a leftover staging folder would), what it points to stays, and the build publishes."""
    outside = pkg.parent / "outside"
    (pkg / STAGING).symlink_to(outside)
    outside_before = snapshot(outside)
    code, _, stderr = run_cli("build", "--root", str(pkg), "--no-duckdb")
    assert code == 0, stderr
    assert snapshot(outside) == outside_before
    assert not (pkg / STAGING).is_symlink()
    assert run_cli("check", "--root", str(pkg), "--texts-root", str(ROOT))[0] == 0


def test_reader_of_a_missing_folder_says_what_is_missing(tmp_path: Path):
    for args in (["sql", "SELECT 1"], ["show", RECORD], ["export", "ftm", str(tmp_path / "x.jsonl")]):
        code, _, stderr = run_cli(*args, "--root", str(tmp_path / "nowhere"))
        assert code == 1 and "missing" in stderr and "lock" not in stderr, (args, stderr)
    assert not (tmp_path / "nowhere").exists()


# ---- 2. readers of a half-published release: finish it, or refuse; never a mix -----------------

def _csv_export(pkg: Path) -> str:
    return (pkg.parent / "csv" / "transfers.csv").read_text(encoding="utf-8")


READERS = {
    "sql": (lambda pkg, new: ["sql", f"SELECT description FROM transfers WHERE transfer_id = '{RECORD}'",
                              "--root", str(pkg), "--format", "csv"], lambda out, pkg: EDITED in out),
    "views": (lambda pkg, new: ["views", "--root", str(pkg)], lambda out, pkg: "timeline" in out),
    "show": (lambda pkg, new: ["show", RECORD, "--root", str(pkg)], lambda out, pkg: EDITED in out),
    "export csv": (lambda pkg, new: ["export", "csv", str(pkg.parent / "csv"), "--root", str(pkg)],
                   lambda out, pkg: EDITED in _csv_export(pkg)),
    "export ftm": (lambda pkg, new: ["export", "ftm", str(pkg.parent / "ftm.jsonl"), "--root", str(pkg)],
                   lambda out, pkg: (pkg.parent / "ftm.jsonl").stat().st_size > 0),
    "report": (lambda pkg, new: ["report", "--root", str(pkg), "--out", str(pkg.parent / "r.html")],
               lambda out, pkg: (pkg.parent / "r.html").stat().st_size > 0),
    "diff": (lambda pkg, new: ["diff", str(new), str(pkg), "--format", "json", "--exit-code"],
             lambda out, pkg: json.loads(out)["summary"] == {}),
    "diff of data/processed": (lambda pkg, new: ["diff", str(pkg / "data/processed"), str(new), "--exit-code"],
                               lambda out, pkg: True),
    "check": (lambda pkg, new: ["check", "--root", str(pkg), "--texts-root", str(ROOT)],
              lambda out, pkg: True),
}


# One reader's recovery, for `make test-fast`: test_fault_after_the_first_move_is_finished_by_the_next_command.
@pytest.mark.slow  # the trust trial: each reading command finds a half-published release
@pytest.mark.parametrize("reader", sorted(READERS))
def test_reader_finishes_a_half_published_release_first(pkg: Path, releases: tuple[Path, Path], reader: str):
    _, new = releases
    half_publish(pkg, new)
    args, answered_from_new = READERS[reader]
    code, stdout, stderr = run_cli(*args(pkg, new))
    assert code == 0, stderr
    assert "finished an interrupted publish first" in stderr
    assert release(pkg) == release(new)  # the whole new release, nothing of the old
    assert not (pkg / JOURNAL).exists() and not (pkg / STAGING).exists()
    assert answered_from_new(stdout, pkg), stdout


def test_sql_refuses_a_half_published_release_it_cannot_finish(
        pkg: Path, releases: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch):
    """One reader, for `make test-fast`; the trust trial below runs each."""
    _refuses_to_finish(pkg, releases[1], "sql", monkeypatch)


@pytest.mark.slow  # the trust trial: each reading command finds a half-published release it cannot finish
@pytest.mark.parametrize("reader", sorted(READERS))
def test_reader_refuses_a_half_published_release_it_cannot_finish(
        pkg: Path, releases: tuple[Path, Path], reader: str, monkeypatch: pytest.MonkeyPatch):
    _refuses_to_finish(pkg, releases[1], reader, monkeypatch)


def _refuses_to_finish(pkg: Path, new: Path, reader: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A read-only folder (as root, chmod does not stop writes: os.access says it instead)."""
    half_publish(pkg, new)
    before = snapshot(pkg)
    real_access = os.access

    def access(path, mode, *args, **kwargs):
        if mode & os.W_OK and Path(path).resolve().is_relative_to(pkg.resolve()):
            return False
        return real_access(path, mode, *args, **kwargs)

    monkeypatch.setattr(os, "access", access)
    args, _ = READERS[reader]
    code, stdout, stderr = run_cli(*args(pkg, new))
    assert code == 1, stdout
    lines = error_lines(stderr)
    assert len(lines) == 1 and "half published" in lines[0] and "read-only" in lines[0], stderr
    assert stdout == ""
    assert snapshot(pkg) == before
    with pytest.raises(PublishError) as refused, reading_release(pkg):
        pass
    assert [p.code for p in refused.value.problems] == ["recovery_read_only"]
    assert snapshot(pkg) == before


def test_a_build_first_finishes_an_interrupted_publish_even_if_its_curation_fails(
        pkg: Path, releases: tuple[Path, Path]):
    """As every command does, before it reads the curation (a hostile journal is thus refused
    at once, above)."""
    _, new = releases
    half_publish(pkg, new)
    (pkg / "data/raw/actors/zz-broken.yaml").write_text("- actor_id: [unclosed\n", encoding="utf-8")
    code, _, stderr = run_cli("build", "--root", str(pkg), "--no-duckdb")
    assert code == 1 and "data/raw/actors/zz-broken.yaml:" in stderr, stderr
    assert release(pkg) == release(new)
    assert not (pkg / JOURNAL).exists() and not (pkg / STAGING).exists()


# ---- 3. storage faults: one error line, nothing replaced, the old release checks clean -----------

def _fails(err: int, after: int = 0):
    """A stand-in that raises OSError(err) on every call after the first `after` calls."""
    calls = []

    def wrap(real):
        def fake(*args, **kwargs):
            calls.append(args)
            if len(calls) > after:
                raise OSError(err, os.strerror(err), str(args[0]) if args else None)
            return real(*args, **kwargs)
        return fake
    return wrap


def _enospc_writing_parquet(monkeypatch: pytest.MonkeyPatch, pkg: Path) -> None:
    import pyarrow.parquet as pq

    real = pq.write_table

    def write_table(table, where, **kwargs):
        Path(where).write_bytes(b"PAR1 half")  # what a full disk leaves
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(where))

    monkeypatch.setattr(pq, "write_table", write_table)
    assert real is not write_table


def _exdev_moving_a_release_file(monkeypatch: pytest.MonkeyPatch, pkg: Path) -> None:
    real = os.replace

    def replace(src, dst, *args, **kwargs):
        if STAGING in str(src):
            raise OSError(errno.EXDEV, os.strerror(errno.EXDEV), str(src))
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)


def _exdev_on_every_replace(monkeypatch: pytest.MonkeyPatch, pkg: Path) -> None:
    monkeypatch.setattr(os, "replace", _fails(errno.EXDEV)(os.replace))


def _other_device(monkeypatch: pytest.MonkeyPatch, pkg: Path) -> None:
    real = os.stat
    target = pkg / "data/processed"

    def stat(path, *args, **kwargs):
        result = real(path, *args, **kwargs)
        if Path(path) == target:
            fields = list(result)
            fields[2] += 1  # st_dev
            return os.stat_result(fields)
        return result

    monkeypatch.setattr(os, "stat", stat)


def _no_room_for_journal(monkeypatch: pytest.MonkeyPatch, pkg: Path) -> None:
    real = shutil.disk_usage
    monkeypatch.setattr(shutil, "disk_usage", lambda path: real(path)._replace(free=0))


def _read_only_folder(monkeypatch: pytest.MonkeyPatch, pkg: Path) -> None:
    """What a read-only mount answers (as root, chmod does not stop writes)."""
    inside = pkg.resolve()

    def refuse_writes(real, writes):
        def fake(path, *args, **kwargs):
            if writes(args) and Path(os.path.abspath(path)).is_relative_to(inside):
                raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
            return real(path, *args, **kwargs)
        return fake

    write_flags = os.O_WRONLY | os.O_RDWR | os.O_CREAT
    monkeypatch.setattr(os, "open", refuse_writes(os.open, lambda a: bool(a and a[0] & write_flags)))
    monkeypatch.setattr(os, "mkdir", refuse_writes(os.mkdir, lambda a: True))
    monkeypatch.setattr(os, "replace", refuse_writes(os.replace, lambda a: True))
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode, *a, **k: False if mode & os.W_OK and Path(
        os.path.abspath(path)).is_relative_to(inside) else real_access(path, mode, *a, **k))


# fault → (how it is injected, the code of the build's one problem, its OS reason)
STORAGE_FAULTS = {
    "ENOSPC writing a table": (_enospc_writing_parquet, "storage_fault", "No space left on device"),
    "EXDEV moving a release file": (_exdev_moving_a_release_file, "storage_fault", "Invalid cross-device link"),
    "EXDEV on the journal": (_exdev_on_every_replace, "storage_fault", "Invalid cross-device link"),
    "data/processed on another device": (_other_device, "storage_other_device", ""),
    "no room for the journal": (_no_room_for_journal, "storage_no_space", ""),
    "read-only output folder": (_read_only_folder, "lock_unavailable", "Read-only file system"),
}


def test_a_full_disk_while_writing_a_table_replaces_nothing(pkg: Path, releases: tuple[Path, Path],
                                                          monkeypatch: pytest.MonkeyPatch):
    """One storage fault, for `make test-fast`; the trust trial below injects each."""
    _replaces_nothing(pkg, releases[0], "ENOSPC writing a table", monkeypatch)


@pytest.mark.slow  # the trust trial: a build under each storage fault
@pytest.mark.parametrize("fault", sorted(STORAGE_FAULTS))
def test_storage_fault_replaces_nothing(pkg: Path, releases: tuple[Path, Path], fault: str,
                                       monkeypatch: pytest.MonkeyPatch):
    _replaces_nothing(pkg, releases[0], fault, monkeypatch)


def _replaces_nothing(pkg: Path, old: Path, fault: str, monkeypatch: pytest.MonkeyPatch) -> None:
    edit_curation(pkg)  # a build that succeeded would change the release
    before = snapshot(pkg)
    inject, expected, reason = STORAGE_FAULTS[fault]
    with monkeypatch.context() as m:
        inject(m, pkg)
        # without flows.duckdb: no fault here is in writing it, and the staged release is whole
        code, stdout, stderr = run_cli("build", "--root", str(pkg), "--no-duckdb", "--format", "json")
        assert code == 1 and "Traceback" not in stderr, stderr
        [problem] = json.loads(stdout)["problems"]
        assert problem["code"] == expected, problem
        assert reason in problem["message"] and "nothing was" in problem["message"], problem
        if fault == "read-only output folder":  # still readable as it stands
            assert run_cli("sql", "SELECT count(*) FROM claims", "--root", str(pkg))[0] == 0
    assert snapshot(pkg) == before  # byte-identical, no journal, no staging folder
    assert release(pkg) == release(old)  # the release it was, which checks clean (`releases`)


def test_fault_after_the_first_move_is_finished_by_the_next_command(pkg: Path, monkeypatch: pytest.MonkeyPatch):
    """Past the first move the new release counts: the error line says so, and the next
    command finishes the publish once the fault is gone."""
    edit_curation(pkg)
    real = os.replace
    moves = []

    def replace(src, dst, *args, **kwargs):
        if STAGING in str(src):
            moves.append(src)
            if len(moves) > 3:
                raise OSError(errno.EIO, os.strerror(errno.EIO), str(src))
        return real(src, dst, *args, **kwargs)

    with monkeypatch.context() as m:
        m.setattr(os, "replace", replace)
        code, stdout, stderr = run_cli("build", "--root", str(pkg), "--format", "json")
    assert code == 1 and "Traceback" not in stderr, stderr
    [problem] = json.loads(stdout)["problems"]
    assert problem["code"] == "publish_stopped" and problem["file"] == str(pkg), problem
    assert "stopped after 3 of" in problem["message"] and "next flows command finishes it" in problem["message"]
    assert (pkg / JOURNAL).exists()
    code, _, stderr = run_cli("check", "--root", str(pkg), "--texts-root", str(ROOT))
    assert code == 0 and "finished an interrupted publish first" in stderr, stderr
    code, out, _ = run_cli("sql", f"SELECT description FROM transfers WHERE transfer_id = '{RECORD}'",
                           "--root", str(pkg), "--format", "csv")
    assert code == 0 and EDITED in out


# ---- 4. builds and readers of one folder at the same time; builds and recoveries killed ----------

def without_db(files: dict[str, str]) -> dict[str, str]:
    return {rel: digest for rel, digest in files.items() if not rel.endswith(".duckdb")}


def _trials(default: int) -> int:
    return int(os.environ.get("FLOWS_CONCURRENT_TRIALS", str(default)))


@pytest.mark.slow
def test_concurrent_builds_publish_one_whole_release_each(releases: tuple[Path, Path], tmp_path: Path):
    """Two builds of different curations into one folder at once: both succeed in turn, each
    publishes its own data whole, and the folder ends with the release of the one that
    published last (the one that waited)."""
    old, new = releases
    sources = {"old": copy_project(tmp_path / "a"), "new": copy_project(tmp_path / "b")}
    edit_curation(sources["new"])
    expected = {"old": release(old), "new": release(new)}
    out = tmp_path / "out"
    trials, survived, waited = _trials(3), 0, 0
    for _ in range(trials):
        procs = {name: flows_process("build", "--root", str(src), "--out", str(out))
                 for name, src in sources.items()}
        results = {name: p.communicate(timeout=300) for name, p in procs.items()}
        for name, p in procs.items():
            assert p.returncode == 0, results[name][1]
            assert "Traceback" not in results[name][1]
        now = without_db(release(out))
        assert now in (without_db(expected["old"]), without_db(expected["new"])), "a mix of releases"
        last = [name for name, (_, err) in results.items() if "is building in" in err]
        if last:  # the build that waited published after the other
            waited += 1
            assert now == without_db(expected[last[0]])
        assert not (out / JOURNAL).exists() and not (out / STAGING).exists()
        code, _, stderr = run_cli("check", "--root", str(out), "--texts-root", str(ROOT))
        assert code == 0, stderr
        survived += 1
    print(f"concurrent builds: {trials} trials of two builds, {survived} ended with one whole release "
          f"that checks clean ({waited} where one build waited for the other)")
    assert survived == trials


@pytest.mark.slow
def test_check_during_a_build_reads_a_whole_release(pkg: Path):
    """`flows check` started while a build writes its staging folder checks the old release
    (or waits for the publish), and leaves the build alone."""
    edit_curation(pkg)
    trials, survived = _trials(3), 0
    for _ in range(trials):
        build_proc = flows_process("build", "--root", str(pkg))
        deadline = time.monotonic() + 120
        while not (pkg / STAGING).exists() and build_proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        check_proc = flows_process("check", "--root", str(pkg), "--texts-root", str(ROOT))
        _, check_err = check_proc.communicate(timeout=300)
        _, build_err = build_proc.communicate(timeout=300)
        assert build_proc.returncode == 0, build_err
        assert check_proc.returncode == 0, check_err
        assert "Traceback" not in build_err + check_err
        survived += 1
    print(f"check during a build: {trials} trials, {survived} with both succeeding")
    assert survived == trials


def test_duckdb_cli_opens_the_database(built: Path):
    """The duckdb 1.5 command line (duckdb-cli) reads the file written by duckdb 2."""
    cli = shutil.which("duckdb") or str(Path(sys.executable).with_name("duckdb"))
    out = subprocess.run([cli, "-readonly", "-csv", str(built / "data/processed/flows.duckdb"), "-c",
                          "SELECT count(*) AS n FROM transfers_by_party WHERE supplier = 'Iran'"],
                         capture_output=True, text=True, check=True)
    assert int(out.stdout.splitlines()[1]) >= 1


def release_tables(root: Path) -> dict[str, str]:
    """The sha256 of datapackage.json and of every table's Parquet file."""
    files = ["datapackage.json", *[f"data/processed/{n}.parquet" for n in TABLES]]
    return {f: sha256_file(root / f) for f in files}


@pytest.mark.slow
def test_killed_builds_leave_old_or_new_release(project: Path):
    """SIGKILL a build at random moments; after recovery, the outputs are entirely the old
    release or entirely the new one (checked against the sha256 manifest), never a mix."""
    old = release_tables(project)
    raw = project / "data/raw/transfers"
    # A change that gives a new release: one more claim-backed record edit (a description).
    target = raw / "iran-russia.yaml"
    target.write_text(target.read_text(encoding="utf-8").replace(
        "description:", "description: (edited)", 1), encoding="utf-8")
    env = {**os.environ}
    new_root = project.parent / "new-release"
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "flows", "build", "--root", str(project), "--out", str(new_root),
                    "--no-duckdb"], check=True, env=env, capture_output=True)
    took = time.monotonic() - started  # kills land anywhere in a build of this length
    new = release_tables(new_root)
    assert new != old
    rng = random.Random(20221017)
    trials = int(os.environ.get("FLOWS_KILL_TRIALS", "20"))
    outcomes = {"old": 0, "new": 0}
    for _ in range(trials):
        proc = subprocess.Popen([sys.executable, "-m", "flows", "build", "--root", str(project), "--no-duckdb"],
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.2 * took, 1.1 * took))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        _, recovered = check(project, ROOT)  # any flows command finishes an interrupted publish
        now = release_tables(project)
        assert now in (old, new), "a mix of releases"
        assert not (project / JOURNAL).exists() and not (project / STAGING).exists()
        outcomes["old" if now == old else "new"] += 1
        if now == new:  # go back to the old release for the next trial
            target.write_text(target.read_text(encoding="utf-8").replace("description: (edited)", "description:", 1), encoding="utf-8")
            subprocess.run([sys.executable, "-m", "flows", "build", "--root", str(project), "--no-duckdb"], check=True, env=env, capture_output=True)
            assert release_tables(project) == old
            target.write_text(target.read_text(encoding="utf-8").replace("description:", "description: (edited)", 1), encoding="utf-8")
    print(f"kill trials: {trials} builds killed, {sum(outcomes.values())} releases whole after "
          f"(old {outcomes['old']}, new {outcomes['new']})")
    assert sum(outcomes.values()) == trials


# A child that finishes an interrupted publish slowly (each move 20 ms later), to be killed at
# any moment of it.
SLOW_RECOVERY = """
import os, sys, time
from pathlib import Path
import flows.publish.release as publish
real_replace, real_unlink = os.replace, os.unlink
os.replace = lambda *a, **k: (time.sleep(0.02), real_replace(*a, **k))[1]
os.unlink = lambda *a, **k: (time.sleep(0.02), real_unlink(*a, **k))[1]
print("ready", flush=True)
publish.recover(Path(sys.argv[1]))
"""


@pytest.mark.slow
def test_killed_recoveries_leave_a_release_the_next_command_finishes(project: Path, tmp_path: Path):
    """SIGKILL the roll-forward of an interrupted publish at random moments, itself interrupted
    after a random number of moves: the next command finishes it, and the release is entirely
    the new one."""
    import json
    import shutil

    from flows.publish.release import release_files

    old = release_tables(project)
    old_copy = tmp_path / "old-release"
    for rel in old:
        (old_copy / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(project / rel, old_copy / rel)
    target = project / "data/raw/transfers/iran-russia.yaml"
    target.write_text(target.read_text(encoding="utf-8").replace("description:", "description: (edited)", 1),
                      encoding="utf-8")
    new_root = tmp_path / "new-release"
    subprocess.run([sys.executable, "-m", "flows", "build", "--root", str(project), "--out", str(new_root),
                    "--no-duckdb"], check=True, capture_output=True)
    new = release_tables(new_root)
    assert new != old
    rng = random.Random(20240601)
    trials = int(os.environ.get("FLOWS_KILL_TRIALS", "20"))
    outcomes = {"killed mid-recovery": 0, "finished before the kill": 0}
    for _ in range(trials):
        staging = project / STAGING
        for rel in sorted(p.relative_to(new_root).as_posix() for p in new_root.rglob("*")
                          if p.is_file() and not p.name.startswith(".flows")):
            if rel == "README.md" or rel == "datapackage.json" or rel.startswith("data/processed/"):
                (staging / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(new_root / rel, staging / rel)
        files = release_files(staging)
        (project / JOURNAL).write_text(json.dumps({"staging": STAGING, "files": files}))
        for rel in files[: rng.randrange(len(files))]:  # killed during its commit, some files moved
            os.replace(staging / rel, project / rel)
        proc = subprocess.Popen([sys.executable, "-c", SLOW_RECOVERY, str(project)],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0, 0.02 * (len(files) + 2)))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        outcomes["killed mid-recovery" if (project / JOURNAL).exists() else "finished before the kill"] += 1
        problems, _ = check(project, ROOT)
        assert release_tables(project) == new, "a mix of releases"
        assert not problems, problems
        assert not (project / JOURNAL).exists() and not (project / STAGING).exists()
        for rel in old:  # back to the old release for the next trial
            shutil.copy2(old_copy / rel, project / rel)
    print(f"kill trials during recovery: {trials} killed, {trials} releases whole after ({outcomes})")
    assert sum(outcomes.values()) == trials
