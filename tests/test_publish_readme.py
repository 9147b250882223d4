"""flows.publish.readme: the README's generated sections (contents and data dictionary)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from flows.publish.readme import contents_summary, data_dictionary, published_contents, replace_section, section
from flows.schema.definition import TABLES, table_fields


def test_readme_dictionary_lists_every_field(built: Path):
    readme = (built / "README.md").read_text()
    for table in TABLES.values():
        assert f"### `{table.name}`" in readme
        for name in table.fields:
            assert f"| `{name}` |" in readme


def test_the_contents_are_counted_from_the_published_tables(built: Path, curated: dict):
    contents = published_contents(built / "data" / "processed")
    for name, table in TABLES.items():
        if table.curated_as != "generated":
            assert contents.rows[name] == len(curated[name]), name
    stances = {}
    for claim in curated["claims"]:
        stances[claim["stance"]] = stances.get(claim["stance"], 0) + 1
    assert contents.claims_by_stance == sorted(stances.items())
    assert [n for _, _, n in contents.top_sources] == sorted((n for _, _, n in contents.top_sources), reverse=True)
    summary = contents_summary(contents)
    assert f"| `claims` | {len(curated['claims'])} |" in summary
    assert section((built / "README.md").read_text(encoding="utf-8"), "contents") == summary


def test_a_section_is_replaced_between_its_markers_and_the_rest_is_kept():
    start, end = ("<!-- generated:contents start (written by `flows build`; do not edit) -->",
                  "<!-- generated:contents end -->")
    text = f"# Title\n\nBy hand.\n\n{start}\nold counts\n{end}\n\nAlso by hand.\n"
    replaced = replace_section(text, "contents", "new | counts")
    assert replaced == f"# Title\n\nBy hand.\n\n{start}\nnew | counts\n{end}\n\nAlso by hand.\n"
    assert section(replaced, "contents") == "new | counts"
    assert section(replaced, "data-dictionary") is None
    with pytest.raises(ValueError, match="README.md has no data-dictionary markers"):
        replace_section(replaced, "data-dictionary", "x")


def test_every_row_of_the_dictionary_has_its_five_cells():
    """A pipe in a pattern or a description (the record id's pattern has several) is escaped:
    every field is one row of five cells."""
    dictionary = data_dictionary()
    rows = [line for line in dictionary.splitlines() if line.startswith("| `")]
    assert len(rows) == sum(len(table_fields(t)) for t in TABLES.values())
    assert any("\\|" in row for row in rows)  # there are pipes to escape
    for row in rows:
        assert len(re.findall(r"(?<!\\)\|", row)) == 6, row
