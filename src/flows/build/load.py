"""raw → rows: read the curation files in `data/raw/` with their line numbers.

Layout of `data/raw/`:
  package.yaml            the package's metadata (title, version, licences, contributors)
  sources/<slug>.yaml     one file per source document: `source:` (its metadata) and `claims:`
                          (and `claim_defaults:`, fields every claim takes unless it gives its
                          own; `actor_aliases:` and `actor_attributes:`, names and details it
                          gives to actors curated elsewhere)
  <table>/<any>.yaml      records by kind (actors/, items/, transfers/, sanctions/,
                          designations/, events/, links/): a list of records per file, or a
                          mapping of `record_defaults:` (fields every record takes unless it
                          gives its own; under `aliases:` etc., those of each nested entry) and
                          `records:` (what `flows import` writes)
  texts/<file>.txt        archived texts of official documents that may be copied whole
  pointers/<stem>.yaml    the pointers of the pointer file <stem>.txt that no claim cites, each
                          with the reason (`flows coverage`)

Every key is checked against the schema: an unknown key, a missing required key (or a required
text that is empty or blank) or a value of the wrong type is a CurationError naming file, line and
field. Values are only typed here; enums, patterns, ranges and keys are checked vectorised in
`rules/validate.py`.

Only regular files are read, and data/raw and its folders are opened without following links
(flows.build.regular_files): a link, a pipe, a device or a folder where a curation file should be is
refused by name. YAML is read in the plain forms curation needs: numbers in decimal, real dates,
no anchors, aliases or tags.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import re
import reprlib
import stat
from array import array
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any, Iterator

import pyarrow as pa
import yaml

from flows.schema.dtypes import arrow_type
from flows.errors import CurationError, Location, Problem
from flows.build import list_entries
from flows.build.parse_cache import parsed
from flows.build.regular_files import Refused, folder_path, kind, listing, open_folder, read_regular, refusal
from flows.schema.definition import FIELDS, LIST_ROWS, TABLES, Field, Table, curated_fields, table_fields

RECORD_DIRS = [t.name for t in TABLES.values() if t.curated_as == "records"]
CLAIM_ID_KEY = "id"
UNCITED_KEY = "uncited_paragraphs"  # paragraphs of a full text that state no fact  # claims carry a short local id; the full claim_id is built from it
POINTERS_FOLDER = "pointers"  # declarations of uncited pointers, one file per pointer file
UNCITED_POINTERS_KEY = "uncited_pointers"
# Rows a source gives to actors curated in other files: their names and details.
SOURCE_ROWS = ("actor_aliases", "actor_attributes")
DEFAULTS_KEY = "claim_defaults"  # fields every claim of a source file takes unless it gives its own
RECORD_DEFAULTS_KEY = "record_defaults"  # fields every record of a record file takes unless it gives its own
RECORDS_KEY = "records"  # a record file's records, when it has record_defaults
LIST_ENTRY_KEY, LIST_RELEASE_KEY = "list_entry", "list_release"  # a record an import backs by its list entry
BACKED_TABLES = ("actors", "designations")  # ... of these tables (flows.build.list_entries)
LIST_ENTRIES_KEY = "list_entries"  # a source file's entries whose claims the build makes (flows.build.list_entries)


class LineDict(dict):
    """A YAML mapping that remembers the line of the mapping and of each key."""

    line: int
    key_lines: dict[str, int]


_STR = "tag:yaml.org,2002:str"


class _Refusal(yaml.MarkedYAMLError):
    """Well-formed YAML in a form curation files do not use: its message stands on its own (not
    "invalid YAML"); `field` is the key whose value it is, when known."""

    field: str | None = None

    def __init__(self, problem: str, mark: yaml.Mark):
        super().__init__(problem=problem, problem_mark=mark)


# A value quoted in an error message: bounded, however large or nested the value is.
_BRIEF = reprlib.Repr()  # keyword arguments only from Python 3.12
_BRIEF.maxlevel, _BRIEF.maxlist, _BRIEF.maxdict = 2, 4, 4
_BRIEF.maxstring = _BRIEF.maxother = 80
_BRIEF.maxlong = 40


def _brief(value: Any) -> str:
    return _BRIEF.repr(value)


def _shown(value: str, limit: int = 40) -> str:
    return value if len(value) <= limit else value[:limit] + "…"


# YAML 1.1 reads 010 as 8 (octal), 0x10 as 16, 0b11 as 3, 1:20 as 80 (base 60) and 1_000 as
# 1000: in curation files a number is written in plain decimal, anything else is refused.
_PLAIN_DECIMAL = re.compile(r"[-+]?(?:0|[1-9][0-9]*)\Z")
_PLAIN_FLOAT = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+][0-9]+)?\Z|[-+]?\.(?:inf|Inf|INF)\Z"
                          r"|\.(?:nan|NaN|NAN)\Z")


class _LineLoader(yaml.CSafeLoader):
    """libyaml's safe loader (no object construction), keeping line numbers, refusing
    duplicate keys (PyYAML would silently keep the last one), numbers that are not plain decimal
    and dates that do not exist. Anchors, aliases and tags are refused before it runs
    (_refuse_anchors_aliases_and_tags)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> LineDict:
        out = LineDict()
        out.line = node.start_mark.line + 1
        out.key_lines = {}
        for key_node, _ in node.value:  # `<<: {...}` would merge keys in silently
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise _Refusal("a merge key (<<): curation files write each field out in full",
                               key_node.start_mark)
        for key_node, value_node in node.value:
            # A plain string scalar is its own value: skip the constructor's dispatch for the
            # common case (what construct_object would return, without its bookkeeping).
            if key_node.tag == _STR and type(key_node) is yaml.ScalarNode:
                key = key_node.value
            else:
                key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if not isinstance(key, str):
                raise yaml.MarkedYAMLError(problem=f"key {key!r} is not a string",
                                           problem_mark=key_node.start_mark)
            if key in out:
                raise yaml.MarkedYAMLError(problem=f"duplicate key {key!r}",
                                           problem_mark=key_node.start_mark)
            if value_node.tag == _STR and type(value_node) is yaml.ScalarNode:
                out[key] = value_node.value
            else:
                try:
                    out[key] = self.construct_object(value_node, deep=True)
                except _Refusal as e:
                    e.field = e.field or key
                    raise
            out.key_lines[key] = line
        return out

    def construct_plain_int(self, node: yaml.ScalarNode) -> int:
        if _PLAIN_DECIMAL.match(node.value):
            return int(node.value)
        raise _Refusal(f"{_shown(node.value)} is not a plain decimal number (YAML 1.1 reads it "
                       f"as {self.construct_yaml_int(node)}): quote it if it is text, or write "
                       "the number in decimal", node.start_mark)

    def construct_plain_float(self, node: yaml.ScalarNode) -> float:
        if _PLAIN_FLOAT.match(node.value):
            return self.construct_yaml_float(node)
        raise _Refusal(f"{_shown(node.value)} is not a plain decimal number (YAML 1.1 reads it "
                       f"as {self.construct_yaml_float(node)}): quote it if it is text, or write "
                       "the number in decimal", node.start_mark)

    def construct_real_timestamp(self, node: yaml.ScalarNode) -> dt.date:
        try:
            return self.construct_yaml_timestamp(node)
        except ValueError as e:  # 2022-02-30: the date does not exist
            raise _Refusal(f"{_shown(node.value)} is not a valid date ({e})", node.start_mark) from None


