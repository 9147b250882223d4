"""Errors a curator can act on: each names the file, the line and the field, and has a stable
code (CODES) that programs decide by; the message is for people."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass


@dataclass(frozen=True, order=True)
class Location:
    file: str  # relative to the project root where possible
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


# Every problem code, with what it means. A code is never renamed once published (tools match on
# it); the list is generated into docs/problems.md (tests/test_problems.py keeps it in step).
CODES: dict[str, str] = {
    "problem": "Any other problem (its message says what): the importers and the publisher have "
               "no finer codes yet.",
    # curation files as read (flows.build.load, flows.build.texts)
    "raw_missing": "There is no data/raw folder at the root.",
    "file_refused": "A curation file, archived text or folder is a link, pipe, device or socket (never read).",
    "stray_entry": "Something in data/raw that is not a curation file or folder.",
    "not_utf8": "A curation file or archived text is not valid UTF-8.",
    "file_empty": "A curation file is empty.",
    "yaml_invalid": "A curation file is not valid YAML.",
    "yaml_form": "A YAML form curation files do not use: a number not in plain decimal, a date that does not "
                 "exist, an anchor, alias, tag or merge key.",
    "curation_shape": "A curation file, record or entry is not the list or mapping it must be.",
    "unknown_field": "A key the schema does not define.",
    "wrong_type": "A value of the wrong type for its field (text, date, number, true/false).",
    "source_id_name": "A source's id is not the one its file's name gives.",
    "claim_id": "A claim's own id is not usable text.",
    # field constraints: the schema's rules on one value (flows.schema.constraints)
    "required": "A required value is missing.",
    "enum": "A value is not one of the values its field allows.",
    "pattern": "A value does not match its field's pattern.",
    "minimum": "A number is below its field's minimum.",
    "too_short": "A text holds too few characters other than whitespace.",
    "duplicate_key": "Two rows of a table have the same primary key.",
    "layout": "A table's columns, their order or their types are not the schema's.",
    # rules across tables (flows.rules.validate.RULES)
    "unknown_reference": "A foreign key names a row its target table does not have.",
    "range_order": "A range's low, best and high figures are out of order.",
    "date_order": "A date's earliest bound is after its latest.",
    "edtf": "A date is not a valid EDTF string, or its earliest/latest dates are not the ones it gives.",
    "country_code": "A country code is not an ISO 3166-1 alpha-2 code.",
    "registry_stale": "The records registry lists a record its record table does not have.",
    "registry_missing": "A record is missing from the records registry.",
    "no_claim": "A record has no claim.",
    "claim_field": "A claim names a field its record does not have.",
    "evidence_kind": "A claim's evidence type does not suit its source's text kind.",
    "quote_too_few_words": "A quote has fewer words than a quote needs.",
    "quote_not_found": "A quote or list row is not found verbatim in its source's archived text.",
    "list_row_not_found": "A claim on an official list's archived rows names no row of it, or its evidence is not in that row.",
    "text_unavailable": "A claim's archived text is not on this machine: its evidence is unverified.",
    "text_missing": "A source's archived text is not found.",
    "text_changed": "A source's archived text changed since the build.",
    "same_supplier_recipient": "A transfer's supplier and recipient are the same actor.",
    "duplicate_link": "The same relation is recorded by two links.",
    # `flows check`: the published files against what the build writes
    "descriptor_missing": "datapackage.json is missing.",
    "descriptor_unreadable": "datapackage.json cannot be read as a data package.",
    "descriptor_differs": "datapackage.json differs from the descriptor the build writes for the published files.",
    "resource_missing": "datapackage.json has no resource for a table.",
    "resource_unknown": "datapackage.json has a resource for no table.",
    "schema_differs": "A resource's schema differs from the schema the code defines.",
    "file_missing": "A published file is missing.",
    "file_changed": "A published file's sha256 differs from datapackage.json.",
    "file_unreadable": "A published Parquet file cannot be read.",
    "file_differs": "A published SQL file differs from what the build generates.",
    "package_yaml": "data/raw/package.yaml is not a valid package description.",
    "readme_unmarked": "README.md has no markers for its generated sections.",
    "readme_differs": "A generated section of README.md differs from what the published tables give.",
    "database_undigested": "flows.duckdb has no readable digests beside it (flows.duckdb.digests.json), or they have no database.",
    "database_unreadable": "flows.duckdb is not a readable DuckDB database.",
    "database_differs": "flows.duckdb differs from its digests, or was built from other Parquet files.",
}
GENERIC = "problem"

_FILE_LINE = re.compile(r"^(?P<file>.+):(?P<line>[1-9][0-9]*)$")
_FILE_KEY = re.compile(r"^(?P<file>\S+) \[(?P<key>.*)\]$")
_PUBLISHED_TABLE = re.compile(r"^data/processed/(?P<table>[a-z_]+)\.parquet$")


@dataclass(frozen=True)
class Problem:
    """One thing wrong, in one place. `where` is what the line shows ("file:line", or
    "file [key]" for a row of a published table); `file`, `line`, `table` and `key` are its
    parts, for programs (taken from `where` when the caller does not give them)."""

    where: str
    field: str | None
    message: str
    code: str = GENERIC
    file: str | None = None
    line: int | None = None
    table: str | None = None
    key: str | None = None

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"unknown problem code {self.code!r}: add it to flows.errors.CODES")
        if self.file is None:
            file, line, key = self.where, None, None
            if m := _FILE_KEY.match(self.where):
                file, key = m["file"], m["key"]
            elif m := _FILE_LINE.match(self.where):
                file, line = m["file"], int(m["line"])
            table = m["table"] if (m := _PUBLISHED_TABLE.match(file)) else None
            object.__setattr__(self, "file", file)
            object.__setattr__(self, "line", self.line if self.line is not None else line)
            object.__setattr__(self, "key", self.key if self.key is not None else key)
            object.__setattr__(self, "table", self.table if self.table is not None else table)

    def __str__(self) -> str:
        return f"{self.where}: {self.field}: {self.message}" if self.field else f"{self.where}: {self.message}"

    def as_dict(self) -> dict[str, object]:
        """Every part, for `--format json`."""
        return {k: v for k, v in asdict(self).items() if k != "where"}


def problems_json(problems: list[Problem], summary: dict[str, object]) -> dict[str, object]:
    """The `--format json` report of `flows build` and `flows check`: every problem with all its
    parts, then a summary (the number of problems by code, and the caller's facts)."""
    by_code: dict[str, int] = {}
    for p in problems:
        by_code[p.code] = by_code.get(p.code, 0) + 1
    return {"problems": [p.as_dict() for p in problems],
            "summary": {**summary, "problems": len(problems), "by_code": dict(sorted(by_code.items()))}}


def codes_markdown() -> str:
    """The list of problem codes, as docs/problems.md holds it."""
    lines = ["# Problem codes", "",
             "Every problem `flows build` and `flows check` report has a stable code: "
             "`--format json` gives it with the problem's file, line, table, key, field and message.",
             "Generated from `flows.errors.CODES`; do not edit.", "",
             "| code | meaning |", "| --- | --- |"]
    lines += [f"| `{code}` | {meaning} |" for code, meaning in CODES.items()]
    return "\n".join(lines) + "\n"


class CurationError(Exception):
    """Input that cannot be built. Carries every problem found, one line each."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))

    @classmethod
    def at(cls, where: Location | str, field: str | None, message: str, code: str = GENERIC) -> "CurationError":
        return cls([Problem(str(where), field, message, code)])


class CheckFailed(Exception):
    """A published package that does not pass `flows check`."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
