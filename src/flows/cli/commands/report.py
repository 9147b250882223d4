"""`flows report`: a self-contained static HTML page with charts, from the published views."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from flows.cli.support import RootOption, err, failing_on, published_db


def report(root: RootOption = Path("."),
           out_file: Annotated[Path | None, typer.Option(
               "--out", help="Where to write the page (default: ROOT/reports/flows-report.html).")] = None,
           site: Annotated[Path | None, typer.Option(
               "--site", help="Folder of a site written by `flows site`: each record links to its page there (relative links).")] = None,
           ) -> None:
    """Write a self-contained HTML report with charts (timeline, supplier → recipient, contested records, sanctions, sources)."""
    from flows.publish.descriptor import read_package
    from flows.outputs.report import DEFAULT_OUT, write_report
    from flows.publish.targets import OutputRefused

    root = root.resolve()
    target = out_file if out_file is not None else root / DEFAULT_OUT
    with published_db(root) as con, failing_on(OutputRefused, FileNotFoundError):
        write_report(con, target, read_package(root), site=site)
    err.print(f"wrote {target}", markup=False)
