"""A cache of parsed curation files, by content, outside the project.

Files that `flows import` writes hold tens of thousands of records; parsing them is most of what an
import spends reading the project (each import reads every other list's files) and much of a
build. A file's parse is a pure function of its bytes and of the loader, so it is kept, pickled,
under a key of both, and read back some 20× faster than it is parsed.

Where: `$FLOWS_CACHE_DIR`, else `$XDG_CACHE_HOME/flows/parsed`, else `~/.cache/flows/parsed`
(`FLOWS_CACHE_DIR=` with no value turns the cache off). Never inside the project: a pickle can
run code when read, and a project is input the build does not trust (a clone could carry a
planted cache), so the folder must be the user's own and writable by nobody else, or it is not
used. Only files of at least MIN_BYTES are kept (curated files parse in milliseconds); a parse
that fails is never kept. The folder is held under MAX_BYTES by removing the entries least
recently read.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import stat
import sys
import tempfile
from contextlib import suppress
from functools import cache
from pathlib import Path
from typing import Any, Callable

import yaml

MIN_BYTES = 64 * 1024
MAX_BYTES = 1024 * 1024 * 1024
_LOADER = Path(__file__).with_name("load.py")  # the parse is load.py's; a change to it is a new key


@cache
def _loader_digest() -> bytes:
    """What else a parse depends on: the loader's code, PyYAML's and Python's versions."""
    digest = hashlib.sha256(_LOADER.read_bytes())
    digest.update(f"{yaml.__version__} {sys.version} {pickle.HIGHEST_PROTOCOL}".encode())
    return digest.digest()


def cache_folder() -> Path | None:
    """The cache folder as configured (None: turned off); not yet checked."""
    configured = os.environ.get("FLOWS_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "flows" / "parsed"


def _usable(folder: Path) -> bool:
    """Create the folder (mode 0700) if need be; usable when it is a folder (not a link) of this
    user's that nobody else may write."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = os.lstat(folder)
    except OSError:
        return False
    return (stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid()
            and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH))


@cache
def code_digest(code: tuple[Path, ...]) -> bytes:
    """The digest of the code a parse depends on: files, and the .py and .yaml files of folders
    (by name)."""
    digest = hashlib.sha256()
    for place in code:
        files = sorted(p for p in place.rglob("*") if p.suffix in (".py", ".yaml") and "__pycache__" not in p.parts) \
            if place.is_dir() else [place]
        for path in files:
            digest.update(path.as_posix().encode() + b"\0" + path.read_bytes())
    return digest.digest()


def parsed(raw: bytes, shown: str, parse: Callable[[bytes, str], Any], code: tuple[Path, ...] = (),
           key: bytes = b"") -> Any:
    """parse(raw, shown), from the cache when this content was parsed before (by the loader, and
    by the `code` given and what `key` names: a list's parser, the libraries it uses)."""
    folder = cache_folder() if len(raw) >= MIN_BYTES else None
    if folder is None or not _usable(folder):
        return parse(raw, shown)
    key = _loader_digest() + (code_digest(code) if code else b"") + key
    entry = folder / (hashlib.sha256(key + raw).hexdigest() + ".pickle")
    kept = _read(entry)
    if kept is not _MISSING:
        return kept
    result = parse(raw, shown)
    _keep(folder, entry, result)
    return result


_MISSING = object()


def _read(entry: Path) -> Any:
    """The entry's parse, or _MISSING (none, or one that does not read back: it is removed)."""
    try:
        with open(entry, "rb") as f:
            kept = pickle.load(f)
    except FileNotFoundError:
        return _MISSING
    except Exception:  # noqa: BLE001 - a truncated or foreign entry is parsed again and replaced
        with suppress(OSError):
            entry.unlink()
        return _MISSING
    with suppress(OSError):  # read now: the last to be evicted (not on a read-only disk)
        os.utime(entry)
    return kept


def _keep(folder: Path, entry: Path, result: Any) -> None:
    """Write the entry whole (a temporary file renamed), then evict; a full disk only loses the
    entry."""
    temporary = None
    try:
        handle, temporary = tempfile.mkstemp(dir=folder, suffix=".part")
        with os.fdopen(handle, "wb") as f:
            pickle.dump(result, f, pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, entry)
    except OSError:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
        return
    _evict(folder)


def _evict(folder: Path) -> None:
    """Remove the entries least recently read until the folder holds at most MAX_BYTES."""
    entries = []
    for path in folder.glob("*.pickle"):
        try:
            info = path.stat()
        except FileNotFoundError:  # removed by another process meanwhile
            continue
        entries.append((info.st_mtime, info.st_size, path))
    total = sum(size for _, size, _ in entries)
    for _, size, path in sorted(entries):
        if total <= MAX_BYTES:
            break
        with suppress(OSError):
            path.unlink()
        total -= size
