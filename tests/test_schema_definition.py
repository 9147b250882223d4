"""Metadata tests: the one schema definition is complete and consistent."""

import re

import pytest

from flows.schema.definition import (FIELDS, LABEL_FIELDS, RECORD_TABLES, TABLE_ENUMS, TABLES, curated_fields,
                          table_fields)

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
