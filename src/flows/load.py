"""raw → rows: read the curation files in `data/raw/` with their line numbers.

Layout of `data/raw/`:
  package.yaml            the package's metadata (title, version, licences, contributors)
  sources/<slug>.yaml     one file per source document: `source:` (its metadata) and `claims:`
  <table>/<any>.yaml      records by kind (actors/, items/, transfers/, sanctions/,
                          designations/, events/, links/): a list of records per file
  texts/<file>.txt        archived texts of official documents that may be copied whole

Every key is checked against the schema: an unknown key, a missing required key or a value of
the wrong type is a CurationError naming file, line and field. Values are only typed here;
enums, patterns, ranges and keys are checked vectorised in `validate.py`.
"""

from __future__ import annotations

import datetime as dt
import gc
from array import array
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Iterator

import pyarrow as pa
import yaml

from .dtypes import arrow_type
from .errors import CurationError, Location, Problem
from .schema import TABLES, Field, Table, curated_fields, table_fields

RECORD_DIRS = [t.name for t in TABLES.values() if t.curated_as == "records"]
CLAIM_ID_KEY = "id"
UNCITED_KEY = "uncited_paragraphs"  # paragraphs of a full text that state no fact  # claims carry a short local id; the full claim_id is built from it


class LineDict(dict):
    """A YAML mapping that remembers the line of the mapping and of each key."""

    line: int
    key_lines: dict[str, int]


_STR = "tag:yaml.org,2002:str"


class _LineLoader(yaml.CSafeLoader):
    """libyaml's safe loader (no object construction), keeping line numbers, refusing
    duplicate keys (PyYAML would silently keep the last one)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> LineDict:
        out = LineDict()
        out.line = node.start_mark.line + 1
        out.key_lines = {}
        self.flatten_mapping(node)
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
                out[key] = self.construct_object(value_node, deep=True)
            out.key_lines[key] = line
        return out


_LineLoader.add_constructor("tag:yaml.org,2002:map", _LineLoader.construct_mapping)


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

    @property
    def rows(self) -> dict[str, list[dict[str, Any]]]:
        """Every row as a dict of field: value (built on demand from the columns)."""
        out = {}
        for table, columns in self.columns.items():
            names = list(columns)
            values = [column.to_pylist() for column in columns.values()]
            out[table] = [dict(zip(names, row)) for row in zip(*values)]
        return out


def read_yaml(path: Path, shown: str) -> Any:
    """Parse one YAML file safely; any failure is a CurationError at file:line."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise CurationError.at(Location(shown, line), None,
                               f"not valid UTF-8 (byte 0x{raw[e.start]:02x}); save the file as UTF-8")
    if not text.strip():
        raise CurationError.at(Location(shown, 1), None, "the file is empty")
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a safe loader (CSafeLoader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else None
        what = " ".join(x for x in (e.context, e.problem) if x)
        raise CurationError.at(Location(shown, line), None, f"invalid YAML: {what}")
    except yaml.YAMLError as e:
        raise CurationError.at(Location(shown), None, f"invalid YAML: {e}")


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
        raise CurationError.at(where, f.name, f"expected text, got {type(value).__name__} {value!r}{hint}")
    if kind == "edtf":
        if isinstance(value, bool) or not isinstance(value, (str, int, dt.date)):
            raise CurationError.at(where, f.name, f"expected an EDTF date string, got {value!r}")
        if isinstance(value, dt.datetime):
            raise CurationError.at(where, f.name, f"expected a date, not a date-time: {value!r}")
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    if kind == "date":
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        raise CurationError.at(where, f.name, f"expected a date YYYY-MM-DD, got {value!r}")
    if kind == "integer":
        if isinstance(value, int) and not isinstance(value, bool):
            if -(2**63) <= value < 2**63:  # stored as a 64-bit integer
                return value
            raise CurationError.at(where, f.name, f"{value} is out of range for a 64-bit integer")
        raise CurationError.at(where, f.name, f"expected a whole number, got {value!r}")
    if kind == "number":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        raise CurationError.at(where, f.name, f"expected a number, got {value!r}")
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        raise CurationError.at(where, f.name, f"expected true or false, got {value!r}")
    raise AssertionError(kind)


def _row(mapping: Any, table: Table, shown: str, extra_keys: set[str], what: str,
         line: int | None = None) -> tuple[dict[str, Any], RowSource]:
    """Type one mapping as a row of `table`; keys in extra_keys are returned untyped."""
    if not isinstance(mapping, LineDict):
        raise CurationError.at(Location(shown, line), None,
                               f"each {what} must be a mapping of field: value, got {type(mapping).__name__}")
    origin = RowSource(shown, mapping.line, mapping.key_lines)
    fields = _curated(table.name)
    if not mapping.keys() <= fields.keys() | extra_keys:
        unknown = sorted(set(mapping) - set(fields) - extra_keys)
        key = unknown[0]
        raise CurationError.at(origin.at(key), key,
                               f"unknown field in {what} (a {table.name} row takes: "
                               f"{', '.join(sorted(set(fields) | extra_keys))})")
    row: dict[str, Any] = {}
    for name, f in fields.items():
        value = _typed(mapping.get(name), f, origin)
        if value is None and f.required:
            raise CurationError.at(origin.at(name) if name in mapping else origin.at(), name,
                                   f"required field missing in {what}")
        row[name] = value
    for key in extra_keys & set(mapping):
        row[key] = mapping[key]
    return row, origin


@cache
def _curated(table_name: str) -> dict[str, Field]:
    return {f.name: f for f in curated_fields(TABLES[table_name])}


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
        raise CurationError.at(Location(shown, line), what, f"expected a list of {what}")
    return value


class _Collector:
    """Rows collected column by column, and every BATCH_ROWS rows turned into Arrow arrays:
    a million rows are held as compact Arrow buffers, not as millions of Python objects (whose
    freed memory Python keeps, so that the build's peak would grow with the input twice)."""

    BATCH_ROWS = 20_000

    def __init__(self) -> None:
        self.batch: dict[str, dict[str, list[Any]]] = {
            t: {c: [] for c in table_columns(table)} for t, table in TABLES.items()}
        self.chunks: dict[str, dict[str, list[pa.Array]]] = {
            t: {c: [] for c in table_columns(table)} for t, table in TABLES.items()}
        self.origins: dict[str, Origins] = {t: Origins(table_columns(table)) for t, table in TABLES.items()}
        self.uncited: dict[str, dict[int, str]] = {}

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


def _record_file(path: Path, shown: str, table: Table, out: _Collector) -> None:
    doc = read_yaml(path, shown)
    if not isinstance(doc, list):
        raise CurationError.at(Location(shown, 1), None,
                               f"a {table.name} file holds a list of records (`- {table.fields[0]}: ...`)")
    children = _children(table)
    for item in doc:
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
                                   "each entry is {paragraph: <number>, reason: <text>}")
        out[item["paragraph"]] = item["reason"]
    return out


