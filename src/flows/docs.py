"""The README's generated sections: the data dictionary (from the schema) and the summary of
contents (from the data). Each lives between markers that only the build writes."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .dtypes import table_schema_type
from .schema import TABLES, Table, table_fields

if TYPE_CHECKING:  # pandas is imported only where frames are made
    import pandas as pd


def _marker(name: str) -> tuple[str, str]:
    return (f"<!-- generated:{name} start (written by `flows build`; do not edit) -->",
            f"<!-- generated:{name} end -->")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def table_dictionary(table: Table) -> str:
    lines = [f"### `{table.name}`", "", table.description, "",
             f"Primary key: `{', '.join(table.primary_key)}`."]
    if table.foreign_keys:
        refs = ", ".join(f"`{f}` → `{t}`" for f, t in table.foreign_keys.items())
        lines.append(f"Foreign keys: {refs}.")
    lines += ["", "| field | type | required | allowed values / constraint | description |",
              "|---|---|---|---|---|"]
    for f in table_fields(table):
        constraint = ", ".join(f"`{v}`" for v in f.enum) if f.enum else \
            (f"pattern `{f.pattern}`" if f.pattern else (f"≥ {f.minimum}" if f.minimum is not None else ""))
        if f.min_chars is not None:
            constraint = f"at least {f.min_chars} characters besides whitespace"
        kind = "EDTF string" if f.type == "edtf" else table_schema_type(f)
        lines.append(f"| `{f.name}` | {kind} | {'yes' if f.required else ''} | {_cell(constraint)} | "
                     f"{_cell(f.description)} |")
    return "\n".join(lines)


def data_dictionary() -> str:
    return "\n\n".join(table_dictionary(t) for t in TABLES.values())


def contents_summary(frames: dict[str, pd.DataFrame]) -> str:
    lines = ["| table | rows |", "|---|---|"]
    lines += [f"| `{name}` | {len(frames[name])} |" for name in TABLES]
    claims = frames["claims"]
    sources = frames["sources"].set_index("source_id")
    per_source = claims.groupby("source_id").size()
    by_type = frames["sources"].groupby("source_type").size()
    lines += ["", "Sources by type: " + ", ".join(f"{t} {n}" for t, n in by_type.items()) + ".", "",
              "Claims by stance: " + ", ".join(f"{s} {n}" for s, n in claims.groupby("stance").size().items()) + ".",
              "", "Claims by evidence type: " + ", ".join(
                  f"{s} {n}" for s, n in claims.groupby("evidence_type").size().items()) + ".", "",
              "Sources with the most claims:", ""]
    for source_id, n in per_source.sort_values(ascending=False, kind="stable").head(10).items():
        lines.append(f"- {_cell(str(sources.loc[source_id, 'title']))} ({sources.loc[source_id, 'publisher']}): {n} claims")
    return "\n".join(lines)


def replace_section(text: str, name: str, body: str) -> str:
    start, end = _marker(name)
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    if not pattern.search(text):
        raise ValueError(f"README.md has no {name} markers ({start})")
    return pattern.sub(lambda _: f"{start}\n{body}\n{end}", text)


def render_readme(template: str, frames: dict[str, pd.DataFrame]) -> str:
    text = replace_section(template, "data-dictionary", data_dictionary())
    return replace_section(text, "contents", contents_summary(frames))
