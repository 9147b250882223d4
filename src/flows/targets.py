"""Files the export and report commands write: refused when a target would overwrite what is
not theirs, and never written through a link planted at their temporary name."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any


class OutputRefused(ValueError):
    """A target that cannot or must not be written: one line for the user."""


def open_new(path: Path, mode: str = "wb") -> IO[Any]:
    """A new file at `path` for writing: whatever was there (a planted symlink, say) is removed
    first, and O_EXCL makes sure nothing is written through a link."""
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    return os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8"}))


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
