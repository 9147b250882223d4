"""Every rule the data must pass, vectorised: the pandera models per table, then the rules
across tables as DuckDB queries (keys, foreign keys, claims for every record, ordered ranges
and dates, evidence found verbatim in its archived text).

The same rules run on the frames of a build (problems name the curation file and line) and on
a published package (problems name the table and the row's key).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import duckdb
import pyarrow
import pycountry

from flows.schema.constraints import (NOT_SPACE_WHITESPACE, REQUIRED, WHITESPACE, Constraint, FullMatch,
                          field_constraints,
                          sql_string)
from flows.errors import CODES, GENERIC, Problem
from flows.schema.definition import LIST_ROWS, QUOTE_MIN_WORDS, RECORD_TABLES, TABLES, table_fields
from flows.build.list_rows import PIECES, ROWS, cited_rows_sql
from flows.build.texts import int64_array, list_rows_table, quote_texts

if TYPE_CHECKING:  # the build's frames; `flows check` reads Parquet and need not import pandas
    from flows.build.tables import Frames


def _where(frames: Frames, table: str, row: int | None, field: str | None) -> str:
    """The curation file and line of a row; for a published package, the table and key."""
    if row is None or row != row:  # None, or NaN from a pandas index
        return f"data/processed/{table}.parquet"
    row = int(row)
    if frames.origins is not None:
        return str(frames.origins[table][row].at(field))
    df = frames.frames[table]
    key = " ".join(str(df.iloc[row][k]) for k in TABLES[table].primary_key)
    return f"data/processed/{table}.parquet [{key}]"


def _value(value: object) -> object:
    return value.item() if hasattr(value, "item") else value  # numpy scalars print plainly


def _pandera_problems(frames: Frames) -> list[Problem]:
    import pandas as pd
    import pandera.pandas as pa

    from flows.schema.pandera_models import column_constraints, has_model_dtypes, model

    problems = []
    for name in TABLES:
        if name == "records" and frames.origins is not None:
            continue  # built from the record tables just checked: its problems would repeat theirs
        df = frames.frames[name]
        try:
            model(name, check_dtypes=not has_model_dtypes(name, df)).validate(df, lazy=True)
        except pa.errors.SchemaErrors as e:
            cases = e.failure_cases.drop_duplicates(subset=["column", "check", "index"])
            # A duplicated primary key is reported once per row, on the key's first field.
            pk = TABLES[name].primary_key
            dup = cases["check"] == "multiple_fields_uniqueness"
            cases = pd.concat([cases[~dup], cases[dup].drop_duplicates(subset=["index"])])
            for case in cases.itertuples():
                check = str(case.check)  # pandera's name of its own checks, our error text
                field = case.column if isinstance(case.column, str) else None
                if check == "multiple_fields_uniqueness":
                    field = pk[0] if len(pk) == 1 else None
                    code, message = "duplicate_key", duplicate_key_message(name)
                elif check == "not_nullable":
                    code, message = REQUIRED.code, REQUIRED.message(None)
                elif check.startswith("dtype(") or check.startswith("column_in"):
                    code, message = "layout", f"wrong column type or layout ({check}: {case.failure_case})"
                else:  # a field constraint, by its number among the column's checks
                    constraint = column_constraints(name)[field][int(case.check_number)]
                    code, message = constraint.code, constraint.message(_value(case.failure_case))
                problems.append(Problem(_where(frames, name, case.index, field), field, message, code,
                                        table=name))
    return problems


def duplicate_key_message(table: str) -> str:
    pk = TABLES[table].primary_key
    message = f"duplicate {'/'.join(pk)}: another row of {table} has the same key"
    return message + " (give one of the claims its own `id:`)" if table == "claims" else message


def _folded(quote: str) -> str:
    """The quote normalised (flows.build.texts.normalise); one already in normal form (its only
    whitespace single spaces between words, as most are) is taken as it is."""
    return (f"CASE WHEN regexp_matches({quote}, '[{NOT_SPACE_WHITESPACE}]|  |^ | $') "
            f"THEN trim(regexp_replace({quote}, '{WHITESPACE}+', ' ', 'g')) ELSE {quote} END")


# A quote is looked for in its text with ASCII whitespace as spaces (texts.spaced_utf8): as it
# stands, then folded. Found there, it is in the normalised text; the few that are not (a quote
# across a paragraph break, a text with other whitespace) are looked for in the normalised text,
# each text normalised once (every whitespace character is a space before trim, which strips
# spaces and other space separators). Each claim's text is in `quote_texts` (_register_texts).
_QUOTES_NOT_FOUND = f"""WITH misses AS MATERIALIZED (
    SELECT _row, evidence_text, text_path FROM quote_texts
    WHERE NOT contains(spaced, evidence_text) AND NOT contains(spaced, {_folded('evidence_text')})),
