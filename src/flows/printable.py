"""Values from the data as a terminal can show them safely: the characters a terminal acts on
or that reorder what it shows, written as visible escapes instead (`\\x1b`, `\\r`, `\\u202e`).
Used wherever the commands print values (`flows sql`'s table, `flows show`, `flows diff`'s
Markdown) and, as JSON escapes, in the JSON they write."""

from __future__ import annotations

import re

# C0 controls (ESC starts terminal sequences, CR rewrites the line), DEL, C1 controls (U+009B
# is a CSI on some terminals), Arabic letter mark, LRM/RLM, the bidirectional embeddings,
# overrides and isolates ("Trojan Source"), and the Unicode line and paragraph separators.
# Not ZWJ/ZWNJ (U+200C/U+200D): Persian and emoji need them and terminals do not act on them.
UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    c = match.group()
    return _SHORT.get(c) or (f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}")


def visible(text: str) -> str:
    """`text` with every unsafe character as a visible escape; other text as it is."""
    return UNSAFE.sub(_escape, text)


# What json.dumps(ensure_ascii=False) leaves raw in strings: all of UNSAFE but the C0 controls,
# which it escapes itself (and which a document's indentation uses).
JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def json_escaped(document: str) -> str:
    """A JSON document from json.dumps with the unsafe characters it left raw as \\uXXXX escapes:
    outside strings JSON has none of them, so the data read back is unchanged."""
    return JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", document)
