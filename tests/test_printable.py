"""flows.printable: values from the data as a terminal can show them safely, and as JSON that reads
back the same."""

from __future__ import annotations

import json

import pytest

from flows.printable import json_escaped, visible


@pytest.mark.parametrize("raw,shown", [
    ("\x1b[2Jcleared", r"\x1b[2Jcleared"),  # escape: terminal sequences
    ("paid\rUNPAID", r"paid\rUNPAID"),  # carriage return
    ("two\nlines\tand a tab", r"two\nlines\tand a tab"),
    ("\x00\x07\x08\x7f", r"\x00\x07\x08\x7f"),  # other C0 controls and DEL
    ("\x85\x9b2J", r"\x85\x9b2J"),  # C1 controls (CSI on some terminals)
    ("abc\u202efed", r"abc\u202efed"),  # right-to-left override
    ("\u2066isolate\u2069", r"\u2066isolate\u2069"),  # bidirectional isolates
    ("\u200e\u200f\u061c", r"\u200e\u200f\u061c"),  # direction marks
    ("line\u2028sep\u2029par", r"line\u2028sep\u2029par"),
])
def test_unsafe_characters_become_visible_escapes(raw: str, shown: str):
    assert visible(raw) == shown


@pytest.mark.parametrize("text", [
    "Mélanie Joly", "[bold red]markup stays text[/]", ":skull:",
    "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",  # Persian needs ZWNJ (U+200C)
    "\U0001F469\u200d\U0001F52C",  # an emoji sequence joined by ZWJ (U+200D)
])
def test_other_text_is_left_as_it_is(text: str):
    assert visible(text) == text


def test_json_escaped_leaves_no_unsafe_character_raw_and_reads_back_the_same():
    value = {"s": "x\x1b\x85\u202e\u2066y\u2028\u061c", "n": 1, "list": ["\u200f"]}
    document = json_escaped(json.dumps(value, ensure_ascii=False, indent=2))
    assert not any(c in document for c in "\x1b\x85\u202e\u2066\u2028\u061c\u200f")
    assert r"\u0085\u202e\u2066" in document
    assert json.loads(document) == value
    assert document.count("\n") == json.dumps(value, indent=2).count("\n")  # the layout untouched
