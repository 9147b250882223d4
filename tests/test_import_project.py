"""Imports into a COPY of the project: the cross-list merge on the curated Iranian UAV
designations, provenance checked by the build, re-imports, newer releases, and
`flows check --against-list` with a release that lacks one curated target."""

from __future__ import annotations

import datetime
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import ROOT, SHARED_SOURCES, copy_project, run_cli, imported_records
from flows.build.list_rows import rows
from flows.build.load import load_curation
from flows.build.pipeline import build
from flows.build.texts import normalise
from flows.errors import CurationError
from flows.importers.against import compare
from flows.importers.identity import Index
from flows.importers.ofac import OfacRelease
from flows.importers.records import load_records

LISTS = Path(__file__).parent / "fixtures" / "lists"
OFAC, UN = LISTS / "ofac", LISTS / "un" / "consolidated-excerpt.xml"
SEEDS = ["--around", "QODS AVIATION INDUSTRIES", "--around", "IRGC Air Force"]


# The SDN excerpt was cut around the curated designations: one curated after it was cut is not in it.
IN_EXCERPT = {line.split(b",")[0].decode() for line in (OFAC / "sdn.csv").read_bytes().splitlines()}


def _import_ofac(root: Path, folder: Path = OFAC, released: str = "2023-12-28", *extra: str):
    code, out, err = run_cli("import", "ofac", str(folder), "--released", released,
                             "--root", str(root), *extra)
    assert code == 0, err
    return out


def _yaml(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _records(path: Path) -> list[dict]:
    """The records of a record file as the build makes them: an import's (`import-<list>.yaml`)
    with its actors made from their list entries, a curated file's with record_defaults applied."""
    if path.stem.startswith("import-"):
        return imported_records(path.parents[3], path.stem.removeprefix("import-"), path.parent.name)
    return [record for _, record in load_records(path.parents[1], f"{path.parent.name}/{path.name}")]


def _archived_rows(root: Path, text_path: str) -> dict[str, str]:
    """The rows of an archived list text, by locator, whitespace normalised (as the build reads them)."""
    return {where: normalise(row) for where, row in rows((root / "data" / "raw" / text_path).read_text(encoding="utf-8"))}


def _subset(dest: Path, drop: dict[str, str]) -> Path:
    """A copy of the OFAC fixture without the lines that start with the given text (per file):
    an older or newer "release" made only by leaving real rows out."""
    dest.mkdir()
    for name in ("sdn.csv", "add.csv", "alt.csv"):
        data = (OFAC / name).read_bytes()
        if name in drop:
            data = b"".join(line for line in data.splitlines(keepends=True)
                            if not line.startswith(drop[name].encode()))
        (dest / name).write_bytes(data)
    return dest


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory):
    import os

    os.environ.setdefault("FLOWS_SHARED_SOURCES", str(SHARED_SOURCES))
    root = copy_project(tmp_path_factory.mktemp("imported"))
    first = _import_ofac(root, OFAC, "2023-12-28", *SEEDS)
    code, un_out, err = run_cli("import", "un", str(UN), "--root", str(root))
    assert code == 0, err
    build(root, with_duckdb=False)
    return root, first, un_out


