"""What an import writes under `data/raw/`, and what it changed.

Per list (`ofac-sdn`, `un-consolidated`) the import owns three record files,
`actors/import-<list>.yaml`, `designations/import-<list>.yaml` and `links/import-<list>.yaml`,
and per release one source file `sources/<list>-<date>.yaml` (the claims, each a `list_row`
with the verbatim row and its line) and its archived text `texts/<list>-<date>.txt` (the rows
read, verbatim, under a header naming the files, their sha256 and the selection).

Records of earlier imports stay (older source files cite them): a target missing from the new
release is kept and marked delisted in a comment. Targets that are already actors of the
project are merged into them (identity.py): no actor record is written, the designation and
links point to the existing actor, and the values the list adds are claims on that actor.
The same release imported twice writes the same bytes. Every file is written at the end, all
together, by files.Plan, which refuses to overwrite a curator's uncommitted edits; a release that
would delist a large share of earlier imports is refused before that.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from flows.build.load import load_curation
from flows.schema.definition import ALIAS_TYPES
from flows.build.texts import normalise
from flows.importers.files import ImportRefused, Plan
from flows.importers.identity import Index, Match
from flows.importers.model import Entry, Row, Value
from flows.importers.select import Selection, norm


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    s = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return s or "x"


def own_files(list_key: str) -> dict[str, str]:
    return {t: f"{t}/import-{list_key}.yaml" for t in ("actors", "designations", "links")}


@dataclass
class Result:
    source_id: str
    entries: int = 0
    written: list[str] = field(default_factory=list)  # files whose bytes changed
    added: list[str] = field(default_factory=list)
    changed: dict[str, list[str]] = field(default_factory=dict)
    unchanged: int = 0
    delisted: list[str] = field(default_factory=list)
    not_selected: list[str] = field(default_factory=list)
    merged: dict[str, tuple[str, str]] = field(default_factory=dict)  # ref -> (actor, basis)
    ambiguous: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    unresolved_links: list[tuple[str, str]] = field(default_factory=list)
    selection: Selection | None = None
    orphans: int = 0

    def report(self) -> str:
        lines = [f"{self.source_id}: {self.entries} entries read"]
        if self.selection and self.selection.refs is not None:
            whys: dict[str, int] = {}
            for w in self.selection.why.values():
                whys[w] = whys.get(w, 0) + 1
            lines.append("selected: " + ", ".join(f"{n} by {w}" for w, n in sorted(whys.items())))
            for s in self.selection.unresolved_seeds:
                lines.append(f"  seed not found on the list: {s}")
        lines.append(f"added {len(self.added)}, changed {len(self.changed)}, unchanged {self.unchanged}, "
                     f"delisted {len(self.delisted)}")
        lines += [f"  added {r}" for r in self.added]
        lines += [f"  changed {r}: {', '.join(v)}" for r, v in self.changed.items()]
        lines += [f"  delisted {r} (not on this release; its records are kept)" for r in self.delisted]
        if self.not_selected:
            lines.append(f"kept from earlier imports, not selected now: {len(self.not_selected)}")
        lines.append(f"merged into existing actors: {len(self.merged)}")
        lines += [f"  {r} -> {a}: {b}" for r, (a, b) in self.merged.items()]
        if self.ambiguous:
            lines.append(f"ambiguous, for a curator to decide (--same-as REF=actor/...): "
                         f"{len(self.ambiguous)}")
            lines += [f"  {r}: {w}" for r, w in self.ambiguous.items()]
        lines += [f"skipped {r}: {w}" for r, w in self.skipped.items()]
        lines += [f"link not written, party not found: {r} -> {n}" for r, n in self.unresolved_links]
        lines.append("files changed: " + (", ".join(self.written) or "none"))
        return "\n".join(lines)


def _load_own(raw: Path, rel: str) -> list[dict]:
    path = raw / rel
    if not path.is_file():
        return []
    doc = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    return doc or []


def _dump(records: list[tuple[str | None, dict]], header: str) -> str:
    out = [header]
    for comment, rec in records:
        if comment:
            out.append(f"# {comment}\n")
        out.append(yaml.dump([rec], Dumper=yaml.CSafeDumper, sort_keys=False, allow_unicode=True,
                             width=1_000_000, default_flow_style=False))
    return "".join(out)


def _dedupe(values: list[Value]) -> list[Value]:
    seen, out = set(), []
    for v in values:
        key = (v.kind, v.value)
        if key not in seen:
            seen.add(key)
            out.append(v)
    return out


class Importer:
    def __init__(self, root: Path, release: Any, released: str, prefix: str, command: str,
                 date_basis: str, same_as: dict[str, str] | None = None, force: bool = False,
                 accept_delistings: bool = False) -> None:
        self.root, self.raw = root, root / "data" / "raw"
        self.force, self.accept_delistings = force, accept_delistings
        self.plan = Plan(root, release.list_key)
        self.release, self.released, self.prefix = release, released, prefix
        self.command, self.date_basis = command, date_basis
        self.same_as = same_as or {}
        self.key = release.list_key
        self.files = own_files(self.key)
        self.source_slug = f"{self.key}-{released}"
        self.source_id = f"source/{self.source_slug}"
        self.text_path = f"texts/{self.source_slug}.txt"

    def designation_id(self, ref: str) -> str:
        return f"designation/{self.prefix}-{slug(ref)}"

    def run(self, selection: Selection, selection_note: str) -> Result:
        from flows.importers.select import present

        result = Result(self.source_id, selection=selection)
        curation = load_curation(self.root)
        own = {f"data/raw/{f}" for f in self.files.values()}
        index = Index(curation.rows, own, self.release.authority_id)
        prev_actors = {r["actor_id"]: r for r in _load_own(self.raw, self.files["actors"])}
        prev_des = {r["designation_id"]: r for r in _load_own(self.raw, self.files["designations"])}
        prev_links = {r["link_id"]: r for r in _load_own(self.raw, self.files["links"])}
        prev_by_ref = {str(r["list_reference"]): r for r in prev_des.values()}

        wanted = None
        if selection.refs is not None:
            on_list = present(self.release, set(prev_by_ref))
            wanted = set(selection.refs) | on_list
            result.not_selected = sorted(on_list - selection.refs)
        entries = [e for e in self.release.entries(wanted)]
        result.entries = len(entries)
        result.orphans = getattr(self.release, "orphans", 0)
        seen_refs = {e.ref for e in entries}
        if wanted is None:
            result.delisted = sorted(set(prev_by_ref) - seen_refs)
        else:
            result.delisted = sorted(set(prev_by_ref) - seen_refs - set(result.not_selected))
        self._refuse_mass_delisting(len(result.delisted), len(prev_by_ref))

        # -- identity: the actor of every entry --------------------------------------------
        taken = set(index.all_actor_ids)
        actor_of: dict[str, str] = {}
        new_actor: dict[str, bool] = {}
        for e in entries:
            if e.actor_type is None:
                result.skipped[e.ref] = f"{e.list_type} {e.name!r} is not an actor (not imported)"
                continue
            prev = prev_by_ref.get(e.ref)
            if e.ref in self.same_as:
                m = Match(self.same_as[e.ref], "curator decision (--same-as)")
            elif prev is not None and prev["target_actor_id"] not in prev_actors:
                m = Match(prev["target_actor_id"], f"curator decision in data/raw/{self.files['designations']}")
            else:
                m = index.match(e)
                if m.actor_id is None and prev is not None:
                    m = Match(None)
                    actor_of[e.ref] = prev["target_actor_id"]
            if m.ambiguous:
                result.ambiguous[e.ref] = m.ambiguous
            if m.actor_id is not None:
                actor_of[e.ref] = m.actor_id
                new_actor[e.ref] = False
                result.merged[e.ref] = (m.actor_id, m.basis or "")
                continue
            if e.ref not in actor_of:
                base = f"actor/{slug(e.name)}"
                aid = base if base not in taken else f"{base}-{self.prefix}-{slug(e.ref)}"
                actor_of[e.ref] = aid
            taken.add(actor_of[e.ref])
            new_actor[e.ref] = True

        by_name: dict[str, list[str]] = {}
        for e in entries:
            if e.ref in actor_of:
                by_name.setdefault(norm(e.name), []).append(actor_of[e.ref])

        # -- records and claims ------------------------------------------------------------
        actors: dict[str, tuple[str | None, dict]] = {}
        designations: dict[str, tuple[str | None, dict]] = {}
        links: dict[str, tuple[str | None, dict]] = {}
        claims: list[dict] = []
        for e in entries:
            if e.ref not in actor_of:
                continue
            aid = actor_of[e.ref]
            loc = lambda row, what=None: row.locator(f"{self.release.ref_label} {e.ref}", what)  # noqa: E731
            aliases = _dedupe([v for v in e.aliases if v.value != e.name])
            attributes = _dedupe(e.attributes)

            def claim(cid: str, record_id: str, row: Row, field_: str | None = None,
                      value: str | None = None, what: str | None = None) -> None:
                c: dict[str, Any] = {"id": cid, "record_id": record_id}
                if field_:
                    c["field"] = field_
                if value is not None:
                    c["claimed_value"] = value
                c.update(claimant_id=self.release.authority_id, stance="lists",
                         evidence_type="list_row", evidence_text=normalise(row.text),
                         locator=loc(row, what), claimed=self.released)
                claims.append(c)

            base = f"{self.prefix}-{slug(e.ref)}"
            if new_actor[e.ref]:
                rec: dict[str, Any] = {"actor_id": aid, "name": e.name, "actor_type": e.actor_type}
                if e.position:
                    rec["position"] = e.position
                placeholder = "" if e.actor_type == "person" else \
                    f"; the list calls it {'an' if e.list_type[0] in 'aeiou' else 'a'} {e.list_type}: `company` is a placeholder type"
                rec["description"] = (f"Imported from {self.release.describe()['publisher']} list, "
                                      f"{self.release.ref_label} {e.ref}{placeholder}.")
                rec["aliases"] = [{"alias": e.name, "alias_type": "primary", "source_id": self.source_id}] + [
                    {"alias": v.value, "alias_type": v.kind, "source_id": self.source_id}
                    for v in aliases if v.value != e.name]
                rec["attributes"] = [{"attribute": v.kind, "value": v.value, "source_id": self.source_id}
                                     for v in attributes]
                if not rec["attributes"]:
                    del rec["attributes"]
                actors[aid] = (None, rec)
                claim(f"{base}-name", aid, e.row, "name", what="name")
                extra = [v for v in aliases + attributes if v.row != e.row]
            else:
                known = index.actors.get(aid)
                has = known.values if known else set()
                name_value = None if known and known.name == e.name else e.name
                claim(f"{base}-name", aid, e.row, "name", name_value, what="name")
                extra = [v for v in aliases + attributes
                         if (("alias" if v.kind in _ALIAS_KINDS else v.kind), v.value.casefold()) not in has
                         and ("name", v.value.casefold()) not in has]
            counters: dict[str, int] = {}
            for v in extra:
                f = "alias" if v.kind in _ALIAS_KINDS else v.kind
                counters[f] = counters.get(f, 0) + 1
                # `field` may only name a field of the record itself: the alias or attribute
                # is named in the locator, and its row is the evidence.
                claim(f"{base}-{f.replace('_', '-')}-{counters[f]}", aid, v.row,
                      what=f"{f.replace('_', ' ')}: {v.value}")

            did = self.designation_id(e.ref)
            curated = index.curated_designation(e)
            if curated is not None:
                did = curated["designation_id"]
            else:
                d: dict[str, Any] = {"designation_id": did, "authority_id": self.release.authority_id,
                                     "target_actor_id": aid, "list_reference": e.ref}
                tags = _tags(e.programs)
                if tags:
                    d["program_tags"] = tags
                if e.listed:
                    d["listed"] = e.listed
                designations[did] = (None, d)
                if tags is None and e.programs:
                    claim(f"{base}-programme", did, e.row, "program_tags", "; ".join(e.programs))
            claim(f"{base}-listing", did, e.row,
                  what=f"listing ({e.listed_basis})" if e.listed_basis and e.listed else "listing")

            for i, v in enumerate(_dedupe(e.links), 1):
                targets = by_name.get(norm(v.value)) or index.find_name(v.value)
                if len(set(targets)) != 1:
                    result.unresolved_links.append((e.ref, v.value))
                    continue
                to = targets[0]
                lid = f"link/{base}-linked-to-{to.split('/', 1)[1]}"
                existing = index.link_triples.get((aid, "linked_to", to)) or (lid if lid in index.links else None)
                if existing is None:
                    links[lid] = (None, {"link_id": lid, "from_record_id": aid, "relation": "linked_to",
                                         "to_record_id": to,
                                         "description": f"{self.release.describe()['publisher']} list, "
                                                        f"{self.release.ref_label} {e.ref}: \"Linked To: {v.value}\"."})
                else:
                    lid = existing
                claim(f"{base}-link-{i}", lid, v.row, what=f"Linked To: {v.value}")

            # what changed since the last import
            prev = prev_by_ref.get(e.ref)
            if prev is None and curated is None:
                result.added.append(e.ref)
            elif prev is not None:
                diffs = _diff(prev, prev_actors.get(prev["target_actor_id"]), designations.get(did, (None, None))[1],
                              actors.get(aid, (None, None))[1], prev_links, links, aid)
                if diffs:
                    result.changed[e.ref] = diffs
                else:
                    result.unchanged += 1
            else:
                result.unchanged += 1

        # -- records of earlier imports that this release does not touch -------------------
        delisted = set(result.delisted)
        for did, rec in sorted(prev_des.items()):
            if did not in designations:
                ref = str(rec["list_reference"])
                note = (f"delisted: not on the release of {self.released} ({self.source_id})"
                        if ref in delisted else None)
                designations[did] = (note, rec)
        for aid, rec in prev_actors.items():
            actors.setdefault(aid, (None, rec))
        for lid, rec in prev_links.items():
            links.setdefault(lid, (None, rec))

        header = (f"# Written by `flows {self.command}` (list {self.key}). Re-import a release to update;\n"
                  f"# a designation's target_actor_id pointing outside this file is kept as a curator's decision.\n")
        order = self.release_sort
        self._write_records("designations", designations, header,
                            lambda r: order(str(r["list_reference"])), result)
        self._write_records("actors", actors, header, lambda r: r["actor_id"], result)
        self._write_records("links", links, header, lambda r: r["link_id"], result)
        source = {"source_id": self.source_id}
        d = self.release.describe()
        source.update(title=f"{d['title']}, release of {self.released} – rows imported by `flows {self.command}`",
                      publisher=d["publisher"], source_type="official_list", published=self.released,
                      date_basis=self.date_basis, url=d["url"], text_path=self.text_path,
                      text_kind="extract", licence=d["licence"])
        doc = yaml.dump({"source": source}, Dumper=yaml.CSafeDumper, sort_keys=False, allow_unicode=True,
                        width=1_000_000, default_flow_style=False)
        if claims:
            doc += yaml.dump({"claims": claims}, Dumper=yaml.CSafeDumper, sort_keys=False,
                             allow_unicode=True, width=1_000_000, default_flow_style=False)
        self.plan.put(self.raw / "sources" / f"{self.source_slug}.yaml",
                      (f"# Written by `flows {self.command}`: one claim per list row read, with its line.\n"
                       + doc).encode("utf-8"))
        self.plan.put(self.raw / self.text_path, self._archive(entries, selection_note).encode("utf-8"))
        result.written = self.plan.commit(self.force)
        return result

    def _refuse_mass_delisting(self, delisted: int, earlier: int) -> None:
        """A release that drops a large share of what earlier imports listed is more likely cut
        short or the wrong file than a real list: refused unless accepted. (OFAC delisted 855 of
        8,890 entries, 9.6 %, between April 2021 and December 2023.)"""
        if self.accept_delistings or delisted <= max(DELIST_FLOOR, DELIST_SHARE * earlier):
            return
        raise ImportRefused(
            f"{self.release.main_file}: this release would delist {delisted} of the {earlier} designations of earlier imports "
            f"({100 * delisted / earlier:.0f} %, more than {100 * DELIST_SHARE:.0f} %): is the file cut short or "
            "the wrong one? Re-run with --accept-delistings if the list really shrank (nothing was written)")

    def release_sort(self, ref: str) -> tuple:
        return (0, int(ref), "") if ref.isdigit() else (1, 0, ref)

    def _write_records(self, table: str, records: dict, header: str, key, result: Result) -> None:
        items = sorted(records.values(), key=lambda cr: key(cr[1]))
        path = self.raw / self.files[table]
        if not items:
            self.plan.remove(path)
            return
        self.plan.put(path, _dump(items, header).encode("utf-8"))

    def _archive(self, entries: list[Entry], selection_note: str) -> str:
        d = self.release.describe()
        lines = [f"TITLE: {d['title']}, release of {self.released} – rows read by `flows {self.command}`",
                 f"PUBLISHER: {d['publisher']}",
                 f"RELEASE: {self.released} ({self.date_basis})",
                 f"ORIGINAL URL: {d['urls']}",
                 f"LICENCE: {d['licence']}",
                 "FILES READ:"]
        for name in sorted(self.release.info):
            i = self.release.info[name]
            lines.append(f"  {name}: {i.size} bytes, sha256 {i.sha256}, {i.rows} rows, {i.encoding}"
                         + (", ends with the 0x1A byte" if i.terminator else ""))
        lines += [f"SELECTION: {selection_note}",
                  "NOTE: every row below is verbatim from the file named above it (decoded as stated, "
                  "line ends and the 0x1A terminator removed), in the file's order; a claim's locator "
                  "gives the row's line in the original file.", ""]
        rows: dict[str, list[Row]] = {}
        for e in entries:
            for r in e.rows():
                rows.setdefault(r.file, []).append(r)
        for name in sorted(rows, key=lambda n: (n not in ("sdn.csv",), n)):
            lines.append(f"=== {name} ===")
            seen = set()
            for r in sorted(rows[name], key=lambda r: r.line):
                if (r.line, r.text) not in seen:
                    seen.add((r.line, r.text))
                    lines.append(r.text)
            lines.append("")
        return "\n".join(lines)


DELIST_SHARE = 0.25  # of the designations of earlier imports
DELIST_FLOOR = 10  # a few delistings in a small import are ordinary

_ALIAS_KINDS = set(ALIAS_TYPES)
_TAG = re.compile(r"^[A-Z0-9-]+$")


def _tags(programs: list[str]) -> str | None:
    """Programme tags as the schema stores them (`NPWMD; IFSR`); UN list types upper-cased.
    None when a tag cannot be written in that form (the tag then stays in a claim)."""
    tags = [p.upper().replace(" ", "-") for p in programs]
    if tags and all(_TAG.match(t) for t in tags):
        return "; ".join(tags)
    return None


def _diff(prev_d: dict, prev_a: dict | None, new_d: dict | None, new_a: dict | None,
          prev_links: dict, new_links: dict, aid: str) -> list[str]:
    out = []
    if new_d is not None and prev_d.get("program_tags") != new_d.get("program_tags"):
        out.append(f"program tags {prev_d.get('program_tags')!r} -> {new_d.get('program_tags')!r}")
    if new_d is not None and prev_d.get("listed") != new_d.get("listed"):
        out.append("listed date")
    if prev_a is not None and new_a is not None:
        if prev_a.get("name") != new_a.get("name"):
            out.append(f"name {prev_a.get('name')!r} -> {new_a.get('name')!r}")
        for key, fields in (("aliases", ("alias", "alias_type")), ("attributes", ("attribute", "value"))):
            before = {tuple(x[f] for f in fields) for x in prev_a.get(key) or []}
            after = {tuple(x[f] for f in fields) for x in new_a.get(key) or []}
            if before != after:
                out.append(f"{key} (+{len(after - before)} -{len(before - after)})")
    before = {r["to_record_id"] for r in prev_links.values() if r["from_record_id"] == aid}
    after = {r["to_record_id"] for _, r in new_links.values() if r["from_record_id"] == aid}
    if after and before != after:
        out.append("links")
    return out
