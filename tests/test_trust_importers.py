"""Issue 16, the importers under hostile input: every list file that is not as its publisher
writes it, and every import that would lose a curator's work, is one error line naming the
file, line and field, exit 1, and nothing written under data/raw. Each hostile file is a real
fixture changed minimally; the whole real releases in ../shared/fixtures/lists/full/ must still
be read completely."""

from __future__ import annotations

import csv
import io
import random
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import ROOT, copy_project, run_cli, imported_records
from flows.importers.ofac import COLUMNS, MAX_FIELD, MAX_LINE, OfacRelease, read_rows
from flows.importers.un import UnRelease

LISTS = Path(__file__).parent / "fixtures" / "lists"
OFAC, UN = LISTS / "ofac", LISTS / "un" / "consolidated-excerpt.xml"
FULL = ROOT.parent / "shared" / "fixtures" / "lists" / "full"
SHARED_LISTS = ROOT.parent / "shared" / "fixtures" / "lists"
SEEDS = ["--around", "QODS AVIATION INDUSTRIES", "--depth", "0"]
CRLF = b"\r\n"


def _snapshot(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in (root / "data" / "raw").rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One copy of the project for every refused import (a refusal writes nothing)."""
    return copy_project(tmp_path_factory.mktemp("project"))


def _refused(root: Path, *args: str) -> str:
    """Run an import that must be refused: the one error line it prints."""
    before = _snapshot(root)
    code, out, err = run_cli(*args, "--root", str(root))
    assert code == 1, out + err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert _snapshot(root) == before  # nothing written, nothing removed
    return lines[0]


# -- OFAC: one fixture file changed minimally -------------------------------------------------

def _lines(data: bytes) -> list[bytes]:
    return data.split(CRLF)


def _row_of(data: bytes, ent: str) -> int:
    """The 1-based line of the first row of an ent_num."""
    return next(i for i, line in enumerate(_lines(data), 1) if line.startswith(f"{ent},".encode()))


def _replace(ent: str, old: bytes, new: bytes) -> Callable[[bytes], tuple[bytes, int]]:
    """`old` replaced in the first row of the ent_num that holds it."""
    def edit(data: bytes) -> tuple[bytes, int]:
        lines = _lines(data)
        n = next(i for i, line in enumerate(lines, 1) if line.startswith(f"{ent},".encode()) and old in line)
        lines[n - 1] = lines[n - 1].replace(old, new, 1)
        return CRLF.join(lines), n
    return edit


def _insert_before_end(row: Callable[[bytes], bytes]) -> Callable[[bytes], tuple[bytes, int]]:
    """A row added before the final 0x1A line."""
    def edit(data: bytes) -> tuple[bytes, int]:
        lines = _lines(data)
        assert lines[-1] == b"\x1a"
        lines.insert(len(lines) - 1, row(data))
        return CRLF.join(lines), len(lines) - 1
    return edit


def _cut_after(fraction: float, mid_row: bool = False) -> Callable[[bytes], tuple[bytes, int]]:
    def edit(data: bytes) -> tuple[bytes, int]:
        lines = _lines(data)
        keep = int(len(lines) * fraction)
        text = CRLF.join(lines[:keep]) + CRLF
        if mid_row:
            text += lines[keep][: len(lines[keep]) // 2]
            return text, keep + 1
        return text, keep
    return edit


def _first_line_of(ent: str) -> Callable[[bytes], bytes]:
    return lambda data: _lines(data)[_row_of(data, ent) - 1]


# (id, file, edit, field named in the error or None, words of the message)
OFAC_CASES = [
    ("stray-quote", "sdn.csv", _replace("39096", b'"GHOREISHI, Seyed Hojatollah"', b'"GHOREISHI, Seyed Hojatollah'),
     None, "never closed"),
    ("quote-inside-quoted-field", "sdn.csv", _replace("39096", b'"GHOREISHI, Seyed', b'"GHOREISHI" "Seyed'),
     None, "not a CSV row"),
    ("duplicate-ent-num", "sdn.csv", _insert_before_end(_first_line_of("39096")), "ent_num", "39096 again (an earlier row has it)"),
    ("field-over-csv-limit", "sdn.csv", _replace("39096", b'"DOB 27 Sep 1964', b'"' + b"x" * 140_000 + b"DOB 27 Sep 1964"),
     None, f"longer than {MAX_LINE} bytes"),
    ("field-far-too-long", "sdn.csv", _replace("39096", b'"DOB 27 Sep 1964', b'"' + b"x" * (MAX_FIELD + 1) + b"DOB 27 Sep 1964"),
     "Remarks", "characters"),
    ("too-few-columns", "add.csv", _replace("39096", b'-0- ,-0- ,"Iran"', b'-0- ,"Iran"'),
     None, "5 fields where the file has 6"),
    ("too-many-columns", "sdn.csv", _replace("39096", b'"individual",', b'"individual","x",'),
     None, "13 fields where the file has 12"),
    ("cut-short-at-a-row-end", "sdn.csv", _cut_after(0.5), None, "cut short"),
    ("cut-short-mid-row", "sdn.csv", _cut_after(0.5, mid_row=True), None, "fields where the file has 12"),
    ("no-rows-only-0x1a", "sdn.csv", lambda data: (b"\x1a", 0), None, "holds no rows"),
    ("empty-file", "sdn.csv", lambda data: (b"", 0), None, "cut short"),
    ("neither-utf8-nor-cp1252", "sdn.csv", _replace("39096", b"Seyed", b"Sey\x81ed"), None, "byte 0x81"),
    ("nul-byte", "sdn.csv", _replace("39096", b"Seyed", b"Sey\x00ed"), "SDN_Name", "U+0000"),
    ("escape-byte", "alt.csv", _replace("39096", b"QUREISHI", b"QUR\x1bEISHI"), "alt_name", "U+001B"),
    ("bidi-override-in-a-name", "sdn.csv", _replace("39096", b"Seyed", "Sey\u202eed".encode()), "SDN_Name",
     "bidirectional override U+202E"),
    ("row-after-0x1a", "sdn.csv", lambda data: (data + CRLF + _first_line_of("36")(data), len(_lines(data)) + 1),
     None, "after the 0x1A"),
    ("ent-num-not-a-number", "sdn.csv", _replace("39096", b"39096,", b"39O96,"), "ent_num", "not a number"),
    ("duplicate-alt-num", "alt.csv", _insert_before_end(_first_line_of("39096")), "alt_num", "again"),
    ("duplicate-add-num", "add.csv", _insert_before_end(_first_line_of("39096")), "Add_num", "again"),
    ("alt-num-not-a-number", "alt.csv", _replace("39096", b"39096,60968,", b"39096,6O968,"), "alt_num", "not a number"),
]


# One OFAC release refused, for `make test-fast`: test_ofac_binary_garbage.
@pytest.mark.slow  # the trust trial: an import refused for each way a list file is not as published
@pytest.mark.parametrize("name, edit, field, words", [c[1:] for c in OFAC_CASES], ids=[c[0] for c in OFAC_CASES])
def test_ofac_file_not_as_published_is_one_error_line(project: Path, tmp_path: Path, name, edit, field, words):
    folder = tmp_path / "release"
    shutil.copytree(OFAC, folder)
    data, line = edit((folder / name).read_bytes())
    (folder / name).write_bytes(data)
    message = _refused(project, "import", "ofac", str(folder), "--released", "2023-12-28", *SEEDS)
    where = f"{folder / name}:{line}" if line else f"{folder / name}"
    assert message.startswith(f"error: {where}: " + (f"{field}: " if field else "")), message
    assert words in message


def test_ofac_binary_garbage(project: Path, tmp_path: Path):
    folder = tmp_path / "release"
    shutil.copytree(OFAC, folder)
    (folder / "sdn.csv").write_bytes(random.Random(16).randbytes(50_000))
    message = _refused(project, "import", "ofac", str(folder), "--released", "2023-12-28", *SEEDS)
    assert message.startswith(f"error: {folder / 'sdn.csv'}:1: ")


@pytest.mark.parametrize("missing", ["add.csv", "alt.csv"])
def test_ofac_missing_companion_file(project: Path, tmp_path: Path, missing: str):
    folder = tmp_path / "release"
    shutil.copytree(OFAC, folder)
    (folder / missing).unlink()
    message = _refused(project, "import", "ofac", str(folder), "--released", "2023-12-28", *SEEDS)
    assert message.startswith(f"error: {folder}: no {missing}: ")


def test_ofac_sdn_csv_alone_imports_when_asked(project: Path, tmp_path: Path):
    """A copy of the list without add.csv and alt.csv (as some mirrors hold) imports with
    --sdn-only, and the refusal says so."""
    folder = tmp_path / "release"
    shutil.copytree(OFAC, folder)
    (folder / "add.csv").unlink()
    (folder / "alt.csv").unlink()
    assert "--sdn-only" in _refused(project, "import", "ofac", str(folder), "--released", "2023-12-28", *SEEDS)
    code, out, err = run_cli("import", "ofac", str(folder), "--released", "2023-12-28", "--root", str(project),
                             *SEEDS, "--sdn-only")
    assert code == 0, err
    assert (project / "data/raw/sources/ofac-sdn-2023-12-28.yaml").is_file()


def test_ofac_broken_comments_file(project: Path, tmp_path: Path):
    """sdn_comments.csv, when present, is held to the same rules (the real file of 2021)."""
    folder = tmp_path / "release"
    shutil.copytree(OFAC, folder)
    lines = _lines((SHARED_LISTS / "ofac" / "sdn_comments.csv").read_bytes())
    lines[2] = lines[2][:-1]  # its closing quote gone
    (folder / "sdn_comments.csv").write_bytes(CRLF.join(lines))
    message = _refused(project, "import", "ofac", str(folder), "--released", "2023-12-28", *SEEDS)
    assert message.startswith(f"error: {folder / 'sdn_comments.csv'}:3: a quote that is never closed")


def test_ofac_device_instead_of_a_file(project: Path, tmp_path: Path):
    folder = tmp_path / "release"
    shutil.copytree(OFAC, folder)
    (folder / "sdn.csv").unlink()
    (folder / "sdn.csv").symlink_to("/dev/zero")  # endless: never read
    assert "no sdn.csv" in _refused(project, "import", "ofac", str(folder), "--released", "2023-12-28")


def test_ofac_folders_where_files_belong(project: Path, tmp_path: Path):
    folder = tmp_path / "release"
    shutil.copytree(OFAC, folder)
    (folder / "alt.csv").unlink()
    (folder / "alt.csv").mkdir()  # a folder named like the file
    assert "no alt.csv" in _refused(project, "import", "ofac", str(folder), "--released", "2023-12-28")
    assert "no sdn.csv" in _refused(project, "import", "ofac", str(folder / "sdn.csv"), "--released", "2023-12-28")


@pytest.mark.parametrize("released", ["2023-W52-4", "20231228", "2023-02-30", "../../x", "2023-12-28/../../x"])
def test_ofac_release_date_must_be_a_date(project: Path, released: str):
    message = _refused(project, "import", "ofac", str(OFAC), "--released", released)
    assert message == f"error: --released: {released!r}: expected a date YYYY-MM-DD"


def test_ofac_windows_1252_name_is_read_verbatim(tmp_path: Path):
    """The fallback the reader promises: a name in Windows-1252 is read, not refused."""
    folder = tmp_path / "release"
    shutil.copytree(OFAC, folder)
    data, _ = _replace("39096", b"Seyed", b"S\xe9yed")((folder / "sdn.csv").read_bytes())
    (folder / "sdn.csv").write_bytes(data)
    release = OfacRelease(folder, complete=True)
    [entry] = release.entries({"39096"})
    assert entry.name == "GHOREISHI, S\u00e9yed Hojatollah"
    assert release.info["sdn.csv"].encoding == "cp1252"


def test_against_list_with_a_broken_file_is_one_error_line(tmp_path: Path):
    folder = tmp_path / "release"
    shutil.copytree(OFAC, folder)
    data, line = _cut_after(0.5)((folder / "sdn.csv").read_bytes())
    (folder / "sdn.csv").write_bytes(data)
    code, out, err = run_cli("check", "--against-list", str(folder), "--root", str(ROOT))
    assert code == 1
    assert err.strip().splitlines() == [f"error: {folder / 'sdn.csv'}:{line}: does not end with OFAC's 0x1A "
                                        "end-of-file line: the file is cut short (or not an OFAC legacy CSV file)"]


# -- OFAC whole releases: the strict reader still reads every row ---------------------------

def _csv_rows(path: Path) -> list[list[str]]:
    """An independent count: the csv module in strict mode over the whole decoded file."""
    text = path.read_bytes().decode("cp1252").rstrip("\x1a")
    return [r for r in csv.reader(io.StringIO(text, newline=""), strict=True) if r]


@pytest.mark.slow
def test_whole_ofac_release_2023_12_28_is_read_completely():
    path = FULL / "ofac-2023-12-28" / "sdn.csv"
    expected = _csv_rows(path)
    from flows.importers.model import FileInfo

    info = FileInfo("sdn.csv", 0, "", "")
    got = [fields for _, fields in read_rows(path, info)]
    assert len(got) == len(expected) == info.rows
    assert len(expected) == path.read_bytes().count(CRLF)  # one row per line, the 0x1A line aside
    assert [f[0] for f in got] == [r[0] for r in expected]
    assert got[-1][1] == expected[-1][1] and info.terminator


@pytest.mark.slow
def test_whole_ofac_release_2021_04_is_read_completely():
    folder = FULL / "ofac-2021-04"
    counts = {name: len(_csv_rows(folder / name)) for name in ("sdn.csv", "add.csv", "alt.csv")}
    release = OfacRelease(folder, complete=True)
    entries = list(release.entries(None))
    assert len(entries) == counts["sdn.csv"]
    assert {n: release.info[n].rows for n in counts} == counts
    refs = {e.ref for e in entries}
    rows_without_entry = sum(r[0] not in refs for n in ("add.csv", "alt.csv") for r in _csv_rows(folder / n))
    assert release.orphans == rows_without_entry
    assert {n: len(c) for n, c in COLUMNS.items() if n != "sdn_comments.csv"} == \
        {n: len(_csv_rows(folder / n)[0]) for n in counts}


# -- UN: the excerpt changed minimally ------------------------------------------------------

UN_TEXT = UN.read_text(encoding="utf-8")


def _un(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "consolidated.xml"
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def _element_line(text: str, ref: str) -> int:
    """The line of the <INDIVIDUAL> element that holds a reference number."""
    return text[: text.rindex("<INDIVIDUAL>", 0, text.index(ref))].count("\n") + 1


LAUGHS = ('<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
          + "".join(f' <!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">\n'
                    for i in range(1, 10)) + "]>\n")
FIRST_NAME = "<FIRST_NAME>ERIC</FIRST_NAME>"


def _declared(doctype: str) -> str:
    """The excerpt with a DOCTYPE after its XML declaration."""
    head, rest = UN_TEXT.split("\n", 1)
    return head + "\n" + doctype + rest


# (id, text, the line named, field, words)
UN_CASES = [
    ("billion-laughs", _declared(LAUGHS.split("\n", 1)[1]).replace(FIRST_NAME, "<FIRST_NAME>&lol9;</FIRST_NAME>"),
     2, None, "DOCTYPE"),
    ("laughs-in-date-generated", _declared(LAUGHS.split("\n", 1)[1]).replace(
        'dateGenerated="2026-02-27T00:00:09.554Z"', 'dateGenerated="&lol9;"'), 2, None, "DOCTYPE"),
    ("external-entity", _declared('<!DOCTYPE x [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>\n').replace(
        FIRST_NAME, "<FIRST_NAME>&xxe;</FIRST_NAME>"), 2, None, "DOCTYPE"),
    ("undefined-entity", UN_TEXT.replace(FIRST_NAME, "<FIRST_NAME>&foo;</FIRST_NAME>"),
     _line_of(UN_TEXT, FIRST_NAME), None, "undefined entity"),
    ("cdata-hiding-an-end-tag", UN_TEXT.replace(FIRST_NAME, "<FIRST_NAME><![CDATA[</INDIVIDUAL>]]>ERIC</FIRST_NAME>"),
     _line_of(UN_TEXT, FIRST_NAME), None, "CDATA"),
    ("cut-short", UN_TEXT[: len(UN_TEXT) // 2], None, None, "malformed XML"),
    ("mismatched-tag", UN_TEXT.replace("</FIRST_NAME>", "</FIRSTNAME>", 1),
     _line_of(UN_TEXT, FIRST_NAME), None, "mismatched tag"),
    ("empty-file", "", 1, None, "no element found"),
    ("date-traversal", UN_TEXT.replace("2026-02-27T00:00:09.554Z", "../../x"), 2, "dateGenerated", "not a date"),
    ("date-then-traversal", UN_TEXT.replace("2026-02-27T00:00:09.554Z", "2026-02-27/../../x"), 2,
     "dateGenerated", "not a date"),
    ("date-not-a-day", UN_TEXT.replace("2026-02-27T00:00:09.554Z", "2026-02-30"), 2, "dateGenerated", "not a date"),
    ("date-missing", UN_TEXT.replace(' dateGenerated="2026-02-27T00:00:09.554Z"', ""), 2, "dateGenerated", "missing"),
    ("other-encoding", UN_TEXT.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"'), 1, None, "'ISO-8859-1'"),
    ("duplicate-reference", UN_TEXT.replace("<REFERENCE_NUMBER>IRi.001<", "<REFERENCE_NUMBER>CDi.001<"),
     _element_line(UN_TEXT, "IRi.001"), "REFERENCE_NUMBER", "CDi.001 again (first on line 4)"),
    ("missing-reference", UN_TEXT.replace("<REFERENCE_NUMBER>CDi.001</REFERENCE_NUMBER>", ""), 4,
     "REFERENCE_NUMBER", "missing from this INDIVIDUAL"),
    ("unbound-prefix-inside-an-entry", UN_TEXT.replace(FIRST_NAME, '<FIRST_NAME xsi:nil="false">ERIC</FIRST_NAME>'),
     _line_of(UN_TEXT, FIRST_NAME), "INDIVIDUAL", "malformed XML"),
    ("bidi-override-by-reference", UN_TEXT.replace(FIRST_NAME, "<FIRST_NAME>ER&#x202E;IC</FIRST_NAME>"), 4,
     "FIRST_NAME", "bidirectional override U+202E in this INDIVIDUAL"),
    ("c1-control", UN_TEXT.replace(FIRST_NAME, "<FIRST_NAME>ER\u0085IC</FIRST_NAME>"), 4,
     "FIRST_NAME", "control character U+0085"),
    ("element-far-too-long", UN_TEXT.replace(FIRST_NAME, "<FIRST_NAME>" + "E" * (1 << 20) + "</FIRST_NAME>"),
     4, "INDIVIDUAL", "longer than"),
    ("no-entries", re.sub(r"<(INDIVIDUAL|ENTITY)>.*?</\1>", "", UN_TEXT, flags=re.S), None, None,
     "holds no INDIVIDUAL or ENTITY"),
]


# One UN list refused, for `make test-fast`: test_un_binary_garbage_and_folder.
@pytest.mark.slow  # the trust trial: an import refused for each hostile or broken XML
@pytest.mark.parametrize("text, line, field, words", [c[1:] for c in UN_CASES], ids=[c[0] for c in UN_CASES])
def test_un_file_not_as_published_is_one_error_line(project: Path, tmp_path: Path, text, line, field, words):
    path = _un(tmp_path, text)
    message = _refused(project, "import", "un", str(path))
    where = f"{path}:{line}" if line else f"{path}"
    assert message.startswith(f"error: {where}" + (": " if line or not words.startswith("malformed") else ":")), message
    if field:
        assert message.startswith(f"error: {where}: {field}: "), message
    assert words in message


def test_un_binary_garbage_and_folder(project: Path, tmp_path: Path):
    path = _un(tmp_path, random.Random(16).randbytes(50_000))
    assert _refused(project, "import", "un", str(path)).startswith(f"error: {path}:1: malformed XML")
    assert _refused(project, "import", "un", str(tmp_path)) == f"error: {tmp_path}: no such file"


def test_un_file_of_another_list(project: Path):
    other = SHARED_LISTS / "ofac" / "consolidated-excerpt.xml"  # OFAC's XML: root sdnList
    message = _refused(project, "import", "un", str(other))
    assert message.startswith(f"error: {other}:2: root element <sdnList>: not a UN consolidated list")


def test_un_end_tag_in_a_comment_does_not_cut_an_entry(tmp_path: Path):
    """The element ends where the parser saw its end tag, not at the first text that looks like it."""
    path = _un(tmp_path, UN_TEXT.replace(FIRST_NAME, FIRST_NAME + "<!-- </INDIVIDUAL> -->"))
    got = {e.ref: e for e in UnRelease(path).entries(None)}
    assert list(got) == ["CDi.001", "IRi.001", "IRe.001"]
    assert got["CDi.001"].name == "ERIC BADEGE" and got["CDi.001"].row.text.endswith("</INDIVIDUAL>")


# -- UN whole releases ---------------------------------------------------------------------

@pytest.mark.slow
def test_whole_un_release_2020_is_read_completely():
    path = FULL / "un-2020-03-20" / "consolidated.xml"
    text = path.read_text(encoding="utf-8")
    release = UnRelease(path)
    assert release.generated() == re.search(r'dateGenerated="(\d{4}-\d{2}-\d{2})', text).group(1)
    refs = [e.ref for e in release.entries(None)]
    assert len(refs) == text.count("<INDIVIDUAL>") + text.count("<ENTITY>")
    assert refs == re.findall(r"<REFERENCE_NUMBER>\s*(.*?)\s*</REFERENCE_NUMBER>", text)


def test_whole_un_release_2025_mirror_is_not_utf8_and_is_refused(project: Path):
    """The 2025-08-16 mirror declares UTF-8 but holds Windows-1252 bytes and control characters
    XML forbids: refused at the line and column of the first such byte (found here
    independently), with the option that would import a damaged copy named."""
    path = FULL / "un-2025-08-16" / "consolidated.xml"
    data = path.read_bytes()
    try:
        data.decode("utf-8")
        first_bad = len(data)
    except UnicodeDecodeError as e:
        first_bad = e.start
    control = re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]", data)
    first_bad = min(first_bad, control.start() if control else len(data))
    assert first_bad < len(data)
    line = data[:first_bad].count(b"\n") + 1
    column = first_bad - data.rfind(b"\n", 0, first_bad)
    message = _refused(project, "import", "un", str(path))
    assert message.startswith(f"error: {path}:{line}: control character U+{data[first_bad]:04X} at column {column}: "
                              "XML forbids it, and it can hide text: the file is refused")
    assert "--replace-invalid-characters" in message


# -- writes: hand edits, mass delistings ----------------------------------------------------

def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


def _import(root: Path, folder: Path = OFAC, *extra: str) -> str:
    code, out, err = run_cli("import", "ofac", str(folder), "--released", "2023-12-28", "--root", str(root),
                             *SEEDS, *extra)
    assert code == 0, err
    return out


def test_reimport_over_uncommitted_hand_edits_in_git(tmp_path: Path):
    root = copy_project(tmp_path / "project")
    _git(root, "init", "-q")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@t", "add", "-A")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "curation")
    _import(root)
    _import(root, OFAC, "--depth", "1")  # the last import's own uncommitted output may be rewritten
    _git(root, "-c", "user.name=t", "-c", "user.email=t@t", "add", "-A")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "import")
    designations = root / "data" / "raw" / "designations" / "import-ofac-sdn.yaml"
    designations.write_text(designations.read_text(encoding="utf-8") + "# a curator's note\n", encoding="utf-8")
    message = _refused(root, "import", "ofac", str(OFAC), "--released", "2023-12-28", *SEEDS)
    assert message.startswith("error: data/raw/designations/import-ofac-sdn.yaml: changed since the last import "
                              "and not committed")
    assert "--force" in message
    _import(root, OFAC, "--force")
    assert "# a curator's note" not in designations.read_text(encoding="utf-8")  # --force overwrote it
    # a committed edit may be overwritten: git keeps it and shows what the import changed
    designations.write_text(designations.read_text(encoding="utf-8") + "# a committed note\n", encoding="utf-8")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", "note")
    _import(root)


def test_reimport_over_hand_edits_outside_git(tmp_path: Path):
    root = copy_project(tmp_path / "project")
    _import(root)
    manifest = (root / "data" / "raw" / "imported-ofac-sdn.sha256").read_text(encoding="utf-8")
    assert "  designations/import-ofac-sdn.yaml\n" in manifest and "  texts/ofac-sdn-2023-12-28.txt\n" in manifest
    _import(root, OFAC, "--depth", "1")  # its own output is not a hand edit
    source = root / "data" / "raw" / "sources" / "ofac-sdn-2023-12-28.yaml"
    source.write_text(source.read_text(encoding="utf-8").replace("rows imported", "rows IMPORTED"), encoding="utf-8")
    message = _refused(root, "import", "ofac", str(OFAC), "--released", "2023-12-28", *SEEDS)
    assert message.startswith("error: data/raw/sources/ofac-sdn-2023-12-28.yaml: changed since the last import")
    _import(root, OFAC, "--force")
    assert "rows IMPORTED" not in source.read_text(encoding="utf-8")


def test_a_file_the_importer_did_not_write_is_not_overwritten(tmp_path: Path):
    root = copy_project(tmp_path / "project")
    (root / "data" / "raw" / "texts" / "ofac-sdn-2023-12-28.txt").write_text("a curator's text\n", encoding="utf-8")
    message = _refused(root, "import", "ofac", str(OFAC), "--released", "2023-12-28", *SEEDS)
    assert message.startswith("error: data/raw/texts/ofac-sdn-2023-12-28.txt: changed since the last import")


def test_a_release_that_delists_most_earlier_imports_is_refused(tmp_path: Path):
    root = copy_project(tmp_path / "project")
    _import(root, OFAC, "--program", "CUBA")
    imported = {str(d["list_reference"]) for d in imported_records(root, "ofac-sdn", "designations")}
    earlier = len(imported)  # the CUBA entries and the parties they are linked to
    smaller = tmp_path / "smaller"  # a well-formed release without its first 30 rows
    shutil.copytree(OFAC, smaller)
    lines = _lines((smaller / "sdn.csv").read_bytes())
    (smaller / "sdn.csv").write_bytes(CRLF.join(lines[30:]))
    gone = imported & {r[0] for r in _csv_rows(OFAC / "sdn.csv")[:30]}
    assert len(gone) > max(10, earlier / 4)
    message = _refused(root, "import", "ofac", str(smaller), "--released", "2023-12-28", "--program", "CUBA")
    assert message == (f"error: {smaller / 'sdn.csv'}: this release would delist {len(gone)} of the {earlier} "
                       f"designations of earlier imports ({100 * len(gone) / earlier:.0f} %, more than 25 %): "
                       "is the file cut short or the wrong one? Re-run with --accept-delistings if the list "
                       "really shrank (nothing was written)")
    code, out, err = run_cli("import", "ofac", str(smaller), "--released", "2023-12-28", "--program", "CUBA",
                             "--root", str(root), "--accept-delistings")
    assert code == 0, err
    assert f"delisted {len(gone)}" in out


def test_number_set_finds_repeats_small_and_large():
    from flows.importers.ofac import _NumberSet

    seen = _NumberSet()
    keys = [5, 0, 47089, _NumberSet.BITMAP_LIMIT - 1, _NumberSet.BITMAP_LIMIT, 10**15]
    assert [seen.add(k) for k in keys] == [True] * len(keys)
    assert [seen.add(k) for k in keys] == [False] * len(keys)
    assert seen.add(6) and seen.add(4)  # neighbours of a key are not the key


def test_an_around_seed_not_on_the_release_writes_nothing(project: Path):
    message = _refused(project, "import", "ofac", str(OFAC), "--released", "2023-12-28",
                       "--around", "QODS AVIATION INDUSTRIES", "--around", "NO SUCH COMPANY")
    assert message == (f"error: {OFAC / 'sdn.csv'}: --around 'NO SUCH COMPANY': not on this release (no entry "
                       "has that name, alias or ent_num); nothing was written")
    message = _refused(project, "import", "un", str(UN), "--around", "IRe.999")
    assert "--around 'IRe.999': not on this release (no entry has that name, alias or reference number)" in message
