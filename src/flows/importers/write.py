"""An import, from a release's entries to the files under `data/raw/`: the orchestrator.

For each selected entry: the actor it is (decisions.py), its records (records.py: a new actor,
its designation, its links), the claims that rest on its rows (claims.py), and what changed
since the last import (changes.py). Records of earlier imports stay (older source files cite
them): a target missing from the new release is kept, with its delisting date (between the
last release that listed it and this one) and a claim resting on the archived text's list of
the references this release lacks; a link the release no longer gives is kept and noted.
Targets that are already actors of the project are merged into them: no actor record is
written, the designation and links point to the existing actor, and the names and details the
list adds are the source file's rows for that actor, with their claim. The release's source file and archived text (archive.py) are
written last; every file is written at the end, all together, by files.Plan, which refuses to
overwrite a curator's uncommitted edits. The same release imported twice writes the same bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from flows.build.list_entries import archived_releases
from flows.build.load import BACKED_TABLES, LIST_ENTRY_KEY, LIST_RELEASE_KEY, load_curation
from flows.importers.archive import ArchiveError, absent_locator, archive_text
from flows.importers.changes import Result, differences
from flows.importers.claims import Claims
from flows.importers.decisions import Choice, decide
from flows.importers.files import ImportRefused, Plan
from flows.importers.identity import Index
from flows.importers.inputs import inputs_digest
from flows.importers.model import Entry, Value
from flows.importers.records import (RecordSet, actor_values, backed, designation_record,
                                     distinct, import_defaults, link_record, load_records, own_actor, own_files,
                                     program_tags, reference_order, slug)
from flows.importers.registry import ListSpec
from flows.importers.release import ListRelease
from flows.importers.select import Selection, norm, present
from flows.schema.definition import ALIAS_TYPES, LIST_ROWS

DELIST_SHARE = 0.25  # of the designations of earlier imports
DELIST_FLOOR = 10  # a few delistings in a small import are ordinary
_ALIAS_KINDS = set(ALIAS_TYPES)


@dataclass
class Earlier:
    """The records the earlier imports of the list wrote, and their notes (by record id). Actors
    and designations backed by their list entries are kept as written (`written`, by table) and
    compared as the build makes them (`actors`, `designations`)."""

    actors: dict[str, dict]
    designations: dict[str, dict]
    links: dict[str, dict]
    notes: dict[str, str] = field(default_factory=dict)
    written: dict[str, dict[str, dict]] = field(default_factory=dict)

    @classmethod
    def read(cls, root: Path, spec: ListSpec, files: dict[str, str]) -> Earlier:
        raw = root / "data" / "raw"
        keys = {"actors": "actor_id", "designations": "designation_id", "links": "link_id"}
        tables = {t: load_records(raw, files[t]) for t in keys}
        written = {t: {r[keys[t]]: r for _, r in tables[t]} for t in keys}
        releases = archived_releases(root)
        made: dict[str, dict[str, dict]] = {}
        for table in BACKED_TABLES:
            try:
                made[table] = {i: _made(table, r, releases, spec) for i, r in written[table].items()}
            except ArchiveError as e:
                raise ImportRefused(f"data/raw/{files[table]}: {e.field}: {e} (nothing was written)") from None
        return cls(made["actors"], made["designations"], written["links"],
                   notes={r[keys[t]]: note for t in keys for note, r in tables[t] if note}, written=written)

    def __post_init__(self) -> None:
        self.by_ref = {str(r["list_reference"]): r for r in self.designations.values()}
        self._linked: dict[str, set[str]] = {}
        for lid, r in self.links.items():
            if lid not in self.notes:
                self._linked.setdefault(r["from_record_id"], set()).add(r["to_record_id"])

    def delisted(self) -> dict[str, str]:
        """The references an earlier import found delisted, and their delisting dates."""
        return {ref: d["delisted"] for ref, d in self.by_ref.items() if d.get("delisted")}

    def linked_from(self, actor_id: str) -> set[str]:
        """What the actor is linked to by the earlier imports' links the lists still gave."""
        return self._linked.get(actor_id, set())


def _made(table: str, record: dict, releases, spec: ListSpec) -> dict:
    """A record of an earlier import as the build makes it (from its list entry, if backed)."""
    if LIST_ENTRY_KEY not in record:
        return record
    release = record.get(LIST_RELEASE_KEY)
    if isinstance(release, str) and release.startswith("source/") and release not in releases.releases:
        releases.add(release, spec.key, f"texts/{release.removeprefix('source/')}.txt")  # an import's release
    try:
        return backed(table, record, releases.backing(record))
    except ArchiveError as e:
        raise ArchiveError(e.field, f"{record.get('actor_id') or record.get('designation_id')}: {e}") from None


