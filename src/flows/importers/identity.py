"""Identity across lists: is an imported entry an actor the project already has?

Bases, strongest first: a designation by the same authority with the same list reference;
then the same name or alias (compared as a set of words, so "GHOREISHI, Seyed Hojatollah"
equals "Seyed Hojatollah GHOREISHI") backed by the same birth date or identity number
(passport, national ID, tax ID, registration number, or UN reference: an actor the UN list
designates carries its UN reference number). For a person a name alone is not enough; for a
body it is when exactly one actor of the project carries it and no identity number contradicts.
Anything else with a shared name is reported as ambiguous, for a curator to decide
(`--same-as REF=actor/...`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flows.build.dates import list_date
from flows.importers.model import Entry

IDENTITY_NUMBERS = ("passport", "national_id", "tax_id", "registration_number", "un_reference")
# The UN Security Council's reference of a target (IRi.001) is the target's UN reference: an
# entry of another list that cites it (the EU list's unitedNationId) shares that identity number.
UN_AUTHORITY = "actor/un-security-council"
_WORD = re.compile(r"[^\W_]+")


def name_key(name: str) -> str:
    return " ".join(sorted(_WORD.findall(name.casefold())))


def date_key(value: str) -> str:
    """`27 Sep 1964`, `1964-09-27` -> `1964-09-27` (`flows.build.dates.list_date`); anything else as
    it is, case folded."""
    return list_date(value) or value.strip().casefold()


def id_key(value: str) -> str:
    """`5929869741 (Iran)` -> `5929869741`: the number before any country or expiry."""
    return value.split(" (")[0].split()[0].casefold() if value.strip() else ""


@dataclass
class Known:
    actor_id: str
    name: str
    person: bool
    names: set[str] = field(default_factory=set)
    birth_dates: set[str] = field(default_factory=set)
    ids: set[str] = field(default_factory=set)
    values: set[tuple[str, str]] = field(default_factory=set)  # (alias|attribute, folded value)


@dataclass
class Match:
    actor_id: str | None
    basis: str | None = None
    ambiguous: str | None = None  # why a shared name was not merged


class Index:
    """The project's actors and designations, outside the files an import owns."""

    def __init__(self, rows: dict[str, list[dict]], own_files: set[str], authority_id: str) -> None:
        own_actors = {r["actor_id"] for r in rows["actors"] if r.get("curated_in") in own_files}
        self.actors: dict[str, Known] = {}
        for r in rows["actors"]:
            if r["actor_id"] in own_actors:
                continue
            k = Known(r["actor_id"], r["name"], r["actor_type"] == "person")
            k.names.add(name_key(r["name"]))
            k.values.add(("name", r["name"].casefold()))
            self.actors[k.actor_id] = k
        for r in rows["actor_aliases"]:
            if (k := self.actors.get(r["actor_id"])) is not None:
                k.names.add(name_key(r["alias"]))
                k.values.add(("alias", r["alias"].casefold()))
        for r in rows["actor_attributes"]:
            if (k := self.actors.get(r["actor_id"])) is not None:
                k.values.add((r["attribute"], r["value"].casefold()))
                if r["attribute"] == "birth_date":
                    k.birth_dates.add(date_key(r["value"]))
                elif r["attribute"] in IDENTITY_NUMBERS:
                    k.ids.add(id_key(r["value"]))
        self.by_name: dict[str, set[str]] = {}
        for k in self.actors.values():
            for n in k.names:
                if n:
                    self.by_name.setdefault(n, set()).add(k.actor_id)
        self.designations = {r["designation_id"]: r for r in rows["designations"]
                             if r.get("curated_in") not in own_files}
        for r in self.designations.values():
            if r["authority_id"] == UN_AUTHORITY and (k := self.actors.get(r["target_actor_id"])) is not None:
                k.ids.add(id_key(str(r["list_reference"])))
        self.by_ref = {str(r["list_reference"]): r for r in self.designations.values()
                       if r["authority_id"] == authority_id}
        self.links = {r["link_id"]: r for r in rows["links"] if r.get("curated_in") not in own_files}
        self.link_triples = {(r["from_record_id"], r["relation"], r["to_record_id"]): r["link_id"]
                             for r in self.links.values()}
        self.all_actor_ids = {r["actor_id"] for r in rows["actors"]}

    def match(self, e: Entry) -> Match:
        if (d := self.by_ref.get(e.ref)) is not None:
            return Match(d["target_actor_id"],
                         f"same list reference: {d['designation_id']} ({d['list_reference']})")
        names = {name_key(e.name), *(name_key(a.value) for a in e.aliases)} - {""}
        person = e.actor_type == "person"
        candidates = sorted({a for n in names for a in self.by_name.get(n, ()) if self.actors[a].person == person})
        if not candidates:
            return Match(None)
        dobs = {date_key(v.value) for v in e.attributes if v.kind == "birth_date"}
        ids = {id_key(v.value) for v in e.attributes if v.kind in IDENTITY_NUMBERS} - {""}
        scored = []
        for a in candidates:
            k = self.actors[a]
            shared = sorted(n for n in names if n in k.names)
            same_dob = sorted(dobs & k.birth_dates)
            same_id = sorted(ids & k.ids)
            dob_conflict = bool(dobs and k.birth_dates and not same_dob)
            scored.append((a, shared, same_dob, same_id, dob_conflict))
        backed = [s for s in scored if (s[2] or s[3]) and not s[4]]
        if len(backed) == 1:
            return Match(backed[0][0], _basis(backed[0], self.actors[backed[0][0]]))
        if not person and not backed:
            plain = [s for s in scored if not s[4]]
            if len(plain) == 1:
                return Match(plain[0][0], _basis(plain[0], self.actors[plain[0][0]]))
            primary = [s for s in plain if name_key(e.name) in self.actors[s[0]].names]
            if len(primary) == 1:  # the list's primary name beats a shared alias
                others = ", ".join(s[0] for s in plain if s is not primary[0])
                return Match(primary[0][0], _basis(primary[0], self.actors[primary[0][0]]) + " (primary name)",
                             ambiguous=f"merged into {primary[0][0]} by its primary name; an alias is also "
                                       f"carried by {others}")
        why = "; ".join(
            f"{a}: same name" + (f", same birth date" if dob else "") + (", same identity number" if i else "")
            + (", different birth date" if conflict else "")
            + ("" if dob or i or conflict else ", nothing to confirm it (no shared birth date or identity number)")
            for a, _, dob, i, conflict in scored)
        return Match(None, ambiguous=why)

    def find_name(self, name: str) -> list[str]:
        return sorted(self.by_name.get(name_key(name), ()))


def _basis(s: tuple, k: Known) -> str:
    a, shared, dob, ids, _ = s
    parts = [f"same name or alias as {a} ({k.name})"]
    if dob:
        parts.append(f"same birth date ({', '.join(dob)})")
    if ids:
        parts.append(f"same identity number ({', '.join(ids)})")
    return " and ".join(parts)
