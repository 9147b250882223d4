"""flows.build.regular_files: what the build, the check and the coverage report read from disk.

Only regular files are read as curation files or archived texts: a symbolic link (wherever it
points, inside the project or not), a named pipe, a device, a socket or a folder at a file's name
is refused with the file and the reason, in `flows build`, `flows check` and `flows coverage`,
and never opened in a way that could block or follow it. Folders on the way (data/raw, its
curation folders, data/raw/texts) must not be links either. An archived text must be valid
UTF-8. A refused text is not reported as a missing one. (`flows coverage`:
tests/test_rules_coverage.py.)
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import stat
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from conftest import ROOT, SHARED_SOURCES, run_cli
from fault_corpus import FAULT_TEXT, source_with
from flows.build.regular_files import Refused, read_regular
from hostile import A_LINK


def _snapshot(root: Path) -> dict[str, str]:
    files = [root / "datapackage.json", *sorted((root / "data" / "processed").iterdir())]
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files if p.is_file()}


@pytest.fixture(scope="module")
def site(_built_project: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A built copy of the project (one for the module) and its published files' hashes."""
    root = tmp_path_factory.mktemp("site") / "p"
    shutil.copytree(_built_project, root)
    return root, _snapshot(root)


@pytest.fixture
def project(site: tuple[Path, dict[str, str]]) -> Path:
    """The built copy, its data/raw restored after each test (whatever the test put there)."""
    root, _ = site
    yield root
    raw = root / "data" / "raw"
    if raw.is_symlink() or not raw.is_dir():
        raw.unlink()
    else:
        shutil.rmtree(raw)
    shutil.copytree(ROOT / "data" / "raw", raw)


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder outside the project, holding a secret and valid curation files to point at."""
    (tmp_path / "secret.txt").write_text("a secret outside the project\n", encoding="utf-8")
    (tmp_path / "actor.yaml").write_text("- actor_id: actor/zz-outside\n  name: Outside\n  actor_type: company\n",
                                         encoding="utf-8")
    return tmp_path


def unblocked(work: Callable[[], object], pipes: list[Path] = ()) -> object:
    """work() in a thread: work that blocks on a named pipe fails the test (its pipes are then
    opened for writing, which lets the blocked open or read go on) instead of hanging it."""
    done: list = []
    thread = threading.Thread(target=lambda: done.append(work()), daemon=True)
    thread.start()
    thread.join(60)
    if thread.is_alive():
        for pipe in pipes:
            os.close(os.open(pipe, os.O_WRONLY | os.O_NONBLOCK))
        thread.join(30)
        pytest.fail("blocked on a named pipe")
    assert done, "the work raised (see the thread's exception above)"
    return done[0]


def run_unblocked(*args: str, pipes: list[Path] = ()) -> tuple[int, str, str]:
    return unblocked(lambda: run_cli(*args), pipes)


def _build_fails(site: tuple[Path, dict[str, str]], pipes: list[Path] = ()) -> list[str]:
    """Runs `flows build` on the broken copy: exit 1, no traceback, nothing published; its problem lines."""
    root, published = site
    code, _, stderr = run_unblocked("build", "--root", str(root), "--no-duckdb", pipes=pipes)
    assert code == 1, stderr
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert lines[-1].startswith("build failed, nothing published:"), stderr
    assert _snapshot(root) == published
    return lines[:-1]


def _socket_at(path: Path) -> None:
    cwd = os.getcwd()  # a socket's path is limited to about 100 bytes: bind a short relative one
    os.chdir(path.parent)
    try:
        with socket.socket(socket.AF_UNIX) as s:
            s.bind(path.name)
    finally:
        os.chdir(cwd)


def _device_at(path: Path) -> None:
    try:
        os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(1, 3))  # what /dev/null is
    except PermissionError:
        pytest.skip("making a device node needs privileges this machine does not give")


@dataclass
class Hostile:
    name: str
    make: Callable[[Path, Path], list[Path]]  # (raw, outside) -> the named pipes it made
    where: str  # the problem's file, under the project
    says: str  # a fragment of its message


def _link(rel: str, target: Callable[[Path, Path], Path | str]) -> Callable[[Path, Path], list[Path]]:
    def make(raw: Path, outside: Path) -> list[Path]:
        path, to = raw / rel, target(raw, outside)  # the target first: it may be a copy of path
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
        path.symlink_to(to)
        return []
    return make


def _at(rel: str, make_it: Callable[[Path], None]) -> Callable[[Path, Path], list[Path]]:
    def make(raw: Path, outside: Path) -> list[Path]:
        path = raw / rel
        path.unlink(missing_ok=True)
        make_it(path)
        return [path] if stat.S_ISFIFO(path.lstat().st_mode) else []
    return make


def _copy_outside(rel: str) -> Callable[[Path, Path], Path]:
    def target(raw: Path, outside: Path) -> Path:
        copy = outside / "copy"
        shutil.copytree(raw / rel, copy)
        return copy
    return target


CURATION_FILES = [
    Hostile("curation file linked to a file inside the project",
            _link("actors/zz.yaml", lambda raw, _: "states.yaml"), "data/raw/actors/zz.yaml", A_LINK),
    Hostile("curation file linked to a file outside",
            _link("actors/zz.yaml", lambda _, out: out / "actor.yaml"), "data/raw/actors/zz.yaml", A_LINK),
    Hostile("curation file linked to nothing", _link("sources/zz.yaml", lambda _, out: out / "nowhere.yaml"),
            "data/raw/sources/zz.yaml", A_LINK),
    Hostile("curation file linked to a device", _link("events/zz.yaml", lambda *_: "/dev/null"),
            "data/raw/events/zz.yaml", A_LINK),
    Hostile("named pipe as a curation file", _at("actors/zz.yaml", os.mkfifo), "data/raw/actors/zz.yaml",
            "refused: a named pipe (FIFO), not a regular file"),
    Hostile("folder named as a curation file", _at("events/zz.yaml", Path.mkdir), "data/raw/events/zz.yaml",
            "refused: a folder, not a regular file"),
    Hostile("device as a curation file", _at("actors/zz.yaml", _device_at), "data/raw/actors/zz.yaml",
            "refused: a device, not a regular file"),
    Hostile("socket as a curation file", _at("links/zz.yaml", _socket_at), "data/raw/links/zz.yaml",
            "refused: a socket, not a regular file"),
    Hostile("package.yaml linked to a copy outside", _link("package.yaml", lambda raw, out: shutil.copy(
        raw / "package.yaml", out / "package.yaml")), "data/raw/package.yaml", A_LINK),
    Hostile("package.yaml a named pipe", _at("package.yaml", os.mkfifo), "data/raw/package.yaml",
            "refused: a named pipe (FIFO)"),
    Hostile("curation folder linked to a copy outside", _link("actors", _copy_outside("actors")),
            "data/raw/actors", "refused: a symbolic link, not a folder"),
    Hostile("text folder linked to a copy outside", _link("texts", _copy_outside("texts")),
            "data/raw/texts", "refused: a symbolic link, not a folder"),
    Hostile("stray link in data/raw", _link("extra.yaml", lambda _, out: out / "secret.txt"),
            "data/raw/extra.yaml", A_LINK),
    Hostile("unused text linked outside", _link("texts/zz-unused.txt", lambda _, out: out / "secret.txt"),
            "data/raw/texts/zz-unused.txt", A_LINK),
    Hostile("link named like a note in a curation folder", _link("items/zz.txt", lambda _, out: out / "secret.txt"),
            "data/raw/items/zz.txt", "a symbolic link named 'zz.txt': only .yaml curation files belong here"),
]


def test_a_curation_file_linked_to_a_file_outside_is_refused(site, project: Path, outside: Path):
    """One hostile curation file, for `make test-fast`; the trust trial below plants each kind."""
    _curation_file_refused(site, project, outside, Hostile(
        "curation file linked to a file outside", _link("actors/zz.yaml", lambda _, out: out / "actor.yaml"),
        "data/raw/actors/zz.yaml", A_LINK))


@pytest.mark.slow  # the trust trial: a build refused for each kind of file that is not a regular file
@pytest.mark.parametrize("hostile", CURATION_FILES, ids=[h.name for h in CURATION_FILES])
def test_curation_file_that_is_not_a_regular_file_is_refused(site, project: Path, outside: Path, hostile: Hostile):
    _curation_file_refused(site, project, outside, hostile)


def _curation_file_refused(site, project: Path, outside: Path, hostile: Hostile) -> None:
    pipes = hostile.make(project / "data" / "raw", outside)
    lines = _build_fails(site, pipes)
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{hostile.where}: "), lines
    assert hostile.says in lines[0], lines


def test_data_raw_itself_a_link_is_refused(site, project: Path, outside: Path):
    raw = project / "data" / "raw"
    shutil.copytree(raw, outside / "raw")
    shutil.rmtree(raw)
    raw.symlink_to(outside / "raw")
    assert _build_fails(site) == ["data/raw: refused: a symbolic link, not a folder (symbolic links, pipes and "
                                  "devices are never read: put the file or folder itself here)"]


# --- archived texts, in the build ------------------------------------------------------------

def _source_on(raw: Path, text_path: str) -> None:
    source = source_with("actor/iran").replace("texts/zz-fault.txt", text_path)
    (raw / "sources" / "zz-fault.yaml").write_text(source, encoding="utf-8")


TEXTS = [
    Hostile("text linked to a text inside the project", _link(
        "texts/zz-fault.txt", lambda raw, _: next((raw / "texts").glob("*.txt")).name),
        "data/raw/texts/zz-fault.txt", A_LINK),
    Hostile("text linked to a file outside", _link("texts/zz-fault.txt", lambda _, out: out / "secret.txt"),
            "data/raw/texts/zz-fault.txt", A_LINK),
    Hostile("named pipe as a text", _at("texts/zz-fault.txt", os.mkfifo), "data/raw/texts/zz-fault.txt",
            "refused: a named pipe (FIFO), not a regular file"),
    Hostile("folder named as a text", _at("texts/zz-fault.txt", Path.mkdir), "data/raw/texts/zz-fault.txt",
            "refused: a folder, not a regular file"),
    Hostile("device as a text", _at("texts/zz-fault.txt", _device_at), "data/raw/texts/zz-fault.txt",
            "refused: a device, not a regular file"),
]


@pytest.mark.parametrize("hostile", TEXTS, ids=[h.name for h in TEXTS])
def test_text_that_is_not_a_regular_file_is_refused_not_missing(site, project: Path, outside: Path,
                                                                 hostile: Hostile):
    raw = project / "data" / "raw"
    _source_on(raw, "texts/zz-fault.txt")
    pipes = hostile.make(raw, outside)
    lines = _build_fails(site, pipes)
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{hostile.where}: {hostile.says}"), lines
    assert "not found" not in lines[0]


@pytest.mark.parametrize("make", [lambda p: p.symlink_to(SHARED_SOURCES / "news-pointers-not-reusable.txt"),
                                  os.mkfifo], ids=["link", "named pipe"])
def test_shared_text_that_is_not_a_regular_file_is_refused(site, project: Path, shared: Path, make):
    """The shared archive is outside the project by design; what stands at a text's name in it
    is held to the same rule."""
    _source_on(project / "data" / "raw", "shared/zz-fault.txt")
    make(shared / "zz-fault.txt")
    lines = _build_fails(site, [shared / "zz-fault.txt"])
    assert len(lines) == 1 and lines[0].startswith(f"{shared / 'zz-fault.txt'}: refused: a "), lines


def test_shared_archive_reached_through_a_link_is_read(project: Path, shared: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch):
    """The shared archive's own folder may be a link (it is outside the project by design)."""
    (tmp_path / "linked-archive").symlink_to(shared)
    monkeypatch.setenv("FLOWS_SHARED_SOURCES", str(tmp_path / "linked-archive"))
    raw = project / "data" / "raw"
    _source_on(raw, "shared/zz-fault.txt")
    (shared / "zz-fault.txt").write_text(FAULT_TEXT, encoding="utf-8")
    code, _, stderr = run_cli("build", "--root", str(project), "--out", str(tmp_path / "out"), "--no-duckdb")
    assert code == 0, stderr


