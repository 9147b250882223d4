"""EDTF strings → earliest and latest possible dates, with the `edtf` library.

Rules beyond the library:
- an interval is split at `/` and each end parsed alone; an open end (`..`) or an unknown end
  (empty) has no bound, so its earliest/latest is null (the library cannot bound them);
- one unspecified digit (`2022-10-2X`, EDTF level 2) is refused: write `2022-10-XX`, or the
  interval `2022-10-20/2022-10-29`;
- bounds are the strict ones: `2022-08~` spans August 2022, its approximation is kept in the
  string, not widened into the dates.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

from edtf import parse_edtf, struct_time_to_date

_PARTIAL_DIGIT = re.compile(r"\d[X]|[X]\d")


class EDTFError(ValueError):
    pass


def _parse_one(text: str) -> tuple[dt.date, dt.date]:
    if _PARTIAL_DIGIT.search(text):
        raise EDTFError(f"{text!r}: one unspecified digit is not supported; use a whole unspecified "
                        "part (2022-10-XX) or an interval (2022-10-20/2022-10-29)")
    try:
        parsed = parse_edtf(text)
        return struct_time_to_date(parsed.lower_strict()), struct_time_to_date(parsed.upper_strict())
    except Exception as e:  # the library raises several types for bad input
        raise EDTFError(f"{text!r} is not a valid EDTF date (e.g. 2022-10-17, 2022-10, 2022-08~, "
                        f"2022-07/2022-08, 2022-08/..)") from e


@lru_cache(maxsize=65536)
def edtf_bounds(text: str) -> tuple[dt.date | None, dt.date | None]:
    """Earliest and latest date an EDTF string allows (None where it is open or unknown)."""
    text = text.strip()
    if not text:
        raise EDTFError("empty date")
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
