"""What an import reads, as one digest: the release's files, the import's options and the
curation outside the files it writes. It is recorded in the list's manifest
(`data/raw/imported-<list>.sha256`, a `# inputs <sha256>` comment line, which sha256sum skips);
an import whose digest is the recorded one, and whose files are as the last import wrote them,
has nothing to do and stops before reading the release (files.Plan.up_to_date).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from flows.build.load import CURATION_FOLDERS
from flows.publish.targets import sha256_file

# Bump when what an import writes for the same inputs changes: the next import then runs.
OUTPUT_FORM = 3


def inputs_digest(path: Path, options: dict[str, Any], raw: Path, written: set[Path]) -> str:
    """The digest of the release at `path` (a file, or every file of a folder), the options
    (JSON-able) and every curation file under `raw` but those in `written` (the import's own)."""
    digest = hashlib.sha256(json.dumps({"form": OUTPUT_FORM, "options": options}, sort_keys=True,
                                       default=str).encode("utf-8"))
    release = sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path]
    for p in release:
        digest.update(f"release {p.name} {sha256_file(p)}\n".encode("utf-8"))
    curation = [raw / "package.yaml", *(p for folder in CURATION_FOLDERS for p in sorted((raw / folder).glob("*.yaml")))]
    for p in curation:
        if p.is_file() and p not in written:
            digest.update(f"curation {p.relative_to(raw)} {sha256_file(p)}\n".encode("utf-8"))
    return digest.hexdigest()