def test_merge_into_curated_uav_actors(imported):
    root, report, _ = imported
    raw = root / "data" / "raw"
    actors = _records(raw / "actors" / "import-ofac-sdn.yaml")
    # only the one entity the project did not have is a new actor
    assert [a["actor_id"] for a in actors] == ["actor/sarmad-electronic-sepahan-company"]
    designations = {d["designation_id"]: d for d in _records(raw / "designations" / "import-ofac-sdn.yaml")}
    assert sorted(designations) == ["designation/ofac-12055", "designation/ofac-16418", "designation/ofac-45696"]
    assert designations["designation/ofac-16418"]["target_actor_id"] == "actor/qods-aviation-industries"
    assert designations["designation/ofac-12055"]["target_actor_id"] == "actor/irgc-air-force"
    assert designations["designation/ofac-16418"]["program_tags"] == "NPWMD; IFSR; IRAN-CON-ARMS-EO; RUSSIA-EO14024"
    # the basis of every merge is reported
    assert "39096 -> actor/seyed-hojatollah-ghoreishi: same list reference: designation/ofac-39096" in report
    assert "16418 -> actor/qods-aviation-industries: same name or alias" in report
    assert "12055: merged into actor/irgc-air-force by its primary name; an alias is also carried by " \
           "actor/irgc-aerospace-force" in report  # the ambiguity is left to a curator
    links = {link["link_id"]: link for link in _records(raw / "links" / "import-ofac-sdn.yaml")}
    assert links["link/ofac-45696-linked-to-qods-aviation-industries"]["to_record_id"] == "actor/qods-aviation-industries"
    assert links["link/ofac-16418-linked-to-ministry-of-defense-and-armed-forces-logistics"]["from_record_id"] == \
        "actor/qods-aviation-industries"
    assert "link/ofac-39096-linked-to-qods-aviation-industries" not in links  # curated already


def test_every_value_has_list_row_evidence_and_builds(imported):
    root, _, _ = imported
    processed = root / "data" / "processed"
    claims = pd.read_parquet(processed / "claims.parquet")
    mine = claims[claims.source_id == "source/ofac-sdn-2023-12-28"]
    assert set(mine.evidence_type) == {"list_row"} and set(mine.stance) == {"lists"}
    row = mine[mine.claim_id == "claim/ofac-sdn-2023-12-28/ofac-39096-listing"].iloc[0]
    # evidence by reference: the source file names the row, the build fills in the row itself
    assert row.record_id == "designation/ofac-39096" and row.locator == "sdn.csv line 52"
    archived = _archived_rows(root, "texts/ofac-sdn-2023-12-28.txt")
    assert row.evidence_text == archived["sdn.csv line 52"]
    assert row.evidence_text.startswith('39096,"GHOREISHI, Seyed Hojatollah","individual","NPWMD] [IFSR] [IRAN-CON-ARMS-EO",')
    written = {c["id"]: c for c in _yaml(root / "data" / "raw" / "sources" / "ofac-sdn-2023-12-28.yaml")["claims"]}
    assert "evidence_text" not in written["ofac-39096-listing"]
    # one claim for the actor, on its rows: the name, and the aliases and details the actor lacked
    actor = mine[mine.claim_id == "claim/ofac-sdn-2023-12-28/ofac-39096-name"].iloc[0]
    assert actor.record_id == "actor/seyed-hojatollah-ghoreishi"
    assert actor.locator.split("; ")[:3] == ["sdn.csv line 52", "alt.csv line 69", "alt.csv line 70"]
    # its evidence: those rows, whole, in the locator's order
    assert actor.evidence_text == " … ".join(archived[where] for where in actor.locator.split("; "))
    assert actor.evidence_text.split(" … ")[2] == '39096,60969,"aka","QUREISHI, Seyed Hojjatollah",-0-'
    # the curated link gains the 2023-12-28 row as a second piece of evidence
    assert "link/ofac-39096-linked-to-qods-aviation-industries" in set(mine.record_id)
    aliases = pd.read_parquet(processed / "actor_aliases.parquet")
    sarmad = aliases[aliases.actor_id == "actor/sarmad-electronic-sepahan-company"]
    assert set(sarmad.alias) == {"SEPAHAN SARMAD ELECTRONIC", "SARMAD ELECTRONICS SEPAHAN PRIVATE LIMITED COMPANY"}
    attrs = pd.read_parquet(processed / "actor_attributes.parquet")
    # a merged actor gets the details it lacked from the release's source file
    assert ("actor/irgc-air-force", "address", "Syria") in set(
        zip(*(attrs[attrs.source_id == "source/ofac-sdn-2023-12-28"][c] for c in ("actor_id", "attribute", "value"))))
    un = attrs[attrs.source_id == "source/un-consolidated-2026-02-27"]
    assert ("actor/fereidoun-abbasi-davani", "birth_date", "1959") in set(
        zip(un.actor_id, un.attribute, un.value))
    designations = pd.read_parquet(processed / "designations.parquet").set_index("designation_id")
    assert designations.loc["designation/un-ire-001", "listed"] == "2006-12-23"
    assert designations.loc["designation/un-ire-001", "program_tags"] == "IRAN"
    assert designations.loc["designation/un-ire-001", "target_actor_id"] == "actor/7th-of-tir"
    assert designations.loc["designation/un-ire-001", "authority_id"] == "actor/un-security-council"
    code, _, err = run_cli("check", "--root", str(root))
    assert code == 0, err  # every evidence found in texts/ofac-sdn-2023-12-28.txt and the UN text
    text = (root / "data" / "raw" / "texts" / "ofac-sdn-2023-12-28.txt").read_text(encoding="utf-8")
    assert "sdn.csv: 12037 bytes, sha256 7d02c7069840729a7a8c29f0cfb8b6db7ad8379edfc9efe7d70a75cddb6cb70d" in text


