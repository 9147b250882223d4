"""The README's generated sections: the data dictionary (from the schema) and the summary of
contents (from the published tables). Each lives between markers that only the build writes;
`flows check` renders them again and compares."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from flows.schema.dtypes import table_schema_type
from flows.schema.definition import TABLES, Table, table_fields


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


@dataclass(frozen=True)
class Contents:
    """What the contents section says, counted from the published tables."""

    rows: dict[str, int]
    sources_by_type: list[tuple[str, int]]
    claims_by_stance: list[tuple[str, int]]
    claims_by_evidence_type: list[tuple[str, int]]
    top_sources: list[tuple[str, str, int]]  # title, publisher, claims


def published_contents(processed: Path) -> Contents:
    """The counts of the contents section, by DuckDB over the Parquet files: the build and
    `flows check` count the same way, and the check need not import pandas."""
    import duckdb

    from flows.schema.ddl import sql_string

    con = duckdb.connect()
    try:
        for name in TABLES:
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM "
                        f"read_parquet({sql_string(str(processed / f'{name}.parquet'))})")

        def counts(table: str, column: str) -> list[tuple[str, int]]:
            return con.execute(f"SELECT {column}, count(*) FROM {table} GROUP BY {column} "
                               f"ORDER BY {column}").fetchall()
        rows = {name: con.execute(f"SELECT count(*) FROM {name}").fetchone()[0] for name in TABLES}
        top = con.execute("SELECT s.title, s.publisher, c.n FROM (SELECT source_id, count(*) AS n "
                          "FROM claims GROUP BY source_id) c JOIN sources s USING (source_id) "
                          "ORDER BY c.n DESC, c.source_id LIMIT 10").fetchall()
        return Contents(rows, counts("sources", "source_type"), counts("claims", "stance"),
                        counts("claims", "evidence_type"), top)
    finally:
        con.close()


def contents_summary(contents: Contents) -> str:
    lines = ["| table | rows |", "|---|---|"]
    lines += [f"| `{name}` | {contents.rows[name]} |" for name in TABLES]

    def listed(pairs: list[tuple[str, int]]) -> str:
        return ", ".join(f"{k} {n}" for k, n in pairs)
    lines += ["", f"Sources by type: {listed(contents.sources_by_type)}.", "",
              f"Claims by stance: {listed(contents.claims_by_stance)}.", "",
              f"Claims by evidence type: {listed(contents.claims_by_evidence_type)}.", "",
              "Sources with the most claims:", ""]
    lines += [f"- {_cell(str(title))} ({publisher}): {n} claims" for title, publisher, n in contents.top_sources]
    return "\n".join(lines)


def replace_section(text: str, name: str, body: str) -> str:
    start, end = _marker(name)
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    if not pattern.search(text):
        raise ValueError(f"README.md has no {name} markers ({start})")
    return pattern.sub(lambda _: f"{start}\n{body}\n{end}", text)


SECTIONS = ("data-dictionary", "contents")


def section(text: str, name: str) -> str | None:
    """The body of a generated section, or None when the text has no such markers."""
    start, end = _marker(name)
    m = re.search(re.escape(start) + r"\n?(.*?)\n?" + re.escape(end), text, re.S)
    return m.group(1) if m else None


def render_readme(template: str, contents: Contents) -> str:
    text = replace_section(template, "data-dictionary", data_dictionary())
    return replace_section(text, "contents", contents_summary(contents))
