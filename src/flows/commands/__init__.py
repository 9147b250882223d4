"""Commands that live in their own modules: each module here defines `@app.command()`s on
`flows.cli.app` (or adds a sub-app) when imported. `flows.cli` imports them all."""

from __future__ import annotations

import importlib
import pkgutil


def load_all() -> None:
    for module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
        importlib.import_module(f"{__name__}.{module}")
