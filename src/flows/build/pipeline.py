"""raw → load → tables → validate → publish: the whole build, in order."""

from __future__ import annotations

from pathlib import Path

from flows.errors import CurationError
from flows.build.load import load_curation
from flows.progress import Steps
from flows.publish.release import publish, recover
from flows.build.tables import Frames, build_frames
from flows.rules.validate import validate


def build_frames_checked(root: Path, steps: Steps | None = None) -> tuple[Frames, dict]:
    """Read and validate the curation under root; raise CurationError listing every problem."""
    steps = steps or Steps(quiet=True)
    with steps.step("load curation files"):
        curation = load_curation(root)
    with steps.step("derive tables"):
        frames = build_frames(curation)
    with steps.step("validate"):
        problems = validate(frames)
    if problems:
        raise CurationError(problems)
    return frames, curation.package


def build(root: Path, out_root: Path | None = None, steps: Steps | None = None,
          with_duckdb: bool = True) -> Path:
    """Build the package from root/data/raw into out_root (default: root). Nothing under
    out_root changes unless every check passes. An interrupted publish there is finished first,
    as every command does, and a journal flows did not write is refused (PublishError) before
    the curation is read."""
    steps = steps or Steps(quiet=True)
    out_root = out_root or root
    recover(out_root)
    frames, meta = build_frames_checked(root, steps)
    with steps.step("publish"):
        readme = (root / "README.md").read_text(encoding="utf-8")
        return publish(frames, meta, out_root, readme, with_duckdb)
