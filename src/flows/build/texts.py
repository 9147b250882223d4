"""Archived source texts: where they are, their hash, and the form quotes are looked for in.

`texts/<file>` lives in `data/raw/texts/` (official texts that may be copied whole);
`shared/<file>` lives in the shared source archive beside the project (`../shared/sources`,
or the folder named by FLOWS_SHARED_SOURCES), for texts that may only be quoted.

Only a regular file is read as a text, never through a symbolic link, nor a pipe, a device or a
folder at its name (flows.build.regular_files); data/raw/texts and the folders above it must not be
links either (the shared archive's own path may be: it is outside the project by design). Such a
text, or one that is not valid UTF-8, is a problem naming its file: not the same as a missing
text, which is reported by the rules as not found.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

import numpy as np  # imported by pyarrow anyway
import pyarrow as pa
import pyarrow.compute as pc  # here, not in the thread: an import there blocks the caller's imports

from flows.errors import CurationError, Location, Problem
from flows.build.regular_files import Refused, folder_path, read_regular, refusal

T = TypeVar("T")


def normalise(text: str) -> str:
    """Whitespace and line breaks folded to single spaces, as quotes are compared (str.split
    splits on the same Unicode whitespace as a `\\s+` regex, several times faster)."""
    return " ".join(text.split())


# The whitespace str.split splits on, within ASCII.
_ASCII_WHITESPACE = bytes.maketrans(b"\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f", b" " * 9)


def spaced_utf8(data: bytes) -> bytes:
    """The text with each ASCII whitespace character (line breaks, tabs) as a space. Quotes are
    looked for in this form first: a folded quote found in it is found in the normalised text
    too, and making it costs a fifth of normalising (no runs to collapse). Raises
    UnicodeDecodeError when the text is not valid UTF-8 (at the same offset as in `data`)."""
    spaced = data.translate(_ASCII_WHITESPACE)  # UTF-8 never has ASCII bytes inside a character
    if not spaced.isascii():  # ASCII is valid UTF-8: only other texts are decoded, to check them
        spaced.decode("utf-8")
    return spaced


def shared_sources_dir(root: Path) -> Path:
    configured = os.environ.get("FLOWS_SHARED_SOURCES")
    return Path(configured) if configured else (root / ".." / "shared" / "sources").resolve()


def _split_text_path(text_path: str) -> tuple[str, str]:
    """(store, file name) of a `text_path`; the schema's pattern already forbids `..` and slashes."""
    store, _, name = text_path.partition("/")
    if "/" in name or name.startswith(".") or store not in ("texts", "shared") or not name:
        raise ValueError(f"unsafe text path {text_path!r}")
    return store, name


@dataclass
class _Store:
    """A folder of archived texts, opened once (see flows.build.regular_files)."""

    fd: int | None  # None when the folder is missing or refused
    shown: str  # the folder as problems name it
    refused: str | None = None  # why the folder itself is not read


@contextmanager
def _stores(root: Path) -> Iterator[dict[str, _Store]]:
    """`texts`: data/raw/texts, each folder on the way opened without following a link;
    `shared`: the shared archive, outside the project by design (its own path may be a link)."""
    shared = str(shared_sources_dir(root))
    places = {"texts": (str(root), ("data", "raw", "texts"), "data/raw/texts"), "shared": (shared, (), shared)}
    with ExitStack() as stack:
        stores = {}
        for store, (start, names, shown) in places.items():
            try:
                stores[store] = _Store(stack.enter_context(folder_path(start, names)), shown)
            except Refused as e:
                stores[store] = _Store(None, e.where or shown, refusal(e.reason, "a folder"))
        yield stores


def _text_bytes(stores: dict[str, _Store], text_path: str) -> tuple[bytes, str] | None:
    """The archived text's bytes and its file as problems name it; None when it is not on this
    machine, or its path is unsafe (the schema's pattern reports that). CurationError when what
    stands at its name (or its folder) is refused."""
    try:
        store_name, name = _split_text_path(text_path)
    except ValueError:
        return None
    store = stores[store_name]
    if store.refused:
        raise CurationError.at(store.shown, None, store.refused, "file_refused")
    if store.fd is None:
        return None
    shown = f"{store.shown}/{name}"
    try:
        data = read_regular(name, store.fd)
    except Refused as e:
        raise CurationError.at(shown, None, refusal(e.reason), "file_refused") from None
    return None if data is None else (data, shown)


