"""Which actor each entry of a release is: the identity decision, entry by entry.

In this order: a curator's `--same-as REF=actor/...`; a curator's earlier decision (a
designation of an earlier import whose target is outside the import's own actors); an actor
of the project found by identity.Index (same list reference, or a name backed by a birth date
or identity number); the actor an earlier import created for the entry; else a new actor,
named after the entry (its reference added when the name is taken).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flows.importers.identity import Index, Match
from flows.importers.model import Entry
from flows.importers.records import slug


@dataclass(frozen=True)
class Choice:
    actor_id: str
    new: bool  # an actor record of the import's own (else an existing actor, merged into)
    basis: str | None = None  # why it is an existing actor


@dataclass
class Decisions:
    """The choice for every entry that is an actor, and what a curator should look at."""

    chosen: dict[str, Choice] = field(default_factory=dict)  # ref -> choice
    ambiguous: dict[str, str] = field(default_factory=dict)  # ref -> why a shared name was not merged
    skipped: dict[str, str] = field(default_factory=dict)  # ref -> why the entry is no actor

    @property
    def merged(self) -> dict[str, tuple[str, str]]:
        return {ref: (c.actor_id, c.basis or "") for ref, c in self.chosen.items() if not c.new}


def decide(entries: list[Entry], index: Index, same_as: dict[str, str], earlier_targets: dict[str, str],
           own_actor_ids: set[str], prefix: str, designations_file: str) -> Decisions:
    """`earlier_targets`: ref -> target actor of the earlier imports' designations;
    `own_actor_ids`: the actors those imports created."""
    out = Decisions()
    taken = set(index.all_actor_ids) | own_actor_ids
    curated = {e.ref: m.actor_id for e in entries
               if (m := _curator_decision(e, same_as, earlier_targets.get(e.ref), own_actor_ids, designations_file))}
    # the whole release at once, whatever its order: two entries never become one actor
    index.match_release(entries, curated)
    for e in entries:
        if e.actor_type is None:
            out.skipped[e.ref] = f"{e.list_type} {e.name!r} is not an actor (not imported)"
            continue
        earlier = earlier_targets.get(e.ref)
        match = _existing(e, index, same_as, earlier, own_actor_ids, designations_file)
        if match.ambiguous:
            out.ambiguous[e.ref] = match.ambiguous
        if match.actor_id is not None:
            out.chosen[e.ref] = Choice(match.actor_id, False, match.basis or "")
            continue
        actor_id = earlier or _new_id(e, taken, prefix)
        taken.add(actor_id)
        out.chosen[e.ref] = Choice(actor_id, True)
    return out


def _existing(e: Entry, index: Index, same_as: dict[str, str], earlier: str | None,
              own_actor_ids: set[str], designations_file: str) -> Match:
    """The existing actor the entry is, by a curator's decision or by identity; Match(None)
    when it is an actor of the import's own (new, or created by an earlier import)."""
    if (decided := _curator_decision(e, same_as, earlier, own_actor_ids, designations_file)) is not None:
        return decided
    match = index.match(e)
    if match.actor_id is None and earlier is not None:
        return Match(None)  # the earlier import's own actor, not ambiguous any more
    return match


def _curator_decision(e: Entry, same_as: dict[str, str], earlier: str | None, own_actor_ids: set[str],
                      designations_file: str) -> Match | None:
    """A curator's `--same-as`, or the earlier import's designation a curator pointed at an
    actor outside the import's own."""
    if e.ref in same_as:
        return Match(same_as[e.ref], "curator decision (--same-as)")
    if earlier is not None and earlier not in own_actor_ids:
        return Match(earlier, f"curator decision in data/raw/{designations_file}")
    return None


def _new_id(e: Entry, taken: set[str], prefix: str) -> str:
    base = f"actor/{slug(e.name)}"
    return base if base not in taken else f"{base}-{prefix}-{slug(e.ref)}"
