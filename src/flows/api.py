"""The Python API: the published release as pandas frames, a read-only DuckDB connection, one
record with its evidence. `import flows` loads none of this; the first call does.

The release read is, in a clone, the package root the module lives in (after `make build`);
in an installed wheel, the copy of the release shipped inside it (flows/_data/: datapackage.json,
data/processed/ with the Parquet files and the SQL). `root=` reads any other package root.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from flows.publish.descriptor import PROCESSED

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

    from flows.views.show import Match, RecordDetail

PACKAGED = Path(__file__).parent / "_data"  # where a wheel carries the release (setup.py)


def _is_release(folder: Path) -> bool:
    return (folder / "datapackage.json").is_file() and (folder / PROCESSED / "records.parquet").is_file()


def data_root(root: str | Path | None = None) -> Path:
    """The package root read: `root` if given, else the clone this module lives in, else the
    release shipped in the installed wheel. FileNotFoundError when there is none."""
    if root is not None:
        folder = Path(root).resolve()
        if not _is_release(folder):
            raise FileNotFoundError(f"{folder}: no published release (datapackage.json and "
                                    f"{PROCESSED}/*.parquet): run `flows build` there first")
        return folder
    clone = Path(__file__).resolve().parents[2]
    for folder in (clone, PACKAGED):
        if _is_release(folder):
            return folder
    raise FileNotFoundError(f"no published release: neither {clone} (a clone: run `make build`) "
                            f"nor {PACKAGED} (an installed wheel) holds one")


@contextmanager
def _held(root: Path) -> Iterator[None]:
    """A clone's release held still while it is read (an interrupted publish finished first, or
    refused); the copy inside a wheel is never published to, and its folder may be read-only."""
    if root == PACKAGED:
        yield
        return
    from flows.publish.release import reading_release

    with reading_release(root):
        yield


def data_version(root: str | Path | None = None) -> str:
    """The data version of the release (datapackage.json `version`)."""
    folder = data_root(root)
    return str(json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))["version"])


def read(name: str, root: str | Path | None = None) -> pd.DataFrame:
    """A published table as a pandas DataFrame, each column in its schema's dtype; or a view of
    `flows views` (e.g. "claim_details") as DuckDB returns it."""
    from flows.schema.definition import TABLES

    folder = data_root(root)
    if name not in TABLES:
        with connect(folder) as con:
            known = {n for n, _ in _view_names(con)}
            if name not in known:
                raise KeyError(f"no table or view {name!r}; tables: {', '.join(TABLES)}; "
                               f"views: {', '.join(sorted(known))}")
            return con.execute(f'SELECT * FROM "{name}"').df()
    import pyarrow.parquet as pq

    from flows.schema.dtypes import typed_frame

    with _held(folder):
        arrow = pq.read_table(folder / PROCESSED / f"{name}.parquet")
    return typed_frame(TABLES[name], arrow.to_pandas())


def _view_names(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    from flows.views.query import list_views

    return [(n, d) for n, d in list_views(con) if "(" not in n]


def connect(root: str | Path | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only DuckDB connection to the release, with its tables and views (`flows views`
    lists them); no query can change a file or reach a network. Close it when done (or use it
    in a `with` block). A clone's flows.duckdb is opened; a release without one (a fresh clone,
    a wheel) is loaded into memory from its Parquet files."""
    from flows.views.query import connect_from_parquet, connect_release

    folder = data_root(root)
    with _held(folder):
        return connect_from_parquet(folder) if folder == PACKAGED else connect_release(folder)


def find(text: str, root: str | Path | None = None) -> list[Match]:
    """The records whose id, label or an alias contains `text` (any case): each with its id,
    type, label and the name that matched; a name equal to `text` first."""
    from flows.views.show import find_records

    with connect(root) as con:
        return find_records(con, text)


def record(wanted: str, root: str | Path | None = None) -> RecordDetail:
    """One record with everything the package says about it: fields, nested rows (aliases...),
    every claim with its source, links in and out. `wanted` is an id, or a name or alias
    ("Shahed-136", "Geran-2"); a name shared by several records raises AmbiguousRecord,
    an unknown one RecordNotFound (both LookupError)."""
    from flows.views.show import record_detail, resolve_record

    with connect(root) as con:
        return record_detail(con, resolve_record(con, wanted))
