"""Which paragraphs of a full-text article are cited by claims, and which state no fact.

Paragraphs: the archived texts keep the article's hard line breaks, not its paragraph breaks,
so a paragraph ends at a line ending a sentence (. ? ! : optionally followed by a closing
quote), except after the abbreviation "Mr.". The first line is the headline (paragraph 0).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from flows.build.load import Curation
from flows.build.texts import normalise, read_archived_text

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


def report(curation: Curation) -> tuple[str, int]:
    """A Markdown report of every full-text article's paragraphs; and how many are MISSING."""
    lines, missing = [], 0
    for source_id in full_text_articles(curation):
        lines += [f"## {source_id}", "", "| ¶ | status | claims | opens with |", "|---|---|---|---|"]
        for p in coverage(curation, source_id):
            missing += p.status == "MISSING"
            what = ", ".join(c.rsplit("/", 1)[1] for c in p.claim_ids) or (p.uncited_reason or "")
            lines.append(f"| {p.number} | {p.status} | {what} | {p.text[:60]}… |")
        lines.append("")
    return "\n".join(lines), missing