_LineLoader.add_constructor("tag:yaml.org,2002:map", _LineLoader.construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:int", _LineLoader.construct_plain_int)
_LineLoader.add_constructor("tag:yaml.org,2002:float", _LineLoader.construct_plain_float)
_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _LineLoader.construct_real_timestamp)

# Where an anchor (&a), an alias (*a) or a tag (!!int, !x) could start a node: after a space, a
# flow indicator, the colon of a quoted key in flow style (`{"k":&a ...}`) or at a line's
# start. A cheap first look; the parser's events decide.
# An anchor or an alias has a name right after its & or *: `A & B` in a name is neither.
_MAYBE_ANCHOR_ALIAS_OR_TAG = re.compile(r"(?:^|[\s\[{,:])(?:[&*](?=\S)|!)", re.MULTILINE)


def _refuse_anchors_aliases_and_tags(text: str) -> None:
    """Aliases can make a small file expand without bound (a "billion laughs"), and tags
    construct values by other rules: curation files have no use for either, nor for anchors."""
    if not ("&" in text or "*" in text or "!" in text) or not _MAYBE_ANCHOR_ALIAS_OR_TAG.search(text):
        return
    for event in yaml.parse(text, Loader=yaml.CSafeLoader):
        if isinstance(event, yaml.AliasEvent):
            what = f"an alias (*{_shown(event.anchor)})"
        elif getattr(event, "anchor", None):
            what = f"an anchor (&{_shown(event.anchor)})"
        elif getattr(event, "tag", None):  # only an explicit tag is an event's
            what = f"a tag ({_shown(event.tag.replace('tag:yaml.org,2002:', '!!', 1), 60)})"
        else:
            continue
        raise _Refusal(f"{what}: anchors, aliases and tags are not used in curation files "
                       "(write each value out in full, quoted if it is text)", event.start_mark)


@dataclass
class RowSource:
    """Where one row was written."""

    file: str
    line: int
    field_lines: dict[str, int] = field(default_factory=dict)

    def at(self, field_name: str | None = None) -> Location:
        return Location(self.file, self.field_lines.get(field_name, self.line) if field_name else self.line)


class Origins:
    """Where each row of one table was written, stored column-wise (a file index, a line and
    the line of each field per row, in arrays) so that a million rows cost megabytes, not a
    dict per row. `origins[i]` is the RowSource of row i."""

    def __init__(self, columns: tuple[str, ...] = ()) -> None:
        self.files: list[str] = []
        self._file_index: dict[str, int] = {}
        self.file = array("i")
        self.line = array("i")
        self.columns = columns
        self.field_lines: dict[str, array] = {c: array("i") for c in columns}

    def append(self, origin: RowSource) -> None:
        index = self._file_index.get(origin.file)
        if index is None:
            index = self._file_index[origin.file] = len(self.files)
            self.files.append(origin.file)
        self.file.append(index)
        self.line.append(origin.line or 0)
        lines = origin.field_lines
        for name, column in self.field_lines.items():
            column.append(lines.get(name) or 0)

    def __len__(self) -> int:
        return len(self.line)

    def __getitem__(self, i: int) -> RowSource:
        if i < 0:
            i += len(self)
        fields = {name: column[i] for name, column in self.field_lines.items() if column[i]}
        return RowSource(self.files[self.file[i]], self.line[i] or None, fields)

    def __iter__(self) -> Iterator[RowSource]:
        return (self[i] for i in range(len(self)))

    @classmethod
    def concat(cls, parts: list["Origins"]) -> "Origins":
        """The origins of several tables, one after the other."""
        out = cls(tuple(dict.fromkeys(c for part in parts for c in part.columns)))
        for part in parts:
            base = len(out.files)
            out.files += part.files
            out.file.extend(array("i", (i + base for i in part.file)))
            out.line.extend(part.line)
            for name, column in out.field_lines.items():
                column.extend(part.field_lines.get(name) or array("i", bytes(4 * len(part))))
        out._file_index = {f: i for i, f in enumerate(out.files)}
        return out


