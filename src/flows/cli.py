"""The `flows` command: build, check, query."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table as RichTable

from .errors import CurationError, Problem

app = typer.Typer(help="Build, check and query the flows data package.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)
err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)

RootOption = Annotated[Path, typer.Option("--root", help="The package's root folder.")]


if TYPE_CHECKING:
    import duckdb


def fail(message: object) -> NoReturn:
    """One line on stderr, exit 1: how every command reports what the user can fix."""
    err.print(f"error: {message}", markup=False)
    raise typer.Exit(1)


@contextmanager
def published_db(root: Path) -> Iterator["duckdb.DuckDBPyConnection"]:
    """The published database, read-only, closed afterwards; a missing build is an error line.
    No publish replaces a file while it is open, and a half-published release is finished
    first or refused (`reading_release`)."""
    with reading_published(root) as root:
        from .query import connect_read_only

        try:
            con = connect_read_only(root)
        except FileNotFoundError as e:
            fail(e)
        try:
            yield con
        finally:
            con.close()


@contextmanager
def reading_published(root: Path) -> Iterator[Path]:
    """The release at root (resolved), held still while the caller reads it; an interrupted
    publish there is finished first, or refused with an error line."""
    from .lock import LockError
    from .publish import PublishError, reading_release

    root = root.resolve()
    try:
        with reading_release(root) as recovered:
            if recovered:
                err.print("finished an interrupted publish first", markup=False)
            yield root
    except (PublishError, LockError) as e:
        fail(e)


def _report(problems: list[Problem], what: str) -> None:
    for p in problems:
        err.print(str(p), markup=False)
    err.print(f"{what}: {len(problems)} problem{'s' if len(problems) != 1 else ''}", markup=False)


@app.command()
def build(root: RootOption = Path("."),
          out_dir: Annotated[Path | None, typer.Option("--out", help="Publish here instead of the root.")] = None,
          no_duckdb: Annotated[bool, typer.Option("--no-duckdb", help="Skip data/processed/flows.duckdb.")] = False,
          ) -> None:
    """Build data/processed and datapackage.json from data/raw. Publishes nothing unless every check passes."""
    from .build import build as run_build
    from .lock import LockError
    from .progress import Steps
    from .publish import PublishError

    try:
        path = run_build(root.resolve(), out_dir.resolve() if out_dir else None, Steps(),
                         with_duckdb=not no_duckdb)
    except CurationError as e:
        _report(e.problems, "build failed, nothing published")
        raise typer.Exit(1)
    except (PublishError, LockError) as e:
        fail(e)
    err.print(f"built {path}", markup=False)


@app.command()
def check(root: RootOption = Path("."),
          texts_root: Annotated[Path | None, typer.Option(help="Project whose data/raw/texts hold the archived texts (default: root).")] = None,
          against_list: Annotated[Path | None, typer.Option("--against-list", help="Instead, compare the designations with an official release (OFAC folder or UN XML).")] = None,
          ) -> None:
    """Check a published package: file hashes, models, keys, claims, and every quote against its archived text."""
    from .check import check as run_check

    if against_list is not None:
        from .importers.against import check_against_list

        raise typer.Exit(check_against_list(root.resolve(), against_list))
    with reading_published(root) as root:
        try:
            problems, _ = run_check(root, (texts_root or root).resolve())
        except CurationError as e:  # an archived text refused (a link, a pipe...) or not UTF-8
            _report(e.problems, "check failed")
            raise typer.Exit(1)
    if problems:
        _report(problems, "check failed")
        raise typer.Exit(1)
    err.print("check passed", markup=False)


class Format(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


@app.command()
def sql(query: Annotated[str, typer.Argument(help="A SELECT over the tables and views.")],
        root: RootOption = Path("."),
        format: Annotated[Format, typer.Option("--format", "-f")] = Format.table) -> None:
    """Run read-only SQL over the published tables and views."""
    import duckdb

    with published_db(root) as con:
        try:
            result = con.execute(query)
            columns = [d[0] for d in result.description] if result.description else []
            rows = result.fetchall()
        except duckdb.Error as e:
            fail(e)
    if format is Format.csv:
        import csv

        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
    elif format is Format.json:
        sys.stdout.write(json.dumps([dict(zip(columns, r)) for r in rows], default=str,
                                    ensure_ascii=False, indent=2) + "\n")
    else:
        table = RichTable(*columns)
        for r in rows:
            table.add_row(*("" if v is None else str(v) for v in r))
        out.print(table)


@app.command()
def views(root: RootOption = Path(".")) -> None:
    """List the views and table macros with their descriptions."""
    from .query import list_views

    with published_db(root) as con:
        for name, description in list_views(con):
            out.print(f"{name}\n    {description}", markup=False)


def main() -> None:  # pragma: no cover
    app()


@app.command()
def coverage(root: RootOption = Path(".")) -> None:
    """List each paragraph of every full-text article with the claims that cite it; fail on a
    paragraph with neither a claim nor a declared reason (uncited_paragraphs)."""
    from .coverage import report
    from .load import load_curation

    try:
        text, missing = report(load_curation(root.resolve()))
    except CurationError as e:
        _report(e.problems, "coverage failed")
        raise typer.Exit(1)
    out.print(text, markup=False)
    if missing:
        err.print(f"{missing} paragraph(s) with a fact but no claim", markup=False)
        raise typer.Exit(1)


def _load_command_modules() -> None:
    from .commands import load_all

    load_all()


_load_command_modules()
