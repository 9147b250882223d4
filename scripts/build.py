#!/usr/bin/env python3
"""Build the package: the same as `flows build` (run from the package root)."""

from flows.cli.app import app

if __name__ == "__main__":
    app(["build", *__import__("sys").argv[1:]])
