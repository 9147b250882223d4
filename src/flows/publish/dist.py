"""A versioned release folder, `dist/flows-<version>/` (`flows release`): the published package
(Parquet, SQL, datapackage.json, README), the CSV package, the FollowTheMoney file, the report,
the static site when `flows site` exists, the wheel that ships the data, a CHANGELOG made by
`flows diff` against the previous release, and SHA256SUMS over every file (`sha256sum -c`).
The wheel is also placed at dist/ itself, the same bytes, so that
`pip install dist/flows-<version>-py3-none-any.whl` installs it.

Nothing is written unless the package passes `flows check` (its warnings do not stop a release).
The folder is written under a temporary name beside it and renamed last: a release folder is
whole or absent, and an existing one is never overwritten.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from flows.errors import CheckFailed, CurationError
from flows.publish.descriptor import PROCESSED
from flows.publish.release import SQL_FILES
from flows.publish.targets import sha256_file
from flows.publish.versions import VersionError, check_bump, needed_bump, parse
from flows.schema.definition import TABLES

CHECKSUMS = "SHA256SUMS"
RELEASE_NAME = re.compile(r"^flows-(\d+\.\d+\.\d+)$")


class ReleaseError(Exception):
    """A release that cannot be made: one line; nothing is left in dist/."""


@dataclass
class Release:
    folder: Path
    version: str
    previous: Path | None
    bump: str | None  # the bump over the previous release (None for the first)
    skipped: list[str] = field(default_factory=list)  # parts left out, with why
    files: int = 0
    tag: str | None = None  # the git tag made (--tag)

    @property
    def wheel(self) -> Path:
        """Where `pip install` finds the wheel: dist/ itself (a copy of the one in the folder)."""
        return self.folder.parent / wheel_name(self.version)

    def tag_command(self) -> str:
        return f'git tag -a {tag_name(self.version)} -m "{tag_message(self.version)}"'


def tag_name(version: str) -> str:
    return f"v{version}"


def tag_message(version: str) -> str:
    return f"flows data {version}"


def _git(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True)


def check_taggable(root: Path, version: str) -> None:
    """A release tagged as it is written: the root must be a git work tree whose tracked files
    hold no uncommitted change (the tag names the commit the release was made from), without
    a tag of this version yet. ReleaseError otherwise, before anything is written."""
    if _git(root, "rev-parse", "--is-inside-work-tree").stdout.strip() != "true":
        raise ReleaseError(f"{root}: not a git work tree: --tag needs one")
    changed = _git(root, "status", "--porcelain", "--untracked-files=no").stdout.splitlines()
    if changed:
        raise ReleaseError(f"{root}: {len(changed)} tracked file(s) changed since the last commit "
                           f"({changed[0].strip()}, ...): commit them, then release and tag")
    if _git(root, "rev-parse", "-q", "--verify", f"refs/tags/{tag_name(version)}").returncode == 0:
        raise ReleaseError(f"{root}: the tag {tag_name(version)} exists already: bump the version")


def tag_release(root: Path, version: str) -> str:
    """The annotated tag of the release on the commit checked out; its name."""
    done = _git(root, "tag", "-a", tag_name(version), "-m", tag_message(version))
    if done.returncode != 0:
        raise ReleaseError(f"git tag {tag_name(version)}: {done.stderr.strip()} (the release is written; "
                           "tag it by hand)")
    return tag_name(version)


def wheel_name(version: str) -> str:
    return f"flows-{version}-py3-none-any.whl"


def passes_check(root: Path) -> None:
    """CheckFailed with every problem `flows check` finds in the package at root."""
    from flows.rules.check import check

    try:
        problems, _ = check(root)
    except CurationError as e:  # an archived text refused (a link, a pipe...) or not UTF-8
        problems = e.problems
    if problems:
        raise CheckFailed(problems)


def version_places(root: Path) -> dict[str, str | None]:
    """The data version as each place states it: package.yaml (where it is set), the built
    datapackage.json, pyproject.toml (the wheel's version), CITATION.cff."""
    def load(path: Path, reader: Callable[[str], Any]) -> Any:
        return reader(path.read_text(encoding="utf-8")) if path.is_file() else {}

    places = {
        "data/raw/package.yaml": load(root / "data/raw/package.yaml", yaml.safe_load).get("version"),
        "datapackage.json": load(root / "datapackage.json", json.loads).get("version"),
        "pyproject.toml": load(root / "pyproject.toml", tomllib.loads).get("project", {}).get("version"),
        "CITATION.cff": load(root / "CITATION.cff", yaml.safe_load).get("version"),
    }
    return {k: None if v is None else str(v) for k, v in places.items()}


def data_version(root: Path) -> str:
    """The one data version, once every place agrees; ReleaseError naming a place that does not."""
    places = version_places(root)
    wanted = places["data/raw/package.yaml"]
    if wanted is None:
        raise ReleaseError(f"{root / 'data/raw/package.yaml'}: no version")
    try:
        parse(wanted)
    except VersionError as e:
        raise ReleaseError(f"{root / 'data/raw/package.yaml'}: {e}") from None
    for place, version in places.items():
        if version is None and place in ("pyproject.toml", "CITATION.cff") and not (root / place).exists():
            continue  # a copy of the data alone, without the project around it
        if version != wanted:
            fix = "run `flows build`" if place == "datapackage.json" else f"set it to {wanted}"
            raise ReleaseError(f"{root / place}: version {version} but data/raw/package.yaml says {wanted}: {fix}")
    return wanted


def previous_releases(dist: Path) -> list[tuple[tuple[int, int, int], Path]]:
    """The release folders in dist/ (flows-X.Y.Z with a datapackage.json), oldest first."""
    found = []
    if dist.is_dir():
        for p in dist.iterdir():
            m = RELEASE_NAME.match(p.name)
            if m and p.is_dir() and (p / "datapackage.json").is_file():
                found.append((parse(m[1]), p))
    return sorted(found)


def checksums(folder: Path) -> str:
    """`sha256sum` lines for every file under folder (but SHA256SUMS), by path."""
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != CHECKSUMS)
    return "".join(f"{sha256_file(p)}  {p.relative_to(folder).as_posix()}\n" for p in files)


