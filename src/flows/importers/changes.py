"""What an import changed since the last import of the list, and its report.

An entry is added (its reference is new to the import's designations), changed (its
designation's tags or date, its actor's name, aliases or details, or its links differ from
what the earlier import wrote) or unchanged; a reference of an earlier import that the release
does not list is delisted, unless the import read only a selection that leaves it out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flows.importers.select import Selection


@dataclass
class Result:
    source_id: str
    entries: int = 0
    written: list[str] = field(default_factory=list)  # files whose bytes changed
    added: list[str] = field(default_factory=list)
    changed: dict[str, list[str]] = field(default_factory=dict)
    unchanged: int = 0
    delisted: list[str] = field(default_factory=list)  # newly: not on this release
    still_delisted: int = 0  # delisted before (by an earlier import), and still not listed
    links_dropped: list[str] = field(default_factory=list)  # earlier links this release no longer gives
    not_selected: list[str] = field(default_factory=list)
    merged: dict[str, tuple[str, str]] = field(default_factory=dict)  # ref -> (actor, basis)
    ambiguous: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    unresolved_links: list[tuple[str, str]] = field(default_factory=list)  # (ref, party) not found
    unselected_links: list[tuple[str, str]] = field(default_factory=list)  # ... on the release, not selected
    selection: Selection | None = None
    orphans: int = 0
    up_to_date: bool = False  # the last import's inputs and files: nothing read

    def report(self) -> str:
        if self.up_to_date:
            return (f"{self.source_id}: the release's files, the options and the rest of the curation are those of "
                    "the last import, whose files are as it wrote them: changed 0, nothing read\nfiles changed: none")
        lines = [f"{self.source_id}: {self.entries} entries read", *self._selection_lines(),
                 f"added {len(self.added)}, changed {len(self.changed)}, unchanged {self.unchanged}, "
                 f"delisted {len(self.delisted)}"]
        lines += [f"  added {r}" for r in self.added]
        lines += [f"  changed {r}: {', '.join(v)}" for r, v in self.changed.items()]
        lines += [f"  delisted {r} (not on this release; its records are kept, with the delisting date)"
                  for r in self.delisted]
        if self.still_delisted:
            lines.append(f"delisted by an earlier import and still not listed: {self.still_delisted}")
        if self.links_dropped:
            lines.append(f"links dropped (no longer on the list; kept, noted): {len(self.links_dropped)}")
            lines += [f"  dropped {lid}" for lid in self.links_dropped]
        if self.not_selected:
            lines.append(f"kept from earlier imports, not selected now: {len(self.not_selected)}")
        lines.append(f"merged into existing actors: {len(self.merged)}")
        lines += [f"  {r} -> {a}: {b}" for r, (a, b) in self.merged.items()]
        if self.ambiguous:
            lines.append(f"ambiguous, for a curator to decide (--same-as REF=actor/...): {len(self.ambiguous)}")
            lines += [f"  {r}: {w}" for r, w in self.ambiguous.items()]
        lines += [f"skipped {r}: {w}" for r, w in self.skipped.items()]
        lines += [f"link not written, party not found: {r} -> {n}" for r, n in self.unresolved_links]
        if self.unselected_links:
            lines.append(f"links not written, party on the release but not selected: {len(self.unselected_links)}")
        lines.append("files changed: " + (", ".join(self.written) or "none"))
        return "\n".join(lines)

    def _selection_lines(self) -> list[str]:
        if not self.selection or self.selection.refs is None:
            return []
        whys: dict[str, int] = {}
        for why in self.selection.why.values():
            whys[why] = whys.get(why, 0) + 1
        return ["selected: " + ", ".join(f"{n} by {w}" for w, n in sorted(whys.items())),
                *(f"  seed not found on the list: {s}" for s in self.selection.unresolved_seeds)]


def differences(earlier_designation: dict, earlier_actor: dict | None, designation: dict | None,
                actor: dict | None, earlier_links: set[str], links: set[str]) -> list[str]:
    """What differs between an entry's records as an earlier import wrote them and now
    (`links`: the records the entry's actor is linked to)."""
    out = []
    if designation is not None:
        if earlier_designation.get("program_tags") != designation.get("program_tags"):
            out.append(f"program tags {earlier_designation.get('program_tags')!r} -> "
                       f"{designation.get('program_tags')!r}")
        if earlier_designation.get("listed") != designation.get("listed"):
            out.append("listed date")
    if earlier_actor is not None and actor is not None:
        out += _actor_differences(earlier_actor, actor)
    if earlier_links != links:
        out.append("links")
    return out


def _actor_differences(earlier: dict, now: dict) -> list[str]:
    out = []
    if earlier.get("name") != now.get("name"):
        out.append(f"name {earlier.get('name')!r} -> {now.get('name')!r}")
    for key, fields in (("aliases", ("alias", "alias_type")), ("attributes", ("attribute", "value"))):
        before = {tuple(x[f] for f in fields) for x in earlier.get(key) or []}
        after = {tuple(x[f] for f in fields) for x in now.get(key) or []}
        if before != after:
            out.append(f"{key} (+{len(after - before)} -{len(before - after)})")
    return out
