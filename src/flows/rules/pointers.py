"""The pointers of a pointer file: an archived text that holds, for each published page, a
paraphrase of it (and, for official pages, a short quote), one block per page.

Two layouts are in use, after a header that explains the file:
- dated blocks (`pointers-*.txt`): blocks separated by blank lines, each a run of `KEY: value`
  lines opening with `EVENT DATE:`; the Nth block is "pointer N" (numbered from 1, in file order);
- lettered sections (`news-pointers-not-reusable.txt`): a line `A. <title>` opens a section and
  each `- ` line below it is one item, "section A, item 1".

A claim names its pointer in its locator, as the curators write it: "pointer 16 (event date
2022-11-05), WHAT line" or "news pointers, section B, item 1".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flows.errors import CurationError, Location, Problem

_BLOCK_START = "EVENT DATE:"
_KEY_LINE = re.compile(r"^([A-Z][A-Z ]*[A-Z]):\s?(.*)$")
_SECTION = re.compile(r"^([A-Z])\.\s+\S")
_ITEM = re.compile(r"^-\s+(\S.*)$")
# A locator's pointer: "pointer 16", or "section B, item 1" (not "pointer 160" for "pointer 16").
_NAMED = re.compile(r"\bpointer (\d+)(?!\d)|\bsection ([A-Z]), item (\d+)(?!\d)")


@dataclass
class Pointer:
    label: str  # "pointer 16" or "section B, item 1": what a claim's locator names
    line: int  # where the block starts in the file
    text: str  # the block as it stands (its lines joined by newlines)
    fields: dict[str, str] = field(default_factory=dict)  # KEY: value lines of a dated block

    @property
    def event_date(self) -> str | None:
        return self.fields.get("EVENT DATE")

    @property
    def what(self) -> str:
        """What the block says, for a listing: its WHAT line, else the item's text."""
        return self.fields.get("WHAT") or self.text.lstrip("- ")


def named_pointer(locator: str | None) -> str | None:
    """The pointer a claim's locator names ("pointer 16", "section B, item 1"), or None."""
    found = _NAMED.search(locator or "")
    if found is None:
        return None
    number, section, item = found.groups()
    return f"pointer {int(number)}" if number else f"section {section}, item {int(item)}"


def parse_pointers(text: str, shown: str) -> list[Pointer]:
    """The pointers of a pointer file, in file order; CurationError at the line that breaks the
    layout (`shown` names the file)."""
    lines = text.splitlines()
    if any(line.startswith(_BLOCK_START) for line in lines):
        return _dated_blocks(lines, shown)
    if any(_SECTION.match(line) for line in lines):
        return _lettered_sections(lines, shown)
    raise CurationError.at(Location(shown, 1), None, f"not a pointer file: no `{_BLOCK_START}` blocks and no "
                           "lettered sections (`A. title`) of `- ` items", "pointer_file")


def _dated_blocks(lines: list[str], shown: str) -> list[Pointer]:
    start = next(i for i, line in enumerate(lines) if line.startswith(_BLOCK_START))
    pointers: list[Pointer] = []
    block: list[tuple[int, str]] = []
    problems: list[Problem] = []
    for number, line in [*enumerate(lines[start:], start + 1), (len(lines) + 1, "")]:
        if line.strip():
            block.append((number, line.rstrip()))
            continue
        if not block:
            continue
        first, opening = block[0]
        if not opening.startswith(_BLOCK_START):
            problems.append(Problem(str(Location(shown, first)), None, f"a pointer block opens with "
                                    f"`{_BLOCK_START}`, not {opening[:40]!r}", "pointer_file"))
        fields = {}
        for at, text in block:
            key_value = _KEY_LINE.match(text)
            if key_value is None:
                problems.append(Problem(str(Location(shown, at)), None, "a line of a pointer block is "
                                        f"`KEY: value`, not {text[:40]!r}", "pointer_file"))
            elif key_value[1] in fields:
                problems.append(Problem(str(Location(shown, at)), None, f"`{key_value[1]}:` twice in one "
                                        "pointer block", "pointer_file"))
            else:
                fields[key_value[1]] = key_value[2].strip()
        pointers.append(Pointer(f"pointer {len(pointers) + 1}", first, "\n".join(t for _, t in block), fields))
        block = []
    if problems:
        raise CurationError(problems)
    return pointers


def _lettered_sections(lines: list[str], shown: str) -> list[Pointer]:
    pointers: list[Pointer] = []
    section, items = None, 0
    for number, line in enumerate(lines, 1):
        if heading := _SECTION.match(line):
            section, items = heading[1], 0
        elif (item := _ITEM.match(line)) and section is not None:
            items += 1
            pointers.append(Pointer(f"section {section}, item {items}", number, item[1].rstrip()))
        elif line.strip() and section is not None:
            raise CurationError.at(Location(shown, number), None, "in a lettered section, each line is a "
                                   f"`- ` item, not {line[:40]!r}", "pointer_file")
    return pointers
