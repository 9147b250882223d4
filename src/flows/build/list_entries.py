"""The records and claims an import backs by its list entries, made from the archived rows.

An import writes an actor (and a designation) of its own as `{actor_id: ..., list_entry: <reference>}`, its release
being `list_release:` (the file's `record_defaults:` give the import's), and in the release's
source file `list_entries:`: the list, and under `claimed:` each entry whose claims follow from
the entry alone, with its actor. The build reads the release's archived text back into entries
with the list's own parser (flows.importers.archive.ArchivedReleases) and makes the records and
claims with the functions that define them for the import too (flows.importers.records.backed,
which the import compares releases with, and flows.importers.claims.entry_claims): a record or
claim backed by an entry is what a record written in full would hold. A record's own field wins
over the entry's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flows.errors import CurationError, Location

CODE = "list_entry_not_found"


def archived_releases(root: Path) -> Any:
    """The archived releases of the project at `root`, their texts read as the build reads texts."""
    from flows.build.texts import read_archived_text
    from flows.importers.archive import ArchivedReleases  # the importers read curation with the build

    return ArchivedReleases(lambda text_path: read_archived_text(root, text_path))


def register(doc: Any, releases: Any) -> None:
    """The release of a source file the load leaves out (an import rewriting it), if the file
    names one: records elsewhere may be backed by its entries. Nothing else of the file is read;
    a file not as expected registers nothing (it is the import's to rewrite)."""
    from flows.importers.archive import ArchiveError

    try:
        source, value = doc["source"], doc["list_entries"]
        releases.add(source["source_id"], value["list"], source["text_path"])
    except (ArchiveError, KeyError, TypeError):
        pass


def lined(value: Any, line: int) -> Any:
    """A value made by the build (a record or claim, a field of one), as the loader types it:
    each mapping, and each mapping of its lists (aliases, attributes), with every key on `line`."""
    from flows.build.load import LineDict  # load.py reads the files this module makes rows of

    if type(value) is list:
        return [lined(v, line) for v in value]
    if not isinstance(value, dict):
        return value
    out = LineDict(value)
    out.line, out.key_lines = line, dict.fromkeys(value, line)
    for key, v in value.items():
        if type(v) is list:
            out[key] = lined(v, line)
    return out


def backed_record(table: str, item: Any, releases: Any, shown: str) -> Any:
    """An actor or designation record with `list_entry:`: made from its entry, the record's own
    fields winning; every field made is placed on the record's `list_entry:` line."""
    from flows.build.load import LIST_ENTRY_KEY, RECORD_DEFAULTS_KEY, LineDict
    from flows.importers.archive import ArchiveError
    from flows.importers.records import backed

    line = item.key_lines.get(LIST_ENTRY_KEY, item.line)
    try:
        entry = releases.backing(item)
    except ArchiveError as e:
        given = "" if e.field in item.key_lines else f" (given by {RECORD_DEFAULTS_KEY}:)"
        raise CurationError.at(Location(shown, item.key_lines.get(e.field, line)), e.field, f"{e}{given}", CODE) from None
    record = backed(table, {**item, LIST_ENTRY_KEY: str(item[LIST_ENTRY_KEY])}, entry)
    # the record's own values stay as they were read, with their own lines
    out = LineDict((key, item[key] if key in item else lined(value, line)) for key, value in record.items())
    out.line, out.key_lines = item.line, {key: item.key_lines.get(key, line) for key in out}
    return out


def entry_claims(value: Any, source: dict[str, Any], shown: str, line: int, releases: Any,
                 claims: bool = True) -> list:
    """`list_entries:` of a source file: the release registered (its list and archived text), and
    the claims of each entry under `claimed:` made (flows.importers.claims.entry_claims); with
    `claims` false, only registered (a load without claims)."""
    from flows.build.load import LineDict
    from flows.importers.archive import ArchiveError
    from flows.importers.claims import entry_claims as made

    shape = ("`list_entries:` is a mapping of `list:` (the list's key) and `claimed:` (a mapping of "
             "each entry's reference: its actor id)")
    if not isinstance(value, LineDict) or set(value) - {"list", "claimed"} or not isinstance(value.get("list"), str):
        raise CurationError.at(Location(shown, line), "list_entries", shape, "curation_shape")
    if not source.get("text_path") or source.get("text_kind") != "list_rows":
        raise CurationError.at(Location(shown, line), "list_entries", "a source with `list_entries:` is an import's "
                               "release: its text is archived list rows (`text_kind: list_rows`)", "curation_shape")
    try:
        spec = releases.add(source["source_id"], value["list"], source["text_path"])
    except ArchiveError as e:
        raise CurationError.at(Location(shown, value.key_lines.get("list", line)), "list", str(e), CODE) from None
    claimed = LineDict() if value.get("claimed") is None else value["claimed"]
    if not claims:
        return []
    if not isinstance(claimed, LineDict):
        raise CurationError.at(Location(shown, value.key_lines.get("claimed", line)), "claimed", shape, "curation_shape")
    out: list = []
    for ref, actor in claimed.items():
        at = claimed.key_lines.get(ref, line)
        if not isinstance(actor, str) or isinstance(ref, bool) or not isinstance(ref, (str, int)):
            raise CurationError.at(Location(shown, at), "claimed", shape, "curation_shape")
        try:
            entry = releases.entry(source["source_id"], str(ref))
        except ArchiveError as e:
            raise CurationError.at(Location(shown, at), "entry", str(e), CODE) from None
        out += [lined(c, at) for c in made(spec.designation_prefix, entry, actor)]
    return out