def test_reimport_same_release_changes_nothing(imported):
    root, _, _ = imported
    raw = root / "data" / "raw"

    def files() -> dict[Path, bytes]:  # the manifests aside: they record what each import read
        return {p: p.read_bytes() for p in raw.rglob("*") if p.is_file() and p.suffix != ".sha256"}

    before = files()
    # the UN import came after the OFAC import: OFAC's inputs (the curation) changed, so it runs again
    out = _import_ofac(root, OFAC, "2023-12-28", *SEEDS)
    assert "changed 0, unchanged 11" in out and "files changed: none" in out
    code, out, _ = run_cli("import", "un", str(UN), "--root", str(root))
    assert "files changed: none" in out
    assert files() == before
    # now nothing changed since: the import stops before reading the release
    manifest = (raw / "imported-ofac-sdn.sha256").read_bytes()
    out = _import_ofac(root, OFAC, "2023-12-28", *SEEDS)
    assert "are those of the last import" in out and "changed 0, nothing read" in out
    assert files() == before and (raw / "imported-ofac-sdn.sha256").read_bytes() == manifest


def test_an_unchanged_reimport_runs_again_when_anything_it_reads_changes(tmp_path: Path):
    root = copy_project(tmp_path / "project")
    raw = root / "data" / "raw"
    _import_ofac(root, OFAC, "2023-12-28", *SEEDS)
    assert "nothing read" in _import_ofac(root, OFAC, "2023-12-28", *SEEDS)
    # other options
    assert "nothing read" not in _import_ofac(root, OFAC, "2023-12-28", *SEEDS, "--depth", "0")
    _import_ofac(root, OFAC, "2023-12-28", *SEEDS)
    # another release's files
    other = _subset(tmp_path / "other", {"alt.csv": "45696,70588,"})
    assert "nothing read" not in _import_ofac(root, other, "2023-12-28", *SEEDS)
    _import_ofac(root, OFAC, "2023-12-28", *SEEDS)
    # the curation outside the import's files (identity may decide otherwise)
    states = raw / "actors" / "states.yaml"
    states.write_text(states.read_text(encoding="utf-8") + "# a curator's note\n", encoding="utf-8")
    out = _import_ofac(root, OFAC, "2023-12-28", *SEEDS)
    assert "nothing read" not in out and "changed 0," in out
    # a file the import wrote, edited since: the import runs (and refuses to overwrite the edit)
    designations = raw / "designations" / "import-ofac-sdn.yaml"
    designations.write_text(designations.read_text(encoding="utf-8") + "# a note\n", encoding="utf-8")
    code, out, err = run_cli("import", "ofac", str(OFAC), "--released", "2023-12-28", *SEEDS, "--root", str(root))
    assert code == 1 and "changed since the last import and not committed" in err


