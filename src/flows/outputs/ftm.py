"""`flows export ftm`: actors, designations and sanctions as FollowTheMoney entities (JSON
lines), built with the `followthemoney` library and validated by it, for the OpenSanctions / Aleph
family of tools."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from flows.build.dates import list_date, shared_prefix
from flows.publish.targets import ExportError, check_file_target, write_replacing
from flows.schema.definition import ATTRIBUTE_FTM_ENTITIES, ATTRIBUTE_FTM_PROPERTIES

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
    "vessel": "Vessel",  # ships listed for carrying North Korean munitions (Lady R, Angara ...)
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
    builder = _FtmBuilder(con)
    builder.add_actors()
    builder.add_designations()
    builder.add_state_sanctions()
    out = builder.out
    out.entities[:0] = [_checked(p) for p in [*builder.exported.values(), *builder.held]]
    ids = [e["id"] for e in out.entities]
    if len(ids) != len(set(ids)):
        raise ValueError("two FollowTheMoney entities got the same id")
    return out


class _FtmBuilder:
    """The entities of one export, built table by table from the published views."""

    def __init__(self, con: Any) -> None:
        self.con = con
        self.out = FtmExport()
        self.actors = {r["actor_id"]: r for r in _rows(con, "SELECT * FROM actors ORDER BY actor_id")}
        self.exported: dict[str, Any] = {}  # actor_id -> its entity
        self.urls: dict[str, list[str]] = {}  # record_id -> addresses of the sources that claim it
        for r in _rows(con, "SELECT DISTINCT c.record_id, s.url FROM claims c JOIN sources s USING (source_id) "
                       "WHERE s.url IS NOT NULL ORDER BY c.record_id, s.url"):
            self.urls.setdefault(r["record_id"], []).append(r["url"])
        self.sanctions = {r["sanction_id"]: r for r in _rows(con, """
            SELECT s.*, au.name AS authority, au.country_code AS authority_country
            FROM sanctions s JOIN actors au ON au.actor_id = s.authority_id ORDER BY s.sanction_id""")}
        self.designated: set[str] = set()  # sanctions carried by their designations
        self.on_sanctions: dict[str, list[tuple[str, str]]] = {}  # actor -> values its Sanctions carry (unscId)
        self.held: list[Any] = []  # entities of their own held by an actor (a crypto wallet)

    def skip(self, why: str) -> None:
        self.out.skipped[why] = self.out.skipped.get(why, 0) + 1

    def add_actors(self) -> None:
        from followthemoney import model

        listed = {r["target_actor_id"] for r in _rows(self.con, "SELECT DISTINCT target_actor_id FROM designations")}
        for actor_id, a in self.actors.items():
            schema = ACTOR_SCHEMATA.get(a["actor_type"])
            if schema is None:
                self.skip(f"actor_type {a['actor_type']}")
                continue
            p = model.make_entity(schema)
            p.id = ftm_id(actor_id)
            _add(p, "name", a["name"])
            _add(p, "country", (a["country_code"] or "").lower() or None)
            _add(p, "position", a["position"])
            _add(p, "description", a["description"])
            for u in self.urls.get(actor_id, []):
                _add(p, "sourceUrl", u)
            if actor_id in listed:
                _add(p, "topics", "sanction")
            self.exported[actor_id] = p
        for actor_id, p in self.exported.items():  # parents, once every exported id is known
            parent = self.actors[actor_id]["parent_actor_id"]
            if parent in self.exported:
                _add(p, "parent", self.exported[parent].id)
        self.add_aliases()
        self.add_attributes()

    def add_aliases(self) -> None:
        for r in _rows(self.con, "SELECT * FROM actor_aliases ORDER BY actor_id, alias"):
            if r["actor_id"] in self.exported and r["alias"] != self.actors[r["actor_id"]]["name"]:
                _add(self.exported[r["actor_id"]], ALIAS_PROPS.get(r["alias_type"], "alias"), r["alias"])

    def add_attributes(self) -> None:
        """Each attribute as its FollowTheMoney property; one the actor's schema lacks but a
        Sanction has (a UN reference: unscId) goes on the Sanctions of the actor's designations."""
        from followthemoney import model

        sanction_props = model.get("Sanction").properties
        for r in _rows(self.con, "SELECT * FROM actor_attributes ORDER BY actor_id, attribute, value"):
            p = self.exported.get(r["actor_id"])
            if p is None:
                continue
            if r["attribute"] in ATTRIBUTE_FTM_ENTITIES:
                name, _, holder_prop = ATTRIBUTE_FTM_ENTITIES[r["attribute"]]
                if not p.schema.is_a(model.get(name).properties[holder_prop].range):  # a Vessel holds no wallet
                    self.skip(f"attribute {r['attribute']} on a {p.schema.name}")
                elif (entity := _held_entity(model, p, r["attribute"], r["value"])) is None:
                    self.skip(f"attribute {r['attribute']}: not a valid {ATTRIBUTE_FTM_ENTITIES[r['attribute']][0]}")
                else:
                    self.held.append(entity)
                continue
            prop = ATTRIBUTE_FTM_PROPERTIES[r["attribute"]]
            if prop not in p.schema.properties and prop in sanction_props:
                self.on_sanctions.setdefault(r["actor_id"], []).append((prop, r["value"]))
                continue
            if prop not in p.schema.properties:
                self.skip(f"attribute {r['attribute']} on a {p.schema.name}")
                continue
            value = list_date(r["value"]) if prop in DATE_PROPS else r["value"]
            if value is None:
                self.skip(f"attribute {r['attribute']}: unreadable date")
                continue
            if not _valid(p, prop, value):  # e.g. a passport "issued under the name …", too long for one
                self.skip(f"attribute {r['attribute']}: not a valid {prop}")
                continue
            _add(p, prop, value)

    def add_designations(self) -> None:
        """A Sanction on each listed actor that is exported, with its sanctioning action's terms."""
        from followthemoney import model

        for d in _rows(self.con, """
                SELECT d.*, au.name AS authority, au.country_code AS authority_country
                FROM designations d JOIN actors au ON au.actor_id = d.authority_id
                ORDER BY d.designation_id"""):
            target = self.exported.get(d["target_actor_id"])
            if target is None:
                self.skip("designation of an actor that is not exported")
                continue
            s = self.sanctions.get(d["sanction_id"]) if d["sanction_id"] else None
            if s is not None:
                self.designated.add(s["sanction_id"])
            p = model.make_entity("Sanction")
            p.id = ftm_id(d["designation_id"])
            _add(p, "entity", target.id)
            _add(p, "authority", d["authority"])
            _add(p, "authorityId", d["list_reference"])
            _add(p, "country", (d["authority_country"] or "").lower() or None)
            _add(p, "listingDate", shared_prefix(d["listed_earliest"], d["listed_latest"]))
            if d["delisted"]:  # no longer on the list: the end as precisely as known, and the span in words
                _add(p, "endDate", shared_prefix(d["delisted_earliest"], d["delisted_latest"]))
                _add(p, "status", f"delisted {d['delisted']}")
            for tag in (d["program_tags"] or "").split("; "):
                _add(p, "programId", tag or None)
            for prop, value in self.on_sanctions.get(d["target_actor_id"], []):
                _add(p, prop, value)
            for u in self.urls.get(d["designation_id"], []):
                _add(p, "sourceUrl", u)
            if s is not None:
                _sanction_props(p, s)
            self.out.entities.append(_checked(p))

    def add_state_sanctions(self) -> None:
        """A Sanction on the target state for each sanctioning action no designation carries."""
        from followthemoney import model

        for s in self.sanctions.values():
            if s["sanction_id"] in self.designated:
                continue
            state = _state_of(self.actors, self.exported, s["target_country_code"])
            if state is None:
                self.skip("sanction with neither designations nor a target state")
                continue
            p = model.make_entity("Sanction")
            p.id = ftm_id(s["sanction_id"])
            _add(p, "entity", state.id)
            _add(p, "authority", s["authority"])
            _add(p, "country", (s["authority_country"] or "").lower() or None)
            _sanction_props(p, s)
            for u in self.urls.get(s["sanction_id"], []):
                _add(p, "sourceUrl", u)
            self.out.entities.append(_checked(p))


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
