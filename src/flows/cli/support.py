"""What every `flows` command shares: the consoles, the one-line error, the problem listing,
the --root option and the published release held open while a command reads it.

The command modules (flows.cli.commands) import this, never flows.cli.app, which registers them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console

from flows.errors import Problem, ProblemError

if TYPE_CHECKING:
    import duckdb

# No emoji codes: ":skull:" in a value or a path is printed as written.
err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)
out = Console(highlight=False, soft_wrap=True, emoji=False)

RootOption = Annotated[Path, typer.Option("--root", help="The package's root folder.")]


def fail(message: object) -> NoReturn:
    """One line on stderr, exit 1: how every command reports what the user can fix."""
    err.print(f"error: {message}", markup=False)
    raise typer.Exit(1)


@contextmanager
def failing_on(*errors: type[Exception]) -> Iterator[None]:
    """Any of `errors` raised inside is reported by `fail` (one line, exit 1)."""
    try:
        yield
    except errors as e:
        fail(e)


def report_problems(problems: list[Problem], what: str) -> None:
    """Each problem on its own line of stderr, then `what` with their count."""
    for p in problems:
        err.print(str(p), markup=False)
    err.print(f"{what}: {len(problems)} problem{'s' if len(problems) != 1 else ''}", markup=False)


@contextmanager
def reading_published(root: Path, refused: Callable[[ProblemError], NoReturn] = fail) -> Iterator[Path]:
    """The release at root (resolved), held still while the caller reads it; an interrupted
    publish there is finished first, or refused: by `refused` (default: an error line)."""
    from flows.publish.lock import LockError
    from flows.publish.release import PublishError, reading_release

    root = root.resolve()
    try:
        with reading_release(root) as recovered:
            if recovered:
                err.print("finished an interrupted publish first", markup=False)
            yield root
    except (PublishError, LockError) as e:
        refused(e)


@contextmanager
def published_db(root: Path) -> Iterator["duckdb.DuckDBPyConnection"]:
    """The published database, read-only, closed afterwards; a missing build is an error line.
    No publish replaces a file while it is open, and a half-published release is finished
    first or refused (`reading_release`)."""
    with reading_published(root) as root:
        from flows.views.query import connect_release

        with failing_on(FileNotFoundError):
            con = connect_release(root)
        try:
            yield con
        finally:
            con.close()
