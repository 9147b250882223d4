"""flows.rules.validate: the one rule set the build and `flows check` enforce.

Agreement: for each kind of constraint the same bad value is planted twice, once in a curation
file (the build must refuse it) and once in a published Parquet file re-hashed into
datapackage.json (the check must refuse it). Then the problems of published rows (codes, keys,
row order, row groups), and the thread reading the archived texts beside the rules.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import bench
from conftest import ROOT, run_cli
from fault_corpus import ACTOR, CLAIM, SOURCE, TRANSFER, source_with
from flows.build import texts
from flows.rules import validate
from flows.rules.validate import Rule, published_problems
from flows.schema import definition as schema
from flows.schema.constraints import FewestChars
from flows.schema.definition import FIELDS, TABLES
from hostile import build_lines, check_lines, duplicate_row, set_cells

PROCESSED = "data/processed"


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


def _both_refuse(package: Path, case: Case) -> None:
    # the published side first, on the untouched build
    case.plant(package)
    code, lines = check_lines(package)
    assert code == 1 and _names_field(lines, case.field, case.says), lines
    # the curation side
    for rel, content in case.curation.items():
        (package / "data/raw" / rel).write_text(content, encoding="utf-8")
    code, lines = build_lines(package)
    assert code == 1 and _names_field(lines, case.field, case.says), lines


def test_build_and_check_refuse_an_actor_type_not_in_the_list(package: Path):
    """One bad value on both sides, for `make test-fast`; every kind of constraint is the trust
    trial below."""
    _both_refuse(package, Case("enum", actor_yaml("militia"),
                               lambda r: set_cells(r, "actors", "actor/iran", actor_type="militia"),
                               "actor_type", "is not one of"))


@pytest.mark.slow  # the trust trial: a build and a check refused for each kind of constraint
@pytest.mark.parametrize("case", CASES, ids=[c.kind for c in CASES])
def test_build_and_check_refuse_the_same_bad_value(package: Path, case: Case):
    _both_refuse(package, case)


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


# --- problems of published rows ------------------------------------------------------------------

def test_check_and_build_give_each_field_problem_the_constraints_code(project: Path):
    """A published value that breaks a constraint is reported by `flows check` under that
    constraint's code (the build's side: test_build_json_names_code_file_line_and_table)."""
    path = project / "data/processed/claims.parquet"
    claims = pq.read_table(path)
    texts = claims["evidence_text"].to_pylist()
    texts[0] = " ab "
    claims = claims.set_column(claims.schema.get_field_index("evidence_text"), "evidence_text",
                               pa.array(texts, pa.string()))
    pq.write_table(claims, path)
    found = published_problems(ROOT, project / "data/processed")
    too_short = FewestChars(schema.EVIDENCE_MIN_CHARS)
    assert [(p.code, p.table, p.field, p.message) for p in found] == \
        [("too_short", "claims", "evidence_text", too_short.message(" ab "))]
    assert found[0].key == claims["claim_id"][0].as_py()


def test_a_table_of_several_row_groups_is_checked_row_by_row(synthetic_set: Path, tmp_path: Path, monkeypatch):
    """Large tables are written in row groups (read on every core); the check still names the
    key of an offending row in a later group."""
    from flows.publish import release as publish

    monkeypatch.setattr(publish, "ROW_GROUP_ROWS", 400)  # as the set was built (its faulty copy too)
    claims = synthetic_set / "data" / "processed" / "claims.parquet"
    assert pq.ParquetFile(claims).metadata.num_row_groups == 4  # 1500 rows, 400 a group
    code, _, stderr = run_cli("check", "--root", str(synthetic_set))
    assert code == 0, stderr

    def broken(values: list) -> None:
        for row in (1390, 12, 805, 420):  # in every group, out of order
            values[row] = f"transfer/no-such-{row}"
        values[1234] = "transfer/no-such-transfer"
        values[1300] = "Transfer 7"  # malformed: its pattern is tested with the foreign key

    keys = pq.read_table(claims, columns=["claim_id"]).column(0)
    pkg = bench.make_fault(synthetic_set, tmp_path / "fault", "claims", "record_id", broken)
    assert pq.ParquetFile(pkg / "data" / "processed" / "claims.parquet").metadata.num_row_groups == 4
    code, _, stderr = run_cli("check", "--root", str(pkg), "--texts-root", str(synthetic_set))
    assert code == 1
    assert f"claims.parquet [{keys[1234]}]: record_id: unknown records id 'transfer/no-such-transfer'" in stderr, stderr
    assert (f"claims.parquet [{keys[1300]}]: record_id: 'Transfer 7' does not match the pattern "
            "^(actor|item|transfer|sanction|designation|event|link)/[a-z0-9][a-z0-9._-]*$") in stderr, stderr
    reported = [line for line in stderr.splitlines() if "claims.parquet [" in line]
    assert reported == [line for row in (12, 420, 805, 1234, 1300, 1390)
                        for line in reported if f"[{keys[row]}]" in line], stderr  # in row order


def test_a_rule_reports_its_rows_in_row_order():
    """DuckDB returns a join's rows in the order its threads finish them; problems come out in
    the rows' order whatever that is."""
    rule = Rule("claims", "record_id", "unknown {detail}",
                "SELECT * FROM (VALUES (7, 'g'), (2, 'b'), (30, 'z'), (5, 'e')) v(_row, detail)")
    assert [(row, message) for row, _, message in rule.coded_offences(duckdb.connect())] == [
        (2, "unknown b"), (5, "unknown e"), (7, "unknown g"), (30, "unknown z")]


