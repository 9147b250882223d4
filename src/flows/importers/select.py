"""Which entries of a release enter the dataset.

By programme tag (`--program IFSR`), and by the "Linked To" graph around seeds given by name,
alias or reference (`--around "QODS AVIATION INDUSTRIES"`): the seeds, every entry linked to
or from them, and so on for `depth` steps. Then the parties the selected entries name as
"Linked To" are added, so that every link can point to an imported record. Each step is one
streamed pass over the file; memory holds the selected entries' summaries only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Protocol

from collections.abc import Iterator

from flows.importers.model import Summary


class Release(Protocol):
    def scan(self) -> Iterator[Summary]: ...
    def scan_aliases(self) -> Iterator[tuple[str, str]]: ...


_SPACE = re.compile(r"\s+")


def norm(name: str) -> str:
    """A name as selection and links compare it: case and spacing folded, and a final full stop
    dropped. OFAC's remarks end with a full stop that may or may not be the dot of a linked
    name's abbreviation ("Linked To: X CO." names "X CO." or "X CO"): either resolves."""
    return _SPACE.sub(" ", name).strip().casefold().removesuffix(".").rstrip()


@dataclass
class Selection:
    refs: set[str] | None  # None: every entry
    why: dict[str, str] = field(default_factory=dict)  # ref -> programme / seed / graph / linked party
    unresolved_seeds: list[str] = field(default_factory=list)
    passes: int = 0


def select(release: Release, programs: list[str], around: list[str], depth: int = 1,
           linked_parties: bool = True) -> Selection:
    if not programs and not around:
        return Selection(None)
    sel = Selection(set())
    summaries: dict[str, Summary] = {}

    def add(s: Summary, why: str) -> None:
        if s.ref not in sel.refs:
            sel.refs.add(s.ref)
            sel.why[s.ref] = why
            summaries[s.ref] = Summary(s.ref, s.name, (), s.links)

    wanted_programs = {p.casefold() for p in programs}
    seeds = {norm(a): a for a in around}
    seed_refs: dict[str, str] = {}
    if seeds:
        for ref, alias in release.scan_aliases():
            if norm(alias) in seeds:
                seed_refs[ref] = seeds[norm(alias)]
        sel.passes += 1
    found: set[str] = set()
    for s in release.scan():
        if wanted_programs and wanted_programs & {p.casefold() for p in s.programs}:
            add(s, "programme")
        if seeds:
            key = s.ref if s.ref in around else norm(s.name) if norm(s.name) in seeds else None
            if key is not None or s.ref in seed_refs:
                add(s, "seed")
                sel.why[s.ref] = "seed"
                found.add(seeds.get(key, key) if key else seed_refs[s.ref])
    sel.passes += 1
    sel.unresolved_seeds = [a for a in around if a not in found and norm(a) not in {norm(f) for f in found}]
    frontier = {r for r, w in sel.why.items() if w == "seed"}
    for level in range(depth):
        if not frontier:
            break
        names = {norm(summaries[r].name) for r in frontier}
        out = {norm(n) for r in frontier for n in summaries[r].links}
        new: set[str] = set()
        for s in release.scan():
            if s.ref in sel.refs:
                continue
            if norm(s.name) in out or any(norm(n) in names for n in s.links):
                add(s, f"linked (step {level + 1})")
                new.add(s.ref)
        sel.passes += 1
        frontier = new
    if linked_parties:
        out = {norm(n) for r in sel.refs for n in summaries[r].links}
        out -= {norm(summaries[r].name) for r in sel.refs}
        if out:
            for s in release.scan():
                if s.ref not in sel.refs and norm(s.name) in out:
                    add(s, "linked party")
            sel.passes += 1
    return sel


def present(release: Release, refs: set[str]) -> set[str]:
    """Which of refs the release lists (one pass)."""
    return {s.ref for s in release.scan() if s.ref in refs} if refs else set()
