"""The importer framework: the registry of lists (one mapping file per list), the commands made
from it, and a new list added as one parser module plus one mapping file."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from conftest import copy_project, run_cli
from flows.importers.records import load_records
from flows.importers.registry import LISTS_FOLDER, MappingError, list_of, load_registry, read_spec, registry
from flows.importers.release import ListRelease

LISTS = Path(__file__).parent / "fixtures" / "lists"
OFAC, UN = LISTS / "ofac", LISTS / "un" / "consolidated-excerpt.xml"
EU, UK = LISTS / "eu" / "fsf-excerpt-2020-04-15.xml", LISTS / "uk" / "ConList-2018-excerpt.csv"
PACKAGE_LISTS = Path(__file__).resolve().parents[1] / "src" / "flows" / "importers" / LISTS_FOLDER


def test_every_mapping_file_matches_its_parser():
    lists = registry()
    assert {"ofac-sdn", "un-consolidated"} <= set(lists)
    for key, spec in lists.items():
        parser = spec.parser_class()  # the key, authority and reference label agree with the class
        assert spec.key == key and spec.file == f"lists/{key}.yaml"
        if not spec.variants:
            assert parser.list_key == key
    assert isinstance(lists["ofac-sdn"].open(OFAC), ListRelease)
    assert isinstance(lists["un-consolidated"].open(UN), ListRelease)
    assert isinstance(lists["eu-fsf"].open(EU), ListRelease)


def test_a_list_of_variants_files_each_release_under_the_variant_it_is():
    """The UK's lists: one parser; the release says which list it is (OFSI's older layout,
    keyed by Group ID, is a list of its own)."""
    uk = registry()["uk"]
    assert uk.keys == ("uk-ofsi-conlist", "uk-ofsi-conlist-legacy", "uk-sanctions-list")
    variant = uk.for_release(uk.open(UK))
    assert (variant.key, variant.ref_label, variant.command) == ("uk-ofsi-conlist-legacy", "Group ID", "uk")
    assert variant.well_formed("13416") and not variant.well_formed("RUS1652")
    assert list_of(UK) is uk and list_of(UK, "uk-ofsi-conlist-legacy") is uk


def test_the_reference_rule_is_the_lists_own():
    lists = registry()
    assert lists["ofac-sdn"].well_formed("39096") and not lists["ofac-sdn"].well_formed("IRe.055")
    assert lists["un-consolidated"].well_formed("IRe.055") and not lists["un-consolidated"].well_formed("39096")
    assert not lists["un-consolidated"].well_formed("RUS1652")  # a UK reference has no dot


def _mapping(**changes) -> str:
    doc = yaml.safe_load((PACKAGE_LISTS / "un-consolidated.yaml").read_text(encoding="utf-8"))
    for path, value in changes.items():
        *parents, last = path.split("__")
        part = doc
        for p in parents:
            part = part[p]
        if value is None:
            del part[last]
        else:
            part[last] = value
    return yaml.safe_dump(doc, allow_unicode=True)


@pytest.mark.parametrize("changes, field, words", [
    ({"authority_id": None}, "authority_id", "required field missing"),
    ({"colour": "blue"}, "colour", "unknown field"),
    ({"reference__pattern": "[0-9]+"}, "reference.examples", "'IRe.055' does not match the pattern"),
    ({"reference__pattern": "[0-9"}, "reference.pattern", "not a regular expression"),
    ({"argument__kind": "url"}, "argument.kind", "'url' does not match"),
    ({"release_date__option": "--released"}, "release_date.given_basis", "required field missing"),
    ({"parser": "flows.importers.nowhere:Release"}, "parser", "no module flows.importers.nowhere"),
    ({"key": "un-other"}, "key", "the file must be named un-other.yaml"),
    ({"recognise__suffixes": None}, "recognise", "give folder_holds"),
    ({"file_urls": {"a.xml": "ftp://x"}}, "file_urls", "https:// address"),
])
def test_a_broken_mapping_file_names_the_file_and_the_field(changes, field, words):
    with pytest.raises(MappingError) as e:
        read_spec("lists/un-consolidated.yaml", _mapping(**changes))
    assert str(e.value).startswith(f"lists/un-consolidated.yaml: {field}: ")
    assert words in str(e.value)


def test_a_mapping_that_disagrees_with_its_parser_is_refused(tmp_path: Path):
    (tmp_path / "un-consolidated.yaml").write_text(_mapping(authority_id="actor/someone-else"), encoding="utf-8")
    spec = load_registry(tmp_path)["un-consolidated"]
    with pytest.raises(MappingError, match=r"un-consolidated.yaml: authority_id: 'actor/someone-else', but "
                                           r"flows.importers.un:UnRelease has authority_id 'actor/un-security-council'"):
        spec.open(UN)
    (tmp_path / "un-consolidated.yaml").write_text(_mapping(release_date={"read_by": "dated", "basis": "x"}),
                                                   encoding="utf-8")
    with pytest.raises(MappingError, match="release_date.read_by: flows.importers.un:UnRelease has no method dated"):
        load_registry(tmp_path)["un-consolidated"].parser_class()


def test_two_lists_with_one_command_are_refused(tmp_path: Path):
    shutil.copy(PACKAGE_LISTS / "ofac-sdn.yaml", tmp_path)
    (tmp_path / "un-consolidated.yaml").write_text(_mapping(command="ofac"), encoding="utf-8")
    with pytest.raises(MappingError, match="un-consolidated.yaml: command: 'ofac' is also the command of"):
        load_registry(tmp_path)


def test_a_release_is_recognised_by_its_list(tmp_path: Path):
    assert list_of(OFAC).key == "ofac-sdn"
    assert list_of(UN).key == "un-consolidated"
    assert list_of(UN.parent).key == "un-consolidated"  # a folder holding the one XML file
    assert list_of(OFAC / "sdn.csv", "ofac-sdn").key == "ofac-sdn"  # named with --list
    other = tmp_path / "other.xml"
    other.write_text("<?xml version='1.0'?>\n<NO_LIST_OF_SANCTIONS/>\n", encoding="utf-8")
    with pytest.raises(FileNotFoundError, match="not a release of any list the importers read"):
        list_of(other)
    with pytest.raises(FileNotFoundError, match="--list 'no-such-list': no such list"):
        list_of(other, "no-such-list")


def test_against_list_names_the_list_when_the_path_does_not_tell(tmp_path: Path):
    from conftest import ROOT

    code, out, err = run_cli("check", "--against-list", str(UN), "--list", "un-consolidated", "--root", str(ROOT))
    assert "United Nations Security Council Consolidated List (XML): " in out and "designations checked" in out
    code, out, err = run_cli("check", "--against-list", str(UN), "--list", "no-such-list", "--root", str(ROOT))
    assert code == 1 and err.startswith("error: --list 'no-such-list': no such list (lists: ") and "ofac-sdn" in err


def test_the_import_commands_are_the_registrys():
    code, out, _ = run_cli("import", "--help")
    assert code == 0
    for spec in registry().values():
        assert f" {spec.command} " in out
    code, out, _ = run_cli("import", "ofac", "--help")
    assert "--released" in out and "--sdn-only" in out
    code, out, _ = run_cli("import", "un", "--help")
    assert "--released" not in out and "--sdn-only" not in out


# A new list: a parser module and a mapping file, nothing else. The parser here reads the UN
# fixture under another key (a real file; the point is the framework, not the parsing).
_PARSER = '''
from flows.importers.un import UnRelease


class TestRelease(UnRelease):
    list_key = "test-list"
    authority_id = "actor/un-security-council"
    ref_label = "test reference"
'''


def test_a_new_list_is_one_parser_module_and_one_mapping_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from flows.cli.commands.importing import build_import_app

    (tmp_path / "modules").mkdir()
    (tmp_path / "modules" / "test_list_parser.py").write_text(_PARSER, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path / "modules"))
    mapping = _mapping(key="test-list", command="testlist", parser="test_list_parser:TestRelease",
                       designation_prefix="test", reference__label="test reference")
    shutil.copytree(PACKAGE_LISTS, tmp_path / "lists")
    (tmp_path / "lists" / "test-list.yaml").write_text(mapping, encoding="utf-8")
    lists = load_registry(tmp_path / "lists")
    assert set(lists) == set(registry()) | {"test-list"}
    root = copy_project(tmp_path / "project")
    result = CliRunner().invoke(build_import_app(lists), ["testlist", str(UN), "--root", str(root)])
    assert result.exit_code == 0, result.output
    raw = root / "data" / "raw"
    designations = [d for _, d in load_records(raw, "designations/import-test-list.yaml")]
    assert {d["designation_id"] for d in designations} == {"designation/test-cdi-001", "designation/test-iri-001",
                                                            "designation/test-ire-001"}
    assert (raw / "sources" / "test-list-2026-02-27.yaml").is_file()
    sys.modules.pop("test_list_parser", None)
