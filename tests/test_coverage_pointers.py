"""`flows coverage` reports pointer files as it reports article paragraphs (issue 20): every
pointer cited by a claim, or declared uncited with a reason in data/raw/pointers/<file>.yaml;
the expected sets are worked out here from the pointer files and the curation."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, SHARED_SOURCES, copy_project, run_cli
from flows.build.load import load_curation
from flows.errors import CurationError
from flows.rules.coverage import pointer_coverage, pointer_files
from flows.rules.pointers import named_pointer, parse_pointers

TIMELINE = "shared/pointers-2022-2025-iran-russia-timeline.txt"
DECLARATIONS = ROOT / "data/raw/pointers"


# --- reading pointer files -----------------------------------------------------------------------

@pytest.mark.parametrize("path", sorted(SHARED_SOURCES.glob("pointers-*.txt")), ids=lambda p: p.name)
def test_each_dated_block_is_a_pointer_numbered_in_file_order(path: Path):
    text = path.read_text(encoding="utf-8")
    starts = [i for i, line in enumerate(text.splitlines(), 1) if line.startswith("EVENT DATE:")]
    pointers = parse_pointers(text, path.name)
    assert [p.label for p in pointers] == [f"pointer {n}" for n in range(1, len(starts) + 1)]
    assert [p.line for p in pointers] == starts
    for p in pointers:
        assert p.event_date and p.fields["WHAT"] and p.fields["SOURCE"] and p.fields["REUSE"] in ("news", "official")
        assert p.fields["WHAT"] in p.text and p.what == p.fields["WHAT"]


def test_lettered_sections_hold_one_pointer_per_item():
    path = SHARED_SOURCES / "news-pointers-not-reusable.txt"
    expected, section, n = [], None, 0
    for line in path.read_text(encoding="utf-8").splitlines():
        if re.match(r"[A-Z]\. ", line):
            section, n = line[0], 0
        elif line.startswith("- ") and section:
            n += 1
            expected.append(f"section {section}, item {n}")
    assert [p.label for p in parse_pointers(path.read_text(encoding="utf-8"), path.name)] == expected


@pytest.mark.parametrize("text, line", [
    ("Header\n\nEVENT DATE: 2022\nWHAT: x\n\nWHAT: a block without its date\n", 6),
    ("Header\n\nEVENT DATE: 2022\nWHAT: x\nnot a key line\n", 5),
    ("Header\n\nEVENT DATE: 2022\nWHAT: x\nWHAT: twice\n", 5),
    ("A. Section\n- an item\nstray text\n", 3),
    ("no pointers at all\n", 1),
])
def test_a_broken_pointer_file_is_named_with_its_line(text: str, line: int):
    with pytest.raises(CurationError) as raised:
        parse_pointers(text, "shared/x.txt")
    assert raised.value.problems[0].where == f"shared/x.txt:{line}"
    assert raised.value.problems[0].code == "pointer_file"


@pytest.mark.parametrize("locator, pointer", [
    ("pointer 16 (event date 2022-11-05), WHAT line", "pointer 16"),
    ("pointer 1", "pointer 1"),
    ("pointer 160, QUOTE line", "pointer 160"),
    ("news pointers, section B, item 1", "section B, item 1"),
    ("paragraph 3", None), (None, None), ("pointers 1-3", None),
])
def test_the_pointer_a_locator_names(locator, pointer):
    assert named_pointer(locator) == pointer


# --- the real data -------------------------------------------------------------------------------

def _declared() -> dict[str, dict[str, str]]:
    out = {}
    for path in DECLARATIONS.glob("*.yaml"):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        out[doc["text_path"]] = {(f"pointer {d['pointer']}" if isinstance(d["pointer"], int) else d["pointer"]): d["reason"]
                                 for d in doc["uncited_pointers"]}
    return out


def test_every_pointer_is_cited_or_declared_uncited(curated):
    curation = load_curation(ROOT)
    declared = _declared()
    files = {s["text_path"] for s in curated["sources"] if s["text_kind"] == "pointer"}
    assert TIMELINE in files
    assert pointer_files(curation) == sorted(files | set(declared))
    # every source archived in a pointer file counts, whatever its text_kind (an official page's
    # QUOTE line is an extract)
    text_paths = {s["source_id"]: s["text_path"] for s in curated["sources"]}
    for text_path in pointer_files(curation):
        cited, problems = pointer_coverage(curation, text_path)
        assert problems == []
        named = {named_pointer(c["locator"]) for c in curated["claims"] if text_paths[c["source_id"]] == text_path}
        assert {c.pointer.label for c in cited if c.status == "cited"} == named - {None}
        assert {c.pointer.label: c.uncited_reason for c in cited if c.status == "uncited"} == declared.get(text_path, {})
        assert [c.pointer.label for c in cited if c.status == "MISSING"] == []
        text = (SHARED_SOURCES / text_path.split("/", 1)[1]).read_text(encoding="utf-8")
        assert len(cited) == len(parse_pointers(text, text_path))


def test_flows_coverage_lists_each_pointer_and_the_figures():
    code, out, err = run_cli("coverage", "--root", str(ROOT))
    assert code == 0, err
    text = (SHARED_SOURCES / TIMELINE.split("/", 1)[1]).read_text(encoding="utf-8")
    n = sum(line.startswith("EVENT DATE:") for line in text.splitlines())
    declared = _declared().get(TIMELINE, {})
    table = out[out.index(f"## {TIMELINE}"):]
    for i in range(1, n + 1):
        status = "uncited" if f"pointer {i}" in declared else "cited"
        assert re.search(rf"^\| pointer {i} \| [^|]* \| {status} \|", table, re.M), i
    assert f"{TIMELINE}: {n} pointers, {n - len(declared)} cited, {len(declared)} declared uncited, 0 missing" in out


# --- faults, on a copy of the project ----------------------------------------------------------

@pytest.fixture
def copied(tmp_path: Path) -> Path:
    return copy_project(tmp_path)


def _coverage(root: Path) -> tuple[int, str, list[str]]:
    code, out, err = run_cli("coverage", "--root", str(root))
    assert "Traceback" not in err
    return code, out, err.strip().splitlines()


def _timeline_declaration(root: Path) -> Path:
    return root / "data/raw/pointers" / f"{Path(TIMELINE).stem}.yaml"


def test_a_pointer_neither_cited_nor_declared_fails_coverage(copied: Path):
    declared = _declared()[TIMELINE]
    assert declared, "the test needs a declared pointer to take away"
    _timeline_declaration(copied).unlink()
    code, out, err = _coverage(copied)
    assert code == 1 and err == [f"{len(declared)} pointer(s) neither cited by a claim nor declared uncited"]
    for label in declared:
        assert re.search(rf"^\| {label} \| [^|]* \| MISSING \|", out, re.M)


def _declare(root: Path, entry: str) -> int:
    """Append an entry to the timeline's declarations; the line it starts on."""
    path = _timeline_declaration(root)
    text = path.read_text(encoding="utf-8")
    path.write_text(text + entry, encoding="utf-8")
    return text.count("\n") + 1


