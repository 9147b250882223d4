"""`flows show RECORD_ID`: one record with its evidence and links."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from flows.cli.support import RootOption, failing_on, out, published_db


def show(record_id: Annotated[str, typer.Argument(help="A record id, e.g. transfer/iran-russia-armed-drones-2022.")],
         root: RootOption = Path(".")) -> None:
    """Print one record: its fields, every claim about it (claimant, stance, evidence, source) and its links."""
    from flows.views.show import ShowError, record_detail, render

    with published_db(root) as con, failing_on(ShowError):
        detail = record_detail(con, record_id)
    render(detail, out)
