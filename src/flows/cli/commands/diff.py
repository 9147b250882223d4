"""`flows diff OLD_DIR NEW_DIR`: what changed between two builds."""

from __future__ import annotations

import json
import sys
from contextlib import ExitStack
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from flows.cli.support import err, reading_published


def _package_root(folder: Path) -> Path | None:
    """The package root a build folder given to diff belongs to (itself, or the root above its
    data/processed), to read it as every reader does; None for a folder of bare Parquet files."""
    from flows.publish.release import JOURNAL

    folder = folder.resolve()
    for root in (folder, folder.parent.parent):
        if (root / "datapackage.json").exists() or (root / JOURNAL).exists():
            return root
    return None


class DiffFormat(str, Enum):
    markdown = "markdown"
    json = "json"


def diff(old_dir: Annotated[Path, typer.Argument(help="The older build: a package root or its data/processed folder.")],
         new_dir: Annotated[Path, typer.Argument(help="The newer build: a package root or its data/processed folder.")],
         format: Annotated[DiffFormat, typer.Option("--format", "-f")] = DiffFormat.markdown,
         exit_code: Annotated[bool, typer.Option("--exit-code", help="Exit 1 when the builds differ.")] = False,
         ) -> None:
    """What changed between two builds: rows added, removed and changed in every table, by key (Markdown or JSON)."""
    from flows.outputs.diff import DiffError, diff_builds, to_json, to_markdown
    from flows.printable import json_escaped

    with ExitStack() as held:
        for folder in {r for r in (_package_root(old_dir), _package_root(new_dir)) if r}:
            held.enter_context(reading_published(folder))
        try:
            result = diff_builds(old_dir, new_dir)
        except (FileNotFoundError, DiffError) as e:
            err.print(f"error: {e}", markup=False)
            raise typer.Exit(2)
    if result.same_folder:
        err.print(f"note: {old_dir} and {new_dir} are the same build", markup=False)
    if format is DiffFormat.json:
        sys.stdout.write(json_escaped(json.dumps(to_json(result), ensure_ascii=False, indent=2, default=str)) + "\n")
    else:
        sys.stdout.write(to_markdown(result))
    if exit_code and result:
        raise typer.Exit(1)
