"""The rows of a table file as text cells, each row with its verbatim text: CSV, XLSX and ODS.

Every reader yields (sheet, row number, cells, verbatim text) for each row that holds any text, in
file order, and fills a FileInfo (size, sha256, encoding, rows).
- CSV: decoded strictly, as UTF-8 when every byte is UTF-8 (a BOM is dropped) and else as
  Windows-1252, which has no character for 0x81, 0x8D, 0x8F, 0x90 and 0x9D: such a byte is
  refused, nothing is replaced. The row number is the record's first physical line and its
  text the record's lines as in the file (a quoted field may hold a line break).
- XLSX: read by python-calamine, first sheet; the row number is the sheet's (1 = the first row).
- ODS: the first table of content.xml, streamed by expat (python-calamine 0.9.1 refuses the
  FCDO's ODS, whose content.xml is indented: "Expecting 'table-cell', found Text"). Cell text
  is its paragraphs joined by line breaks, each as written (`text:s`, `text:tab` and
  `text:line-break` as the characters they stand for), but a paragraph of white space alone
  is empty (FCDO's generator indents `<text:p>` and `</text:p>` of an empty cell on two
  lines); repeated rows and cells are counted, and empty ones never materialised.
A spreadsheet row's cells go up to its last non-empty one, and its text is them joined by tabs;
when a cell holds a tab or starts with a double quote, the row is written as a tab-separated
CSV writes it (such a cell in double quotes, its quotes doubled), so that `cells` reads any
row's text back into its cells (OFSI's XLSX has cells holding tabs).
The caller checks the cells (it knows their columns). An archived text of the rows is read back
by `cells` and `csv_cells`, and `archived_sheet` names the sheet its header says they come from.
"""

from __future__ import annotations

import ast
import csv
import datetime as dt
import hashlib
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.parsers import expat

from flows.importers.model import FileInfo, ListError, Row

@dataclass(frozen=True)
class SheetRow(Row):
    """A row of a spreadsheet: `line` is its row number in the sheet."""

    sheet: str = ""

    def locator(self, ref: str, what: str | None = None) -> str:
        where = f"{self.file} sheet {self.sheet} row {self.line}, {ref}"
        return f"{where}, {what}" if what else where


TableRow = tuple[str | None, int, list[str], str]  # sheet (None in a CSV), row number, cells, text
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
CHUNK = 1 << 20
MAX_REPEATED_ROWS = 1000  # a non-empty row repeated more often is no list (empty ones are skipped)
_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_CELLS = {f"{_TABLE} table-cell", f"{_TABLE} covered-table-cell"}
JOINED = ("a row's cells joined by tabs; a row with a cell that holds a tab or starts with a double quote "
          "as a tab-separated CSV writes it")
# the encoding a file's line of an archive's FILES READ gives a sheet's rows (_encoding)
_SHEET_ENCODING = re.compile(r"(?:XLSX, sheet|ODS, table) ('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\") \(")


def rows(path: Path, info: FileInfo) -> Iterator[TableRow]:
    """The rows of a .csv, .xlsx or .ods file."""
    suffix = path.suffix.lower()
    readers = {".csv": csv_rows, ".xlsx": xlsx_rows, ".ods": ods_rows}
    if suffix not in readers:
        raise ListError(str(path), None, f"a {suffix or 'nameless'} file: expected .csv, .xlsx or .ods")
    return readers[suffix](path, info)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        raise ListError(str(path), None, f"cannot be read: {e.strerror or e}") from None


def _hash(path: Path, info: FileInfo, data: bytes | None = None) -> None:
    data = _read(path) if data is None else data
    info.size, info.sha256 = len(data), hashlib.sha256(data).hexdigest()


def decode(path: Path, data: bytes) -> tuple[str, str]:
    """The file's text and its encoding: UTF-8 when it is UTF-8 (or says so with a byte-order
    mark, which is dropped), else Windows-1252. A byte neither can read is refused."""
    if data.isascii():
        return data.decode("ascii"), "ascii"
    bom = data.startswith(b"\xef\xbb\xbf")
    try:
        return data[3 if bom else 0:].decode("utf-8"), "utf-8"
    except UnicodeDecodeError as e:
        if bom:
            raise _undecodable(path, data, e.start + 3, "is not UTF-8 text (the file starts with a UTF-8 "
                                                         "byte-order mark)") from None
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as e:
        raise _undecodable(path, data, e.start, "is neither UTF-8 nor Windows-1252 text") from None


def _undecodable(path: Path, data: bytes, at: int, what: str) -> ListError:
    line = data.count(b"\n", 0, at) + 1
    column = at - (data.rfind(b"\n", 0, at) + 1) + 1
    return ListError(f"{path}:{line}", None, f"byte 0x{data[at]:02X} at column {column} {what}")


