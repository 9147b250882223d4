"""Issue 16, rules: the build and `flows check` enforce one rule set, and `flows check` covers
every published byte (datapackage.json, the README's generated sections, flows.duckdb).

Agreement: for each kind of constraint the same bad value is planted twice, once in a curation
file (the build must refuse it) and once in a published Parquet file re-hashed into
datapackage.json (the check must refuse it).
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import ROOT, copy_project, run_cli
from flows.publish.release import sha256_file
from flows.schema.definition import EVIDENCE_MIN_CHARS, FIELDS, TABLES, table_fields
from test_faults import ACTOR, CLAIM, FAULT_TEXT, SOURCE, TRANSFER, source_with

PROCESSED = "data/processed"


@pytest.fixture(scope="session")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project built once (without flows.duckdb); tests break copies of it."""
    import os

    from conftest import SHARED_SOURCES
    from flows.build.pipeline import build

    os.environ.setdefault("FLOWS_SHARED_SOURCES", str(SHARED_SOURCES))
    root = copy_project(tmp_path_factory.mktemp("rules-base"))
    (root / "data/raw/texts/zz-fault.txt").write_text(FAULT_TEXT, encoding="utf-8")
    build(root, with_duckdb=False)
    return root


@pytest.fixture
def package(base: Path, tmp_path: Path) -> Path:
    """A throw-away copy of the built project."""
    shutil.copytree(base, tmp_path / "p")
    return tmp_path / "p"


# --- planting a value in a published package ------------------------------------------------

