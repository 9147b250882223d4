"""tables → published package, atomically.

Everything is written into a staging folder first (Parquet, `datapackage.json`, SQL, the DuckDB
file). Then a journal listing the moves is written and fsynced, the files are moved into place
with os.replace, and the journal is removed. A build killed before the journal exists leaves
the old release untouched; one killed after it is rolled forward by the next `flows` command
(`recover`), so the outputs are always a complete release, old or new.

The journal is trusted only as far as flows could have written it: `read_journal` checks all of
it (release file names only, the staging folder of its own name, real folders and files) before
anything moves. One build publishes at a time, and readers read between publishes, never during
one (flows.publish.lock). A storage fault before the first move leaves the old release as it was.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from flows.schema.ddl import known_as_of_macro, question_views_sql, schema_sql, sql_string, views_sql
from flows.publish.dbdigest import DIGESTS_SUFFIX, write_digests
from flows.publish.readme import published_contents, render_readme
from flows.schema.dtypes import frame_to_arrow
from flows.errors import ProblemError
from flows.publish.lock import BUILD_LOCK, RELEASE_LOCK, LockError, locked, try_locked
from flows.publish.descriptor import PROCESSED, descriptor, descriptor_text, source_rows
from flows.schema.definition import TABLES
from flows.publish.targets import open_new, sha256_file  # flows.rules.check imports sha256_file from here too

if TYPE_CHECKING:  # `flows check` reads no frames: it need not import pandas
    from flows.build.tables import Frames

JOURNAL = ".flows-publish-journal.json"
STAGING = ".flows-staging"
DUCKDB_FILE = "flows.duckdb"
DUCKDB_DIGESTS = DUCKDB_FILE + DIGESTS_SUFFIX  # beside it: its digests (flows.publish.dbdigest)
DUCKDB_MEMORY_LIMIT = "512MB"
# Files a release consists of, besides one Parquet file per table (relative to the root).
SQL_FILES = (f"{PROCESSED}/schema.sql", f"{PROCESSED}/views.sql")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# Rows per Parquet row group: readers (DuckDB, pyarrow) read row groups in parallel; a million
# claims in one group are read by one thread. DuckDB's own row group size.
ROW_GROUP_ROWS = 122_880


def write_parquet(frames: Frames, folder: Path) -> dict[str, int]:
    """One Parquet file per table, rows sorted by primary key: same input, same bytes."""
    rows = {}
    for name, table in TABLES.items():
        df = frames.frames[name].sort_values(list(table.primary_key), kind="stable")
        arrow = frame_to_arrow(table, df.reset_index(drop=True))
        pq.write_table(arrow, folder / f"{name}.parquet", compression="zstd", compression_level=9,
                       use_dictionary=True, write_statistics=True, store_schema=False,
                       row_group_size=ROW_GROUP_ROWS)
        rows[name] = len(df)
    return rows


# Row order of a materialised view whose definition has no ORDER BY: claim_details is stored in
# the order known_as_of returns (its date filter then skips whole row groups).
MATERIALISED_ORDER = {"claim_details": "public_from NULLS LAST, claim_id"}
# known_as_of over the claim_details table: the table's stored order is the macro's ORDER BY of
# sql/views.sql (ddl.KNOWN_AS_OF_ORDER), so the rows that pass the filter need no sort.
MATERIALISED_MACROS = known_as_of_macro(ordered=False)


def materialise_views(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Replace every view by a table of the same name holding its rows in the view's order, with
    the view's comment: a release never changes, so each view is computed once, here, instead of
    at every query (DuckDB scans a table in insertion order). Views are taken in the order they
    were created, so a view reading another one reads its table; any order gives the same rows.
    Table macros are redefined over the tables (MATERIALISED_MACROS), keeping their comments.
    Returns the names of the views."""
    views = con.execute("SELECT view_name, comment FROM duckdb_views() WHERE NOT internal "
                        "ORDER BY view_oid").fetchall()
    for name, comment in views:
        order = f" ORDER BY {MATERIALISED_ORDER[name]}" if name in MATERIALISED_ORDER else ""
        con.execute(f'CREATE TABLE "_m_{name}" AS SELECT * FROM "{name}"{order}')
        con.execute(f'DROP VIEW "{name}"')
        con.execute(f'ALTER TABLE "_m_{name}" RENAME TO "{name}"')
        if comment:
            con.execute(f'COMMENT ON TABLE "{name}" IS {sql_string(comment)}')
    macros = con.execute("SELECT function_name, comment FROM duckdb_functions() "
                         "WHERE function_type = 'table_macro' AND NOT internal").fetchall()
    con.execute(MATERIALISED_MACROS)
    for name, comment in macros:
        if comment:
            con.execute(f"COMMENT ON MACRO TABLE {name} IS {sql_string(comment)}")
    return [name for name, _ in views]