@dataclass
class Output:
    """What the import writes: three record files and the release's claims."""

    claims: Claims
    actors: RecordSet = field(default_factory=RecordSet)
    designations: RecordSet = field(default_factory=RecordSet)
    links: RecordSet = field(default_factory=RecordSet)
    made: dict[str, dict] = field(default_factory=dict)  # the import's own records, as the build makes them
    linked: dict[str, set[str]] = field(default_factory=dict)  # actor -> what this import links it to


class Importer:
    def __init__(self, root: Path, spec: ListSpec, release: ListRelease, released: str,
                 same_as: dict[str, str] | None = None, force: bool = False,
                 accept_delistings: bool = False) -> None:
        self.root, self.raw = root, root / "data" / "raw"
        self.spec, self.release, self.released = spec, release, released
        self.same_as = same_as or {}
        self.force, self.accept_delistings = force, accept_delistings
        self.plan = Plan(root, spec.key)
        self.files = own_files(spec.key)
        self.source_slug = f"{spec.key}-{released}"
        self.source_id = f"source/{self.source_slug}"
        self.text_path = f"texts/{self.source_slug}.txt"
        self.absent: list[tuple[str, str]] = []  # (ref, designation id) of earlier imports not on the release
        self.delisted_here: dict[str, str] = {}  # ref -> delisting date, of those this release delists
        self.read: set[str] = set()  # the references of the entries read

    def designation_id(self, ref: str) -> str:
        return f"designation/{self.spec.designation_prefix}-{slug(ref)}"

    def outputs(self) -> list[Path]:
        """The files an import of this release writes (a record file without records is removed)."""
        return [self.raw / "sources" / f"{self.source_slug}.yaml", self.raw / self.text_path]

    def inputs(self, path: Path, options: dict) -> str:
        """The digest of what this import reads (flows.importers.inputs)."""
        written = {self.raw / f for f in self.files.values()} | set(self.outputs())
        return inputs_digest(path, {"list": self.spec.key, "released": self.released, **options}, self.raw, written)

    def up_to_date(self, inputs: str) -> Result | None:
        """The result of an import with the last import's inputs and files (nothing read, nothing
        written), or None when the import has to run."""
        if not self.plan.up_to_date(inputs, self.outputs()):
            return None
        return Result(self.source_id, up_to_date=True)

    def run(self, selection: Selection, selection_note: str, inputs: str | None = None) -> Result:
        if selection.unresolved_seeds:
            raise ImportRefused(f"{self.release.main_file}: --around {', '.join(map(repr, selection.unresolved_seeds))}: "
                                f"not on this release (no entry has that name, alias or {self.spec.ref_label}); "
                                "nothing was written")
        result = Result(self.source_id, selection=selection)
        index = self._index()
        earlier = Earlier.read(self.root, self.spec, self.files)
        entries = self._entries(selection, earlier, result)
        self._refuse_mass_delisting(len(result.delisted), len(earlier.by_ref))
        decisions = decide(entries, index, self.same_as, {r: d["target_actor_id"] for r, d in earlier.by_ref.items()},
                           set(earlier.actors), self.spec.designation_prefix, self.files["designations"])
        result.merged, result.ambiguous, result.skipped = decisions.merged, decisions.ambiguous, decisions.skipped
        out = Output(Claims(self.spec.authority_id, self.released, self.spec.key))
        names = _names(entries, decisions.chosen)
        for e in entries:
            if (choice := decisions.chosen.get(e.ref)) is not None:
                self._entry(e, choice, index, names, earlier, out, result)
        read = {c.actor_id for c in decisions.chosen.values()} | {
            earlier.by_ref[ref]["target_actor_id"] for ref in result.delisted}
        self._keep_earlier(earlier, out, result, read)
        self._not_selected_parties(selection, result)
        self._plan_files(out, entries, selection_note)
        result.written = self.plan.commit(self.force, inputs)
        return result

    def _index(self) -> Index:
        """The project as identity sees it: without the files this import rewrites (its own
        records, and the release's source file with the names and details it gives)."""
        own = {f"data/raw/{f}" for f in self.files.values()}
        rows = load_curation(self.root, frozenset(own | {f"data/raw/sources/{self.source_slug}.yaml"}), claims=False).rows
        return Index(rows, own, self.spec.authority_id)

    def _entries(self, selection: Selection, earlier: Earlier, result: Result) -> list[Entry]:
        """The entries read: the selection, and the references of earlier imports the release
        still lists (kept up to date). Sets what the result says of both."""
        earlier_refs = set(earlier.by_ref)
        wanted = None
        if selection.refs is not None:
            on_list = present(self.release, earlier_refs)
            wanted = set(selection.refs) | on_list
            result.not_selected = sorted(on_list - selection.refs)
        entries = list(self.release.entries(wanted))
        result.entries = len(entries)
        self.read = {e.ref for e in entries}
        result.orphans = getattr(self.release, "orphans", 0)
        absent = earlier_refs - {e.ref for e in entries} - set(result.not_selected)
        known = earlier.delisted()
        result.delisted = sorted(absent - set(known))
        result.still_delisted = len(absent & set(known))
        self.absent = [(ref, earlier.by_ref[ref]["designation_id"]) for ref in sorted(absent, key=reference_order)]
        # delisted by this release (now, or by an import of it before): its source file claims them
        date = self._delisting_date() if result.delisted else None
        self.delisted_here = {ref: known.get(ref) or date for ref in absent
                              if ref not in known or known[ref].split("/")[-1] == self.released}
        return entries

    def _entry(self, e: Entry, choice: Choice, index: Index, names: dict[str, list[str]], earlier: Earlier,
               out: Output, result: Result) -> None:
        """The records and claims of one entry, and how it changed."""
        base = f"{self.spec.designation_prefix}-{slug(e.ref)}"
        aliases, attributes = actor_values(e)
        curated = index.curated_designation(e)
        did = curated["designation_id"] if curated is not None else self.designation_id(e.ref)
        if choice.new:
            self._new_actor(e, choice.actor_id, base, aliases + attributes, curated is None, earlier, out)
        else:
            self._merged_actor(e, choice.actor_id, base, aliases + attributes, index, out)
        if curated is None:  # backed by its entry, as an actor of the import's own
            out.designations.put(did, {"designation_id": did, "target_actor_id": choice.actor_id,
                                       LIST_ENTRY_KEY: e.ref, LIST_RELEASE_KEY: self.source_id})
            out.made[did] = designation_record(e, did, self.spec.authority_id, choice.actor_id)
        if not (choice.new and curated is None):  # else the build makes the claims (entry_claims)
            if curated is None and program_tags(e.programs) is None and e.programs:
                out.claims.add(f"{base}-programme", did, [e.row], "program_tags", "; ".join(e.programs))
            out.claims.add(f"{base}-listing", did, [e.row], date_basis=e.listed_basis if e.listed else None)
        self._links(e, choice.actor_id, base, index, names, out, result)
        self._change(e, did, choice.actor_id, curated is not None, earlier, out, result)

    def _new_actor(self, e: Entry, actor_id: str, base: str, values: list[Value], own_designation: bool,
                   earlier: Earlier, out: Output) -> None:
        """An actor record of the import's own, backed by its entry: the build makes its fields
        (the list's name, other names and details) from the archived rows. With its own
        designation, the build makes its claims too (entry_claims); else its name claim is here."""
        # a curator's fields on the actor an earlier import backed by its entry stay (they win)
        kept = earlier.written["actors"].get(actor_id) or {}
        own = {k: v for k, v in kept.items() if k not in ("actor_id", LIST_ENTRY_KEY, LIST_RELEASE_KEY)} \
            if LIST_ENTRY_KEY in kept else {}
        out.actors.put(actor_id, {"actor_id": actor_id, LIST_ENTRY_KEY: e.ref, LIST_RELEASE_KEY: self.source_id, **own})
        out.made[actor_id] = {**own_actor(e, actor_id, self.source_id), **own}
        if own_designation:
            out.claims.entry(e.ref, actor_id)
        else:
            self._actor_claims(e, actor_id, base, values, None, out)

    def _merged_actor(self, e: Entry, actor_id: str, base: str, values: list[Value], index: Index,
                      out: Output) -> None:
        """An existing actor: the list's name and the names and details the actor lacks are given
        it in the source file (`actor_aliases:`, `actor_attributes:`), so that it is found by the
        list's names (`flows check --against-list`, the next import's identity)."""
        known = index.actors.get(actor_id)
        has = known.values if known else set()
        new = [v for v in values if (_value_field(v), v.value.casefold()) not in has
               and ("name", v.value.casefold()) not in has]
        if not ({("name", e.name.casefold()), ("alias", e.name.casefold())} & has):
            out.claims.name(actor_id, e.name, "primary")
        for v in new:
            if v.kind in _ALIAS_KINDS:
                out.claims.name(actor_id, v.value, v.kind)
            else:
                out.claims.detail(actor_id, v.kind, v.value)
        self._actor_claims(e, actor_id, base, new, None if known and known.name == e.name else e.name, out)

    def _actor_claims(self, e: Entry, actor_id: str, base: str, values: list[Value], claimed_name: str | None,
                      out: Output) -> None:
        """The actor's claim: on the entry's main row (its name, `claimed_name` when it differs
        from the actor's) and every row its values come from (OFAC's alt.csv, add.csv), those
        rows its evidence."""
        rows = [e.row, *(e.cited(v.row) for v in values)]
        out.claims.add(f"{base}-name", actor_id, rows, "name", claimed_name)

    def _links(self, e: Entry, actor_id: str, base: str, index: Index, names: dict[str, list[str]],
               out: Output, result: Result) -> None:
        """A link to each party the entry is "Linked To", when that party is one known record."""
        for i, v in enumerate(distinct(e.links), 1):
            targets = set(names.get(norm(v.value)) or index.find_name(v.value))
            if len(targets) != 1:
                result.unresolved_links.append((e.ref, v.value))
                continue
            to = targets.pop()
            link_id = f"link/{base}-linked-to-{to.split('/', 1)[1]}"
            existing = index.link_triples.get((actor_id, "linked_to", to)) or (link_id if link_id in index.links else None)
            if existing is None:
                out.links.put(link_id, link_record(link_id, actor_id, to, f"{self.spec.key} {self.spec.ref_label} "
                                                   f"{e.ref}: linked to {v.value}"))
                out.linked.setdefault(actor_id, set()).add(to)
            out.claims.add(f"{base}-link-{i}", existing or link_id, [e.cited(v.row)])

    def _change(self, e: Entry, designation_id: str, actor_id: str, curated: bool, earlier: Earlier,
                out: Output, result: Result) -> None:
        prev = earlier.by_ref.get(e.ref)
        if prev is None:
            if curated:
                result.unchanged += 1
            else:
                result.added.append(e.ref)
            return
        links = out.linked.get(actor_id, set())
        found = differences(prev, earlier.actors.get(prev["target_actor_id"]), out.made.get(designation_id),
                            out.made.get(actor_id), earlier.linked_from(actor_id), links)
        if found:
            result.changed[e.ref] = found
        else:
            result.unchanged += 1

    def _keep_earlier(self, earlier: Earlier, out: Output, result: Result, read: set[str]) -> None:
        """The records of earlier imports this release does not rewrite. Designations it delists
        get their delisting date and its claim; the links of the entries read or delisted
        (`read`: their actors) that it no longer gives are noted so, a note keeping the release
        that wrote it."""
        gone = f"not on the release of {self.released} ({self.source_id})"
        for did, made in sorted(earlier.designations.items()):
            ref, record = str(made["list_reference"]), self._kept(earlier.written["designations"][did], made)
            if ref in self.delisted_here and did not in out.designations:
                record = self._delisted(record, ref, self.delisted_here[ref], out.claims)
            out.designations.keep(did, record, earlier.notes.get(did))
        for actor_id, record in earlier.written["actors"].items():
            out.actors.keep(actor_id, self._kept(record, earlier.actors[actor_id]))
        for link_id, record in earlier.links.items():
            if link_id in out.links:
                continue  # given again by this release
            note = earlier.notes.get(link_id)
            if note is None and record["from_record_id"] in read:
                note = f"link dropped: {gone}"
                result.links_dropped.append(link_id)
            out.links.keep(link_id, record, note)

    def _kept(self, written: dict, made: dict) -> dict:
        """A record of an earlier import, as it is kept: as written, but in full when it is
        backed by an entry of this release's earlier import that this import no longer reads (the
        release imported again from another file): its archived rows are being replaced."""
        if written.get(LIST_RELEASE_KEY) == self.source_id and str(written.get(LIST_ENTRY_KEY)) not in self.read:
            return made
        return written

    def _delisted(self, record: dict, ref: str, date: str, claims: Claims) -> dict:
        """The designation (as written) with its delisting date, claimed by the list on the line of
        the archived text that names its reference among those this release lacks."""
        record = {**record, "delisted": date}
        did = record["designation_id"]
        number = self.absent.index((ref, did)) + 1
        since = date.split("/")[0] if "/" in date else None
        claims.statement(f"{self.spec.designation_prefix}-{slug(ref)}-delisted", did, "delisted", date,
                         absent_locator(number),
                         f"not on the release of {self.released}" + (f"; the release of {since} listed it" if since else ""))
        return record

    def _delisting_date(self) -> str:
        """EDTF: from the last earlier release of the list (its source file) to this one, when known."""
        earlier = sorted(p.stem[len(self.spec.key) + 1:] for p in (self.raw / "sources").glob(f"{self.spec.key}-*.yaml"))
        before = [d for d in earlier if re.fullmatch(r"\d{4}-\d{2}-\d{2}", d) and d < self.released]
        return f"{before[-1]}/{self.released}" if before else self.released

    def _not_selected_parties(self, selection: Selection, result: Result) -> None:
        """Links whose party is on the release but was not selected are not "not found"."""
        if selection.refs is None or not result.unresolved_links:
            return
        names = {norm(s.name) for s in self.release.scan()}
        result.unselected_links = [(r, n) for r, n in result.unresolved_links if norm(n) in names]
        result.unresolved_links = [(r, n) for r, n in result.unresolved_links if norm(n) not in names]

    def _plan_files(self, out: Output, entries: list[Entry], selection_note: str) -> None:
        header = (f"# Written by `flows import {self.spec.command}` (list {self.spec.key}). Re-import a release "
                  "to update;\n# a designation's target_actor_id pointing outside this file is kept as a "
                  "curator's decision.\n")
        defaults = import_defaults(self.spec.authority_id, self.source_id)
        for table, records, order in (("designations", out.designations, lambda r: reference_order(str(r.get(LIST_ENTRY_KEY, r.get("list_reference"))))),
                                      ("actors", out.actors, lambda r: r["actor_id"]),
                                      ("links", out.links, lambda r: r["link_id"])):
            path = self.raw / self.files[table]
            made = ("# A record with `list_entry:` is that entry of the release `list_release:`: the build makes its\n"
                    "# fields from the release's archived rows (texts/); a field written here wins.\n"
                    ) if table in BACKED_TABLES else ""
            if records.records:
                self.plan.put(path, records.dump(header + made, order, defaults[table]).encode("utf-8"))
            else:
                self.plan.remove(path)
        self.plan.put(self.raw / "sources" / f"{self.source_slug}.yaml", out.claims.source_file(
            self._source(), f"# Written by `flows import {self.spec.command}`: the claims of the release, each "
                            "citing its row of the archived text.\n").encode("utf-8"))
        self.plan.put(self.raw / self.text_path, archive_text(self.spec, self.release, self.released, entries,
                                                              selection_note, self.absent).encode("utf-8"))

    def _source(self) -> dict[str, str]:
        spec = self.spec
        return {"source_id": self.source_id,
                "title": f"{spec.title}, release of {self.released} – rows imported by `flows import {spec.command}`",
                "publisher": spec.publisher, "source_type": "official_list", "published": self.released,
                "date_basis": spec.date_basis, "url": spec.url, "text_path": self.text_path,
                "text_kind": LIST_ROWS, "licence": spec.licence}

    def _refuse_mass_delisting(self, delisted: int, earlier: int) -> None:
        """A release that drops a large share of what earlier imports listed is more likely cut
        short or the wrong file than a real list: refused unless accepted. (OFAC delisted 855 of
        8,890 entries, 9.6 %, between April 2021 and December 2023.)"""
        if self.accept_delistings or delisted <= max(DELIST_FLOOR, DELIST_SHARE * earlier):
            return
        raise ImportRefused(
            f"{self.release.main_file}: this release would delist {delisted} of the {earlier} designations of "
            f"earlier imports ({100 * delisted / earlier:.0f} %, more than {100 * DELIST_SHARE:.0f} %): is the "
            "file cut short or the wrong one? Re-run with --accept-delistings if the list really shrank "
            "(nothing was written)")


def _value_field(v: Value) -> str:
    """The actor field a value is: `alias` for every kind of name, else the attribute's name."""
    return "alias" if v.kind in _ALIAS_KINDS else v.kind


def _names(entries: list[Entry], chosen: dict[str, Choice]) -> dict[str, list[str]]:
    """Each imported entry's name (as links compare names) -> the actors it is."""
    out: dict[str, list[str]] = {}
    for e in entries:
        if e.ref in chosen:
            out.setdefault(norm(e.name), []).append(chosen[e.ref].actor_id)
    return out
