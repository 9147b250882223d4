"""`python -m flows`."""

from flows.cli.app import app

app()
