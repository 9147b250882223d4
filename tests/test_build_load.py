"""flows.build.load, the curation loader. Property-based fuzzing: arbitrary bytes, YAML documents
and field values give either a clean load or a CurationError naming where, never a traceback
(examples per test: FLOWS_FUZZ_EXAMPLES, default 60; `make test-long` runs thousands). The
fuzzing trials are marked slow: `make test` runs them, `make test-fast` does not. YAML that
expands without bound is refused at once, and each of the loader's faults carries its own code.
(Files that are not regular files: tests/test_build_regular_files.py.)"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
import tracemalloc
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import run_cli
from fault_corpus import FAULTS, plant
from flows.build.load import load_curation
from flows.build.pipeline import build_frames_checked
from flows.errors import CurationError
from flows.schema.definition import TABLES, curated_fields

EXAMPLES = int(os.environ.get("FLOWS_FUZZ_EXAMPLES", "60"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

BASE = {
    "package.yaml": "name: fuzz\nversion: 0.0.1\n",
    "texts/fuzz.txt": "Alpha said Beta sent drones.\n",
    "actors/base.yaml": ("- actor_id: actor/alpha\n  name: Alpha\n  actor_type: state\n"
                         "- actor_id: actor/beta\n  name: Beta\n  actor_type: state\n"),
    "sources/fuzz.yaml": ("source:\n  source_id: source/fuzz\n  title: Fuzz\n  publisher: tests\n"
                          "  source_type: report\n  published: '2024'\n  text_path: texts/fuzz.txt\n"
                          "  text_kind: full_text\n  licence: CC0\nclaims:\n"
                          "  - {id: a, record_id: actor/alpha, claimant_id: actor/alpha, stance: asserts, evidence_type: quote, evidence_text: Alpha said Beta}\n"
                          "  - {id: b, record_id: actor/beta, claimant_id: actor/alpha, stance: asserts, evidence_type: quote, evidence_text: Beta sent drones}\n"
                          "  - {id: t, record_id: transfer/fuzz, claimant_id: actor/alpha, stance: asserts, evidence_type: quote, evidence_text: Beta sent drones}\n"),
}
VALID_TRANSFER = {"transfer_id": "transfer/fuzz", "supplier_id": "actor/beta", "recipient_id": "actor/alpha",
                  "flow_type": "materiel", "status": "delivered"}


@pytest.fixture(scope="module")
def root() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="flows-fuzz-"))
    for rel, text in BASE.items():
        (folder / "data/raw" / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / "data/raw" / rel).write_text(text, encoding="utf-8")
    return folder


def outcome(root: Path, rel: str, content: bytes) -> str:
    path = root / "data/raw" / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    try:
        build_frames_checked(root)
        return "clean"
    except CurationError as e:
        assert e.problems and all(str(p).startswith("data/raw/") for p in e.problems), e.problems
        return "error"
    finally:
        path.unlink()


scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
                    st.text(max_size=30), st.dates(), st.datetimes(),
                    st.sampled_from(["actor/alpha", "transfer/fuzz", "2022-10-2X", "2022-13", "..", "NO", "~", "-0-"]))
documents = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=5)), max_leaves=20)


def test_valid_base_loads(root):
    assert outcome(root, "transfers/fuzz.yaml", yaml.safe_dump([VALID_TRANSFER]).encode()) == "clean"


@pytest.mark.slow
@FUZZ
@given(data=st.binary(max_size=400))
def test_arbitrary_bytes(root, data):
    outcome(root, "transfers/fuzz.yaml", data)


@pytest.mark.slow
@FUZZ
@given(doc=documents, kind=st.sampled_from(["transfers", "events", "sources", "actors", "links"]))
def test_arbitrary_yaml_documents(root, doc, kind):
    rel = f"{kind}/fuzz.yaml" if kind != "sources" else "sources/zz.yaml"
    outcome(root, rel, yaml.safe_dump(doc, allow_unicode=True).encode("utf-8"))


FIELD_NAMES = [f.name for f in curated_fields(TABLES["transfers"])]


@pytest.mark.slow
@FUZZ
@given(field=st.sampled_from(FIELD_NAMES), value=st.one_of(scalars, st.lists(scalars, max_size=2)))
def test_arbitrary_field_values(root, field, value):
    record = {**VALID_TRANSFER, field: value}
    outcome(root, "transfers/fuzz.yaml", yaml.safe_dump([record], allow_unicode=True).encode("utf-8"))


@pytest.mark.slow
@FUZZ
@given(text=st.text(max_size=200))
def test_arbitrary_text_in_a_claim(root, text):
    claim = {"id": "f", "record_id": "actor/alpha", "claimant_id": "actor/alpha", "stance": "asserts",
             "evidence_type": "quote", "evidence_text": text, "claimed": text[:12]}
    doc = {"source": {**yaml.safe_load(BASE["sources/fuzz.yaml"])["source"], "source_id": "source/zz"},
           "claims": [claim]}
    outcome(root, "sources/zz.yaml", yaml.safe_dump(doc, allow_unicode=True).encode("utf-8"))


def test_dates_as_yaml_dates_are_read_as_edtf(root):
    record = {**VALID_TRANSFER, "period": dt.date(2022, 8, 1)}
    assert outcome(root, "transfers/fuzz.yaml", yaml.safe_dump([record]).encode()) == "clean"


# --- the loader's problem codes ----------------------------------------------------------------

# One fault of the fault corpus per code the loader gives (tests/fault_corpus.py).
LOADER_CODES = {
    "octal number": "yaml_form", "alias bomb": "yaml_form", "merge key with a mapping": "yaml_form",
    "text in Latin-1": "not_utf8", "empty required text": "required", "unknown key in source": "unknown_field",
    "unknown folder": "stray_entry",
    "impossible date": "yaml_form",
}


@pytest.mark.parametrize("name", sorted(LOADER_CODES))
def test_a_curation_fault_carries_its_code(project: Path, name: str):
    fault = next(f for f in FAULTS if f.name == name)
    plant(fault, project)
    code, stdout, _ = run_cli("build", "--root", str(project), "--no-duckdb", "--format", "json")
    assert code == 1
    problems = json.loads(stdout)["problems"]
    assert [p["code"] for p in problems] == [LOADER_CODES[name]], problems
    assert problems[0]["file"] == fault.where.split(":")[0]


# --- YAML that expands without bound -------------------------------------------------------------

def _minimal_project(root: Path, transfers: str) -> Path:
    for rel, text in {**BASE, "transfers/zz.yaml": transfers}.items():
        (root / "data/raw" / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / "data/raw" / rel).write_text(text, encoding="utf-8")
    return root


def test_alias_bomb_fails_fast_with_a_short_error(tmp_path: Path):
    """A "billion laughs": each level ten aliases of the one before. Refused at its first
    anchor, with a short message and little memory (not expanded, not printed)."""
    levels = ["  a0: &a0 lol"] + [f"  a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 7)]
    bomb = ("- transfer_id: transfer/fuzz\n  supplier_id: actor/beta\n  recipient_id: actor/alpha\n"
            "  flow_type: materiel\n  status: delivered\n  description:\n" + "\n".join("  " + x for x in levels)
            + "\n")
    root = _minimal_project(tmp_path, bomb)
    tracemalloc.start()
    try:
        with pytest.raises(CurationError) as refused:
            load_curation(root)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    message = str(refused.value)
    assert len(message) < 500, message[:1000]
    assert message.startswith("data/raw/transfers/zz.yaml:7: an anchor (&a0)"), message
    assert peak < 5_000_000, peak
