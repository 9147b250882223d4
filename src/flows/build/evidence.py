"""Evidence by reference: a claim on an official list's archived rows (`text_kind: list_rows`)
may leave `evidence_text` out; its evidence is then the whole rows its locator names (each
whitespace normalised, joined by PIECES, in the locator's order), filled in here before the
tables are checked, so that every published claim carries its evidence. The rows are found by
the one lookup the check uses (flows.build.list_rows.cited_rows_sql)."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from flows.build.list_rows import PIECES, ROWS, cited_rows_sql
from flows.build.load import Origins
from flows.errors import Problem


def fill_evidence(claims: pd.DataFrame, sources: pd.DataFrame, texts: pa.Table, list_rows: pa.Table,
                  origins: Origins) -> list[Problem]:
    """Fill, in `claims`, the evidence of the claims that leave it out; the problems of those whose
    locator names a row their source's archived text lacks, or whose text is not there to read."""
    left_out = np.flatnonzero(claims["evidence_text"].isna().to_numpy())
    if not len(left_out):
        return []
    con = duckdb.connect()
    try:
        con.register("claims", claims.iloc[left_out][["source_id", "locator", "evidence_text"]].assign(_row=left_out))
        con.register("sources", sources[["source_id", "text_kind", "text_path"]])
        con.register("texts", texts.select(["text_path"]))
        con.register("list_rows", list_rows)
        found = con.execute(f"SELECT _row, text_path, rows, missing FROM ({cited_rows_sql('claims')}) ORDER BY _row").fetchall()
    finally:
        con.close()
    problems, filled, evidence = [], [], []
    for row, text_path, rows, missing in found:
        if missing:
            problems.append(Problem(str(origins[row].at("locator")), "locator",
                                    f'no row "{missing[0]}" in {text_path}: a claim on archived list rows names each '
                                    f'row as "<file> line <number>" (several joined by "{ROWS}")', "list_row_not_found"))
        else:
            filled.append(row)
            evidence.append(PIECES.join(rows))
    if filled:
        claims.iloc[filled, claims.columns.get_loc("evidence_text")] = evidence
    unread = sorted(set(left_out.tolist()) - {row for row, *_ in found})
    problems += [Problem(str(origins[row].at("evidence_text")), "evidence_text",
                         "left out, and the archived rows its locator names could not be read (its "
                         "source's text is missing)", "required") for row in unread]
    return problems