@pytest.fixture(scope="module")
def bad_enum_package(synthetic_set: Path, tmp_path_factory) -> tuple[Path, Path]:
    """A small built set (its folder: texts root and clean package) and a copy whose claims
    have a bad stance (its data/processed)."""
    assert len(list((synthetic_set / "data" / "raw" / "texts").iterdir())) > 1
    pkg = bench.make_fault(synthetic_set, tmp_path_factory.mktemp("cancel") / "fault", "claims", "stance",
                           bench._bad_enum)
    return synthetic_set, pkg / "data" / "processed"


def _reader_waits_until_told(monkeypatch) -> list[str]:
    """Each archived text is read only once the reader is told to stop (or after 30 s): the
    paths it read, which grows as it reads."""
    told, read = threading.Event(), []
    real_read, real_cancel = texts._read_text, texts.InBackground.cancel

    def read_slowly(dirs: dict, path: str):
        read.append(path)
        told.wait(30)
        return real_read(dirs, path)

    def cancel(self) -> None:
        real_cancel(self)
        told.set()
    monkeypatch.setattr(texts, "_read_text", read_slowly)
    monkeypatch.setattr(texts.InBackground, "cancel", cancel)
    return read


def _once_a_text_is_being_read(read: list[str], then: Callable) -> Callable:
    """`then`, called once the reader is on its first text (or after 30 s): the tables' rules
    would otherwise be done before the reader's thread has started, as on a fast disk."""
    def wait_then(*args):
        deadline = time.monotonic() + 30
        while not read and time.monotonic() < deadline:
            time.sleep(0.005)
        return then(*args)
    return wait_then


def _reader_ended() -> bool:
    for thread in threading.enumerate():
        if thread.name == "flows-texts":
            thread.join(30)
            return not thread.is_alive()
    return True


def test_the_check_stops_reading_texts_once_the_tables_have_problems(bad_enum_package, monkeypatch):
    """The quotes are not searched in a package whose tables already have problems: the thread
    reading the texts is told to stop, and reads no text after the one it is on."""
    texts_root, processed = bad_enum_package
    read = _reader_waits_until_told(monkeypatch)
    monkeypatch.setattr(validate, "_published_field_problems",
                        _once_a_text_is_being_read(read, validate._published_field_problems))
    problems = validate.published_problems(texts_root, processed)
    assert [p.field for p in problems] == ["stance"], problems
    assert "'rumoured' is not one of" in problems[0].message
    assert _reader_ended() and len(read) == 1


def test_the_check_stops_reading_texts_when_it_fails(bad_enum_package, monkeypatch):
    texts_root, processed = bad_enum_package
    read = _reader_waits_until_told(monkeypatch)

    def fail(*args) -> list:
        raise RuntimeError("a rule failed")
    monkeypatch.setattr(validate, "_published_field_problems", _once_a_text_is_being_read(read, fail))
    with pytest.raises(RuntimeError, match="a rule failed"):
        validate.published_problems(texts_root, processed)
    assert _reader_ended() and len(read) == 1


def test_a_reader_told_to_stop_once_it_has_the_texts_matches_no_quote(bad_enum_package, monkeypatch):
    texts_root, _ = bad_enum_package
    real_read_texts, matched = texts.read_texts, []

    def read_then_told(root: Path, paths, stop):
        table = real_read_texts(root, paths, stop)
        stop.set()
        return table
    monkeypatch.setattr(texts, "read_texts", read_then_told)
    monkeypatch.setattr(validate, "quote_texts", lambda *tables: matched.append(tables))
    with pytest.raises(texts.Cancelled):  # the clean package: the check waits for the texts
        validate.published_problems(texts_root, texts_root / "data" / "processed")
    assert _reader_ended() and matched == []
