"""The archived text of a release, `texts/<list>-<date>.txt`: the rows an import read,
verbatim, under a header naming the release, the files (size, sha256, rows, encoding) and the
selection. It is the text every claim's evidence is found in.
"""

from __future__ import annotations

from flows.importers.model import Entry, Row
from flows.importers.registry import ListSpec
from flows.importers.release import ListRelease


ABSENT_SECTION = "not on this release"


def absent_line(spec: ListSpec, ref: str, designation_id: str) -> str:
    """The line of the archived text that says an earlier import's reference is not on the release."""
    return f"{spec.ref_label} {ref} ({designation_id}): listed by an earlier import, not on this release"


def archive_text(spec: ListSpec, release: ListRelease, released: str, entries: list[Entry],
                 selection_note: str, absent: list[tuple[str, str]]) -> str:
    """`absent`: (reference, designation id) of the earlier imports' designations the release
    does not list, in a section of their own after the rows."""
    lines = [*_header(spec, release, released, selection_note), ""]
    rows: dict[str, list[Row]] = {}
    for e in entries:
        for r in e.rows():
            rows.setdefault(r.file, []).append(r)
    main = release.main_file.name
    for name in sorted(rows, key=lambda n: (n != main, n)):
        lines.append(f"=== {name} ===")
        seen = set()
        for r in sorted(rows[name], key=lambda r: r.line):
            if (r.line, r.text) not in seen:
                seen.add((r.line, r.text))
                lines.append(r.text)
        lines.append("")
    if absent:
        lines.append(f"=== {ABSENT_SECTION} ===")
        lines += [absent_line(spec, ref, did) for ref, did in absent]
        lines.append("")
    return "\n".join(lines)


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
                    "NOTE: every row below is verbatim from the file named above it (decoded as stated, "
                    "line ends and the 0x1A terminator removed), in the file's order; a claim's locator "
                    "gives the row's line in the original file. The last section, if any, names the "
                    f"designations of earlier imports whose {spec.ref_label} is not on this release."]