def _source_file(path: Path, shown: str, out: _Collector) -> None:
    doc = read_yaml(path, shown)
    if not isinstance(doc, LineDict):
        raise CurationError.at(Location(shown, 1), None,
                               "a source file is a mapping with `source:` and `claims:`")
    unknown = sorted(set(doc) - {"source", "claims", UNCITED_KEY})
    if unknown:
        raise CurationError.at(Location(shown, doc.key_lines[unknown[0]]), unknown[0],
                               f"unknown top-level key in a source file (it takes: source, claims, {UNCITED_KEY})")
    if "source" not in doc:
        raise CurationError.at(Location(shown, 1), "source", "required key missing in a source file")
    source, origin = _row(doc["source"], TABLES["sources"], shown, set(), "source",
                          doc.key_lines["source"])
    expected = f"source/{path.stem}"
    if source["source_id"] != expected:
        raise CurationError.at(origin.at("source_id"), "source_id",
                               f"must be {expected!r}, after the file's name")
    out.add("sources", source, origin)
    out.uncited[source["source_id"]] = _uncited(doc.get(UNCITED_KEY), shown, doc.key_lines.get(UNCITED_KEY, 1))
    claims_table = TABLES["claims"]
    for item in _list(doc.get("claims"), shown, doc.key_lines.get("claims", 1), "claims"):
        claim, claim_origin = _row(item, claims_table, shown, {CLAIM_ID_KEY}, "claim",
                                   doc.key_lines.get("claims"))
        local = claim.pop(CLAIM_ID_KEY, None)
        if local is not None and not isinstance(local, str):
            raise CurationError.at(claim_origin.at(CLAIM_ID_KEY), CLAIM_ID_KEY, "expected text")
        claim["claim_id"] = f"claim/{path.stem}/{local or default_claim_slug(claim)}"
        claim["source_id"] = source["source_id"]
        claim_origin.field_lines = {**claim_origin.field_lines,
                                    "claim_id": claim_origin.field_lines.get(CLAIM_ID_KEY, claim_origin.line)}
        out.add("claims", claim, claim_origin)


def _yaml_files(folder: Path, root: Path) -> Iterator[Path]:
    if folder.is_dir():
        strays = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix not in (".yaml", ".md"))
        if strays:
            raise CurationError.at(Location(str(strays[0].relative_to(root))), None,
                                   "only .yaml curation files belong here (rename it to .yaml or move it)")
        yield from sorted(folder.glob("*.yaml"))


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


def load_curation(root: Path) -> Curation:
    """Read every curation file under root/data/raw. Raises CurationError on the first problem
    of a file, after reading all files (one line per file with a problem)."""
    with _without_cyclic_gc():
        return _load_curation(root)


def _load_curation(root: Path) -> Curation:
    raw = root / "data" / "raw"
    if not raw.is_dir():
        raise CurationError.at(Location(str(raw)), None, "no data/raw folder here")
    out = _Collector()
    problems: list[Problem] = []

    def shown(p: Path) -> str:
        return str(p.relative_to(root))

    package_path = raw / "package.yaml"
    package: dict[str, Any] = {}
    try:
        loaded = read_yaml(package_path, shown(package_path)) if package_path.exists() else None
        if not isinstance(loaded, dict):
            raise CurationError.at(Location(shown(package_path), 1), None,
                                   "package.yaml is missing or not a mapping")
        package = dict(loaded)
    except CurationError as e:
        problems += e.problems
    for path in _yaml_files(raw / "sources", root):
        try:
            _source_file(path, shown(path), out)
        except CurationError as e:
            problems += e.problems
    for name in RECORD_DIRS:
        for path in _yaml_files(raw / name, root):
            try:
                _record_file(path, shown(path), TABLES[name], out)
            except CurationError as e:
                problems += e.problems
    unexpected = sorted(p.name for p in raw.iterdir()
                        if p.is_dir() and p.name not in {*RECORD_DIRS, "sources", "texts"})
    if unexpected:
        problems.append(Problem(shown(raw / unexpected[0]), None,
                                f"unknown folder (curation folders: sources, texts, {', '.join(RECORD_DIRS)})"))
    if problems:
        raise CurationError(problems)
    return Curation(root, package, out.columns(), out.origins, out.uncited)
