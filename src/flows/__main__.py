"""`python -m flows`."""

from .cli import app

app()
