"""The data version and what a new release must bump: semantic versioning of the data.

A removed or renamed field (or table) breaks readers: a major bump. New records, fields or
tables: at least minor. Corrections (rows changed or withdrawn): at least patch. The version is
set in ONE place, `data/raw/package.yaml`; `datapackage.json` carries it, and `pyproject.toml`
(the wheel's version) and `CITATION.cff` must repeat it (`flows release` refuses otherwise).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

LEVELS = ("patch", "minor", "major")  # in rising order
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")


class VersionError(ValueError):
    """A version that is not MAJOR.MINOR.PATCH, or a bump too small for the changes: one line."""


def parse(version: str) -> tuple[int, int, int]:
    m = SEMVER.match(str(version))
    if not m:
        raise VersionError(f"version {version!r} is not MAJOR.MINOR.PATCH (e.g. 1.4.0)")
    return int(m[1]), int(m[2]), int(m[3])


def bump_level(old: str, new: str) -> str:
    """Which part went up from old to new (VersionError when new is not above old)."""
    a, b = parse(old), parse(new)
    if b <= a:
        raise VersionError(f"version {new} is not above the previous release's {old}: bump it in "
                           "data/raw/package.yaml")
    return "major" if b[0] > a[0] else "minor" if b[1] > a[1] else "patch"


def schema_fields(descriptor: dict[str, Any]) -> dict[str, list[str]]:
    """Table → field names, from a datapackage.json."""
    return {r["name"]: [f["name"] for f in r.get("schema", {}).get("fields", [])]
            for r in descriptor.get("resources", []) if isinstance(r, dict) and "name" in r}


@dataclass
class Needed:
    level: str | None  # the least bump the changes need (None: nothing changed)
    reasons: list[str]  # why, the weightiest first


def needed_bump(old: dict[str, Any], new: dict[str, Any], added_rows: int, changed_rows: int) -> Needed:
    """The least bump from the old descriptor's schema to the new one, given how many rows
    were added and how many changed or removed (from `flows diff`)."""
    a, b = schema_fields(old), schema_fields(new)
    major = [f"table {t} removed" for t in a if t not in b]
    major += [f"field {t}.{f} removed or renamed" for t in a if t in b for f in a[t] if f not in b[t]]
    minor = [f"table {t} added" for t in b if t not in a]
    minor += [f"field {t}.{f} added" for t in b if t in a for f in b[t] if f not in a[t]]
    if added_rows:
        minor.append(f"{added_rows} row(s) added")
    patch = [f"{changed_rows} row(s) changed or removed"] if changed_rows else []
    for level, reasons in (("major", major), ("minor", minor), ("patch", patch)):
        if reasons:
            return Needed(level, major + minor + patch)
    return Needed(None, [])


def check_bump(old_version: str, new_version: str, needed: Needed) -> str:
    """The bump made, if it is at least the one needed; VersionError saying why otherwise."""
    made = bump_level(old_version, new_version)
    if needed.level and LEVELS.index(made) < LEVELS.index(needed.level):
        raise VersionError(f"version {old_version} → {new_version} is a {made} bump, but the changes "
                           f"need a {needed.level} one ({'; '.join(needed.reasons[:3])}): bump it in "
                           "data/raw/package.yaml and run `flows build`")
    return made
