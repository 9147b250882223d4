"""flows.schema.definition, the one schema: complete and consistent (metadata tests), and every
mapping it holds (enumerations, attribute → FollowTheMoney property, alias kinds) used by the
code that reads it."""

import re

import pyarrow.parquet as pq
import pytest

from conftest import ROOT
from flows.schema import definition as schema
from flows.schema.definition import (EVIDENCE_MIN_CHARS, FIELDS, LABEL_FIELDS, RECORD_TABLES, TABLE_ENUMS, TABLES,
                                     curated_fields, table_fields)

USED = {name for t in TABLES.values() for name in t.fields}


@pytest.mark.parametrize("name", sorted(FIELDS))
def test_every_defined_field_is_used(name):
    assert name in USED


@pytest.mark.parametrize("table", sorted(TABLES))
def test_every_used_field_is_defined_and_keys_are_fields(table):
    t = TABLES[table]
    assert set(t.fields) <= set(FIELDS)
    assert len(set(t.fields)) == len(t.fields)
    assert set(t.primary_key) <= set(t.fields)
    for field, target in t.foreign_keys.items():
        assert field in t.fields and target in TABLES
        assert len(TABLES[target].primary_key) == 1


@pytest.mark.parametrize("table", sorted(TABLES))
def test_foreign_key_patterns_name_the_target_type(table):
    """An actor reference must look like an actor id, and so on. `flows check` relies on it: a
    foreign key's pattern is tested only on the values not found in its target (_fk_rules)."""
    for field, target in TABLES[table].foreign_keys.items():
        pattern = FIELDS[field].pattern
        target_pk = FIELDS[TABLES[target].primary_key[0]].pattern
        assert pattern == target_pk, (field, target)


@pytest.mark.parametrize("table", sorted(TABLES))
def test_edtf_fields_come_with_their_bounds(table):
    names = TABLES[table].fields
    for f in table_fields(TABLES[table]):
        if f.type == "edtf":
            assert f"{f.name}_earliest" in names and f"{f.name}_latest" in names
        if f.name.endswith(("_earliest", "_latest")):
            assert f.derived and f.type == "date"


def test_record_tables_have_labels_and_typed_ids():
    assert set(RECORD_TABLES) == set(LABEL_FIELDS)
    for rtype, table in RECORD_TABLES.items():
        assert LABEL_FIELDS[rtype] in table.fields
        assert re.match(FIELDS[table.primary_key[0]].pattern, f"{rtype}/example-1")


def test_table_enums_refer_to_real_fields():
    for (table, field), values in TABLE_ENUMS.items():
        assert field in TABLES[table].fields and values


def test_status_enums_differ_by_table():
    statuses = {t: next(f.enum for f in table_fields(TABLES[t]) if f.name == "status")
                for t in ("transfers", "sanctions")}
    assert "delivered" in statuses["transfers"] and "delivered" not in statuses["sanctions"]
    assert "imposed" in statuses["sanctions"]


def test_curators_never_write_derived_fields():
    for t in TABLES.values():
        assert not any(f.derived for f in curated_fields(t))


BLANKS = ["", " ", "\t", "\n", "\u00a0", "\u2003", " \n "]


def test_no_enum_or_pattern_admits_a_blank_value():
    """Required string fields with an enum or a pattern carry no separate non-blank rule
    (schema.Field.fewest_chars): their enum values and patterns must refuse blanks themselves."""
    for table in TABLES.values():
        for f in table_fields(table):
            for blank in BLANKS:
                assert not (f.enum and blank in f.enum), (f.name, blank)
                assert not (f.pattern and re.fullmatch(f.pattern, blank, re.ASCII)), (f.name, blank)
            if f.required and f.type == "string":
                assert f.enum or f.pattern or f.fewest_chars, f.name


def test_real_evidence_meets_the_minimum():
    claims = pq.read_table(ROOT / "data/processed/claims.parquet", columns=["evidence_text"])
    shortest = min(len("".join(t.split())) for t in claims["evidence_text"].to_pylist())
    assert shortest >= EVIDENCE_MIN_CHARS


def test_every_attribute_has_a_followthemoney_property():
    """A new attribute needs its FollowTheMoney property, and a real one: else `flows export`
    would have nothing to write it as (a property of Sanction goes on the actor's Sanctions)."""
    from followthemoney import model

    from flows.outputs.ftm import ACTOR_SCHEMATA

    assert FIELDS["attribute"].enum == schema.ATTRIBUTES == \
        (*schema.ATTRIBUTE_FTM_PROPERTIES, *schema.ATTRIBUTE_FTM_ENTITIES)
    assert not set(schema.ATTRIBUTE_FTM_PROPERTIES) & set(schema.ATTRIBUTE_FTM_ENTITIES)
    properties = {p for name in {*ACTOR_SCHEMATA.values(), "Sanction"} for p in model.get(name).properties}
    for attribute, prop in schema.ATTRIBUTE_FTM_PROPERTIES.items():
        assert prop in properties, (attribute, prop)
    for attribute, (name, prop, holder) in schema.ATTRIBUTE_FTM_ENTITIES.items():
        entity = model.get(name)
        assert entity is not None and not entity.abstract, (attribute, name)
        assert prop in entity.properties and holder in entity.properties, (attribute, name)
        # the actors that are legal entities can hold it (the export leaves it out, counted, on a Vessel)
        holders = {s for s in ACTOR_SCHEMATA.values() if model.get(s).is_a("LegalEntity")}
        assert holders and all(model.get(s).is_a(entity.properties[holder].range) for s in holders)


def test_the_importer_writes_the_schemas_alias_kinds():
    from flows.importers.write import _ALIAS_KINDS

    assert _ALIAS_KINDS == set(schema.ALIAS_TYPES)