normalised AS (
    SELECT text_path, trim(regexp_replace(any_value(spaced), '{WHITESPACE}+', ' ', 'g')) AS normalised
    FROM quote_texts WHERE text_path IN (SELECT text_path FROM misses) GROUP BY text_path)
SELECT m._row, m.text_path AS detail FROM misses m JOIN normalised n USING (text_path)
WHERE NOT contains(n.normalised, {_folded('m.evidence_text')})"""


# A claim on a source whose text is an official list's archived rows (`text_kind: list_rows`,
# flows.build.list_rows) cites rows by its locator (`; `-separated): each must be a row of the
# text (`list_rows`, _register_texts), and each piece of its evidence (folded, split on ` … `)
# must stand in one of them; evidence that is those rows, whole (filled by the build,
# flows.build.evidence), holds as it is. Such claims are left out of the quote search over the
# whole text.
_LIST_ROWS_NOT_FOUND = f"""WITH found AS ({cited_rows_sql('claims')})
SELECT _row, CASE WHEN len(missing) > 0
    THEN 'no row "' || missing[1] || '" in ' || text_path || ': a claim on archived list rows names each '
        || 'row as "<file> line <number>" (several joined by "{ROWS}")'
    ELSE 'not found in the rows it names of ' || text_path || ' (whitespace normalised)' END AS detail
