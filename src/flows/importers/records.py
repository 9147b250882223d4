"""The records an import writes: actors, designations and links, each file a list of records
(the curation form of `data/raw/<table>/`), read back at the next import.

Per list the import owns `actors/import-<list>.yaml`, `designations/import-<list>.yaml` and
`links/import-<list>.yaml`. A file starts with a header (comment lines, then a blank line), then
`record_defaults:` (what every record of the import shares: the list's authority, the release
a name or detail comes from, said once; RECORD_DEFAULTS), then `records:`, one record a line
(flows.importers.yaml_lines); a record may carry a note (a link a newer
release dropped), one comment line written above it and read back with it, so that a note
keeps the release that first wrote it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flows.importers.model import Entry, Value
from flows.build.load import (LIST_ENTRY_KEY, LIST_RELEASE_KEY, RECORD_DEFAULTS_KEY, RECORDS_KEY, parse_yaml,
                              with_record_defaults)
from flows.build.parse_cache import parsed
from flows.importers.yaml_lines import flow, items

RECORD_TABLES = ("actors", "designations", "links")
_TAG = re.compile(r"^[A-Z0-9-]+$")


def slug(text: str) -> str:
    """`GHOREISHI, Seyed Hojatollah` -> `ghoreishi-seyed-hojatollah` (ASCII, for ids)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    s = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return s or "x"


def own_files(list_key: str) -> dict[str, str]:
    """The record file of each table an import of the list owns, relative to data/raw."""
    return {t: f"{t}/import-{list_key}.yaml" for t in RECORD_TABLES}


def program_tags(programs: list[str]) -> str | None:
    """Programme tags as the schema stores them (`NPWMD; IFSR`); UN list types upper-cased.
    None when a tag cannot be written in that form (the tag then stays in a claim)."""
    tags = [p.upper().replace(" ", "-") for p in programs]
    if tags and all(_TAG.match(t) for t in tags):
        return "; ".join(tags)
    return None


def distinct(values: list[Value]) -> list[Value]:
    """Each (kind, value) once, in order."""
    seen, out = set(), []
    for v in values:
        key = (v.kind, v.value)
        if key not in seen:
            seen.add(key)
            out.append(v)
    return out


def load_records(raw: Path, rel: str) -> list[tuple[str | None, dict]]:
    """The records of one of the import's files, each with its note (none when it is missing)."""
    path = raw / rel
    if not path.is_file():
        return []
    data = path.read_bytes()
    text = data.decode("utf-8")
    records = parsed(data, f"data/raw/{rel}", parse_yaml) or []  # as the build reads it, cached
    if isinstance(records, dict):  # with record_defaults: the records as they read, defaults applied
        defaults = records.get(RECORD_DEFAULTS_KEY) or {}
        nested = {key for key, value in defaults.items() if isinstance(value, dict)}
        records = [with_record_defaults(r, defaults, nested) if isinstance(r, dict) else r
                   for r in records.get(RECORDS_KEY) or []]
    notes: list[str | None] = []
    previous, in_header = "", True
    for line in text.splitlines():
        if in_header:
            in_header = line.startswith("#")
        elif line.startswith("- "):
            notes.append(previous[2:] if previous.startswith("# ") else None)
        previous = line
    if len(notes) != len(records):  # not as this module writes it (edited by hand): no notes
        notes = [None] * len(records)
    return list(zip(notes, records))


def without_defaults(record: dict, defaults: dict[str, Any]) -> dict:
    """The record as a file with these `record_defaults:` holds it: what they give, left out."""
    out = {k: v for k, v in record.items() if k not in defaults or isinstance(defaults[k], dict) or defaults[k] != v}
    for key, sub in defaults.items():
        if isinstance(sub, dict) and isinstance(out.get(key), list):
            out[key] = [{k: v for k, v in e.items() if k not in sub or sub[k] != v} for e in out[key]]
    return out


