"""flows.cli.app, the `flows` command: its structure (no module but the entry points imports it;
no cycle) and what `flows sql` prints and writes (row limit, streaming, timeout, escaped control
characters, no markup). `flows build` and `flows check`: tests/test_build_pipeline.py,
tests/test_rules_check.py and tests/test_errors.py (--format json); the other commands beside
their modules (tests/test_views_show.py, tests/test_outputs_*.py, ...)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import flows
from conftest import run_cli
from flows.cli import app as cli
from hostile import UNSAFE_RAW

# (SQL expression, what the table shows): each a value that would act on a terminal or be
# read as markup if printed as it is.
HOSTILE_VALUES = [
    ("chr(27) || '[2Jcleared'", r"\x1b[2Jcleared"),  # clear screen
    ("chr(27) || ']8;;http://evil.example' || chr(27) || '\\click' || chr(27) || ']8;;' || chr(27) || '\\'",
     r"\x1b]8;;http://evil.example\x1b\click\x1b]8;;\x1b\ "[:-1]),  # OSC 8 hyperlink
    ("'paid' || chr(13) || 'UNPAID'", r"paid\rUNPAID"),  # carriage return rewrites the line
    ("'abc' || chr(8238) || 'fed'", r"abc\u202efed"),  # right-to-left override
    ("chr(8294) || 'isolate' || chr(8297)", r"\u2066isolate\u2069"),  # bidi isolate
    ("chr(155) || '2J'", r"\x9b2J"),  # C1 CSI
    ("'del' || chr(127)", r"del\x7f"),
    ("'bell' || chr(7)", r"bell\x07"),
    ("'back' || chr(8) || 'space'", r"back\x08space"),
    ("'two' || chr(10) || 'lines'", r"two\nlines"),
    ("'tab' || chr(9) || 'bed'", r"tab\tbed"),
    ("'line' || chr(8232) || 'sep'", r"line\u2028sep"),
    ("'[bold red]loud[/]'", "[bold red]loud[/]"),  # rich markup
    ("'[link=http://evil.example]here[/link]'", "[link=http://evil.example]here[/link]"),
    ("':skull: :warning:'", ":skull: :warning:"),  # emoji codes
]


def _data_lines(table: str) -> list[str]:
    """The body rows of a rich table (the header row uses the heavy bar ┃)."""
    return [line for line in table.splitlines() if line.startswith("│")]


@pytest.mark.parametrize("expression,shown", HOSTILE_VALUES, ids=[s for _, s in HOSTILE_VALUES])
def test_sql_table_shows_a_hostile_value_escaped_and_literally(built: Path, expression: str, shown: str):
    code, out, err = run_cli("sql", f"SELECT {expression} AS v", "--root", str(built))
    assert code == 0, err
    assert [line.strip("│ ") for line in _data_lines(out)] == [shown]
    assert not any(c in out for c in UNSAFE_RAW)


def test_sql_table_headers_are_escaped_and_literal(built: Path):
    code, out, err = run_cli("sql", "SELECT 1 AS \"[red]x[/]\", 2 AS \"a\x1b[2Jb\"", "--root", str(built))
    assert code == 0, err
    header = next(line for line in out.splitlines() if line.startswith("┃"))
    assert header.split("┃")[1:3] == [" [red]x[/] ", r" a\x1b[2Jb "]


def test_sql_error_quoting_a_value_is_escaped(built: Path):
    code, out, err = run_cli("sql", "SELECT CAST(chr(27) || '[2J:skull:' AS INTEGER)", "--root", str(built))
    assert code == 1 and out == ""
    assert err.startswith(r"error: Conversion Error: Could not convert string '\x1b[2J:skull:' to INT32")
    assert "\x1b" not in err


def test_sql_json_escapes_c1_and_bidi_and_reads_back_the_same(built: Path):
    value = "x\x1b\x85\u202e\u2066y\u2028"
    literal = " || ".join(f"chr({ord(c)})" for c in value)
    code, out, err = run_cli("sql", f"SELECT range AS n, {literal} AS s FROM range(2)", "-f", "json",
                             "--root", str(built))
    assert code == 0, err
    assert not any(c in out for c in value if not c.isalnum())
    assert r"\u001b\u0085\u202e\u2066y\u2028" in out
    assert json.loads(out) == [{"n": 0, "s": value}, {"n": 1, "s": value}]


def test_sql_json_is_the_same_document_as_one_dump(built: Path):
    query = "SELECT range AS n, 'v' || range AS s, NULL AS z FROM range(3)"
    code, out, _ = run_cli("sql", query, "-f", "json", "--root", str(built))
    assert code == 0
    expected = [{"n": i, "s": f"v{i}", "z": None} for i in range(3)]
    assert out == json.dumps(expected, indent=2) + "\n"
    code, out, _ = run_cli("sql", "SELECT 1 AS n WHERE false", "-f", "json", "--root", str(built))
    assert (code, out) == (0, "[]\n")


def test_sql_csv_keeps_values_verbatim_but_escapes_them_on_a_terminal(built: Path, monkeypatch):
    query = "SELECT 'a' || chr(27) || '[2Jb' AS v"
    code, out, _ = run_cli("sql", query, "-f", "csv", "--root", str(built))
    assert (code, out) == (0, "v\na\x1b[2Jb\n")  # data for a file or a pipe, as it is
    monkeypatch.setattr(cli, "_on_terminal", lambda: True)
    code, out, _ = run_cli("sql", query, "-f", "csv", "--root", str(built))
    assert (code, out) == (0, "v\na\\x1b[2Jb\n")


def test_sql_table_stops_at_the_default_limit_and_says_how_to_get_all(built: Path):
    n = cli.TABLE_ROWS + 7
    code, out, err = run_cli("sql", f"SELECT range AS n FROM range({n})", "--root", str(built))
    assert code == 0
    rows = _data_lines(out)
    assert len(rows) == cli.TABLE_ROWS and rows[-1].strip("│ ") == str(cli.TABLE_ROWS - 1)
    assert f"showing the first {cli.TABLE_ROWS} rows" in err and "--limit 0" in err
    code, out, err = run_cli("sql", f"SELECT range AS n FROM range({n})", "--limit", "0", "--root", str(built))
    assert code == 0 and len(_data_lines(out)) == n and err == ""


def test_sql_limit_on_csv_and_json_and_no_note_when_nothing_is_cut(built: Path):
    code, out, err = run_cli("sql", "SELECT range AS n FROM range(10)", "-f", "csv", "--limit", "3",
                             "--root", str(built))
    assert (code, out) == (0, "n\n0\n1\n2\n") and "showing the first 3 rows" in err
    code, out, err = run_cli("sql", "SELECT range AS n FROM range(3)", "-f", "json", "--limit", "3",
                             "--root", str(built))
    assert code == 0 and json.loads(out) == [{"n": 0}, {"n": 1}, {"n": 2}] and err == ""
    n = cli.TABLE_ROWS + 1  # csv has no default limit
    code, out, err = run_cli("sql", f"SELECT range AS n FROM range({n})", "-f", "csv", "--root", str(built))
    assert code == 0 and out.splitlines()[1:] == [str(i) for i in range(n)] and err == ""


class _Result:
    """A result that records how it is read."""

    def __init__(self, n: int):
        self.left, self.asked = n, []

    def fetchmany(self, size: int) -> list[tuple]:
        self.asked.append(size)
        got = min(size, self.left)
        self.left -= got
        return [(0,)] * got

    def fetchall(self) -> list[tuple]:
        raise AssertionError("the whole result was fetched at once")


def test_rows_are_read_in_batches_never_whole():
    result = _Result(3 * cli.BATCH_ROWS + 5)
    rows = cli.LimitedRows(result, 0)
    assert sum(1 for _ in rows) == 3 * cli.BATCH_ROWS + 5 and not rows.cut
    assert max(result.asked) == cli.BATCH_ROWS
    result = _Result(50)
    rows = cli.LimitedRows(result, 10)
    assert sum(1 for _ in rows) == 10 and rows.cut
    assert sum(result.asked) == 11  # one row past the limit tells that there are more


def test_sql_timeout_stops_a_slow_query(built: Path):
    slow = "SELECT sum(a.range * b.range) FROM range(1000000000) a, range(1000000000) b"
    code, out, err = run_cli("sql", slow, "--timeout", "0.3", "--root", str(built))
    assert code == 1 and out == ""
    assert err == "error: query stopped after 0.3 s (--timeout)\n"


def test_sql_timeout_and_limit_refuse_negative_values(built: Path):
    for option in ("--timeout", "--limit"):
        code, _, err = run_cli("sql", "SELECT 1", option, "-1", "--root", str(built))
        assert code == 2 and "Invalid value" in err and option in err


@pytest.mark.parametrize("query", ["", " ; ", "/* only a comment */"])
def test_sql_without_a_statement_is_one_line(built: Path, query: str):
    code, out, err = run_cli("sql", query, "--root", str(built))
    assert (code, out, err) == (1, "", "error: no SQL statement in the query\n")


def test_sql_json_writes_nan_and_infinity_as_null(built: Path):
    """JSON has no NaN: `NaN` in the output would make it unreadable for every JSON parser."""
    query = ("SELECT 'nan'::DOUBLE AS a, '-inf'::DOUBLE AS b, 1.5::DOUBLE AS c, "
             "[1.0, 'nan'::DOUBLE] AS l, {'x': 'inf'::DOUBLE} AS s")
    code, out, err = run_cli("sql", query, "-f", "json", "--root", str(built))
    assert code == 0, err
    assert json.loads(out, parse_constant=lambda c: pytest.fail(f"{c} in the JSON")) == [
        {"a": None, "b": None, "c": 1.5, "l": [1.0, None], "s": {"x": None}}]


# --- the CLI without cycles (issue 17) ------------------------------------------------------------
# flows.cli.app registers the commands; no other module imports it, and library code returns its
# results instead of printing through the CLI's consoles.

SRC = Path(flows.__file__).parent


ENTRY_POINTS = {Path("cli/app.py"), Path("__main__.py")}  # the CLI itself, and `python -m flows`


def _imported_modules(path: Path) -> set[str]:
    """The absolute names of the flows modules a source file imports (relative imports resolved)."""
    package = ".".join(("flows",) + path.relative_to(SRC).parent.parts)
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[:len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            names.add(module)
            names |= {f"{module}.{a.name}" for a in node.names}
    return names


def test_no_module_but_the_entry_points_imports_the_cli():
    importers = sorted(str(p.relative_to(SRC)) for p in SRC.rglob("*.py")
                       if p.relative_to(SRC) not in ENTRY_POINTS and "flows.cli.app" in _imported_modules(p))
    assert importers == []


def test_the_commands_load_without_the_cli():
    """A command module imported on its own does not pull flows.cli.app in (no cycle to untangle)."""
    modules = sorted(f"flows.cli.commands.{p.stem}" for p in (SRC / "cli" / "commands").glob("*.py") if p.stem != "__init__")
    assert "flows.cli.commands.diff" in modules
    code = (f"import sys; import {', '.join(modules)}, flows.importers.against; "
            "print('flows.cli.app' in sys.modules)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "False"


def test_python_dash_m_flows_runs_the_same_app():
    run = subprocess.run([sys.executable, "-m", "flows", "--help"], capture_output=True, text=True,
                         env={"COLUMNS": "200", "PATH": ""}, check=True)
    for command in ("build", "check", "sql", "views", "coverage", "diff", "report", "show", "export", "import"):
        assert f" {command} " in run.stdout
