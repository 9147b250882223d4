"""`flows show RECORD_ID`: one record with its evidence and links."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from flows.cli.support import RootOption, failing_on, out, published_db


def show(record_id: Annotated[str, typer.Argument(help="A record id (transfer/iran-russia-armed-drones-2022), or a name or alias (Geran-2): one record's.")],
         root: RootOption = Path(".")) -> None:
    """Print one record: its fields, every claim about it (claimant, stance, evidence, source) and its links.
    A name or alias that several records share is an error listing their ids."""
    from flows.views.show import ShowError, record_detail, render, resolve_record

    with published_db(root) as con, failing_on(ShowError):
        detail = record_detail(con, resolve_record(con, record_id))
    render(detail, out)