def write_duckdb(processed: Path, path: Path) -> None:
    """A DuckDB database holding the tables, and the views of `sql/views.sql` precomputed as
    tables of the same names (see `materialise_views`); readable by the duckdb 1.5 CLI."""
    # DuckDB would take up to 80% of the machine's memory; capped, its sorts and joins spill to
    # a scratch folder outside the release instead.
    with tempfile.TemporaryDirectory(prefix="flows-duckdb-") as scratch:
        con = duckdb.connect(str(path), config={"storage_compatibility_version": "v1.5.0",
                                                "memory_limit": DUCKDB_MEMORY_LIMIT,
                                                "temp_directory": scratch})
        _fill_duckdb(con, processed)


def _fill_duckdb(con: duckdb.DuckDBPyConnection, processed: Path) -> None:
    """The typed tables from the Parquet files, then the views precomputed."""
    try:
        con.execute(schema_sql())
        for name in TABLES:
            con.execute(f"INSERT INTO {name} SELECT * FROM read_parquet(?)",
                        [str(processed / f"{name}.parquet")])
        con.execute(question_views_sql())
        materialise_views(con)
        con.execute("CHECKPOINT")
    finally:
        con.close()


def stage(frames: Frames, meta: dict[str, Any], out_root: Path, readme: str,
          with_duckdb: bool = True) -> Path:
    """Write a complete release into a staging folder under out_root; return that folder. The
    frames are consumed: emptied once written."""
    staging = out_root / STAGING
    if staging.exists():
        shutil.rmtree(staging)
    processed = staging / PROCESSED
    processed.mkdir(parents=True)
    rows = write_parquet(frames, processed)
    (staging / SQL_FILES[0]).write_text(schema_sql(), encoding="utf-8")
    (staging / SQL_FILES[1]).write_text(views_sql(), encoding="utf-8")
    hashes = {name: sha256_file(processed / f"{name}.parquet") for name in TABLES}
    package = descriptor(meta, source_rows(frames.frames["sources"]), hashes, rows)
    # counted from the Parquet files, as `flows check` counts them
    (staging / "README.md").write_text(render_readme(readme, published_contents(processed)), encoding="utf-8")
    # The rows now live in the Parquet files: free them before DuckDB loads those.
    frames.frames.clear()
    frames.texts = frames.texts.slice(0, 0)
    frames.list_rows = None
    pa.default_memory_pool().release_unused()
    if with_duckdb:
        write_duckdb(processed, processed / DUCKDB_FILE)
        write_digests(processed / DUCKDB_FILE, hashes)  # verified by `flows check`
    (staging / "datapackage.json").write_text(descriptor_text(package), encoding="utf-8")
    return staging


def release_files(staging: Path) -> list[str]:
    """Every file of the staged release, relative to the root; datapackage.json last."""
    files = sorted(str(p.relative_to(staging)) for p in staging.rglob("*") if p.is_file())
    files.remove("datapackage.json")
    return files + ["datapackage.json"]


class PublishError(ProblemError):
    """A publish that cannot go on, or an interrupted one that cannot be finished: one problem,
    whose code says which (flows.errors.CODES) and whose line says whether anything was replaced."""


# The journal names the files it moves; these are the only names it may name (relative to the
# root), and a release has at least REQUIRED_FILES. A journal of the release's size is ~1 KB.
RELEASE_NAMES = frozenset({"datapackage.json", "README.md", *SQL_FILES, f"{PROCESSED}/{DUCKDB_FILE}",
                           f"{PROCESSED}/{DUCKDB_DIGESTS}",
                           *(f"{PROCESSED}/{name}.parquet" for name in TABLES)})
