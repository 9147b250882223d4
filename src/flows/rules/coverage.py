"""Which parts of an archived text are cited by claims: the paragraphs of a full-text article,
and the pointers of a pointer file; a part no claim cites is declared uncited with a reason, or
reported MISSING.

Paragraphs: the archived texts keep the article's hard line breaks, not its paragraph breaks,
so a paragraph ends at a line ending a sentence (. ? ! : optionally followed by a closing
quote), except after the abbreviation "Mr.". The first line is the headline (paragraph 0).
Declared in the source's file: `uncited_paragraphs`.

Pointers (flows.rules.pointers): a claim cites the pointer its locator names ("pointer 16 ...",
"section B, item 1"), or, when it names none, the one pointer that holds its evidence. A pointer
file is shared by many sources (one per page), so its uncited pointers are declared in one file
of its own: data/raw/pointers/<file's stem>.yaml.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from flows.build.load import Curation
from flows.build.texts import normalise, read_archived_text
from flows.errors import CurationError, Problem
from flows.rules.pointers import Pointer, named_pointer, parse_pointers

_END = re.compile(r"[.?!:][\"”’]?\s*$")
_ABBREVIATION = re.compile(r"\b(Mr|Mrs|Ms|Dr|Gen|St)\.\s*$")


def paragraphs(text: str) -> list[str]:
    lines = text.splitlines()
    out = [normalise(lines[0])] if lines else []
    current: list[str] = []
    for line in lines[1:]:
        current.append(line)
        if _END.search(line) and not _ABBREVIATION.search(line):
            out.append(normalise(" ".join(current)))
            current = []
    if current:
        out.append(normalise(" ".join(current)))
    return out


@dataclass
class Paragraph:
    number: int
    text: str
    claim_ids: list[str]
    uncited_reason: str | None

    @property
    def status(self) -> str:
        if self.claim_ids:
            return "cited"
        return "no fact" if self.uncited_reason else "MISSING"


def coverage(curation: Curation, source_id: str) -> list[Paragraph]:
    sources = {s["source_id"]: s for s in curation.rows["sources"]}
    source = sources[source_id]
    text = read_archived_text(curation.root, source["text_path"])
    paras = paragraphs(text)
    starts, offset = [], 0
    for p in paras:
        starts.append(offset)
        offset += len(p) + 1
    joined = " ".join(paras)
    cited: dict[int, list[str]] = {i: [] for i in range(len(paras))}
    for claim in curation.rows["claims"]:
        if claim["source_id"] != source_id:
            continue
        at = joined.find(normalise(claim["evidence_text"]))
        if at >= 0:
            cited[bisect.bisect_right(starts, at) - 1].append(claim["claim_id"])
    uncited = curation.uncited.get(source_id, {})
    return [Paragraph(i, p, cited[i], uncited.get(i)) for i, p in enumerate(paras)]


def full_text_articles(curation: Curation) -> list[str]:
    return [s["source_id"] for s in curation.rows["sources"]
            if s["text_kind"] == "full_text" and s["source_type"] == "news_article"]


@dataclass
class CitedPointer:
    pointer: Pointer
    claim_ids: list[str]
    uncited_reason: str | None

    @property
    def status(self) -> str:
        if self.claim_ids:
            return "cited"
        return "uncited" if self.uncited_reason else "MISSING"


def pointer_files(curation: Curation) -> list[str]:
    """The text_path of every pointer file: those of sources whose text is a pointer file, and
    those with declared uncited pointers."""
    cited = {s["text_path"] for s in curation.rows["sources"] if s["text_kind"] == "pointer"}
    return sorted(cited | set(curation.uncited_pointers))


def pointer_coverage(curation: Curation, text_path: str) -> tuple[list[CitedPointer], list[Problem]]:
    """Each pointer of the file with the claims that cite it or the reason it is uncited; and the
    problems: a claim naming an unknown pointer, or whose evidence is not in the one it names; a
    declaration naming an unknown pointer, or one that a claim cites."""
    pointers = parse_pointers(read_archived_text(curation.root, text_path), text_path)
    by_label = {p.label: p for p in pointers}
    sources = {s["source_id"] for s in curation.rows["sources"] if s["text_path"] == text_path}
    cited: dict[str, list[str]] = {p.label: [] for p in pointers}
    problems = []
    for claim, origin in zip(curation.rows["claims"], curation.origins["claims"]):
        if claim["source_id"] not in sources:
            continue
        where = str(origin.at("locator"))
        evidence = normalise(claim["evidence_text"])
        label = named_pointer(claim["locator"])
        if label is None:
            holding = [p.label for p in pointers if evidence in normalise(p.text)]
            if len(holding) != 1:
                problems.append(Problem(where, "locator", f"names no pointer of {text_path}, and the evidence "
                                        f"stands in {len(holding) or 'no'} pointers: name one (`pointer N`)",
                                        "pointer_not_named"))
                continue
            label = holding[0]
        elif label not in by_label:
            problems.append(Problem(where, "locator", f"{label}: {text_path} has no such pointer "
                                    f"({len(pointers)} pointers)", "pointer_unknown"))
            continue
        elif evidence not in normalise(by_label[label].text):
            problems.append(Problem(where, "evidence_text", f"does not stand in {label} of {text_path}",
                                    "evidence_not_in_pointer"))
        cited[label].append(claim["claim_id"])
    declared = curation.uncited_pointers.get(text_path, {})
    for label, uncited in declared.items():
        if label not in by_label:
            problems.append(Problem(str(uncited.where), "pointer", f"{label}: {text_path} has no such pointer "
                                    f"({len(pointers)} pointers)", "pointer_unknown"))
        elif cited[label]:
            problems.append(Problem(str(uncited.where), "pointer", f"{label} is cited by {cited[label][0]}"
                                    f"{f' and {len(cited[label]) - 1} more' if len(cited[label]) > 1 else ''}: "
                                    "remove the declaration", "pointer_declared_cited"))
    return [CitedPointer(p, cited[p.label], declared[p.label].reason if p.label in declared else None)
            for p in pointers], problems


@dataclass
class CoverageReport:
    text: str  # Markdown: one table per article and per pointer file
    missing_paragraphs: int
    missing_pointers: int
    pointer_counts: dict[str, dict[str, int]]  # text_path -> {"pointers", "cited", "uncited", "MISSING"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def report(curation: Curation) -> CoverageReport:
    """A Markdown report of every full-text article's paragraphs and every pointer file's
    pointers; CurationError naming each claim or declaration that names a pointer wrongly."""
    lines, missing = [], 0
    for source_id in full_text_articles(curation):
        lines += [f"## {source_id}", "", "| ¶ | status | claims | opens with |", "|---|---|---|---|"]
        for p in coverage(curation, source_id):
            missing += p.status == "MISSING"
            what = ", ".join(c.rsplit("/", 1)[1] for c in p.claim_ids) or (p.uncited_reason or "")
            lines.append(f"| {p.number} | {p.status} | {what} | {p.text[:60]}… |")
        lines.append("")
    problems: list[Problem] = []
    counts: dict[str, dict[str, int]] = {}
    for text_path in pointer_files(curation):
        try:
            cited, found = pointer_coverage(curation, text_path)
        except CurationError as e:
            problems += e.problems
            continue
        problems += found
        tally = {"pointers": len(cited), "cited": 0, "uncited": 0, "MISSING": 0}
        lines += [f"## {text_path}", "", "| pointer | event date | status | claims | what |", "|---|---|---|---|---|"]
        for c in cited:
            tally[c.status] += 1
            what = "; ".join(_claims_by_source(c.claim_ids)) or (c.uncited_reason or "")
            lines.append(f"| {c.pointer.label} | {c.pointer.event_date or ''} | {c.status} | {_cell(what)} "
                         f"| {_cell(c.pointer.what[:60])}… |")
        lines += ["", f"{text_path}: {tally['pointers']} pointers, {tally['cited']} cited, "
                      f"{tally['uncited']} declared uncited, {tally['MISSING']} missing", ""]
        counts[text_path] = tally
    if problems:
        raise CurationError(problems)
    return CoverageReport("\n".join(lines), missing, sum(t["MISSING"] for t in counts.values()), counts)


def _claims_by_source(claim_ids: list[str]) -> list[str]:
    """`claim/<source>/<id>` grouped as "<source>: id, id"."""
    grouped: dict[str, list[str]] = {}
    for claim_id in claim_ids:
        _, source, local = claim_id.split("/", 2)
        grouped.setdefault(source, []).append(local)
    return [f"{source}: {', '.join(ids)}" for source, ids in grouped.items()]
