#!/usr/bin/env python3
"""`make bench`: the build, the checks and the views at 10k, 100k and 1M claims, side by side.

For each size N (claims) it generates a synthetic curation set (scripts/synth.py) under
--work, then measures in one run:

- `flows build`: wall time and peak memory (ru_maxrss of the child process, from wait4), and
  how both grow with N;
- `flows check` against `frictionless validate datapackage.json` on the same package: the time
  of each (wall time of the command) and the ratio; and a bare DuckDB query checking the same
  rules (primary keys, foreign keys, enums, minimums, required fields) over the Parquet files;
- the verdict of both tools on the clean package and on injected faults (a duplicate key, a
  bad enum, a broken foreign key, a negative number, a missing required value, a broken
  pattern; and a quote not in its text, which only `flows check` looks at), each written
  directly into a Parquet file and re-hashed in datapackage.json so both tools read the content;
- the median query time of every view and table macro of data/processed/flows.duckdb (the full
  result fetched into Arrow, and its first 100 rows), beside the size of the full result and the
  time pyarrow takes to copy it once in memory on every core (about the least a fetch must spend
  to build a new table of that shape); and, for views with a record_id, the view filtered on one
  record.

frictionless reads row by row in Python (minutes at 1M): it runs on every fault up to
--frictionless-faults-max claims, and once, on the clean package, above it.

    python scripts/bench.py --sizes "10000 100000 1000000"     # or: make bench SIZES="10000"

Results of each size are kept in bench/results.json (a later run replaces a size's entry);
bench/results.md is rendered from all sizes there and printed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "src"))

from synth import generate  # noqa: E402


def run(cmd: list[str], timeout: float | None = None, env: dict | None = None) -> dict:
    """Run a command; its wall time, exit code and output."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "CI": "1", **(env or {})})
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        return {"seconds": time.perf_counter() - start, "code": None, "timeout": True,
                "stdout": out[-4000:], "stderr": err[-4000:]}
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "code": proc.returncode, "stdout": out[-20000:], "stderr": err[-4000:]}


def run_measured(cmd: list[str]) -> dict:
    """Run a command with its own peak memory, via os.wait4 on the child."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            env={**os.environ, "CI": "1"})
    output = proc.stdout.read().decode("utf-8", "replace") if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {"seconds": time.perf_counter() - start, "code": proc.returncode,
            "peak_mb": usage.ru_maxrss / 1024, "output": output[-4000:]}


# --- the bare DuckDB query --------------------------------------------------------------------

def bare_sql(processed: Path) -> str:
    """One query, straight over the Parquet files: keys, foreign keys, enums, minimums and
    required fields of every table; it returns the number of offending rows per rule."""
    from flows.schema.definition import TABLES, table_fields

    def src(name: str) -> str:
        return f"read_parquet('{processed / (name + '.parquet')}')"

    parts = []
    for name, table in TABLES.items():
        conds = []
        for f in table_fields(table):
            if f.required:
                conds.append(f"{f.name} IS NULL")
            if f.enum:
                conds.append(f"{f.name} NOT IN ({', '.join(repr(v) for v in f.enum)})")
            if f.minimum is not None:
                conds.append(f"{f.name} < {f.minimum}")
        pk = ", ".join(table.primary_key)
        parts.append(f"(SELECT count(*) FROM {src(name)} WHERE {' OR '.join(conds) or 'false'})")
        parts.append(f"(SELECT count(*) FROM (SELECT {pk} FROM {src(name)} GROUP BY {pk} HAVING count(*) > 1))")
        for field, target in table.foreign_keys.items():
            tpk = TABLES[target].primary_key[0]
            parts.append(f"(SELECT count(*) FROM {src(name)} t WHERE t.{field} IS NOT NULL AND "
                         f"NOT EXISTS (SELECT 1 FROM {src(target)} r WHERE r.{tpk} = t.{field}))")
    return "SELECT " + " + ".join(parts) + " AS problems"


BARE = """
import sys, time, duckdb
sql = open(sys.argv[1]).read()
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
times = []
for _ in range(int(sys.argv[2])):
    t = time.perf_counter(); n = con.execute(sql).fetchone()[0]; times.append(time.perf_counter() - t)