def rewrite_table(root: Path, table: str, change: Callable[[list[dict]], list[dict]]) -> None:
    """Rewrite one published table's rows (each a dict), then re-hash it (and its row count)
    into datapackage.json, as an attacker who knows the format would."""
    path = root / PROCESSED / f"{table}.parquet"
    arrow = pq.read_table(path)
    rows = change(arrow.to_pylist())
    # nullable fields: a planted null in a required column must reach the file
    schema = pa.schema([f.with_nullable(True) for f in arrow.schema])
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)
    descriptor_path = root / "datapackage.json"
    package = json.loads(descriptor_path.read_text(encoding="utf-8"))
    for res in package["resources"]:
        if res["name"] == table:
            res["hash"] = f"sha256:{sha256_file(path)}"
            res["rows"] = len(rows)
    descriptor_path.write_text(json.dumps(package, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def set_cells(root: Path, table: str, key: str, **values: Any) -> None:
    pk = TABLES[table].primary_key[0]

    def change(rows: list[dict]) -> list[dict]:
        hit = [r for r in rows if r[pk] == key]
        assert hit, f"no row {key} in {table}"
        hit[0].update(values)
        return rows
    rewrite_table(root, table, change)


def duplicate_row(root: Path, table: str, key: str) -> None:
    pk = TABLES[table].primary_key[0]
    rewrite_table(root, table, lambda rows: rows + [r for r in rows if r[pk] == key][:1])


def check_lines(root: Path) -> tuple[int, list[str]]:
    code, _, stderr = run_cli("check", "--root", str(root), "--texts-root", str(root))
    assert "Traceback" not in stderr
    return code, stderr.strip().splitlines()


def build_lines(root: Path) -> tuple[int, list[str]]:
    code, _, stderr = run_cli("build", "--root", str(root), "--no-duckdb")
    assert "Traceback" not in stderr
    return code, stderr.strip().splitlines()


# --- the cases: one constraint kind each, the same bad value on both sides ----------------------

def actor_yaml(actor_type: str = "company", extra: str = "", name: str = "Fault Actor") -> dict[str, str]:
    return {"actors/zz-fault.yaml": ACTOR.format(actor_type=actor_type, extra=extra).replace("Fault Actor", name),
            "sources/zz-fault.yaml": source_with("actor/zz-fault")}


def transfer_yaml(extra: str) -> dict[str, str]:
    return {"transfers/zz-fault.yaml": TRANSFER.format(status="requested", extra=extra),
            "sources/zz-fault.yaml": source_with("transfer/zz-fault")}


def source_yaml(extra: str) -> dict[str, str]:
    return {"sources/zz-fault.yaml": source_with("actor/iran").replace("  licence: CC0\n", "  licence: CC0\n" + extra)}


def evidence_yaml(text: str) -> dict[str, str]:
    claim = CLAIM.format(record="actor/iran").replace("Iran supplied nothing", json.dumps(text))
    return {"sources/zz-fault.yaml": SOURCE.format(claims=claim)}


def first_key(table: str, where: Callable[[dict], bool] = lambda r: True) -> str:
    rows = pq.read_table(ROOT / PROCESSED / f"{table}.parquet").to_pylist()
    return next(r[TABLES[table].primary_key[0]] for r in rows if where(r))


@dataclass
class Case:
    kind: str
    curation: dict[str, str]  # files under data/raw that carry the bad value
    plant: Callable[[Path], None]  # the same bad value, in a published package
    field: str  # the field both must name
    says: str  # a fragment both messages hold


def _transfer() -> str:
    return first_key("transfers")


def _claim() -> str:
    return first_key("claims")


CASES = [
    Case("enum", actor_yaml("militia"), lambda r: set_cells(r, "actors", "actor/iran", actor_type="militia"),
         "actor_type", "is not one of"),
    Case("enum with a trailing newline", actor_yaml('"company\\n"'),
         lambda r: set_cells(r, "actors", "actor/iran", actor_type="company\n"), "actor_type", "is not one of"),
    Case("pattern with a trailing newline", source_yaml('  url: "https://example.org/x\\n"\n'),
         lambda r: set_cells(r, "sources", first_key("sources"), url="https://example.org/x\n"),
         "url", "does not match the pattern"),
    Case("country code pattern with a trailing newline", actor_yaml(extra='  country_code: "IR\\n"\n'),
         lambda r: set_cells(r, "actors", "actor/iran", country_code="IR\n"), "country_code", "does not match the pattern"),
    Case("id pattern", actor_yaml(extra='  parent_actor_id: "Actor/Iran"\n'),
         lambda r: set_cells(r, "actors", "actor/iran", parent_actor_id="Actor/Iran"), "parent_actor_id",
         "does not match the pattern"),
    Case("required value null", actor_yaml(name="~"),
         lambda r: set_cells(r, "actors", "actor/iran", name=None), "name", "required"),
    Case("required value empty", actor_yaml(name='""'),
         lambda r: set_cells(r, "actors", "actor/iran", name=""), "name", "required"),
    Case("required value whitespace only", actor_yaml(name='" \\t\\u00a0"'),
         lambda r: set_cells(r, "actors", "actor/iran", name=" \t\u00a0"), "name", "required"),
    Case("required free-text value of another table blank", source_yaml("").__or__(
        {"sources/zz-fault.yaml": source_with("actor/iran").replace("publisher: flows tests", 'publisher: "  "')}),
         lambda r: set_cells(r, "sources", first_key("sources"), publisher="  "), "publisher", "required"),
    Case("evidence too short", evidence_yaml("Iran"),
         lambda r: set_cells(r, "claims", _claim(), evidence_text="Iran"), "evidence_text", "fewer than"),
    Case("evidence padded with whitespace", evidence_yaml("I r a n  s"),
         lambda r: set_cells(r, "claims", _claim(), evidence_text="I r a n  s"), "evidence_text", "fewer than"),
    Case("quote of too few words", evidence_yaml("Iran supplied"),
         lambda r: set_cells(r, "claims", first_key("claims", lambda c: c["evidence_type"] == "quote"),
                             evidence_text="Iran supplied"), "evidence_text", "a quote of 2 word(s)"),
    Case("minimum", transfer_yaml("  quantity_low: -5\n"),
         lambda r: set_cells(r, "transfers", _transfer(), quantity_low=-5), "quantity_low", "below the minimum 0"),
    Case("range order", transfer_yaml("  quantity_low: 500\n  quantity_high: 100\n"),
         lambda r: set_cells(r, "transfers", _transfer(), quantity_low=500, quantity_best=None, quantity_high=100),
         "quantity_high", "quantity_high is below quantity_low"),
    Case("date order", source_yaml("").__or__(
        {"sources/zz-fault.yaml": source_with("actor/iran").replace('"2024-01-01"', "2024-03/2024-01")}),
         lambda r: set_cells(r, "sources", first_key("sources", lambda s: s["published_latest"] is not None),
                             published_earliest=__import__("datetime").date(2099, 1, 1)),
         "published", "after"),
    Case("primary key unique", {"actors/zz-fault.yaml": "- actor_id: actor/iran\n  name: Iran again\n  actor_type: state\n"},
         lambda r: duplicate_row(r, "actors", "actor/iran"), "actor_id", "duplicate actor_id"),
    Case("country code", actor_yaml(extra='  country_code: "XX"\n'),
         lambda r: set_cells(r, "actors", "actor/iran", country_code="XX"), "country_code", "not an ISO 3166-1"),
    Case("foreign key", actor_yaml(extra="  parent_actor_id: actor/zz-nobody\n"),
         lambda r: set_cells(r, "actors", "actor/iran", parent_actor_id="actor/zz-nobody"), "parent_actor_id",
         "unknown actors id"),
]


def _names_field(lines: list[str], field: str, says: str) -> bool:
    return any(f": {field}: " in line and says in line for line in lines)


@pytest.mark.parametrize("case", CASES, ids=[c.kind for c in CASES])
def test_build_and_check_refuse_the_same_bad_value(package: Path, case: Case):
    # the published side first, on the untouched build
    case.plant(package)
    code, lines = check_lines(package)
    assert code == 1 and _names_field(lines, case.field, case.says), lines
    # the curation side
    for rel, content in case.curation.items():
        (package / "data/raw" / rel).write_text(content, encoding="utf-8")
    code, lines = build_lines(package)
    assert code == 1 and _names_field(lines, case.field, case.says), lines


def test_every_constraint_kind_of_the_schema_has_an_agreement_case():
    """A new kind of field constraint needs its case above."""
    kinds = {"enum": any(f.enum for f in FIELDS.values()), "pattern": any(f.pattern for f in FIELDS.values()),
             "minimum": any(f.minimum is not None for f in FIELDS.values()),
             "required": any(f.required for f in FIELDS.values()),
             "fewer than": any(f.min_chars for f in FIELDS.values())}
    covered = " ".join(c.kind + " " + c.says for c in CASES)
    assert all(kinds.values())
    for kind in kinds:
        assert kind in covered, kind
    assert not any(f.unique for f in FIELDS.values()), "a unique field needs an agreement case"


def _verdicts(f, values: list[str]) -> tuple[list[bool], list[bool]]:
    """Whether the build's model and the check's SQL each refuse each value of field f."""
    import duckdb
    import pandas as pd

    from flows.schema.pandera_models import _checks
    from flows.rules.validate import _field_rules

    series = pd.Series(values, dtype="string")
    model = [False] * len(values)
    for check in _checks(f):
        passed = check(series).check_output if hasattr(check(series), "check_output") else check(series)
        model = [m or not bool(p) for m, p in zip(model, list(passed))]
    table = next(t for t in TABLES.values() if f.name in t.fields and f.name not in t.foreign_keys)
    rules = [r for r in _field_rules(table.name, set()) if r.field == f.name]
    con = duckdb.connect()
    con.execute(f"CREATE TABLE t AS SELECT unnest(?::VARCHAR[]) AS {f.name}", [values])
    condition = " OR ".join(f"coalesce({r.condition}, false)" for r in rules)
    sql = [bool(v) for (v,) in con.execute(f"SELECT {condition} FROM t").fetchall()]
    return model, sql


HOSTILE_STRINGS = ["abc\n", "IR\n", "IR", "actor/iran", "actor/iran\n", "\nactor/iran", "actor/iran ",
                   "https://example.org/x", "https://example.org/\u00a0x", "https://example.org/x\n",
                   "https://ex.org/\u2028", "https://a\x0bb", "https://a\x1cb", "\x0b", "TASS\x0bsaid", "texts/a.txt", "texts/a.txt\n", "NPWMD; IFSR", "NPWMD; IFSR\n",
                   "", " ", "\t", "\u00a0", "\u3000", "TASS said", "TASS sai", " T A S S s a i ",
                   "TASS\u00a0said", "Ünïcödé text", "en", "EN", "e\u0301", "a" * 300]


# A foreign key's pattern is its target key's (tests/test_schema.py), tested on the key itself.
_OWN_RULES = sorted({f.name for t in TABLES.values() for f in table_fields(t)
                     if (f.pattern or f.fewest_chars) and f.name not in t.foreign_keys})


@pytest.mark.parametrize("name", _OWN_RULES)
def test_model_and_sql_give_the_same_verdict(name: str):
    """Field by field, the pandera model (build) and the SQL rules (check) refuse exactly the
    same values: patterns and the non-blank minimum, on hostile strings."""
    f = next(tf for t in TABLES.values() for tf in table_fields(t) if tf.name == name)
    model, sql = _verdicts(f, HOSTILE_STRINGS)
    assert model == sql, [v for v, m, s in zip(HOSTILE_STRINGS, model, sql) if m != s]
    assert any(model), "at least one hostile string is refused"


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
    claims = pq.read_table(ROOT / PROCESSED / "claims.parquet", columns=["evidence_text"])
    shortest = min(len("".join(t.split())) for t in claims["evidence_text"].to_pylist())
    assert shortest >= EVIDENCE_MIN_CHARS


# --- `flows check` covers every published byte ----------------------------------------------------

@pytest.fixture(scope="session")
def base_db(base: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The base project built with flows.duckdb."""
    from flows.build.pipeline import build

    root = tmp_path_factory.mktemp("rules-db") / "p"
    shutil.copytree(base, root)
    build(root)
    return root


@pytest.fixture
def package_db(base_db: Path, tmp_path: Path) -> Path:
    shutil.copytree(base_db, tmp_path / "p")
    return tmp_path / "p"


def edit_descriptor(root: Path, change: Callable[[dict], None], indent: int = 2) -> None:
    path = root / "datapackage.json"
    package = json.loads(path.read_text(encoding="utf-8"))
    change(package)
    path.write_text(json.dumps(package, indent=indent, ensure_ascii=False) + "\n", encoding="utf-8")


def _resource(package: dict, name: str) -> dict:
    return next(r for r in package["resources"] if r["name"] == name)


DESCRIPTOR_EDITS = {
    "title": (lambda p: p.update(title=p["title"] + " (edited)"), "datapackage.json: title:"),
    "licence": (lambda p: p["licenses"][0].update(name="CC0-1.0"), "datapackage.json: licenses:"),
    "version": (lambda p: p.update(version="9.9.9"), "datapackage.json: version:"),
    "key removed": (lambda p: p.pop("contributors"), "datapackage.json: contributors: missing"),
    "key added": (lambda p: p.update(signed_by="nobody"), "datapackage.json: signed_by: not written"),
    "source entry": (lambda p: p["sources"][0].update(licence="public domain"), "datapackage.json: sources:"),
    "resource path": (lambda p: _resource(p, "claims").update(path="data/processed/other.parquet"),
                      "datapackage.json: resources.claims.path:"),
    "resource row count": (lambda p: _resource(p, "claims").update(rows=_resource(p, "claims")["rows"] + 1),
                           "datapackage.json: resources.claims.rows:"),
    "resource description": (lambda p: _resource(p, "actors").update(description="x"),
                             "datapackage.json: resources.actors.description:"),
    "resource key added": (lambda p: _resource(p, "actors").update(encoding="latin-1"),
                           "datapackage.json: resources.actors.encoding:"),
    "resources reordered": (lambda p: p["resources"].reverse(), "datapackage.json: resources: not in the order"),
}


@pytest.mark.parametrize("edit", DESCRIPTOR_EDITS, ids=list(DESCRIPTOR_EDITS))
def test_an_edited_descriptor_fails_the_check(package: Path, edit: str):
    change, line = DESCRIPTOR_EDITS[edit]
    edit_descriptor(package, change)
    code, lines = check_lines(package)
    assert code == 1 and any(x.startswith(line) for x in lines), lines


def test_a_reformatted_descriptor_fails_the_check(package: Path):
    edit_descriptor(package, lambda p: None, indent=4)
    code, lines = check_lines(package)
    assert code == 1 and lines[0] == "datapackage.json: not written as the build writes it (formatting changed)", lines


def test_without_package_yaml_the_files_still_verify_the_descriptor(package: Path):
    """A package shipped without data/raw: metadata cannot be verified, paths and counts can."""
    shutil.rmtree(package / "data/raw")
    assert check_lines(package)[0] == 1  # the texts are gone: unverified quotes
    edit_descriptor(package, lambda p: _resource(p, "events").update(rows=0))
    _, lines = check_lines(package)
    assert any(x.startswith("datapackage.json: resources.events.rows: 0 where") for x in lines), lines


README_EDITS = {
    "contents": (lambda t: re.sub(r"(\| `claims` \| )(\d+)", lambda m: m[1] + str(int(m[2]) + 1), t, count=1),
                 "README.md: generated:contents:"),
    "data-dictionary": (lambda t: t.replace("| `stance` | string | yes |", "| `stance` | string |  |", 1),
                        "README.md: generated:data-dictionary:"),
    "markers removed": (lambda t: t.replace("<!-- generated:contents end -->", ""), "README.md: README.md has no contents"),
    # review of issue 16: a forged second copy of a section, read past by a first-match comparison
    "section copied with other counts": (
        lambda t: t + "\n" + re.sub(r"(\| `claims` \| )(\d+)", lambda m: m[1] + str(int(m[2]) + 1),
                                    t[t.index("<!-- generated:contents start"):t.index("<!-- generated:contents end -->")]
                                    + "<!-- generated:contents end -->\n", count=1),
        "README.md: a generated section stands twice"),
}


def test_a_missing_readme_fails_the_check(package: Path):
    (package / "README.md").unlink()
    code, lines = check_lines(package)
    assert code == 1 and "README.md: missing: run `flows build`" in lines, lines


@pytest.mark.parametrize("edit", README_EDITS, ids=list(README_EDITS))
def test_an_edited_generated_readme_section_fails_the_check(package: Path, edit: str):
    change, line = README_EDITS[edit]
    path = package / "README.md"
    before = path.read_text(encoding="utf-8")
    path.write_text(change(before), encoding="utf-8")
    assert path.read_text(encoding="utf-8") != before
    code, lines = check_lines(package)
    assert code == 1 and any(x.startswith(line) for x in lines), lines


def test_readme_text_outside_the_generated_sections_is_free(package: Path):
    path = package / "README.md"
    path.write_text(path.read_text(encoding="utf-8").replace("# ", "# Edited: ", 1), encoding="utf-8")
    assert check_lines(package) == (0, ["check passed"])


DB = "data/processed/flows.duckdb"


def alter_db(root: Path, *statements: str) -> None:
    import duckdb

    con = duckdb.connect(str(root / DB))
    try:
        for s in statements:
            con.execute(s)
    finally:
        con.close()


DB_EDITS = {
    "row of a table": (("UPDATE claims SET stance = 'denies' WHERE claim_id = "
                        "(SELECT min(claim_id) FROM claims WHERE stance <> 'denies')",), "claims"),
    "row of a view": (("UPDATE claim_details SET claim_id = claim_id || 'x' WHERE claim_id = "
                       "(SELECT min(claim_id) FROM claim_details)",), "claim_details"),
    "row deleted": (("DELETE FROM actors WHERE actor_id = 'actor/iran'",), "actors"),
    "view dropped": (("DROP TABLE timeline",), "timeline"),
    "table added": (("CREATE TABLE extra AS SELECT 1 AS x",), "extra"),
    "view added": (("CREATE VIEW extra_view AS SELECT 1 AS x",), "extra_view"),
    "column added": (("ALTER TABLE sources ADD COLUMN x INTEGER",), "sources"),
    # review of issue 16: what the first digests did not cover
    "macro replaced": (("CREATE OR REPLACE MACRO known_as_of(as_of) AS TABLE SELECT * FROM claim_details WHERE false",),
                       "known_as_of()"),
    "table in another schema": (("CREATE SCHEMA evil", "CREATE TABLE evil.t AS SELECT 1 AS x"), "evil.t"),
    "comment changed": (("COMMENT ON TABLE timeline IS 'something else'",), "timeline"),
    "column comment changed": (("COMMENT ON COLUMN claims.stance IS 'something else'",), "claims"),
}


def test_the_fresh_database_passes(package_db: Path):
    assert check_lines(package_db) == (0, ["check passed"])


@pytest.mark.parametrize("edit", DB_EDITS, ids=list(DB_EDITS))
def test_an_edited_database_fails_the_check_naming_the_relation(package_db: Path, edit: str):
    statements, relation = DB_EDITS[edit]
    alter_db(package_db, *statements)
    code, lines = check_lines(package_db)
    assert code == 1 and any(x.startswith(f"{DB}: {relation}: ") for x in lines), lines


def test_a_database_from_an_older_build_fails_the_check(package_db: Path, tmp_path: Path):
    from flows.build.pipeline import build

    older = tmp_path / "older.duckdb"
    shutil.copy(package_db / DB, older)
    actors = package_db / "data/raw/actors"
    path = next(p for p in sorted(actors.glob("*.yaml")) if "name: Iran\n" in p.read_text(encoding="utf-8"))
    path.write_text(path.read_text(encoding="utf-8").replace("name: Iran\n", "name: Islamic Republic of Iran\n", 1),
                    encoding="utf-8")
    build(package_db)
    assert check_lines(package_db) == (0, ["check passed"])
    shutil.copy(older, package_db / DB)
    code, lines = check_lines(package_db)
    assert code == 1 and any(x.startswith(f"{DB}: actors: ") for x in lines), lines


def test_a_database_without_its_digests_fails(package: Path, base_db: Path):
    shutil.copy(base_db / DB, package / DB)  # the release was built with --no-duckdb
    code, lines = check_lines(package)
    assert code == 1 and lines[0].startswith(f"{DB}: flows.duckdb.digests.json is missing beside it"), lines


def test_a_database_with_the_digests_of_another_build_fails(package_db: Path):
    """Database and digests copied together from another build: their Parquet hashes are not
    the release's."""
    digests = package_db / (DB + ".digests.json")
    record = json.loads(digests.read_text(encoding="utf-8"))
    record["release"]["claims"] = "0" * 64
    digests.write_text(json.dumps(record), encoding="utf-8")
    code, lines = check_lines(package_db)
    assert code == 1 and lines[0].startswith(f"{DB}: built from other Parquet files"), lines


def test_datapackage_json_does_not_depend_on_the_database(base: Path, base_db: Path):
    assert not (base / DB).exists() and (base_db / DB).is_file()
    assert (base / "datapackage.json").read_bytes() == (base_db / "datapackage.json").read_bytes()


def test_a_corrupt_database_is_a_problem_line(package_db: Path):
    (package_db / DB).write_bytes(b"not a database" * 100)
    code, lines = check_lines(package_db)
    assert code == 1 and lines[0].startswith(f"{DB}: not a readable DuckDB database"), lines


def test_database_digests_do_not_depend_on_row_order(package_db: Path, tmp_path: Path):
    import duckdb

    from flows.publish.dbdigest import database_digests

    recorded = database_digests(package_db / DB)
    shuffled = tmp_path / "shuffled.duckdb"
    shutil.copy(package_db / DB, shuffled)
    con = duckdb.connect(str(shuffled))
    tables = [n for (n,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE NOT internal").fetchall()]
    for name in tables:  # the same table, comments and all, its rows stored in another order
        con.execute(f'CREATE TEMP TABLE _rows AS SELECT * FROM "{name}" ORDER BY random()')
        con.execute(f'DELETE FROM "{name}"')
        con.execute(f'INSERT INTO "{name}" SELECT * FROM _rows')
        con.execute("DROP TABLE _rows")
    con.close()
    assert database_digests(shuffled) == recorded

# --- a corrupt Parquet file whose hash was updated to match it ---------------------------------

def _rehash(root: Path, table: str) -> None:
    path = root / PROCESSED / f"{table}.parquet"
    edit_descriptor(root, lambda p: _resource(p, table).update(hash=f"sha256:{sha256_file(path)}"))


PARQUET_DAMAGE = {
    "truncated": lambda b: b[: len(b) // 2],
    "empty": lambda b: b"",
    "not parquet": lambda b: b"PAR1 hello",
    "footer garbled": lambda b: b[:-12] + b"\xff" * 8 + b[-4:],
    "page garbled": lambda b: b[:4] + bytes(x ^ 0x5A for x in b[4:len(b) // 2]) + b[len(b) // 2:],
}


@pytest.mark.parametrize("damage", PARQUET_DAMAGE, ids=list(PARQUET_DAMAGE))
@pytest.mark.parametrize("table", ["claims", "sources"])
def test_a_corrupt_parquet_file_is_a_problem_line_naming_it(package: Path, damage: str, table: str):
    path = package / PROCESSED / f"{table}.parquet"
    path.write_bytes(PARQUET_DAMAGE[damage](path.read_bytes()))
    _rehash(package, table)
    code, lines = check_lines(package)
    assert code == 1 and any(x.startswith(f"data/processed/{table}.parquet: ") and "Parquet" in x
                             for x in lines), lines
