"""Archived source texts: where they are, their hash, and the form quotes are looked for in.

`texts/<file>` lives in `data/raw/texts/` (official texts that may be copied whole);
`shared/<file>` lives in the shared source archive beside the project (`../shared/sources`,
or the folder named by FLOWS_SHARED_SOURCES), for texts that may only be quoted.
"""

from __future__ import annotations

import hashlib
import os
import stat
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

import numpy as np  # imported by pyarrow anyway
import pyarrow as pa
import pyarrow.compute as pc  # here, not in the thread: an import there blocks the caller's imports

T = TypeVar("T")


def normalise(text: str) -> str:
    """Whitespace and line breaks folded to single spaces, as quotes are compared (str.split
    splits on the same Unicode whitespace as a `\\s+` regex, several times faster)."""
    return " ".join(text.split())


# The whitespace str.split splits on, within ASCII.
_ASCII_WHITESPACE = bytes.maketrans(b"\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f", b" " * 9)


def spaced_utf8(data: bytes) -> bytes:
    """The text with each ASCII whitespace character (line breaks, tabs) as a space, as valid
    UTF-8. Quotes are looked for in this form first: a folded quote found in it is found in the
    normalised text too, and making it costs a fifth of normalising (no runs to collapse)."""
    spaced = data.translate(_ASCII_WHITESPACE)  # UTF-8 never has ASCII bytes inside a character
    return spaced if spaced.isascii() else spaced.decode("utf-8", errors="replace").encode("utf-8")


def shared_sources_dir(root: Path) -> Path:
    configured = os.environ.get("FLOWS_SHARED_SOURCES")
    return Path(configured) if configured else (root / ".." / "shared" / "sources").resolve()


def _text_dirs(root: Path) -> dict[str, Path]:
    return {"texts": root / "data" / "raw" / "texts", "shared": shared_sources_dir(root)}


def _split_text_path(text_path: str) -> tuple[str, str]:
    """(store, file name) of a `text_path`; the schema's pattern already forbids `..` and slashes."""
    store, _, name = text_path.partition("/")
    if "/" in name or name.startswith(".") or store not in ("texts", "shared"):
        raise ValueError(f"unsafe text path {text_path!r}")
    return store, name


def resolve_text_path(root: Path, text_path: str) -> Path:
    """The file behind a `text_path`."""
    store, name = _split_text_path(text_path)
    return _text_dirs(root)[store] / name


@dataclass(frozen=True)
class ArchivedText:
    sha256: str
    spaced: bytes  # see spaced_utf8


def _read_text(dirs: dict[str, str], text_path: str) -> ArchivedText | None:
    """The archived text, or None when it is not available on this machine. Plain os calls
    and paths joined as strings: file objects and pathlib took a third of the time of reading
    20,000 texts."""
    try:
        store, name = _split_text_path(text_path)
        fd = os.open(os.path.join(dirs[store], name), os.O_RDONLY | os.O_NONBLOCK)  # a FIFO must not block
    except (ValueError, OSError):  # an unsafe path (the schema's pattern reports it), or missing
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None
        data = os.read(fd, info.st_size)
        while len(data) < info.st_size:  # a read returns at most about 2 GB
            more = os.read(fd, info.st_size - len(data))
            if not more:
                break
            data += more
    except OSError:
        return None
    finally:
        os.close(fd)
    return ArchivedText(hashlib.sha256(data).hexdigest(), spaced_utf8(data))


def texts_table(texts: Iterable[tuple[str, ArchivedText | None]]) -> pa.Table:
    """The texts available on this machine as a table: text_path, sha256, spaced."""
    paths: list[str] = []
    hashes: list[str] = []
    ends = [0]
    spaced = bytearray()  # every text, one after the other: no Python str per text, no second copy
    for path, text in texts:
        if text is not None:
            paths.append(path)
            hashes.append(text.sha256)
            spaced += text.spaced
            ends.append(len(spaced))
    return pa.Table.from_arrays([_strings(paths), _strings(hashes), pa.LargeStringArray.from_buffers(
        len(paths), pa.py_buffer(np.array(ends, np.int64)), pa.py_buffer(spaced))],
        names=["text_path", "sha256", "spaced"])


# Arrays built from buffers: pa.array and pa.table import pandas (a quarter of a second, in the
# texts thread) to rule out a DataFrame, and `flows check` has no other use for pandas.
def _strings(values: list[str]) -> pa.Array:
    encoded = [v.encode("utf-8") for v in values]
    offsets = np.zeros(len(encoded) + 1, np.int32)
    np.cumsum([len(e) for e in encoded], out=offsets[1:])
    return pa.StringArray.from_buffers(len(encoded), pa.py_buffer(offsets), pa.py_buffer(b"".join(encoded)))


