"""Typed problems and the schema's semantics defined once (issue 17): stable problem codes,
`--format json`, one definition of each constraint, stance, attribute property and macro."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from conftest import ROOT, run_cli
from flows.schema import ddl
from flows.schema import definition as schema
from flows.schema.constraints import REQUIRED, FewestChars, field_constraints
from flows.errors import CODES, GENERIC, Problem, codes_markdown
from flows.schema.definition import FIELDS, TABLES, table_fields


# --- Problem -----------------------------------------------------------------------------------

def test_a_problem_line_is_as_before_and_its_parts_are_named():
    built = Problem("data/raw/actors/states.yaml:12", "actor_type", "'x' is not one of: a", "enum")
    assert str(built) == "data/raw/actors/states.yaml:12: actor_type: 'x' is not one of: a"
    assert built.as_dict() == {"code": "enum", "file": "data/raw/actors/states.yaml", "line": 12,
                               "table": None, "key": None, "field": "actor_type",
                               "message": "'x' is not one of: a"}
    published = Problem("data/processed/claims.parquet [claim/a/b]", None, "gone")
    assert str(published) == "data/processed/claims.parquet [claim/a/b]: gone"
    assert (published.code, published.file, published.line, published.table, published.key) == \
        ("problem", "data/processed/claims.parquet", None, "claims", "claim/a/b")


def test_an_unknown_code_is_refused():
    with pytest.raises(ValueError, match="unknown problem code 'nope'"):
        Problem("x", None, "y", "nope")


def test_the_codes_are_documented():
    assert (ROOT / "docs" / "problems.md").read_text(encoding="utf-8") == codes_markdown()


def test_every_rule_and_constraint_has_a_documented_code():
    from flows.rules.validate import RULES

    assert {r.code for r in RULES} <= set(CODES) - {GENERIC}
    constraints = {type(c) for f in FIELDS.values() for c in field_constraints(f)} | {type(REQUIRED)}
    assert {c.code for c in constraints} <= set(CODES)


def test_check_stops_on_a_stop_code_whatever_its_message(project: Path, monkeypatch: pytest.MonkeyPatch):
    """check.py reads no further after a missing, altered or unreadable file: decided by the
    problem's code, so a reworded message changes nothing."""
    import flows.rules.check

    gone = Problem("data/processed/claims.parquet", None, "taken out of the release", "file_missing")
    monkeypatch.setattr(flows.rules.check, "_file_problems", lambda root, package: ([gone], {}))
    problems, _ = flows.rules.check.check(project, ROOT)
    assert problems == [gone]


# --- --format json -----------------------------------------------------------------------------

def test_check_json_reports_every_part_and_a_summary(project: Path):
    path = project / "data/processed/claims.parquet"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    code, stdout, _ = run_cli("check", "--root", str(project), "--texts-root", str(ROOT), "--format", "json")
    assert code == 1
    report = json.loads(stdout)
    changed = [p for p in report["problems"] if p["code"] == "file_changed"]
    assert [(p["file"], p["table"], p["line"], p["key"], p["field"]) for p in changed] == \
        [("data/processed/claims.parquet", "claims", None, None, None)]
    assert changed[0]["message"].startswith("sha256 differs from datapackage.json")
    assert report["summary"]["command"] == "check" and report["summary"]["passed"] is False
    assert report["summary"]["problems"] == len(report["problems"])
    assert sum(report["summary"]["by_code"].values()) == len(report["problems"])


def test_check_json_of_a_sound_package_passes(built: Path):
    code, stdout, _ = run_cli("check", "--root", str(built), "--texts-root", str(ROOT), "--format", "json")
    assert code == 0
    assert json.loads(stdout) == {"problems": [], "summary": {"command": "check", "passed": True,
                                                              "problems": 0, "by_code": {}}}


def test_check_json_refused_with_against_list(built: Path):
    code, _, stderr = run_cli("check", "--root", str(built), "--against-list", str(built), "--format", "json")
    assert code == 1 and "--format json is not available with --against-list" in stderr


def test_build_json_names_code_file_line_and_table(project: Path):
    states = project / "data/raw/actors/states.yaml"
    lines = states.read_text(encoding="utf-8").splitlines(keepends=True)
    row = next(i for i, line in enumerate(lines) if line.strip().startswith("actor_type:"))
    lines[row] = lines[row].split("actor_type:")[0] + "actor_type: empire\n"
    states.write_text("".join(lines), encoding="utf-8")
    code, stdout, stderr = run_cli("build", "--root", str(project), "--out", str(project), "--format", "json")
    assert code == 1, stderr
    report = json.loads(stdout)
    assert report["summary"] == {"command": "build", "passed": False, "published": None,
                                 "problems": 1, "by_code": {"enum": 1}}
    [problem] = report["problems"]
    assert problem == {"code": "enum", "file": "data/raw/actors/states.yaml", "line": row + 1,
                       "table": "actors", "key": None, "field": "actor_type",
                       "message": f"'empire' is not one of: {', '.join(schema.ACTOR_TYPES)}"}


# --- constraints: one definition, two runners -----------------------------------------------

