"""The claims of an import: the list's authority `lists` each record, value by value, with
the list row it was read from as the evidence. They go in the release's source file,
`sources/<list>-<date>.yaml`, after the source itself.
"""

from __future__ import annotations

from typing import Any

import yaml

from flows.build.texts import normalise
from flows.importers.model import Row


class Claims:
    """The claims of one release, in the order they are made."""

    def __init__(self, authority_id: str, released: str, ref_label: str) -> None:
        self.authority_id, self.released, self.ref_label = authority_id, released, ref_label
        self.items: list[dict[str, Any]] = []
        self.aliases: dict[tuple[str, str], dict[str, str]] = {}  # names of actors curated elsewhere

    def add(self, claim_id: str, record_id: str, row: Row, ref: str, field: str | None = None,
            value: str | None = None, what: str | None = None) -> None:
        """A claim that the list gives `record_id` (its `field`, as `value` when that differs
        from the record's), resting on `row` of the entry `ref`; `what` names the value."""
        claim: dict[str, Any] = {"id": claim_id, "record_id": record_id}
        if field:
            claim["field"] = field
        if value is not None:
            claim["claimed_value"] = value
        claim.update(claimant_id=self.authority_id, stance="lists", evidence_type="list_row",
                     evidence_text=normalise(row.text), locator=row.locator(f"{self.ref_label} {ref}", what),
                     claimed=self.released)
        self.items.append(claim)

    def statement(self, claim_id: str, record_id: str, field: str, value: str, evidence: str, locator: str,
                  date_basis: str) -> None:
        """A claim resting on a line the import wrote into the archived text (what the release lacks)."""
        self.items.append({"id": claim_id, "record_id": record_id, "field": field, "claimed_value": value,
                           "claimant_id": self.authority_id, "stance": "lists", "evidence_type": "list_row",
                           "evidence_text": evidence, "locator": locator, "claimed": self.released,
                           "date_basis": date_basis})

    def alias(self, actor_id: str, alias: str, alias_type: str) -> None:
        """A name the list gives an actor curated in another file (its `actor_aliases:`)."""
        self.aliases.setdefault((actor_id, alias), {"actor_id": actor_id, "alias": alias, "alias_type": alias_type})

    def source_file(self, source: dict[str, Any], header: str) -> str:
        """The source file: the header comment, `source:`, `claims:` and `actor_aliases:`."""
        doc = _dump({"source": source})
        if self.items:
            doc += _dump({"claims": self.items})
        if self.aliases:
            doc += _dump({"actor_aliases": [self.aliases[k] for k in sorted(self.aliases)]})
        return header + doc


def _dump(value: Any) -> str:
    return yaml.dump(value, Dumper=yaml.CSafeDumper, sort_keys=False, allow_unicode=True, width=1_000_000,
                     default_flow_style=False)
