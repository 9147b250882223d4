"""Errors a curator can act on: each names the file, the line and the field, and has a stable
code (CODES) that programs decide by; the message is for people."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Self


@dataclass(frozen=True, order=True)
class Location:
    file: str  # relative to the project root where possible
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


# Every problem code, with what it means. A code is never renamed once published (tools match on
# it); the list is generated into docs/problems.md (tests/test_errors.py keeps it in step).
CODES: dict[str, str] = {
    "problem": "Any other problem (its message says what).",
    # list files read by `flows import` and `flows check --against-list` (flows.importers)
    "list_file": "A list file is not as its publisher writes it (its message says how).",
    "list_unreadable": "A list file cannot be opened or read.",
    "list_encoding": "A list file holds bytes that are not text in its encoding (UTF-8, or Windows-1252 for "
                     "OFAC's CSV files).",
    "list_character": "A list file holds a control character or a bidirectional override: either can hide text.",
    "list_structure": "A list file's structure is not its publisher's: malformed XML, another root element, a "
                      "DOCTYPE or CDATA section, an element or line far too long, no entries, cut short.",
    "list_row": "A row of a list file is not as its publisher writes it: its fields, quotes or length.",
    "list_key": "A list entry's reference is missing, not a number where the list numbers them, or repeated.",
    "list_date": "A date in a list file is not a date in the form its publisher writes.",
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
    "list_entry_not_found": "A record or claim an import backs by a list entry (`list_entry:`, `list_entries:`) "
                            "names no entry of the release's archived rows, or no release an import archived.",
    "list_row_not_found": "A claim on an official list's archived rows names no row of it, or its evidence is not in that row.",
    "text_unavailable": "A claim's archived text is not on this machine: its evidence is unverified.",
    "text_missing": "A source's archived text is not found.",
    "text_changed": "A source's archived text changed since the build.",
    "same_supplier_recipient": "A transfer's supplier and recipient are the same actor.",
    "duplicate_link": "The same relation is recorded by two links.",
    # `flows coverage`: the pointers of pointer files (flows.rules.coverage, flows.rules.pointers)
    "pointer_file": "A pointer file breaks its layout (blocks of `KEY: value` lines opening with `EVENT DATE:`, "
                    "or lettered sections of `- ` items).",
    "pointer_unknown": "A claim's locator, or a declaration in data/raw/pointers/, names a pointer its file does not have.",
    "pointer_declared_cited": "A pointer declared uncited in data/raw/pointers/ is cited by a claim.",
    "pointer_not_named": "A claim on a pointer file names no pointer in its locator, and its evidence stands in "
                         "no single pointer.",
    "evidence_not_in_pointer": "A claim's evidence does not stand in the pointer its locator names.",
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
    # publishing a release (flows.publish.release): an interrupted publish's journal, refused
    # before anything moves unless flows could have written it
    "journal_not_file": "The publish journal (.flows-publish-journal.json) is not a regular file (a link, a "
                        "folder, a pipe): refused, nothing moves.",
    "journal_too_large": "The publish journal is larger than any journal flows writes: refused, nothing moves.",
    "journal_unreadable": "The publish journal cannot be read, or is not JSON in UTF-8: refused, nothing moves.",
    "journal_form": "The publish journal is not of the form flows writes (its own staging folder and a list of "
                    "file names, each once, datapackage.json last): refused, nothing moves.",
    "journal_unknown_file": "The publish journal names a file that is not one of a release: refused, nothing moves.",
    "journal_incomplete": "The publish journal does not name a whole release, or names a file neither staged nor "
                          "published: refused, nothing moves.",
    "journal_link": "A folder or file the publish journal moves is a symbolic link, or not a folder or regular "
                    "file: refused, nothing moves.",
    "journal_not_read_back": "The journal a build has just written does not read back as written: nothing was "
                             "replaced.",
    # finishing an interrupted publish (every command does it first)
    "recovery_read_only": "An interrupted publish cannot be finished: a folder of the release is read-only; the "
                          "half-published release is not read.",
    "recovery_failed": "Finishing an interrupted publish failed (a storage fault); the half-published release is "
                       "not read.",
    "recovery_repeated": "Publishes keep being interrupted in the folder while a command waits to read it.",
    # storage faults before anything is replaced: the previous release stands
    "storage_output_folder": "The output folder cannot be created.",
    "storage_not_folder": "A folder a release is published into (data, data/processed) is a symbolic link or not "
                          "a folder: nothing was replaced.",
    "storage_stray_file": "The staging folder holds a file that is not one of a release: nothing was replaced.",
    "storage_other_device": "A folder a release is published into is on another device than the staging folder "
                            "(files cannot be moved atomically): nothing was replaced.",
    "storage_read_only": "A folder a release is published into is read-only: nothing was replaced.",
    "storage_folder_in_place": "A folder stands where a release file belongs: nothing was replaced.",
    "storage_no_space": "No room on the device for the publish journal: nothing was replaced.",
    "storage_fault": "A storage fault (no space left, a read-only file system, a failed move, ...) while the "
                     "release was written or before its first file moved: nothing was replaced.",
    "publish_stopped": "Publishing stopped after some files had moved (a storage fault): the next flows command "
                       "finishes it once the cause is fixed; until then the release is not read.",
    # the locks between builds and readers (flows.publish.lock)
    "lock_timeout": "Another flows command still held the lock after FLOWS_LOCK_TIMEOUT seconds: nothing was done.",
    "lock_timeout_invalid": "FLOWS_LOCK_TIMEOUT is not a number of seconds.",
    "lock_unavailable": "The lock file cannot be created or opened (no such folder, a folder that cannot be "
                        "written): nothing was published.",
    "lock_held_shared": "A lock this process holds shared was asked for exclusively (a fault in flows itself).",
    # warnings of `flows check`: listed for curators, never a reason for the check to fail
    "conflicting_values": "Warning: a record field whose supporting claims give different values, or a value "
                          "the record does not hold (the view conflicting_claims).",
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


def _by_code(problems: list[Problem]) -> dict[str, int]:
    by_code: dict[str, int] = {}
    for p in problems:
        by_code[p.code] = by_code.get(p.code, 0) + 1
    return dict(sorted(by_code.items()))


def problems_json(problems: list[Problem], summary: dict[str, object],
                  warnings: list[Problem] | None = None) -> dict[str, object]:
    """The `--format json` report of `flows build` and `flows check`: every problem with all its
    parts, then a summary (the number of problems by code, and the caller's facts). Warnings,
    when there are any, are listed as problems are, and counted apart."""
    report: dict[str, object] = {"problems": [p.as_dict() for p in problems]}
    counts: dict[str, object] = {"problems": len(problems), "by_code": _by_code(problems)}
    if warnings:
        report["warnings"] = [w.as_dict() for w in warnings]
        counts |= {"warnings": len(warnings), "warnings_by_code": _by_code(warnings)}
    return {**report, "summary": {**summary, **counts}}


def codes_markdown() -> str:
    """The list of problem codes, as docs/problems.md holds it."""
    lines = ["# Problem codes", "",
             "Every problem `flows build` and `flows check` report has a stable code: "
             "`--format json` gives it with the problem's file, line, table, key, field and message.",
             "Generated from `flows.errors.CODES`; do not edit.", "",
             "| code | meaning |", "| --- | --- |"]
    lines += [f"| `{code}` | {meaning} |" for code, meaning in CODES.items()]
    return "\n".join(lines) + "\n"


class ProblemError(Exception):
    """An error that carries its problems, each with its code; its message is their lines."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))

    @classmethod
    def at(cls, where: Location | str, field: str | None, message: str, code: str = GENERIC) -> Self:
        return cls([Problem(str(where), field, message, code)])

    @classmethod
    def of_path(cls, path: object, message: str, code: str, field: str | None = None) -> Self:
        """One problem of a file or folder named by its path, taken as it is (never parsed
        for a line or a key)."""
        return cls([Problem(str(path), field, message, code, file=str(path))])


class CurationError(ProblemError):
    """Input that cannot be built. Carries every problem found, one line each."""


class CheckFailed(ProblemError):
    """A published package that does not pass `flows check`."""
