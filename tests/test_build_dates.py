import datetime as dt

import pytest

from flows.build.dates import EDTFError, edtf_bounds

D = dt.date


@pytest.mark.parametrize("text,lo,hi", [
    ("2022-10-17", D(2022, 10, 17), D(2022, 10, 17)),
    ("2022-07", D(2022, 7, 1), D(2022, 7, 31)),
    ("2022-08~", D(2022, 8, 1), D(2022, 8, 31)),
    ("2022", D(2022, 1, 1), D(2022, 12, 31)),
    ("2022-10-XX", D(2022, 10, 1), D(2022, 10, 31)),
    ("2022-XX", D(2022, 1, 1), D(2022, 12, 31)),
    ("2022-XX-XX", D(2022, 1, 1), D(2022, 12, 31)),
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


# --- issue 17: one module for dates -----------------------------------------------------------

import os  # noqa: E402
import re  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from flows.build.dates import _fast_bounds, library_bounds, list_date, shared_prefix  # noqa: E402
from flows.importers.identity import date_key  # noqa: E402

# The library parses ~20 ms a string: enough examples to cover every branch, derandomised
# (more with FLOWS_FUZZ_EXAMPLES, as `make test-long` sets it).
SAME_AS_LIBRARY = settings(max_examples=int(os.environ.get("FLOWS_FUZZ_EXAMPLES", "150")), deadline=None,
                           derandomize=True)

years = st.integers(0, 9999).map(lambda y: f"{y:04d}")
months = st.one_of(st.integers(0, 13).map(lambda m: f"{m:02d}"), st.just("XX"))
days = st.one_of(st.integers(0, 32).map(lambda d: f"{d:02d}"), st.just("XX"))
# year, year-month or year-month-day, with impossible and unspecified months and days among them
plain = st.one_of(years, st.tuples(years, months).map("-".join), st.tuples(years, months, days).map("-".join))
qualifier = st.sampled_from(["", "~", "?", "%"])
open_end = st.sampled_from(["", ".."])
interval_end = st.one_of(plain, open_end, st.tuples(plain, qualifier).map("".join))


def _library_or_refusal(text: str):
    try:
        return library_bounds(text)
    except EDTFError:
        return "refused"


@SAME_AS_LIBRARY
@given(text=st.one_of(st.tuples(plain, qualifier).map("".join),
                      st.tuples(interval_end, interval_end).map("/".join)))
def test_the_fast_path_gives_the_library_bounds(text):
    fast, library = _fast_bounds(text), _library_or_refusal(text)
    if fast is not None:
        assert fast == library
    # the fast path takes every form it is for: a plain date, or an interval of unqualified or open ends
    start, slash, end = text.partition("/")
    taken = lambda part: not part.endswith(("~", "?", "%")) or not slash  # noqa: E731
    unknown_month_known_day = re.search(r"-XX-\d", text)
    if library != "refused" and taken(start) and taken(end) and not unknown_month_known_day:
        assert fast is not None, text


@pytest.mark.parametrize("text", ["2022-13", "2022-02-29", "0000", "2022-00", "2022-10-00", "2022-10/2022-09",
                                  "2022-13-XX", "2022-XX-2X"])
def test_the_fast_path_leaves_impossible_dates_to_the_library(text):
    assert _fast_bounds(text) is None
    with pytest.raises(EDTFError):
        edtf_bounds(text)


@settings(max_examples=300, derandomize=True)
@given(day=st.dates(min_value=D(1, 1, 1)), precision=st.sampled_from([4, 7, 10]))
def test_the_shared_prefix_of_a_plain_dates_bounds_is_the_date(day, precision):
    text = day.isoformat()[:precision]
    assert shared_prefix(*edtf_bounds(text)) == text


@pytest.mark.parametrize("lo,hi,prefix", [
    (D(2022, 10, 1), D(2022, 10, 15), "2022-10"),
    (D(2022, 1, 1), D(2022, 12, 31), "2022"),
    (D(2021, 12, 1), D(2022, 1, 31), None),
    (D(2022, 8, 1), None, None),
])
def test_shared_prefix(lo, hi, prefix):
    assert shared_prefix(lo, hi) == prefix


def test_plain_dates_and_open_intervals_do_not_import_the_edtf_library():
    code = ("import sys; from flows.build.dates import edtf_bounds; "
            "[edtf_bounds(t) for t in ('2022', '2022-10~', '2022-10-17', '2022-07/2022-08', '2022-08/..', '/2022-10', '2022-10-XX', '2022-XX')]; "
            "print('edtf' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


@pytest.mark.parametrize("value,iso", [
    ("27 Sep 1964", "1964-09-27"),
    ("1 september 1964", "1964-09-01"),
    ("27  Sep 1964 ", "1964-09-27"),
    ("Sep 1964", "1964-09"),
    ("September 1964", "1964-09"),
    ("1964", "1964"),
    ("1964-09", "1964-09"),
    ("1964-09-27", "1964-09-27"),
    ("1964-9-27", "1964-09-27"),
    ("circa 1950", None),
    ("1968 (approximately)", None),
    ("1960 to 1965", None),
    ("2022-02-30", None),
    ("2022-13", None),
    ("31 Feb 1964", None),
    ("", None),
])
def test_list_dates(value, iso):
    assert list_date(value) == iso


def test_a_birth_date_is_one_key_however_a_list_writes_it():
    assert date_key("Sep 1964") == date_key("1964-09") == "1964-09"
    assert date_key("27 Sep 1964") == date_key("1964-09-27") == date_key(" 27 september 1964")
    assert date_key("Circa 1950") == date_key("1950 (approximately)") == "1950"  # qualifiers left out
    assert date_key("Early 1950s") == "early 1950s"  # not a date: compared as written, case folded
