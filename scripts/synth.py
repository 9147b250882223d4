#!/usr/bin/env python3
"""A synthetic curation set of any size, for benchmarks and scale tests.

    python scripts/synth.py --claims 100000 --out /tmp/synth-100k [--seed 8]

writes `<out>/data/raw/` (package.yaml, sources/, actors/, items/, transfers/, sanctions/,
designations/, events/, links/, texts/) and `<out>/README.md`, shaped like the real curation:
many sources of every type (news pages archived as pointer files holding paraphrases, official
lists as extracts, legal acts and statements as full texts), actors with aliases and identifying
details, items, flows of every status, sanctions and their designations, events with their
actors, links between records, and several claims per record (asserted, denied, confirmed ...),
each with evidence that stands verbatim in its source's generated archived text.

Seeded and deterministic: the same --claims and --seed give byte-identical files. The set
passes `flows build` with no problem: `flows build --root <out> --out <out>`.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from flows.schema import definition as schema

ROOT = Path(__file__).resolve().parents[1]

STATES = [("iran", "Iran", "IR"), ("russia", "Russia", "RU"), ("ukraine", "Ukraine", "UA"),
          ("united-states", "United States", "US"), ("united-kingdom", "United Kingdom", "GB"),
          ("belarus", "Belarus", "BY"), ("north-korea", "North Korea", "KP"),
          ("china", "China", "CN"), ("syria", "Syria", "SY"), ("turkey", "Turkey", "TR"),
          ("armenia", "Armenia", "AM"), ("united-arab-emirates", "United Arab Emirates", "AE"),
          ("germany", "Germany", "DE"), ("france", "France", "FR"), ("israel", "Israel", "IL"),
          ("kazakhstan", "Kazakhstan", "KZ"), ("venezuela", "Venezuela", "VE"),
          ("iraq", "Iraq", "IQ"), ("yemen", "Yemen", "YE"), ("poland", "Poland", "PL")]
AUTHORITIES = [("us-treasury-ofac", "U.S. Treasury, OFAC", "US"),
               ("council-of-the-eu", "Council of the European Union", None),
               ("uk-fcdo", "UK Foreign, Commonwealth & Development Office", "GB"),
               ("us-commerce-bis", "U.S. Department of Commerce, BIS", "US"),
               ("canada-global-affairs", "Global Affairs Canada", "CA")]


def weighted(values: tuple[str, ...], weights: dict[str, int] | None = None,
             leave_out: tuple[str, ...] = ()) -> list[str]:
    """A schema enumeration to draw from: each value repeated by its weight (1 unless given)."""
    weights = weights or {}
    unknown = (set(weights) | set(leave_out)) - set(values)
    if unknown:
        raise ValueError(f"not in the schema: {sorted(unknown)}")
    return [v for v in values if v not in leave_out for _ in range(weights.get(v, 1))]


# The schema's enumerations (synthetic sets use every value the schema allows), weighted.
ACTOR_TYPES = weighted(schema.ACTOR_TYPES, {"company": 3, "person": 2}, leave_out=("state",))  # STATES
ITEM_CATEGORIES = weighted(schema.ITEM_CATEGORIES)
FLOW_TYPES = weighted(schema.FLOW_TYPES, {"materiel": 3})
TRANSFER_STATUSES = weighted(schema.TRANSFER_STATUSES)
SANCTION_STATUSES = weighted(schema.SANCTION_STATUSES, {"imposed": 3})
EVENT_TYPES = weighted(schema.EVENT_TYPES)
EVENT_ROLES = weighted(schema.EVENT_ROLES)
RELATIONS = weighted(schema.RELATIONS)
# `lists` is the stance of designations' claims only
STANCES = weighted(schema.STANCES, {"asserts": 12, "denies": 2}, leave_out=("lists",))
ALIAS_TYPES = weighted(schema.ALIAS_TYPES, leave_out=("primary",))  # the name itself is the primary
ATTRIBUTES = weighted(schema.ATTRIBUTES)
# (source_type, text_kind, share of sources)
SOURCE_KINDS = [("news_article", "pointer", 55), ("official_list", "extract", 12),
                ("legal_act", "full_text", 8), ("press_release", "full_text", 10),
                ("transcript", "full_text", 5), ("official_statement", "full_text", 5),
                ("report", "extract", 5)]
PUBLISHERS = ["Reuters", "Associated Press", "Al-Monitor", "The Moscow Times", "Kyiv Independent",
              "BBC News", "Radio Free Europe", "Financial Times", "Le Monde", "Der Spiegel",
              "U.S. Department of the Treasury", "Council of the EU", "UK FCDO",
              "Institute for the Study of War", "Conflict Armament Research"]
WORDS = ("drone missile shipment cargo port airfield factory engine component warhead battery "
         "guidance crew instructor contract payment route vessel aircraft plant depot launcher "
         "convoy supplier broker network licence export import frontline battalion brigade "
         "officials analysts ministry spokesman envoy satellite imagery intercepted wreckage "
         "serial numbers manifest invoice customs border railway warehouse assembly").split()
PLACES = ["Kyiv", "Odesa", "Kharkiv", "Tehran", "Isfahan", "Moscow", "Alabuga", "Yelabuga",
          "Crimea", "Bandar Abbas", "Caspian Sea", "Minsk", "Dnipro", "Zaporizhzhia", "Lviv"]
VERBS = ["supplied", "delivered", "shipped", "promised", "requested", "refused", "assembled",
         "trained", "repaired", "financed", "brokered", "received", "intercepted", "launched"]
COUNTRY_CODES = [c for _, _, c in STATES]


def q(text: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def _edtf_pool(rng: random.Random) -> list[str]:
    pool = []
    for year in (2022, 2023, 2024, 2025):
        pool.append(str(year))
        for month in range(1, 13):
            pool.append(f"{year}-{month:02d}")
            pool.append(f"{year}-{month:02d}~")
            for day in (1, 5, 9, 13, 17, 21, 25, 28):
                pool.append(f"{year}-{month:02d}-{day:02d}")
            if month < 12:
                pool.append(f"{year}-{month:02d}/{year}-{month + 1:02d}")
    pool += ["2022-08/..", "/2022-10", "2022-10-XX", "2023-02-20/2023-02-24"]
    return pool


@dataclass
class Record:
    kind: str  # table name
    record_id: str
    lines: list[str]  # the record's YAML, without its claims
    fields: list[str]  # fields a claim may be about
    claims: int  # how many claims rest on it


@dataclass
class Source:
    slug: str
    source_type: str
    text_kind: str
    publisher: str
    published: str
    claims: list[str] = field(default_factory=list)  # claim YAML blocks
    evidence: list[str] = field(default_factory=list)  # what the text must contain


class Synth:
    def __init__(self, n_claims: int, seed: int):
        self.n = n_claims
        self.rng = random.Random(seed)
        self.edtf = _edtf_pool(self.rng)
        self.days = [d for d in self.edtf if len(d) == 10 and "X" not in d]
        self.records: list[Record] = []
        self.by_kind: dict[str, list[str]] = defaultdict(list)
        n_sources = max(8, n_claims // 50)
        kinds = [k for k in SOURCE_KINDS for _ in range(k[2])]
        self.sources = []
        for i in range(n_sources):
            if n_sources < len(kinds):  # a small set: every kind of source at least once
                source_type, text_kind, _ = SOURCE_KINDS[i % len(SOURCE_KINDS)]
            else:
                source_type, text_kind, _ = kinds[i] if i < len(kinds) else self.rng.choice(kinds)
            self.sources.append(Source(f"{source_type.replace('_', '-')}-{i:06d}", source_type,
                                       text_kind, self.rng.choice(PUBLISHERS),
                                       self.rng.choice(self.days)))
        self.claimants: list[str] = []

    # --- words -------------------------------------------------------------------------------
    def sentence(self, subject: str) -> str:
        r = self.rng
        words = " ".join(r.choice(WORDS) for _ in range(r.randint(4, 9)))
        return (f"{subject} {r.choice(VERBS)} {words} near {r.choice(PLACES)} "
                f"({r.randint(1, 999)} units, ref {r.randint(10000, 99999)}).")

    def pick(self, kind: str) -> str:
        return self.rng.choice(self.by_kind[kind])

    def edtf_value(self) -> str:
        return self.rng.choice(self.edtf)

    def add(self, kind: str, record_id: str, lines: list[str], fields: list[str]) -> None:
        self.records.append(Record(kind, record_id, lines, fields, 0))
        self.by_kind[kind].append(record_id)

    # --- records -----------------------------------------------------------------------------
    def make_records(self) -> None:
        r = self.rng
        n_records = max(40, self.n // 3)
        share = {"actors": 0.30, "items": 0.03, "transfers": 0.20, "sanctions": 0.05,
                 "designations": 0.17, "events": 0.10, "links": 0.15}
        counts = {k: max(3, int(n_records * v)) for k, v in share.items()}
        source_ids = [f"source/{s.slug}" for s in self.sources]
        for slug, name, cc in STATES:
            self.add("actors", f"actor/{slug}", [f"  name: {q(name)}", "  actor_type: state",
                                                  f"  country_code: {q(cc)}"], ["name"])
        for slug, name, cc in AUTHORITIES:
            lines = [f"  name: {q(name)}", "  actor_type: government_body"]
            if cc:
                lines.append(f"  country_code: {q(cc)}")
            self.add("actors", f"actor/{slug}", lines, ["name", "position"])
        authorities = [f"actor/{a[0]}" for a in AUTHORITIES]
        for i in range(counts["actors"] - len(STATES) - len(AUTHORITIES)):
            kind = r.choice(ACTOR_TYPES)
            name = f"{r.choice(WORDS).title()} {r.choice(WORDS).title()} {kind.replace('_', ' ')} {i}"
            actor_id = f"actor/{kind.replace('_', '-')}-{i:07d}"
            lines = [f"  name: {q(name)}", f"  actor_type: {kind}"]
            if r.random() < 0.7:
                lines.append(f"  country_code: {q(r.choice(COUNTRY_CODES))}")
            if i > 10 and r.random() < 0.2:
                lines.append(f"  parent_actor_id: {self.pick('actors')}")
            if kind == "person":
                lines.append(f"  position: {q(r.choice(['director', 'general', 'minister', 'broker']))}")
            if r.random() < 0.3:
                lines.append(f"  description: {q(self.sentence(name))}")
            if r.random() < 0.3:
                lines.append("  aliases:")
                for j in range(r.randint(1, 3)):
                    lines += [f"    - alias: {q(f'{name} alias {j}')}",
                              f"      alias_type: {r.choice(ALIAS_TYPES)}",
                              f"      source_id: {r.choice(source_ids)}"]
                    if r.random() < 0.3:
                        lines.append(f"      language: {r.choice(['fa', 'ru', 'en', 'uk'])}")
            if kind in ("person", "company") and r.random() < 0.4:
                lines.append("  attributes:")
                for j, attribute in enumerate(r.sample(ATTRIBUTES, r.randint(1, 3))):
                    lines += [f"    - attribute: {attribute}", f"      value: {q(f'{attribute} value {i}-{j}')}",
                              f"      source_id: {r.choice(source_ids)}"]
            self.add("actors", actor_id, lines, ["name", "position", "description"])
            if kind in ("collective", "government_body") or len(self.claimants) < 20:
                self.claimants.append(actor_id)
        self.claimants += [f"actor/{s[0]}" for s in STATES[:6]] + authorities
        for i in range(counts["items"]):
            cat = ITEM_CATEGORIES[i % len(ITEM_CATEGORIES)]
            name = f"{r.choice(WORDS).title()}-{r.randint(1, 999)} {cat.replace('_', ' ')}"
            lines = [f"  name: {q(name)}", f"  category: {cat}"]
            if r.random() < 0.2:
                lines += ["  aliases:", f"    - alias: {q(name + ' export variant')}",
                          "      alias_type: alias", f"      source_id: {r.choice(source_ids)}"]
            self.add("items", f"item/{cat.replace('_', '-')}-{i:06d}", lines, ["name", "category"])
        for i in range(counts["transfers"]):
            supplier, recipient = self.pick("actors"), self.pick("actors")
            while recipient == supplier:
                recipient = self.pick("actors")
            status = TRANSFER_STATUSES[i % len(TRANSFER_STATUSES)]
            lines = [f"  supplier_id: {supplier}", f"  recipient_id: {recipient}"]
            if r.random() < 0.9:
                lines.append(f"  item_id: {self.pick('items')}")
            lines += [f"  flow_type: {r.choice(FLOW_TYPES)}", f"  status: {status}"]
            if r.random() < 0.5:
                low = r.randint(1, 500)
                lines += [f"  quantity_low: {low}", f"  quantity_best: {low + r.randint(0, 50)}",
                          f"  quantity_high: {low + r.randint(50, 500)}", "  quantity_unit: units"]
            if r.random() < 0.8:
                lines.append(f"  period: {q(self.edtf_value())}")
            if r.random() < 0.3:
                lines.append(f"  location: {q(r.choice(PLACES))}")
            if r.random() < 0.3:
                lines.append(f"  intermediary_id: {self.pick('actors')}")
            if r.random() < 0.8:
                lines.append(f"  description: {q(self.sentence('Transfer'))}")
            self.add("transfers", f"transfer/flow-{i:07d}-{status.replace('_', '-')}", lines,
                     ["status", "quantity_best", "period", "description"])
        for i in range(counts["sanctions"]):
            lines = [f"  title: {q(f'Sanctions package {i} over {r.choice(WORDS)} supplies')}",
                     f"  authority_id: {r.choice(authorities)}",
                     f"  status: {r.choice(SANCTION_STATUSES)}"]
            if r.random() < 0.9:
                lines.append(f"  announced: {q(r.choice(self.days))}")
            if r.random() < 0.4:
                lines.append(f"  effective: {q(r.choice(self.days))}")
            lines += [f"  legal_act: {q(f'Regulation {2022 + i % 4}/{i}')}",
                      f"  target_country_code: {q(r.choice(COUNTRY_CODES))}",
                      f"  reason: {q(self.sentence('The authority'))}"]
            self.add("sanctions", f"sanction/package-{i:06d}", lines, ["status", "announced"])
        for i in range(counts["designations"]):
            lines = []
            if r.random() < 0.8:
                lines.append(f"  sanction_id: {self.pick('sanctions')}")
            lines += [f"  authority_id: {r.choice(authorities)}",
                      f"  target_actor_id: {self.pick('actors')}",
                      f"  list_reference: {q(str(30000 + i))}",
                      f"  program_tags: {q(r.choice(['NPWMD; IFSR', 'RUSSIA-EO14024', 'IRAN-CON-ARMS-EO']))}"]
            if r.random() < 0.7:
                lines.append(f"  listed: {q(r.choice(self.days))}")
            self.add("designations", f"designation/list-{i:07d}", lines, ["list_reference", "listed"])
        for i in range(counts["events"]):
            event_type = EVENT_TYPES[i % len(EVENT_TYPES)]
            lines = [f"  event_type: {event_type}",
                     f"  title: {q(f'{event_type.replace(chr(95), chr(32)).title()} near {r.choice(PLACES)} ({i})')}",
                     f"  date: {q(self.edtf_value())}"]
            if r.random() < 0.5:
                lines.append(f"  country_code: {q(r.choice(COUNTRY_CODES))}")
            if event_type == "strike":
                low = r.randint(0, 30)
                lines += [f"  fatalities_low: {low}", f"  fatalities_high: {low + r.randint(0, 20)}",
                          f"  item_id: {self.pick('items')}"]
            actors = list(dict.fromkeys(self.pick("actors") for _ in range(r.randint(1, 3))))
            lines.append("  actors:")
            for actor in actors:
                lines += [f"    - actor_id: {actor}", f"      role: {r.choice(EVENT_ROLES)}"]
            self.add("events", f"event/{event_type.replace('_', '-')}-{i:07d}", lines, ["date", "title"])
        kinds = ["transfers", "sanctions", "events", "designations", "actors"]
        for i in range(counts["links"]):
            a, b = self.pick(r.choice(kinds)), self.pick(r.choice(kinds))
            lines = [f"  from_record_id: {a}", f"  relation: {r.choice(RELATIONS)}",
                     f"  to_record_id: {b}"]
            self.add("links", f"link/link-{i:07d}", lines, ["relation"])
        # every record gets at least one claim; the rest are spread unevenly (1 to many)
        for rec in self.records:
            rec.claims = 1
        extra = self.n - len(self.records)
        if extra < 0:
            raise SystemExit(f"--claims {self.n} is too small for {len(self.records)} records")
        weights = [r.paretovariate(1.5) for _ in self.records]
        for rec in r.choices(self.records, weights=weights, k=extra):
            rec.claims += 1

    # --- claims and texts --------------------------------------------------------------------
    def make_claims(self) -> None:
        r = self.rng
        order = [rec for rec in self.records for _ in range(rec.claims)]
        r.shuffle(order)
        by_kind = defaultdict(list)
        for s in self.sources:
            by_kind[s.text_kind].append(s)
        for n, rec in enumerate(order):
            kind = r.choices(["pointer", "extract", "full_text"], weights=[55, 20, 25])[0] \
                if rec.kind != "designations" else "extract"
            source = r.choice(by_kind[kind])
            stance = "lists" if rec.kind == "designations" else r.choice(STANCES)
            evidence = self.sentence(rec.record_id.split("/", 1)[1].replace("-", " ").title())
            if kind == "pointer":
                evidence_type = "paraphrase"
            elif source.source_type == "official_list" or rec.kind == "designations":
                evidence_type = "list_row"
                evidence = f"{rec.record_id.split('/', 1)[1].upper()}; {evidence}"
            else:
                evidence_type = "quote"
            lines = [f"- id: c{n:07d}", f"  record_id: {rec.record_id}"]
            if r.random() < 0.4:
                fld = r.choice(rec.fields)
                lines.append(f"  field: {fld}")
                if r.random() < 0.5:
                    lines.append(f"  claimed_value: {q(f'about {r.randint(1, 900)}')}")
            lines += [f"  claimant_id: {r.choice(self.claimants)}", f"  stance: {stance}",
                      f"  evidence_type: {evidence_type}", f"  evidence_text: {q(evidence)}",
                      f"  locator: {q(f'paragraph {len(source.claims) + 1}')}"]
            if r.random() < 0.6:
                lines.append(f"  claimed: {q(source.published)}")
            source.claims.append("\n".join(lines))
            source.evidence.append(evidence)

    def text(self, source: Source) -> str:
        paragraphs = []
        for ev in source.evidence:
            if source.text_kind == "pointer":
                paragraphs.append(f"URL: https://example.org/{source.slug}\nWHAT: {ev}")
            elif source.text_kind == "extract":
                paragraphs.append(ev)
            else:  # the quoted sentence inside a paragraph, wrapped over lines
                words = f"{self.sentence('Officials')} {ev} {self.sentence('Analysts')}".split(" ")
                paragraphs.append("\n".join(" ".join(words[i:i + 12]) for i in range(0, len(words), 12)))
        if not paragraphs:
            paragraphs.append(self.sentence("Nothing"))
        return "\n\n".join(paragraphs) + "\n"

    # --- files -------------------------------------------------------------------------------
    def write(self, out: Path) -> None:
        raw = out / "data" / "raw"
        if raw.exists():
            shutil.rmtree(raw)
        for d in ("sources", "texts", "actors", "items", "transfers", "sanctions", "designations",
                  "events", "links"):
            (raw / d).mkdir(parents=True)
        shutil.copy(ROOT / "data" / "raw" / "package.yaml", raw / "package.yaml")
        shutil.copy(ROOT / "README.md", out / "README.md")
        by_kind: dict[str, list[Record]] = defaultdict(list)
        for rec in self.records:
            by_kind[rec.kind].append(rec)
        per_file = 2000
        for kind, recs in by_kind.items():
            pk = {"actors": "actor_id", "items": "item_id", "transfers": "transfer_id",
                  "sanctions": "sanction_id", "designations": "designation_id",
                  "events": "event_id", "links": "link_id"}[kind]
            for start in range(0, len(recs), per_file):
                blocks = ["\n".join([f"- {pk}: {rec.record_id}", *rec.lines])
                          for rec in recs[start:start + per_file]]
                (raw / kind / f"part-{start // per_file:04d}.yaml").write_text(
                    f"# synthetic {kind}\n" + "\n".join(blocks) + "\n", encoding="utf-8")
        for s in self.sources:
            text_name = f"{s.slug}.txt"
            (raw / "texts" / text_name).write_text(self.text(s), encoding="utf-8")
            header = [
                "source:", f"  source_id: source/{s.slug}",
                f"  title: {q(f'{s.source_type.replace(chr(95), chr(32)).title()} {s.slug} by {s.publisher}')}",
                f"  publisher: {q(s.publisher)}", f"  source_type: {s.source_type}",
                f"  published: {q(s.published)}", f"  url: https://example.org/{s.slug}",
                f"  text_path: texts/{text_name}", f"  text_kind: {s.text_kind}",
                f"  licence: {q('Synthetic text, CC0')}", "  accessed: 2025-01-15",
            ]
            body = "\n".join(header) + "\n" + ("claims:\n" + "\n".join(s.claims) + "\n" if s.claims else "")
            (raw / "sources" / f"{s.slug}.yaml").write_text(body, encoding="utf-8")


def generate(n_claims: int, out: Path, seed: int = 8) -> dict[str, int]:
    """Write a synthetic curation set with exactly n_claims claims under out; return counts."""
    synth = Synth(n_claims, seed)
    synth.make_records()
    synth.make_claims()
    synth.write(out)
    counts = defaultdict(int)
    for rec in synth.records:
        counts[rec.kind] += 1
    return {"claims": n_claims, "sources": len(synth.sources), **counts}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, required=True, help="number of claims (e.g. 10000)")
    parser.add_argument("--out", type=Path, required=True, help="root folder to write data/raw into")
    parser.add_argument("--seed", type=int, default=8)
    args = parser.parse_args()
    counts = generate(args.claims, args.out, args.seed)
    print(" ".join(f"{k}={v}" for k, v in counts.items()))


if __name__ == "__main__":
    main()
