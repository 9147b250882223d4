"""A namespaced list XML file streamed one entry element at a time, each element with its
verbatim text and line, and those of every element inside it.

The file is fed to expat in chunks; expat reports where every tag starts, so each entry is cut
out of the file byte for byte (the evidence of its values, and the text archived for `flows
check`) and memory holds one entry at a time. An entry's verbatim text, archived, reads again
into the same elements (`element`). Refused, with the file, line and field: a DOCTYPE
(the entity definitions it could hold allow billion-laughs expansion and external entities;
without one expat itself refuses every undefined entity), CDATA sections (text that can hide
markup), an encoding but UTF-8, a root element or a namespace that is not the list's, an element
written with a namespace prefix, a control or bidirectional-override character in any text or
attribute, an entry longer than MAX_ELEMENT bytes, and anything not well formed.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

from flows.importers.model import FileInfo, ListError, unsafe_character

CHUNK = 1 << 20
MAX_ELEMENT = 1 << 20  # bytes of one entry element
# The end of a start tag: quoted attribute values may hold '>' (XML allows it unescaped).
_START_TAG = re.compile(rb"""<[^\s/>]+(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*(/?)>""")
_END_TAG = re.compile(rb"</[^\s>]+\s*>")
_SPACE = re.compile(r"\s+")


@dataclass
class Node:
    """One element of an entry: local name, attributes, text, children, first line, and (once
    its entry is complete) its verbatim text and that of its start tag."""

    tag: str
    attrs: dict[str, str]
    line: int
    start: int  # file offset of '<'
    start_tag_end: int  # file offset just past the start tag's '>'
    empty: bool  # written <tag .../>
    end: int = 0  # file offset just past the element
    parts: list[str] = field(default_factory=list)
    children: list[Node] = field(default_factory=list)
    raw: str = ""
    start_tag: str = ""

    def get(self, name: str) -> str | None:
        """An attribute with its whitespace folded; None when absent or blank."""
        value = self.attrs.get(name)
        if value is None:
            return None
        value = _SPACE.sub(" ", value).strip()
        return value or None

    def findall(self, tag: str) -> list[Node]:
        return [c for c in self.children if c.tag == tag]

    def find(self, tag: str) -> Node | None:
        return next((c for c in self.children if c.tag == tag), None)

    @property
    def text(self) -> str | None:
        """The element's own text with whitespace folded; None when blank."""
        value = _SPACE.sub(" ", "".join(self.parts)).strip()
        return value or None

    def walk(self) -> Iterator[Node]:
        yield self
        for c in self.children:
            yield from c.walk()


@dataclass(frozen=True)
class Shape:
    """What a list's XML is: its namespace, root element, entry element (a child of the root)
    and its name in messages."""

    namespace: str
    root: str
    entry: str
    name: str  # "the EU Financial Sanctions File"


def _open(path: Path):
    try:
        return path.open("rb")
    except OSError as e:
        raise ListError(str(path), None, f"cannot be read: {e.strerror or e}") from None


class _Reader:
    """One pass of expat over a file. `source` names the file in messages; `line_offset` is
    added to every line expat counts (a text that starts on a later line of its file)."""

    def __init__(self, source: str, shape: Shape, root_only: bool = False, line_offset: int = 0) -> None:
        self.source, self.shape, self.root_only, self.line_offset = source, shape, root_only, line_offset
        p = self.parser = expat.ParserCreate(namespace_separator=" ")
        p.namespace_prefixes = True  # names come as "uri local prefix" when written with a prefix
        p.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        p.StartDoctypeDeclHandler = self._doctype
        p.StartCdataSectionHandler = self._cdata
        p.XmlDeclHandler = self._declaration
        p.StartElementHandler = self._start
        p.EndElementHandler = self._end
        p.CharacterDataHandler = self._chars
        self.depth = 0
        self.root_attrs: dict[str, str] | None = None
        self.stack: list[Node] = []  # the open entry and the elements open inside it
        self.done: list[Node] = []  # entries complete in the chunk just parsed
        self.last_event = 0  # offset of the last tag expat reported: bytes after it may be pending
        self.buf = bytearray()
        self.buf_start = 0  # file offset of buf[0]

    def _line(self) -> int:
        return self.parser.CurrentLineNumber + self.line_offset

    def _where(self) -> str:
        return f"{self.source}:{self._line()}"

    def _doctype(self, *_: object) -> None:
        raise ListError(self._where(), None, f"a DOCTYPE declaration: {self.shape.name} has none, "
                        "and the entities it could define are refused")

    def _cdata(self) -> None:
        raise ListError(self._where(), None, f"a CDATA section: {self.shape.name} has none (its text is escaped)")

    def _declaration(self, _version: str, encoding: str | None, _standalone: int) -> None:
        if encoding and encoding.lower() not in ("utf-8", "utf8"):
            raise ListError(self._where(), None, f"encoding {encoding!r}: {self.shape.name} is UTF-8")

    def _name(self, qualified: str) -> str:
        """The local name of an element of the list's namespace; anything else is refused."""
        parts = qualified.split(" ")
        ns, local = (parts[0], parts[1]) if len(parts) > 1 else ("", parts[0])
        if self.depth == 1 and (ns, local) != (self.shape.namespace, self.shape.root):
            raise ListError(self._where(), None, f"root element <{local}>"
                            + (f" in namespace {ns}" if ns else " in no namespace")
                            + f": not {self.shape.name} (<{self.shape.root} xmlns=\"{self.shape.namespace}\">)")
        if ns != self.shape.namespace:
            raise ListError(self._where(), local, f"an element of namespace {ns or '(none)'}: "
                            f"{self.shape.name} has elements of {self.shape.namespace} only")
        if len(parts) > 2:
            raise ListError(self._where(), local, f"an element written with the prefix {parts[2]!r}: "
                            f"{self.shape.name} writes its namespace as the default one")
        return local

    def _check(self, tag: str, attrs: dict[str, str]) -> None:
        for name, value in attrs.items():
            if problem := unsafe_character(value):
                raise ListError(self._where(), f"{tag}/@{name.split(' ')[-1]}", problem)

    def _start(self, qualified: str, attrs: dict[str, str]) -> None:
        self.depth += 1
        at = self.last_event = self.parser.CurrentByteIndex
        tag = self._name(qualified)
        self._check(tag, attrs)
        if self.depth == 1:
            self.root_attrs = dict(attrs)
            if self.root_only:
                raise _RootRead
            return
        if not self.stack and not (self.depth == 2 and tag == self.shape.entry):
            return
        m = _START_TAG.match(self.buf, at - self.buf_start)
        if m is None:  # expat accepted it, so this cannot happen; refuse rather than guess
            raise ListError(self._where(), tag, "a start tag this reader cannot delimit")
        node = Node(tag, dict(attrs), self._line(), at, self.buf_start + m.end(),
                    bool(m.group(1)))
        if self.stack:
            self.stack[-1].children.append(node)
        self.stack.append(node)

    def _end(self, _qualified: str) -> None:
        self.depth -= 1
        at = self.last_event = self.parser.CurrentByteIndex
        if not self.stack:  # inside an entry every element is on the stack
            return
        node = self.stack.pop()
        if node.empty:
            node.end = node.start_tag_end
        else:
            m = _END_TAG.match(self.buf, at - self.buf_start)
            if m is None:
                raise ListError(self._where(), node.tag, "an end tag this reader cannot delimit")
            node.end = self.buf_start + m.end()
        if not self.stack:
            self.done.append(node)

    def _chars(self, data: str) -> None:
        if problem := unsafe_character(data):
            tag = self.stack[-1].tag if self.stack else None
            raise ListError(self._where(), tag, problem)
        if self.stack:
            self.stack[-1].parts.append(data)

    def feed(self, data: bytes, final: bool) -> None:
        self.buf += data
        try:
            self.parser.Parse(data, final)
        except expat.ExpatError as e:
            raise ListError(f"{self.source}:{e.lineno + self.line_offset}", None,
                            f"malformed XML: {expat.ErrorString(e.code)} (column {e.offset + 1})") from None

    def cut(self, entry: Node) -> Node:
        """Fill in the verbatim text of an entry and of every element in it."""
        if entry.end - entry.start > MAX_ELEMENT:
            raise ListError(f"{self.source}:{entry.line}", entry.tag, _too_long())
        for node in entry.walk():
            try:
                node.raw = bytes(self.buf[node.start - self.buf_start:node.end - self.buf_start]).decode("utf-8")
                node.start_tag = bytes(self.buf[node.start - self.buf_start:
                                                node.start_tag_end - self.buf_start]).decode("utf-8")
            except UnicodeDecodeError:
                raise ListError(f"{self.source}:{node.line}", node.tag, "not UTF-8 text") from None
        return entry

    def trim(self) -> None:
        """Drop the bytes no open entry and no pending token needs."""
        if self.stack:
            open_start = self.stack[0].start
            if self.buf_start + len(self.buf) - open_start > MAX_ELEMENT:
                raise ListError(f"{self.source}:{self.stack[0].line}", self.stack[0].tag, _too_long())
            keep_from = open_start
        else:
            keep_from = self.last_event
        if keep_from > self.buf_start:
            del self.buf[: keep_from - self.buf_start]
            self.buf_start = keep_from


class _RootRead(Exception):
    """The root element is read: stop parsing."""


def _too_long() -> str:
    return f"an element longer than {MAX_ELEMENT} bytes (a list entry is a few kB)"


def entries(path: Path, shape: Shape, info: FileInfo | None = None) -> Iterator[Node]:
    """Every entry element of the file, in file order, each complete with its verbatim text.

    An element ends where expat saw its end tag, so an end tag inside a comment cannot cut it
    short. With `info`, the file's size and sha256 are recorded once it is read to the end."""
    reader = _Reader(str(path), shape)
    digest = hashlib.sha256()
    size = 0
    with _open(path) as f:
        while True:
            chunk = f.read(CHUNK)
            digest.update(chunk)
            size += len(chunk)
            reader.feed(chunk, not chunk)
            for entry in reader.done:
                yield reader.cut(entry)
            reader.done.clear()
            reader.trim()
            if not chunk:
                break
    if info is not None:
        info.size, info.sha256, info.encoding = size, digest.hexdigest(), "utf-8"


def root_attributes(path: Path, shape: Shape) -> tuple[dict[str, str], int]:
    """The root element's attributes and line, read without reading on (the root is checked
    as every element is: its name, namespace and characters)."""
    reader = _Reader(str(path), shape, root_only=True)
    with _open(path) as f:
        try:
            while chunk := f.read(65536):
                reader.feed(chunk, False)
            reader.feed(b"", True)  # malformed: expat says why
        except _RootRead:
            pass
    assert reader.root_attrs is not None  # a well-formed file has a root
    return reader.root_attrs, reader.parser.CurrentLineNumber


def element(text: str, line: int, shape: Shape, source: str) -> Node:
    """One entry element read again from its verbatim text (an entry's `raw`, as `entries` cut
    it), which starts on line `line` of the file `source` names: the elements `entries` gave,
    each with its verbatim text and its line in the file. The text is read as the file's root
    holds it, in the list's namespace (`entries` refuses a root in any other), and is checked as
    every entry is; a text that is not one whole entry element is refused."""
    root = f'<{shape.root} xmlns="{shape.namespace}">\n'.encode()  # a line of its own: columns are the text's
    try:
        body = text.encode("utf-8")
    except UnicodeEncodeError:
        raise ListError(f"{source}:{line}", shape.entry, "not UTF-8 text") from None
    reader = _Reader(source, shape, line_offset=line - 2)
    reader.feed(root + body + f"</{shape.root}>".encode(), True)
    whole = [e for e in reader.done if (e.start, e.end) == (len(root), len(root) + len(body))]
    if len(reader.done) != 1 or not whole:
        raise ListError(f"{source}:{line}", shape.entry, f"not one whole <{shape.entry}> element")
    return reader.cut(whole[0])