FROM found
WHERE len(missing) > 0 OR (evidence_text IS DISTINCT FROM array_to_string(rows, '{PIECES}')
    AND NOT list_bool_and(list_transform(string_split({_folded('evidence_text')}, '{PIECES}'),
        lambda piece: list_bool_or(list_transform(rows, lambda found_row: contains(found_row, piece))))))"""


@dataclass(frozen=True)
class Rule:
    """A query returning the offending rows of `table` as (_row, detail); with a pattern, as
    (_row, value, whether the value matches the pattern). `code` names its problems."""

    table: str
    field: str | None
    message: str  # formatted with {detail}
    sql: str
    pattern: str | None = None
    prepare: str | None = None  # a statement the query needs run first (idempotent: rules share it)
    uses_texts: bool = False  # reads the archived texts (`texts`, `quote_texts`)
    code: str = GENERIC

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"rule of {self.table}.{self.field}: unknown problem code {self.code!r}")

    def coded_offences(self, con: duckdb.DuckDBPyConnection) -> Iterator[tuple[int, str, str]]:
        """(row, code, message), in row order: DuckDB returns a join's rows in the order its
        threads finish them."""
        if self.prepare:
            con.execute(self.prepare)
        for row, detail, *matches in sorted(con.execute(self.sql).fetchall(), key=lambda r: r[0]):
            if matches and not matches[0]:
                malformed = FullMatch(self.pattern or "")
                yield row, malformed.code, malformed.message(detail)
            else:
                yield row, self.code, self.message.format(detail=detail)


# Claims and records matched in one join, for two rules: a claim of an unknown record, and a
# record with no claim (two anti-joins of a million claims cost twice as much).
_UNMATCHED_CLAIMS_RECORDS = (
    "CREATE TEMP TABLE IF NOT EXISTS unmatched_claims_records AS SELECT c._row AS claim_row, "
    "c.record_id AS claim_record_id, r._row AS record_row, r.record_id FROM claims c "
    "FULL JOIN records r ON c.record_id = r.record_id WHERE c._row IS NULL OR r._row IS NULL")


def _fk_rules() -> Iterator[Rule]:
    """A foreign key's pattern is its target's key's (tests/test_schema_definition.py): a value found in
    the target is well-formed, so the pattern is tested here, on the values not found."""
    for table in TABLES.values():
        fields = {f.name: f for f in table_fields(table)}
        for field, target in table.foreign_keys.items():
            pk = TABLES[target].primary_key[0]
            pattern = fields[field].pattern
            if (table.name, field) == ("claims", "record_id"):  # matched with records once
                row, value, prepare = "claim_row", "claim_record_id", _UNMATCHED_CLAIMS_RECORDS
                source = "unmatched_claims_records WHERE record_row IS NULL AND"
            else:
                row, value, prepare = "t._row", f"t.{field}", None
                source = f"{table.name} t ANTI JOIN {target} r ON t.{field} = r.{pk} WHERE"
            matches = f", regexp_full_match({value}, {sql_string(pattern)})" if pattern else ""
            yield Rule(table.name, field, f"unknown {target} id {{detail!r}}",
                       f"SELECT {row}, {value} AS detail{matches} "
                       f"FROM {source} {value} IS NOT NULL", pattern, prepare, code="unknown_reference")


def _range_rules() -> Iterator[Rule]:
    for table in TABLES.values():
        names = [f.name for f in table_fields(table)]
        for f in names:
            if f.endswith("_low"):
                base = f[:-4]
                for lo, hi in ((f"{base}_low", f"{base}_best"), (f"{base}_best", f"{base}_high"),
                               (f"{base}_low", f"{base}_high")):
                    yield Rule(table.name, hi, f"{hi} is below {lo} ({{detail}})",
                               f"SELECT _row, {lo} || ' > ' || {hi} AS detail FROM {table.name} "
                               f"WHERE {lo} > {hi}", code="range_order")
            if f.endswith("_earliest"):
                base = f[: -len("_earliest")]
                yield Rule(table.name, base, "earliest date is after latest date ({detail})",
                           f"SELECT _row, {base}_earliest || ' > ' || {base}_latest AS detail "
                           f"FROM {table.name} WHERE {base}_earliest > {base}_latest", code="date_order")


def _country_rules() -> Iterator[Rule]:
    for table in TABLES.values():
        for f in table_fields(table):
            if f.name.endswith("country_code"):
                yield Rule(table.name, f.name, "{detail!r} is not an ISO 3166-1 alpha-2 country code",
                           f"SELECT t._row, t.{f.name} AS detail FROM {table.name} t "
                           f"ANTI JOIN iso_countries c ON t.{f.name} = c.code WHERE t.{f.name} IS NOT NULL",
                           code="country_code")


def _registry_rules() -> Iterator[Rule]:
    union = " UNION ALL ".join(
        f"SELECT {t.primary_key[0]} AS record_id, '{rtype}' AS record_type FROM {t.name}"
        for rtype, t in RECORD_TABLES.items())
    yield Rule("records", "record_id", "{detail} is not in its record table (records registry out of date)",
               f"SELECT r._row, r.record_id || ' (' || r.record_type || ')' AS detail FROM records r "
               f"ANTI JOIN ({union}) u USING (record_id, record_type)", code="registry_stale")
    for rtype, t in RECORD_TABLES.items():
        pk = t.primary_key[0]
        yield Rule(t.name, pk, "{detail} is missing from the records registry",
                   f"SELECT t._row, t.{pk} AS detail FROM {t.name} t "
                   f"ANTI JOIN records r ON r.record_id = t.{pk} AND r.record_type = '{rtype}'",
                   code="registry_missing")


def _claim_rules() -> Iterator[Rule]:
    yield Rule("records", "record_id", "{detail} has no claim: every record needs at least one "
               "claim in a source file",
               "SELECT record_row, record_id FROM unmatched_claims_records WHERE claim_row IS NULL",
               prepare=_UNMATCHED_CLAIMS_RECORDS, code="no_claim")
    # A record's id starts with its type (each record table's key pattern), so no join with
    # records is needed for it; a claim on an unknown record is reported by its foreign key
    # alone.
    yield Rule("claims", "field", "{detail}",
               "SELECT c._row, 'the record has no field ' || c.field AS detail FROM claims c "
               "ANTI JOIN record_fields f ON f.record_type = split_part(c.record_id, '/', 1) "
               "AND f.field = c.field ANTI JOIN unmatched_claims_records u ON u.claim_row = c._row "
               "WHERE c.field IS NOT NULL", prepare=_UNMATCHED_CLAIMS_RECORDS, code="claim_field")
    yield Rule("claims", "evidence_type", "{detail}",
               "SELECT c._row, CASE WHEN c.evidence_type = 'paraphrase' "
               "THEN 'paraphrase evidence needs a source whose text_kind is pointer (its text is '"
               " || s.text_kind || ')' ELSE c.evidence_type || ' evidence needs the text of the "
               "source itself, not a pointer file: use paraphrase' END AS detail "
               "FROM claims c JOIN sources s USING (source_id) "
               "WHERE (c.evidence_type = 'paraphrase') <> (s.text_kind = 'pointer')", code="evidence_kind")
    yield Rule("claims", "evidence_text", f"a quote of {{detail}} word(s): a quote is evidence from "
               f"{QUOTE_MIN_WORDS} words on; quote the whole phrase that states the fact",
               f"SELECT _row, words AS detail FROM (SELECT _row, len(regexp_split_to_array("
               f"trim(regexp_replace(evidence_text, '{WHITESPACE}+', ' ', 'g')), ' ')) AS words "
               f"FROM claims WHERE evidence_type = 'quote') WHERE words < {QUOTE_MIN_WORDS}",
               code="quote_too_few_words")
    yield Rule("claims", "evidence_text", "not found verbatim in {detail} (whitespace normalised)",
               _QUOTES_NOT_FOUND, uses_texts=True, code="quote_not_found")
    yield Rule("claims", "evidence_text", "{detail}", _LIST_ROWS_NOT_FOUND, uses_texts=True, code="list_row_not_found")
    yield Rule("claims", "evidence_text", "unverified: the archived text {detail} is not available "
               "on this machine",
               "SELECT c._row, s.text_path AS detail FROM claims c JOIN sources s USING (source_id) "
               "ANTI JOIN texts x ON x.text_path = s.text_path", uses_texts=True, code="text_unavailable")
    yield Rule("sources", "text_path", "archived text {detail} not found",
               "SELECT s._row, s.text_path AS detail FROM sources s "
               "ANTI JOIN texts x ON x.text_path = s.text_path", uses_texts=True, code="text_missing")
    yield Rule("sources", "text_sha256", "{detail}",
               "SELECT s._row, 'archived text changed since the build: ' || s.text_path AS detail "
               "FROM sources s JOIN texts x ON x.text_path = s.text_path "
               "WHERE s.text_sha256 IS DISTINCT FROM x.sha256", uses_texts=True, code="text_changed")
    yield Rule("transfers", "recipient_id", "supplier and recipient are the same actor ({detail})",
               "SELECT _row, supplier_id AS detail FROM transfers WHERE supplier_id = recipient_id",
               code="same_supplier_recipient")


def _link_rules() -> Iterator[Rule]:
    yield Rule("links", "to_record_id", "the same relation is already recorded as {detail}: add "
               "claims to that link instead",
               "SELECT _row, first_id AS detail FROM (SELECT _row, link_id, first_value(link_id) OVER "
               "(PARTITION BY from_record_id, relation, to_record_id ORDER BY link_id) AS first_id "
               "FROM links) WHERE link_id <> first_id", code="duplicate_link")


RULES: list[Rule] = [*_fk_rules(), *_range_rules(), *_country_rules(), *_registry_rules(),
                     *_claim_rules(), *_link_rules()]


def _connect(frames: Frames) -> duckdb.DuckDBPyConnection:
    """Each frame registered as an Arrow table (DuckDB sees the same column types as from the
    frame): DuckDB scans a pandas frame through pandas on every query, a third of the rules' time."""
    con = duckdb.connect()
    for name, df in frames.frames.items():
        con.register(name, pyarrow.Table.from_pandas(df.assign(_row=range(len(df))), preserve_index=False))
    return con


