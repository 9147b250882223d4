"""flows.publish.readme: the README's generated sections (contents and data dictionary)."""

from __future__ import annotations

from pathlib import Path

from flows.schema.definition import TABLES


def test_readme_dictionary_lists_every_field(built: Path):
    readme = (built / "README.md").read_text()
    for table in TABLES.values():
        assert f"### `{table.name}`" in readme
        for name in table.fields:
            assert f"| `{name}` |" in readme
