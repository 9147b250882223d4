"""The `flows` command: build, check, query."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, NoReturn

import typer
from rich.table import Table as RichTable

from flows.cli.support import RootOption, err, fail, out, published_db, reading_published
from flows.cli.support import report_problems as _report  # the name build and check report with
from flows.cli.commands import diff, export, importing, release, report, show, site
from flows.errors import CurationError, Problem, ProblemError, problems_json
from flows.printable import json_escaped, visible

if TYPE_CHECKING:
    import duckdb

app = typer.Typer(help="Build, check and query the flows data package.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)


@app.command()
def build(root: RootOption = Path("."),
          out_dir: Annotated[Path | None, typer.Option("--out", help="Publish here instead of the root.")] = None,
          no_duckdb: Annotated[bool, typer.Option("--no-duckdb", help="Skip data/processed/flows.duckdb.")] = False,
          report_format: Annotated[Literal["text", "json"], typer.Option(
              "--format", help="json: the problems, with their codes, and a summary on stdout.")] = "text",
          ) -> None:
    """Build data/processed and datapackage.json from data/raw. Publishes nothing unless every check passes."""
    from flows.build.pipeline import build as run_build
    from flows.publish.lock import LockError
    from flows.progress import Steps
    from flows.publish.release import PublishError

    def report(problems: list[Problem], path: Path | None) -> None:
        if report_format == "json":
            _write_problems_json(problems, {"command": "build", "passed": path is not None,
                                            "published": path and str(path)})
        elif problems:
            _report(problems, "build failed, nothing published")
        else:
            err.print(f"built {path}", markup=False)

    try:
        path = run_build(root.resolve(), out_dir.resolve() if out_dir else None, Steps(),
                         with_duckdb=not no_duckdb)
    except CurationError as e:
        report(e.problems, None)
        raise typer.Exit(1)
    except (PublishError, LockError) as e:  # one line in text, its problem (and code) in json
        if report_format != "json":
            fail(e)
        report(e.problems, None)
        raise typer.Exit(1)
    report([], path)


@app.command()
def check(root: RootOption = Path("."),
          texts_root: Annotated[Path | None, typer.Option(help="Project whose data/raw/texts hold the archived texts (default: root).")] = None,
          against_list: Annotated[Path | None, typer.Option("--against-list", help="Instead, compare the designations with an official release (a file or folder `flows import` reads).")] = None,
          list_key: Annotated[str | None, typer.Option("--list", help="With --against-list: the list the release is of (e.g. ofac-sdn, un-consolidated), when the path does not tell.")] = None,
          report_format: Annotated[Literal["text", "json"], typer.Option(
              "--format", help="json: the problems, with their codes, and a summary on stdout.")] = "text",
          ) -> None:
    """Check a published package: file hashes, models, keys, claims, and every quote against its archived text.
    Then warn (never fail) of record fields whose claims give conflicting values."""
    from flows.rules.check import check as run_check, conflict_warnings

    warnings: list[Problem] = []

    def write_json(problems: list[Problem]) -> None:
        _write_problems_json(problems, {"command": "check", "passed": not problems}, warnings)

    def refused(e: ProblemError) -> NoReturn:  # a half-published release that cannot be read
        write_json(e.problems)
        raise typer.Exit(1)

    if against_list is not None:
        if report_format == "json":
            fail("--format json is not available with --against-list")
        from flows.cli.commands.against_list import check_against_list

        raise typer.Exit(check_against_list(root.resolve(), against_list, list_key))
    with reading_published(root, refused if report_format == "json" else fail) as root:
        try:
            problems, _ = run_check(root, (texts_root or root).resolve())
        except CurationError as e:  # an archived text refused (a link, a pipe...) or not UTF-8
            problems = e.problems
        warnings = [] if problems else conflict_warnings(root)  # read only from a sound package
    if report_format == "json":
        write_json(problems)
    elif problems:
        _report(problems, "check failed")
    else:
        for w in warnings:
            err.print(f"warning: {w}", markup=False)
        err.print(f"check passed, with {len(warnings)} warning{'s' if len(warnings) != 1 else ''} (conflicting "
                  "values: see the view conflicting_claims)" if warnings else "check passed", markup=False)
    if problems:
        raise typer.Exit(1)


def _write_problems_json(problems: list[Problem], summary: dict[str, object],
                         warnings: list[Problem] | None = None) -> None:
    """The `--format json` report of `flows build` and `flows check`, on stdout."""
    sys.stdout.write(json.dumps(problems_json(problems, summary, warnings), ensure_ascii=False, indent=2) + "\n")


class Format(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


TABLE_ROWS = 1000  # default --limit of the table format; csv and json stream every row
TIMEOUT_SECONDS = 30.0
BATCH_ROWS = 10_000  # rows fetched at a time: a large result is never held whole


@app.command()
def sql(query: Annotated[str, typer.Argument(help="A SELECT over the tables and views.")],
        root: RootOption = Path("."),
        format: Annotated[Format, typer.Option("--format", "-f")] = Format.table,
        limit: Annotated[int | None, typer.Option(
            "--limit", min=0, show_default=False,
            help=f"At most this many rows; 0 for all. Default: {TABLE_ROWS} for the table, "
                 "all for csv and json (written as they are read).")] = None,
        timeout: Annotated[float, typer.Option(
            "--timeout", min=0, help="Stop the query after this many seconds; 0 for never.")] = TIMEOUT_SECONDS,
        ) -> None:
    """Run read-only SQL over the published tables and views. The table shows control characters
    as escapes (\\x1b, \\u202e) and never reads values as markup; json escapes them too, csv when
    written to a terminal."""
    import duckdb

    if limit is None:
        limit = TABLE_ROWS if format is Format.table else 0
    with published_db(root) as con, _interrupted_after(con, timeout):
        try:
            result = con.execute(query)
            if result is None:  # DuckDB's answer to an empty query or a lone ";"
                fail("no SQL statement in the query")
            columns = [d[0] for d in result.description] if result.description else []
            rows = LimitedRows(result if columns else None, limit)
            if format is Format.csv:
                _write_csv(columns, rows, escape=_on_terminal())
            elif format is Format.json:
                _write_json(columns, rows)
            else:
                _print_table(columns, rows)
        except duckdb.InterruptException:
            fail(f"query stopped after {timeout:g} s (--timeout)")
        except duckdb.Error as e:  # its lines kept (DuckDB points at the query), values escaped
            fail("\n".join(visible(line) for line in str(e).split("\n")))
    if rows.cut:
        err.print(f"showing the first {limit} rows; the result has more: --limit 0 for all "
                  "(--format csv or json writes them as they are read)", markup=False)


@contextmanager
def _interrupted_after(con: "duckdb.DuckDBPyConnection", seconds: float) -> Iterator[None]:
    """Interrupt whatever the connection runs once `seconds` have passed (0: never)."""
    import threading

    timer = threading.Timer(seconds, con.interrupt) if seconds > 0 else None
    if timer is not None:
        timer.daemon = True
        timer.start()
    try:
        yield
    finally:
        if timer is not None:
            timer.cancel()


class LimitedRows:
    """The rows of a result, fetched BATCH_ROWS at a time, at most `limit` of them (0: all);
    afterwards `cut` tells whether the result had more."""

    def __init__(self, result: "duckdb.DuckDBPyConnection | None", limit: int) -> None:
        self.result, self.limit, self.cut = result, limit, False

    def __iter__(self) -> Iterator[tuple]:
        left = self.limit or None
        while self.result is not None:
            batch = self.result.fetchmany(BATCH_ROWS if left is None else min(BATCH_ROWS, left + 1))
            if not batch:
                return
            if left is not None and len(batch) > left:
                self.cut = True
                yield from batch[:left]
                return
            yield from batch
            if left is not None:
                left -= len(batch)


def _on_terminal() -> bool:
    return sys.stdout.isatty()


def _write_csv(columns: list[str], rows: LimitedRows, escape: bool) -> None:
    """CSV as the data are; on a terminal, control characters as escapes (they would act on it)."""
    import csv

    def cells(values: Iterable[Any]) -> list[Any]:
        return [visible(v) if escape and isinstance(v, str) else v for v in values]

    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(cells(columns))
    for r in rows:
        writer.writerow(cells(r))


def _json_value(value: Any) -> Any:
    """JSON has no NaN or infinity: null, as pandas writes them, not the invalid `NaN`."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _json_value(v) for k, v in value.items()}
    return value


