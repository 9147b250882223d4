"""Records and claims an import backs by its list entries (flows.build.list_entries): an actor of
the import's own is written as `{actor_id, list_entry}`, the claims that follow from an entry
alone as `list_entries:` of the release's source file, and the build makes them from the
archived rows with the list's parser. Written out in full, they build the same tables, byte for
byte; a record's own field wins; a reference to an entry or a release that is not there, and an
archived row that does not read, are refused with the file, the line and the field."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from conftest import copy_project, run_cli, imported_records
from flows.build.list_entries import archived_releases
from flows.build.load import BACKED_TABLES, load_curation
from flows.build.pipeline import build
from flows.errors import CurationError
from flows.importers.claims import entry_claims
from flows.importers.yaml_lines import items

OFAC = Path(__file__).parent / "fixtures" / "lists" / "ofac"
SOURCE = "sources/ofac-sdn-2023-12-28.yaml"
ACTORS = "actors/import-ofac-sdn.yaml"


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_project(tmp_path_factory.mktemp("entries") / "project")
    code, _, err = run_cli("import", "ofac", str(OFAC), "--released", "2023-12-28", "--around",
                           "QODS AVIATION INDUSTRIES", "--root", str(root))
    assert code == 0, err
    return root


def _copy(imported: Path, tmp_path: Path) -> Path:
    root = copy_project(tmp_path / "project")
    for rel in (ACTORS, SOURCE, "designations/import-ofac-sdn.yaml", "links/import-ofac-sdn.yaml",
                "texts/ofac-sdn-2023-12-28.txt"):
        if (imported / "data" / "raw" / rel).is_file():
            (root / "data" / "raw" / rel).write_bytes((imported / "data" / "raw" / rel).read_bytes())
    return root


def test_backed_records_and_claims_build_as_if_written_in_full(imported: Path, tmp_path: Path):
    root = _copy(imported, tmp_path)
    raw = root / "data" / "raw"
    written = yaml.safe_load((raw / ACTORS).read_text(encoding="utf-8"))
    assert written["record_defaults"] == {"list_release": "source/ofac-sdn-2023-12-28"}
    assert written["records"] and all(set(r) == {"actor_id", "list_entry"} for r in written["records"])
    designations = yaml.safe_load((raw / "designations" / "import-ofac-sdn.yaml").read_text(encoding="utf-8"))
    assert all(set(r) == {"designation_id", "target_actor_id", "list_entry"} for r in designations["records"])
    source = yaml.safe_load((raw / SOURCE).read_text(encoding="utf-8"))
    claimed = source["list_entries"]["claimed"]
    assert source["list_entries"]["list"] == "ofac-sdn"
    assert set(claimed.values()) == {r["actor_id"] for r in written["records"]}
    build(root, with_duckdb=False)
    tables = {p.name: p.read_bytes() for p in (raw.parent / "processed").glob("*.parquet")}
    # the same records and claims written out in full: every field, every claim
    for table in BACKED_TABLES:
        (raw / table / "import-ofac-sdn.yaml").write_text(items(imported_records(root, "ofac-sdn", table)),
                                                          encoding="utf-8")
    releases = archived_releases(root)
    releases.add(source["source"]["source_id"], "ofac-sdn", source["source"]["text_path"])
    made = [c for ref, actor in claimed.items() for c in entry_claims(
        "ofac", releases.entry(source["source"]["source_id"], ref), actor)]
    text = (raw / SOURCE).read_text(encoding="utf-8")
    head, rest = text.split("list_entries:\n", 1)
    written_claims = rest.split("claims:\n", 1)[1] if "\nclaims:\n" in rest else ""
    (raw / SOURCE).write_text(head + "claims:\n" + items(made) + written_claims, encoding="utf-8")
    assert not any("list_entry" in (raw / t / "import-ofac-sdn.yaml").read_text(encoding="utf-8") for t in BACKED_TABLES)
    build(root, with_duckdb=False)
    assert {p.name: p.read_bytes() for p in (raw.parent / "processed").glob("*.parquet")} == tables
    # and what the build made is the list's: SARMAD (45696) named on its rows, with its address
    actors = {r["actor_id"]: r for r in imported_records(root, "ofac-sdn", "actors")}
    sarmad = claimed["45696"]
    assert actors[sarmad]["name"].startswith("SARMAD")
    assert any(a["attribute"] == "address" and a["value"].endswith("Isfahan City, Isfahan Province 8138961456, Iran")
               and a["source_id"] == "source/ofac-sdn-2023-12-28" for a in actors[sarmad]["attributes"])


def test_a_field_the_record_gives_wins(imported: Path, tmp_path: Path):
    root = _copy(imported, tmp_path)
    path = root / "data" / "raw" / ACTORS
    text = path.read_text(encoding="utf-8")
    first = re.search(r"- \{actor_id: (actor/[^,]+), list_entry: (\"\d+\")\}", text)
    path.write_text(text.replace(first.group(0), f"- {{actor_id: {first.group(1)}, list_entry: {first.group(2)}, "
                                                 "description: A curator's words.}"), encoding="utf-8")
    build(root, with_duckdb=False)
    import pandas as pd

    actors = pd.read_parquet(root / "data" / "processed" / "actors.parquet").set_index("actor_id")
    assert actors.loc[first.group(1), "description"] == "A curator's words."
    assert actors.loc[first.group(1), "name"]  # the rest still made from the entry


@pytest.mark.parametrize("file, old, new, field", [
    (ACTORS, r"list_entry: \"(\d+)\"", 'list_entry: "999999"', "list_entry"),
    # a release given by record_defaults is refused on the first record that takes it
    (ACTORS, r"list_release: source/ofac-sdn-2023-12-28\nrecords:\n", "list_release: source/ofac-sdn-1999-01-01\n"
                                                                       "records:\n", "list_release"),
    (SOURCE, r"    \"(\d+)\": actor/", '    "999999": actor/', "entry"),
    (SOURCE, r"  list: ofac-sdn", "  list: no-such-list", "list"),
])
def test_an_entry_or_release_not_there_is_refused_where_it_is_named(imported: Path, tmp_path: Path, file, old, new,
                                                                    field):
    root = _copy(imported, tmp_path)
    path = root / "data" / "raw" / file
    text = path.read_text(encoding="utf-8")
    match = re.search(old, text)
    line = text[:match.end()].count("\n") + 1 if field == "list_release" else text[:match.start()].count("\n") + 1
    path.write_text(text[:match.start()] + new + text[match.end():], encoding="utf-8")
    with pytest.raises(CurationError) as e:
        build(root, with_duckdb=False)
    problem = e.value.problems[0]
    assert (problem.code, problem.field, str(problem.where)) == ("list_entry_not_found", field,
                                                                f"data/raw/{file}:{line}")
    # a list no parser reads also leaves the actors of its release unmade: refused as well
    assert len(e.value.problems) == (1 + len(BACKED_TABLES) if field == "list" else 1)


def test_an_archived_row_that_does_not_read_is_refused_with_its_locator(imported: Path, tmp_path: Path):
    root = _copy(imported, tmp_path)
    path = root / "data" / "raw" / "texts" / "ofac-sdn-2023-12-28.txt"
    text = path.read_text(encoding="utf-8")
    row = re.search(r"\n(\d+)\t(\d+,\"[^\n]*)", text.split("=== sdn.csv ===", 1)[1])
    path.write_text(text.replace(row.group(2), row.group(2)[:12]), encoding="utf-8")
    with pytest.raises(CurationError) as e:
        build(root, with_duckdb=False)
    assert e.value.problems[0].code == "list_entry_not_found"
    assert f"data/raw/texts/ofac-sdn-2023-12-28.txt: sdn.csv line {row.group(1)}" in e.value.problems[0].message


def _import(root: Path, folder: Path = OFAC, *extra: str) -> str:
    code, out, err = run_cli("import", "ofac", str(folder), "--released", "2023-12-28", "--around",
                             "QODS AVIATION INDUSTRIES", "--root", str(root), *extra)
    assert code == 0, err
    return out


def _without(tmp_path: Path, ent_num: str) -> Path:
    """The OFAC fixture without one entry's sdn.csv row."""
    folder = tmp_path / f"without-{ent_num}"
    folder.mkdir()
    for name in ("sdn.csv", "add.csv", "alt.csv"):
        data = (OFAC / name).read_bytes()
        if name == "sdn.csv":
            data = b"".join(x for x in data.splitlines(keepends=True) if not x.startswith(f"{ent_num},".encode()))
        (folder / name).write_bytes(data)
    return folder