def test_missing_and_refused_texts_say_different_things(site, project: Path, outside: Path):
    raw = project / "data" / "raw"
    _source_on(raw, "texts/zz-fault.txt")
    missing = _build_fails(site)
    (raw / "texts" / "zz-fault.txt").symlink_to(outside / "secret.txt")
    refused = _build_fails(site)
    assert "data/raw/sources/zz-fault.yaml:7: text_path: archived text texts/zz-fault.txt not found" in missing
    assert not any("refused" in line for line in missing)
    assert refused[0].startswith(f"data/raw/texts/zz-fault.txt: {A_LINK}"), refused


# --- archived texts, in `flows check` and `flows coverage` -------------------------------------

@pytest.fixture
def texts_root(tmp_path: Path) -> Path:
    """A project folder holding a copy of the archived texts, for `flows check --texts-root`."""
    shutil.copytree(ROOT / "data" / "raw" / "texts", tmp_path / "texts-root" / "data" / "raw" / "texts")
    return tmp_path / "texts-root"


def _published_local_text(root: Path) -> str:
    """The file name of one archived text under data/raw/texts that the published sources cite."""
    path = duckdb.sql(f"SELECT min(text_path) FROM '{root / 'data/processed/sources.parquet'}' "
                      "WHERE text_path LIKE 'texts/%'").fetchall()[0][0]
    return path.removeprefix("texts/")


