"""flows.rules.check: `flows check` covers every published byte. A flipped byte, a deleted file,
an edited or reformatted datapackage.json, an edited generated section of the README, a corrupt
Parquet file re-hashed to match: each is a problem line naming the file (flows.duckdb:
tests/test_publish_dbdigest.py)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import flows.rules.check
from conftest import ROOT, run_cli
from flows.errors import Problem
from flows.publish.descriptor import PROCESSED
from flows.publish.targets import sha256_file
from flows.rules.check import check
from flows.schema.definition import TABLES
from hostile import check_lines, check_passed, edit_descriptor, resource_entry


def _check_lines(root: Path) -> list[str]:
    problems, _ = check(root, ROOT)
    return [str(p) for p in problems]


def test_a_flipped_byte_in_the_claims_file_is_named(project: Path):
    """One damaged table, for `make test-fast`; the trust trial below damages each."""
    _flipped_byte_named(project, "claims")


@pytest.mark.slow  # the trust trial: a check of each table's file with a byte flipped
@pytest.mark.parametrize("name", sorted(TABLES))
def test_flipped_byte_in_any_parquet_file_is_named(project: Path, name: str):
    _flipped_byte_named(project, name)


def _flipped_byte_named(project: Path, name: str) -> None:
    path = project / "data/processed" / f"{name}.parquet"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    lines = _check_lines(project)
    assert any(line.startswith(f"data/processed/{name}.parquet") and "sha256 differs" in line for line in lines), lines


@pytest.mark.parametrize("rel", ["data/processed/claims.parquet", "data/processed/views.sql",
                                 "data/processed/schema.sql", "datapackage.json"])
def test_deleted_file_is_named(project: Path, rel: str):
    (project / rel).unlink()
    code, _, stderr = run_cli("check", "--root", str(project), "--texts-root", str(ROOT))
    assert code == 1
    assert stderr.startswith(rel), stderr


def test_edited_sql_or_descriptor_is_named(project: Path):
    views = project / "data/processed/views.sql"
    views.write_text(views.read_text() + "\nDROP VIEW timeline;\n")
    descriptor = project / "datapackage.json"
    descriptor.write_text(descriptor.read_text().replace('"minimum": 0', '"minimum": 1', 1))
    lines = _check_lines(project)
    assert "data/processed/views.sql: differs from what the build generates" in lines
    assert any(line.startswith("datapackage.json: resources.") and "schema" in line for line in lines)


def test_valid_parquet_with_changed_content_is_caught(project: Path, tmp_path: Path):
    """A consistent rewrite (new hash recorded too) still fails the rules, not just the hash."""
    path = project / "data/processed/claims.parquet"
    table = pq.read_table(path)
    texts = table.column("evidence_text").to_pylist()
    texts[0] = texts[0] + " (edited)"
    table = table.set_column(table.schema.get_field_index("evidence_text"), "evidence_text",
                             pa.array(texts))
    pq.write_table(table, path)
    descriptor = json.loads((project / "datapackage.json").read_text())
    for r in descriptor["resources"]:
        if r["name"] == "claims":
            r["hash"] = f"sha256:{sha256_file(path)}"
    (project / "datapackage.json").write_text(json.dumps(descriptor))
    lines = _check_lines(project)
    assert any("evidence_text: not found verbatim" in line and "data/processed/claims.parquet [" in line
               for line in lines), lines


# --- datapackage.json and the README's generated sections -----------------------------------------

DESCRIPTOR_EDITS = {
    "title": (lambda p: p.update(title=p["title"] + " (edited)"), "datapackage.json: title:"),
    "licence": (lambda p: p["licenses"][0].update(name="CC0-1.0"), "datapackage.json: licenses:"),
    "version": (lambda p: p.update(version="9.9.9"), "datapackage.json: version:"),
    "key removed": (lambda p: p.pop("contributors"), "datapackage.json: contributors: missing"),
    "key added": (lambda p: p.update(signed_by="nobody"), "datapackage.json: signed_by: not written"),
    "source entry": (lambda p: p["sources"][0].update(licence="public domain"), "datapackage.json: sources:"),
    "resource path": (lambda p: resource_entry(p, "claims").update(path="data/processed/other.parquet"),
                      "datapackage.json: resources.claims.path:"),
    "resource row count": (lambda p: resource_entry(p, "claims").update(rows=resource_entry(p, "claims")["rows"] + 1),
                           "datapackage.json: resources.claims.rows:"),
    "resource description": (lambda p: resource_entry(p, "actors").update(description="x"),
                             "datapackage.json: resources.actors.description:"),
    "resource key added": (lambda p: resource_entry(p, "actors").update(encoding="latin-1"),
                           "datapackage.json: resources.actors.encoding:"),
    "resources reordered": (lambda p: p["resources"].reverse(), "datapackage.json: resources: not in the order"),
}


# One edited descriptor, for `make test-fast`: test_without_package_yaml_the_files_still_verify_the_descriptor.
@pytest.mark.slow  # the trust trial: a check of the descriptor edited in each way
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
    edit_descriptor(package, lambda p: resource_entry(p, "events").update(rows=0))
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


def test_an_edited_table_count_in_the_readme_fails_the_check(package: Path):
    """One edited generated section, for `make test-fast`; the trust trial below edits each way."""
    _readme_edit_fails(package, *README_EDITS["contents"])


@pytest.mark.slow  # the trust trial: a check of the README's generated sections edited in each way
@pytest.mark.parametrize("edit", README_EDITS, ids=list(README_EDITS))
def test_an_edited_generated_readme_section_fails_the_check(package: Path, edit: str):
    _readme_edit_fails(package, *README_EDITS[edit])


def _readme_edit_fails(package: Path, change, line: str) -> None:
    path = package / "README.md"
    before = path.read_text(encoding="utf-8")
    path.write_text(change(before), encoding="utf-8")
    assert path.read_text(encoding="utf-8") != before
    code, lines = check_lines(package)
    assert code == 1 and any(x.startswith(line) for x in lines), lines


def test_readme_text_outside_the_generated_sections_is_free(package: Path):
    path = package / "README.md"
    path.write_text(path.read_text(encoding="utf-8").replace("# ", "# Edited: ", 1), encoding="utf-8")
    assert check_passed(check_lines(package))


# --- a corrupt Parquet file whose hash was updated to match it ---------------------------------

def _rehash(root: Path, table: str) -> None:
    path = root / PROCESSED / f"{table}.parquet"
    edit_descriptor(root, lambda p: resource_entry(p, table).update(hash=f"sha256:{sha256_file(path)}"))


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


# --- what the check decides by -----------------------------------------------------------------

def test_check_stops_on_a_stop_code_whatever_its_message(project: Path, monkeypatch: pytest.MonkeyPatch):
    """check.py reads no further after a missing, altered or unreadable file: decided by the
    problem's code, so a reworded message changes nothing."""
    gone = Problem("data/processed/claims.parquet", None, "taken out of the release", "file_missing")
    monkeypatch.setattr(flows.rules.check, "_file_problems", lambda root, package: ([gone], {}))
    problems, _ = flows.rules.check.check(project, ROOT)
    assert problems == [gone]


def test_flows_check_passes_on_the_fresh_build(built: Path):
    code, _, stderr = run_cli("check", "--root", str(built), "--texts-root", str(ROOT))
    assert code == 0, stderr
    assert "check passed" in stderr
