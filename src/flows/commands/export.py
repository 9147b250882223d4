"""`flows export csv DIR` and `flows export ftm FILE`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from flows.cli import RootOption, app, err, fail, published_db, reading_published

export_app = typer.Typer(help="Export the published package: CSV with its own datapackage.json, "
                         "or FollowTheMoney entities.", no_args_is_help=True)
app.add_typer(export_app, name="export")


@export_app.command("csv")
def export_csv(out_dir: Annotated[Path, typer.Argument(help="Folder to write the CSV files and datapackage.json into.")],
               root: RootOption = Path(".")) -> None:
    """Every table as UTF-8 CSV, with a datapackage.json of the same Table Schemas (frictionless validate passes)."""
    from flows.export import export_csv as run

    with reading_published(root) as root:
        try:
            rows = run(root, out_dir)
        except FileNotFoundError as e:
            fail(e)
    err.print(f"wrote {len(rows)} tables ({sum(rows.values())} rows) and datapackage.json to {out_dir}",
              markup=False)


@export_app.command("ftm")
def export_ftm(out_file: Annotated[Path, typer.Argument(help="JSON lines file to write.")],
               root: RootOption = Path(".")) -> None:
    """Actors, designations and sanctions as FollowTheMoney entities (JSON lines), validated by the followthemoney library."""
    from flows.export import export_ftm as run

    with published_db(root) as con:
        result = run(con, out_file)
    counts = ", ".join(f"{n} {schema}" for schema, n in result.count().items())
    err.print(f"wrote {len(result.entities)} entities to {out_file}: {counts}", markup=False)
    for why, n in sorted(result.skipped.items()):
        err.print(f"  left out: {n} × {why}", markup=False)