def changelog(version: str, previous: Path | None, diff_md: str | None, descriptor: dict[str, Any]) -> str:
    today = dt.datetime.now(dt.UTC).date().isoformat()
    head = [f"# flows {version} ({today})", ""]
    if previous is None:
        rows = {r["name"]: r.get("rows") for r in descriptor.get("resources", []) if isinstance(r, dict)}
        head += ["First release: no previous release to compare with.", "",
                 "| table | rows |", "|---|---|", *(f"| `{t}` | {n} |" for t, n in rows.items()), ""]
        return "\n".join(head)
    head += [f"Compared with `{previous.name}` (`flows diff`).", ""]
    return "\n".join(head) + (diff_md or "")


def make_release(root: Path, dist: Path, previous: Path | None = None, with_wheel: bool = True,
                 notify: Callable[[str], None] = lambda _: None, tag: bool = False) -> Release:
    """Write dist/flows-<version>/ (and the wheel at dist/) from the release published at root (held
    still by the caller); CheckFailed, with nothing written, when it does not pass `flows check`.
    `tag`: then tag the commit (check_taggable first, so a release that cannot be tagged is not written)."""
    from flows.outputs.diff import diff_builds, to_markdown

    version = data_version(root)
    target = dist / f"flows-{version}"
    if target.exists() or target.is_symlink():
        raise ReleaseError(f"{target}: already exists; a release is never overwritten: bump the version "
                           "in data/raw/package.yaml")
    wheel_at_root = dist / wheel_name(version)
    if with_wheel and (wheel_at_root.exists() or wheel_at_root.is_symlink()):
        raise ReleaseError(f"{wheel_at_root}: already exists; a release is never overwritten: bump the version "
                           "in data/raw/package.yaml")
    if tag:
        check_taggable(root, version)
    passes_check(root)
    if previous is None:
        earlier = [p for v, p in previous_releases(dist) if v < parse(version)]
        previous = earlier[-1] if earlier else None
    descriptor = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    bump, diff_md = None, None
    if previous is not None:
        old_descriptor_path = previous / "datapackage.json"
        if not old_descriptor_path.is_file():
            raise ReleaseError(f"{previous}: not a release folder (no datapackage.json)")
        old_descriptor = json.loads(old_descriptor_path.read_text(encoding="utf-8"))
        diff = diff_builds(previous, root)
        records = next((t for t in diff.tables if t.table == "records"), None)
        added = len(records.added) if records else 0
        others = sum(len(t.added) + len(t.removed) + len(t.changed) for t in diff.tables) - added
        try:
            bump = check_bump(str(old_descriptor.get("version")), version,
                              needed_bump(old_descriptor, descriptor, added, others))
        except VersionError as e:
            raise ReleaseError(f"{root / 'data/raw/package.yaml'}: {e}") from None
        diff_md = to_markdown(diff)

    dist.mkdir(parents=True, exist_ok=True)
    work = dist / f".flows-{version}.partial"
    wheel_partial = dist / f".{wheel_name(version)}.partial"
    shutil.rmtree(work, ignore_errors=True)
    wheel_partial.unlink(missing_ok=True)
    work.mkdir()
    try:
        release = Release(target, version, previous, bump)
        _write_parts(root, work, version, descriptor, release, with_wheel, notify)
        (work / "CHANGELOG.md").write_text(changelog(version, previous, diff_md, descriptor), encoding="utf-8")
        (work / CHECKSUMS).write_text(checksums(work), encoding="utf-8")
        release.files = sum(1 for p in work.rglob("*") if p.is_file())
        if target.exists() or (with_wheel and wheel_at_root.exists()):
            raise ReleaseError(f"{target}: appeared while the release was written; left as it is")
        if with_wheel:
            shutil.copy2(work / wheel_name(version), wheel_partial)
        work.rename(target)
        if with_wheel:
            wheel_partial.rename(wheel_at_root)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        wheel_partial.unlink(missing_ok=True)
        raise
    if tag:  # the release is whole: a tag that fails now leaves it, and says so
        release.tag = tag_release(root, version)
    return release


