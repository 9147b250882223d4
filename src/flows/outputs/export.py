"""Exports of a published package to the tools people already use.

- `export_csv`: every table as UTF-8 CSV beside its own `datapackage.json`, whose Table Schemas
  are the package's own (`flows.publish.descriptor.table_schema`), so `frictionless validate` checks the
  CSV files exactly as it checks the Parquet release.
- `export_ftm`: actors, designations and sanctions as FollowTheMoney entities (JSON lines),
  built with the `followthemoney` library and validated by it, for the OpenSanctions / Aleph
  family of tools.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from flows.build.dates import list_date, shared_prefix
from flows.publish.descriptor import PACKAGE_KEYS, PROCESSED, read_package, table_schema
from flows.schema.definition import ATTRIBUTE_FTM_ENTITIES, ATTRIBUTE_FTM_PROPERTIES, TABLES, table_fields
from flows.publish.targets import OutputRefused, StagedFiles, check_file_target, sha256_file, write_replacing

# --- CSV ------------------------------------------------------------------------------------


# Text a spreadsheet would run as a formula (OWASP, "CSV injection"): a cell beginning with one
# of these. Such cells get a leading ' , which spreadsheets read as "this is text".
FORMULA_START = re.compile(r"^[=+\-@\t\r]")
NEUTRALISED = ("Text cells (free-text columns only) that begin with =, +, -, @, a tab or a carriage "
               "return are written with a leading ' so that spreadsheets show them instead of running "
               "them as formulas; `flows export csv --raw` writes every value as it is.")
# What an export folder may hold: a previous export, and the temporary files of one.
EXPORT_FILES = frozenset([f"{n}.csv" for n in TABLES] + [f"{n}.csv.tmp" for n in TABLES]
                         + ["datapackage.json", "datapackage.json.tmp"])


class ExportError(OutputRefused):
    """An export refused (its target) or that could not read its input: one line for the user."""


def free_text_fields(name: str) -> list[str]:
    """The string columns of a table that hold free text: ids, codes and enums have patterns or
    value lists that no formula matches, and numbers and dates stay as they are."""
    return [f.name for f in table_fields(TABLES[name]) if f.type == "string" and not f.enum and not f.pattern]


def neutralise_formulas(table: Any, fields: list[str]) -> tuple[Any, int]:
    """`table` with every cell of `fields` that begins like a formula prefixed with ' ; the
    number of cells changed."""
    import pyarrow.compute as pc

    changed = 0
    for name in fields:
        column = table[name]
        risky = pc.fill_null(pc.match_substring_regex(column, FORMULA_START.pattern), False)
        n = pc.sum(risky).as_py() or 0
        if n:
            quoted = pc.if_else(risky, pc.binary_join_element_wise("'", column, ""), column)
            table = table.set_column(table.schema.get_field_index(name), table.schema.field(name), quoted)
            changed += n
    return table, changed


def csv_resource(name: str, path: Path, rows: int, raw: bool = False) -> dict[str, Any]:
    table = TABLES[name]
    return {
        "name": name,
        "path": path.name,
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "description": table.description if raw else f"{table.description} {NEUTRALISED}",
        "hash": f"sha256:{sha256_file(path)}",
        "bytes": path.stat().st_size,
        "rows": rows,
        "schema": table_schema(table),
    }


def check_export_folder(out_dir: Path) -> None:
    """Refuse a folder that holds anything but a previous CSV export: writing there would
    overwrite files that are not the export's (the package's own datapackage.json, say)."""
    if out_dir.exists() and not out_dir.is_dir():
        raise ExportError(f"{out_dir}: exists and is not a folder")
    if not out_dir.is_dir():
        return
    others = sorted(p.name for p in out_dir.iterdir() if p.name not in EXPORT_FILES or not _plain_file(p))
    if others:
        shown = ", ".join(others[:3]) + (", …" if len(others) > 3 else "")
        raise ExportError(f"{out_dir}: holds files that are not a CSV export of flows ({shown}); "
                          "export into a new or empty folder")
    descriptor = out_dir / "datapackage.json"
    if descriptor.exists() and not _is_csv_export(descriptor):
        raise ExportError(f"{descriptor}: not the datapackage.json of a CSV export of flows; "
                          "export into a new or empty folder")


def _plain_file(path: Path) -> bool:
    return path.is_file() or path.is_symlink()  # a link is replaced, never written through


def _is_csv_export(descriptor: Path) -> bool:
    try:
        meta = json.loads(descriptor.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return False
    resources = meta.get("resources") if isinstance(meta, dict) else None
    return isinstance(resources, list) and all(
        isinstance(r, dict) and r.get("format") == "csv" and r.get("name") in TABLES for r in resources)


def _read_parquet(path: Path) -> Any:
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not path.is_file():
        raise ExportError(f"{path} is missing: run `flows build` (or `make build`) first")
    try:
        return pq.read_table(path)
    except (pa.ArrowException, OSError) as e:
        raise ExportError(f"{path}: not a readable Parquet file ({e}); run `flows check`") from None


@dataclass
class CsvExport:
    rows: dict[str, int] = field(default_factory=dict)  # table → rows written
    neutralised: int = 0  # cells given a leading '


def export_csv(root: Path, out_dir: Path, raw: bool = False) -> CsvExport:
    """Write DIR/<table>.csv for every table and DIR/datapackage.json. Unless `raw`, text cells
    that a spreadsheet would run as formulas are neutralised (see NEUTRALISED)."""
    import pyarrow.csv as pacsv

    meta = read_package(root)
    check_export_folder(out_dir)
    result = CsvExport()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        # Every table to a temporary file first: a table that cannot be read or written leaves
        # the previous export as it was.
        with StagedFiles() as staged:
            for name in TABLES:
                table = _read_parquet(root / PROCESSED / f"{name}.parquet")
                if not raw:
                    table, n = neutralise_formulas(table, free_text_fields(name))
                    result.neutralised += n
                with staged.open(out_dir / f"{name}.csv") as f:
                    pacsv.write_csv(table, f, pacsv.WriteOptions(include_header=True, delimiter=",",
                                                                 quoting_style="needed"))
                result.rows[name] = table.num_rows
            staged.replace_all()
        descriptor: dict[str, Any] = {"profile": "tabular-data-package"}
        descriptor.update({k: meta[k] for k in PACKAGE_KEYS if k in meta})
        if "sources" in meta:
            descriptor["sources"] = meta["sources"]
        descriptor["resources"] = [csv_resource(name, out_dir / f"{name}.csv", result.rows[name], raw)
                                   for name in TABLES]
        write_replacing(out_dir / "datapackage.json",
                        lambda f: f.write(json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n"))
    except OSError as e:
        raise ExportError(f"cannot write the export: {e}") from None
    return result


# --- FollowTheMoney -------------------------------------------------------------------------

# Which FollowTheMoney schema each kind of actor becomes. Collective claimants ("U.S.
# officials", "analysts") are not entities and are left out.
ACTOR_SCHEMATA = {
    "person": "Person",
    "company": "Company",
    "government_body": "PublicBody",
    "armed_force": "Organization",
    "research_institute": "Organization",
    "international_org": "Organization",
    "armed_group": "Organization",
    "state": "LegalEntity",
}
ALIAS_PROPS = {"former_name": "previousName", "acronym": "abbreviation"}  # others: alias
DATE_PROPS = {"birthDate", "incorporationDate"}
ID_PREFIX = "flows"


def ftm_id(record_id: str) -> str:
    """`actor/iran` → `flows-actor-iran` (FollowTheMoney ids take letters, digits, `.` and `-`)."""
    return f"{ID_PREFIX}-" + re.sub(r"[^0-9A-Za-z.-]", "-", record_id.replace("/", "-"))


@dataclass
class FtmExport:
    entities: list[dict[str, Any]] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)  # why → how many

    def count(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for e in self.entities:
            out[e["schema"]] = out.get(e["schema"], 0) + 1
        return dict(sorted(out.items()))


def _rows(con: Any, sql: str) -> Iterator[dict[str, Any]]:
    result = con.execute(sql)
    columns = [d[0] for d in result.description]
    for r in result.fetchall():
        yield dict(zip(columns, r))


def _add(proxy: Any, prop: str, value: Any) -> None:
    if value is None or (isinstance(value, float) and value != value) or value == "":
        return
    if prop not in proxy.schema.properties:
        return
    proxy.add(prop, value, cleaned=False, quiet=False, fuzzy=False)


def build_ftm(con: Any) -> FtmExport:
    """FollowTheMoney entities for the actors (but collectives), the designations (a Sanction on
    the listed actor, with its authority and list reference) and the sanctioning actions that
    target a state (a Sanction on that state); each validated by the library."""
    from followthemoney import model

    out = FtmExport()

    def skip(why: str) -> None:
        out.skipped[why] = out.skipped.get(why, 0) + 1

    actors = {r["actor_id"]: r for r in _rows(con, "SELECT * FROM actors ORDER BY actor_id")}
    exported: dict[str, Any] = {}
    urls: dict[str, list[str]] = {}
    for r in _rows(con, "SELECT DISTINCT c.record_id, s.url FROM claims c JOIN sources s USING (source_id) "
                   "WHERE s.url IS NOT NULL ORDER BY c.record_id, s.url"):
        urls.setdefault(r["record_id"], []).append(r["url"])
    listed = {r["target_actor_id"] for r in _rows(con, "SELECT DISTINCT target_actor_id FROM designations")}

    for actor_id, a in actors.items():
        schema = ACTOR_SCHEMATA.get(a["actor_type"])
        if schema is None:
            skip(f"actor_type {a['actor_type']}")
            continue
        p = model.make_entity(schema)
        p.id = ftm_id(actor_id)
        _add(p, "name", a["name"])
        _add(p, "country", (a["country_code"] or "").lower() or None)
        _add(p, "position", a["position"])
        _add(p, "description", a["description"])
        for u in urls.get(actor_id, []):
            _add(p, "sourceUrl", u)
        if actor_id in listed:
            _add(p, "topics", "sanction")
        exported[actor_id] = p
    for actor_id, p in exported.items():  # parents, once every exported id is known
        parent = actors[actor_id]["parent_actor_id"]
        if parent in exported:
            _add(p, "parent", exported[parent].id)
    for r in _rows(con, "SELECT * FROM actor_aliases ORDER BY actor_id, alias"):
        if r["actor_id"] in exported and r["alias"] != actors[r["actor_id"]]["name"]:
            _add(exported[r["actor_id"]], ALIAS_PROPS.get(r["alias_type"], "alias"), r["alias"])
    held: list[Any] = []  # entities of their own held by an actor (a crypto wallet)
    for r in _rows(con, "SELECT * FROM actor_attributes ORDER BY actor_id, attribute, value"):
        p = exported.get(r["actor_id"])
        if p is None:
            continue
        if r["attribute"] in ATTRIBUTE_FTM_ENTITIES:
            if (entity := _held_entity(model, p, r["attribute"], r["value"])) is None:
                skip(f"attribute {r['attribute']}: not a valid {ATTRIBUTE_FTM_ENTITIES[r['attribute']][0]}")
            else:
                held.append(entity)
            continue
        prop = ATTRIBUTE_FTM_PROPERTIES[r["attribute"]]
        if prop not in p.schema.properties:
            skip(f"attribute {r['attribute']} on a {p.schema.name}")
            continue
        value = list_date(r["value"]) if prop in DATE_PROPS else r["value"]
        if value is None:
            skip(f"attribute {r['attribute']}: unreadable date")
            continue
        if not _valid(p, prop, value):  # e.g. a passport "issued under the name …", too long for one
            skip(f"attribute {r['attribute']}: not a valid {prop}")
            continue
        _add(p, prop, value)

    sanctions = {r["sanction_id"]: r for r in _rows(con, """
        SELECT s.*, au.name AS authority, au.country_code AS authority_country
        FROM sanctions s JOIN actors au ON au.actor_id = s.authority_id ORDER BY s.sanction_id""")}
    designated = set()
    for d in _rows(con, """
            SELECT d.*, au.name AS authority, au.country_code AS authority_country
            FROM designations d JOIN actors au ON au.actor_id = d.authority_id
            ORDER BY d.designation_id"""):
        target = exported.get(d["target_actor_id"])
        if target is None:
            skip("designation of an actor that is not exported")
            continue
        s = sanctions.get(d["sanction_id"]) if d["sanction_id"] else None
        if s is not None:
            designated.add(s["sanction_id"])
        p = model.make_entity("Sanction")
        p.id = ftm_id(d["designation_id"])
        _add(p, "entity", target.id)
        _add(p, "authority", d["authority"])
        _add(p, "authorityId", d["list_reference"])
        _add(p, "country", (d["authority_country"] or "").lower() or None)
        _add(p, "listingDate", shared_prefix(d["listed_earliest"], d["listed_latest"]))
        for tag in (d["program_tags"] or "").split("; "):
            _add(p, "programId", tag or None)
        for u in urls.get(d["designation_id"], []):
            _add(p, "sourceUrl", u)
        if s is not None:
            _sanction_props(p, s)
        out.entities.append(_checked(p))

    for s in sanctions.values():
        if s["sanction_id"] in designated:
            continue  # its designations carry it
        state = _state_of(actors, exported, s["target_country_code"])
        if state is None:
            skip("sanction with neither designations nor a target state")
            continue
        p = model.make_entity("Sanction")
        p.id = ftm_id(s["sanction_id"])
        _add(p, "entity", state.id)
        _add(p, "authority", s["authority"])
        _add(p, "country", (s["authority_country"] or "").lower() or None)
        _sanction_props(p, s)
        for u in urls.get(s["sanction_id"], []):
            _add(p, "sourceUrl", u)
        out.entities.append(_checked(p))

    out.entities[:0] = [_checked(p) for p in [*exported.values(), *held]]
    ids = [e["id"] for e in out.entities]
    if len(ids) != len(set(ids)):
        raise ValueError("two FollowTheMoney entities got the same id")
    return out


def _held_entity(model: Any, holder: Any, attribute: str, value: str) -> Any | None:
    """The entity of an attribute FollowTheMoney models apart (ATTRIBUTE_FTM_ENTITIES): a
    CryptoWallet for `XBT 12QtD5…` (OFAC's "Digital Currency Address - XBT 12QtD5…"), with the
    currency when the value starts with its code."""
    schema, prop, holder_prop = ATTRIBUTE_FTM_ENTITIES[attribute]
    p = model.make_entity(schema)
    p.id = ftm_id(f"{holder.id}/{attribute}/{value}")
    currency, _, key = value.partition(" ")
    if key and re.fullmatch(r"[A-Z0-9]{2,6}", currency) and "currency" in p.schema.properties:
        _add(p, "currency", currency)
        value = key.strip()
    if not _valid(p, prop, value):
        return None
    _add(p, prop, value)
    _add(p, holder_prop, holder.id)
    return p


def _valid(p: Any, prop: str, value: str) -> bool:
    """Whether FollowTheMoney takes the value for the property: it cleans, and fits its length."""
    spec = p.schema.properties[prop]
    return spec.type.clean(value, proxy=p) is not None and len(value) <= spec.max_length


def _state_of(actors: dict[str, dict[str, Any]], exported: dict[str, Any], code: str | None) -> Any:
    if not code:
        return None
    for actor_id, a in actors.items():
        if a["actor_type"] == "state" and a["country_code"] == code and actor_id in exported:
            return exported[actor_id]
    return None


def _sanction_props(p: Any, s: dict[str, Any]) -> None:
    """What a designation or a state-level Sanction takes from its sanctioning action."""
    _add(p, "summary", s["title"])
    _add(p, "program", s["program"] or s["title"])
    if s["legal_act"]:
        _add(p, "description", f"Legal act: {s['legal_act']}")
    _add(p, "status", s["status"])
    _add(p, "reason", s["reason"])
    _add(p, "provisions", s["measures"])
    _add(p, "date", shared_prefix(s["announced_earliest"], s["announced_latest"]))
    _add(p, "startDate", shared_prefix(s["effective_earliest"], s["effective_latest"]))
    _add(p, "recordId", s["sanction_id"])


def validate_entity(data: dict[str, Any]) -> list[str]:
    """The library's own checks on one serialised entity: a known, non-abstract schema; every
    property known to it and every value valid (cleaning leaves it as it is); the required
    properties present. Returns the problems found."""
    from followthemoney import model
    from followthemoney.exc import InvalidData

    problems = []
    schema = model.get(data.get("schema", ""))
    if schema is None:
        return [f"{data.get('id')}: unknown schema {data.get('schema')!r}"]
    if schema.abstract:
        problems.append(f"{data['id']}: abstract schema {schema.name}")
    if not data.get("id"):
        problems.append(f"entity without id ({schema.name})")
    for name in data.get("properties", {}):
        if name not in schema.properties:
            problems.append(f"{data['id']}: {schema.name} has no property {name!r}")
    proxy = model.get_proxy(data, cleaned=False)  # cleans every value again
    cleaned = proxy.to_dict()["properties"]
    for name, values in data.get("properties", {}).items():
        if sorted(cleaned.get(name, [])) != sorted(values):
            problems.append(f"{data['id']}: {name} {values!r} cleans to {cleaned.get(name)!r}")
    for name in schema.required:
        if not proxy.get(name):
            problems.append(f"{data['id']}: required property {name} missing")
    try:
        schema.validate(data)
    except InvalidData as e:
        problems.append(f"{data['id']}: {e}")
    return problems


def _checked(proxy: Any) -> dict[str, Any]:
    data = proxy.to_dict()
    problems = validate_entity(data)
    if problems:
        raise ValueError("; ".join(problems))
    return data


def _is_ftm_export(line: str) -> bool:
    try:
        return set(json.loads(line)) >= {"id", "schema", "properties"}
    except (ValueError, TypeError):
        return False


def export_ftm(con: Any, out: Path) -> FtmExport:
    """Write the entities as JSON lines (one entity per line, UTF-8)."""
    check_file_target(out, "a FollowTheMoney export of flows", _is_ftm_export)
    try:
        result = build_ftm(con)
    except ValueError as e:  # an entity the library refuses: the published data are not as built
        raise ExportError(f"the published package gives an invalid FollowTheMoney entity: {e}") from None
    try:
        write_replacing(out, lambda f: f.writelines(json.dumps(e, ensure_ascii=False, sort_keys=True) + "\n"
                                                    for e in result.entities))
    except OSError as e:
        raise ExportError(f"cannot write {out}: {e}") from None
    return result
