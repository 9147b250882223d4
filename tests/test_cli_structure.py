"""The CLI without cycles (issue 17): flows.cli.app registers the commands; no other module imports
it, and library code returns its results instead of printing through the CLI's consoles."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import flows

SRC = Path(flows.__file__).parent
ENTRY_POINTS = {Path("cli/app.py"), Path("__main__.py")}  # the CLI itself, and `python -m flows`


def _imported_modules(path: Path) -> set[str]:
    """The absolute names of the flows modules a source file imports (relative imports resolved)."""
    package = ".".join(("flows",) + path.relative_to(SRC).parent.parts)
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[:len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            names.add(module)
            names |= {f"{module}.{a.name}" for a in node.names}
    return names


def test_no_module_but_the_entry_points_imports_the_cli():
    importers = sorted(str(p.relative_to(SRC)) for p in SRC.rglob("*.py")
                       if p.relative_to(SRC) not in ENTRY_POINTS and "flows.cli.app" in _imported_modules(p))
    assert importers == []


def test_the_commands_load_without_the_cli():
    """A command module imported on its own does not pull flows.cli.app in (no cycle to untangle)."""
    modules = sorted(f"flows.cli.commands.{p.stem}" for p in (SRC / "cli" / "commands").glob("*.py") if p.stem != "__init__")
    assert "flows.cli.commands.diff" in modules
    code = (f"import sys; import {', '.join(modules)}, flows.importers.against; "
            "print('flows.cli.app' in sys.modules)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "False"


def test_python_dash_m_flows_runs_the_same_app():
    run = subprocess.run([sys.executable, "-m", "flows", "--help"], capture_output=True, text=True,
                         env={"COLUMNS": "200", "PATH": ""}, check=True)
    for command in ("build", "check", "sql", "views", "coverage", "diff", "report", "show", "export", "import"):
        assert f" {command} " in run.stdout