def test_a_release_imported_again_without_an_entry_keeps_its_records_in_full(imported: Path, tmp_path: Path):
    """The same release imported again from another file that lacks an entry: its archived rows
    are replaced, so the records backed by that entry are kept written out in full, their values
    those the entry gave. Their claims were that release's: the build says they have none (as it
    did when records were always written in full), not that an entry is missing."""
    root = _copy(imported, tmp_path)
    before = {r["actor_id"]: r for r in imported_records(root, "ofac-sdn", "actors")}
    _import(root, _without(tmp_path, "45696"), "--force", "--accept-delistings")
    sarmad = yaml.safe_load((root / "data" / "raw" / SOURCE).read_text(encoding="utf-8"))
    assert "45696" not in sarmad["list_entries"].get("claimed", {})
    written = yaml.safe_load((root / "data" / "raw" / ACTORS).read_text(encoding="utf-8"))["records"]
    full = [r for r in written if r["actor_id"].startswith("actor/sarmad")]
    assert len(full) == 1 and "list_entry" not in full[0] and full[0]["name"].startswith("SARMAD")
    after = {r["actor_id"]: r for r in imported_records(root, "ofac-sdn", "actors")}
    assert after[full[0]["actor_id"]] == before[full[0]["actor_id"]]
    with pytest.raises(CurationError) as e:
        build(root, with_duckdb=False)
    assert {(p.code, p.message.split(" has no claim")[0].split(": ")[-1]) for p in e.value.problems} == {
        ("no_claim", full[0]["actor_id"]),
        ("no_claim", "link/ofac-45696-linked-to-qods-aviation-industries")}


