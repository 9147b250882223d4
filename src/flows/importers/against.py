"""`flows check --against-list PATH`: the project's designations compared with an official release.

For every designation whose authority publishes the list (OFAC: actor/us-treasury-ofac; UN:
actor/un-security-council) it reports: targets no longer listed (the reference is not on the
release), changed names (the release's primary name is neither the target actor's name nor
one of its aliases) and changed programme tags, and designations that cannot be found (a
reference that is not of the list's form, or a target actor the project lacks). The release
is streamed; only the entries the designations name are kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from flows.build.load import load_curation
from flows.importers.identity import name_key
from flows.importers.write import _tags


@dataclass
class Finding:
    designation_id: str
    reference: str
    kind: str  # no_longer_listed | name_changed | program_tags_changed | cannot_be_found
    detail: str

    def __str__(self) -> str:
        return f"{self.designation_id} ({self.reference}): {self.kind.replace('_', ' ')}: {self.detail}"


@dataclass
class Report:
    list_name: str
    checked: int = 0
    findings: list[Finding] = field(default_factory=list)

    def text(self) -> str:
        lines = [str(f) for f in self.findings]
        counts: dict[str, int] = {}
        for f in self.findings:
            counts[f.kind] = counts.get(f.kind, 0) + 1
        lines.append(f"{self.list_name}: {self.checked} designations checked; "
                     + (", ".join(f"{k.replace('_', ' ')} {n}" for k, n in sorted(counts.items()))
                        or "all listed as curated"))
        return "\n".join(lines)


def open_release(path: Path):
    from flows.importers.ofac import OfacRelease
    from flows.importers.un import UnRelease

    if path.is_dir() and (path / "sdn.csv").is_file():
        return OfacRelease(path)
    if path.is_file() and path.suffix.lower() == ".xml":
        return UnRelease(path)
    if path.is_dir():
        xml = sorted(path.glob("*.xml"))
        if len(xml) == 1:
            return UnRelease(xml[0])
    raise FileNotFoundError(f"{path}: neither a folder with OFAC's sdn.csv nor a UN consolidated list XML")


def compare(root: Path, path: Path) -> Report:
    release = open_release(path)
    curation = load_curation(root)
    rows = curation.rows
    actors = {r["actor_id"]: r for r in rows["actors"]}
    names: dict[str, set[str]] = {a: {name_key(r["name"])} for a, r in actors.items()}
    for r in rows["actor_aliases"]:
        names.setdefault(r["actor_id"], set()).add(name_key(r["alias"]))
    designations = sorted((r for r in rows["designations"] if r["authority_id"] == release.authority_id),
                          key=lambda r: r["designation_id"])
    report = Report(release.describe()["title"], len(designations))
    well_formed = (lambda ref: ref.isdigit()) if release.list_key == "ofac-sdn" else (lambda ref: "." in ref)
    wanted = {str(d["list_reference"]) for d in designations}
    listed = {e.ref: e for e in release.entries(wanted)}
    missing_names: dict[str, str] = {}
    for d in designations:
        ref = str(d["list_reference"])
        if ref not in listed and well_formed(ref):
            for n in names.get(d["target_actor_id"], ()):
                missing_names[n] = d["designation_id"]
    elsewhere: dict[str, list[str]] = {}
    if missing_names:
        for s in release.scan():
            if (d := missing_names.get(name_key(s.name))) is not None:
                elsewhere.setdefault(d, []).append(f"{s.ref} {s.name!r}")
    for d in designations:
        did, ref, target = d["designation_id"], str(d["list_reference"]), d["target_actor_id"]

        def add(kind: str, detail: str) -> None:
            report.findings.append(Finding(did, ref, kind, detail))

        if target not in actors:
            add("cannot_be_found", f"its target {target} is not an actor of the project")
            continue
        if not well_formed(ref):
            add("cannot_be_found", f"{ref!r} is not a {release.ref_label} of this list")
            continue
        e = listed.get(ref)
        if e is None:
            also = elsewhere.get(did)
            add("no_longer_listed", f"{release.ref_label} {ref} is not on the release"
                + (f"; an entry with the target's name is listed as {', '.join(also)}" if also else ""))
            continue
        if name_key(e.name) not in names.get(target, set()):
            add("name_changed", f"the release names it {e.name!r}; {target} is {actors[target]['name']!r} "
                "and carries no such alias")
        tags = _tags(e.programs)
        if d.get("program_tags") is not None and tags is not None and \
                set(d["program_tags"].split("; ")) != set(tags.split("; ")):
            add("program_tags_changed", f"curated {d['program_tags']!r}, the release gives {tags!r}")
    return report
