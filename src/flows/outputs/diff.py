"""What changed between two builds (`flows diff OLD NEW`): for every table, the rows added,
removed and changed, by primary key, with the fields that changed. The basis of the CHANGELOG
of a data release.

Either folder may be a package root (with `data/processed/`) or the `data/processed/` folder
itself. The generated `records` registry is compared too: its added and removed rows are the
records added and withdrawn, of every type, in one list. A link is labelled by its ends
(from → relation → to).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flows.publish.descriptor import PROCESSED
from flows.printable import visible
from flows.schema.definition import TABLES


class DiffError(ValueError):
    """A build that cannot be compared (a file missing, unreadable or not the table it should
    be): one line naming the file."""


@dataclass
class Change:
    key: str
    fields: dict[str, tuple[Any, Any]]  # field → (old, new)
    label: str = ""  # what the row is, when its key does not say (a link's ends)


@dataclass
class TableDiff:
    table: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)  # key → label, for added/removed rows

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)


@dataclass
class PackageDiff:
    old: Path
    new: Path
    old_version: str | None
    new_version: str | None
    tables: list[TableDiff]
    same_folder: bool = False  # OLD and NEW were one folder: no changes, but likely a slip

    def __bool__(self) -> bool:
        return any(self.tables)

    def summary(self) -> dict[str, dict[str, int]]:
        return {t.table: {"added": len(t.added), "removed": len(t.removed), "changed": len(t.changed)}
                for t in self.tables}


def processed_dir(folder: Path) -> Path:
    """The folder holding the Parquet files of a build given as its root or as that folder."""
    for candidate in (folder / PROCESSED, folder):
        if (candidate / "claims.parquet").is_file():
            return candidate
    raise FileNotFoundError(f"{folder}: no build here (neither {folder / PROCESSED}/*.parquet "
                            f"nor {folder}/*.parquet)")


def _descriptor(processed: Path) -> dict[str, Any] | None:
    """The datapackage.json of a build (beside its data/ folder, or in the folder itself)."""
    for candidate in (processed.parent.parent / "datapackage.json", processed / "datapackage.json"):
        if candidate.is_file():
            try:
                meta = json.loads(candidate.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, ValueError) as e:
                raise DiffError(f"{candidate}: not a readable datapackage.json ({e})") from None
            if not isinstance(meta, dict) or not isinstance(meta.get("resources", []), list):
                raise DiffError(f"{candidate}: not a data package descriptor")
            return meta
    return None


def _tables_of(meta: dict[str, Any] | None) -> set[str] | None:
    """The tables a build's descriptor lists (None without a descriptor: then every table)."""
    if meta is None:
        return None
    return {r.get("name") for r in meta.get("resources", []) if isinstance(r, dict)}


def read_rows(name: str, path: Path, listed: set[str] | None) -> dict[str, dict[str, Any]]:
    """The rows of one table of a build by key; empty when the build's descriptor does not list
    the table (a release before it existed). DiffError for a file missing, unreadable, without
    the table's key columns, or with a key twice."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if path.exists() and not path.is_file():
        raise DiffError(f"{path}: not a file")
    if not path.is_file():
        if listed is not None and name not in listed:
            return {}
        raise DiffError(f"{path}: missing (the build lists the table {name})" if listed is not None
                        else f"{path}: missing")
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as e:
        raise DiffError(f"{path}: not a readable Parquet file ({e})") from None
    key_fields = TABLES[name].primary_key
    absent = [k for k in key_fields if k not in table.column_names]
    if absent:
        raise DiffError(f"{path}: no column {', '.join(absent)} (the key of {name}): not the {name} table")
    out: dict[str, dict[str, Any]] = {}
    for row in table.to_pylist():
        row = {k: _plain(v) for k, v in row.items()}
        key = " | ".join(str(row[k]) for k in key_fields)
        if key in out:
            raise DiffError(f"{path}: the key {visible(key)!r} is on two rows")
        out[key] = row
    return out


def _plain(value: Any) -> Any:
    """A cell as a comparable, printable Python value (nulls as None)."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _link_ends(row: dict[str, Any]) -> str:
    return f"{row.get('from_record_id')} → {row.get('relation')} → {row.get('to_record_id')}"