def table_columns(table: Table) -> tuple[str, ...]:
    """The columns a table's rows are collected in: its fields, and where records come from."""
    return (*(f.name for f in table_fields(table)), *(("curated_in",) if table.record_type else ()))


@dataclass
class Curation:
    """Every row read from `data/raw/`, per table (column-wise), with where each row was written."""

    root: Path
    package: dict[str, Any]
    columns: dict[str, dict[str, pa.Array]]  # table -> column -> values, one per row
    origins: dict[str, Origins]
    # Paragraphs of full-text sources that hold no fact, declared by the curator:
    # source_id -> {paragraph number: reason}
    uncited: dict[str, dict[int, str]] = field(default_factory=dict)
    # Pointers of pointer files that no claim cites, declared by the curator in
    # data/raw/pointers/: text_path -> {pointer ("pointer 5"): UncitedPointer}
    uncited_pointers: dict[str, dict[str, "UncitedPointer"]] = field(default_factory=dict)

    @property
    def rows(self) -> dict[str, list[dict[str, Any]]]:
        """Every row as a dict of field: value (built on demand from the columns)."""
        out = {}
        for table, columns in self.columns.items():
            names = list(columns)
            values = [column.to_pylist() for column in columns.values()]
            out[table] = [dict(zip(names, row)) for row in zip(*values)]
        return out


@dataclass(frozen=True)
class UncitedPointer:
    """A pointer declared uncited: which, why, and where the declaration stands."""

    pointer: str
    reason: str
    where: Location


def parse_yaml(raw: bytes, shown: str) -> Any:
    """Parse one curation file's bytes safely; any failure is a CurationError at file:line."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise CurationError.at(Location(shown, line), None,
                               f"not valid UTF-8 (byte 0x{raw[e.start]:02x}); save the file as UTF-8", "not_utf8")
    if not text.strip():
        raise CurationError.at(Location(shown, 1), None, "the file is empty", "file_empty")
    try:
        _refuse_anchors_aliases_and_tags(text)
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a safe loader (CSafeLoader)
    except _Refusal as e:
        raise CurationError.at(Location(shown, e.problem_mark.line + 1), e.field, e.problem, "yaml_form") from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else None
        what = " ".join(x for x in (e.context, e.problem) if x)
        raise CurationError.at(Location(shown, line), None, f"invalid YAML: {what}", "yaml_invalid")
    except yaml.YAMLError as e:
        raise CurationError.at(Location(shown), None, f"invalid YAML: {e}", "yaml_invalid")
    except (ValueError, TypeError, KeyError, AttributeError) as e:  # a constructor's, on odd input
        raise CurationError.at(Location(shown), None, f"invalid YAML: {_shown(str(e), 200)}", "yaml_invalid") from None


def _typed(value: Any, f: Field, origin: RowSource) -> Any:
    """Check a value's Python type against its field; return it in its loaded form."""
    if value is None:
        return None
    kind = f.type
    if kind == "string" and type(value) is str:  # the common case, first
        return value
    return _typed_slow(value, f, origin.at(f.name))


def _typed_slow(value: Any, f: Field, where: Location) -> Any:
    kind = f.type
    if kind in ("string",):
        if isinstance(value, str):
            return value
        hint = " (YAML reads yes/no/on/off and bare dates as other types: quote it)" \
            if isinstance(value, (bool, dt.date)) else ""
        raise CurationError.at(where, f.name, f"expected text, got {type(value).__name__} {_brief(value)}{hint}", "wrong_type")
    if kind == "edtf":
        if isinstance(value, bool) or not isinstance(value, (str, int, dt.date)):
            raise CurationError.at(where, f.name, f"expected an EDTF date string, got {_brief(value)}", "wrong_type")
        if isinstance(value, dt.datetime):
            raise CurationError.at(where, f.name, f"expected a date, not a date-time: {_brief(value)}", "wrong_type")
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    if kind == "date":
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        raise CurationError.at(where, f.name, f"expected a date YYYY-MM-DD, got {_brief(value)}", "wrong_type")
    if kind == "integer":
        if isinstance(value, int) and not isinstance(value, bool):
            if -(2**63) <= value < 2**63:  # stored as a 64-bit integer
                return value
            raise CurationError.at(where, f.name, f"{value} is out of range for a 64-bit integer", "wrong_type")
        raise CurationError.at(where, f.name, f"expected a whole number, got {_brief(value)}", "wrong_type")
    if kind == "number":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        raise CurationError.at(where, f.name, f"expected a number, got {_brief(value)}", "wrong_type")
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        raise CurationError.at(where, f.name, f"expected true or false, got {_brief(value)}", "wrong_type")
    raise AssertionError(kind)