def cross_table_problems(frames: Frames) -> list[Problem]:
    con = _connect(frames)

    def texts() -> tuple[pyarrow.Table, pyarrow.Table, pyarrow.Table]:
        claims, sources = (pyarrow.Table.from_pandas(frames.frames[name][columns], preserve_index=False)
                           for name, columns in (("claims", ["source_id", "evidence_text"]),
                                                 ("sources", ["source_id", "text_path", "text_kind"])))
        return frames.texts, quote_texts(claims, sources, quoted_texts(frames.texts, sources)), frames.list_rows
    try:
        return [Problem(_where(frames, rule.table, row, rule.field), rule.field, message, code,
                        table=rule.table)
                for rule, row, code, message in _cross_table_offences(con, texts)]
    finally:
        con.close()  # and with it the frames it registered


def quoted_texts(texts: pyarrow.Table, sources: pyarrow.Table) -> pyarrow.Table:
    """The texts quotes are searched in: all but the archived rows of lists (their claims cite
    rows). Python lists and a take, not pyarrow's filters: those import pandas (`flows check`)."""
    rows = {p for p, k in zip(sources["text_path"].to_pylist(), sources["text_kind"].to_pylist()) if k == LIST_ROWS}
    if not rows:
        return texts
    keep = [i for i, p in enumerate(texts["text_path"].to_pylist()) if p not in rows]
    return texts.take(int64_array(keep))


