"""YAML as an import writes its files: each record (or claim) on a line of its own, a flow
mapping, so that a new release shows as a diff of the records that changed. PyYAML's emitter
builds a node per value in Python (a whole list took 20 s); here a text is written plain when
YAML reads it back as the same text, else double-quoted by the json module (JSON's escapes
are YAML's), with the characters YAML does not take raw (C1 controls, its other line breaks)
escaped too.
"""

from __future__ import annotations

import json
import re
from typing import Any

# Plain in a flow mapping: starts with a letter, no flow indicator, colon, hash or quote at the
# start, no run of spaces, no space at the end; and not a word YAML 1.1 reads as true, false or null.
_PLAIN = re.compile(r"[A-Za-z](?:[A-Za-z0-9._/()';-]| (?! ))*[A-Za-z0-9._/()';-]|[A-Za-z]")
_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}
# What YAML does not take raw in a quoted text (not printable to it, or a line break), escaped
_UNPRINTABLE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")


def scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if _PLAIN.fullmatch(text) and text.lower() not in _WORDS:
        return text
    return _UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(text, ensure_ascii=False))


def flow(value: Any) -> str:
    """A mapping, list or scalar in flow style, on one line."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(flow(v) for v in value) + "]"
    return scalar(value)


def items(values: list[Any]) -> str:
    """A block sequence, one item a line."""
    return "".join(f"- {flow(v)}\n" for v in values)
