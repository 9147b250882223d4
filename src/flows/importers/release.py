"""What the import framework needs of a list's parser: one release of the list, read from its
files. A parser module (ofac.py, un.py, ...) provides a class of this shape; the list's mapping
file (lists/<key>.yaml, flows.importers.registry) names it. Selection, identity, the writer and
`flows check --against-list` use nothing else of a parser.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Protocol, runtime_checkable

from flows.importers.model import Entry, FileInfo, Summary


@runtime_checkable
class ListRelease(Protocol):
    # Class attributes, checked against the list's mapping file when the parser is opened.
    list_key: str  # the mapping file's `key`
    authority_id: str  # the actor who publishes the list
    ref_label: str  # what the list calls its reference (ent_num, reference number)

    main_file: Path  # the file errors about the release as a whole name
    info: dict[str, FileInfo]  # per file read: size, sha256, rows (filled by `entries`)

    def scan(self) -> Iterator[Summary]:
        """Every entry, cheaply (reference, name, programmes, linked names), for selection."""
        ...

    def scan_aliases(self) -> Iterator[tuple[str, str]]:
        """(reference, alias) of every alias, for finding `--around` seeds."""
        ...

    def entries(self, wanted: set[str] | None) -> Iterator[Entry]:
        """The entries whose reference is in `wanted` (all when None), fully read, in file order."""
        ...

    @classmethod
    def archived_entries(cls, text: str) -> Iterator[Entry]:
        """The entries of a release as an import archived them (`texts/<list>-<date>.txt`,
        flows.importers.archive: read its rows with archive.archived_rows), read again from the
        archived rows alone, without the list's files: equal (==) to the entries the import read
        from the files, in the same order. The build makes an import's records from them. A row
        that does not read is a ListError whose place is the row's locator (`sdn.csv line 12`)."""
        ...

    def describe(self) -> dict[str, str]:
        """The parser's own words for the release (title, publisher, url, urls, licence); the
        mapping file is what the writer uses."""
        ...
