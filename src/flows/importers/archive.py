"""The archived text of a release, `texts/<list>-<date>.txt`: the rows an import read,
verbatim, each once, under a header naming the release, the files (size, sha256, rows,
encoding) and the selection. Its form is `text_kind: list_rows` (flows.build.list_rows): a
section per file, each row under its line in the file, so that claims cite rows by locator;
a last section names the earlier imports' references the release lacks.

Read back (ArchivedReleases), the rows give the release's entries again, by the list's own
parser (`archived_entries`): the records and claims an import backs by its entries are made
from them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace

from pathlib import Path

from importlib.metadata import version

from flows.build import dates, list_rows
from flows.build.list_rows import locator, rows, section_lines
from flows.build.load import LIST_ENTRY_KEY, LIST_RELEASE_KEY
from flows.build.parse_cache import parsed
from flows.importers.model import Entry, ListError, Row, Value
from flows.importers.registry import ListSpec, registry
from flows.importers.release import ListRelease


ABSENT_SECTION = "not on this release"
# the code that reads an archived text into entries: the importers, the archived rows' form and
# the dates the lists write (with the library that reads them)
_PARSERS = (Path(__file__).parent, Path(list_rows.__file__), Path(dates.__file__))
_LIBRARIES = f"prefixdate {version('prefixdate')}"


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


def _placed(entry: Entry) -> Entry:
    """The entry with its rows' places (file, line) but not their text: what records and claims
    need of them (a claim's evidence is filled from the archived text by locator), at a fraction of
    the memory of a whole list's rows."""
    rows: dict[int, Row] = {}

    def placed(row: Row) -> Row:
        if id(row) not in rows:
            rows[id(row)] = replace(row, text="")
        return rows[id(row)]

    def values(values: list[Value]) -> list[Value]:
        return [Value(v.kind, v.value, placed(v.row)) for v in values]

    return replace(entry, row=placed(entry.row), aliases=values(entry.aliases), attributes=values(entry.attributes),
                   links=values(entry.links), details=values(entry.details),
                   extra_rows=[placed(r) for r in entry.extra_rows])


def _by_reference(entries: list[Entry], spec: ListSpec, text_path: str) -> dict[str, Entry]:
    """The entries by reference; one reference twice in an archive is refused (its parser reads
    one entry a reference from the list's files)."""
    out: dict[str, Entry] = {}
    for e in entries:
        if e.ref in out:
            raise ArchiveError("list_release", f"data/raw/{text_path}: {e.row.file} line {e.row.line}: "
                                               f"{spec.ref_label} {e.ref} again (an entry at line {out[e.ref].row.line} has it)")
        out[e.ref] = e
    return out


class ArchiveError(Exception):
    """An entry that cannot be read back from its release's archived text: what is wrong, and
    the field of the record or claim that names it."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


def list_spec(key: str) -> ListSpec | None:
    """The list whose key (or a variant's key) is `key`; None when no list has it."""
    return next((s for s in registry().values() if key == s.key or key in s.keys), None)


class ArchivedReleases:
    """The entries of the releases archived in the project, each release read once, on demand,
    by its list's parser. `read(text_path)` gives the archived text (`texts/<list>-<date>.txt`),
    and raises the build's error when it cannot."""

    def __init__(self, read: Callable[[str], str]) -> None:
        self._read = read
        self.releases: dict[str, tuple[ListSpec, str]] = {}  # source id -> (list, text path)
        self._entries: dict[str, dict[str, Entry]] = {}

    def add(self, source_id: str, list_key: str, text_path: str) -> ListSpec:
        """A release: the source whose archived text (`text_path`) holds rows of the list `list_key`."""
        spec = list_spec(list_key)
        if spec is None:
            raise ArchiveError("list", f"{list_key!r}: no such list (lists: "
                                       f"{', '.join(sorted(k for s in registry().values() for k in (s.key, *s.keys)))})")
        self.releases[source_id] = (spec, text_path)
        return spec

    def backing(self, record: dict) -> Entry:
        """The entry a record backed by its list entry names (`list_entry:`, `list_release:`)."""
        for key in (LIST_ENTRY_KEY, LIST_RELEASE_KEY):
            if not isinstance(record.get(key), (str, int)) or isinstance(record.get(key), bool):
                raise ArchiveError(key, f"a record backed by a list entry needs `{key}:` (text), not "
                                        f"{record.get(key)!r}")
        return self.entry(str(record[LIST_RELEASE_KEY]), str(record[LIST_ENTRY_KEY]))

    def entry(self, source_id: str, ref: str) -> Entry:
        """The entry with reference `ref` of the release archived for `source_id`."""
        if source_id not in self.releases:
            raise ArchiveError("list_release", f"{source_id!r} is no release an import archived (a source "
                                               "file with `list_entries:` and its text)")
        found = self.entries(source_id).get(ref)
        if found is None:
            spec, text_path = self.releases[source_id]
            raise ArchiveError("list_entry", f"{ref!r}: no entry with that {spec.ref_label} in the rows archived "
                                             f"in data/raw/{text_path}")
        return found

    def entries(self, source_id: str) -> dict[str, Entry]:
        if source_id not in self._entries:
            spec, text_path = self.releases[source_id]
            parser = spec.parser_class()

            def read(data: bytes, _shown: str) -> list[Entry]:
                return [_placed(e) for e in parser.archived_entries(data.decode("utf-8"))]

            text = self._read(text_path)
            try:  # a whole list's entries, read once (flows.build.parse_cache)
                entries = parsed(text.encode("utf-8"), f"data/raw/{text_path}", read, code=_PARSERS,
                                 key=f"{spec.parser} {_LIBRARIES}".encode())
                self._entries[source_id] = _by_reference(entries, spec, text_path)
            except ListError as e:
                raise ArchiveError("list_release", f"data/raw/{text_path}: {e.problem}") from None
        return self._entries[source_id]