def test_newer_release_reports_added_changed_delisted(tmp_path: Path):
    root = copy_project(tmp_path / "project")
    older = _subset(tmp_path / "older", {"sdn.csv": "45696,", "alt.csv": "16418,62829,"})
    first = _import_ofac(root, older, "2023-12-01", *SEEDS)
    assert "added 2" in first  # 12055, 16418 (45696 is not on it)
    second = _import_ofac(root, OFAC, "2023-12-28", *SEEDS)
    assert "  added 45696" in second
    assert "  changed 16418: aliases" not in second  # merged into a curated actor: no own record
    assert "changed 0" in second or "changed" in second
    newest = _subset(tmp_path / "newest", {"sdn.csv": "45696,"})
    third = _import_ofac(root, newest, "2024-01-08", *SEEDS)
    assert "delisted 1" in third and "  delisted 45696" in third
    designations = {d["list_reference"]: d for d in _records(root / "data" / "raw" / "designations" / "import-ofac-sdn.yaml")}
    assert designations["45696"]["delisted"] == "2023-12-28/2024-01-08"
    build(root, with_duckdb=False)  # the three releases' source files and their claims all hold


def test_changed_aliases_of_an_imported_actor(tmp_path: Path):
    root = copy_project(tmp_path / "project")
    older = _subset(tmp_path / "older", {"alt.csv": "45696,70588,"})
    _import_ofac(root, older, "2023-12-01", *SEEDS)
    out = _import_ofac(root, OFAC, "2023-12-28", *SEEDS)
    assert "  changed 45696: aliases (+1 -0)" in out


def test_identity_by_name_and_birth_date_and_ambiguous():
    curation = load_curation(ROOT)
    rows = {k: list(v) for k, v in curation.rows.items()}
    rows["designations"] = [d for d in rows["designations"] if d["authority_id"] != "actor/us-treasury-ofac"]
    entry = next(OfacRelease(OFAC).entries({"39096"}))
    m = Index(rows, set(), "actor/us-treasury-ofac").match(entry)
    assert m.actor_id == "actor/seyed-hojatollah-ghoreishi"
    assert "same birth date (1964-09-27)" in m.basis and "same identity number (5929869741, " in m.basis
    # without a birth date or identity number to compare, a shared name is not enough for a person
    rows["actor_attributes"] = [a for a in rows["actor_attributes"]
                                if a["actor_id"] != "actor/seyed-hojatollah-ghoreishi"]
    m = Index(rows, set(), "actor/us-treasury-ofac").match(entry)
    assert m.actor_id is None and "nothing to confirm it" in m.ambiguous


def test_same_as_is_kept_as_a_decision(tmp_path: Path):
    root = copy_project(tmp_path / "project")
    out = _import_ofac(root, OFAC, "2023-12-28", "--around", "SARMAD ELECTRONIC SEPAHAN COMPANY", "--depth", "0",
                       "--same-as", "45696=actor/qods-aviation-industries")
    assert "45696 -> actor/qods-aviation-industries: curator decision (--same-as)" in out
    out = _import_ofac(root, OFAC, "2023-12-28", "--around", "SARMAD ELECTRONIC SEPAHAN COMPANY", "--depth", "0")
    assert "curator decision in data/raw/designations/import-ofac-sdn.yaml" in out
    assert "files changed: none" in out


def test_against_list_reports_a_missing_target(tmp_path: Path, curated: dict):
    curated_ofac = [d for d in curated["designations"] if d["authority_id"] == "actor/us-treasury-ofac"]
    # Each curated designation in the excerpt is listed as curated; one curated since is reported.
    since = sorted(d["designation_id"] for d in curated_ofac if d["list_reference"] not in IN_EXCERPT)
    assert [(f.designation_id, f.kind) for f in compare(ROOT, OFAC).findings] == [
        (d, "no_longer_listed") for d in since]
    release = _subset(tmp_path / "release", {"sdn.csv": "40421,"})
    report = compare(ROOT, release)
    assert report.checked == len(curated_ofac) >= 17
    assert [(f.designation_id, f.kind) for f in report.findings] == [
        (d, "no_longer_listed") for d in sorted(since + ["designation/ofac-40421"])]
    code, out, _ = run_cli("check", "--against-list", str(release), "--root", str(ROOT))
    assert code == 1
    assert "designation/ofac-40421 (40421): no longer listed: ent_num 40421 is not on the release" in out
    code, out, _ = run_cli("check", "--against-list", str(OFAC), "--root", str(ROOT))
    assert f"{len(curated_ofac)} designations checked" in out
    assert (code, "all listed as curated" in out) == ((1, False) if since else (0, True))