def test_a_curators_field_on_a_backed_actor_stays_when_the_release_is_imported_again(imported: Path,
                                                                                     tmp_path: Path):
    root = _copy(imported, tmp_path)
    path = root / "data" / "raw" / ACTORS
    text = path.read_text(encoding="utf-8")
    first = re.search(r"- \{actor_id: (actor/[^,]+), list_entry: (\"\d+\")\}", text)
    path.write_text(text.replace(first.group(0), first.group(0)[:-1] + ", description: A curator's words.}"),
                    encoding="utf-8")
    assert "changed 0" in _import(root, OFAC, "--force")
    assert f"{first.group(1)}, list_entry: {first.group(2)}, description: A curator's words.}}" in \
        path.read_text(encoding="utf-8")


def test_a_record_written_in_full_in_an_import_file_takes_no_release(imported: Path, tmp_path: Path):
    """`list_release:` of record_defaults is given to records backed by an entry only: a record
    written in full beside them (by a curator, or kept in full) builds."""
    root = _copy(imported, tmp_path)
    path = root / "data" / "raw" / ACTORS
    path.write_text(path.read_text(encoding="utf-8") + "- {actor_id: actor/zz-written-in-full, name: ZZ, "
                    "actor_type: company}\n", encoding="utf-8")
    actors = load_curation(root).rows["actors"]
    assert [r["name"] for r in actors if r["actor_id"] == "actor/zz-written-in-full"] == ["ZZ"]


@pytest.mark.parametrize("bad, field, code", [
    ("aliases: [just-a-string]", None, "curation_shape"),  # as on a record written in full
    ("list_entry: [1, 2]", "list_entry", "list_entry_not_found"),
])
def test_a_backed_record_with_a_bad_value_is_refused_with_its_line(imported: Path, tmp_path: Path, bad, field,
                                                                   code):
    root = _copy(imported, tmp_path)
    path = root / "data" / "raw" / ACTORS
    text = path.read_text(encoding="utf-8")
    first = re.search(r"- \{actor_id: (actor/[^,]+), list_entry: (\"\d+\")\}", text)
    line = text[:first.start()].count("\n") + 1
    record = f"- {{actor_id: {first.group(1)}, list_entry: {first.group(2)}, {bad}}}"
    if field == "list_entry":
        record = f"- {{actor_id: {first.group(1)}, {bad}}}"
    path.write_text(text.replace(first.group(0), record), encoding="utf-8")
    with pytest.raises(CurationError) as e:
        build(root, with_duckdb=False)
    problem = e.value.problems[0]
    assert (str(problem.where), problem.field, problem.code) == (f"data/raw/{ACTORS}:{line}", field, code)


def test_claimed_entries_not_a_mapping_are_refused(imported: Path, tmp_path: Path):
    root = _copy(imported, tmp_path)
    path = root / "data" / "raw" / SOURCE
    text = path.read_text(encoding="utf-8")
    claimed = re.search(r"  claimed:\n(    [^\n]+\n)+", text)
    path.write_text(text.replace(claimed.group(0), "  claimed: []\n"), encoding="utf-8")
    with pytest.raises(CurationError) as e:
        build(root, with_duckdb=False)
    assert (e.value.problems[0].code, e.value.problems[0].field) == ("curation_shape", "claimed")


def test_a_release_backing_a_curators_record_is_imported_again(imported: Path, tmp_path: Path):
    """A curator's record backed by an entry of an imported release (in a file of their own):
    importing that release again reads the project without the release's source file, yet the
    release still backs the record."""
    root = _copy(imported, tmp_path)
    (root / "data" / "raw" / "actors" / "zz-curated.yaml").write_text(
        '- {actor_id: actor/zz-curated, list_entry: "40420", list_release: source/ofac-sdn-2023-12-28}\n',
        encoding="utf-8")
    actors = load_curation(root).rows["actors"]
    assert [r["name"] for r in actors if r["actor_id"] == "actor/zz-curated"] == ["ARLANIZADEH, Vali"]
    _import(root, OFAC, "--force")  # refused before: "no release an import archived"