def csv_rows(path: Path, info: FileInfo) -> Iterator[TableRow]:
    data = _read(path)
    _hash(path, info, data)
    text, info.encoding = decode(path, data)
    del data
    number = 0  # physical lines read so far
    record: list[str] = []

    def lines() -> Iterator[str]:
        nonlocal number
        for line in io.StringIO(text, newline=""):
            number += 1
            record.append(line)
            yield line

    reader = csv.reader(lines(), strict=True)
    count = 0
    while True:
        first = number + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            raise ListError(f"{path}:{first}", None, f"not a CSV row: {e}") from None
        verbatim = "".join(record).rstrip("\r\n")
        record.clear()
        if not any(c.strip() for c in cells):
            continue
        count += 1
        yield None, first, cells, verbatim
    info.rows = count


def _cell_text(value: object) -> str:
    """A cell as text: strings as they are; a whole number without its `.0`; a date as ISO."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.date, dt.datetime, dt.time, dt.timedelta)):
        return value.isoformat() if hasattr(value, "isoformat") else str(value)
    return str(value)


def _trimmed(cells: list[str]) -> list[str]:
    """The cells up to the last non-empty one."""
    end = len(cells)
    while end and not cells[end - 1]:
        end -= 1
    return cells[:end]


def _joined(cells: list[str]) -> str:
    """A row's text: its cells joined by tabs, or as a tab-separated CSV row when a cell holds a
    tab or starts with a double quote (which plain joining could not tell from a quoted cell)."""
    if not any("\t" in c or c.startswith('"') for c in cells):
        return "\t".join(cells)
    out = io.StringIO()
    csv.writer(out, delimiter="\t", lineterminator="\n").writerow(cells)
    return out.getvalue()[:-1]


def cells(text: str) -> list[str]:
    """The cells of a spreadsheet row's text (_joined), up to its last non-empty one; a
    ValueError for a text no row gives."""
    if not (text.startswith('"') or '\t"' in text):  # no cell starts with a quote: joined by tabs
        return text.split("\t")
    return _one_record(text, delimiter="\t")


def csv_cells(text: str) -> list[str]:
    """The cells of a CSV row's verbatim text (its record's lines); a ValueError for a text that
    is not one CSV record."""
    return _one_record(text)


def _one_record(text: str, **dialect: str) -> list[str]:
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), strict=True, **dialect))
    except csv.Error as e:
        raise ValueError(f"not a CSV row: {e}") from None
    if len(records) != 1:
        raise ValueError(f"{len(records)} CSV records where a row is one")
    return records[0]


def _encoding(kind: str, name: str) -> str:
    return f"{kind} {name!r} ({JOINED})"


def archived_sheet(text: str, file: str) -> str | None:
    """The sheet whose rows an archived text (flows.importers.archive) holds for `file`, as the
    file's line under its header's FILES READ names it (the FileInfo encoding of xlsx_rows or
    ods_rows); None when the header names none."""
    end = text.find("\n=== ")
    for line in text[:end if end >= 0 else len(text)].split("\n"):
        if line.startswith(f"  {file}: ") and (m := _SHEET_ENCODING.search(line, len(file) + 4)):
            return ast.literal_eval(m.group(1))
    return None


def xlsx_rows(path: Path, info: FileInfo) -> Iterator[TableRow]:
    from python_calamine import CalamineError, CalamineWorkbook

    _hash(path, info)
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0)
        top, left = sheet.start or (0, 0)
        table = sheet.to_python(skip_empty_area=False)
    except (CalamineError, OSError, ValueError) as e:  # the library's errors, a zip that is not one
        raise ListError(str(path), None, f"not a readable XLSX workbook: {e}") from None
    info.encoding = _encoding("XLSX, sheet", sheet.name)
    count = 0
    for i, values in enumerate(table):
        cells = _trimmed([""] * left + [_cell_text(v) for v in values])
        if not any(c.strip() for c in cells):
            continue
        number = top + i + 1
        count += 1
        yield sheet.name, number, cells, _joined(cells)
    info.rows = count


class _OdsTable:
    """Builds the rows of the first table of an ODS content.xml from expat's events."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.depth = 0
        self.table_depth = 0  # depth of the first table:table, 0 before it
        self.done = False
        self.name = ""
        self.number = 0  # sheet rows passed (repeats counted)
        self.ready: list[TableRow] = []
        self.row: list[tuple[str, int]] | None = None  # (cell text, repeat) of the open row
        self.row_repeat = 1
        self.cell: list[str] | None = None  # paragraphs of the open cell
        self.cell_repeat = 1
        self.para: list[str] | None = None
        self.skip = 0  # depth inside an annotation (a comment, not the cell's text)

    def start(self, tag: str, attrs: dict) -> None:
        self.depth += 1
        if self.done:
            return
        if tag == f"{_TABLE} table" and not self.table_depth:
            self.table_depth = self.depth
            self.name = attrs.get(f"{_TABLE} name", "")
            return
        if not self.table_depth:
            return
        if self.skip:
            self.skip += 1
        elif tag == f"{_OFFICE} annotation":
            self.skip = 1
        elif tag == f"{_TABLE} table-row":
            self.row, self.row_repeat = [], _repeat(attrs, "number-rows-repeated", self.where)
        elif tag in _CELLS and self.row is not None:
            self.cell, self.cell_repeat = [], _repeat(attrs, "number-columns-repeated", self.where)
        elif tag == f"{_TEXT} p" and self.cell is not None:
            self.para = []
        elif self.para is not None:
            if tag == f"{_TEXT} s":
                self.para.append(" " * _repeat(attrs, "c", self.where, _TEXT))
            elif tag == f"{_TEXT} tab":
                self.para.append("\t")
            elif tag == f"{_TEXT} line-break":
                self.para.append("\n")

    def end(self, tag: str) -> None:
        self.depth -= 1
        if self.done or not self.table_depth:
            return
        if self.skip:
            self.skip -= 1
            return
        if self.depth + 1 == self.table_depth:
            self.done = True
        elif tag == f"{_TEXT} p" and self.para is not None and self.cell is not None:
            text = "".join(self.para)
            self.cell.append(text if text.strip() else "")  # white space alone: the file's indentation
            self.para = None
        elif tag in _CELLS and self.cell is not None and self.row is not None:
            self.row.append(("\n".join(self.cell), self.cell_repeat))
            self.cell = None
        elif tag == f"{_TABLE} table-row" and self.row is not None:
            self._end_row()

    def text(self, data: str) -> None:
        if self.para is not None and not self.skip:
            self.para.append(data)

    def _end_row(self) -> None:
        cells: list[str] = []
        pending = 0  # empty cells not yet materialised
        for text, repeat in self.row or []:
            if text:
                cells += [""] * pending + [text] * repeat
                pending = 0
            else:
                pending += repeat
        self.row = None
        first = self.number + 1
        self.number += self.row_repeat
        if not any(c.strip() for c in cells):
            return
        if self.row_repeat > MAX_REPEATED_ROWS:
            raise ListError(f"{self.where}: sheet {self.name} row {first}", None,
                            f"a row repeated {self.row_repeat} times: no list repeats a row")
        for n in range(first, first + self.row_repeat):
            self.ready.append((self.name, n, cells, _joined(cells)))


