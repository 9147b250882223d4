"""Dates, in one place: EDTF strings → earliest and latest dates; list dates → ISO prefixes.

EDTF, with the `edtf` library as the parser of record. Rules beyond the library:
- an interval is split at `/` and each end parsed alone; an open end (`..`) or an unknown end
  (empty) has no bound, so its earliest/latest is null (the library cannot bound them);
- one unspecified digit (`2022-10-2X`, EDTF level 2) is refused: write `2022-10-XX`, or the
  interval `2022-10-20/2022-10-29`;
- bounds are the strict ones: `2022-08~` spans August 2022, its approximation is kept in the
  string, not widened into the dates.
The plain forms most dates take (2022, 2022-10, 2022-10-17, 2022-10-XX, with an optional ~ ? or
%, and intervals of unqualified ones, open or not) are bounded directly, to the library's results
(tests/test_build_dates.py): its parser takes ~20 ms a string and ~80 ms to import.

List dates (a sanctions list's `27 Sep 1964`, `Sep 1964`, `1964-09-27`) are read by
`prefixdate`, OpenSanctions' library, which FollowTheMoney also uses.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from functools import lru_cache

from prefixdate import parse_formats

_PARTIAL_DIGIT = re.compile(r"\d[X]|[X]\d")
_OPEN = ("", "..")  # an interval's open or unknown end
_PLAIN = re.compile(r"(\d{4})(?:-(\d{2}|XX)(?:-(\d{2}|XX))?)?([~?%]?)")
Bounds = tuple[dt.date | None, dt.date | None]


class EDTFError(ValueError):
    pass


def _plain_bounds(text: str, qualified: bool = True) -> tuple[dt.date, dt.date] | None:
    """Bounds of YYYY, YYYY-MM or YYYY-MM-DD, a month or day of them unspecified (XX), with a
    qualifier if `qualified`; None for anything else, an impossible date included: the library
    words its refusal."""
    m = _PLAIN.fullmatch(text)
    if not m or (m.group(4) and not qualified):
        return None
    year, month, day = m.group(1, 2, 3)
    if month == "XX":
        if day not in (None, "XX"):  # a known day of an unknown month
            return None
        month = day = None
    elif day == "XX":
        day = None
    y = int(year)
    try:
        if day:
            d = dt.date(y, int(month), int(day))
            return d, d
        if month:
            mo = int(month)
            return dt.date(y, mo, 1), dt.date(y, mo, calendar.monthrange(y, mo)[1])
        if y >= 1:
            return dt.date(y, 1, 1), dt.date(y, 12, 31)
    except ValueError:
        pass
    return None


def _fast_bounds(text: str) -> Bounds | None:
    """The bounds of a plain date, or of an interval whose ends are unqualified plain dates or
    open (`..`) or unknown (empty); None for anything else."""
    if (plain := _plain_bounds(text)) is not None:
        return plain
    start, slash, end = text.partition("/")
    if not slash or (start in _OPEN and end in _OPEN):
        return None
    lo = (None, None) if start in _OPEN else _plain_bounds(start, qualified=False)
    hi = (None, None) if end in _OPEN else _plain_bounds(end, qualified=False)
    if lo is None or hi is None or (lo[0] and hi[1] and lo[0] > hi[1]):
        return None
    return lo[0], hi[1]


def _parse_one(text: str) -> tuple[dt.date, dt.date]:
    if _PARTIAL_DIGIT.search(text):
        raise EDTFError(f"{text!r}: one unspecified digit is not supported; use a whole unspecified "
                        "part (2022-10-XX) or an interval (2022-10-20/2022-10-29)")
    from edtf import parse_edtf, struct_time_to_date  # only off the fast path: slow to import

    try:
        parsed = parse_edtf(text)
        return struct_time_to_date(parsed.lower_strict()), struct_time_to_date(parsed.upper_strict())
    except Exception as e:  # the library raises several types for bad input
        raise EDTFError(f"{text!r} is not a valid EDTF date (e.g. 2022-10-17, 2022-10, 2022-08~, "
                        f"2022-07/2022-08, 2022-08/..)") from e


def library_bounds(text: str) -> Bounds:
    """`edtf_bounds` by the `edtf` library alone (no fast path)."""
    if "/" in text and not text.startswith("["):
        start, _, end = text.partition("/")
        lo = None if start in ("", "..") else _parse_one(start)[0]
        hi = None if end in ("", "..") else _parse_one(end)[1]
        if lo is None and hi is None:
            raise EDTFError(f"{text!r}: an interval needs at least one known end")
    else:
        lo, hi = _parse_one(text)
    if lo and hi and lo > hi:
        raise EDTFError(f"{text!r}: its start is after its end")
    return lo, hi


@lru_cache(maxsize=65536)
def edtf_bounds(text: str) -> Bounds:
    """Earliest and latest date an EDTF string allows (None where it is open or unknown)."""
    text = text.strip()
    if not text:
        raise EDTFError("empty date")
    fast = _fast_bounds(text)
    return fast if fast is not None else library_bounds(text)


def shared_prefix(earliest: dt.date | None, latest: dt.date | None) -> str | None:
    """The longest ISO prefix (day, month, year) two bounds share: 2022-10-01..2022-10-31 → 2022-10;
    None when a bound is unknown or they differ in the year."""
    if earliest is None or latest is None:
        return None
    a, b = earliest.isoformat(), latest.isoformat()
    return next((a[:n] for n in (10, 7, 4) if a[:n] == b[:n]), None)


# The forms sanctions lists write dates in; a qualified one (`circa 1950`, `1968 (approximately)`,
# `1960 to 1965`) is not a date.
_LIST_FORMATS = ("%Y-%m-%d", "%Y-%m", "%Y", "%d %b %Y", "%d %B %Y", "%b %Y", "%B %Y")


def list_date(value: str) -> str | None:
    """A list's date as an ISO date at the precision it gives (`27 Sep 1964` → 1964-09-27,
    `Sep 1964` → 1964-09, `1964` → 1964), or None for anything else."""
    return parse_formats(value.strip(), _LIST_FORMATS).text


# A day-first list date (the UK lists: `20/10/2022`, `29-06-2012`), where `00` stands for an
# unknown day or month (`00/06/1960`, `00/00/1964`) and the day or month may be left out
# (`06/1960`, `1964`).
_DAY_FIRST = re.compile(r"(?:(?:(\d{1,2})[/-])?(\d{1,2})[/-])?(\d{4})")


def day_first_date(value: str) -> str | None:
    """A day-first date as an ISO date at the precision it gives (`00/06/1960` → 1960-06,
    `00/00/1964` → 1964, `20/10/2022` → 2022-10-20), or None for anything else (an impossible
    date included). A known day of an unknown month gives the year alone."""
    m = _DAY_FIRST.fullmatch(value.strip())
    if m is None:
        return None
    day, month, year = (int(g) if g else 0 for g in m.groups())
    try:
        if month == 0:
            return dt.date(year, 1, 1).isoformat()[:4]
        if day == 0:
            return dt.date(year, month, 1).isoformat()[:7]
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None
