"""Advisory locks (fcntl.flock) that keep builds and readers of one output folder apart.

Two lock files live in the output root:
- `.flows-build.lock`, held exclusively by a build from its first step to its last: one build
  at a time writes the staging folder and publishes.
- `.flows-release.lock`, held exclusively while files are moved into place (commit, recovery)
  and shared by every reader while it reads: no reader sees half a release, and readers do not
  wait for a build that is still writing its staging folder.

A lock that is taken is waited for, with one line saying who holds it, for FLOWS_LOCK_TIMEOUT
seconds (default 600); then the command fails with one line. The kernel drops a lock when its
holder dies, so a killed build never leaves a lock behind.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from flows.errors import ProblemError

BUILD_LOCK = ".flows-build.lock"
RELEASE_LOCK = ".flows-release.lock"
DEFAULT_TIMEOUT = 600.0
POLL_SECONDS = 0.05

# Locks this process holds: path → "shared" or "exclusive". A second open of the same lock file
# in the same process would conflict with the first (flock locks belong to an open file), so a
# nested request for a lock already held is granted at once.
_held: dict[Path, str] = {}


class LockError(ProblemError):
    """A lock that could not be taken: timed out, or the folder cannot hold a lock file (one
    problem, whose code says which: flows.errors.CODES)."""


def _notify(line: str) -> None:
    """Callers that pass no `notify` (library use): a warning of the `flows` logger, which
    Python prints to stderr when the application configured no logging."""
    logging.getLogger("flows").warning(line)


def timeout_seconds() -> float:
    value = os.environ.get("FLOWS_LOCK_TIMEOUT", "")
    try:
        return max(0.0, float(value)) if value else DEFAULT_TIMEOUT
    except ValueError:
        raise LockError.of_path(f"FLOWS_LOCK_TIMEOUT={value!r}", "expected a number of seconds",
                                "lock_timeout_invalid") from None


def _open(path: Path, exclusive: bool) -> int | None:
    """The lock file's descriptor; None when the folder is read-only and the file cannot be
    created (nothing can be published there either, so a reader needs no lock)."""
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o644)
    except FileNotFoundError:
        if exclusive:
            raise LockError.of_path(path.parent, "no such folder", "lock_unavailable") from None
        return None  # no folder, no release: the reader says what is missing
    except OSError as e:
        if e.errno not in (errno.EROFS, errno.EACCES, errno.EPERM):
            raise LockError.of_path(path, f"cannot open the lock file: {e.strerror}", "lock_unavailable") from None
        if exclusive:
            raise LockError.of_path(path.parent, f"cannot write here ({e.strerror}): nothing was published",
                                    "lock_unavailable") from None
    try:
        return os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW)
    except FileNotFoundError:
        return None
    except OSError as e:
        raise LockError.of_path(path, f"cannot open the lock file: {e.strerror}", "lock_unavailable") from None


def _holder(fd: int) -> str:
    try:
        pid = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return ""
    return f" (pid {pid})" if pid.isdigit() else ""


@contextmanager
def locked(path: Path, exclusive: bool, doing: str,
           notify: Callable[[str], None] = _notify) -> Iterator[None]:
    """Hold the lock file at path, shared or exclusive, waiting for it as the module says.
    `doing` names what the holder does, for the waiting line: "building", "publishing"."""
    path = Path(os.path.abspath(path))
    mode = "exclusive" if exclusive else "shared"
    if path in _held:
        if exclusive and _held[path] != "exclusive":
            raise LockError.of_path(path, "already held shared by this process", "lock_held_shared")
        yield
        return
    limit = timeout_seconds()
    fd = _open(path, exclusive)
    if fd is None:
        yield
        return
    try:
        deadline = time.monotonic() + limit
        waited = False
        while True:
            try:
                fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                pass
            if not waited:
                notify(f"another flows command{_holder(fd)} is {doing} in {path.parent}; "
                       f"waiting up to {limit:g} s (FLOWS_LOCK_TIMEOUT)…")
                waited = True
            if time.monotonic() >= deadline:
                raise LockError.of_path(path.parent, f"another flows command{_holder(fd)} is still {doing} "
                                        f"after {limit:g} s (FLOWS_LOCK_TIMEOUT); nothing was done", "lock_timeout")
            time.sleep(POLL_SECONDS)
        if exclusive:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        _held[path] = mode
        try:
            yield
        finally:
            del _held[path]
            if exclusive:  # no stale pid for the next waiter to name
                os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # releases the lock


@contextmanager
def try_locked(path: Path) -> Iterator[bool]:
    """The lock at path held exclusively if nobody holds it now (yields True), else at once
    False; a lock this process holds exclusively counts as free. False too where the lock file
    cannot be written (a read-only folder)."""
    path = Path(os.path.abspath(path))
    if _held.get(path) == "exclusive":
        yield True
        return
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o644)
    except OSError:
        yield False
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        _held[path] = "exclusive"
        try:
            yield True
        finally:
            del _held[path]
    finally:
        os.close(fd)
