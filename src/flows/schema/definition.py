"""The one definition of every table and field.

Everything else is generated from here: the pandera models (`pandera_models.py`), the Arrow schemas
written to Parquet, the Frictionless Table Schemas in `datapackage.json` (`publish/descriptor.py`), the
DuckDB DDL with column comments (`ddl.py`) and the README data dictionary (`publish/readme.py`).
Adding a field is one entry in FIELDS and one name in a table's field list.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

# Field types: the logical types of the Table Schema spec, plus "edtf" (an EDTF string whose
# earliest/latest dates are derived into two `date` fields named <field>_earliest/_latest).
TYPES = ("string", "integer", "number", "boolean", "date", "edtf")

RECORD_TYPES = ("actor", "item", "transfer", "sanction", "designation", "event", "link")
SLUG = r"[a-z0-9][a-z0-9._-]*"

ACTOR_TYPES = (
    "state", "government_body", "armed_force", "company", "research_institute", "person",
    "international_org", "armed_group", "collective",
    # h20-sanctions: ships listed by South Korea, the US and the UK for carrying North Korean
    # munitions to Russia (Lady R, Angara, MAIA-1, MARIA; pointers-2024-2026-dprk-russia-sanctions).
    "vessel",
)
ITEM_CATEGORIES = (
    "uav", "loitering_munition", "ballistic_missile", "cruise_missile", "fighter_aircraft",
    "trainer_aircraft", "helicopter", "artillery_ammunition", "ammunition", "air_defence",
    "components", "training", "maintenance", "production_technology", "other",
    # North Korea <-> Russia flows (pointers-2023-2026-dprk-russia): 170mm guns and 240mm rocket
    # launchers, ballistic-missile launchers, anti-tank rockets, tanks, jamming equipment,
    # satellite and launch-vehicle help, refined oil above the UN cap, troops, and workers.
    "artillery", "missile_launcher", "anti_tank_weapon", "armoured_vehicle", "electronic_warfare",
    "space_technology", "fuel", "military_personnel", "labour",
    # h20-belarus: use of a state's territory, airspace and bases by another's forces
    # (Belarus for Russia's launches, troops and weapons: pointers-2022-2026-belarus-china-iran-update).
    "basing",
)
FLOW_TYPES = ("materiel", "training", "maintenance", "personnel", "components", "technology",
              "production",
              # h20-belarus: a state lets another's forces use its territory, airspace or bases, or
              # hosts its troops and weapons (Belarus for Russia); no goods change hands.
              "basing")
TRANSFER_STATUSES = ("requested", "sought", "offered", "agreed", "ordered", "planned",
                     "delivered", "in_use", "cancelled", "refused", "reported")
SANCTION_STATUSES = ("imposed", "proposed", "threatened", "expected", "lifted")
EVENT_TYPES = ("strike", "interception", "meeting", "visit", "phone_call", "statement",
               "speech", "summit", "warning", "briefing", "protest", "death", "other",
               # North Korean troops' fighting in Kursk, a satellite launch, KCNA's ceremonies,
               # and the signature, ratifications and entry into force of the June 2024 treaty.
               "combat", "launch", "ceremony", "treaty",  # also the Russia-Iran treaty (h20-belarus)
               # h20-sanctions: the Security Council vote that Russia vetoed (28 March 2024) and the
               # monitoring reports of the UN Panel of Experts and the MSMT.
               "vote", "report")
EVENT_ROLES = ("attacker", "target", "participant", "host", "visitor", "speaker", "audience",
               "caller", "organiser", "subject")
RELATIONS = ("responds_to", "in_exchange_for", "uses", "enables", "follows", "part_of",
             "linked_to", "produced_by", "accused_in",
             # h20-sanctions: `targets`, a sanction naming a target for which no archived list row
             # gives a reference (a designation needs one); `violates`, a transfer said to breach a
             # UN Security Council resolution (resolutions 1718, 1874, 2270 in the DPRK pointers).
             "targets", "violates")
STANCES = ("asserts", "denies", "confirms", "admits", "neither_confirms_nor_denies",
           "expects", "warns", "condemns", "threatens", "lists",
           # h20-belarus: a hedged statement ("U.S. officials say [the missiles] may also be going
           # to Russia") neither asserts nor denies; it backs no record (not in SUPPORTING_STANCES).
           "suggests")
# Stances that back a record (the views' `supports`, `asserted_by`) and that contest it (`denies`,
# `denied_by`); the others neither back nor contest it.
SUPPORTING_STANCES = ("asserts", "confirms", "admits", "lists")
DENYING_STANCES = ("denies",)
EVIDENCE_TYPES = ("quote", "list_row", "paraphrase")
# Fewest characters other than whitespace that make a text evidence: the source names who says
# what (the shortest curated paraphrase is "TASS said"); a word or two alone proves nothing.
EVIDENCE_MIN_CHARS = 8
# A quote must also hold a phrase, not a word or two lifted from the text: "Iran" or "drones"
# occur in most sources and prove nothing (the shortest curated quote is "smuggled in parts").
QUOTE_MIN_WORDS = 3
SOURCE_TYPES = ("news_article", "official_list", "legal_act", "press_release", "transcript",
                "official_statement", "report")
# `list_rows`: the rows of an official list an import read, each under its file and line
# (flows.build.list_rows); its claims cite a row by locator.
LIST_ROWS = "list_rows"
TEXT_KINDS = ("full_text", "extract", "pointer", LIST_ROWS)
ALIAS_TYPES = ("primary", "primary_variation", "alias", "former_name", "native_script",
               "acronym", "transliteration")
# Each identifying detail of an actor, with the FollowTheMoney property `flows export` gives it.
# un_reference, the UN Security Council's reference of a target that another list cites (the EU
# list's unitedNationId), is a property of Sanction in FollowTheMoney: the export writes it on
# the Sanctions of the actor's designations.
ATTRIBUTE_FTM_PROPERTIES = {
    "birth_date": "birthDate", "place_of_birth": "birthPlace", "nationality": "nationality",
    "citizenship": "citizenship", "gender": "gender", "national_id": "idNumber",
    "passport": "passportNumber", "tax_id": "taxNumber", "registration_number": "registrationNumber",
    "legal_entity_id": "leiCode", "swift_bic": "swiftBic", "website": "website", "email": "email", "phone": "phone",
    "established_date": "incorporationDate", "address": "address", "organization_type": "sector",
    "un_reference": "unscId",
}
# Details that FollowTheMoney models as an entity of their own, held by the actor: the schema,
# the property that takes the value, and the property that names the actor.
ATTRIBUTE_FTM_ENTITIES = {
    "digital_currency_address": ("CryptoWallet", "publicKey", "holder"),
}
ATTRIBUTES = (*ATTRIBUTE_FTM_PROPERTIES, *ATTRIBUTE_FTM_ENTITIES)


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    description: str
    required: bool = False
    enum: tuple[str, ...] | None = None
    pattern: str | None = None
    minimum: int | float | None = None
    unique: bool = False
    # Set on fields the build derives; they are not accepted in curation files.
    derived: bool = False
    # Fewest characters other than whitespace a value holds (Python's str.isspace whitespace).
    min_chars: int | None = None

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise ValueError(f"field {self.name}: unknown type {self.type}")

    @property
    def fewest_chars(self) -> int | None:
        """The least number of characters other than whitespace a value must hold: `min_chars`,
        or 1 for every required string field, so that an empty or whitespace-only string never
        counts as a value. A field with an enum or a pattern needs no such rule: none of its
        enum values or pattern matches is blank (tests/test_schema_definition.py)."""
        if self.min_chars is not None:
            return self.min_chars
        if self.required and self.type == "string" and not (self.enum or self.pattern):
            return 1
        return None


@dataclass(frozen=True)
class Nested:
    """Rows of a child table written inside their parent record in curation files."""

    parent: str  # the parent table
    key: str  # the key under which the child rows are listed in the parent's YAML
    parent_field: str  # the child's column that receives the parent's primary key


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    fields: tuple[str, ...]
    primary_key: tuple[str, ...]
    foreign_keys: dict[str, str] = field(default_factory=dict)  # field -> table
    record_type: str | None = None  # set on tables whose rows are records (need claims)
    nested: Nested | None = None
    # Where the rows come from: "records" (files by kind), "sources" (one file per source),
    # "claims" (inside source files), "nested" or "generated".
    curated_as: str = "records"


def _id(prefix: str) -> str:
    return rf"^{prefix}/{SLUG}$"


def _edtf(name: str, what: str, required: bool = False) -> list[Field]:
    return [
        Field(name, "edtf", f"{what}, as an EDTF string at the precision the source gives.",
              required=required),
        Field(f"{name}_earliest", "date", f"Earliest date {what.lower()} can be (derived from `{name}`).",
              derived=True),
        Field(f"{name}_latest", "date", f"Latest date {what.lower()} can be (derived from `{name}`; "
              "null for an open end).", derived=True),
    ]


def _range(name: str, what: str) -> list[Field]:
    return [
        Field(f"{name}_low", "integer", f"Lowest {what} the sources allow (e.g. 8 for 'at least eight').",
              minimum=0),
        Field(f"{name}_best", "integer", f"Best single figure for {what}, when a source gives one.",
              minimum=0),
        Field(f"{name}_high", "integer", f"Highest {what} the sources allow; null when open-ended.",
              minimum=0),
    ]


_FIELD_LIST: list[Field] = [
    # identifiers
    Field("source_id", "string", "Identifier of a source document (`source/<slug>`).",
          required=True, pattern=_id("source")),
    Field("actor_id", "string", "Identifier of an actor (`actor/<slug>`).", required=True,
          pattern=_id("actor")),
    Field("item_id", "string", "Identifier of an item: a kind of materiel or service (`item/<slug>`).",
          pattern=_id("item")),
    Field("transfer_id", "string", "Identifier of a transfer (`transfer/<slug>`).", required=True,
          pattern=_id("transfer")),
    Field("sanction_id", "string", "Identifier of a sanctioning action (`sanction/<slug>`).",
          pattern=_id("sanction")),
    Field("designation_id", "string", "Identifier of a designation (`designation/<slug>`).",
          required=True, pattern=_id("designation")),
    Field("event_id", "string", "Identifier of an event (`event/<slug>`).", required=True,
          pattern=_id("event")),
    Field("link_id", "string", "Identifier of a link between two records (`link/<slug>`).",
          required=True, pattern=_id("link")),
    Field("claim_id", "string", "Identifier of a claim (`claim/<source slug>/<slug>`).",
          required=True, pattern=rf"^claim/{SLUG}/{SLUG}$"),
    Field("record_id", "string", "Identifier of a record in any record table.", required=True,
          pattern=rf"^({'|'.join(RECORD_TYPES)})/{SLUG}$"),
    Field("record_type", "string", "Kind of record: the table it lives in, singular.",
          required=True, enum=RECORD_TYPES),
    # sources
    Field("title", "string", "Title of the document or action as published.", required=True),
    Field("publisher", "string", "Who published the document.", required=True),
    Field("source_type", "string", "Kind of document.", required=True, enum=SOURCE_TYPES),
    *_edtf("published", "Publication date"),
    Field("date_basis", "string", "How a date was established when the source does not state it "
          "outright (e.g. a weekday resolved against the source's date)."),
    # Whitespace spelled out: Python's \s takes the vertical tab, RE2's (DuckDB, flows check) does not.
    Field("url", "string", "Web address of the document.", pattern=r"^https?://[^\t\n\v\f\r ]+$"),
    Field("text_path", "string", "Archived text of the document: `texts/<file>` under `data/raw/`, "
          "or `shared/<file>` in the shared source archive beside the project.", required=True,
          pattern=r"^(texts|shared)/[A-Za-z0-9][A-Za-z0-9._-]*\.txt$"),
    Field("text_kind", "string", "What the archived text is: the full text, an extract, a pointer "
          "file that holds only a paraphrase of the document, or the rows of an official list an import "
          "read (`list_rows`: each claim names its rows, file and line, and quotes pieces of them, or "
          "has those rows as its evidence).",
          required=True, enum=TEXT_KINDS),
    Field("text_sha256", "string", "SHA-256 of the archived text when the build read it; null when "
          "the text was not available.", pattern=r"^[0-9a-f]{64}$", derived=True),
    Field("licence", "string", "Terms under which the document may be reused.", required=True),
    Field("accessed", "date", "When the document was read for this dataset."),
    # actors
    Field("name", "string", "Name, as the sources give it.", required=True),
    Field("actor_type", "string", "Kind of actor.", required=True, enum=ACTOR_TYPES),
    Field("country_code", "string", "ISO 3166-1 alpha-2 code of the actor's or place's country.",
          pattern=r"^[A-Z]{2}$"),
    Field("parent_actor_id", "string", "Body the actor belongs to or serves (an `actor/` id).",
          pattern=_id("actor")),
    Field("position", "string", "Position or role, as the sources give it."),
    Field("description", "string", "Short curator's description, resting on the record's claims."),
    Field("alias", "string", "A name variant.", required=True),
    Field("alias_type", "string", "Kind of name variant.", required=True, enum=ALIAS_TYPES),
    Field("language", "string", "ISO 639-1 code of the name's language, when known.",
          pattern=r"^[a-z]{2}$"),
    Field("attribute", "string", "Which identifying detail.", required=True, enum=ATTRIBUTES),
    Field("value", "string", "The detail's value, as the source gives it.", required=True),
    # items
    Field("category", "string", "Kind of materiel or service.", required=True, enum=ITEM_CATEGORIES),
    # transfers
    Field("supplier_id", "string", "Actor that supplies (an `actor/` id).", required=True,
          pattern=_id("actor")),
    Field("recipient_id", "string", "Actor that receives (an `actor/` id).", required=True,
          pattern=_id("actor")),
    Field("flow_type", "string", "What flows.", required=True, enum=FLOW_TYPES),
    Field("status", "string", "Where the flow stands, as the sources tell it at the time.",
          required=True),
    *_range("quantity", "quantity"),
    Field("quantity_unit", "string", "Unit of the quantity (e.g. `units`, `batches`)."),
    *_edtf("period", "When the flow took or takes place"),
    Field("location", "string", "Where it happens, as the sources name the place."),
    Field("end_use", "string", "What the recipient uses it for, as the sources say."),
    Field("intermediary_id", "string", "Actor through which the flow passes (an `actor/` id).",
          pattern=_id("actor")),
    # sanctions and designations
    Field("authority_id", "string", "Sanctioning authority (an `actor/` id).", required=True,
          pattern=_id("actor")),
    *_edtf("announced", "Date the action was announced"),
    *_edtf("effective", "Date the action took effect"),
    Field("legal_act", "string", "Instrument or legal act (e.g. `Council Regulation (EU) 2023/1529`)."),
    Field("program", "string", "Sanctions programme or regime."),
    Field("target_country_code", "string", "ISO 3166-1 alpha-2 code of the state the action targets.",
          pattern=r"^[A-Z]{2}$"),
    Field("reason", "string", "Why the action was taken, as the sources give it."),
    Field("measures", "string", "What the action does (asset freeze, travel ban, export licence ...)."),
    Field("target_actor_id", "string", "Listed target (an `actor/` id).", required=True,
          pattern=_id("actor")),
    Field("list_reference", "string", "Official reference on the list (OFAC ent_num, UK unique ID, "
          "EU logical id).", required=True),
    Field("program_tags", "string", "Programme tags of the listing, separated by `; ` "
          "(e.g. `NPWMD; IFSR`).", pattern=r"^[A-Z0-9-]+(; [A-Z0-9-]+)*$"),
    *_edtf("listed", "Date the target was listed"),
    *_edtf("delisted", "Date the target was delisted"),
    # events
    Field("event_type", "string", "Kind of event.", required=True, enum=EVENT_TYPES),
    *_edtf("date", "Date of the event", required=True),
    *_range("fatalities", "number of people killed"),
    Field("role", "string", "The actor's part in the event.", required=True, enum=EVENT_ROLES),
    # links
    Field("from_record_id", "string", "Record the relation starts from.", required=True,
          pattern=rf"^({'|'.join(RECORD_TYPES)})/{SLUG}$"),
    Field("relation", "string", "How the first record relates to the second.", required=True,
          enum=RELATIONS),
    Field("to_record_id", "string", "Record the relation points to.", required=True,
          pattern=rf"^({'|'.join(RECORD_TYPES)})/{SLUG}$"),
    # claims
    Field("field", "string", "The record's field the claim is about; null when it is about the "
          "record as a whole."),
    Field("claimed_value", "string", "The value the claimant gives for `field`, when it differs "
          "between claims (e.g. a death toll)."),
    Field("claimant_id", "string", "Who makes the claim (an `actor/` id).", required=True,
          pattern=_id("actor")),
    Field("stance", "string", "What the claimant does with the statement.", required=True,
          enum=STANCES),
    Field("evidence_type", "string", "`quote`: verbatim text of the source, "
          f"at least {QUOTE_MIN_WORDS} words; `list_row`: a row of an "
          "official list, verbatim; `paraphrase`: a paraphrase, verbatim from the pointer file that "
          "archives it.", required=True, enum=EVIDENCE_TYPES),
    Field("evidence_text", "string", "The evidence, verbatim as it stands in the source's archived "
          "text (whitespace normalised); for a claim on an official list's rows that quotes none, the "
          "rows its locator names, whole, joined by ` … `.", required=True, min_chars=EVIDENCE_MIN_CHARS),
    Field("locator", "string", "Where in the source the evidence stands (paragraph, row, section)."),
    *_edtf("claimed", "Date the claim was made"),
    # records registry
    Field("label", "string", "Human-readable label of the record.", required=True),
    Field("curated_in", "string", "Curation file the record comes from, relative to `data/raw/`.",
          required=True, derived=True),
]
FIELDS: dict[str, Field] = {f.name: f for f in _FIELD_LIST}
assert len(FIELDS) == len(_FIELD_LIST), "a field is defined twice"


def _with_edtf(*names: str) -> tuple[str, ...]:
    """Expand each EDTF field into itself and its two derived bounds."""
    out: list[str] = []
    for n in names:
        out.append(n)
        if FIELDS[n].type == "edtf":
            out += [f"{n}_earliest", f"{n}_latest"]
    return tuple(out)


def _ranged(name: str) -> tuple[str, ...]:
    return (f"{name}_low", f"{name}_best", f"{name}_high")


_TABLE_LIST = [
    Table("sources", "One source document: an article, an official list, a legal act or a "
          "statement, with where its text is archived.",
          _with_edtf("source_id", "title", "publisher", "source_type", "published", "date_basis",
                     "url", "text_path", "text_kind", "text_sha256", "licence", "accessed"),
          ("source_id",), curated_as="sources"),
    Table("actors", "A state, body, armed force, company, person, or a collective claimant "
          "(\"U.S. officials\", \"analysts\").",
          ("actor_id", "name", "actor_type", "country_code", "parent_actor_id", "position",
           "description"),
          ("actor_id",), {"parent_actor_id": "actors"}, record_type="actor"),
    Table("actor_aliases", "One name variant of an actor, from one source.",
          ("actor_id", "alias", "alias_type", "language", "source_id"),
          ("actor_id", "alias", "source_id"), {"actor_id": "actors", "source_id": "sources"},
          nested=Nested("actors", "aliases", "actor_id"), curated_as="nested"),
    Table("actor_attributes", "One identifying detail of an actor (birth date, nationality, "
          "identity number, address ...), from one source: one row per value, as in the "
          "statements model of OpenSanctions.",
          ("actor_id", "attribute", "value", "source_id"),
          ("actor_id", "attribute", "value", "source_id"),
          {"actor_id": "actors", "source_id": "sources"},
          nested=Nested("actors", "attributes", "actor_id"), curated_as="nested"),
    Table("items", "A kind of materiel or service that flows.",
          ("item_id", "name", "category", "description"), ("item_id",), record_type="item"),
    Table("item_aliases", "Another designation of an item (e.g. Geran-2 for Shahed-136).",
          ("item_id", "alias", "alias_type", "language", "source_id"),
          ("item_id", "alias", "source_id"), {"item_id": "items", "source_id": "sources"},
          nested=Nested("items", "aliases", "item_id"), curated_as="nested"),
    Table("transfers", "A flow of an item (materiel, training, maintenance, personnel, parts) "
          "from a supplier to a recipient, at any stage from request to use.",
          _with_edtf("transfer_id", "supplier_id", "recipient_id", "item_id", "flow_type",
                     "status", *_ranged("quantity"), "quantity_unit", "period", "date_basis",
                     "location", "end_use", "intermediary_id", "description"),
          ("transfer_id",),
          {"supplier_id": "actors", "recipient_id": "actors", "item_id": "items",
           "intermediary_id": "actors"},
          record_type="transfer"),
    Table("sanctions", "One sanctioning action (a package, decision, order or rule), imposed, "
          "proposed, threatened or expected.",
          _with_edtf("sanction_id", "title", "authority_id", "status", "announced", "effective",
                     "date_basis", "legal_act", "program", "target_country_code", "reason",
                     "measures"),
          ("sanction_id",), {"authority_id": "actors"}, record_type="sanction"),
    Table("designations", "One target listed by one sanctioning authority, with its reference "
          "on the official list.",
          _with_edtf("designation_id", "sanction_id", "authority_id", "target_actor_id",
                     "list_reference", "program_tags", "listed", "delisted"),
          ("designation_id",),
          {"sanction_id": "sanctions", "authority_id": "actors", "target_actor_id": "actors"},
          record_type="designation"),
    Table("events", "A dated happening: a strike, meeting, visit, call, statement, summit, "
          "warning or protest.",
          _with_edtf("event_id", "event_type", "title", "date", "date_basis", "location",
                     "country_code", *_ranged("fatalities"), "item_id", "description"),
          ("event_id",), {"item_id": "items"}, record_type="event"),
    Table("event_actors", "An actor's part in an event.",
          ("event_id", "actor_id", "role"), ("event_id", "actor_id", "role"),
          {"event_id": "events", "actor_id": "actors"},
          nested=Nested("events", "actors", "event_id"), curated_as="nested"),
    Table("links", "A relation between two records: a sanction that responds to a transfer, "
          "a request made in exchange for help, an actor linked to another on a list.",
          ("link_id", "from_record_id", "relation", "to_record_id", "description"),
          ("link_id",), {"from_record_id": "records", "to_record_id": "records"},
          record_type="link"),
    Table("claims", "One party's statement about one record (or one field of it), in one source, "
          "with its stance and the verbatim evidence.",
          _with_edtf("claim_id", "record_id", "field", "claimed_value", "claimant_id", "stance",
                     "source_id", "evidence_type", "evidence_text", "locator", "claimed",
                     "date_basis"),
          ("claim_id",),
          {"record_id": "records", "claimant_id": "actors", "source_id": "sources"},
          curated_as="claims"),
    Table("records", "Every record of every record table, so that claims and links can point to "
          "any of them with a real foreign key. Generated by the build.",
          ("record_id", "record_type", "label", "curated_in"), ("record_id",),
          curated_as="generated"),
]
TABLES: dict[str, Table] = {t.name: t for t in _TABLE_LIST}

# Enumerations that differ by table although the field name is shared.
TABLE_ENUMS: dict[tuple[str, str], tuple[str, ...]] = {
    ("transfers", "status"): TRANSFER_STATUSES,
    ("sanctions", "status"): SANCTION_STATUSES,
}

# Which record table holds each record type, and its id field.
RECORD_TABLES: dict[str, Table] = {t.record_type: t for t in _TABLE_LIST if t.record_type}

# How the records registry labels each record type.
LABEL_FIELDS: dict[str, str] = {
    "actor": "name", "item": "name", "transfer": "description", "sanction": "title",
    "designation": "list_reference", "event": "title", "link": "relation",
}


def table_field(table: Table, name: str) -> Field:
    """A table's view of a field: the shared definition, with any table-specific enum."""
    f = FIELDS[name]
    enum = TABLE_ENUMS.get((table.name, name))
    return f if enum is None else replace(f, enum=enum)


def table_fields(table: Table) -> list[Field]:
    fields = [table_field(table, n) for n in table.fields]
    # A primary key field is required, whatever its shared definition says.
    return [replace(f, required=True) if f.name in table.primary_key and not f.required else f
            for f in fields]


def curated_fields(table: Table) -> list[Field]:
    """Fields a curator writes for this table (derived fields and the nesting key excluded)."""
    skip = {table.nested.parent_field} if table.nested else set()
    if table.curated_as == "claims":
        skip |= {"source_id", "claim_id"}  # both come from the source file
    return [f for f in table_fields(table) if not f.derived and f.name not in skip]


def storage_type(f: Field) -> str:
    """The type a field is stored as (EDTF strings are strings)."""
    return "string" if f.type == "edtf" else f.type