def _cross_table_offences(con: duckdb.DuckDBPyConnection,
                          texts: Callable[[], tuple[pyarrow.Table, pyarrow.Table, pyarrow.Table]]
                          ) -> list[tuple[Rule, int, str, str]]:
    """Every rule's offending rows (rule, row, code, message), in the order of RULES. The rules that read
    the archived texts run last, so that the texts can be read meanwhile."""
    _register_lookups(con)
    found = {i: list(rule.coded_offences(con)) for i, rule in enumerate(RULES) if not rule.uses_texts}
    _register_texts(con, texts())
    found |= {i: list(rule.coded_offences(con)) for i, rule in enumerate(RULES) if rule.uses_texts}
    return [(RULES[i], row, code, message) for i in sorted(found) for row, code, message in found[i]]


def validate(frames: Frames) -> list[Problem]:
    """Every problem in the frames; an empty list means they can be published."""
    problems = _pandera_problems(frames)
    if problems:  # cross-table rules assume each table is well-formed
        return problems
    return cross_table_problems(frames)



# --- A published package, checked by DuckDB directly over its Parquet files -------------------
# The same rules as the pandera models (exact column types from the Parquet schema; required,
# enum, pattern, minimum, primary keys) as SQL, then the cross-table RULES above: no rows are
# converted to pandas. Messages are those of the build's checks, located by table and key.


class FieldRule(NamedTuple):
    field: str
    constraint: Constraint

    @property
    def condition(self) -> str:
        """SQL true on an offending row."""
        return self.constraint.violated(self.field)


def _field_rules(table_name: str, may_hold_nulls: set[str]) -> list[FieldRule]:
    """The constraints of the pandera models, run as SQL. A column the Parquet file declares
    required cannot hold a null: it is not scanned for them. A foreign key's pattern is tested
    by its foreign-key rule (see _fk_rules)."""
    table = TABLES[table_name]
    out = []
    for f in table_fields(table):
        if f.required and f.name in may_hold_nulls:
            out.append(FieldRule(f.name, REQUIRED))
        out += [FieldRule(f.name, c) for c in field_constraints(f)
                if not (isinstance(c, FullMatch) and f.name in table.foreign_keys)]
    return out


