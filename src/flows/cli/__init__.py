"""The `flows` command.

  app.py      the Typer app: build, check, sql, views, coverage; registers commands/
  support.py  what every command shares: consoles, one-line errors, problem listings, --root
  commands/   one module per command that has its own (import, export, diff, report, show, ...)
"""
