"""A source file's keys written by imports, open to curators too: `claim_defaults:` (fields every
claim takes unless it gives its own), `actor_aliases:` and `actor_attributes:` (names and details
the source gives to actors curated in other files)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import copy_project
from flows.build.load import load_curation
from flows.errors import CurationError

SOURCE = "bis-2023-06-09-joint-advisory-iran-uav"


def _edit(root: Path, old: str, new: str) -> Path:
    path = root / "data" / "raw" / "sources" / f"{SOURCE}.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _claim(rows: dict, claim_id: str) -> dict:
    return next(c for c in rows["claims"] if c["claim_id"] == claim_id)


def test_claim_defaults_fill_what_a_claim_leaves_out(tmp_path: Path):
    root = copy_project(tmp_path)
    _edit(root, "claims:\n", "claim_defaults:\n  claimant_id: actor/us-commerce-bis\n  claimed: '2023-06-09'\nclaims:\n")
    _edit(root, "  claimant_id: actor/us-commerce-bis\n  stance: warns", "  stance: warns")
    rows = load_curation(root).rows
    claim = _claim(rows, f"claim/{SOURCE}/advisory-warns")
    assert (claim["claimant_id"], claim["claimed"]) == ("actor/us-commerce-bis", "2023-06-09")


def test_claim_defaults_take_claim_fields_only(tmp_path: Path):
    root = copy_project(tmp_path)
    _edit(root, "claims:\n", "claim_defaults:\n  claimant: actor/us-commerce-bis\nclaims:\n")
    with pytest.raises(CurationError) as e:
        load_curation(root)
    problem = e.value.problems[0]
    assert (problem.code, problem.field) == ("unknown_field", "claimant")
    assert str(problem).startswith(f"data/raw/sources/{SOURCE}.yaml:14: claimant: unknown field in claim_defaults")


def test_actor_aliases_and_attributes_of_a_source_file(tmp_path: Path):
    root = copy_project(tmp_path)
    _edit(root, "claims:\n", "actor_aliases:\n- {actor_id: actor/us-commerce-bis, alias: BIS, alias_type: acronym}\n"
                             "actor_attributes:\n- {actor_id: actor/us-commerce-bis, attribute: website, value: bis.gov}\n"
                             "claims:\n")
    rows = load_curation(root).rows
    assert {"actor_id": "actor/us-commerce-bis", "alias": "BIS", "alias_type": "acronym", "language": None,
            "source_id": f"source/{SOURCE}"} in rows["actor_aliases"]
    assert {"actor_id": "actor/us-commerce-bis", "attribute": "website", "value": "bis.gov",
            "source_id": f"source/{SOURCE}"} in rows["actor_attributes"]
    # the source is the file's: a row cannot name another
    _edit(root, "alias_type: acronym}", "alias_type: acronym, source_id: source/other}")
    with pytest.raises(CurationError) as e:
        load_curation(root)
    assert (e.value.problems[0].code, e.value.problems[0].field) == ("unknown_field", "source_id")