def _write_parts(root: Path, work: Path, version: str, descriptor: dict[str, Any], release: Release,
                 with_wheel: bool, notify: Callable[[str], None]) -> None:
    from flows.outputs.csv_package import export_csv
    from flows.outputs.ftm import export_ftm
    from flows.outputs.report import write_report
    from flows.outputs.site import write_site
    from flows.views.query import connect_release

    notify("the published package")
    (work / PROCESSED).mkdir(parents=True)
    for rel in (*(f"{PROCESSED}/{t}.parquet" for t in TABLES), *SQL_FILES, "datapackage.json", "README.md"):
        shutil.copy2(root / rel, work / rel)
    notify("the CSV package")
    export_csv(root, work / "csv")
    con = connect_release(root)
    try:
        notify("the FollowTheMoney file")
        export_ftm(con, work / "flows.ftm.json")
        notify("the site")
        write_site(con, work / "site", descriptor)
        notify("the report")
        write_report(con, work / "report.html", descriptor, site=work / "site")
    finally:
        con.close()
    if with_wheel:
        notify("the wheel")
        _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(work), str(root)],
             "building the wheel")
        wheels = sorted(work.glob("*.whl"))
        if [w.name for w in wheels] != [wheel_name(version)]:
            raise ReleaseError(f"building the wheel gave {[w.name for w in wheels]}, not {wheel_name(version)}")
    else:
        release.skipped.append("wheel (--no-wheel)")


def _run(command: list[str], what: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise ReleaseError(f"{what} failed (exit {done.returncode}): {last}")