def _check_lines(site, texts_root: Path, pipes: list[Path] = ()) -> list[str]:
    root, _ = site
    code, _, stderr = run_unblocked("check", "--root", str(root), "--texts-root", str(texts_root), pipes=pipes)
    assert code == 1, stderr
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert lines[-1].startswith("check failed:"), stderr
    return lines[:-1]


def test_check_refuses_a_linked_text(site, texts_root: Path):
    name = _published_local_text(site[0])
    text = texts_root / "data" / "raw" / "texts" / name
    text.unlink()
    text.symlink_to(ROOT / "data" / "raw" / "texts" / name)  # the very same text, through a link
    assert _check_lines(site, texts_root) == [f"data/raw/texts/{name}: {A_LINK} (symbolic links, pipes and "
                                              "devices are never read: put the file or folder itself here)"]


def test_check_refuses_a_named_pipe_as_a_text(site, texts_root: Path):
    name = _published_local_text(site[0])
    text = texts_root / "data" / "raw" / "texts" / name
    text.unlink()
    os.mkfifo(text)
    lines = _check_lines(site, texts_root, [text])
    assert len(lines) == 1 and lines[0].startswith(f"data/raw/texts/{name}: refused: a named pipe"), lines


def test_check_refuses_a_linked_texts_folder(site, texts_root: Path, tmp_path: Path):
    folder = texts_root / "data" / "raw" / "texts"
    folder.rename(tmp_path / "moved-texts")
    folder.symlink_to(tmp_path / "moved-texts")
    lines = _check_lines(site, texts_root)
    assert lines == ["data/raw/texts: refused: a symbolic link, not a folder (symbolic links, pipes and devices "
                     "are never read: put the file or folder itself here)"]


