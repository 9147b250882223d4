"""Identity across lists: is an imported entry an actor the project already has?

Bases, strongest first: a designation by the same authority with the same list reference;
then the same name or alias (compared as a set of words, so "GHOREISHI, Seyed Hojatollah"
equals "Seyed Hojatollah GHOREISHI", and with or without an acronym in brackets at its end, so
"DEFENSE TECHNOLOGY AND SCIENCE RESEARCH CENTER (DTSRC)" equals the name without "(DTSRC)")
backed by the same birth date or identity number (passport, national ID, tax ID, registration
number, legal entity number, SWIFT/BIC code, or UN reference: an actor the UN list
designates carries its UN reference number). For a person a name alone is not enough; for a
body it is when exactly one actor of the project carries it and no identity number contradicts.
Anything else with a shared name is reported as ambiguous, for a curator to decide
(`--same-as REF=actor/...`).

Birth dates are compared as the spans they give: "circa 1964", "1964 (approximately)" and
"1964" are the same year; a year is confirmed by a day in it; dates whose spans do not meet
contradict. Identity numbers are compared on their whole number ("PS 472330208" and
"PS472330208" agree, "PS 123456789" does not), whatever words name the document.

Two entries of one release are never one actor: an actor that a designation of this list
already targets is kept for that designation's reference, and when several entries of the
release would merge into the same actor, only the one that carries the actor's own primary
name does (none, if that does not single one out); the others are reported as ambiguous.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from flows.build.dates import EDTFError, edtf_bounds, list_date
from flows.importers.model import Entry

IDENTITY_NUMBERS = ("passport", "national_id", "tax_id", "registration_number", "legal_entity_id", "swift_bic",
                    "un_reference")
# The UN Security Council's reference of a target (IRi.001) is the target's UN reference: an
# entry of another list that cites it (the EU list's unitedNationId) shares that identity number.
UN_AUTHORITY = "actor/un-security-council"
_WORD = re.compile(r"[^\W_]+")
# an acronym in brackets at the end of a name: "(DTSRC)", "(IRGC-ASF)", "(AIO)"
_ACRONYM = re.compile(r"\s*\(\s*[A-Z0-9][A-Z0-9&.\-]*\s*\)\s*$")


def name_key(name: str) -> str:
    return " ".join(sorted(_WORD.findall(name.casefold())))


def name_keys(name: str) -> set[str]:
    """The keys a name is matched by: the name itself and, when it ends in an acronym in
    brackets, the name without it."""
    return {name_key(name), name_key(_ACRONYM.sub("", name))} - {""}


# --- birth dates ------------------------------------------------------------------------------

_QUALIFIER = re.compile(r"\b(circa|approximately|approx\.|about|ca\.)\s+|\s*\((approximately|exact|between)\)\s*$",
                        re.IGNORECASE)


@dataclass(frozen=True)
class BirthDate:
    text: str  # normalised: ISO at the precision given, a range as "first day/last day", else folded
    lo: object = None  # earliest and latest day it allows (None when unreadable)
    hi: object = None
    year_only: bool = False


@lru_cache(maxsize=65536)
def birth_date(value: str) -> BirthDate:
    """`27 Sep 1964` -> 1964-09-27; `circa 1964`, `1964 (approximately)` -> 1964; `01 Jan 1979
    to 31 Dec 1981`, `1979 to 1981 (between)` -> 1979-01-01/1981-12-31 (list_date reads each
    end); anything else as it is, case folded, and comparable only to the same text."""
    text = _QUALIFIER.sub(" ", value).strip()
    ends = [list_date(part) for part in re.split(r"\s+to\s+", text)]
    if not ends or None in ends or len(ends) > 2:
        return BirthDate(value.strip().casefold())
    try:
        lo, hi = edtf_bounds(ends[0])[0], edtf_bounds(ends[-1])[1]
    except EDTFError:
        return BirthDate(value.strip().casefold())
    key = ends[0] if len(ends) == 1 else f"{lo.isoformat()}/{hi.isoformat()}"
    return BirthDate(key, lo, hi, year_only=len(ends) == 1 and len(ends[0]) == 4)


def date_key(value: str) -> str:
    """A birth date as it is compared: see birth_date."""
    return birth_date(value).text


def _confirms(a: BirthDate, b: BirthDate) -> str | None:
    """How two birth dates confirm each other: the same date, or a year and a day in it."""
    if a.text == b.text:
        return a.text
    if a.lo is None or b.lo is None:
        return None
    for year, day in ((a, b), (b, a)):
        if year.year_only and day.lo == day.hi and year.lo <= day.lo <= year.hi:
            return f"{day.text} in {year.text}"
    return None


def _contradict(ours: set[BirthDate], theirs: set[BirthDate]) -> bool:
    """True when both sides give readable birth dates and none of ours meets any of theirs."""
    a = [d for d in ours if d.lo is not None]
    b = [d for d in theirs if d.lo is not None]
    return bool(a and b) and not any(x.lo <= y.hi and y.lo <= x.hi for x in a for y in b)


# --- identity numbers -------------------------------------------------------------------------

# where a number's own text ends: a country or note in brackets, ", country", an issue or expiry
_ID_END = re.compile(r"\s\(|,\s|\s(?:issued|expires|expired|expiration)\b", re.IGNORECASE)
_PREFIX = re.compile(r"[A-Z]{1,3}")  # a series written apart from the digits: "PS 472330208", "C 72520"


def number_key(attribute: str, value: str) -> str:
    """An identity number of any kind as it is compared: a SWIFT/BIC code as it is (letters), a
    UN reference whole (`IRi.001` has too few digits for id_key), every other number by id_key."""
    if attribute == "swift_bic":
        code = value.split()[0].casefold() if value.strip() else ""
        return code if len(code) >= 8 else ""
    if attribute == "un_reference":
        return value.strip().casefold()  # keeps its dot: never equal to an id_key
    return id_key(value)


def id_key(value: str) -> str:
    """An identity number as it is compared: every token with a digit in the value's own text
    (before a country in brackets, a comma, an issue or expiry date), with a short upper-case
    series written before it, joined and reduced to letters and digits, case folded:
    `5929869741 (Iran)` -> 5929869741, `PS 472330208` -> ps472330208, `Cedula No. 6068015
    (Colombia)` -> 6068015, `national identity card number 44103-5251752-5` -> 4410352517525.
    Empty when it holds fewer than four digits (too short to tell people apart)."""
    tokens = _ID_END.split(value, 1)[0].split()
    kept = []
    for i, token in enumerate(tokens):
        if any(c.isdigit() for c in token):
            if i and _PREFIX.fullmatch(tokens[i - 1]) and (not kept or kept[-1] is not tokens[i - 1]):
                kept.append(tokens[i - 1])
            kept.append(token)
    key = "".join(c for c in "".join(kept).casefold() if c.isalnum())
    return key if sum(c.isdigit() for c in key) >= 4 else ""


# --- the index ----------------------------------------------------------------------------------

@dataclass
class Known:
    actor_id: str
    name: str
    person: bool
    names: dict[str, str] = field(default_factory=dict)  # name key -> the name or alias it is from
    birth_dates: set[BirthDate] = field(default_factory=set)
    ids: set[str] = field(default_factory=set)
    values: set[tuple[str, str]] = field(default_factory=set)  # (alias|attribute, folded value)


@dataclass
class Match:
    actor_id: str | None
    basis: str | None = None
    ambiguous: str | None = None  # why a shared name was not merged


@dataclass
class _Scored:
    actor_id: str
    shared: list[tuple[str, str]]  # (entry's name, actor's name) found the same
    same_dob: list[str]
    same_id: list[str]
    dob_conflict: bool


class Index:
    """The project's actors and designations, outside the files an import owns."""

    def __init__(self, rows: dict[str, list[dict]], own_files: set[str], authority_id: str) -> None:
        own_actors = {r["actor_id"] for r in rows["actors"] if r.get("curated_in") in own_files}
        self.actors: dict[str, Known] = {}
        for r in rows["actors"]:
            if r["actor_id"] in own_actors:
                continue
            k = Known(r["actor_id"], r["name"], r["actor_type"] == "person")
            _add_names(k, r["name"])
            k.values.add(("name", r["name"].casefold()))
            self.actors[k.actor_id] = k
        for r in rows["actor_aliases"]:
            if (k := self.actors.get(r["actor_id"])) is not None:
                _add_names(k, r["alias"])
                k.values.add(("alias", r["alias"].casefold()))
        for r in rows["actor_attributes"]:
            if (k := self.actors.get(r["actor_id"])) is not None:
                k.values.add((r["attribute"], r["value"].casefold()))
                if r["attribute"] == "birth_date":
                    k.birth_dates.add(birth_date(r["value"]))
                elif r["attribute"] in IDENTITY_NUMBERS and (key := number_key(r["attribute"], r["value"])):
                    k.ids.add(key)
        self.by_name: dict[str, set[str]] = {}
        for k in self.actors.values():
            for n in k.names:
                self.by_name.setdefault(n, set()).add(k.actor_id)
        self.designations = {r["designation_id"]: r for r in rows["designations"]
                             if r.get("curated_in") not in own_files}
        for r in self.designations.values():
            if r["authority_id"] == UN_AUTHORITY and (k := self.actors.get(r["target_actor_id"])) is not None:
                k.ids.add(number_key("un_reference", str(r["list_reference"])))
        self.by_ref = {str(r["list_reference"]): r for r in self.designations.values()
                       if r["authority_id"] == authority_id}
        # an actor a designation of this list targets is that reference's, and no other entry's
        self.reserved = {r["target_actor_id"]: ref for ref, r in self.by_ref.items()}
        self.links = {r["link_id"]: r for r in rows["links"] if r.get("curated_in") not in own_files}
        self.link_triples = {(r["from_record_id"], r["relation"], r["to_record_id"]): r["link_id"]
                             for r in self.links.values()}
        self.all_actor_ids = {r["actor_id"] for r in rows["actors"]}
        self.given: dict[str, str] = {}  # actor -> the entry of this release merged into it
        self.decided: dict[str, Match] = {}  # ref -> its match, once match_release has run

    def match(self, e: Entry) -> Match:
        """The actor an entry is, if any. After match_release, its decision; else decided now,
        and an actor already given to another entry of the release is not given again."""
        if e.ref in self.decided:
            return self.decided[e.ref]
        m = self._match(e, lambda a: f"merged into by entry {r} of this release"
                        if (r := self.given.get(a)) not in (None, e.ref) else None)
        if m.actor_id is not None:
            self.given.setdefault(m.actor_id, e.ref)
        return m

    def match_release(self, entries: list[Entry], decided: dict[str, str] | None = None) -> dict[str, Match]:
        """The match of every entry of a release at once, whatever their order: when several
        would merge into one actor, only the entry that carries the actor's primary name does
        (none when that does not single one out). `decided`: entries whose actor a curator
        decided (ref -> actor), whose actors no other entry takes. match() then returns these."""
        decided = decided or {}
        taken = {a: r for r, a in decided.items()}
        first = {e.ref: self._match(e, lambda a: f"the actor a curator decided entry {taken[a]} is"
                                    if a in taken else None)
                 for e in entries if e.actor_type is not None and e.ref not in decided}
        claims: dict[str, list[Entry]] = {}
        for e in entries:
            m = first.get(e.ref)
            if m is not None and m.actor_id is not None and not m.basis.startswith("same list reference"):
                claims.setdefault(m.actor_id, []).append(e)
        for actor_id, claimants in claims.items():
            if len(claimants) < 2:
                continue
            own = name_keys(self.actors[actor_id].name)
            primary = [e for e in claimants if own & name_keys(e.name)]
            carries = [e for e in claimants if own & _entry_names(e).keys()]
            winner = (primary if len(primary) == 1 else carries if len(carries) == 1 and not primary else [None])[0]
            for e in claimants:
                if e is winner:
                    continue
                others = [x.ref for x in claimants if x is not e]
                why = (f"entry {winner.ref} of this release carries its primary name and is merged into it"
                       if winner is not None else f"so would {'entry' if len(others) == 1 else 'entries'} "
                       f"{', '.join(others)} of this release, and none alone carries its primary name")
                first[e.ref] = Match(None, ambiguous=f"would merge into {actor_id} ({first[e.ref].basis}), but "
                                                     f"{why}: two entries of one release are never one actor")
        self.decided = first
        self.given = {m.actor_id: ref for ref, m in first.items() if m.actor_id is not None}
        return first

    def curated_designation(self, e: Entry) -> dict | None:
        """The designation of this list curated under the entry's reference or another it is known by."""
        for ref in (e.ref, *e.other_refs):
            if (d := self.by_ref.get(ref)) is not None:
                return d
        return None

    def _match(self, e: Entry, held_by: Callable[[str], str | None]) -> Match:
        """The match of one entry; an actor for which held_by gives a reason is no candidate."""
        if (d := self.curated_designation(e)) is not None:
            return Match(d["target_actor_id"],
                         f"same list reference: {d['designation_id']} ({d['list_reference']})")
        names = _entry_names(e)
        person = e.actor_type == "person"
        found = sorted({a for key in names for a in self.by_name.get(key, ()) if self.actors[a].person == person})
        held = {a: f"the target of designation {self.by_ref[self.reserved[a]]['designation_id']} "
                   f"({self.reserved[a]}) of this list" for a in found if a in self.reserved}
        held.update({a: why for a in found if a not in held and (why := held_by(a))})
        candidates = [a for a in found if a not in held]
        if not candidates:
            if held:
                return Match(None, ambiguous="; ".join(f"{a}: same name, but already {why}" for a, why in held.items()))
            return Match(None)
        dobs = {birth_date(v.value) for v in e.attributes if v.kind == "birth_date"}
        ids = {key for v in e.attributes if v.kind in IDENTITY_NUMBERS if (key := number_key(v.kind, v.value))}
        scored = []
        for a in candidates:
            k = self.actors[a]
            shared = [(names[key], k.names[key]) for key in names if key in k.names]
            same_dob = sorted({c for d in dobs for b in k.birth_dates if (c := _confirms(d, b))})
            scored.append(_Scored(a, shared, same_dob, sorted(ids & k.ids), _contradict(dobs, k.birth_dates)))
        backed = [s for s in scored if (s.same_dob or s.same_id) and not s.dob_conflict]
        if len(backed) == 1:
            return Match(backed[0].actor_id, self._basis(backed[0]))
        if not person and not backed:
            plain = [s for s in scored if not s.dob_conflict]
            if len(plain) == 1:
                return Match(plain[0].actor_id, self._basis(plain[0]))
            main = name_keys(e.name)
            primary = [s for s in plain if main & self.actors[s.actor_id].names.keys()]
            if len(primary) == 1:  # the list's primary name beats a shared alias
                others = ", ".join(s.actor_id for s in plain if s is not primary[0])
                return Match(primary[0].actor_id, self._basis(primary[0]) + " (primary name)",
                             ambiguous=f"merged into {primary[0].actor_id} by its primary name; an alias is also "
                                       f"carried by {others}")
        why = "; ".join(
            f"{s.actor_id}: same name" + (", same birth date" if s.same_dob else "")
            + (", same identity number" if s.same_id else "") + (", different birth date" if s.dob_conflict else "")
            + ("" if s.same_dob or s.same_id or s.dob_conflict
               else ", nothing to confirm it (no shared birth date or identity number)")
            for s in scored)
        why += "".join(f"; {a}: same name, but already {w}" for a, w in held.items())
        return Match(None, ambiguous=why)

    def _basis(self, s: _Scored) -> str:
        k = self.actors[s.actor_id]
        ours, theirs = s.shared[0]
        named = repr(ours) if ours == theirs else f"{ours!r} = {theirs!r}"
        if name_key(ours) != name_key(theirs):
            named += " (without the acronym in brackets)"
        parts = [f"same name or alias as {s.actor_id} ({k.name}): {named}"]
        if s.same_dob:
            parts.append(f"same birth date ({', '.join(s.same_dob)})")
        if s.same_id:
            parts.append(f"same identity number ({', '.join(s.same_id)})")
        return " and ".join(parts)

    def find_name(self, name: str) -> list[str]:
        return sorted(self.by_name.get(name_key(name), ()))


def _add_names(k: Known, name: str) -> None:
    for key in sorted(name_keys(name), key=lambda x: x != name_key(name)):
        k.names.setdefault(key, name)


def _entry_names(e: Entry) -> dict[str, str]:
    """Every name key of an entry (primary name first, then aliases) -> the name it is from."""
    out: dict[str, str] = {}
    for name in [e.name, *(a.value for a in e.aliases)]:
        for key in sorted(name_keys(name), key=lambda k: k != name_key(name)):
            out.setdefault(key, name)
    return out
