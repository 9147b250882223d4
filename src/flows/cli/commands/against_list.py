"""`flows check --against-list PATH`: print the comparison flows.importers.against makes."""

from __future__ import annotations

from pathlib import Path

from flows.cli.support import err, out, report_problems


def check_against_list(root: Path, path: Path, list_key: str | None = None) -> int:
    """Print the report; the exit code: 1 when anything differs or the comparison cannot be made."""
    from flows.errors import CurationError
    from flows.importers.against import compare
    from flows.importers.model import ListError

    try:
        report = compare(root, path, list_key)
    except (FileNotFoundError, ListError) as e:
        err.print(f"error: {e}", markup=False)
        return 1
    except CurationError as e:
        report_problems(e.problems, "check failed: the curation must build first")
        return 1
    out.print(report.text(), markup=False)
    return 1 if report.findings else 0