def _write_json(columns: list[str], rows: LimitedRows) -> None:
    """A JSON array of objects, written one object at a time, control characters escaped."""
    first = True
    for r in rows:
        item = json_escaped(json.dumps({c: _json_value(v) for c, v in zip(columns, r)}, default=str,
                                       ensure_ascii=False, indent=2, allow_nan=False))
        sys.stdout.write(("[\n  " if first else ",\n  ") + item.replace("\n", "\n  "))
        first = False
    sys.stdout.write("[]\n" if first else "\n]\n")


def _print_table(columns: list[str], rows: LimitedRows) -> None:
    """A rich table whose cells are plain text: no markup, control characters as escapes."""
    from rich.text import Text

    table = RichTable()
    for c in columns:
        table.add_column(Text(visible(c)))
    for r in rows:
        table.add_row(*(Text("" if v is None else visible(str(v))) for v in r))
    out.print(table)


@app.command()
def views(root: RootOption = Path(".")) -> None:
    """List the views and table macros with their descriptions."""
    from flows.views.query import list_views

    with published_db(root) as con:
        for name, description in list_views(con):
            out.print(f"{name}\n    {description}", markup=False)


@app.command()
def coverage(root: RootOption = Path(".")) -> None:
    """List each paragraph of every full-text article, and each pointer of every pointer file, with
    the claims that cite it; fail on one with neither a claim nor a declared reason
    (uncited_paragraphs in the source's file; data/raw/pointers/<file>.yaml for pointers)."""
    from flows.rules.coverage import report
    from flows.build.load import load_curation

    try:
        found = report(load_curation(root.resolve()))
    except CurationError as e:
        _report(e.problems, "coverage failed")
        raise typer.Exit(1)
    out.print(found.text, markup=False)
    if found.missing_paragraphs:
        err.print(f"{found.missing_paragraphs} paragraph(s) with a fact but no claim", markup=False)
    if found.missing_pointers:
        err.print(f"{found.missing_pointers} pointer(s) neither cited by a claim nor declared uncited", markup=False)
    if found.missing_paragraphs or found.missing_pointers:
        raise typer.Exit(1)


# The commands of their own modules, in the order `flows --help` lists them.
app.command()(diff.diff)
app.command()(report.report)
app.command()(release.release)
app.command()(show.show)
app.command()(site.site)
app.add_typer(export.export_app, name="export")
app.add_typer(importing.import_app, name="import")