def _repeat(attrs: dict, name: str, where: str, ns: str = _TABLE) -> int:
    value = attrs.get(f"{ns} {name}", "1")
    if not value.isdigit() or int(value) < 1:
        raise ListError(where, None, f"{name}={value!r} is not a positive whole number")
    return int(value)


def ods_rows(path: Path, info: FileInfo) -> Iterator[TableRow]:
    _hash(path, info)
    where = str(path)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as e:
        raise ListError(where, None, f"not an ODS file (not a zip archive: {e})") from None
    with archive:
        try:
            mimetype = archive.read("mimetype").strip()
            content = archive.open("content.xml")
        except (KeyError, zipfile.BadZipFile, OSError) as e:
            raise ListError(where, None, f"not an ODS file: {e}") from None
        if mimetype != ODS_MIMETYPE:
            raise ListError(where, "mimetype", f"{mimetype[:80]!r}: not an OpenDocument spreadsheet")
        table = _OdsTable(where)
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

        def doctype(*_: object) -> None:
            raise ListError(f"{where}: content.xml line {parser.CurrentLineNumber}", None,
                            "a DOCTYPE declaration: an ODS has none, and the entities it could define are refused")

        parser.StartDoctypeDeclHandler = doctype
        parser.StartElementHandler = table.start
        parser.EndElementHandler = table.end
        parser.CharacterDataHandler = table.text
        parser.buffer_text = True
        count = 0
        with content:
            while True:
                try:
                    chunk = content.read(CHUNK)
                    parser.Parse(chunk, not chunk)
                except expat.ExpatError as e:
                    raise ListError(f"{where}: content.xml line {e.lineno}", None,
                                    f"malformed XML: {expat.ErrorString(e.code)} (column {e.offset + 1})") from None
                except (zipfile.BadZipFile, OSError, EOFError) as e:
                    raise ListError(where, None, f"content.xml cannot be read: {e}") from None
                count += len(table.ready)
                yield from table.ready
                table.ready.clear()
                if not chunk or table.done:
                    break
    if not table.table_depth:
        raise ListError(where, None, "content.xml holds no table")
    info.encoding = _encoding("ODS, table", table.name)
    info.rows = count