print(n, min(times), sorted(times)[len(times) // 2])
"""

# Measured as the bare query is: several calls in one process, the median.
CHECK_INPROCESS = """
import sys, time
from pathlib import Path
t = time.perf_counter()
from flows.rules.check import check
imported = time.perf_counter() - t
times = []
for _ in range(int(sys.argv[3])):
    t = time.perf_counter(); problems, _ = check(Path(sys.argv[1]), Path(sys.argv[2])); times.append(time.perf_counter() - t)
print(len(problems), times[0], sorted(times)[len(times) // 2], imported)
"""


# --- injected faults --------------------------------------------------------------------------

def _rewrite(pkg: Path, table: str, column: str, change) -> None:
    """Change one column of one Parquet file, keeping its schema, and re-hash it."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from flows.publish import release as publish
    from flows.publish.release import sha256_file

    path = pkg / "data" / "processed" / f"{table}.parquet"
    t = pq.read_table(path)
    i = t.schema.get_field_index(column)
    values = t.column(column).to_pylist()
    change(values)
    field = t.schema.field(i).with_nullable(True)  # a required column may now hold a null
    t = t.set_column(i, field, pa.array(values, type=field.type))
    pq.write_table(t, path, compression="zstd", use_dictionary=True, store_schema=False,
                   row_group_size=publish.ROW_GROUP_ROWS)  # the layout of a published file
    descriptor_path = pkg / "datapackage.json"
    descriptor = json.loads(descriptor_path.read_text(encoding="utf-8"))
    for r in descriptor["resources"]:
        if r["name"] == table:
            r["hash"] = f"sha256:{sha256_file(path)}"
    descriptor_path.write_text(json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _first_set(values: list, start: int = 0) -> int:
    return next(i for i in range(start, len(values)) if values[i] is not None)


def _dup(values: list) -> None:
    values[1] = values[0]


def _bad_enum(values: list) -> None:
    values[5] = "rumoured"


def _broken_fk(values: list) -> None:
    values[7] = "transfer/no-such-transfer"


def _negative(values: list) -> None:
    values[_first_set(values)] = -5


def _missing(values: list) -> None:
    values[3] = None


def _pattern(values: list) -> None:
    values[_first_set(values)] = "Iran"


def _quote(values: list) -> None:
    values[9] = values[9] + " (edited)"


# (name, table, column, change, whether frictionless checks this kind of rule)
FAULTS = [
    ("duplicate primary key", "claims", "claim_id", _dup, True),
    ("bad enum value", "claims", "stance", _bad_enum, True),
    ("broken foreign key", "claims", "record_id", _broken_fk, True),
    ("negative quantity", "transfers", "quantity_low", _negative, True),
    ("missing required value", "sources", "title", _missing, True),
    ("pattern broken", "actors", "country_code", _pattern, True),
    ("quote not in its text", "claims", "evidence_text", _quote, False),
]


def make_fault(clean: Path, dest: Path, table: str, column: str, change) -> Path:
    if dest.exists():
        shutil.rmtree(dest)
    (dest / "data").mkdir(parents=True)
    shutil.copytree(clean / "data" / "processed", dest / "data" / "processed",
                    ignore=shutil.ignore_patterns("*.duckdb"))
    shutil.copy(clean / "datapackage.json", dest / "datapackage.json")
    _rewrite(dest, table, column, change)
    return dest


def frictionless(pkg: Path, timeout: float) -> dict:
    r = run_in(pkg, [str(BIN / "frictionless"), "validate", "--json", "datapackage.json"], timeout)
    types = []
    try:
        report = json.loads(r["stdout"]) if r["stdout"].lstrip().startswith("{") else None
        for task in (report or {}).get("tasks", []):
            types += [e.get("type") for e in task.get("errors", [])]
    except ValueError:
        pass
    return {"seconds": r["seconds"], "valid": r["code"] == 0 if r["code"] is not None else None,
            "errors": sorted(set(t for t in types if t)), "timeout": r.get("timeout", False)}


def run_in(cwd: Path, cmd: list[str], timeout: float | None) -> dict:
    here = os.getcwd()
    os.chdir(cwd)
    try:
        return run(cmd, timeout=timeout)
    finally:
        os.chdir(here)


def flows_check(pkg: Path, texts_root: Path) -> dict:
    r = run([str(BIN / "flows"), "check", "--root", str(pkg), "--texts-root", str(texts_root)])
    lines = [ln for ln in r["stderr"].splitlines() if ln and not ln.startswith("check ")]
    return {"seconds": r["seconds"], "valid": r["code"] == 0, "first": lines[0][:160] if lines else ""}


# --- views --------------------------------------------------------------------------------------

def view_times(db: Path, runs: int) -> list[dict]:
    import duckdb

    from flows.views.query import list_views

    con = duckdb.connect(str(db), read_only=True)
    # As `flows views` lists them: in flows.duckdb the views are precomputed tables.
    views = [name for name, _ in list_views(con) if "(" not in name]
    macros = con.execute("SELECT function_name, parameters FROM duckdb_functions() "
                         "WHERE function_type = 'table_macro' AND NOT internal ORDER BY 1").fetchall()
    queries = [(v, f"SELECT * FROM {v}") for v in views]
    for name, params in macros:
        args = ", ".join("DATE '2023-06-30'" for _ in params)
        queries.append((f"{name}({', '.join(params)})", f"SELECT * FROM {name}({args})"))
    out = []
    pool = ThreadPoolExecutor(os.cpu_count())
    for name, sql in queries:
        full, first, copies = [], [], []
        result = con.sql(sql).to_arrow_table()  # warm-up
        for _ in range(runs):
            t = time.perf_counter()
            con.sql(sql).to_arrow_table()
            full.append(time.perf_counter() - t)
            t = time.perf_counter()
            con.execute(f"{sql} LIMIT 100").fetchall()
            first.append(time.perf_counter() - t)
            t = time.perf_counter()
            copy_arrow(result, pool)
            copies.append(time.perf_counter() - t)
        out.append({"view": name, "rows": result.num_rows, "median_ms": statistics.median(full) * 1000,
                    "first100_median_ms": statistics.median(first) * 1000,
                    "result_mb": result.nbytes / 2**20, "copy_median_ms": statistics.median(copies) * 1000})
        if "record_id" in result.column_names:
            out[-1].update(one_record_times(con, sql, result["record_id"], runs))
        del result
    pool.shutdown()
    con.close()
    return out


def spread(values: list, k: int) -> list:
    """k of the values (all, if fewer), one from the middle of each of k equal stretches."""
    k = min(k, len(values))
    return [values[(2 * i + 1) * len(values) // (2 * k)] for i in range(k)]


def one_record_times(con, sql: str, record_ids, runs: int, records: int = 20) -> dict:
    """The view filtered on one record, as `flows show` asks it (`WHERE record_id = ?`): the
    median over every run of `records` record ids spread through the view's sorted ids."""
    picked = spread(sorted(set(record_ids.drop_null().to_pylist())), records)
    times, rows = [], 0
    for _ in range(runs):
        for record_id in picked:
            t = time.perf_counter()
            rows += con.sql(f"SELECT * FROM ({sql}) WHERE record_id = ?", params=[record_id]).to_arrow_table().num_rows
            times.append(time.perf_counter() - t)
    return {"one_record_median_ms": statistics.median(times) * 1000, "one_record_rows": rows / len(times),
            "one_record_ids": len(picked)}


def copy_arrow(table, pool) -> list:
    """The whole result copied once into new Arrow buffers, on the pool's threads: about the
    least a fetch must spend to build a new table of this shape (an engine already holding the
    result in Arrow could hand it over without a copy)."""
    import pyarrow as pa

    chunks = [chunk for column in table.columns for chunk in column.chunks]
    shared = [a.type for a in chunks if pa.types.is_dictionary(a.type)
              or a.type in (pa.string_view(), pa.binary_view())]
    if shared:  # concatenating these reuses the dictionary or the string data
        raise ValueError(f"copy_arrow copies flat columns only, not {shared[0]}")
    # concat_arrays writes new buffers even for one array, and releases the GIL.
    return list(pool.map(lambda a: pa.concat_arrays([a]), chunks))


# --- one size -------------------------------------------------------------------------------

def bench_size(n: int, work: Path, fl_faults_max: int, fl_timeout: float, view_runs: int,
               reuse: bool = False) -> dict:
    root = work / f"synth-{n}"
    say = lambda *a: print(f"[{n:>8}]", *a, flush=True)  # noqa: E731
    measured = root / "bench-build.json"
    if reuse and measured.exists():  # a set generated and built by an earlier run (--keep)
        counts, build = json.loads(measured.read_text())
        say(f"reused the build of an earlier run: {build['seconds']:.1f} s, peak {build['peak_mb']:.0f} MB")
    else:
        t = time.perf_counter()
        counts = generate(n, root)
        say(f"generated in {time.perf_counter() - t:.1f} s:", counts)
        for stale in ("datapackage.json", "data/processed"):
            p = root / stale
            shutil.rmtree(p) if p.is_dir() else p.unlink(missing_ok=True)
        build = run_measured([str(BIN / "flows"), "build", "--root", str(root), "--out", str(root)])
        say(f"build {build['seconds']:.1f} s, peak {build['peak_mb']:.0f} MB, exit {build['code']}")
        if build["code"] != 0:
            raise SystemExit(f"flows build failed at {n}:\n{build['output']}")
        measured.write_text(json.dumps([counts, {k: build[k] for k in ("seconds", "peak_mb")}]))
    result: dict = {"claims": n, "counts": counts, "when": dt.datetime.now().isoformat(timespec="seconds"),
                    "machine": f"{platform.node() or 'this machine'}: {os.cpu_count()} cores, "
                               f"Python {platform.python_version()}",
                    "build": {k: build[k] for k in ("seconds", "peak_mb")}}
    rows = {r["name"]: r["rows"] for r in json.loads((root / "datapackage.json").read_text())["resources"]}
    result["rows"] = rows
    result["parquet_mb"] = sum(p.stat().st_size for p in (root / "data/processed").glob("*.parquet")) / 2**20

    # flows check vs frictionless vs bare DuckDB, clean package
    check = flows_check(root, root)
    inproc = run([sys.executable, "-c", CHECK_INPROCESS, str(root), str(root), "5"])
    n_problems, check_first_s, check_s, import_s = inproc["stdout"].split()[-4:]
    sql_path = work / f"bare-{n}.sql"
    sql_path.write_text(bare_sql(root / "data" / "processed"))
    bare = run([sys.executable, "-c", BARE, str(sql_path), "5"])
    bare_problems, bare_min, bare_median = bare["stdout"].split()[-3:]
    say(f"flows check {check['seconds']:.2f} s (in-process {float(check_s):.2f} s), "
        f"bare DuckDB {float(bare_median):.2f} s")
    fl = frictionless(root, fl_timeout)
    say(f"frictionless {fl['seconds']:.1f} s valid={fl['valid']}")
    result["check"] = {
        "flows_seconds": check["seconds"], "flows_inprocess_seconds": float(check_s),
        "flows_inprocess_first_seconds": float(check_first_s),
        "flows_import_seconds": float(import_s), "flows_valid": check["valid"],
        "bare_duckdb_seconds": float(bare_median), "bare_duckdb_wall_seconds": bare["seconds"],
        "bare_problems": int(bare_problems),
        "frictionless_seconds": fl["seconds"], "frictionless_valid": fl["valid"],
        "frictionless_errors": fl["errors"], "frictionless_timeout": fl["timeout"],
    }

    faults = []
    for name, table, column, change, fl_checks in FAULTS:
        pkg = make_fault(root, work / f"fault-{n}", table, column, change)
        c = flows_check(pkg, root)
        entry = {"fault": name, "table": table, "column": column, "flows_valid": c["valid"],
                 "flows_seconds": c["seconds"], "flows_says": c["first"], "frictionless_checks": fl_checks}
        if fl_checks and n <= fl_faults_max:
            f = frictionless(pkg, fl_timeout)
            entry.update(frictionless_valid=f["valid"], frictionless_seconds=f["seconds"],
                         frictionless_errors=f["errors"])
        say(f"fault {name}: flows valid={c['valid']} frictionless valid={entry.get('frictionless_valid', '-')}")
        faults.append(entry)
        shutil.rmtree(pkg)
    result["faults"] = faults

    result["views"] = view_times(root / "data" / "processed" / "flows.duckdb", view_runs)
    slow = max(result["views"], key=lambda v: v["median_ms"])
    say(f"views: slowest {slow['view']} {slow['median_ms']:.0f} ms")
    return result


# --- report ---------------------------------------------------------------------------------

def _fmt(x: float | None, digits: int = 2) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


def render(results: dict[str, dict]) -> str:
    from bench_lists import KEY, render as render_lists  # beside this script: `make bench-lists`

    sizes = sorted((r for k, r in results.items() if k != KEY), key=lambda r: r["claims"])
    by = {r["claims"]: r for r in sizes}
    # The machine each size ran on, as recorded then: rendering elsewhere changes nothing.
    machines = "; ".join(dict.fromkeys(r.get("machine", "a machine not recorded") for r in sizes))
    L = ["# Benchmarks", "",
         f"Written by `make bench` (`scripts/bench.py`) on {machines}. Synthetic curation sets from "
         "`scripts/synth.py` (seed 8). Every figure of one size comes from one run, side by side; the "
         "machine is shared, so figures vary by some percent between runs.", "",
         "## Sizes", "",
         "| claims | sources | records | rows, all tables | Parquet MB | measured |", "|---|---|---|---|---|---|"]
    for r in sizes:
        L.append(f"| {r['claims']:,} | {r['rows']['sources']:,} | {r['rows']['records']:,} | "
                 f"{sum(r['rows'].values()):,} | {r['parquet_mb']:.1f} | {r['when']} |")
    L += ["", "## `flows build`", "",
          "| claims | wall s | peak memory MB | time × previous size | time per 1k claims, s |",
          "|---|---|---|---|---|"]
    prev = None
    for r in sizes:
        b = r["build"]
        growth = f"{b['seconds'] / prev['build']['seconds']:.1f}× for {r['claims'] / prev['claims']:.0f}× claims" if prev else ""
        L.append(f"| {r['claims']:,} | {b['seconds']:.1f} | {b['peak_mb']:.0f} | {growth} | "
                 f"{b['seconds'] / r['claims'] * 1000:.3f} |")
        prev = r
    L += ["", "## `flows check` against `frictionless validate` and a bare DuckDB query", "",
          "Wall time of each command on the clean package (`flows check` includes Python start-up "
          "and imports). *In-process* is the `check()` call alone, measured as the bare query is: the "
          "median of 5 calls in one process. The bare DuckDB query checks primary "
          "keys, foreign keys, enums, minimums and required fields of every table straight over the "
          "Parquet files; `flows check` checks those and also exact column "
          "types, patterns, file hashes, the records registry, date and range order, country codes, "
          "and finds every claim's evidence in its archived text.", "",
          "| claims | flows check s | in-process s | frictionless s | frictionless ÷ flows | bare DuckDB s | flows in-process ÷ bare | verdicts (flows / frictionless) |",
          "|---|---|---|---|---|---|---|---|"]
    for r in sizes:
        c = r["check"]
        ratio = c["frictionless_seconds"] / c["flows_seconds"] if c["frictionless_seconds"] else None
        first = c.get("flows_inprocess_first_seconds")
        L.append(f"| {r['claims']:,} | {c['flows_seconds']:.2f} | {c['flows_inprocess_seconds']:.2f}"
                 f"{f' (first call {first:.2f})' if first else ''} | "
                 f"{c['frictionless_seconds']:.1f}{' (timed out)' if c['frictionless_timeout'] else ''} | "
                 f"{_fmt(ratio, 0)}× | {c['bare_duckdb_seconds']:.3f} | "
                 f"{c['flows_inprocess_seconds'] / c['bare_duckdb_seconds']:.1f}× | "
                 f"{'valid' if c['flows_valid'] else 'INVALID'} / "
                 f"{ {True: 'valid', False: 'INVALID', None: 'no verdict (stopped)'}[c['frictionless_valid']] } |")
    L += ["", "### Injected faults", "",
          "Each fault is written into the Parquet file and its sha256 updated in `datapackage.json`, "
          "so both tools read the changed content. `–`: not run at that size (frictionless runs on "
          "faults up to the size given by `--frictionless-faults-max`), or a rule frictionless does not check.", ""]
    header = "| fault | table.column | " + " | ".join(f"{r['claims']:,}: flows / frictionless" for r in sizes) + " |"
    L += [header, "|---|---|" + "---|" * len(sizes)]
    for i, (name, table, column, _, _) in enumerate(FAULTS):
        cells = []
        for r in sizes:
            f = next((x for x in r["faults"] if x["fault"] == name), None)
            if f is None:
                cells.append("–")
                continue
            fl = f.get("frictionless_valid")
            fl_text = "–" if fl is None else ("caught" if fl is False else "MISSED")
            cells.append(f"{'caught' if not f['flows_valid'] else 'MISSED'} / {fl_text}")
        L.append(f"| {name} | `{table}.{column}` | " + " | ".join(cells) + " |")
    L += ["", "What `flows check` said (largest size):", ""]
    big = sizes[-1]
    for f in big["faults"]:
        L.append(f"- {f['fault']}: `{f['flows_says']}`")
    L += ["", "## Views", "",
          "Median of the runs, on `data/processed/flows.duckdb` (read-only): the whole result fetched "
          "into Arrow, and its first 100 rows (`LIMIT 100`). Table macros are called with `DATE '2023-06-30'`. "
          "*Copy* is the time pyarrow takes to copy that whole result once in memory on every core, "
          "measured in the same runs: about the least a fetch must spend to build a new Arrow table "
          "of that shape (an engine already holding the result in Arrow could hand it over without a copy). "
          "*One record* is the view filtered on one record (`WHERE record_id = ?`, as `flows show` asks "
          "it), the median over the runs of 20 record ids spread evenly through the view's sorted ids; "
          "`record_evidence` and `contested_records` are stored in record order, so only they can skip "
          "the row groups holding other records.", ""]
    names = [v["view"] for v in big["views"]]
    L += ["| view | " + " | ".join(f"{r['claims']:,}: rows / all ms / first 100 ms" for r in sizes)
          + f" | {big['claims']:,}: result MB / copy ms | {big['claims']:,}: one record ms |",
          "|---|" + "---|" * (len(sizes) + 2)]
    for name in names:
        cells = []
        for r in sizes:
            v = next((x for x in r["views"] if x["view"] == name), None)
            cells.append("–" if v is None else f"{v['rows']:,} / {v['median_ms']:.0f} / {v['first100_median_ms']:.0f}")
        v = next(x for x in big["views"] if x["view"] == name)
        cells.append(f"{v['result_mb']:.1f} / {v['copy_median_ms']:.0f}" if "copy_median_ms" in v else "–")
        cells.append(f"{v['one_record_median_ms']:.0f}" if "one_record_median_ms" in v else "–")
        L.append(f"| `{name}` | " + " | ".join(cells) + " |")
    L += ["", "## Targets", ""]
    L += targets(by)
    return "\n".join(L) + "\n" + ("\n" + render_lists(results[KEY]) if KEY in results else "")


def targets(by: dict[int, dict]) -> list[str]:
    out = []
    big = by.get(1_000_000) or by[max(by)]
    n = big["claims"]
    c = big["check"]
    ratio = c["frictionless_seconds"] / c["flows_seconds"]
    bound = "at least " if c["frictionless_timeout"] else ""
    out.append(f"- `flows check` ≥ 300× faster than frictionless at {n:,} claims: {bound}"
               f"{ratio:.0f}× ({bound}{c['frictionless_seconds']:.1f} s"
               f"{' (stopped at the time limit)' if bound else ''} ÷ {c['flows_seconds']:.2f} s) — "
               f"{'met' if ratio >= 300 else ('not shown' if bound else 'NOT met')}.")
    same = all((f.get("frictionless_valid") is None) or (f["frictionless_valid"] == f["flows_valid"])
               for r in by.values() for f in r["faults"]) and \
        all(r["check"]["frictionless_valid"] is None or r["check"]["flows_valid"] == r["check"]["frictionless_valid"]
            for r in by.values())
    out.append(f"- Same verdict on the clean package and on every injected fault both check: "
               f"{'met' if same else 'NOT met'}.")
    rb = c["flows_inprocess_seconds"] / c["bare_duckdb_seconds"]
    out.append(f"- `flows check` within 3× of the bare DuckDB query at {n:,}: {rb:.1f}× in-process "
               f"({c['flows_inprocess_seconds']:.2f} s ÷ {c['bare_duckdb_seconds']:.2f} s) — "
               f"{'met' if rb <= 3 else 'NOT met'}.")
    if 100_000 in by and 1_000_000 in by:
        g = by[1_000_000]["build"]["seconds"] / by[100_000]["build"]["seconds"]
        out.append(f"- `flows build` 1M within 12× of 100k: {g:.1f}× "
                   f"({by[1_000_000]['build']['seconds']:.0f} s ÷ {by[100_000]['build']['seconds']:.0f} s) — "
                   f"{'met' if g <= 12 else 'NOT met'}.")
    peak = big["build"]["peak_mb"]
    out.append(f"- Build peak memory at {n:,} claims under 2 GB: {peak:.0f} MB — "
               f"{'met' if peak < 2048 else 'NOT met'}.")
    slow = [v for v in big["views"] if v["median_ms"] >= 100]
    out.append(f"- Every view under 100 ms median at {n:,} (whole result): "
               + ("met." if not slow else "NOT met: " + ", ".join(
                   f"`{v['view']}` {v['median_ms']:.0f} ms ({v['rows']:,} rows"
                   + (f", {v['result_mb']:.0f} MB, which pyarrow copies in {v['copy_median_ms']:.0f} ms"
                      if "copy_median_ms" in v else "") + ")" for v in slow) + "."))
    slow_first = [v for v in big["views"] if v["first100_median_ms"] >= 100]
    out.append("- First 100 rows of every view under 100 ms: " + ("met." if not slow_first else "NOT met: " + ", ".join(
        f"`{v['view']}` {v['first100_median_ms']:.0f} ms" for v in slow_first) + "."))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000 100000 1000000")
    parser.add_argument("--work", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "flows-bench")
    parser.add_argument("--out", type=Path, default=ROOT / "bench")
    parser.add_argument("--frictionless-faults-max", type=int, default=10_000)
    parser.add_argument("--frictionless-timeout", type=float, default=2700,
                        help="seconds before frictionless is stopped; its time is then a lower bound")
    parser.add_argument("--view-runs", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the generated and built sets under "
                        "--work, and reuse them (with their build figures) when there")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    args.out.mkdir(parents=True, exist_ok=True)
    store = args.out / "results.json"
    results = json.loads(store.read_text()) if store.exists() else {}
    for n in (int(s) for s in args.sizes.replace(",", " ").split()):
        results[str(n)] = bench_size(n, args.work, args.frictionless_faults_max,
                                     args.frictionless_timeout, args.view_runs, args.keep)
        store.write_text(json.dumps(results, indent=2) + "\n")
        (args.out / "results.md").write_text(render(results))
        if not args.keep:
            shutil.rmtree(args.work / f"synth-{n}", ignore_errors=True)
    text = render(results)
    (args.out / "results.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
