"""flows.rules.date_rules: `flows check` refuses a published EDTF string the build would refuse,
and earliest/latest dates that are not the ones the build derives from their string (each planted
in a Parquet file re-hashed into datapackage.json: tests/hostile.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from flows.build.dates import edtf_bounds
from flows.publish.descriptor import PROCESSED
from hostile import check_lines, rewrite_table, set_cells

D = dt.date


def _dated_source(root: Path) -> tuple[str, str]:
    """A source with a publication date, and that date."""
    rows = pq.read_table(root / PROCESSED / "sources.parquet", columns=["source_id", "published"]).to_pylist()
    return next((r["source_id"], r["published"]) for r in rows if r["published"])


def _refused(package: Path, cells: dict, field: str, says: str) -> None:
    source_id, _ = _dated_source(package)
    set_cells(package, "sources", source_id, **cells)
    code, lines = check_lines(package)
    wanted = f"{PROCESSED}/sources.parquet [{source_id}]: {field}: "
    assert code == 1 and any(line.startswith(wanted) and says in line for line in lines), lines


def test_check_refuses_a_latest_date_that_is_not_the_strings(package: Path):
    """One wrong date, for `make test-fast`; the trust trial below plants each kind."""
    _refused(package, dict(published="2022-10", published_earliest=D(2022, 10, 1), published_latest=D(2022, 10, 30)),
             "published_latest", "2022-10-30 is not the latest date of '2022-10' (the build derives 2022-10-31)")


@pytest.mark.slow  # the trust trial: a check of a published date made wrong in each way
@pytest.mark.parametrize("cells,field,says", [
    (dict(published="2022-13"), "published", "not a valid EDTF date"),
    (dict(published="2022-10-2X"), "published", "one unspecified digit"),
    (dict(published="17 October 2022"), "published", "not a valid EDTF date"),
    (dict(published="2022-10/2022-09", published_earliest=D(2022, 9, 1), published_latest=D(2022, 9, 30)),
     "published", "start is after its end"),
    # bounds in order, but not the string's
    (dict(published="2022-10", published_earliest=D(2022, 10, 1), published_latest=D(2022, 10, 30)),
     "published_latest", "2022-10-30 is not the latest date of '2022-10' (the build derives 2022-10-31)"),
    (dict(published="2022-10", published_earliest=D(2022, 9, 1), published_latest=D(2022, 10, 31)),
     "published_earliest", "2022-09-01 is not the earliest date"),
    (dict(published="2022-08/..", published_earliest=D(2022, 8, 1), published_latest=D(2022, 8, 31)),
     "published_latest", "is not the latest date of '2022-08/..' (the build derives null)"),
    (dict(published=None, published_earliest=D(2022, 8, 1), published_latest=D(2022, 8, 31)),
     "published_earliest", "2022-08-01 is not the earliest date of None"),
    (dict(published="2022-08", published_earliest=None, published_latest=None),
     "published_earliest", "null is not the earliest date of '2022-08'"),
])
def test_check_refuses_a_wrong_published_date(package: Path, cells: dict, field: str, says: str):
    _refused(package, cells, field, says)


def test_check_accepts_a_date_replaced_by_another_with_its_own_bounds(package: Path):
    source_id, published = _dated_source(package)
    other = "2021-03-04" if published != "2021-03-04" else "2021-03"
    lo, hi = edtf_bounds(other)
    set_cells(package, "sources", source_id, published=other, published_earliest=lo, published_latest=hi)
    code, lines = check_lines(package)
    assert not any(": published" in line for line in lines), lines


def test_each_wrong_date_names_at_most_five_rows(package: Path):
    def spoil(rows: list[dict]) -> list[dict]:
        for r in rows:
            r.update(claimed="2022-10", claimed_earliest=D(2022, 10, 1), claimed_latest=D(2022, 10, 30))
        return rows
    rewrite_table(package, "claims", spoil)
    claims = pq.read_metadata(package / PROCESSED / "claims.parquet").num_rows
    code, lines = check_lines(package)
    named = [line for line in lines if ": claimed_latest: " in line]
    assert code == 1 and len(named) == min(5, claims), lines
