"""The claims of an import: the list's authority `lists` each record, value by value, each
claim citing the row it was read from. They go in the release's source file,
`sources/<list>-<date>.yaml`, after the source itself.

Evidence by reference: the rows are archived once, in the release's text (`text_kind:
list_rows`, flows.build.list_rows); a claim names its rows (`locator: sdn.csv line 52; alt.csv
line 70`) and leaves its evidence out: the build fills it with those rows (flows.build.evidence). A record gets one claim per release: an actor on all the rows its
name and details come from. What every claim of the file shares (claimant, stance, evidence
type, date) is said once, in `claim_defaults:`. Each claim is one line of the file.
"""

from __future__ import annotations

from typing import Any

import yaml

from flows.build.list_rows import ROWS, locator
from flows.build.load import LIST_ENTRIES_KEY
from flows.importers.model import Entry, Row
from flows.importers.records import actor_values, program_tags, slug
from flows.importers.yaml_lines import items, scalar


def _locator(rows: list[Row]) -> str:
    return ROWS.join(dict.fromkeys(locator(row.file, row.line) for row in rows))


def entry_claims(prefix: str, entry: Entry, actor_id: str) -> list[dict[str, Any]]:
    """The claims on an entry that is an actor of the import's own with its own designation
    (`designation/<prefix>-<reference>`): the actor named, on the entry's row and every row its
    names and details come from; the programme, when the designation cannot hold the list's tags;
    the designation listed, on the entry's row. In the order the import makes them."""
    base = f"{prefix}-{slug(entry.ref)}"
    designation_id = f"designation/{base}"
    aliases, attributes = actor_values(entry)
    claims = [{"id": f"{base}-name", "record_id": actor_id, "field": "name",
               "locator": _locator([entry.row, *(entry.cited(v.row) for v in aliases + attributes)])}]
    if entry.programs and program_tags(entry.programs) is None:
        claims.append({"id": f"{base}-programme", "record_id": designation_id, "field": "program_tags",
                       "claimed_value": "; ".join(entry.programs), "locator": _locator([entry.row])})
    listing = {"id": f"{base}-listing", "record_id": designation_id, "locator": _locator([entry.row])}
    if entry.listed and entry.listed_basis:
        listing["date_basis"] = entry.listed_basis
    return claims + [listing]


class Claims:
    """The claims of one release, in the order they are made."""

    def __init__(self, authority_id: str, released: str, list_key: str) -> None:
        self.defaults = {"claimant_id": authority_id, "stance": "lists", "evidence_type": "list_row",
                         "claimed": released}
        self.list_key = list_key
        self.items: list[dict[str, Any]] = []
        self.entries: dict[str, str] = {}  # reference -> actor: claims the build makes (entry_claims)
        # names and details the list gives actors curated elsewhere
        self.aliases: dict[tuple[str, str], dict[str, str]] = {}
        self.attributes: dict[tuple[str, str, str], dict[str, str]] = {}

    def entry(self, ref: str, actor_id: str) -> None:
        """The claims of entry_claims, on an entry of the import's own: made by the build."""
        self.entries[ref] = actor_id

    def add(self, claim_id: str, record_id: str, rows: list[Row], field: str | None = None,
            claimed_value: str | None = None, date_basis: str | None = None) -> None:
        """A claim that the list gives `record_id` (its `field`, as `claimed_value` when that
        differs from the record's), resting on `rows`: the locator names them (`; `-separated),
        and they are its evidence (filled by the build); `date_basis` says where a date comes
        from when the list does not state it outright."""
        claim: dict[str, Any] = {"id": claim_id, "record_id": record_id}
        if field:
            claim["field"] = field
        if claimed_value is not None:
            claim["claimed_value"] = claimed_value
        claim["locator"] = _locator(rows)
        if date_basis:
            claim["date_basis"] = date_basis
        self.items.append(claim)

    def statement(self, claim_id: str, record_id: str, field: str, value: str, where: str,
                  date_basis: str) -> None:
        """A claim resting on a row the import wrote into the archived text (what the release
        lacks), its evidence that row, filled by the build as any other."""
        self.items.append({"id": claim_id, "record_id": record_id, "field": field, "claimed_value": value,
                           "locator": where, "date_basis": date_basis})

    def name(self, actor_id: str, alias: str, alias_type: str) -> None:
        """A name the list gives an actor curated in another file (the file's `actor_aliases:`)."""
        self.aliases.setdefault((actor_id, alias), {"actor_id": actor_id, "alias": alias, "alias_type": alias_type})

    def detail(self, actor_id: str, attribute: str, value: str) -> None:
        """A detail the list gives an actor curated in another file (the file's `actor_attributes:`)."""
        self.attributes.setdefault((actor_id, attribute, value),
                                   {"actor_id": actor_id, "attribute": attribute, "value": value})

    def source_file(self, source: dict[str, Any], header: str) -> str:
        """The source file: the header comment, `source:`, `claim_defaults:`, `list_entries:`,
        `claims:` (one a line), `actor_aliases:` and `actor_attributes:`."""
        doc = _block({"source": source})
        if self.items or self.entries:
            doc += _block({"claim_defaults": self.defaults})
        # always: the release's records are backed by its entries, read with this list's parser
        doc += f"{LIST_ENTRIES_KEY}:\n  list: {scalar(self.list_key)}\n"
        if self.entries:
            doc += "  claimed:\n" + "".join(f"    {scalar(ref)}: {scalar(actor)}\n" for ref, actor in self.entries.items())
        if self.items:
            doc += "claims:\n" + items(self.items)
        for key, rows in (("actor_aliases", self.aliases), ("actor_attributes", self.attributes)):
            if rows:
                doc += f"{key}:\n" + items([rows[k] for k in sorted(rows)])
        return header + doc


def _block(value: Any) -> str:
    return yaml.dump(value, Dumper=yaml.CSafeDumper, sort_keys=False, allow_unicode=True, width=1_000_000,
                     default_flow_style=False)
