"""The writer on whole releases (../shared/fixtures/lists/full): OFAC of April 2021 imported
twice, then OFAC of 2023-12-28 (sdn.csv alone) twice, then the UN list of 2020-03-20, into one
copy of the project; and what --against-list says of each release right after."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conftest import ROOT, copy_project, run_cli
from flows.importers.against import compare

FULL = ROOT.parent / "shared" / "fixtures" / "lists" / "full"
OFAC_2021, OFAC_2023 = FULL / "ofac-2021-04", FULL / "ofac-2023-12-28"
UN_2020 = FULL / "un-2020-03-20" / "consolidated.xml"

pytestmark = pytest.mark.slow


def _import(root: Path, *args: str) -> str:
    code, out, err = run_cli("import", *args, "--root", str(root))
    assert code == 0, err
    return out


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    root = copy_project(tmp_path_factory.mktemp("whole"))
    reports = {}
    for name, args in (("2021", ("ofac", str(OFAC_2021), "--released", "2021-04-01")),
                       ("2021 again", ("ofac", str(OFAC_2021), "--released", "2021-04-01")),
                       ("2023", ("ofac", str(OFAC_2023), "--released", "2023-12-28", "--sdn-only")),
                       ("2023 again", ("ofac", str(OFAC_2023), "--released", "2023-12-28", "--sdn-only")),
                       ("un", ("un", str(UN_2020)))):
        reports[name] = _import(root, *args)
    return root, reports


def _sdn_refs(folder: Path) -> set[str]:
    return {line.split(b",", 1)[0].decode() for line in (folder / "sdn.csv").read_bytes().split(b"\r\n")
            if line[:1].isdigit()}


def test_a_whole_release_imported_twice_changes_nothing(imported):
    _, reports = imported
    for again in ("2021 again", "2023 again"):
        assert "changed 0, " in reports[again] and "added 0, " in reports[again]
        assert reports[again].endswith("files changed: none\n")


def test_a_newer_release_delists_what_it_lacks(imported):
    root, reports = imported
    gone = _sdn_refs(OFAC_2021) - _sdn_refs(OFAC_2023)
    own = {str(d["list_reference"]) for d in yaml.safe_load(
        (root / "data" / "raw" / "designations" / "import-ofac-sdn.yaml").read_text(encoding="utf-8"))}
    assert f"delisted {len(gone & own)}" in reports["2023"]
    assert "delisted 0" in reports["2023 again"]
    assert f"delisted by an earlier import and still not listed: {len(gone & own)}" in reports["2023 again"]


@pytest.mark.parametrize("release", [OFAC_2023, UN_2020])
def test_against_list_right_after_an_import_finds_every_name(imported, release):
    root, _ = imported
    report = compare(root, release)
    assert report.checked > 1000
    assert [str(f) for f in report.findings if f.kind == "name_changed"] == []


def test_a_party_on_the_release_but_not_selected_is_not_not_found(tmp_path: Path):
    root = copy_project(tmp_path / "project")
    out = _import(root, "ofac", str(OFAC_2023), "--released", "2023-12-28", "--sdn-only",
                  "--around", "MEHR-E EQTESAD-E IRANIAN INVESTMENT COMPANY", "--depth", "0")
    # MEHR EQTESAD BANK (25018) comes as a linked party; the parties it is linked to are on the
    # release, but not selected
    assert "25018 by linked party" in out or "1 by linked party" in out
    assert "party not found: 25018 -> BONYAD TAAVON BASIJ" not in out
    assert "links not written, party on the release but not selected: " in out
