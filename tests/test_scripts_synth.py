"""scripts/synth.py, the synthetic generator: deterministic, drawing from the schema's
enumerations, and its sets build and check clean."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

import synth
from conftest import run_cli
from flows.schema import definition as schema
from flows.schema.definition import FIELDS, TABLES, table_fields
from synth import generate


def _digest(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted((root / "data" / "raw").rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(root)).encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


def test_same_seed_same_files_other_seed_other_files(tmp_path: Path):
    generate(600, tmp_path / "a", seed=3)
    generate(600, tmp_path / "b", seed=3)
    generate(600, tmp_path / "c", seed=4)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    assert _digest(tmp_path / "a") != _digest(tmp_path / "c")


def test_a_small_set_builds_and_checks_clean(tmp_path: Path):
    counts = generate(1500, tmp_path)
    code, _, stderr = run_cli("build", "--root", str(tmp_path), "--out", str(tmp_path))
    assert code == 0, stderr
    code, _, stderr = run_cli("check", "--root", str(tmp_path))
    assert code == 0 and "check passed" in stderr, stderr
    rows = {r["name"]: r["rows"] for r in json.loads((tmp_path / "datapackage.json").read_text())["resources"]}
    assert rows["claims"] == counts["claims"] == 1500
    assert rows["records"] == sum(counts[k] for k in ("actors", "items", "transfers", "sanctions",
                                                       "designations", "events", "links"))
    for table in ("actor_aliases", "actor_attributes", "item_aliases", "event_actors"):
        assert rows[table] > 0, table


def test_synth_draws_from_the_schemas_enumerations():
    drawn = {"ACTOR_TYPES": ("actor_type", {"state"}), "ITEM_CATEGORIES": ("category", set()),
             "FLOW_TYPES": ("flow_type", set()), "EVENT_TYPES": ("event_type", set()),
             "EVENT_ROLES": ("role", set()), "RELATIONS": ("relation", set()),
             "STANCES": ("stance", {"lists"}), "ALIAS_TYPES": ("alias_type", {"primary"}),
             "ATTRIBUTES": ("attribute", set())}
    for name, (field, left_out) in drawn.items():
        assert set(getattr(synth, name)) == set(FIELDS[field].enum) - left_out, name
    statuses = {t: next(f.enum for f in table_fields(TABLES[t]) if f.name == "status")
                for t in ("transfers", "sanctions")}
    assert set(synth.TRANSFER_STATUSES) == set(statuses["transfers"])
    assert set(synth.SANCTION_STATUSES) == set(statuses["sanctions"])
    assert {k[0] for k in synth.SOURCE_KINDS} == set(schema.SOURCE_TYPES)
    with pytest.raises(ValueError, match="not in the schema"):
        synth.weighted(schema.STANCES, {"rumours": 2})
