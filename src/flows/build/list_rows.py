"""The archived rows of an official list (a source's `text_kind: list_rows`): the form
`flows import` writes a release's rows in, and the build reads them back, so that a claim
cites a row by its locator instead of repeating it.

The text is a header (every line before the first section), then sections. A section starts
with a line `=== <name> ===` (a file of the release, or a part the importer writes itself);
then come its rows: a row's first line is `<number><TAB><text>` (for a file, the row's line in
it), each further line of the same row (an XML element spans several) is `<TAB><text>`. What
follows the prefix is the row's text, verbatim. A claim's locator `<name> line <number>` names
a row, several are joined by ROWS (`; `); its evidence is one or more pieces of them
(whitespace normalised), joined by PIECES (` … `), each found in one of those rows by the rule
`list_row_not_found` (rules/validate.py). A claim may leave its evidence out: the build then
fills it with the whole rows its locator names, joined by PIECES (flows.build.evidence).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from flows.schema.definition import LIST_ROWS

PIECES = " … "  # between the pieces of rows (or the rows) that a claim's evidence quotes
ROWS = "; "  # between the rows a claim's locator names
_SECTION = re.compile(r"=== (.+) ===")
_FIRST_LINE = re.compile(r"(\d+)\t(.*)", re.S)


def cited_rows_sql(claims: str, take: str = "row") -> str:
    """DuckDB SQL finding the rows each claim names: for each claim of the relation `claims`
    (_row, source_id, locator, evidence_text) whose source (`sources`: source_id, text_kind,
    text_path) is archived list rows that were read (`texts`: text_path), with the rows of those
    texts (`list_rows`: text_path, locator, and `take`, the row or its position): _row,
    text_path, evidence_text, `rows` (`take` of each row found, in the locator's order; NULL
    when none is) and `missing` (the locators of the rows not found, in order; NULL when none
    is). The one lookup of rows by locator: the build fills a claim's evidence from it (the
    rows, joined by PIECES), the check tests a claim's evidence against it."""
    return f"""WITH cited AS (
    SELECT c._row, s.text_path, c.evidence_text, unnest(c.parts) AS cited, generate_subscripts(c.parts, 1) AS n
    FROM (SELECT _row, source_id, evidence_text, string_split(coalesce(locator, ''), '{ROWS}') AS parts
          FROM {claims}) c JOIN sources s USING (source_id)
    WHERE s.text_kind = '{LIST_ROWS}' AND s.text_path IN (SELECT text_path FROM texts))
SELECT w._row, any_value(w.text_path) AS text_path, any_value(w.evidence_text) AS evidence_text,
       list(r.{take} ORDER BY w.n) FILTER (WHERE r.{take} IS NOT NULL) AS rows,
       list(w.cited ORDER BY w.n) FILTER (WHERE r.{take} IS NULL) AS missing
FROM cited w LEFT JOIN list_rows r ON r.text_path = w.text_path AND r.locator = w.cited
GROUP BY w._row"""


def locator(section: str, number: int) -> str:
    return f"{section} line {number}"


def section_lines(name: str, rows: Iterable[tuple[int, str]]) -> list[str]:
    """The lines of one section: its header, then each (number, text) row."""
    lines = [f"=== {name} ==="]
    for number, text in rows:
        first, *more = text.split("\n")
        lines.append(f"{number}\t{first}")
        lines += [f"\t{line}" for line in more]
    return lines


def rows(text: str) -> Iterator[tuple[str, str]]:
    """(locator, row text) of every row of an archived text in this form, in order."""
    section: str | None = None
    number, parts = None, []
    for line in text.split("\n"):
        if section is not None and line.startswith("\t") and number is not None:
            parts.append(line[1:])
            continue
        if number is not None:
            yield locator(section, number), "\n".join(parts)
            number, parts = None, []
        if m := _SECTION.fullmatch(line):
            section = m.group(1)
        elif section is not None and (m := _FIRST_LINE.fullmatch(line)):
            number, parts = int(m.group(1)), [m.group(2)]
    if number is not None:
        yield locator(section, number), "\n".join(parts)
