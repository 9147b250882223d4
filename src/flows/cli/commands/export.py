"""`flows export csv DIR` and `flows export ftm FILE`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from flows.cli.support import RootOption, err, failing_on, published_db, reading_published

export_app = typer.Typer(help="Export the published package: CSV with its own datapackage.json, "
                         "or FollowTheMoney entities.", no_args_is_help=True)


@export_app.command("csv")
def export_csv(out_dir: Annotated[Path, typer.Argument(help="Folder to write the CSV files and datapackage.json into: new, empty, or a previous export.")],
               root: RootOption = Path("."),
               raw: Annotated[bool, typer.Option("--raw", help="Write text cells that begin with = + - @ tab or CR as they are, not with a leading ' .")] = False,
               ) -> None:
    """Every table as UTF-8 CSV, with a datapackage.json of the same Table Schemas (frictionless validate passes).
    Free-text cells a spreadsheet would run as formulas get a leading ' unless --raw."""
    from flows.outputs.csv_package import export_csv as run
    from flows.publish.targets import ExportError

    with reading_published(root) as root, failing_on(FileNotFoundError, ExportError):
        result = run(root, out_dir, raw=raw)
    err.print(f"wrote {len(result.rows)} tables ({sum(result.rows.values())} rows) and datapackage.json "
              f"to {out_dir}", markup=False)
    if result.neutralised:
        err.print(f"{result.neutralised} text cell(s) begin like a formula and were written with a "
                  "leading ' (--raw to keep them as they are)", markup=False)


@export_app.command("ftm")
def export_ftm(out_file: Annotated[Path, typer.Argument(help="JSON lines file to write.")],
               root: RootOption = Path(".")) -> None:
    """Actors, designations and sanctions as FollowTheMoney entities (JSON lines), validated by the followthemoney library."""
    from flows.outputs.ftm import export_ftm as run
    from flows.publish.targets import OutputRefused

    with published_db(root) as con, failing_on(OutputRefused):
        result = run(con, out_file)
    counts = ", ".join(f"{n} {schema}" for schema, n in result.count().items())
    err.print(f"wrote {len(result.entities)} entities to {out_file}: {counts}", markup=False)
    for why, n in sorted(result.skipped.items()):
        err.print(f"  left out: {n} × {why}", markup=False)