def test_check_names_a_text_that_is_not_utf8(site, texts_root: Path):
    name = _published_local_text(site[0])
    text = texts_root / "data" / "raw" / "texts" / name
    data = text.read_bytes()
    second_line = data.index(b"\n") + 1
    text.write_bytes(data[:second_line] + b"\xff" + data[second_line:])
    assert _check_lines(site, texts_root) == [
        f"data/raw/texts/{name}:2: not valid UTF-8 (byte 0xff at offset {second_line}): save the archived "
        "text as UTF-8"]


def test_check_says_not_found_for_a_missing_text(site, texts_root: Path):
    name = _published_local_text(site[0])
    (texts_root / "data" / "raw" / "texts" / name).unlink()
    lines = _check_lines(site, texts_root)
    assert any(line.endswith(f"text_path: archived text texts/{name} not found") for line in lines), lines
    assert not any("refused" in line for line in lines)


# --- no check-then-open: what is opened is what is read ---------------------------------------

def test_a_link_swapped_in_after_the_listing_is_not_followed(tmp_path: Path):
    """The folder listing said a regular file; a link put there since is refused at the open."""
    (tmp_path / "secret.txt").write_text("secret")
    (tmp_path / "a.yaml").symlink_to(tmp_path / "secret.txt")
    fd = os.open(tmp_path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        with pytest.raises(Refused, match="a symbolic link"):
            read_regular("a.yaml", fd, stat.S_IFREG)
    finally:
        os.close(fd)


def test_a_pipe_swapped_in_after_the_listing_is_not_waited_on(tmp_path: Path):
    os.mkfifo(tmp_path / "a.yaml")
    fd = os.open(tmp_path, os.O_RDONLY | os.O_DIRECTORY)

    def read() -> str:
        try:
            read_regular("a.yaml", fd, stat.S_IFREG)  # an open without O_NONBLOCK waits for a writer
        except Refused as e:
            return str(e)
        return "read"
    try:
        assert unblocked(read, [tmp_path / "a.yaml"]) == "a named pipe (FIFO)"
    finally:
        os.close(fd)


# --- YAML that expands without bound -------------------------------------------------------------