def _row(mapping: Any, table: Table, shown: str, extra_keys: set[str], what: str,
         line: int | None = None, fields: dict[str, Field] | None = None) -> tuple[dict[str, Any], RowSource]:
    """Type one mapping as a row of `table` (of `fields`, default the table's curated fields);
    keys in extra_keys are returned untyped."""
    if not isinstance(mapping, LineDict):
        raise CurationError.at(Location(shown, line), None,
                               f"each {what} must be a mapping of field: value, got {type(mapping).__name__}", "curation_shape")
    origin = RowSource(shown, mapping.line, mapping.key_lines)
    fields = fields if fields is not None else _curated(table.name)
    if not mapping.keys() <= fields.keys() | extra_keys:
        unknown = sorted(set(mapping) - set(fields) - extra_keys)
        key = unknown[0]
        raise CurationError.at(origin.at(key), key,
                               f"unknown field in {what} (a {table.name} row takes: "
                               f"{', '.join(sorted(set(fields) | extra_keys))})", "unknown_field")
    row: dict[str, Any] = {}
    for name, f in fields.items():
        value = _typed(mapping.get(name), f, origin)
        if f.required and (value is None or (type(value) is str and (not value or value.isspace()))):
            raise CurationError.at(origin.at(name) if name in mapping else origin.at(), name,
                                   f"required field missing in {what}" if value is None else
                                   f"required field empty in {what}: an empty or blank text is no value", "required")
        row[name] = value
    for key in extra_keys & set(mapping):
        row[key] = mapping[key]
    return row, origin


@cache
def _curated(table_name: str) -> dict[str, Field]:
    return {f.name: f for f in curated_fields(TABLES[table_name])}


@cache
def _list_row_claim_fields() -> dict[str, Field]:
    """A claim's fields when it cites archived list rows: its evidence may be left out, the build
    fills it with the rows its locator names (flows.build.evidence)."""
    return {name: replace(f, required=False) if name == "evidence_text" else f for name, f in _curated("claims").items()}


@cache
def column_types(table_name: str) -> dict[str, pa.DataType]:
    """The Arrow type each collected column of a table is stored in."""
    table = TABLES[table_name]
    types = {f.name: arrow_type(f) for f in table_fields(table)}
    return {c: types.get(c, pa.string()) for c in table_columns(table)}


