"""The fault corpus: one curation mistake at a time, planted in a copy of data/raw.

Each must make `flows build` exit non-zero with exactly one problem line naming file, line and
field (no traceback), and leave the published outputs byte-identical
(tests/test_build_pipeline.py); the loader's faults carry their own codes
(tests/test_build_load.py). The templates of valid files serve tests/test_rules_validate.py too.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

FAULT_TEXT = "Fault injection text: Iran supplied nothing in this sentence.\n"

# A valid source with one claim per record a fault case adds (claims name the record ids used below).
SOURCE = """\
source:
  source_id: source/zz-fault
  title: Fault corpus source
  publisher: flows tests
  source_type: report
  published: "2024-01-01"
  text_path: texts/zz-fault.txt
  text_kind: full_text
  licence: CC0
claims:
{claims}"""

CLAIM = """\
  - record_id: {record}
    claimant_id: actor/iran
    stance: asserts
    evidence_type: quote
    evidence_text: Iran supplied nothing
"""


def source_with(*records: str, extra: str = "") -> str:
    return SOURCE.format(claims="".join(CLAIM.format(record=r) for r in records) + extra)


@dataclass
class Fault:
    name: str
    files: dict[str, str | bytes]  # path under data/raw -> content
    where: str  # expected "file:line: field" prefix of the one problem line
    says: str  # expected fragment of its message


TRANSFER = """\
- transfer_id: transfer/zz-fault
  supplier_id: actor/iran
  recipient_id: actor/russia
  item_id: item/armed-drones
  flow_type: materiel
  status: {status}
{extra}"""


def transfer(status: str = "requested", extra: str = "") -> dict[str, str]:
    return {"transfers/zz-fault.yaml": TRANSFER.format(status=status, extra=extra),
            "sources/zz-fault.yaml": source_with("transfer/zz-fault")}


ACTOR = """\
- actor_id: actor/zz-fault
  name: Fault Actor
  actor_type: {actor_type}
{extra}"""


def actor(actor_type: str = "company", extra: str = "") -> dict[str, str]:
    return {"actors/zz-fault.yaml": ACTOR.format(actor_type=actor_type, extra=extra),
            "sources/zz-fault.yaml": source_with("actor/zz-fault")}


def claim_fault(claim_yaml: str) -> dict[str, str]:
    return {"sources/zz-fault.yaml": SOURCE.format(claims=claim_yaml)}


S = "data/raw/sources/zz-fault.yaml"
T = "data/raw/transfers/zz-fault.yaml"
A = "data/raw/actors/zz-fault.yaml"

FAULTS = [
    # --- files and YAML
    Fault("malformed yaml", {"sources/zz-fault.yaml": "source:\n  title: [unclosed\n  publisher: x\n"},
          S + ":3", "invalid YAML"),
    Fault("empty file", {"transfers/zz-fault.yaml": "  \n"}, T + ":1", "the file is empty"),
    Fault("wrong encoding", {"transfers/zz-fault.yaml": "- transfer_id: transfer/x\n  description: caf\xe9\n".encode("latin-1")},
          T + ":2", "not valid UTF-8"),
    Fault("duplicate key", {"transfers/zz-fault.yaml": "- transfer_id: transfer/x\n  status: requested\n  status: delivered\n"},
          T + ":3", "duplicate key 'status'"),
    Fault("python object tag", {"transfers/zz-fault.yaml": "- transfer_id: !!python/object/apply:os.system ['true']\n"},
          T + ":1", "a tag (!!python/object/apply:os.system)"),
    Fault("record file is not a list", {"transfers/zz-fault.yaml": "transfer_id: transfer/x\n"},
          T + ":1", "holds a list of records"),
    Fault("unknown folder", {"weapons/zz-fault.yaml": "- a: 1\n"}, "data/raw/weapons", "unknown folder"),
    Fault("stray file", {"actors/notes.txt": "x"}, "data/raw/actors/notes.txt", "only .yaml curation files"),
    Fault("package.yaml broken", {"package.yaml": "name: [flows\n"}, "data/raw/package.yaml:2", "invalid YAML"),
    # --- sources
    Fault("unknown top-level key", {"sources/zz-fault.yaml": source_with() + "notes: x\n"},
          S + ":11: notes", "unknown top-level key"),
    Fault("source id not the file name", {"sources/zz-fault.yaml": source_with().replace("source/zz-fault", "source/other")},
          S + ":2: source_id", "must be 'source/zz-fault'"),
    Fault("unknown key in source", {"sources/zz-fault.yaml": source_with().replace("  licence: CC0", "  licence: CC0\n  author: x")},
          S + ":10: author", "unknown field in source"),
    Fault("bad source_type", {"sources/zz-fault.yaml": source_with().replace("source_type: report", "source_type: blog")},
          S + ":5: source_type", "is not one of"),
    Fault("bad published date", {"sources/zz-fault.yaml": source_with().replace('"2024-01-01"', "January 2024")},
          S + ":6: published", "not a valid EDTF date"),
    Fault("published interval inverted", {"sources/zz-fault.yaml": source_with().replace('"2024-01-01"', "2024-03/2024-01")},
          S + ":6: published", "start is after its end"),
    Fault("text path outside the project", {"sources/zz-fault.yaml": source_with().replace("texts/zz-fault.txt", "texts/../../../etc/passwd.txt")},
          S + ":7: text_path", "does not match the pattern"),
    Fault("source text missing", {"sources/zz-fault.yaml": source_with().replace("texts/zz-fault.txt", "texts/zz-missing.txt")},
          S + ":7: text_path", "archived text texts/zz-missing.txt not found"),
    Fault("bad url", {"sources/zz-fault.yaml": source_with().replace("  licence: CC0", "  licence: CC0\n  url: www.example.org")},
          S + ":10: url", "does not match the pattern"),
    Fault("missing title", {"sources/zz-fault.yaml": source_with().replace("  title: Fault corpus source\n", "")},
          S + ":2: title", "required field missing in source"),
    # --- claims
    Fault("claim on unknown record", {"sources/zz-fault.yaml": source_with("transfer/zz-nowhere")},
          S + ":11: record_id", "unknown records id 'transfer/zz-nowhere'"),
    Fault("claim by unknown claimant", claim_fault(CLAIM.format(record="actor/iran").replace("claimant_id: actor/iran", "claimant_id: actor/zz-nobody")),
          S + ":12: claimant_id", "unknown actors id 'actor/zz-nobody'"),
    Fault("bad stance", claim_fault(CLAIM.format(record="actor/iran").replace("stance: asserts", "stance: claims")),
          S + ":13: stance", "is not one of"),
    Fault("quote not in source text", claim_fault(CLAIM.format(record="actor/iran").replace("Iran supplied nothing", "Iran supplied drones")),
          S + ":15: evidence_text", "not found verbatim in texts/zz-fault.txt"),
    Fault("paraphrase of a full text", claim_fault(CLAIM.format(record="actor/iran").replace("evidence_type: quote", "evidence_type: paraphrase")),
          S + ":14: evidence_type", "paraphrase evidence needs a source whose text_kind is pointer"),
    Fault("claim about a field the record lacks", claim_fault(CLAIM.format(record="actor/iran") + "    field: wingspan\n"),
          S + ":16: field", "the record has no field wingspan"),
    Fault("claim about a field of an unknown record", claim_fault(CLAIM.format(record="transfer/zz-nowhere") + "    field: wingspan\n"),
          S + ":11: record_id", "unknown records id 'transfer/zz-nowhere'"),
    Fault("duplicate claim id", claim_fault(CLAIM.format(record="actor/iran") * 2),
          S + ":16: claim_id", "give one of the claims its own `id:`"),
    Fault("bad claimed date", claim_fault(CLAIM.format(record="actor/iran") + "    claimed: last Monday\n"),
          S + ":16: claimed", "not a valid EDTF date"),
    Fault("evidence as a number", claim_fault(CLAIM.format(record="actor/iran").replace("evidence_text: Iran supplied nothing", "evidence_text: 42")),
          S + ":15: evidence_text", "expected text, got int"),
    Fault("claims not a list", {"sources/zz-fault.yaml": SOURCE.format(claims="  record_id: actor/iran\n")},
          S + ":10: claims", "expected a list of claims"),
    Fault("unknown key in claim", claim_fault(CLAIM.format(record="actor/iran") + "    confidence: high\n"),
          S + ":16: confidence", "unknown field in claim"),
    # --- actors
    Fault("bad actor_type", actor("militia"), A + ":3: actor_type", "is not one of"),
    Fault("invalid country code", actor(extra='  country_code: "XX"\n'), A + ":4: country_code", "not an ISO 3166-1 alpha-2"),
    Fault("unquoted NO country code", actor(extra="  country_code: NO\n"), A + ":4: country_code", "expected text, got bool"),
    Fault("unknown parent actor", actor(extra="  parent_actor_id: actor/zz-nobody\n"), A + ":4: parent_actor_id", "unknown actors id"),
    Fault("duplicate actor id", {"actors/zz-fault.yaml": "- actor_id: actor/iran\n  name: Iran again\n  actor_type: state\n"},
          A + ":1: actor_id", "duplicate actor_id"),
    Fault("record with no claim", {"actors/zz-fault.yaml": ACTOR.format(actor_type="company", extra="")},
          A + ":1: record_id", "actor/zz-fault has no claim"),
    Fault("alias from unknown source", actor(extra="  aliases:\n    - alias: FA\n      alias_type: acronym\n      source_id: source/zz-nowhere\n"),
          A + ":7: source_id", "unknown sources id 'source/zz-nowhere'"),
    Fault("unknown key in alias", actor(extra="  aliases:\n    - alias: FA\n      alias_type: acronym\n      script: Latn\n      source_id: source/zz-fault\n"),
          A + ":7: script", "unknown field in aliases entry"),
    Fault("bad attribute", actor(extra="  attributes:\n    - attribute: shoe_size\n      value: '44'\n      source_id: source/zz-fault\n"),
          A + ":5: attribute", "is not one of"),
    Fault("id with capitals", {"actors/zz-fault.yaml": ACTOR.format(actor_type="company", extra="").replace("actor/zz-fault", "Actor/ZZ"),
                               "sources/zz-fault.yaml": source_with("actor/iran")},
          A + ":1: actor_id", "does not match the pattern"),
    # --- transfers
    Fault("bad transfer status", transfer("deliverd"), T + ":6: status", "is not one of"),
    Fault("negative quantity", transfer(extra="  quantity_low: -5\n"), T + ":7: quantity_low", "below the minimum 0"),
    Fault("inverted quantity range", transfer(extra="  quantity_low: 500\n  quantity_high: 100\n"),
          T + ":8: quantity_high", "quantity_high is below quantity_low"),
    Fault("unknown item", transfer(extra="").__or__({"transfers/zz-fault.yaml": TRANSFER.format(status="requested", extra="").replace("item/armed-drones", "item/zz-nothing")}),
          T + ":4: item_id", "unknown items id 'item/zz-nothing'"),
    Fault("supplier is recipient", {**transfer(), "transfers/zz-fault.yaml": TRANSFER.format(status="requested", extra="").replace("actor/russia", "actor/iran")},
          T + ":3: recipient_id", "supplier and recipient are the same actor"),
    Fault("one unspecified digit", transfer(extra="  period: 2022-10-2X\n"), T + ":7: period", "one unspecified digit"),
    Fault("quantity as words", transfer(extra="  quantity_low: several hundred\n"), T + ":7: quantity_low", "expected a whole number"),
    Fault("missing supplier", {**transfer(), "transfers/zz-fault.yaml": TRANSFER.format(status="requested", extra="").replace("  supplier_id: actor/iran\n", "")},
          T + ":1: supplier_id", "required field missing"),
    # --- events, sanctions, designations, links
    Fault("event without date", {"events/zz-fault.yaml": "- event_id: event/zz-fault\n  event_type: strike\n  title: A strike\n",
                                 "sources/zz-fault.yaml": source_with("event/zz-fault")},
          "data/raw/events/zz-fault.yaml:1: date", "required field missing"),
    Fault("bad event role", {"events/zz-fault.yaml": "- event_id: event/zz-fault\n  event_type: strike\n  title: A strike\n  date: '2022-10-17'\n  actors:\n    - actor_id: actor/iran\n      role: cheerleader\n",
                             "sources/zz-fault.yaml": source_with("event/zz-fault")},
          "data/raw/events/zz-fault.yaml:7: role", "is not one of"),
    Fault("fatalities inverted", {"events/zz-fault.yaml": "- event_id: event/zz-fault\n  event_type: strike\n  title: A strike\n  date: '2022-10-17'\n  fatalities_low: 8\n  fatalities_best: 4\n",
                                  "sources/zz-fault.yaml": source_with("event/zz-fault")},
          "data/raw/events/zz-fault.yaml:6: fatalities_best", "fatalities_best is below fatalities_low"),
    Fault("bad sanction status", {"sanctions/zz-fault.yaml": "- sanction_id: sanction/zz-fault\n  title: x\n  authority_id: actor/iran\n  status: delivered\n",
                                  "sources/zz-fault.yaml": source_with("sanction/zz-fault")},
          "data/raw/sanctions/zz-fault.yaml:4: status", "is not one of: imposed"),
    Fault("designation of unknown sanction", {"designations/zz-fault.yaml": "- designation_id: designation/zz-fault\n  sanction_id: sanction/zz-nothing\n  authority_id: actor/iran\n  target_actor_id: actor/russia\n  list_reference: X1\n",
                                              "sources/zz-fault.yaml": source_with("designation/zz-fault")},
          "data/raw/designations/zz-fault.yaml:2: sanction_id", "unknown sanctions id"),
    Fault("link to unknown record", {"links/zz-fault.yaml": "- link_id: link/zz-fault\n  from_record_id: actor/iran\n  relation: linked_to\n  to_record_id: actor/zz-nobody\n",
                                     "sources/zz-fault.yaml": source_with("link/zz-fault")},
          "data/raw/links/zz-fault.yaml:4: to_record_id", "unknown records id 'actor/zz-nobody'"),
    Fault("duplicate link", {"links/zz-fault.yaml": "- link_id: link/zz-fault\n  from_record_id: transfer/russia-iran-su-35-request\n  relation: in_exchange_for\n  to_record_id: transfer/iran-russia-armed-drones-2022\n",
                             "sources/zz-fault.yaml": source_with("link/zz-fault")},
          "data/raw/links/zz-fault.yaml:4: to_record_id", "already recorded as link/su-35-in-exchange-for-drones"),
    Fault("bad relation", {"links/zz-fault.yaml": "- link_id: link/zz-fault\n  from_record_id: actor/iran\n  relation: hates\n  to_record_id: actor/russia\n",
                           "sources/zz-fault.yaml": source_with("link/zz-fault")},
          "data/raw/links/zz-fault.yaml:3: relation", "is not one of"),
    # issue 16: rules (one rule set for build and check; tests/test_rules_validate.py)
    Fault("evidence too short", claim_fault(CLAIM.format(record="actor/iran").replace("Iran supplied nothing", "Iran")),
          S + ":15: evidence_text", "fewer than 8 characters other than whitespace"),
    Fault("evidence of spaced letters", claim_fault(CLAIM.format(record="actor/iran").replace("Iran supplied nothing", '"I r a n s"')),
          S + ":15: evidence_text", "fewer than 8 characters other than whitespace"),
    Fault("whitespace-only publisher", {"sources/zz-fault.yaml": source_with("actor/iran").replace("publisher: flows tests", 'publisher: "\\t \\u00a0"')},
          S + ":4: publisher", "required"),
    Fault("url with a trailing newline", {"sources/zz-fault.yaml": source_with("actor/iran").replace("  licence: CC0", '  licence: CC0\n  url: "https://example.org/x\\n"')},
          S + ":10: url", "does not match the pattern"),
    Fault("language with a trailing newline", actor(extra='  aliases:\n    - alias: FA\n      alias_type: acronym\n      language: "en\\n"\n      source_id: source/zz-fault\n'),
          A + ":7: language", "does not match the pattern"),
    Fault("quote of two words", claim_fault(CLAIM.format(record="actor/iran").replace("Iran supplied nothing", "Iran supplied")),
          S + ":15: evidence_text", "a quote of 2 word(s)"),
    # issue 16: input
    # --- YAML 1.1 numbers and dates that are not what they look like
    Fault("octal number", transfer(extra="  quantity_low: 010\n"), T + ":7: quantity_low",
          "010 is not a plain decimal number (YAML 1.1 reads it as 8): quote it if it is text"),
    Fault("hexadecimal number", transfer(extra="  quantity_low: 0x10\n"), T + ":7: quantity_low",
          "0x10 is not a plain decimal number (YAML 1.1 reads it as 16)"),
    Fault("binary number", transfer(extra="  quantity_low: 0b11\n"), T + ":7: quantity_low",
          "0b11 is not a plain decimal number (YAML 1.1 reads it as 3)"),
    Fault("base-60 number", transfer(extra="  quantity_low: 1:20\n"), T + ":7: quantity_low",
          "1:20 is not a plain decimal number (YAML 1.1 reads it as 80)"),
    Fault("number with underscores", transfer(extra="  quantity_low: 1_000\n"), T + ":7: quantity_low",
          "1_000 is not a plain decimal number (YAML 1.1 reads it as 1000)"),
    Fault("octal text", actor(extra="  country_code: 012\n"), A + ":4: country_code",
          "012 is not a plain decimal number (YAML 1.1 reads it as 10)"),
    Fault("base-60 decimal", transfer(extra="  description: 1:20.5\n"), T + ":7: description",
          "1:20.5 is not a plain decimal number (YAML 1.1 reads it as 80.5)"),
    Fault("impossible date", transfer(extra="  period: 2022-02-30\n"), T + ":7: period",
          "2022-02-30 is not a valid date (day is out of range for month)"),
    Fault("impossible time", claim_fault(CLAIM.format(record="actor/iran") + "    claimed: 2022-10-17 25:00:00\n"),
          S + ":16: claimed", "2022-10-17 25:00:00 is not a valid date"),
    # --- anchors, aliases and tags
    Fault("anchor and alias", transfer(extra="  description: &d Drones\n  quantity_unit: *d\n"), T + ":7",
          "an anchor (&d): anchors, aliases and tags are not used in curation files"),
    Fault("merge key with an alias", {**transfer(), "transfers/zz-fault.yaml":
          TRANSFER.format(status="requested", extra="") + "- <<: *x\n"}, T + ":7", "an alias (*x)"),
    Fault("alias bomb", {"transfers/zz-fault.yaml": "- a: &a [x, x, x, x, x, x, x, x, x]\n  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                         "  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n  d: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"},
          T + ":1", "an anchor (&a)"),
    Fault("integer tag on a word", transfer(extra="  quantity_low: !!int many\n"), T + ":7", "a tag (!!int)"),
    Fault("timestamp tag on a word", transfer(extra="  period: !!timestamp soon\n"), T + ":7", "a tag (!!timestamp)"),
    Fault("boolean tag on a word", transfer(extra="  description: !!bool perhaps\n"), T + ":7", "a tag (!!bool)"),
    Fault("set tag", transfer(extra="  description: !!set {a, b}\n"), T + ":7", "a tag (!!set)"),
    # review of issue 16: flow style hides a node's start after a quoted key's colon
    Fault("alias bomb in flow style", transfer(extra='  description: {"a":&a "xxxxxxxx","b":&b {"p":*a,"q":*a,"r":*a},'
                                                 '"c":&c {"p":*b,"q":*b,"r":*b},"d":{"p":*c,"q":*c,"r":*c}}\n'),
          T + ":7", "an anchor (&a)"),
    Fault("tag in flow style", transfer(extra='  description: {"k":!!str 10}\n'), T + ":7", "a tag (!!str)"),
    Fault("merge key with a mapping", transfer(extra="  <<: {description: merged in}\n"), T + ":7", "a merge key (<<)"),
    Fault("binary tag", transfer(extra="  description: !!binary aGVsbG8=\n"), T + ":7", "a tag (!!binary)"),
    Fault("local tag", transfer(extra="  description: !secret x\n"), T + ":7", "a tag (!secret)"),
    # --- empty values of required fields
    Fault("empty required text", claim_fault(CLAIM.format(record="actor/iran").replace("evidence_text: Iran supplied nothing", 'evidence_text: ""')),
          S + ":15: evidence_text", "required field empty in claim"),
    Fault("blank required text", {"sources/zz-fault.yaml": source_with().replace("title: Fault corpus source", "title: '   '")},
          S + ":3: title", "required field empty in source"),
    Fault("tab as a required name", {**actor(), "actors/zz-fault.yaml": ACTOR.format(actor_type="company", extra="").replace("name: Fault Actor", 'name: "\\t"')},
          A + ":2: name", "required field empty in actors record"),
    Fault("empty required id in a nested entry", actor(extra="  aliases:\n    - alias: ''\n      alias_type: acronym\n      source_id: source/zz-fault\n"),
          A + ":5: alias", "required field empty in aliases entry"),
    Fault("empty claim id", claim_fault(CLAIM.format(record="actor/iran") + "    id: ''\n"),
          S + ":16: id", "empty: give the claim an id"),
    # --- archived texts that are not UTF-8
    Fault("text in Latin-1", {**claim_fault(CLAIM.format(record="actor/iran")), "texts/zz-fault.txt": FAULT_TEXT.encode() + "café\n".encode("latin-1")},
          "data/raw/texts/zz-fault.txt:2", f"not valid UTF-8 (byte 0xe9 at offset {len(FAULT_TEXT) + 3})"),
    Fault("text cut inside a character", {**claim_fault(CLAIM.format(record="actor/iran")), "texts/zz-fault.txt": FAULT_TEXT.encode() + "é".encode()[:1]},
          "data/raw/texts/zz-fault.txt:2", f"not valid UTF-8 (byte 0xc3 at offset {len(FAULT_TEXT)})"),
    Fault("text with an encoded surrogate", {**claim_fault(CLAIM.format(record="actor/iran")), "texts/zz-fault.txt": b"\xed\xa0\x80" + FAULT_TEXT.encode()},
          "data/raw/texts/zz-fault.txt:1", "not valid UTF-8 (byte 0xed at offset 0)"),
]


def plant(fault: Fault, root: Path) -> None:
    """The fault's files written into root/data/raw, beside the archived text its claims quote."""
    raw = root / "data" / "raw"
    (raw / "texts" / "zz-fault.txt").write_text(FAULT_TEXT, encoding="utf-8")
    for rel, content in fault.files.items():
        path = raw / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