def _not_utf8(shown: str, data: bytes, error: UnicodeDecodeError) -> CurationError:
    line = data.count(b"\n", 0, error.start) + 1
    return CurationError.at(Location(shown, line), None, f"not valid UTF-8 (byte 0x{data[error.start]:02x} "
                            f"at offset {error.start}): save the archived text as UTF-8", "not_utf8")


@dataclass(frozen=True)
class ArchivedText:
    sha256: str
    spaced: bytes  # see spaced_utf8


def _read_text(stores: dict[str, _Store], text_path: str) -> ArchivedText | None:
    """The archived text, or None when it is not available on this machine; CurationError when
    it is refused or not valid UTF-8. Plain os calls: file objects and pathlib took a third of
    the time of reading 20,000 texts."""
    found = _text_bytes(stores, text_path)
    if found is None:
        return None
    data, shown = found
    try:
        spaced = spaced_utf8(data)
    except UnicodeDecodeError as e:
        raise _not_utf8(shown, data, e) from None
    return ArchivedText(hashlib.sha256(data).hexdigest(), spaced)


def read_archived_text(root: Path, text_path: str) -> str:
    """One archived text, whole; CurationError when it is missing, refused or not valid UTF-8."""
    with _stores(root) as stores:
        found = _text_bytes(stores, text_path)
    if found is None:
        raise CurationError.at(text_path, None, "archived text not found", "text_missing")
    data, shown = found
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise _not_utf8(shown, data, e) from None


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
    """The archived texts of text_paths (see texts_table), each read once; a text not on this
    machine is left out. Raises CurationError naming every text that is refused (a link, a
    folder, a pipe, a device) or not valid UTF-8, once all are read; raises Cancelled before
    the next text once `stop` is set."""
    refused: list[Problem] = []
    with _stores(root) as stores:
        def texts() -> Iterable[tuple[str, ArchivedText | None]]:
            for p in sorted(set(text_paths)):
                Cancelled.unless_going_on(stop)
                try:
                    yield p, _read_text(stores, p)
                except CurationError as e:
                    refused.extend(e.problems)
        table = texts_table(texts())
    if refused:
        raise CurationError(list(dict.fromkeys(refused)))  # a refused folder once, not per text
    return table


def read_list_rows(root: Path, text_paths: Iterable[str], stop: threading.Event | None = None) -> pa.Table:
    """The rows of the archived texts of official lists (`text_kind: list_rows`, see
    flows.build.list_rows): text_path, locator and the row with its whitespace normalised. A
    text not on this machine, refused or not UTF-8 has none (read_texts reports it)."""
    from flows.build.list_rows import rows

    paths: list[str] = []
    locators: list[str] = []
    texts: list[str] = []
    with _stores(root) as stores:
        for path in sorted(set(text_paths)):
            Cancelled.unless_going_on(stop)
            try:
                found = _text_bytes(stores, path)
                text = found[0].decode("utf-8") if found is not None else ""
            except (CurationError, UnicodeDecodeError):
                continue
            for where, row in rows(text):
                paths.append(path)
                locators.append(where)
                texts.append(normalise(row))
    return list_rows_table(paths, locators, texts)


def list_rows_table(paths: list[str], locators: list[str], rows: list[str]) -> pa.Table:
    """The rows of archived lists as a table: text_path, locator, row."""
    return pa.Table.from_arrays([_strings(paths), _strings(locators), _strings(rows)],
                                names=["text_path", "locator", "row"])


def int64_array(values: list[int]) -> pa.Array:
    """Positions as an Arrow array (without pa.array, which imports pandas)."""
    return _int64s(np.array(values, np.int64))


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
