"""flows.importers.files: an import writes its curation files through the one writer of
flows.publish.targets: never through a link at a temporary name, and all of them or none."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.importers.files import ImportRefused, Plan


def test_an_import_never_writes_through_a_link_at_its_temporary_name(tmp_path: Path):
    """A link planted at data/raw/<file>.tmp is replaced: the file it points at keeps its bytes,
    and the curation file becomes a file, not that link."""
    raw = tmp_path / "data" / "raw"
    raw.mkdir(parents=True)
    victim = tmp_path / "elsewhere.txt"
    victim.write_bytes(b"not the importer's\n")
    target = raw / "designations-ofac.yaml"
    (raw / "designations-ofac.yaml.tmp").symlink_to(victim)
    plan = Plan(tmp_path, "ofac-sdn")
    plan.put(target, b"designations: []\n")
    assert plan.commit(force=False) == ["data/raw/designations-ofac.yaml"]
    assert victim.read_bytes() == b"not the importer's\n"
    assert not target.is_symlink() and target.read_bytes() == b"designations: []\n"
    assert sorted(p.name for p in raw.iterdir()) == ["designations-ofac.yaml", "imported-ofac-sdn.sha256"]


def test_an_import_that_cannot_write_one_file_writes_none(tmp_path: Path):
    raw = tmp_path / "data" / "raw"
    raw.mkdir(parents=True)
    kept = raw / "a.yaml"
    kept.write_bytes(b"old\n")
    (raw / "b.yaml.tmp").mkdir()  # a folder where b's temporary file must go: it cannot be written
    (raw / "b.yaml.tmp" / "x").write_bytes(b"")
    plan = Plan(tmp_path, "ofac-sdn")
    plan.put(kept, b"new\n")
    plan.put(raw / "b.yaml", b"new\n")
    with pytest.raises(ImportRefused, match="nothing was written"):
        plan.commit(force=True)
    assert kept.read_bytes() == b"old\n"
    assert sorted(p.name for p in raw.iterdir()) == ["a.yaml", "b.yaml.tmp"]
