import datetime as dt

import pytest

from flows.dates import EDTFError, edtf_bounds

D = dt.date


@pytest.mark.parametrize("text,lo,hi", [
    ("2022-10-17", D(2022, 10, 17), D(2022, 10, 17)),
    ("2022-07", D(2022, 7, 1), D(2022, 7, 31)),
    ("2022-08~", D(2022, 8, 1), D(2022, 8, 31)),
    ("2022", D(2022, 1, 1), D(2022, 12, 31)),
    ("2022-10-XX", D(2022, 10, 1), D(2022, 10, 31)),
    ("2021-08/2022-10", D(2021, 8, 1), D(2022, 10, 31)),
    ("2022-10-21/2022-10-23", D(2022, 10, 21), D(2022, 10, 23)),
    ("2022-08/..", D(2022, 8, 1), None),
    ("../2022-08", None, D(2022, 8, 31)),
    ("2024-02", D(2024, 2, 1), D(2024, 2, 29)),
])
def test_bounds(text, lo, hi):
    assert edtf_bounds(text) == (lo, hi)


@pytest.mark.parametrize("text,message", [
    ("2022-10-2X", "one unspecified digit"),
    ("2022-13", "not a valid EDTF date"),
    ("2022-02-30", "not a valid EDTF date"),
    ("17 October 2022", "not a valid EDTF date"),
    ("2022-10/2022-09", "start is after its end"),
    ("../..", "at least one known end"),
    ("", "empty date"),
])
def test_refused(text, message):
    with pytest.raises(EDTFError, match=message):
        edtf_bounds(text)
