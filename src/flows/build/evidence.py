"""Evidence by reference: a claim on an official list's archived rows (`text_kind: list_rows`)
may leave `evidence_text` out; its evidence is then the whole rows its locator names (each
whitespace normalised, joined by ` … `, in the locator's order), filled in here before the
tables are checked, so that every published claim carries its evidence. The rows are found by
the one lookup the check uses (flows.build.list_rows.cited_rows_sql)."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from flows.build.list_rows import PIECES, ROWS, cited_rows_sql
from flows.build.load import Origins
from flows.errors import Problem


def fill_evidence(claims: pd.DataFrame, sources: pd.DataFrame, texts: pa.Table, list_rows: pa.Table,
                  origins: Origins) -> list[Problem]:
    """Fill, in `claims`, the evidence of the claims that leave it out; the problems of those whose
    locator names a row their source's archived text lacks, or whose text is not there to read.
    DuckDB finds the rows' positions; pyarrow joins the rows and sets them in place."""
    column = pa.array(claims["evidence_text"].array)
    left_out = np.flatnonzero(column.is_null().to_numpy(zero_copy_only=False))
    if not len(left_out):
        return []
    con = duckdb.connect()
    try:
        con.register("claims", claims.iloc[left_out][["source_id", "locator", "evidence_text"]].assign(_row=left_out))
        con.register("sources", sources[["source_id", "text_kind", "text_path"]])
        con.register("texts", texts.select(["text_path"]))
        # the rows' positions go through the join, not the rows
        con.register("list_rows", list_rows.select(["text_path", "locator"]).append_column(
            "position", pa.array(np.arange(list_rows.num_rows))))
        found = con.sql(f"SELECT _row, text_path, rows, missing FROM ({cited_rows_sql('claims', 'position')})"
                        ).to_arrow_table().combine_chunks()
    finally:
        con.close()
    problems = []
    missing = found["missing"].chunk(0)
    for i in sorted(np.flatnonzero(missing.is_valid().to_numpy(zero_copy_only=False)), key=lambda i: found["_row"][i].as_py()):
        row, text_path, first = int(found["_row"][i].as_py()), found["text_path"][i].as_py(), missing[i][0].as_py()
        problems.append(Problem(str(origins[row].at("locator")), "locator",
                                f'no row "{first}" in {text_path}: a claim on archived list rows names each '
                                f'row as "<file> line <number>" (several joined by "{ROWS}")', "list_row_not_found"))
    # each claim's rows, joined (none where a row is missing), set at the claim's position
    positions = found["rows"].chunk(0)
    rows = pa.ListArray.from_arrays(positions.offsets, list_rows["row"].take(positions.values).combine_chunks())
    joined = pc.if_else(missing.is_valid(), pa.scalar(None, pa.large_string()),
                        pc.binary_join(rows, PIECES).cast(pa.large_string()))
    at = np.full(len(claims), -1, np.int64)
    at[found["_row"].to_numpy()] = np.arange(found.num_rows)
    filled = joined.take(pa.array(at, mask=at < 0))
    claims["evidence_text"] = pd.arrays.ArrowStringArray(pc.coalesce(column, filled.cast(column.type)))
    unread = sorted(set(left_out.tolist()) - set(found["_row"].to_pylist()))
    problems += [Problem(str(origins[row].at("evidence_text")), "evidence_text",
                         "left out, and the archived rows its locator names could not be read (its "
                         "source's text is missing)", "required") for row in unread]
    return problems