def test_against_list_changed_name_and_tags(tmp_path: Path):
    root = copy_project(tmp_path / "project")
    path = root / "data" / "raw" / "designations" / "ofac.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("list_reference: '40417'\n  program_tags: NPWMD; IFSR",
                                 "list_reference: '40417'\n  program_tags: NPWMD"), encoding="utf-8")
    path = root / "data" / "raw" / "actors" / "listed-iran-uav.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("alias: KHAKI, Reza", "alias: KHAKI, R.")
                    .replace("name: Reza KHAKI", "name: R. KHAKI"),
                    encoding="utf-8")
    kinds = {(f.designation_id, f.kind) for f in compare(root, OFAC).findings if f.reference in IN_EXCERPT}
    assert kinds == {("designation/ofac-40417", "program_tags_changed"), ("designation/ofac-40417", "name_changed")}


def _kinds(report) -> set[tuple[str, str]]:
    return {(f.designation_id, f.kind) for f in report.findings}


def test_a_merged_actor_gets_the_lists_name_as_an_alias(tmp_path: Path):
    """Right after an import, --against-list finds every merged target by the list's name."""
    root = copy_project(tmp_path / "project")
    path = root / "data" / "raw" / "actors" / "listed-iran-uav.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("alias: KHAKI, Reza", "alias: KHAKI, R.")
                    .replace("name: Reza KHAKI", "name: R. KHAKI"), encoding="utf-8")
    assert ("designation/ofac-40417", "name_changed") in _kinds(compare(root, OFAC))
    out = _import_ofac(root, OFAC, "2023-12-28", *SEEDS)
    assert "40417 -> actor/reza-khaki: same list reference" in out
    source = _yaml(root / "data" / "raw" / "sources" / "ofac-sdn-2023-12-28.yaml")
    assert {"actor_id": "actor/reza-khaki", "alias": "KHAKI, Reza", "alias_type": "primary"} in source["actor_aliases"]
    assert not [k for k in _kinds(compare(root, OFAC)) if k[1] == "name_changed"]
    code, out, err = run_cli("check", "--against-list", str(OFAC), "--root", str(root))
    assert "designation/ofac-40417" not in out
    build(root, with_duckdb=False)  # the aliases of the source file hold
    aliases = pd.read_parquet(root / "data" / "processed" / "actor_aliases.parquet")
    mine = aliases[(aliases.actor_id == "actor/reza-khaki") & (aliases.source_id == "source/ofac-sdn-2023-12-28")]
    assert mine.alias.tolist() == ["KHAKI, Reza"]