def _layout_problems(name: str, schema: object) -> list[Problem]:
    """The Parquet file's columns against the schema's: names, order and exact types."""
    from flows.schema.dtypes import arrow_schema

    expected = arrow_schema(TABLES[name])
    where = f"data/processed/{name}.parquet"
    if schema.names != expected.names:  # type: ignore[attr-defined]
        return [Problem(where, None, f"wrong column type or layout (column_in_schema: columns "
                        f"{schema.names} instead of {expected.names})", "layout")]  # type: ignore[attr-defined]
    return [Problem(where, f.name, f"wrong column type or layout (dtype('{f.type}'): "
                    f"{schema.field(f.name).type})", "layout")  # type: ignore[attr-defined]
            for f in expected if not schema.field(f.name).type.equals(f.type)]  # type: ignore[attr-defined]


class PublishedRows:
    """Where a row of a published table is: its table and primary key, looked up in DuckDB."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con

    def where(self, found: list[tuple[str, int | None, str | None, str, str]]) -> list[Problem]:
        """Problems of (table, row, field, code, message)."""
        keys: dict[tuple[str, int], str] = {}
        by_table: dict[str, set[int]] = {}
        for table, row, *_ in found:
            if row is not None:
                by_table.setdefault(table, set()).add(int(row))
        for table, rows in by_table.items():
            pk = ", ".join(f"coalesce(CAST({k} AS VARCHAR), '<NA>')" for k in TABLES[table].primary_key)
            self.con.execute("CREATE OR REPLACE TEMP TABLE _wanted AS SELECT unnest(?::BIGINT[]) AS r",
                             [sorted(rows)])
            for row, key in self.con.execute(
                    f"SELECT _row, concat_ws(' ', {pk}) FROM {table} JOIN _wanted ON _row = r").fetchall():
                keys[(table, row)] = key
        out = []
        for table, row, field, code, message in found:
            file = where = f"data/processed/{table}.parquet"
            key = None
            if row is not None:
                key = keys.get((table, int(row)), "")
                where += f" [{key}]"
            out.append(Problem(where, field, message, code, file=file, table=table, key=key))
        return out


def _published_field_problems(con: duckdb.DuckDBPyConnection, name: str,
                              may_hold_nulls: set[str]) -> list[tuple]:
    """Offending rows of one table: one scan counts every rule's failures; only rules that
    fail are queried again for their rows."""
    rules = _field_rules(name, may_hold_nulls)
    pk = TABLES[name].primary_key
    counts = "".join(f", count(*) FILTER (WHERE {r.condition})" for r in rules)
    failing = con.execute(f"SELECT count(*){counts} FROM {name}").fetchall()[0][1:]
    found = []
    for rule, n in zip(rules, failing):
        if not n:
            continue
        for row, value in con.execute(f"SELECT _row, {rule.field} FROM {name} WHERE {rule.condition} "
                                      "ORDER BY _row").fetchall():
            found.append((name, row, rule.field, rule.constraint.code, rule.constraint.message(_value(value))))
    duplicated = con.execute(f"SELECT count(*) FROM (SELECT 1 FROM {name} GROUP BY {', '.join(pk)} "
                             f"HAVING count(*) > 1)").fetchall()[0][0]
    if duplicated:
        message = duplicate_key_message(name)
        for (row,) in con.execute(
                f"SELECT _row FROM (SELECT _row, row_number() OVER (PARTITION BY {', '.join(pk)} "
                f"ORDER BY _row) AS n FROM {name}) WHERE n > 1 ORDER BY _row").fetchall():
            found.append((name, row, pk[0] if len(pk) == 1 else None, "duplicate_key", message))
    return found


def published_problems(texts_root: Path, processed: Path) -> list[Problem]:
    """Every problem of the Parquet files of a published package, checked in DuckDB."""
    import pyarrow.parquet as pq

    from flows.build.texts import Cancelled, InBackground, read_list_rows, read_texts

    schemas = {name: pq.read_schema(processed / f"{name}.parquet") for name in TABLES}
    layout = [p for name in TABLES for p in _layout_problems(name, schemas[name])]
    if layout:
        return layout
    # The archived texts are read, and set beside each claim's evidence, in a thread while
    # DuckDB checks the tables.
    def read_quote_texts(stop: threading.Event) -> tuple[pyarrow.Table, pyarrow.Table, pyarrow.Table]:
        # ParquetFile, not read_table: that imports pyarrow.dataset, and with it pandas (0.5 s)
        sources = pq.ParquetFile(processed / "sources.parquet").read(columns=["source_id", "text_path", "text_kind"])
        texts = read_texts(texts_root, (p for p in sources["text_path"].to_pylist() if p), stop)
        rows = read_list_rows(texts_root, (p for p, k in zip(sources["text_path"].to_pylist(),
                                                             sources["text_kind"].to_pylist()) if k == LIST_ROWS), stop)
        Cancelled.unless_going_on(stop)  # before the claims are read and matched with the texts
        claims = pq.ParquetFile(processed / "claims.parquet", read_dictionary=["source_id"]).read(
            columns=["source_id", "evidence_text"])
        return texts, quote_texts(claims, sources, quoted_texts(texts, sources)), rows
    texts_read = InBackground(read_quote_texts, name="flows-texts")
    con = duckdb.connect()
    try:
        return _published_rule_problems(con, processed, schemas, texts_read.result)
    finally:  # the texts are not wanted once the tables have problems, or on an error
        texts_read.cancel()
        con.close()


def _published_rule_problems(con: duckdb.DuckDBPyConnection, processed: Path, schemas: dict,
                             texts: Callable[[], tuple[pyarrow.Table, pyarrow.Table, pyarrow.Table]]) -> list[Problem]:
    """The field rules of every table, then, if they all pass, the cross-table rules."""
    con.execute("SET enable_progress_bar = false")  # nothing but problems on the output
    for name in TABLES:
        # Each table as a view of its file, with each row's position in the file: a rule reads
        # only the columns it needs (faster than one copy of every table into DuckDB).
        con.execute(f"CREATE VIEW {name} AS SELECT *, file_row_number AS _row FROM "
                    f"read_parquet({sql_string(str(processed / f'{name}.parquet'))}, file_row_number = true)")
    rows = PublishedRows(con)
    found = [p for name in TABLES for p in _published_field_problems(
        con, name, {f.name for f in schemas[name] if f.nullable})]
    if found:  # cross-table rules assume each table is well-formed
        return rows.where(found)
    found += [(rule.table, row, rule.field, code, message)
              for rule, row, code, message in _cross_table_offences(con, texts)]
    return rows.where(found)


def _register_lookups(con: duckdb.DuckDBPyConnection) -> None:
    """The ISO country codes and the fields of each record type, for the cross-table rules."""
    # From Python lists through DuckDB: pyarrow would import pandas to read them
    con.execute("CREATE TEMP TABLE iso_countries AS SELECT unnest(?::VARCHAR[]) AS code",
                [[c.alpha_2 for c in pycountry.countries]])
    allowed = [(rtype, f.name) for rtype, t in RECORD_TABLES.items() for f in table_fields(t)]
    con.execute("CREATE TEMP TABLE record_fields AS SELECT unnest(?::VARCHAR[]) AS record_type, "
                "unnest(?::VARCHAR[]) AS field", [[a for a, _ in allowed], [b for _, b in allowed]])


def _register_texts(con: duckdb.DuckDBPyConnection, texts: tuple[pyarrow.Table, ...]) -> None:
    """The archived texts (`texts`, see flows.build.texts.texts_table), each claim's evidence
    beside its text (`quote_texts`, see flows.build.texts.quote_texts: DuckDB searches each text where
    it lies; joining `texts` in the query would copy every text into a hash table), and the rows
    of archived lists (`list_rows`, see flows.build.texts.read_list_rows)."""
    con.register("texts", texts[0])
    con.register("quote_texts", texts[1])
    con.register("list_rows", texts[2] if len(texts) > 2 else list_rows_table([], [], []))
