"""Values as people read them: an EDTF date in words ("summer 2024", "about September 2024",
"August to October 2022") an enum value as words ("list_row" → "list row"), and the web addresses a page may link to. The report and
the site show these beside the stored value, never instead of it."""

from __future__ import annotations

import re
from functools import lru_cache

from flows.build.dates import EDTFError, edtf_bounds

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")
SEASONS = {21: "spring", 22: "summer", 23: "autumn", 24: "winter"}  # EDTF level 1 seasons
_POINT = re.compile(r"^(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2}))?)?(?P<qualifier>[~?%]?)$")


def enum_words(value: object) -> str:
    """An enum value as words: `neither_confirms_nor_denies` → "neither confirms nor denies"."""
    return "" if value is None else str(value).replace("_", " ")


def _point_parts(value: str) -> tuple[str, str | None, str | None, str] | None:
    m = _POINT.match(value)
    return (m["year"], m["month"], m["day"], m["qualifier"]) if m else None


def _point_words(year: str, month: str | None, day: str | None, qualifier: str,
                 with_year: bool = True) -> str:
    m = int(month) if month else None
    if m in SEASONS:
        words = f"{SEASONS[m]} {year}" if with_year else SEASONS[m]
    elif m:
        words = MONTHS[m - 1] + (f" {year}" if with_year else "")
        if day:
            words = f"{int(day)} {words}"
    else:
        words = year
    return {"~": f"about {words}", "?": f"{words} (uncertain)",
            "%": f"about {words} (uncertain)"}.get(qualifier, words)


@lru_cache(maxsize=4096)
def edtf_words(value: str | None) -> str:
    """An EDTF date or interval in words; a value that is not EDTF comes back as it is.

    "2022-10-17" → "17 October 2022"; "2024-22" → "summer 2024"; "2024-09~" → "about
    September 2024"; "2022-08/2022-10" → "August to October 2022"; "../2022-10" → "up to
    October 2022"; "2023-08-16/.." → "from 16 August 2023 on"; "/2022-10" (start unknown) →
    "up to October 2022, start unknown"."""
    if not value:
        return ""
    try:
        edtf_bounds(value)  # the build's own EDTF rules (flows.build.dates): what it refuses is not EDTF
    except EDTFError:
        return value
    if "/" not in value:
        parts = _point_parts(value)
        return _point_words(*parts) if parts else value
    start, end = value.split("/", 1)
    first, last = _point_parts(start), _point_parts(end)
    if first is None and last is not None:
        return f"up to {_point_words(*last)}" + (", start unknown" if start == "" else "")
    if last is None and first is not None:
        return f"from {_point_words(*first)}" + (" on" if end == ".." else ", end unknown")
    if first is None or last is None:
        return value
    (year, month, day, qualifier), (end_year, end_month, end_day, _) = first, last
    if year == end_year and not qualifier and month and end_month:  # the year said once
        if not day and not end_day and int(month) <= 12 and int(end_month) <= 12:
            return f"{_point_words(*first, with_year=False)} to {_point_words(*last)}"
        if day and end_day and month == end_month:
            return f"{int(day)} to {_point_words(*last)}"
    return f"{_point_words(*first)} to {_point_words(*last)}"


_OPENING_MARKS = "\"“”„«‘'"


def quoted_already(evidence: str) -> bool:
    """Whether a quote's text opens with its own quotation mark ("“We have …,” the minister
    said"): a page then sets no marks of its own around it, which would double them."""
    s = evidence.strip()
    return bool(s) and s[0] in _OPENING_MARKS


def web_address(url: object) -> str | None:
    """A web address (http, https) a page may link to; never javascript:, data:, file:."""
    if isinstance(url, str) and url.lower().startswith(("http://", "https://")) and url == url.strip():
        return url
    return None
