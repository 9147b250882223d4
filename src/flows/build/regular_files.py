"""Input files read without following links: only regular files are read, as what they are.

Curation files and archived texts are opened relative to their folder's descriptor, without
following a symbolic link (O_NOFOLLOW) and without waiting on a pipe (O_NONBLOCK), and read only
if what was opened is a regular file (fstat). Folders are opened the same way, one name at a time,
so that a link swapped in between a look and an open can never lead outside: there is no check
followed by a second, separate open of the same path.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager

_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
_FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
# Opening a link with O_NOFOLLOW fails with ELOOP; a link or a file opened as a folder, ENOTDIR.
_NOT_WHAT_IT_SEEMED = (errno.ELOOP, errno.ENOTDIR)


class Refused(Exception):
    """What stands at a name is not read: `reason` says what it is; `where`, when set, is the
    refused folder's path (see folder_path)."""

    def __init__(self, reason: str, where: str = ""):
        super().__init__(reason)
        self.reason, self.where = reason, where


def kind(mode: int) -> str:
    """What a file's mode says it is, as a curator reads it."""
    for test, name in ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISDIR, "a folder"),
                       (stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a device"),
                       (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISREG, "a regular file")):
        if test(mode):
            return name
    return "not a regular file"


def refusal(reason: str, expected: str = "a regular file") -> str:
    """The message of a refused name: what it is, and what is read instead."""
    what = f"{reason}, not {expected}" if reason.startswith("a ") else reason
    return (f"refused: {what} (symbolic links, pipes and devices are never read: put the file "
            "or folder itself here)")


def _lstat_mode(name: str, dir_fd: int | None) -> int | None:
    try:
        return os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode
    except FileNotFoundError:
        return None
    except OSError as e:
        raise Refused(f"cannot be read ({e.strerror})") from None


def open_folder(name: str, dir_fd: int | None = None, follow: bool = False) -> int | None:
    """A descriptor of the folder `name` (in dir_fd), or None when there is none. Refused when
    `name` is a link (unless `follow`) or not a folder. The caller closes it."""
    try:
        return os.open(name, _FOLDER & ~os.O_NOFOLLOW if follow else _FOLDER, dir_fd=dir_fd)
    except FileNotFoundError:
        return None
    except OSError as e:
        if e.errno in _NOT_WHAT_IT_SEEMED:
            mode = _lstat_mode(name, dir_fd)
            raise Refused(kind(mode) if mode is not None else "not a folder") from None
        raise Refused(f"cannot be opened ({e.strerror})") from None


@contextmanager
def folder_path(start: str, names: tuple[str, ...]) -> Iterator[int | None]:
    """The descriptor of start/names[0]/names[1]/..., each name opened without following a link
    (`start` itself is followed: it is where the user pointed); None when a folder is missing.
    Refused names the first folder that is not one in its `where` (its path from start)."""
    fds: list[int] = []
    try:
        fd = open_folder(start, follow=True)
        if fd is None:
            yield None
            return
        fds.append(fd)
        for i, name in enumerate(names):
            try:
                fd = open_folder(name, fds[-1])
            except Refused as e:
                raise Refused(e.reason, "/".join(names[: i + 1])) from None
            if fd is None:
                yield None
                return
            fds.append(fd)
        yield fds[-1]
    finally:
        for fd in fds:
            os.close(fd)


def read_regular(name: str, dir_fd: int | None, mode: int | None = None) -> bytes | None:
    """The bytes of the regular file `name` in the folder dir_fd, or None when there is none.
    Refused when it is anything else: a link, a folder, a FIFO, a device, a socket. `mode`, the
    file's mode from a folder listing, saves a look before the open (which could have side
    effects on a device)."""
    if mode is None:
        mode = _lstat_mode(name, dir_fd)
        if mode is None:
            return None
    if not stat.S_ISREG(mode):
        raise Refused(kind(mode))
    try:
        fd = os.open(name, _FILE, dir_fd=dir_fd)
    except FileNotFoundError:
        return None
    except OSError as e:  # ELOOP: a link put in its place since the look
        raise Refused("a symbolic link" if e.errno == errno.ELOOP else f"cannot be opened ({e.strerror})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):  # swapped since the look
            raise Refused(kind(info.st_mode))
        data = os.read(fd, info.st_size)
        while len(data) < info.st_size:  # a read returns at most about 2 GB
            more = os.read(fd, info.st_size - len(data))
            if not more:
                break
            data += more
        return data
    except OSError as e:
        raise Refused(f"cannot be read ({e.strerror})") from None
    finally:
        os.close(fd)


def listing(dir_fd: int) -> dict[str, int]:
    """Each name in the folder with its own file type (a link's, not its target's) as a mode,
    sorted by name. Files and folders are told from the listing itself, without a stat each."""
    def mode(e: os.DirEntry) -> int | None:
        if e.is_file(follow_symlinks=False):
            return stat.S_IFREG
        if e.is_dir(follow_symlinks=False):
            return stat.S_IFDIR
        try:
            return e.stat(follow_symlinks=False).st_mode
        except FileNotFoundError:  # removed since the listing
            return None
    with os.scandir(dir_fd) as entries:
        modes = {e.name: mode(e) for e in sorted(entries, key=lambda e: e.name)}
    return {name: m for name, m in modes.items() if m is not None}
