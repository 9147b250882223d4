"""Progress of long steps: shown in a terminal, silent in CI and when output is piped."""

from __future__ import annotations

import os
import sys
import time
from contextlib import contextmanager
from typing import Iterator

from rich.console import Console


class Steps:
    def __init__(self, quiet: bool | None = None):
        if quiet is None:
            quiet = bool(os.environ.get("CI")) or not sys.stderr.isatty()
        self.quiet = quiet
        self.console = Console(stderr=True)

    @contextmanager
    def step(self, what: str) -> Iterator[None]:
        if self.quiet:
            yield
            return
        start = time.perf_counter()
        with self.console.status(f"{what} ..."):
            yield
        self.console.print(f"[green]✓[/] {what} ({time.perf_counter() - start:.1f} s)")
