"""flows.errors, typed problems: each with a stable code (documented in docs/problems.md), its
parts named, and `flows build --format json` / `flows check --format json` reporting them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import ROOT, run_cli
from flows.errors import CODES, GENERIC, Problem, codes_markdown
from flows.schema import definition as schema
from flows.schema.constraints import REQUIRED, field_constraints
from flows.schema.definition import FIELDS


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
    report = json.loads(stdout)
    assert report["problems"] == [] and report["summary"]["passed"] is True
    assert report["summary"]["problems"] == 0 and report["summary"]["by_code"] == {}
    # warnings (conflicting values) never fail the check; each has its code and is counted
    assert {w["code"] for w in report.get("warnings", [])} <= {"conflicting_values"}
    assert report["summary"].get("warnings", 0) == len(report.get("warnings", []))


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


PUBLISHER_MODULES = ("publish/release.py", "publish/lock.py")
PUBLISHER_PREFIXES = ("journal_", "recovery_", "storage_", "publish_", "lock_")


def test_the_publisher_raises_its_documented_codes_and_no_other():
    """Each refusal of flows.publish.release and flows.publish.lock names a code of CODES
    (checked here in the source: a refusal nobody provokes would only fail when raised), and each
    code of the publisher is raised somewhere."""
    import ast

    import flows

    raised = set()
    for rel in PUBLISHER_MODULES:
        tree = ast.parse((Path(flows.__file__).parent / rel).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            name = getattr(node, "func", None)
            name = getattr(name, "attr", None) or getattr(name, "id", None)
            if isinstance(node, ast.Call) and name in ("of_path", "refuse"):
                raised |= {a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)
                           and a.value.startswith(PUBLISHER_PREFIXES)}
    assert raised <= set(CODES), raised - set(CODES)
    assert raised == {code for code in CODES if code.startswith(PUBLISHER_PREFIXES)}
