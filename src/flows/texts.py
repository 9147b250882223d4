"""Archived source texts: where they are, their hash, and their whitespace-normalised form.

`texts/<file>` lives in `data/raw/texts/` (official texts that may be copied whole);
`shared/<file>` lives in the shared source archive beside the project (`../shared/sources`,
or the folder named by FLOWS_SHARED_SOURCES), for texts that may only be quoted.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pyarrow as pa

def normalise(text: str) -> str:
    """Whitespace and line breaks folded to single spaces, as quotes are compared (str.split
    splits on the same Unicode whitespace as a `\\s+` regex, several times faster)."""
    return " ".join(text.split())


def shared_sources_dir(root: Path) -> Path:
    configured = os.environ.get("FLOWS_SHARED_SOURCES")
    return Path(configured) if configured else (root / ".." / "shared" / "sources").resolve()


def resolve_text_path(root: Path, text_path: str) -> Path:
    """The file behind a `text_path`; the schema's pattern already forbids `..` and slashes."""
    store, _, name = text_path.partition("/")
    if "/" in name or name.startswith(".") or store not in ("texts", "shared"):
        raise ValueError(f"unsafe text path {text_path!r}")
    base = root / "data" / "raw" / "texts" if store == "texts" else shared_sources_dir(root)
    return base / name


@dataclass(frozen=True)
class ArchivedText:
    path: Path
    sha256: str
    normalised: str


def read_text(root: Path, text_path: str) -> ArchivedText | None:
    """The archived text, or None when it is not available on this machine."""
    try:
        path = resolve_text_path(root, text_path)
    except ValueError:  # an unsafe path; the schema's pattern reports it
        return None
    if not path.is_file():
        return None
    data = path.read_bytes()
    return ArchivedText(path, hashlib.sha256(data).hexdigest(),
                        normalise(data.decode("utf-8", errors="replace")))


def texts_table(texts: Iterable[tuple[str, ArchivedText | None]]) -> pa.Table:
    """The texts available on this machine as a table: text_path, sha256, normalised."""
    present = [(p, t) for p, t in texts if t is not None]
    return pa.table({"text_path": pa.array([p for p, _ in present], pa.string()),
                     "sha256": pa.array([t.sha256 for _, t in present], pa.string()),
                     "normalised": pa.array([t.normalised for _, t in present], pa.string())})


def _send(pipe: IO[bytes] | None, text: str) -> None:
    assert pipe is not None
    with pipe:
        pipe.write(text.encode("utf-8"))


# Below this many texts, one process reads them sooner than helpers start.
PARALLEL_FROM = 500


def start_reading_texts(root: Path, text_paths: Iterable[str]) -> Callable[[], pa.Table]:
    """Start reading, hashing and normalising the texts (see texts_table), in helper processes
    when there are many (pure Python work: threads would only take turns); the returned
    function waits for them, so the caller can run its own queries meanwhile. The helpers are
    `python -m flows.texts` (multiprocessing would re-run a calling script that has no
    `if __name__ == "__main__"` guard)."""
    paths = sorted(set(text_paths))
    workers = min(os.cpu_count() or 1, 8)
    if len(paths) < PARALLEL_FROM or workers < 2:
        return lambda: texts_table((p, read_text(root, p)) for p in paths)
    size = -(-len(paths) // workers)
    helpers = []
    for start in range(0, len(paths), size):
        helper = subprocess.Popen([sys.executable, "-m", "flows.texts", str(root)],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        # Sent from a thread: the pipe fills before the helper has started to read.
        threading.Thread(target=_send, args=(helper.stdin, "\n".join(paths[start:start + size])),
                         daemon=True).start()
        helpers.append(helper)

    def result() -> pa.Table:
        parts = []
        for helper in helpers:
            with pa.ipc.open_stream(helper.stdout) as reader:
                parts.append(reader.read_all())
            if helper.wait() != 0:
                raise RuntimeError(f"reading the archived texts failed (helper exit {helper.returncode})")
        return pa.concat_tables(parts)
    return result


def read_texts(root: Path, text_paths: Iterable[str]) -> pa.Table:
    return start_reading_texts(root, text_paths)()


if __name__ == "__main__":  # a helper of start_reading_texts: text paths on stdin, Arrow out
    _root = Path(sys.argv[1])
    _paths = sys.stdin.buffer.read().decode("utf-8").split("\n")
    _table = texts_table((p, read_text(_root, p)) for p in _paths)  # all read before writing
    with pa.ipc.new_stream(sys.stdout.buffer, _table.schema) as _out:
        _out.write_table(_table)
