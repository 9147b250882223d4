"""The archived text of a release, `texts/<list>-<date>.txt`: the rows an import read,
verbatim, each once, under a header naming the release, the files (size, sha256, rows,
encoding) and the selection. Its form is `text_kind: list_rows` (flows.build.list_rows): a
section per file, each row under its line in the file, so that claims cite rows by locator;
a last section names the earlier imports' references the release lacks.
"""

from __future__ import annotations

from collections.abc import Iterator

from flows.build.list_rows import locator, rows, section_lines
from flows.importers.model import Entry, Row
from flows.importers.registry import ListSpec
from flows.importers.release import ListRelease


ABSENT_SECTION = "not on this release"


def absent_line(spec: ListSpec, ref: str, designation_id: str) -> str:
    """The row of the archived text that says an earlier import's reference is not on the release."""
    return f"{spec.ref_label} {ref} ({designation_id}): listed by an earlier import, not on this release"


def absent_locator(number: int) -> str:
    """The locator of the `number`-th row of the section of references not on the release."""
    return locator(ABSENT_SECTION, number)


def archived_rows(text: str) -> Iterator[Row]:
    """The rows of the release's files an archived text holds, as the import read them (file,
    line, verbatim text), in the text's order; not the section of references not on the release."""
    for where, row in rows(text):
        section, _, number = where.rpartition(" line ")
        if section != ABSENT_SECTION:
            yield Row(section, int(number), row)


def archive_text(spec: ListSpec, release: ListRelease, released: str, entries: list[Entry],
                 selection_note: str, absent: list[tuple[str, str]]) -> str:
    """`absent`: (reference, designation id) of the earlier imports' designations the release
    does not list, in a section of their own after the rows."""
    lines = [*_header(spec, release, released, selection_note), ""]
    rows: dict[str, dict[int, str]] = {}
    for e in entries:
        for r in e.rows():
            rows.setdefault(r.file, {})[r.line] = r.text
    main = release.main_file.name
    for name in sorted(rows, key=lambda n: (n != main, n)):
        lines += section_lines(name, sorted(rows[name].items()))
    if absent:
        lines += section_lines(ABSENT_SECTION, [(i, absent_line(spec, ref, did)) for i, (ref, did) in
                                                enumerate(absent, 1)])
    return "\n".join(lines) + "\n"


def _header(spec: ListSpec, release: ListRelease, released: str, selection_note: str) -> list[str]:
    lines = [f"TITLE: {spec.title}, release of {released} – rows read by `flows import {spec.command}`",
             f"PUBLISHER: {spec.publisher}",
             f"RELEASE: {released} ({spec.date_basis})",
             f"ORIGINAL URL: {spec.urls(sorted(release.info))}",
             f"LICENCE: {spec.licence}",
             "FILES READ:"]
    for name in sorted(release.info):
        i = release.info[name]
        lines.append(f"  {name}: {i.size} bytes, sha256 {i.sha256}, {i.rows} rows, {i.encoding}"
                     + (", ends with the 0x1A byte" if i.terminator else ""))
    return lines + [f"SELECTION: {selection_note}",
                    "NOTE: each section below holds rows of the file it names, in the file's order: a row "
                    "is its line in the file (in a spreadsheet, its row number in the sheet), a tab, and the row verbatim (decoded as stated, line ends and "
                    "the 0x1A terminator removed; each further line of a row starts with a tab). A claim's "
                    "locator names the file and line. The last section, if any, names the designations of "
                    f"earlier imports whose {spec.ref_label} is not on this release."]
