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
from flows.importers.model import Row
from flows.importers.yaml_lines import items

class Claims:
    """The claims of one release, in the order they are made."""

    def __init__(self, authority_id: str, released: str) -> None:
        self.defaults = {"claimant_id": authority_id, "stance": "lists", "evidence_type": "list_row",
                         "claimed": released}
        self.items: list[dict[str, Any]] = []
        # names and details the list gives actors curated elsewhere
        self.aliases: dict[tuple[str, str], dict[str, str]] = {}
        self.attributes: dict[tuple[str, str, str], dict[str, str]] = {}

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
        claim["locator"] = ROWS.join(dict.fromkeys(locator(row.file, row.line) for row in rows))
        if date_basis:
            claim["date_basis"] = date_basis
        self.items.append(claim)

    def statement(self, claim_id: str, record_id: str, field: str, value: str, evidence: str, where: str,
                  date_basis: str) -> None:
        """A claim resting on a row the import wrote into the archived text (what the release lacks)."""
        self.items.append({"id": claim_id, "record_id": record_id, "field": field, "claimed_value": value,
                           "evidence_text": evidence, "locator": where, "date_basis": date_basis})

    def name(self, actor_id: str, alias: str, alias_type: str) -> None:
        """A name the list gives an actor curated in another file (the file's `actor_aliases:`)."""
        self.aliases.setdefault((actor_id, alias), {"actor_id": actor_id, "alias": alias, "alias_type": alias_type})

    def detail(self, actor_id: str, attribute: str, value: str) -> None:
        """A detail the list gives an actor curated in another file (the file's `actor_attributes:`)."""
        self.attributes.setdefault((actor_id, attribute, value),
                                   {"actor_id": actor_id, "attribute": attribute, "value": value})

    def source_file(self, source: dict[str, Any], header: str) -> str:
        """The source file: the header comment, `source:`, `claim_defaults:`, `claims:` (one a
        line), `actor_aliases:` and `actor_attributes:`."""
        doc = _block({"source": source})
        if self.items:
            doc += _block({"claim_defaults": self.defaults}) + "claims:\n" + items(self.items)
        for key, rows in (("actor_aliases", self.aliases), ("actor_attributes", self.attributes)):
            if rows:
                doc += f"{key}:\n" + items([rows[k] for k in sorted(rows)])
        return header + doc


def _block(value: Any) -> str:
    return yaml.dump(value, Dumper=yaml.CSafeDumper, sort_keys=False, allow_unicode=True, width=1_000_000,
                     default_flow_style=False)