def test_check_and_build_give_each_field_problem_the_constraints_code(project: Path):
    """A published value that breaks a constraint is reported by `flows check` under that
    constraint's code (the build's side: test_build_json_names_code_file_line_and_table)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = project / "data/processed/claims.parquet"
    claims = pq.read_table(path)
    texts = claims["evidence_text"].to_pylist()
    texts[0] = " ab "
    claims = claims.set_column(claims.schema.get_field_index("evidence_text"), "evidence_text",
                               pa.array(texts, pa.string()))
    pq.write_table(claims, path)
    from flows.rules.validate import published_problems

    found = published_problems(ROOT, project / "data/processed")
    too_short = FewestChars(schema.EVIDENCE_MIN_CHARS)
    assert [(p.code, p.table, p.field, p.message) for p in found] == \
        [("too_short", "claims", "evidence_text", too_short.message(" ab "))]
    assert found[0].key == claims["claim_id"][0].as_py()


# --- semantics in the schema ---------------------------------------------------------------------

def test_support_and_denial_stances_are_stances_and_views_sql_takes_them_from_the_schema():
    assert set(schema.SUPPORTING_STANCES) <= set(schema.STANCES)
    assert set(schema.DENYING_STANCES) <= set(schema.STANCES)
    assert not set(schema.SUPPORTING_STANCES) & set(schema.DENYING_STANCES)
    template = (ROOT / "src/flows/views/sql/views.sql").read_text(encoding="utf-8")
    assert not any(f"'{s}'" in template for s in schema.STANCES), "a stance written by hand"
    views = ddl.question_views_sql()
    assert f"{ddl.stance_condition('c.stance', schema.SUPPORTING_STANCES)} AS supports" in views
    assert f"{ddl.stance_condition('c.stance', schema.DENYING_STANCES)} AS denies" in views
    assert "{{" not in views


def test_the_views_count_support_as_the_schema_says(built: Path):
    import duckdb

    con = duckdb.connect()
    for name in TABLES:
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM "
                    f"read_parquet('{built / 'data/processed' / f'{name}.parquet'}')")
    con.execute(ddl.question_views_sql())
    rows = con.execute("SELECT DISTINCT stance, supports, denies FROM claim_details").fetchall()
    assert rows
    for stance, supports, denies in rows:
        assert supports == (stance in schema.SUPPORTING_STANCES)
        assert denies == (stance in schema.DENYING_STANCES)


def test_an_unknown_generated_part_of_views_sql_is_refused(monkeypatch: pytest.MonkeyPatch):
    import re

    with pytest.raises(ValueError, match="unknown generated part"):
        ddl._generated_part(re.match(ddl._GENERATED_PART, "{{contests c.stance}}"))


def test_known_as_of_is_written_once():
    from flows.publish.release import MATERIALISED_MACROS

    assert ddl.known_as_of_macro(ordered=True) in ddl.question_views_sql()
    assert MATERIALISED_MACROS == ddl.known_as_of_macro(ordered=False)
    assert "ORDER BY" not in MATERIALISED_MACROS


def test_every_attribute_has_a_followthemoney_property():
    """A new attribute needs its FollowTheMoney property, and a real one: else `flows export`
    would have nothing to write it as."""
    from followthemoney import model

    from flows.outputs.export import ACTOR_SCHEMATA

    assert FIELDS["attribute"].enum == schema.ATTRIBUTES == tuple(schema.ATTRIBUTE_FTM_PROPERTIES)
    properties = {p for name in set(ACTOR_SCHEMATA.values()) for p in model.get(name).properties}
    for attribute, prop in schema.ATTRIBUTE_FTM_PROPERTIES.items():
        assert prop in properties, (attribute, prop)


def test_the_importer_writes_the_schemas_alias_kinds():
    from flows.importers.write import _ALIAS_KINDS

    assert _ALIAS_KINDS == set(schema.ALIAS_TYPES)


def test_synth_draws_from_the_schemas_enumerations():
    sys.path.insert(0, str(ROOT / "scripts"))
    import synth

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


# --- the loader's problems carry their own codes ------------------------------------------------

# One fault of the fault corpus per code the loader gives (tests/test_faults.py).
LOADER_CODES = {
    "octal number": "yaml_form", "alias bomb": "yaml_form", "merge key with a mapping": "yaml_form",
    "text in Latin-1": "not_utf8", "empty required text": "required", "unknown key in source": "unknown_field",
    "unknown folder": "stray_entry",
    "impossible date": "yaml_form",
}


@pytest.mark.parametrize("name", sorted(LOADER_CODES))
def test_a_curation_fault_carries_its_code(project: Path, name: str):
    from test_faults import FAULT_TEXT, FAULTS

    fault = next(f for f in FAULTS if f.name == name)
    raw = project / "data" / "raw"
    (raw / "texts" / "zz-fault.txt").write_text(FAULT_TEXT, encoding="utf-8")
    for rel, content in fault.files.items():
        (raw / rel).parent.mkdir(parents=True, exist_ok=True)
        (raw / rel).write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    code, stdout, _ = run_cli("build", "--root", str(project), "--no-duckdb", "--format", "json")
    assert code == 1
    problems = json.loads(stdout)["problems"]
    assert [p["code"] for p in problems] == [LOADER_CODES[name]], problems
    assert problems[0]["file"] == fault.where.split(":")[0]
