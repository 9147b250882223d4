"""Files flows writes: beside their target under a temporary name first, never through a link
planted there, and moved over the target only once whole (`StagedFiles`, `write_replacing`);
targets refused when they would overwrite what is not flows' (`check_file_target`); and the
sha256 a written file is recorded and verified by (`sha256_file`)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import IO, Any


class OutputRefused(ValueError):
    """A target that cannot or must not be written: one line for the user."""


class ExportError(OutputRefused):
    """An export refused (its target) or that could not read its input: one line for the user."""


def open_new(path: Path, mode: str = "wb") -> IO[Any]:
    """A new file at `path` for writing: whatever was there (a planted symlink, say) is removed
    first, and O_EXCL makes sure nothing is written through a link."""
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    return os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8"}))


def sha256_file(path: Path) -> str:
    """The sha256 of a file's bytes (hex), read a MiB at a time."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class StagedFiles:
    """Files written beside their targets (at `<name>.tmp`, created anew by `open_new`) that
    replace their targets together, by os.replace, when `replace_all` is called. Leaving the
    `with` block removes whatever was not moved: an error while writing leaves every target as
    it was."""

    def __init__(self) -> None:
        self.staged: list[tuple[Path, Path]] = []  # (temporary file, its target)

    def open(self, target: Path, mode: str = "wb") -> IO[Any]:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".tmp")
        f = open_new(tmp, mode)
        self.staged.append((tmp, target))
        return f

    def write(self, target: Path, data: bytes) -> None:
        with self.open(target) as f:
            f.write(data)

    def replace_all(self) -> None:
        while self.staged:
            tmp, target = self.staged[0]
            os.replace(tmp, target)
            self.staged.pop(0)

    def __enter__(self) -> StagedFiles:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        for tmp, _ in self.staged:
            tmp.unlink(missing_ok=True)
        self.staged.clear()


def write_replacing(target: Path, write: Callable[[IO[str]], object]) -> None:
    """Text written by `write` to a new file that then replaces `target` (see StagedFiles)."""
    with StagedFiles() as staged:
        with staged.open(target, "w") as f:
            write(f)
        staged.replace_all()


def first_line(path: Path, limit: int = 1 << 20) -> str:
    """The first line of a file as text, at most `limit` bytes ('' when unreadable)."""
    try:
        with path.open("rb") as f:
            return f.readline(limit).decode("utf-8", errors="replace")
    except OSError:
        return ""


def check_file_target(out: Path, what: str, is_ours: Callable[[str], bool]) -> None:
    """Refuse `out` when it exists and is not a file, or is a non-empty file whose first line
    `is_ours` does not recognise as an earlier output of the same command."""
    if out.is_symlink() or not out.exists():
        return  # a link is replaced, never written through
    if not out.is_file():
        raise OutputRefused(f"{out}: exists and is not a file")
    if out.stat().st_size and not is_ours(first_line(out)):
        raise OutputRefused(f"{out}: exists and is not {what}; write to a new file")
