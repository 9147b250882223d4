"""flows.progress: each long step shown in a terminal, nothing in CI or when output is piped."""

from __future__ import annotations

import io
import sys

import pytest
from rich.console import Console

from flows.progress import Steps


def test_a_step_is_shown_done_with_its_time_unless_quiet():
    steps = Steps(quiet=False)
    steps.console = Console(file=io.StringIO(), force_terminal=False, width=80)
    with steps.step("load curation files"):
        pass
    shown = steps.console.file.getvalue()
    assert shown.startswith("✓ load curation files (") and shown.endswith(" s)\n"), shown
    quiet = Steps(quiet=True)
    quiet.console = Console(file=io.StringIO())
    with quiet.step("validate"):
        pass
    assert quiet.console.file.getvalue() == ""


@pytest.mark.parametrize("ci,terminal,quiet", [("", True, False), ("1", True, True), ("", False, True)])
def test_quiet_in_ci_and_when_stderr_is_not_a_terminal(monkeypatch: pytest.MonkeyPatch, ci: str, terminal: bool,
                                                       quiet: bool):
    monkeypatch.setenv("CI", ci)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: terminal)
    assert Steps().quiet is quiet