REQUIRED_FILES = RELEASE_NAMES - {f"{PROCESSED}/{DUCKDB_FILE}", f"{PROCESSED}/{DUCKDB_DIGESTS}"}
JOURNAL_MAX_BYTES = 64 * 1024
# Folders a publish moves files between: each must be a real folder, not a symbolic link.
STAGING_DIRS = (STAGING, f"{STAGING}/data", f"{STAGING}/{PROCESSED}")
RELEASE_DIRS = ("data", PROCESSED)
REFUSED = "refused, nothing was moved: remove it if no flows build was interrupted, then run `flows build`"


def _is_link_or_not_dir(path: Path) -> bool:
    try:
        return not stat.S_ISDIR(path.lstat().st_mode)
    except FileNotFoundError:
        return False


def read_journal(out_root: Path) -> list[str] | None:
    """The files an interrupted publish moves into place, from a journal `commit` wrote; None
    when there is none. Anything else, or a journal whose folders or files are not what the
    publish left, is a PublishError, raised before anything is touched."""
    journal = out_root / JOURNAL

    def refuse(code: str, field: str | None, message: str) -> PublishError:
        return PublishError.of_path(journal, f"{message}; {REFUSED}", code, field)

    try:
        info = journal.lstat()
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(info.st_mode):
        raise refuse("journal_not_file", None, "not a regular file")
    if info.st_size > JOURNAL_MAX_BYTES:
        raise refuse("journal_too_large", None, f"{info.st_size} bytes, larger than any journal flows writes")
    try:
        fd = os.open(journal, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        with os.fdopen(fd, "rb") as f:
            plan = json.loads(f.read(JOURNAL_MAX_BYTES + 1).decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        raise refuse("journal_unreadable", None, f"not a journal flows wrote (unreadable JSON: {e})") from None
    except OSError as e:
        raise refuse("journal_unreadable", None, f"cannot be read: {e.strerror}") from None
    if not isinstance(plan, dict) or set(plan) != {"staging", "files"}:
        raise refuse("journal_form", None, 'not a journal flows wrote (expected an object with "staging" and "files")')
    if plan["staging"] != STAGING:
        raise refuse("journal_form", "staging", f"{plan['staging']!r}: flows stages only in {STAGING!r}")
    files = plan["files"]
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        raise refuse("journal_form", "files", "expected a list of file names")
    for i, rel in enumerate(files):
        if rel not in RELEASE_NAMES:
            raise refuse("journal_unknown_file", f"files[{i}]", f"{rel!r} is not a file of a release")
    if len(set(files)) != len(files):
        raise refuse("journal_form", "files", "names a file twice")
    if missing := sorted(REQUIRED_FILES - set(files)):
        raise refuse("journal_incomplete", "files", f"lacks {missing[0]!r}: not a whole release")
    if files[-1] != "datapackage.json":
        raise refuse("journal_form", "files", "datapackage.json is not last")
    for rel in STAGING_DIRS + RELEASE_DIRS:
        if _is_link_or_not_dir(out_root / rel):
            raise refuse("journal_link", None, f"{out_root / rel} is a symbolic link or not a folder")
    for rel in files:
        staged, published = out_root / STAGING / rel, out_root / rel
        if _is_link_or_not_file(staged) or _is_link_or_not_file(published, links_ok=True):
            raise refuse("journal_link", rel, "a symbolic link or not a regular file where a release file belongs")
        if not staged.exists() and not published.exists():
            raise refuse("journal_incomplete", rel, "neither staged nor published: the release would be incomplete")
    return files


def _is_link_or_not_file(path: Path, links_ok: bool = False) -> bool:
    """Whether path exists as something other than a regular file (a replaced symbolic link is
    replaced itself, never followed: allowed where links_ok)."""
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return False
    return not (stat.S_ISREG(mode) or (links_ok and stat.S_ISLNK(mode)))


def _obsolete_files(out_root: Path, files: list[str]) -> list[Path]:
    """Files of earlier releases that the new one lacks: Parquet files of tables that no longer
    exist, a database from before a --no-duckdb build, a stale DuckDB write-ahead log. Never
    followed: a symbolic link is removed itself."""
    processed = out_root / PROCESSED
    keep = set(files)
    obsolete = [processed / f"{DUCKDB_FILE}.wal"]
    if f"{PROCESSED}/{DUCKDB_FILE}" not in keep:
        obsolete += [processed / DUCKDB_FILE, processed / DUCKDB_DIGESTS]
    obsolete += [p for p in processed.iterdir()
                 if p.name.endswith(".parquet") and f"{PROCESSED}/{p.name}" not in keep]
    return [p for p in obsolete if p.is_symlink() or p.is_file()]


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _move_into_place(out_root: Path, files: list[str], moved: list[str]) -> None:
    """The moves of a validated journal, in its order (datapackage.json last); each moved file
    is appended to `moved`. Then the obsolete files go, and the journal last."""
    staging = out_root / STAGING
    for rel in files:
        src = staging / rel
        if src.exists():
            (out_root / rel).parent.mkdir(parents=True, exist_ok=True)
            os.replace(src, out_root / rel)
            moved.append(rel)
    for old in _obsolete_files(out_root, files):
        old.unlink()
    for rel in ("", PROCESSED):
        _fsync_dir(out_root / rel)
    (out_root / JOURNAL).unlink()
    shutil.rmtree(staging, ignore_errors=True)


def _writable_or_refuse(out_root: Path) -> None:
    for rel in ("", PROCESSED, STAGING, f"{STAGING}/{PROCESSED}"):
        folder = out_root / rel
        if folder.exists() and not os.access(folder, os.W_OK):
            raise PublishError.of_path(out_root, "a publish was interrupted there and cannot be finished: "
                                       f"{folder} is read-only; the release is half published, so nothing "
                                       "reads it: make the folder writable and run `flows check`",
                                       "recovery_read_only")


def recover(out_root: Path, notify: Callable[[str], None] | None = None) -> bool:
    """Finish a publish that was interrupted after its journal was written. Returns whether
    there was one. Safe to run any number of times, and at any moment (it waits for a publish
    in progress); a journal flows did not write is refused (PublishError) and nothing moves."""
    if not (out_root / JOURNAL).exists() and not (out_root / JOURNAL).is_symlink():
        _remove_stale_staging(out_root)
        return False
    _writable_or_refuse(out_root)
    with locked(out_root / RELEASE_LOCK, exclusive=True, doing="reading or publishing the release",
                **_notifying(notify)):
        files = read_journal(out_root)
        if files is None:  # another command finished it while this one waited
            return False
        try:
            _move_into_place(out_root, files, [])
        except OSError as e:
            raise PublishError.of_path(out_root, f"finishing an interrupted publish failed ({_reason(e)}); "
                                       "the release is half published, so nothing reads it: fix the cause "
                                       "and run `flows check`", "recovery_failed") from None
    return True


def _notifying(notify: Callable[[str], None] | None) -> dict[str, Any]:
    return {"notify": notify} if notify else {}


def _remove_stale_staging(out_root: Path) -> None:
    """A staging folder without a journal is a build that died before publishing: the old
    release stands. Removed only while no build runs (one holds the build lock)."""
    staging = out_root / STAGING
    if not staging.exists() and not staging.is_symlink():
        return
    with try_locked(out_root / BUILD_LOCK) as free:
        if not free:
            return
        if staging.is_symlink():  # the link itself, never what it points to
            staging.unlink()
        else:
            shutil.rmtree(staging, ignore_errors=True)


def _reason(e: OSError) -> str:
    where = f"{e.filename}: " if e.filename else ""
    return f"{where}{e.strerror or e}"


def _check_storage(staging: Path, out_root: Path, files: list[str]) -> None:
    """Before anything is replaced: every destination folder is a real, writable folder on the
    staging folder's device (os.replace is atomic only there), and the journal has room."""
    for rel in RELEASE_DIRS:
        if _is_link_or_not_dir(out_root / rel):
            raise PublishError.of_path(out_root / rel, "a symbolic link or not a folder: flows publishes "
                                       "only into real folders; nothing was replaced", "storage_not_folder")
    for rel in files:
        if rel not in RELEASE_NAMES:
            raise PublishError.of_path(staging / rel, "not a file of a release; nothing was replaced",
                                       "storage_stray_file")
        src_dir, dst_dir = (staging / rel).parent, (out_root / rel).parent
        dst_dir.mkdir(parents=True, exist_ok=True)
        if os.stat(src_dir).st_dev != os.stat(dst_dir).st_dev:
            raise PublishError.of_path(dst_dir, f"on another device than {staging}, so files cannot be "
                                       "moved into place atomically; nothing was replaced", "storage_other_device")
        if not os.access(dst_dir, os.W_OK):
            raise PublishError.of_path(dst_dir, "read-only; nothing was replaced", "storage_read_only")
        if (out_root / rel).is_dir():
            raise PublishError.of_path(out_root / rel, "a folder where a release file belongs; nothing "
                                       "was replaced", "storage_folder_in_place")
    if shutil.disk_usage(out_root).free < JOURNAL_MAX_BYTES:
        raise PublishError.of_path(out_root, "no space left on the device for the publish journal; "
                                   "nothing was replaced", "storage_no_space")


def commit(staging: Path, out_root: Path, notify: Callable[[str], None] | None = None) -> None:
    """Move the staged release into place: a journal first, so that an interruption is
    finished by the next command. A fault before the first move leaves the old release."""
    files = release_files(staging)
    journal = out_root / JOURNAL
    moved: list[str] = []
    try:
        _check_storage(staging, out_root, files)
        for rel in files:
            _fsync(staging / rel)
        with locked(out_root / RELEASE_LOCK, exclusive=True, doing="reading the release",
                    **_notifying(notify)):
            _write_journal(journal, files)  # from here on, the new release is the one that counts
            try:
                if read_journal(out_root) != files:  # recovery would refuse it: so does the writer
                    raise PublishError.of_path(journal, "does not read back as written; nothing was replaced",
                                               "journal_not_read_back")
                _move_into_place(out_root, files, moved)
            except (OSError, PublishError):
                if not moved:  # the old release is still whole: it stands
                    journal.unlink(missing_ok=True)
                raise
    except (OSError, PublishError, LockError) as e:
        if moved:
            raise PublishError.of_path(out_root, f"publishing stopped after {len(moved)} of {len(files)} "
                                       f"files ({_reason(e) if isinstance(e, OSError) else e}); the next flows "
                                       "command finishes it once the cause is fixed", "publish_stopped") from None
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(e, OSError):
            raise PublishError.of_path(out_root, f"cannot publish ({_reason(e)}); nothing was replaced, "
                                       "the previous release stands", "storage_fault") from None
        raise


def _write_journal(journal: Path, files: list[str]) -> None:
    tmp = journal.with_suffix(".tmp")
    try:
        with open_new(tmp, "w") as f:  # created anew: never written through a planted link
            f.write(json.dumps({"staging": STAGING, "files": files}))
        _fsync(tmp)
        os.replace(tmp, journal)
    finally:
        tmp.unlink(missing_ok=True)


@contextmanager
def reading_release(root: Path, notify: Callable[[str], None] | None = None) -> Iterator[bool]:
    """Hold the release at root still while the caller reads it: an interrupted publish is
    finished first (or refused: PublishError), and no publish moves a file until the caller is
    done. Yields whether an interrupted publish was finished."""
    recovered = False
    for _ in range(3):
        recovered = recover(root, notify) or recovered
        with locked(root / RELEASE_LOCK, exclusive=False, doing="publishing", **_notifying(notify)):
            if not (root / JOURNAL).exists():
                yield recovered
                return
        # a build was killed mid-publish between the recovery and the lock: finish that one too
    raise PublishError.of_path(root, "publishes keep being interrupted there; try again", "recovery_repeated")


def publish(frames: Frames, meta: dict[str, Any], out_root: Path, readme: str,
            with_duckdb: bool = True, notify: Callable[[str], None] | None = None) -> Path:
    """Publish a release under out_root; `readme` is the README whose generated sections are
    rewritten for this release. One build at a time per out_root (the build lock); a storage
    fault is a PublishError and leaves the previous release as it was."""
    try:
        out_root.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise PublishError.of_path(out_root, f"cannot create the output folder ({_reason(e)})",
                                   "storage_output_folder") from None
    with locked(out_root / BUILD_LOCK, exclusive=True, doing="building", **_notifying(notify)):
        recover(out_root, notify)
        try:
            staging = stage(frames, meta, out_root, readme, with_duckdb)
        except (OSError, duckdb.IOException) as e:
            shutil.rmtree(out_root / STAGING, ignore_errors=True)
            reason = _reason(e) if isinstance(e, OSError) else str(e).splitlines()[0]
            raise PublishError.of_path(out_root, f"cannot write the new release ({reason}); nothing was "
                                       "replaced, the previous release stands", "storage_fault") from None
        commit(staging, out_root, notify)
    return out_root / "datapackage.json"