@dataclass
class RecordSet:
    """The records of one file, by id, each with an optional comment written above it."""

    records: dict[str, tuple[str | None, dict]] = field(default_factory=dict)

    def put(self, record_id: str, record: dict, comment: str | None = None) -> None:
        self.records[record_id] = (comment, record)

    def get(self, record_id: str) -> dict | None:
        found = self.records.get(record_id)
        return found[1] if found else None

    def note(self, record_id: str) -> str | None:
        found = self.records.get(record_id)
        return found[0] if found else None

    def keep(self, record_id: str, record: dict, comment: str | None = None) -> None:
        """A record of an earlier import, unless this import wrote one with its id."""
        if record_id not in self.records:
            self.records[record_id] = (comment, record)

    def __contains__(self, record_id: str) -> bool:
        return record_id in self.records

    def dump(self, header: str, order, defaults: dict[str, Any] | None = None) -> str:
        """The file's text: the header (comment lines) and a blank line, then each record in
        `order` (a sort key of a record), its note above it; with `defaults`, first the file's
        `record_defaults:`, and each record without what they give it."""
        out = [header, "\n"]
        if defaults:
            out.append(f"{RECORD_DEFAULTS_KEY}:\n")
            out += [f"  {key}: {flow(value)}\n" for key, value in defaults.items()]
            out.append(f"{RECORDS_KEY}:\n")
        for comment, record in sorted(self.records.values(), key=lambda cr: order(cr[1])):
            if comment:
                out.append(f"# {comment}\n")
            out.append(items([without_defaults(record, defaults) if defaults else record]))
        return "".join(out)


# An actor or designation record of an import's own is backed by its list entry: `{actor_id: ...,
# list_entry: <reference>}`, the release whose archived rows hold the entry being `list_release:`
# (the file's `record_defaults:` give the import's). The build makes the record's other fields
# from the entry (backed, flows.build.list_entries), as the import would have written them; a
# field the record gives wins.


def actor_values(entry: Entry) -> tuple[list[Value], list[Value]]:
    """The entry's other names (not its name) and its details, each once: what its actor gets."""
    return distinct([v for v in entry.aliases if v.value != entry.name]), distinct(entry.attributes)


def own_actor(entry: Entry, actor_id: str, source_id: str) -> dict[str, Any]:
    """The actor record an import makes of an entry of its own (what `list_entry:` stands for):
    the list's other names and its details as aliases and attributes (its name, and where it
    comes from, are the claims')."""
    aliases, attributes = actor_values(entry)
    record: dict[str, Any] = {"actor_id": actor_id, "name": entry.name, "actor_type": entry.actor_type}
    if entry.position:
        record["position"] = entry.position
    if entry.actor_type != "person":
        record["description"] = (f"The list calls it {'an' if entry.list_type[0] in 'aeiou' else 'a'} "
                                 f"{entry.list_type}: `{entry.actor_type}` is a placeholder type.")
    if aliases:
        record["aliases"] = [{"alias": v.value, "alias_type": v.kind, "source_id": source_id} for v in aliases]
    if attributes:
        record["attributes"] = [{"attribute": v.kind, "value": v.value, "source_id": source_id} for v in attributes]
    return record


def backed(table: str, record: dict[str, Any], entry: Entry) -> dict[str, Any]:
    """A record backed by its list entry (`list_entry:`, `list_release:`): the fields the entry
    gives it (an actor: own_actor; a designation: its reference, programme tags and listing
    date, designation_record), then the record's own, which win."""
    own = {k: v for k, v in record.items() if k not in (LIST_ENTRY_KEY, LIST_RELEASE_KEY)}
    if table == "actors":
        made = own_actor(entry, record.get("actor_id"), record[LIST_RELEASE_KEY])
    else:
        made = designation_record(entry, record.get("designation_id"), record.get("authority_id"),
                                  record.get("target_actor_id"))
    return {**made, **own}


def import_defaults(authority_id: str, source_id: str) -> dict[str, dict[str, Any]]:
    """Each record file's `record_defaults:`: what the import's records share (its records from
    an earlier release, and a curator's edits, keep their own values where they differ)."""
    return {"designations": {"authority_id": authority_id, LIST_RELEASE_KEY: source_id},
            "actors": {LIST_RELEASE_KEY: source_id},
            "links": {"relation": "linked_to"}}


def designation_record(entry: Entry, designation_id: str, authority_id: str, actor_id: str) -> dict[str, Any]:
    record: dict[str, Any] = {"designation_id": designation_id, "authority_id": authority_id,
                              "target_actor_id": actor_id, "list_reference": entry.ref}
    if tags := program_tags(entry.programs):
        record["program_tags"] = tags
    if entry.listed:
        record["listed"] = entry.listed
    return record


def link_record(link_id: str, from_id: str, to_id: str, description: str) -> dict[str, Any]:
    return {"link_id": link_id, "from_record_id": from_id, "relation": "linked_to", "to_record_id": to_id,
            "description": description}


def reference_order(ref: str) -> tuple:
    """Numbers in numeric order, then the other references in text order."""
    return (0, int(ref), "") if ref.isdigit() else (1, 0, ref)