def _int64s(values: np.ndarray) -> pa.Array:
    return pa.Array.from_buffers(pa.int64(), len(values), [None, pa.py_buffer(values.astype(np.int64))])


class Cancelled(Exception):
    """Work in the background was told to stop: its result is not wanted."""

    @staticmethod
    def unless_going_on(stop: threading.Event | None) -> None:
        """Raises Cancelled once `stop` is set."""
        if stop is not None and stop.is_set():
            raise Cancelled


def read_texts(root: Path, text_paths: Iterable[str], stop: threading.Event | None = None) -> pa.Table:
    """The archived texts of text_paths (see texts_table), each read once. Raises Cancelled
    before the next text once `stop` is set."""
    dirs = {store: str(path) for store, path in _text_dirs(root).items()}

    def texts() -> Iterable[tuple[str, ArchivedText | None]]:
        for p in sorted(set(text_paths)):
            Cancelled.unless_going_on(stop)
            yield p, _read_text(dirs, p)
    return texts_table(texts())


def quote_texts(claims: pa.Table, sources: pa.Table, texts: pa.Table) -> pa.Table:
    """Each claim's evidence beside its source's archived text, for the quote search: _row (the
    claim's position in `claims`), evidence_text, and text_path and spaced as dictionary columns
    over `texts`, so that each text is held once whatever its number of claims. `claims` has
    source_id (plain or dictionary-encoded, as pyarrow reads Parquet) and evidence_text;
    `sources` has source_id and text_path. Claims whose text is not available are left out."""
    paths = texts["text_path"].combine_chunks()
    source_ids = sources["source_id"].combine_chunks()
    text_of_source = pc.index_in(sources["text_path"].combine_chunks(), value_set=paths,  # per source
                                 skip_nulls=True)  # a null matches nothing, as in SQL
    spaced = texts["spaced"].chunk(0) if texts["spaced"].num_chunks == 1 else texts["spaced"].combine_chunks()
    schema = pa.schema([("_row", pa.int64()), ("evidence_text", claims.schema.field("evidence_text").type),
                        ("text_path", pa.dictionary(pa.int32(), paths.type)),
                        ("spaced", pa.dictionary(pa.int32(), spaced.type))])
    batches, start = [], 0
    for batch in claims.select(["source_id", "evidence_text"]).to_batches():
        ids = batch["source_id"]
        if pa.types.is_dictionary(ids.type):  # each distinct id looked up once
            numbers = pc.take(pc.take(text_of_source, pc.index_in(ids.dictionary, value_set=source_ids,
                                                                  skip_nulls=True)), ids.indices)
        else:
            numbers = pc.take(text_of_source, pc.index_in(ids, value_set=source_ids, skip_nulls=True))
        found = pc.is_valid(numbers)
        numbers = numbers.filter(found)
        batches.append(pa.RecordBatch.from_arrays([
            _int64s(np.arange(start, start + len(batch))).filter(found),
            batch["evidence_text"].filter(found),
            pa.DictionaryArray.from_arrays(numbers, paths), pa.DictionaryArray.from_arrays(numbers, spaced)],
            schema=schema))
        start += len(batch)
    return pa.Table.from_batches(batches, schema)


class InBackground(Generic[T]):
    """Work started in a thread, so that the caller can run its DuckDB queries (which let go of
    the GIL) meanwhile. The work is handed an Event that `cancel` sets, for it to stop early
    (raising Cancelled) when its result is not wanted."""

    def __init__(self, work: Callable[[threading.Event], T], name: str):
        self._stop = threading.Event()
        self._done: list = []
        self._thread = threading.Thread(target=self._run, args=(work,), name=name, daemon=True)
        self._thread.start()

    def _run(self, work: Callable[[threading.Event], T]) -> None:
        try:
            self._done.append(work(self._stop))
        except Cancelled:  # without its traceback, which holds what the work had built so far
            self._done.append(Cancelled())
        except BaseException as e:  # handed to the caller
            self._done.append(e)

    def result(self) -> T:
        """Waits for the work; raises what it raised."""
        self._thread.join()
        if isinstance(self._done[0], BaseException):
            raise self._done[0]
        return self._done[0]

    def cancel(self) -> None:
        """Tells the work to stop, without waiting for it."""
        self._stop.set()
