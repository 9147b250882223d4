"""The import's fast YAML writer reads back, by PyYAML and by the build's loader, as what it wrote."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from flows.build.load import parse_yaml
from flows.importers.yaml_lines import items, scalar

import yaml

# Any text a list could hold: every character but surrogates (never decoded from UTF-8) and the
# C0/C1 controls and bidi overrides the parsers refuse (tab and line ends stay).
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
RECORD = st.dictionaries(st.sampled_from(["name", "alias", "value", "locator"]),
                         st.one_of(TEXT, st.none()), min_size=1)


@settings(max_examples=300, deadline=None)
@given(st.lists(RECORD, min_size=1, max_size=4))
def test_what_is_written_is_read_back(records):
    text = items(records)
    assert yaml.load(text, Loader=yaml.CSafeLoader) == records
    assert parse_yaml(text.encode("utf-8"), "x.yaml") == records


def test_plain_when_it_reads_back_the_same_else_quoted():
    assert scalar("QODS AVIATION INDUSTRIES") == "QODS AVIATION INDUSTRIES"
    assert scalar("sdn.csv line 52; alt.csv line 70") == "sdn.csv line 52; alt.csv line 70"
    for quoted in ("yes", "No", "39096", "2023-12-28", "a: b", "a  b", "a ", "'x", "x, y", "#x", "-x", "", "~"):
        assert scalar(quoted).startswith('"'), quoted
    assert scalar("a\u2028b") == '"a\\u2028b"'  # a line break to YAML, escaped