def _label(table: str, row: dict[str, Any]) -> str:
    if table == "links":
        return _link_ends(row)
    for name in ("label", "name", "title", "list_reference", "alias", "value", "description",
                 "evidence_text", "role", "relation"):
        v = row.get(name)
        if isinstance(v, str) and v:
            return v if len(v) <= 100 else v[:99] + "…"
    return ""


def diff_table(name: str, old: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]]) -> TableDiff:
    """The rows added, removed and changed between two versions of a table (rows by key)."""
    d = TableDiff(name)
    d.added = sorted(set(new) - set(old))
    d.removed = sorted(set(old) - set(new))
    d.labels = {k: _label(name, new[k]) for k in d.added} | {k: _label(name, old[k]) for k in d.removed}
    for key in sorted(set(old) & set(new)):
        a, b = old[key], new[key]
        fields = {f: (a.get(f), b.get(f)) for f in dict.fromkeys([*a, *b]) if a.get(f) != b.get(f)}
        if fields:
            # a link's ends, as they are now (and were, when they changed)
            label = ""
            if name == "links":
                label = _link_ends(b) if _link_ends(a) == _link_ends(b) else f"{_link_ends(a)}, now {_link_ends(b)}"
            d.changed.append(Change(key, fields, label))
    return d


def diff_builds(old: Path, new: Path) -> PackageDiff:
    po, pn = processed_dir(old), processed_dir(new)
    mo, mn = _descriptor(po), _descriptor(pn)
    to, tn = _tables_of(mo), _tables_of(mn)
    tables = [diff_table(name, read_rows(name, po / f"{name}.parquet", to),
                         read_rows(name, pn / f"{name}.parquet", tn))
              for name in TABLES]
    return PackageDiff(old, new, _version(mo), _version(mn), tables, po.resolve() == pn.resolve())


def _version(meta: dict[str, Any] | None) -> str | None:
    version = meta.get("version") if meta else None
    return None if version is None else str(version)


def _show(value: Any, n: int = 160) -> str:
    """A value on one line of the changelog: control characters (newlines too) as escapes."""
    if value is None:
        return "(null)"
    s = visible(str(value))
    return s if len(s) <= n else s[: n - 1] + "…"


def to_markdown(d: PackageDiff) -> str:
    """A CHANGELOG section: a summary line per table, then each added, removed and changed row."""
    versions = ""
    if d.old_version or d.new_version:
        versions = f" ({d.old_version or '?'} → {d.new_version or '?'})"
    lines = [f"## Changes{versions}", ""]
    if not d:
        lines += ["No changes.", ""]
        return "\n".join(lines)
    lines += ["| table | added | removed | changed |", "|---|---|---|---|"]
    for t in d.tables:
        if t:
            lines.append(f"| `{t.table}` | {len(t.added)} | {len(t.removed)} | {len(t.changed)} |")
    lines.append("")
    for t in d.tables:
        if not t:
            continue
        lines += [f"### `{t.table}`", ""]
        for key in t.added:
            lines.append(f"- added `{visible(key)}`" + (f": {_show(t.labels[key])}" if t.labels.get(key) else ""))
        for key in t.removed:
            lines.append(f"- removed `{visible(key)}`" + (f": {_show(t.labels[key])}" if t.labels.get(key) else ""))
        for c in t.changed:
            lines.append(f"- changed `{visible(c.key)}`" + (f" ({_show(c.label)})" if c.label else "") + ":")
            for f, (a, b) in c.fields.items():
                lines.append(f"  - `{f}`: {_show(a)} → {_show(b)}")
        lines.append("")
    return "\n".join(lines)


def to_json(d: PackageDiff) -> dict[str, Any]:
    return {
        "old": str(d.old), "new": str(d.new),
        "old_version": d.old_version, "new_version": d.new_version,
        "summary": {t.table: s for t, s in zip(d.tables, d.summary().values()) if t},
        "tables": {
            t.table: {
                "added": [{"key": k, "label": t.labels.get(k, "")} for k in t.added],
                "removed": [{"key": k, "label": t.labels.get(k, "")} for k in t.removed],
                "changed": [{"key": c.key, **({"label": c.label} if c.label else {}), "fields": {f: {"old": a, "new": b} for f, (a, b) in c.fields.items()}}
                            for c in t.changed],
            }
            for t in d.tables if t
        },
    }