def test_links_dropped_by_a_newer_release_are_marked(tmp_path: Path):
    root = copy_project(tmp_path / "project")
    _import_ofac(root, OFAC, "2023-12-01", "--around", "SARMAD ELECTRONIC SEPAHAN COMPANY", "--depth", "0")
    links = root / "data" / "raw" / "links" / "import-ofac-sdn.yaml"
    assert "link/ofac-45696-linked-to-qods-aviation-industries" in links.read_text(encoding="utf-8")
    # a newer release: 45696 listed without its "Linked To: QODS AVIATION INDUSTRIES"
    newer = tmp_path / "newer"
    shutil.copytree(OFAC, newer)
    sdn = (newer / "sdn.csv").read_bytes()
    row = next(line for line in sdn.split(b"\r\n") if line.startswith(b"45696,"))
    assert b"; Linked To: QODS AVIATION INDUSTRIES." in row
    (newer / "sdn.csv").write_bytes(sdn.replace(row, row.replace(b"; Linked To: QODS AVIATION INDUSTRIES.", b".")))
    out = _import_ofac(root, newer, "2023-12-28", "--around", "SARMAD ELECTRONIC SEPAHAN COMPANY", "--depth", "0")
    assert "  changed 45696: links" in out
    assert "links dropped (no longer on the list; kept, noted): 1" in out
    assert "# link dropped: not on the release of 2023-12-28 (source/ofac-sdn-2023-12-28)\n" \
           "- {link_id: link/ofac-45696-linked-to-qods-aviation-industries," in links.read_text(encoding="utf-8")
    # the next release that does not give it either: nothing changed, the note keeps its release
    again = _import_ofac(root, newer, "2024-01-08", "--around", "SARMAD ELECTRONIC SEPAHAN COMPANY", "--depth", "0")
    assert "changed 0" in again and "links dropped" not in again
    assert "not on the release of 2023-12-28" in links.read_text(encoding="utf-8")
    build(root, with_duckdb=False)


def test_a_delisting_is_reported_once(tmp_path: Path):
    root = copy_project(tmp_path / "project")
    _import_ofac(root, OFAC, "2023-12-28", *SEEDS)
    newest = _subset(tmp_path / "newest", {"sdn.csv": "45696,"})
    assert "  delisted 45696" in _import_ofac(root, newest, "2024-01-08", *SEEDS)
    again = _import_ofac(root, newest, "2024-01-09", *SEEDS)
    assert "delisted 0" in again and "delisted by an earlier import and still not listed: 1" in again
    designations = (root / "data" / "raw" / "designations" / "import-ofac-sdn.yaml").read_text()
    assert 'delisted: "2023-12-28/2024-01-08"}\n' in designations  # the first release without it, kept
    assert "ofac-45696-delisted" not in (root / "data" / "raw" / "sources" / "ofac-sdn-2024-01-09.yaml").read_text()


