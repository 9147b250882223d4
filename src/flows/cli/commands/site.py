"""`flows site OUT`: a static site of the published release, one page per record and source."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from flows.cli.support import RootOption, err, failing_on, published_db


def site(out_dir: Annotated[Path, typer.Argument(help="Folder to write the site into: new, empty, or a previous site.")],
         root: RootOption = Path("."),
         ) -> None:
    """Write a static site that opens offline: a page per record (fields, claims with their
    evidence and sources, links in and out), per actor and per source, and an index searched by
    name and alias."""
    from flows.publish.descriptor import read_package
    from flows.outputs.site import write_site
    from flows.publish.targets import OutputRefused

    started = time.monotonic()
    with published_db(root) as con, failing_on(OutputRefused, FileNotFoundError):
        result = write_site(con, out_dir.resolve() if not out_dir.is_symlink() else out_dir,
                            read_package(root.resolve()))
    err.print(f"wrote {result.pages} pages ({result.bytes / 1e6:.1f} MB) to {out_dir} "
              f"in {time.monotonic() - started:.1f} s; open {out_dir / 'index.html'}", markup=False)
