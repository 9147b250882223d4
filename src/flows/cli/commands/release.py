"""`flows release`: a versioned release folder, dist/flows-<version>/, with its CHANGELOG and checksums."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from flows.cli.support import RootOption, err, failing_on, out, reading_published, report_problems


def release(root: RootOption = Path("."),
            dist: Annotated[Path | None, typer.Option("--dist", help="Folder of the releases (default: ROOT/dist).")] = None,
            previous: Annotated[Path | None, typer.Option(
                "--previous", help="The release to compare with (default: the latest DIST/flows-*/ below this version).")] = None,
            no_wheel: Annotated[bool, typer.Option("--no-wheel", help="Leave out the wheel that ships the data.")] = False,
            tag: Annotated[bool, typer.Option("--tag", help="Tag the commit checked out v<version> (annotated) once the "
                                              "release is written; refused first when tracked files hold uncommitted "
                                              "changes or the tag exists.")] = False,
            ) -> None:
    """Write DIST/flows-<version>/: Parquet, datapackage.json, CSV package, FtM file, report, site,
    wheel, CHANGELOG (flows diff against the previous release) and SHA256SUMS; the wheel also at
    DIST/ itself, for `pip install DIST/flows-<version>-py3-none-any.whl`. Refuses a package that
    fails `flows check`, to overwrite a release, and a version bump too small for the changes (a
    removed field needs a major one)."""
    from flows.errors import CheckFailed
    from flows.outputs.diff import DiffError
    from flows.publish.dist import ReleaseError, make_release
    from flows.publish.targets import ExportError, OutputRefused

    started = time.monotonic()
    with reading_published(root) as root, failing_on(ReleaseError, DiffError, FileNotFoundError,
                                                     ExportError, OutputRefused):
        try:
            made = make_release(root, (dist or root / "dist").resolve(), previous.resolve() if previous else None,
                                with_wheel=not no_wheel, notify=lambda what: err.print(f"writing {what}", markup=False),
                                tag=tag)
        except CheckFailed as e:
            report_problems(e.problems, "check failed, no release written")
            raise typer.Exit(1) from None
    against = f" (a {made.bump} bump over {made.previous.name})" if made.previous else " (the first release)"
    err.print(f"wrote {made.files} files to {made.folder}{against} in {time.monotonic() - started:.1f} s", markup=False)
    if not no_wheel:
        err.print(f"install it: pip install {made.wheel}", markup=False)
    for skipped in made.skipped:
        err.print(f"  left out: {skipped}", markup=False)
    err.print(f"check it: (cd {made.folder} && sha256sum -c {'SHA256SUMS'})", markup=False)
    if made.tag:
        err.print(f"tagged {made.tag}; publish it: git push origin {made.tag}", markup=False)
    else:
        err.print("tag it:", markup=False)
        out.print(made.tag_command(), markup=False)