def test_a_delisting_carries_its_date_and_a_claim_the_build_checks(tmp_path: Path):
    """Listed from ... to ...: a designation a newer release lacks gets `delisted`, from the last
    release that listed it to this one, claimed on the line of the archived text naming it."""
    import duckdb

    root = copy_project(tmp_path / "project")
    _import_ofac(root, OFAC, "2023-12-28", *SEEDS)
    newest = _subset(tmp_path / "newest", {"sdn.csv": "45696,"})
    _import_ofac(root, newest, "2024-01-08", *SEEDS)
    raw = root / "data" / "raw"
    designations = {d["designation_id"]: d for d in _records(raw / "designations" / "import-ofac-sdn.yaml")}
    assert designations["designation/ofac-45696"]["delisted"] == "2023-12-28/2024-01-08"
    assert "delisted" not in designations["designation/ofac-16418"]
    claims = {c["id"]: c for c in _yaml(raw / "sources" / "ofac-sdn-2024-01-08.yaml")["claims"]}
    claim = claims["ofac-45696-delisted"]
    assert (claim["record_id"], claim["field"], claim["claimed_value"]) == (
        "designation/ofac-45696", "delisted", "2023-12-28/2024-01-08")
    text = (raw / "texts" / "ofac-sdn-2024-01-08.txt").read_text(encoding="utf-8")
    assert claim["locator"] == "not on this release line 1" and "evidence_text" not in claim  # the row is
    absent = "ent_num 45696 (designation/ofac-45696): listed by an earlier import, not on this release"
    assert f"=== not on this release ===\n1\t{absent}\n" in text
    before = {p: p.read_bytes() for p in raw.rglob("*") if p.is_file()}
    assert "files changed: none" in _import_ofac(root, newest, "2024-01-08", *SEEDS)  # the claim written again
    assert {p: p.read_bytes() for p in raw.rglob("*") if p.is_file()} == before
    build(root)
    code, _, err = run_cli("check", "--root", str(root))
    assert code == 0, err  # the claim's evidence is found in the archived text
    built = pd.read_parquet(root / "data" / "processed" / "claims.parquet").set_index("claim_id")
    assert built.loc["claim/ofac-sdn-2024-01-08/ofac-45696-delisted", "evidence_text"] == absent
    con = duckdb.connect(str(root / "data" / "processed" / "flows.duckdb"), read_only=True)
    row = con.execute("SELECT listed, delisted_earliest, delisted_latest FROM designations_by_authority "
                      "WHERE designation_id = 'designation/ofac-45696'").fetchone()
    assert row[1:] == (datetime.date(2023, 12, 28), datetime.date(2024, 1, 8))
    assert con.execute("SELECT count(*) FROM timeline WHERE record_id = 'designation/ofac-45696' "
                       "AND date_field = 'delisted'").fetchone()[0] == 1
    con.close()
    # FollowTheMoney: the Sanction ends (the span crosses a year: no endDate is certain; the status says it)
    code, _, err = run_cli("export", "ftm", str(tmp_path / "flows.ftm.json"), "--root", str(root))
    assert code == 0, err
    sanctions = {e["id"]: e for e in map(json.loads, (tmp_path / "flows.ftm.json").read_text().splitlines())
                 if e["schema"] == "Sanction"}
    ended = next(e for e in sanctions.values() if "45696" in e["properties"].get("authorityId", []))
    assert "delisted 2023-12-28/2024-01-08" in ended["properties"]["status"] and "endDate" not in ended["properties"]
    kept = next(e for e in sanctions.values() if "16418" in e["properties"].get("authorityId", []))
    assert "endDate" not in kept["properties"] and not any("delisted" in v for v in kept["properties"].get("status", []))
    # the evidence is checked: a delisting claim whose line is not in the text is a problem
    source = raw / "sources" / "ofac-sdn-2024-01-08.yaml"
    source.write_text(source.read_text(encoding="utf-8").replace(
        "locator: not on this release line 1,", "locator: not on this release line 9,"), encoding="utf-8")
    with pytest.raises(CurationError) as e:
        build(root, with_duckdb=False)
    assert [p.code for p in e.value.problems] == ["list_row_not_found"]


