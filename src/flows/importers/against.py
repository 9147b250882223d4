"""`flows check --against-list PATH`: the project's designations compared with an official release.

Designations curated as delisted (`delisted`) are expected to be missing; one the release lists
again is reported. The release is read by its list's parser (the list is named with `--list`, or recognised from
the path: flows.importers.registry). For every designation whose authority publishes the list
(the mapping file's authority_id) it reports: targets no longer listed (the reference is not on the
release), changed names (the release's primary name is neither the target actor's name nor
one of its aliases) and changed programme tags, and designations that cannot be found (a
reference that is not of the list's form, the mapping file's reference pattern, or a target
actor the project lacks). The release
is streamed; only the entries the designations name are kept.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from flows.build.dates import edtf_bounds
from flows.build.load import load_curation
from flows.importers.identity import name_key
from flows.importers.model import Entry
from flows.importers.records import own_files, program_tags
from flows.importers.registry import ListSpec, list_of, registry, release_path
from flows.importers.release import ListRelease


@dataclass
class Finding:
    designation_id: str
    reference: str
    kind: str  # no_longer_listed | listed_again | name_changed | program_tags_changed | cannot_be_found
    detail: str

    def __str__(self) -> str:
        return f"{self.designation_id} ({self.reference}): {self.kind.replace('_', ' ')}: {self.detail}"


@dataclass
class Report:
    list_name: str
    checked: int = 0
    findings: list[Finding] = field(default_factory=list)
    other_lists: int = 0  # designations of the authority that belong to another of its lists
    listed_later: int = 0  # designations listed after this release was published: not on it, rightly

    def text(self) -> str:
        lines = [str(f) for f in self.findings]
        counts: dict[str, int] = {}
        for f in self.findings:
            counts[f.kind] = counts.get(f.kind, 0) + 1
        lines.append(f"{self.list_name}: {self.checked} designations checked; "
                     + (", ".join(f"{k.replace('_', ' ')} {n}" for k, n in sorted(counts.items()))
                        or "all listed as curated")
                     + "".join(f" ({n} {what})" for n, what in (
                         (self.other_lists, "of the authority's other lists not checked"),
                         (self.listed_later, "listed after this release, rightly not on it")) if n))
        return "\n".join(lines)


def open_release(path: Path, list_key: str | None = None) -> tuple[ListSpec, ListRelease]:
    """The list a path is a release of (named, or recognised: flows.importers.registry) and
    the release, opened as a comparison needs it (the parser's defaults)."""
    spec = list_of(path, list_key)
    release = spec.open(release_path(spec, path))
    return spec.for_release(release), release


def compare(root: Path, path: Path, list_key: str | None = None) -> Report:
    spec, release = open_release(path, list_key)
    rows = load_curation(root).rows
    actors = {r["actor_id"]: r for r in rows["actors"]}
    names: dict[str, set[str]] = {a: {name_key(r["name"])} for a, r in actors.items()}
    for r in rows["actor_aliases"]:
        names.setdefault(r["actor_id"], set()).add(name_key(r["alias"]))
    authority = sorted((r for r in rows["designations"] if r["authority_id"] == spec.authority_id),
                       key=lambda r: r["designation_id"])
    designations = [d for d in authority if not _of_another_list(spec, d)]
    report = Report(spec.title, len(designations), other_lists=len(authority) - len(designations))
    listed = {ref: e for e in release.entries({str(d["list_reference"]) for d in designations})
              for ref in (e.ref, *e.other_refs)}
    elsewhere = _listed_elsewhere(release, [d for d in designations if str(d["list_reference"]) not in listed
                                            and spec.well_formed(str(d["list_reference"])) and not d.get("delisted")],
                                  names)
    released = _release_date(spec, release)
    announced = {r["sanction_id"]: r.get("announced") for r in rows["sanctions"]}
    for d in designations:
        if str(d["list_reference"]) not in listed and _listed_after(d, announced, released):
            report.listed_later += 1
            continue
        found = _finding(spec, d, actors, names, listed, elsewhere, released)
        if found is not None:
            report.findings.append(found)
        if found is None or found.kind == "name_changed":
            if (tags := _tags_finding(d, listed.get(str(d["list_reference"])))) is not None:
                report.findings.append(tags)
    return report


def _of_another_list(spec: ListSpec, designation: dict) -> bool:
    """Whether a designation of this list's authority belongs to another of its lists (the UK's
    OFSI and FCDO lists): curated in that list's import file, or curated by hand with a
    reference of that list's form and not of this one's."""
    others = [s for family in registry().values() for s in (family.variants or (family,))
              if s.authority_id == spec.authority_id and s.key != spec.key]
    curated_in = designation.get("curated_in", "")
    if any(curated_in == f"data/raw/{own_files(s.key)['designations']}" for s in others):
        return True
    ref = str(designation["list_reference"])
    return not spec.well_formed(ref) and any(s.well_formed(ref) for s in others)


def _listed_elsewhere(release: ListRelease, missing: list[dict], names: dict[str, set[str]]) -> dict[str, list[str]]:
    """designation id -> the entries (`REF 'NAME'`) of the release that carry the name of the
    target of a designation whose reference is not on it (one pass, only when there is one)."""
    wanted = {n: d["designation_id"] for d in missing for n in names.get(d["target_actor_id"], ())}
    found: dict[str, list[str]] = {}
    if wanted:
        for s in release.scan():
            if (did := wanted.get(name_key(s.name))) is not None:
                found.setdefault(did, []).append(f"{s.ref} {s.name!r}")
    return found


def _release_date(spec: ListSpec, release: ListRelease) -> dt.date | None:
    """The release's date when its files give one (OFAC's do not)."""
    read = spec.read_date(release) if spec.date_reader is not None else None
    return dt.date.fromisoformat(read) if read else None


def _listed_after(designation: dict, announced: dict[str, str | None], released: dt.date | None) -> bool:
    """Whether the designation was made after the release's date (an older release): by its
    listing date, else the announcement of the sanctioning action that made it."""
    made = designation.get("listed") or announced.get(designation.get("sanction_id") or "")
    if released is None or not made:
        return False
    first = edtf_bounds(str(made))[0]
    return first is not None and first > released


def _finding(spec: ListSpec, d: dict, actors: dict[str, dict], names: dict[str, set[str]], listed: dict,
             elsewhere: dict[str, list[str]], released: dt.date | None) -> Finding | None:
    """What is wrong with one designation, the first thing found: its target, its reference,
    its listing, its name."""
    did, ref, target = d["designation_id"], str(d["list_reference"]), d["target_actor_id"]
    if target not in actors:
        return Finding(did, ref, "cannot_be_found", f"its target {target} is not an actor of the project")
    if not spec.well_formed(ref):
        return Finding(did, ref, "cannot_be_found", f"{ref!r} is not a {spec.ref_label} of this list")
    e = listed.get(ref)
    if e is None and d.get("delisted"):
        return None  # delisted as curated
    if e is not None and d.get("delisted"):
        last_listed = edtf_bounds(str(d["delisted"]))[0]
        if released is not None and last_listed is not None and released <= last_listed:
            return None  # a release from before the delisting lists it, as it should
        return Finding(did, ref, "listed_again", f"delisted {d['delisted']} in the curation, but the release"
                       + (f" of {released}" if released else "") + " lists it")
    if e is None:
        also = elsewhere.get(did)
        return Finding(did, ref, "no_longer_listed", f"{spec.ref_label} {ref} is not on the release"
                       + (f"; an entry with the target's name is listed as {', '.join(also)}" if also else ""))
    if name_key(e.name) not in names.get(target, set()):
        return Finding(did, ref, "name_changed", f"the release names it {e.name!r}; {target} is "
                       f"{actors[target]['name']!r} and carries no such alias")
    return None


def _tags_finding(d: dict, e: Entry | None) -> Finding | None:
    tags = program_tags(e.programs) if e is not None else None
    if d.get("program_tags") is not None and tags is not None and \
            set(d["program_tags"].split("; ")) != set(tags.split("; ")):
        return Finding(d["designation_id"], str(d["list_reference"]), "program_tags_changed",
                       f"curated {d['program_tags']!r}, the release gives {tags!r}")
    return None
