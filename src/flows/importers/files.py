"""The files an import rewrites under `data/raw/`, written all together or not at all.

An import must not overwrite a curator's work. A file it would change is safe to overwrite
when its bytes are what the last import of the list wrote (recorded in
`data/raw/imported-<list>.sha256`, `sha256sum` format, paths relative to data/raw, with a
`# inputs <sha256>` comment line: what the import read, flows.importers.inputs) or, in a git
work tree, when it is committed and unchanged. Anything else (uncommitted hand edits, or
a file the importer did not write in a folder that is not a git repository) is refused,
listing the files, unless the import is forced.
"""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

from flows.publish.targets import StagedFiles, sha256_file


class ImportRefused(Exception):
    """An import that would lose something: one line saying what and how to proceed."""


INPUTS = "# inputs "  # the manifest's line with the digest of what the import read


def manifest_name(list_key: str) -> str:
    return f"imported-{list_key}.sha256"


class Plan:
    """The bytes each file will hold (None: the file is removed)."""

    def __init__(self, root: Path, list_key: str) -> None:
        self.root, self.raw = root, root / "data" / "raw"
        self.manifest = self.raw / manifest_name(list_key)
        self.changes: dict[Path, bytes | None] = {}

    def put(self, path: Path, data: bytes) -> None:
        if not (path.is_file() and path.read_bytes() == data):
            self.changes[path] = data

    def remove(self, path: Path) -> None:
        if path.exists():
            self.changes[path] = None

    def shown(self, path: Path) -> str:
        return str(path.relative_to(self.root))

    def up_to_date(self, inputs: str, outputs: list[Path]) -> bool:
        """Whether the last import read the same inputs, wrote every one of `outputs`, and every
        file it wrote is still as it wrote it: then there is nothing to do."""
        recorded = self.recorded()
        if self.recorded_inputs() != inputs or not all(str(p.relative_to(self.raw)) in recorded for p in outputs):
            return False
        return all((self.raw / name).is_file() and sha256_file(self.raw / name) == digest
                   for name, digest in recorded.items())

    def commit(self, force: bool, inputs: str | None = None) -> list[str]:
        """Write every change (after checking nothing of a curator's is lost), and the manifest
        with `inputs`; return the files changed, relative to the root."""
        not_files = [p for p in self.changes if p.exists() and not p.is_file()]
        if not_files:
            raise ImportRefused(f"{', '.join(map(self.shown, not_files))}: not a file; the import would "
                                "write a file there (nothing was written)")
        if not force:
            edited = self.hand_edited()
            if edited:
                raise ImportRefused(
                    f"{', '.join(map(self.shown, edited))}: changed since the last import and not committed "
                    "(hand edits?); the import would overwrite them. Commit or move them away, or re-run with "
                    "--force to overwrite (nothing was written)")
        recorded = self.recorded()
        for path, data in self.changes.items():
            key = str(path.relative_to(self.raw))
            if data is None:
                recorded.pop(key, None)
            else:
                recorded[key] = hashlib.sha256(data).hexdigest()
        if self.changes or (inputs is not None and inputs != self.recorded_inputs()):
            listing = (f"{INPUTS}{inputs}\n" if inputs else "") + "".join(f"{h}  {k}\n" for k, h in sorted(recorded.items()))
            self.put(self.manifest, listing.encode("utf-8"))
        _replace_all(self.changes)
        return [self.shown(p) for p in self.changes if p != self.manifest]

    def recorded(self) -> dict[str, str]:
        """Path (relative to data/raw) -> sha256 the last import wrote."""
        out = {}
        for line in self._manifest_lines():
            digest, sep, name = line.partition("  ")
            if sep and not line.startswith("#"):
                out[name] = digest
        return out

    def recorded_inputs(self) -> str | None:
        """The digest of what the last import read (flows.importers.inputs), if recorded."""
        return next((line[len(INPUTS):] for line in self._manifest_lines() if line.startswith(INPUTS)), None)

    def _manifest_lines(self) -> list[str]:
        if not self.manifest.is_file():
            return []
        return self.manifest.read_text(encoding="utf-8", errors="replace").splitlines()

    def hand_edited(self) -> list[Path]:
        """Existing files the import would change whose bytes neither the last import wrote
        nor git has committed."""
        recorded = self.recorded()
        unknown = [p for p in self.changes if p != self.manifest and p.is_file()
                   and recorded.get(str(p.relative_to(self.raw))) != sha256_file(p)]
        if not unknown:
            return []
        committed = _committed_unchanged(self.root, unknown)
        return [p for p in unknown if p not in committed]


def _git(top: Path, *args: str) -> subprocess.CompletedProcess | None:
    try:
        return subprocess.run(["git", "-C", str(top), *args], capture_output=True, check=False)
    except OSError:  # no git on this machine
        return None


def _committed_unchanged(root: Path, paths: list[Path]) -> set[Path]:
    """The paths git tracks and reports no change for (staged or not); none outside a work tree."""
    top_run = _git(root, "rev-parse", "--show-toplevel")
    if top_run is None or top_run.returncode != 0:
        return set()
    top = Path(top_run.stdout.decode().strip()).resolve()
    rel = {}
    for p in paths:
        try:
            rel[str(p.resolve().relative_to(top))] = p
        except ValueError:
            continue
    if not rel:
        return set()
    tracked = _git(top, "ls-files", "-z", "--", *rel)
    status = _git(top, "status", "--porcelain", "-z", "--untracked-files=all", "--", *rel)
    if tracked is None or status is None or tracked.returncode or status.returncode:
        return set()
    tracked_names = {n for n in tracked.stdout.decode().split("\0") if n}
    dirty = {entry[3:] for entry in status.stdout.decode().split("\0") if len(entry) > 3}
    return {p for name, p in rel.items() if name in tracked_names and name not in dirty}


def _replace_all(changes: dict[Path, bytes | None]) -> None:
    """Every new file is written beside its target first (never through a link planted at its
    temporary name); only when all are written do they replace their targets, so a failure (a
    full disk) leaves the old files as they were."""
    with StagedFiles() as staged:
        try:
            for path, data in changes.items():
                if data is not None:
                    staged.write(path, data)
        except OSError as e:
            raise ImportRefused(f"{e.filename}: cannot be written: {e.strerror} (nothing was written)") from None
        staged.replace_all()
    for path, data in changes.items():
        if data is None:
            path.unlink()
