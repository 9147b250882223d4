"""Archived source texts: where they are, their hash, and their whitespace-normalised form.

`texts/<file>` lives in `data/raw/texts/` (official texts that may be copied whole);
`shared/<file>` lives in the shared source archive beside the project (`../shared/sources`,
or the folder named by FLOWS_SHARED_SOURCES), for texts that may only be quoted.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

def normalise(text: str) -> str:
    """Whitespace and line breaks folded to single spaces, as quotes are compared (str.split
    splits on the same Unicode whitespace as a `\\s+` regex, several times faster)."""
    return " ".join(text.split())


def shared_sources_dir(root: Path) -> Path:
    configured = os.environ.get("FLOWS_SHARED_SOURCES")
    return Path(configured) if configured else (root / ".." / "shared" / "sources").resolve()


def resolve_text_path(root: Path, text_path: str) -> Path:
    """The file behind a `text_path`; the schema's pattern already forbids `..` and slashes."""
    store, _, name = text_path.partition("/")
    if "/" in name or name.startswith(".") or store not in ("texts", "shared"):
        raise ValueError(f"unsafe text path {text_path!r}")
    base = root / "data" / "raw" / "texts" if store == "texts" else shared_sources_dir(root)
    return base / name


@dataclass(frozen=True)
class ArchivedText:
    path: Path
    sha256: str
    normalised: str


def read_text(root: Path, text_path: str) -> ArchivedText | None:
    """The archived text, or None when it is not available on this machine."""
    try:
        path = resolve_text_path(root, text_path)
    except ValueError:  # an unsafe path; the schema's pattern reports it
        return None
    if not path.is_file():
        return None
    data = path.read_bytes()
    return ArchivedText(path, hashlib.sha256(data).hexdigest(),
                        normalise(data.decode("utf-8", errors="replace")))
