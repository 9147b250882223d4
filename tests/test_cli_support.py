"""flows.cli.support, what every command shares: the one-line error, the problem listing, and the
published release held open while a command reads it."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer

from flows.cli import support
from flows.errors import Problem


@pytest.fixture
def stderr(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> pytest.CaptureFixture:
    """The commands' stderr console, writing where capsys reads (and as wide as a line needs)."""
    monkeypatch.setattr(support, "err", support.Console(stderr=True, highlight=False, soft_wrap=True,
                                                        emoji=False, force_terminal=False))
    return capsys


def test_fail_is_one_plain_line_and_exit_1(stderr):
    with pytest.raises(typer.Exit) as exited:
        support.fail("data/raw: [bold]no such folder[/] :skull:")
    assert exited.value.exit_code == 1
    assert stderr.readouterr().err == "error: data/raw: [bold]no such folder[/] :skull:\n"


def test_problems_are_listed_one_a_line_then_counted(stderr):
    problems = [Problem("data/raw/actors/a.yaml:3", "actor_type", "'x' is not one of: state", "enum"),
                Problem("data/processed/claims.parquet [claim/a/b]", None, "gone")]
    support.report_problems(problems, "check failed")
    assert stderr.readouterr().err.splitlines() == [
        "data/raw/actors/a.yaml:3: actor_type: 'x' is not one of: state",
        "data/processed/claims.parquet [claim/a/b]: gone", "check failed: 2 problems"]
    support.report_problems(problems[:1], "build failed, nothing published")
    assert stderr.readouterr().err.splitlines()[-1] == "build failed, nothing published: 1 problem"


def test_a_folder_without_a_build_is_one_error_line_naming_what_is_missing(tmp_path: Path, stderr):
    with pytest.raises(typer.Exit), support.published_db(tmp_path):
        pass
    lines = stderr.readouterr().err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "flows build" in lines[0], lines
    assert sorted(p.name for p in tmp_path.iterdir()) == [".flows-release.lock"]  # the reader's lock only


def test_a_refused_release_goes_to_the_caller_s_refusal(tmp_path: Path):
    (tmp_path / ".flows-publish-journal.json").write_text("[]")
    refusals = []

    def refused(error):
        refusals.append(error)
        raise typer.Exit(3)

    with pytest.raises(typer.Exit) as exited, support.reading_published(tmp_path, refused):
        pass
    assert exited.value.exit_code == 3
    assert [p.code for p in refusals[0].problems] == ["journal_form"]