def test_evidence_by_reference_is_found_in_the_row_its_locator_names(tmp_path: Path):
    """The rule list_row_not_found: a claim on an import's archived rows leaves its evidence to
    the rows its locator names, each of which must be a row of the text (the error names the
    locator); a claim that gives its own evidence quotes pieces of those rows, found elsewhere in
    the text is not enough (a quote search would pass it)."""
    root = copy_project(tmp_path / "project")
    _import_ofac(root, OFAC, "2023-12-28", *SEEDS)
    source = root / "data" / "raw" / "sources" / "ofac-sdn-2023-12-28.yaml"
    build(root, with_duckdb=False)
    claims = pd.read_parquet(root / "data" / "processed" / "claims.parquet").set_index("claim_id")
    # the name claim the build makes of SARMAD's entry (45696) cites its rows (`list_entries:`)
    rows = "sdn.csv line 63; alt.csv line 92; alt.csv line 93; add.csv line 110"
    made = claims.loc["claim/ofac-sdn-2023-12-28/ofac-45696-name"]
    assert made["locator"] == rows
    assert f'\n    "45696": {made["record_id"]}\n' in source.read_text(encoding="utf-8")
    # the same claim written out, as a curator would, is held to the rows its locator names
    claim = f"locator: {rows}}}"
    text = source.read_text(encoding="utf-8").replace(
        "\nclaims:\n", f"\nclaims:\n- {{id: ofac-45696-written, record_id: {made['record_id']}, field: name, {claim}\n")
    lines = text.splitlines()
    line = next(i for i, x in enumerate(lines, 1) if claim in x)
    source.write_text(text.replace(claim, claim.replace("add.csv line 110", "add.csv line 7000")), encoding="utf-8")
    with pytest.raises(CurationError) as e:
        build(root, with_duckdb=False)
    [problem] = e.value.problems
    assert (problem.code, problem.field) == ("list_row_not_found", "locator")
    assert str(problem.where) == f"data/raw/sources/ofac-sdn-2023-12-28.yaml:{line}"
    assert 'no row "add.csv line 7000" in texts/ofac-sdn-2023-12-28.txt' in problem.message
    # a claim that gives its own evidence keeps it, checked against the rows it names
    quoted = "evidence_text: \"Isfahan City, Isfahan Province 8138961456 … Iran\", "  # add.csv line 110
    for locator, message in (("add.csv line 110", None),
                             ("add.csv line 77", "not found in the rows it names of texts/ofac-sdn-2023-12-28.txt")):
        source.write_text(text.replace(claim, quoted + claim.replace("add.csv line 110", locator)), encoding="utf-8")
        if message is None:
            build(root, with_duckdb=False)
            claims = pd.read_parquet(root / "data" / "processed" / "claims.parquet").set_index("claim_id")
            assert claims.loc["claim/ofac-sdn-2023-12-28/ofac-45696-written", "evidence_text"] == \
                "Isfahan City, Isfahan Province 8138961456 … Iran"
            continue
        with pytest.raises(CurationError) as e:
            build(root, with_duckdb=False)
        assert [(p.code, p.field) for p in e.value.problems] == [("list_row_not_found", "evidence_text")]
        assert message in e.value.problems[0].message
    source.write_text(text, encoding="utf-8")
    build(root, with_duckdb=False)
    # `flows check` reads the rows again: a row changed in the archived text is found out
    archived = root / "data" / "raw" / "texts" / "ofac-sdn-2023-12-28.txt"
    archived.write_text(archived.read_text(encoding="utf-8").replace('"Isfahan City, Isfahan Province 8138961456"', '"Isfahan"'),
                        encoding="utf-8")
    code, out, _ = run_cli("check", "--root", str(root), "--format", "json")
    assert code == 1
    codes = {p["code"] for p in json.loads(out)["problems"]}
    assert {"list_row_not_found", "text_changed"} <= codes


def test_against_list_reads_a_delisting_by_the_release_date(tmp_path: Path):
    """A designation delisted by a newer release is expected on an older one (no finding), and
    flagged `listed_again` on a release after its delisting. UN files carry their date."""
    un = Path(__file__).parent / "fixtures" / "lists" / "un" / "consolidated-excerpt.xml"
    text = un.read_text(encoding="utf-8")
    entity = text[text.index("    <ENTITY>"):text.index("</ENTITY>") + len("</ENTITY>\n")]

    def release(name: str, date: str, with_entity: bool) -> Path:
        path = tmp_path / name / "consolidated.xml"
        path.parent.mkdir()
        path.write_text(text.replace('dateGenerated="2026-02-27', f'dateGenerated="{date}')
                        .replace(entity, entity if with_entity else ""), encoding="utf-8")
        return path

    root = copy_project(tmp_path / "project")
    for path in (un, release("newer", "2026-03-01", False)):
        code, _, err = run_cli("import", "un", str(path), "--root", str(root))
        assert code == 0, err
    designations = {d["list_reference"]: d for d in _records(root / "data" / "raw" / "designations" / "import-un-consolidated.yaml")}
    assert designations["IRe.001"]["delisted"] == "2026-02-27/2026-03-01"
    code, out, err = run_cli("check", "--root", str(root), "--against-list", str(un))
    assert "IRe.001" not in out + err  # the release of 2026-02-27 lists it, as it should
    code, out, err = run_cli("check", "--root", str(root), "--against-list", str(release("later", "2026-03-05", True)))
    assert code == 1 and "designation/un-ire-001 (IRe.001): listed again" in out
    assert "delisted 2026-02-27/2026-03-01 in the curation, but the release of 2026-03-05 lists it" in out + err