def test_declaring_an_unknown_pointer_fails_with_its_line(copied: Path):
    line = _declare(copied, "- pointer: 9999\n  reason: no such pointer\n")
    code, _, err = _coverage(copied)
    assert code == 1 and err[0].startswith(f"data/raw/pointers/{Path(TIMELINE).stem}.yaml:{line}: pointer: pointer 9999:")


def test_declaring_a_cited_pointer_fails_with_its_line(copied: Path, curated):
    sources = {s["source_id"] for s in curated["sources"] if s["text_path"] == TIMELINE}
    cited = next(named_pointer(c["locator"]) for c in curated["claims"] if c["source_id"] in sources)
    line = _declare(copied, f"- pointer: {cited}\n  reason: said to be uncited\n")
    code, _, err = _coverage(copied)
    assert code == 1 and err[0].startswith(f"data/raw/pointers/{Path(TIMELINE).stem}.yaml:{line}: pointer: {cited} is cited by")


@pytest.mark.parametrize("entry", ["- pointer: 3\n", "- pointer: 3\n  reason: ''\n", "- pointer: 0\n  reason: x\n",
                                   "- pointer: 3\n  reason: x\n  note: y\n", "- pointer: 5\n  reason: twice\n"])
def test_a_malformed_declaration_is_refused_with_its_line(copied: Path, entry: str):
    """Read as every curation file is: the build and the coverage name file and line."""
    line = _declare(copied, entry)
    for command in (("coverage",), ("build", "--no-duckdb")):
        code, _, err = run_cli(*command, "--root", str(copied))
        assert code == 1 and err.startswith(f"data/raw/pointers/{Path(TIMELINE).stem}.yaml:{line}: "), err


def test_a_declaration_file_names_its_pointer_file(copied: Path):
    path = _timeline_declaration(copied)
    shutil.move(path, path.with_name("other-name.yaml"))
    code, _, err = run_cli("coverage", "--root", str(copied))
    assert code == 1 and "data/raw/pointers/other-name.yaml:" in err and "must name other-name.txt" in err


def _a_pointer_claim(root: Path, curated: dict) -> tuple[Path, str, int]:
    """A source file of the timeline, a claim's locator line in it, and that line's number."""
    sources = sorted(s["source_id"] for s in curated["sources"] if s["text_path"] == TIMELINE)
    path = root / "data/raw/sources" / f"{sources[0].split('/', 1)[1]}.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if re.match(r"\s*locator: pointer \d+", line))
    return path, lines[at], at + 1


def test_a_locator_naming_the_wrong_pointer_fails_with_its_line(copied: Path, curated):
    path, line, number = _a_pointer_claim(copied, curated)
    named = int(re.search(r"pointer (\d+)", line)[1])
    other = 1 if named != 1 else 2
    text = path.read_text(encoding="utf-8")
    wrong = re.sub(r"pointer \d+", f"pointer {other}", line)
    path.write_text(text.replace(line, wrong, 1), encoding="utf-8")
    code, _, err = _coverage(copied)
    assert code == 1 and err[0] == (f"data/raw/sources/{path.name}:{number}: evidence_text: does not stand in "
                                    f"pointer {other} of {TIMELINE}")
    path.write_text(text.replace(line, re.sub(r"pointer \d+", "pointer 9999", line), 1), encoding="utf-8")
    code, _, err = _coverage(copied)
    assert code == 1 and err[0].startswith(f"data/raw/sources/{path.name}:{number}: locator: pointer 9999: {TIMELINE} "
                                           "has no such pointer")


def test_a_claim_without_a_pointer_is_placed_by_its_evidence(copied: Path, curated):
    path, line, _ = _a_pointer_claim(copied, curated)
    named = re.search(r"pointer \d+", line)[0]
    path.write_text(path.read_text(encoding="utf-8").replace(line + "\n", "", 1), encoding="utf-8")
    cited, problems = pointer_coverage(load_curation(copied), TIMELINE)
    assert problems == [] and next(c for c in cited if c.pointer.label == named).status == "cited"