def _list(value: Any, shown: str, line: int, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise CurationError.at(Location(shown, line), what, f"expected a list of {what}", "curation_shape")
    return value


class _Collector:
    """Rows collected column by column, and every BATCH_ROWS rows turned into Arrow arrays:
    a million rows are held as compact Arrow buffers, not as millions of Python objects (whose
    freed memory Python keeps, so that the build's peak would grow with the input twice)."""

    BATCH_ROWS = 20_000

    def __init__(self, claims: bool = True) -> None:
        self.claims = claims  # False: source files' claims are not read
        self.releases: Any = None  # the archived releases of imports (flows.build.list_entries)
        self.batch: dict[str, dict[str, list[Any]]] = {
            t: {c: [] for c in table_columns(table)} for t, table in TABLES.items()}
        self.chunks: dict[str, dict[str, list[pa.Array]]] = {
            t: {c: [] for c in table_columns(table)} for t, table in TABLES.items()}
        self.origins: dict[str, Origins] = {t: Origins(table_columns(table)) for t, table in TABLES.items()}
        self.uncited: dict[str, dict[int, str]] = {}
        self.uncited_pointers: dict[str, dict[str, UncitedPointer]] = {}

    def add(self, table: str, row: dict[str, Any], origin: RowSource) -> None:
        batch = self.batch[table]
        for name, column in batch.items():
            column.append(row.get(name))
        self.origins[table].append(origin)
        if len(batch[next(iter(batch))]) >= self.BATCH_ROWS:
            self._flush(table)

    def _flush(self, table: str) -> None:
        types = column_types(table)
        for name, values in self.batch[table].items():
            if values:  # typed by _row already, so the conversion cannot fail
                self.chunks[table][name].append(pa.array(values, type=types[name]))
                values.clear()

    def columns(self) -> dict[str, dict[str, pa.Array]]:
        """Every column as one contiguous array (later sorts and takes are far slower on many
        chunks); a column's chunks are freed as soon as it is combined."""
        out: dict[str, dict[str, pa.Array]] = {}
        for table, columns in self.chunks.items():
            self._flush(table)
            types = column_types(table)
            out[table] = {}
            for name, chunks in columns.items():
                out[table][name] = pa.chunked_array(chunks, type=types[name]).combine_chunks()
                chunks.clear()
        pa.default_memory_pool().release_unused()  # the allocator would keep the freed chunks
        return out


def _children(parent: Table) -> list[Table]:
    return [t for t in TABLES.values() if t.nested and t.nested.parent == parent.name]


def _record_file(doc: Any, shown: str, table: Table, out: _Collector) -> None:
    children = _children(table)
    doc, defaults = _record_file_parts(doc, shown, table, children)
    for item in doc:
        if defaults and isinstance(item, LineDict):
            item = with_record_defaults(item, defaults, {c.nested.key for c in children})
        if table.name in BACKED_TABLES and isinstance(item, LineDict) and LIST_ENTRY_KEY in item:
            item = list_entries.backed_record(table.name, item, out.releases, shown)
        row, origin = _row(item, table, shown, {c.nested.key for c in children}, f"{table.name} record")
        for child in children:
            nested = row.pop(child.nested.key, None)
            for sub in _list(nested, shown, origin.at(child.nested.key).line or 0, child.nested.key):
                child_row, child_origin = _row(sub, child, shown, set(), f"{child.nested.key} entry",
                                               origin.line)
                child_row[child.nested.parent_field] = row[table.primary_key[0]]
                out.add(child.name, child_row, child_origin)
        row["curated_in"] = shown
        out.add(table.name, row, origin)


def with_record_defaults(record: LineDict, defaults: dict[str, Any], nested: set[str]) -> LineDict:
    """The record with the fields of `record_defaults:` it leaves out, and each entry of its
    nested lists (the keys in `nested`: `aliases:`) with the fields of the defaults under that key
    it leaves out; line numbers kept. A record's own value wins. What the build reads, and what
    an import reads back of its own files (flows.importers.records)."""
    out = _with_defaults(record, {k: v for k, v in defaults.items() if k not in nested})
    if LIST_RELEASE_KEY in out and LIST_RELEASE_KEY not in record and LIST_ENTRY_KEY not in record:
        del out[LIST_RELEASE_KEY]  # the release of records backed by a list entry, not a field of others
    for key in nested & set(defaults):
        if isinstance(entries := out.get(key), list):
            out[key] = [_with_defaults(e, defaults[key]) if isinstance(e, LineDict) else e for e in entries]
    return out


def _record_file_parts(doc: Any, shown: str, table: Table, children: list[Table]) -> tuple[list, dict[str, Any]]:
    """A record file's records and its `record_defaults:`. The file is a list of records, or a
    mapping of `record_defaults:` and `records:` (what an import writes)."""
    shape = (f"a {table.name} file holds a list of records (`- {table.fields[0]}: ...`), or a mapping of "
             f"`{RECORD_DEFAULTS_KEY}:` and `{RECORDS_KEY}:`")
    if isinstance(doc, list):
        return doc, {}
    if not isinstance(doc, LineDict) or not {RECORD_DEFAULTS_KEY, RECORDS_KEY} & set(doc):  # a record without its `- `
        raise CurationError.at(Location(shown, 1), None, shape, "curation_shape")
    if unknown := sorted(set(doc) - {RECORD_DEFAULTS_KEY, RECORDS_KEY}):
        raise CurationError.at(Location(shown, doc.key_lines[unknown[0]]), unknown[0],
                               f"unknown top-level key in a {table.name} file (it takes: {RECORD_DEFAULTS_KEY}, "
                               f"{RECORDS_KEY})", "unknown_field")
    if not isinstance(doc.get(RECORDS_KEY), list):
        raise CurationError.at(Location(shown, doc.key_lines.get(RECORDS_KEY, 1)), RECORDS_KEY, shape, "curation_shape")
    return doc[RECORDS_KEY], record_defaults(doc.get(RECORD_DEFAULTS_KEY), shown,
                                             doc.key_lines.get(RECORD_DEFAULTS_KEY, 1), table, children)


def record_defaults(value: Any, shown: str, line: int, table: Table, children: list[Table] | None = None) -> dict[str, Any]:
    """`record_defaults:` of a record file: fields (not the id) every record takes unless it gives
    its own, and under a nested list's key (`aliases:`) a mapping of the fields each of its
    entries takes unless it gives its own."""
    children = _children(table) if children is None else children
    nested = {c.nested.key: c for c in children}

    def mapping(value: Any, line: int, key: str) -> LineDict:
        if not isinstance(value, LineDict):
            raise CurationError.at(Location(shown, line), key, "expected a mapping of field: value", "curation_shape")
        return value

    def checked(value: LineDict, of: Table, what: str, also: set[str]) -> None:
        # not the record's id (records would share it), nor a nested entry's parent (its record)
        fields = set(_curated(of.name)) - ({of.nested.parent_field} if of.nested else set(of.primary_key))
        if unknown := sorted(set(value) - fields - also):
            raise CurationError.at(Location(shown, value.key_lines[unknown[0]]), unknown[0],
                                   f"unknown field in {what} (it takes: {', '.join(sorted(fields | also))})",
                                   "unknown_field")

    if value is None:
        return {}
    defaults = mapping(value, line, RECORD_DEFAULTS_KEY)
    checked(defaults, table, RECORD_DEFAULTS_KEY, set(nested) | ({LIST_RELEASE_KEY} if table.name in BACKED_TABLES else set()))
    for key, child in nested.items():
        if key in defaults:
            checked(mapping(defaults[key], defaults.key_lines[key], key), child,
                    f"{RECORD_DEFAULTS_KEY}: {key}", set())
    return {k: dict(v) if k in nested else v for k, v in defaults.items()}


def _slug(record_id: str) -> str:
    return record_id.split("/", 1)[1] if "/" in record_id else record_id


def default_claim_slug(claim: dict[str, Any]) -> str:
    """A readable, stable slug for a claim that has no `id`: record, field, stance, claimant."""
    parts = [_slug(claim["record_id"] or "")]
    if claim.get("field"):
        parts.append(claim["field"])
    parts += [claim["stance"] or "", _slug(claim["claimant_id"] or "")]
    return ".".join(p.replace("/", ".") for p in parts)


def _uncited(value: Any, shown: str, line: int) -> dict[int, str]:
    """`uncited_paragraphs: [{paragraph: 5, reason: opinion only}]` -> {5: "opinion only"}."""
    out = {}
    for item in _list(value, shown, line, UNCITED_KEY):
        if not (isinstance(item, LineDict) and set(item) == {"paragraph", "reason"}
                and isinstance(item["paragraph"], int) and isinstance(item["reason"], str)):
            raise CurationError.at(Location(shown, getattr(item, "line", line)), UNCITED_KEY,
                                   "each entry is {paragraph: <number>, reason: <text>}", "curation_shape")
        out[item["paragraph"]] = item["reason"]
    return out


def _source_rows(doc: LineDict, source_id: str, shown: str, out: _Collector) -> None:
    """`actor_aliases:` and `actor_attributes:` of a source file: names and details the source
    gives to actors curated elsewhere (an import's, for an actor it merged into), each row's
    source being the file's."""
    for name in SOURCE_ROWS:
        table = TABLES[name]
        fields = {f.name: f for f in table_fields(table) if f.name != "source_id"}
        line = doc.key_lines.get(name, 1)
        for item in _list(doc.get(name), shown, line, name):
            row, origin = _row(item, table, shown, set(), f"{name} entry", line, fields)
            row["source_id"] = source_id
            out.add(name, row, origin)


def _claim_defaults(value: Any, shown: str, line: int) -> dict[str, Any]:
    """`claim_defaults:` of a source file: claim fields (not the id) that every claim takes
    unless it gives its own (an import's claimant, stance, evidence type and date)."""
    if value is None:
        return {}
    if not isinstance(value, LineDict):
        raise CurationError.at(Location(shown, line), DEFAULTS_KEY, "expected a mapping of claim field: value",
                               "curation_shape")
    unknown = sorted(set(value) - set(_curated("claims")))
    if unknown:
        raise CurationError.at(Location(shown, value.key_lines[unknown[0]]), unknown[0],
                               f"unknown field in {DEFAULTS_KEY} (a claim takes: {', '.join(sorted(_curated('claims')))})",
                               "unknown_field")
    return dict(value)


def _with_defaults(item: LineDict, defaults: dict[str, Any]) -> LineDict:
    """The item, its keys in its own order, then the defaults' keys it leaves out."""
    merged = LineDict(item)
    for key, value in defaults.items():
        merged.setdefault(key, value)
    merged.line, merged.key_lines = item.line, item.key_lines
    return merged


def _source_file(doc: Any, stem: str, shown: str, out: _Collector) -> None:
    if not isinstance(doc, LineDict):
        raise CurationError.at(Location(shown, 1), None,
                               "a source file is a mapping with `source:` and `claims:`", "curation_shape")
    unknown = sorted(set(doc) - {"source", "claims", DEFAULTS_KEY, LIST_ENTRIES_KEY, UNCITED_KEY, *SOURCE_ROWS})
    if unknown:
        raise CurationError.at(Location(shown, doc.key_lines[unknown[0]]), unknown[0],
                               f"unknown top-level key in a source file (it takes: source, {DEFAULTS_KEY}, "
                               f"{LIST_ENTRIES_KEY}, claims, {UNCITED_KEY}, {', '.join(SOURCE_ROWS)})", "unknown_field")
    if "source" not in doc:
        raise CurationError.at(Location(shown, 1), "source", "required key missing in a source file", "required")
    source, origin = _row(doc["source"], TABLES["sources"], shown, set(), "source",
                          doc.key_lines["source"])
    expected = f"source/{stem}"
    if source["source_id"] != expected:
        raise CurationError.at(origin.at("source_id"), "source_id",
                               f"must be {expected!r}, after the file's name", "source_id_name")
    out.add("sources", source, origin)
    out.uncited[source["source_id"]] = _uncited(doc.get(UNCITED_KEY), shown, doc.key_lines.get(UNCITED_KEY, 1))
    _source_rows(doc, source["source_id"], shown, out)
    made = [] if LIST_ENTRIES_KEY not in doc else list_entries.entry_claims(
        doc[LIST_ENTRIES_KEY], source, shown, doc.key_lines[LIST_ENTRIES_KEY], out.releases, out.claims)
    if not out.claims:
        return
    claims_table = TABLES["claims"]
    defaults = _claim_defaults(doc.get(DEFAULTS_KEY), shown, doc.key_lines.get(DEFAULTS_KEY, 1))
    claim_fields = _list_row_claim_fields() if source["text_kind"] == LIST_ROWS else _curated("claims")
    for item in made + _list(doc.get("claims"), shown, doc.key_lines.get("claims", 1), "claims"):
        if defaults and isinstance(item, LineDict):
            item = _with_defaults(item, defaults)
        claim, claim_origin = _row(item, claims_table, shown, {CLAIM_ID_KEY}, "claim",
                                   doc.key_lines.get("claims"), claim_fields)
        local = claim.pop(CLAIM_ID_KEY, None)
        if local is not None and not (isinstance(local, str) and local.strip()):
            raise CurationError.at(claim_origin.at(CLAIM_ID_KEY), CLAIM_ID_KEY,
                                   "expected text" if not isinstance(local, str) else
                                   "empty: give the claim an id, or leave `id:` out for the default one", "claim_id")
        claim["claim_id"] = f"claim/{stem}/{local or default_claim_slug(claim)}"
        claim["source_id"] = source["source_id"]
        claim_origin.field_lines = {**claim_origin.field_lines,
                                    "claim_id": claim_origin.field_lines.get(CLAIM_ID_KEY, claim_origin.line)}
        out.add("claims", claim, claim_origin)


def _uncited_pointers_file(doc: Any, stem: str, shown: str, out: "_Collector") -> None:
    """`text_path: shared/<stem>.txt` and `uncited_pointers: [{pointer: pointer 5, reason: ...}]`."""
    keys = {"text_path", UNCITED_POINTERS_KEY}
    if not isinstance(doc, LineDict):
        raise CurationError.at(Location(shown, 1), None, "a pointers file is a mapping with `text_path:` "
                               f"and `{UNCITED_POINTERS_KEY}:`", "curation_shape")
    if unknown := sorted(set(doc) - keys):
        raise CurationError.at(Location(shown, doc.key_lines[unknown[0]]), unknown[0],
                               f"unknown key in a pointers file (it takes: {', '.join(sorted(keys))})", "unknown_field")
    text_path = _typed(doc.get("text_path"), FIELDS["text_path"], RowSource(shown, 1, doc.key_lines))
    if not text_path:
        raise CurationError.at(Location(shown, doc.key_lines.get("text_path", 1)), "text_path",
                               "required key missing in a pointers file", "required")
    if not re.fullmatch(FIELDS["text_path"].pattern, text_path):
        raise CurationError.at(Location(shown, doc.key_lines["text_path"]), "text_path",
                               f"{_shown(text_path)} is not texts/<file>.txt or shared/<file>.txt", "pattern")
    if text_path.rpartition("/")[2] != f"{stem}.txt":
        raise CurationError.at(Location(shown, doc.key_lines["text_path"]), "text_path",
                               f"must name {stem}.txt, after the file's name", "curation_shape")
    declared: dict[str, UncitedPointer] = {}
    for item in _list(doc.get(UNCITED_POINTERS_KEY), shown, doc.key_lines.get(UNCITED_POINTERS_KEY, 1),
                      UNCITED_POINTERS_KEY):
        line = getattr(item, "line", doc.key_lines.get(UNCITED_POINTERS_KEY, 1))
        if not (isinstance(item, LineDict) and set(item) == {"pointer", "reason"}
                and isinstance(item["reason"], str) and item["reason"].strip()
                and (isinstance(item["pointer"], str) and item["pointer"].strip()
                     or type(item["pointer"]) is int and item["pointer"] > 0)):
            raise CurationError.at(Location(shown, line), UNCITED_POINTERS_KEY, "each entry is {pointer: <its "
                                   "number, or the pointer as a locator names it: section B, item 4>, reason: "
                                   "<text>}", "curation_shape")
        # 5 is "pointer 5", as claims' locators name the pointers of a pointers-*.txt file
        pointer = f"pointer {item['pointer']}" if type(item["pointer"]) is int else " ".join(item["pointer"].split())
        if pointer in declared:
            raise CurationError.at(Location(shown, line), "pointer", f"{pointer!r} is declared twice", "duplicate_key")
        declared[pointer] = UncitedPointer(pointer, item["reason"], Location(shown, line))
    out.uncited_pointers[text_path] = declared


RAW = "data/raw"
CURATION_FOLDERS = ("sources", *RECORD_DIRS, POINTERS_FOLDER)


def _curation_files(raw_fd: int, entries: dict[str, int], folder: str,
                    problems: list[Problem]) -> Iterator[tuple[str, str, bytes]]:
    """(stem, shown path, bytes) of each .yaml file of a curation folder, by name; a stray or a
    refused entry (a link, a pipe, a folder named *.yaml) is a problem and is not read. `entries`,
    data/raw's listing: a curation folder that is not a folder is reported from it."""
    if not stat.S_ISDIR(entries.get(folder, 0)):
        return
    try:
        fd = open_folder(folder, raw_fd)
    except Refused as e:  # a link put in its place since the listing
        problems.append(Problem(f"{RAW}/{folder}", None, refusal(e.reason, "a folder"), "file_refused"))
        return
    if fd is None:
        return
    try:
        entries = listing(fd)
        for name, mode in entries.items():
            if os.path.splitext(name)[1] not in (".yaml", ".md"):
                what = "" if stat.S_ISREG(mode) else f"{kind(mode)} named {name!r}: "
                problems.append(Problem(f"{RAW}/{folder}/{name}", None, f"{what}only .yaml curation "
                                        "files belong here (rename it to .yaml or move it)", "stray_entry"))
        for name, mode in entries.items():
            stem, suffix = os.path.splitext(name)
            if suffix != ".yaml":
                continue
            shown = f"{RAW}/{folder}/{name}"
            try:
                data = read_regular(name, fd, mode)
            except Refused as e:
                problems.append(Problem(shown, None, refusal(e.reason), "file_refused"))
                continue
            if data is not None:  # None: removed since the listing
                yield stem, shown, data
    finally:
        os.close(fd)


def _raw_listing_problems(entries: dict[str, int]) -> list[Problem]:
    """What data/raw holds besides its curation files: an unknown folder, a curation folder that
    is not a folder (a link to one), anything that is neither a file nor a folder."""
    problems = []
    folders = {*CURATION_FOLDERS, "texts"}
    for name, mode in entries.items():
        shown = f"{RAW}/{name}"
        if stat.S_ISDIR(mode):
            if name not in folders:
                problems.append(Problem(shown, None, f"unknown folder (curation folders: sources, texts, "
                                        f"{', '.join(RECORD_DIRS)}, {POINTERS_FOLDER})", "stray_entry"))
        elif name in folders:
            problems.append(Problem(shown, None, refusal(kind(mode), "a folder"), "file_refused"))
        elif not stat.S_ISREG(mode) and name != "package.yaml":  # package.yaml: refused as it is read
            problems.append(Problem(shown, None, refusal(kind(mode)), "file_refused"))
    return problems


def _texts_listing_problems(raw_fd: int) -> list[Problem]:
    """Anything in data/raw/texts that is not a regular file: never read as a text."""
    try:
        fd = open_folder("texts", raw_fd)
    except Refused:
        return []  # reported by _raw_listing_problems
    if fd is None:
        return []
    try:
        return [Problem(f"{RAW}/texts/{name}", None, refusal(kind(mode)), "file_refused")
                for name, mode in listing(fd).items() if not stat.S_ISREG(mode)]
    finally:
        os.close(fd)


@contextmanager
def _without_cyclic_gc() -> Iterator[None]:
    """Parsing makes millions of short-lived objects with no cycles. The cyclic collector
    would scan every live container again and again, a cost that grows faster than the input
    (measured at 100k claims: 8.7 s of a 20 s load). Reference counting still frees them."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def load_curation(root: Path, skip: frozenset[str] = frozenset(), claims: bool = True) -> Curation:
    """Read every curation file under root/data/raw (but those named in `skip`, as
    `data/raw/<folder>/<file>`: an import leaves out the files it rewrites). Raises
    CurationError on the first problem of a file, after reading all files (one line per file
    with a problem). claims=False leaves the claims of source files unread (an import's identity
    needs only records: claims are most of the rows of imported lists)."""
    with _without_cyclic_gc():
        return _load_curation(root, skip, claims)


def _load_curation(root: Path, skip: frozenset[str], claims: bool) -> Curation:
    try:
        with folder_path(str(root), ("data", "raw")) as raw_fd:
            if raw_fd is None:
                raise CurationError.at(Location(str(root / "data" / "raw")), None, "no data/raw folder here", "raw_missing")
            return _load_raw(root, raw_fd, skip, claims)
    except Refused as e:  # data or data/raw is a link, or not a folder
        raise CurationError.at(e.where or str(root), None, refusal(e.reason, "a folder"), "file_refused") from None


_PACKAGE_SHOWN = f"{RAW}/package.yaml"


def read_package_yaml(root: Path) -> dict[str, Any] | None:
    """data/raw/package.yaml under root, read as the build reads it (a regular file, no link
    followed), or None when there is none; `flows check` verifies the descriptor against it."""
    try:
        with folder_path(str(root), ("data", "raw")) as raw_fd:
            data = read_regular("package.yaml", raw_fd) if raw_fd is not None else None
    except Refused as e:
        raise CurationError.at(e.where or _PACKAGE_SHOWN, None, refusal(e.reason), "file_refused") from None
    return None if data is None else _package_mapping(data)


def _package_mapping(data: bytes | None) -> dict[str, Any]:
    """package.yaml's bytes as the package's metadata; CurationError when they are missing or
    not a mapping."""
    loaded = parse_yaml(data, _PACKAGE_SHOWN) if data is not None else None
    if not isinstance(loaded, dict):
        raise CurationError.at(Location(_PACKAGE_SHOWN, 1), None, "package.yaml is missing or not a mapping",
                               "curation_shape")
    return dict(loaded)


def _load_raw(root: Path, raw_fd: int, skip: frozenset[str] = frozenset(), claims: bool = True) -> Curation:
    """Every curation file in the folder raw_fd (data/raw under root)."""
    out = _Collector(claims)
    out.releases = list_entries.archived_releases(root)
    problems: list[Problem] = []
    package: dict[str, Any] = {}
    entries = listing(raw_fd)
    try:
        data = read_regular("package.yaml", raw_fd, entries["package.yaml"]) if "package.yaml" in entries else None
        package = _package_mapping(data)
    except Refused as e:
        problems.append(Problem(_PACKAGE_SHOWN, None, refusal(e.reason), "file_refused"))
    except CurationError as e:
        problems += e.problems
    for stem, shown, data in _curation_files(raw_fd, entries, "sources", problems):
        if shown in skip:  # left out, but its release still backs records elsewhere (a curator's)
            list_entries.register(parsed(data, shown, parse_yaml), out.releases)
            continue
        try:
            _source_file(parsed(data, shown, parse_yaml), stem, shown, out)
        except CurationError as e:
            problems += e.problems
    for name in RECORD_DIRS:
        for _, shown, data in _curation_files(raw_fd, entries, name, problems):
            if shown in skip:
                continue
            try:
                _record_file(parsed(data, shown, parse_yaml), shown, TABLES[name], out)
            except CurationError as e:
                problems += e.problems
    for stem, shown, data in _curation_files(raw_fd, entries, POINTERS_FOLDER, problems):
        try:
            _uncited_pointers_file(parse_yaml(data, shown), stem, shown, out)
        except CurationError as e:
            problems += e.problems
    problems += _raw_listing_problems(entries) + _texts_listing_problems(raw_fd)
    if problems:
        raise CurationError(problems)
    return Curation(root, package, out.columns(), out.origins, out.uncited, out.uncited_pointers)
