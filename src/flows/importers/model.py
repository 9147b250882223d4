"""What an imported list entry is: every value with the list row it was read from."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flows.errors import Problem


# Characters no list value needs and that can hide or disguise text: C0 controls (but tab and
# line ends, which XML layout uses), C1 controls, and
# the bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069). Joiners
# and the left-to-right / right-to-left marks stay: Persian and Arabic names use them.
UNSAFE_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def unsafe_character(value: str) -> str | None:
    """What is wrong with a value's first unsafe character, if any."""
    m = UNSAFE_CHARACTER.search(value)
    if m is None:
        return None
    kind = "bidirectional override" if m.group() > "\x9f" else "control character"
    return f"{kind} U+{ord(m.group()):04X}"


class ListError(Exception):
    """A list file that is not as its publisher writes it: one Problem naming the file, the
    line and the field, with a `list_*` code (flows.errors.CODES). An import that meets one
    writes nothing."""

    def __init__(self, where: str, field: str | None, message: str, code: str = "list_file") -> None:
        self.problem = Problem(where, field, message, code)
        super().__init__(str(self.problem))


@dataclass(frozen=True, slots=True)  # slots: a whole list holds hundreds of thousands of rows
class Row:
    """One verbatim row of a list file: the evidence of every value read from it."""

    file: str  # the file's name in the release (sdn.csv, add.csv, consolidated.xml)
    line: int  # first physical line of the row in that file (1-based)
    text: str  # the row, verbatim (decoded; line ends and the 0x1A terminator removed)
    within: bool = False  # a part of another row (a child element of a UN entry): not archived apart

    def locator(self, ref: str, what: str | None = None) -> str:
        where = f"{self.file} line {self.line}, {ref}"
        return f"{where}, {what}" if what else where

    def __reduce__(self):  # pickled as its constructor's arguments: a whole list's entries are
        # cached (flows.build.parse_cache), and the dataclass default is four times slower to read
        return type(self), tuple(getattr(self, f) for f in self.__dataclass_fields__)


@dataclass(frozen=True, slots=True)
class Value:
    """One value of an entry: an alias (kind = alias type), an attribute (kind = attribute
    name) or a linked party (kind = relation), with its row."""

    kind: str
    value: str
    row: Row

    def __reduce__(self):  # as Row's
        return Value, (self.kind, self.value, self.row)


@dataclass
class Entry:
    """One listed target as the list gives it."""

    ref: str  # the list's reference (OFAC ent_num, UN reference number)
    name: str  # primary name, verbatim
    actor_type: str | None  # person / company; None for targets that are not actors (vessels)
    list_type: str  # the list's own word for the kind of target (individual, entity, vessel)
    programs: list[str]  # programme tags, verbatim
    row: Row  # the main row (sdn.csv row, the UN element)
    listed: str | None = None  # date listed, ISO, when the list gives it
    listed_basis: str | None = None  # where `listed` comes from, when not the list's own listing date
    position: str | None = None
    aliases: list[Value] = field(default_factory=list)
    attributes: list[Value] = field(default_factory=list)
    links: list[Value] = field(default_factory=list)  # kind "linked_to", value = the party's name
    extra_rows: list[Row] = field(default_factory=list)  # rows read but holding no value (comments)
    # other references the same entry is known by (the EU's `EU-<logicalId>`, used by mirrors and
    # by designations curated from them): a designation curated under one is this entry's
    other_refs: list[str] = field(default_factory=list)
    # What the list says that no field of the schema holds (a UK entry's title, UN reference,
    # OFSI Group ID, other information), kind = what it is: for identity across lists and claims.
    details: list[Value] = field(default_factory=list)

    def cited(self, row: Row) -> Row:
        """The archived row a claim on a value read from `row` cites: the entry's own row for a
        part of it (a child element), which is not archived apart."""
        return self.row if row.within else row

    def rows(self) -> list[Row]:
        """Every row this entry was read from, each once, in file and line order."""
        seen = {}
        for r in [self.row, *(v.row for v in self.aliases + self.attributes + self.links + self.details),
                  *self.extra_rows]:
            if not r.within:
                seen[(r.file, r.line)] = r
        return [seen[k] for k in sorted(seen)]


@dataclass(frozen=True)
class Summary:
    """What selection needs of an entry, read in one cheap pass."""

    ref: str
    name: str
    programs: tuple[str, ...]
    links: tuple[str, ...]  # names of linked parties


@dataclass
class FileInfo:
    """A list file as read: size, hash and encoding, for the archive header."""

    name: str
    size: int
    sha256: str
    encoding: str
    rows: int = 0
    terminator: bool = False  # ended with the 0x1A byte
    # bytes the importer replaced with U+FFFD, when asked to: (line, byte column, the bytes)
    replaced: list[tuple[int, int, bytes]] = field(default_factory=list)
