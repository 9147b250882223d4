"""Benchmark of `flows import` on whole official lists (`make bench-lists`).

Into a temporary copy of the project (data/raw and README.md), each import of IMPORTS runs in
turn as its own `flows` process, then the last one again unchanged (it should stop before
reading the release), then `flows build` and `flows check`. For each step: wall seconds and
peak resident memory (os.wait4, the process's own rusage; the peak over all of them is
resource.getrusage(RUSAGE_CHILDREN)); for each import, the size of the list files it read
and of what it added under data/raw. Prints a table; the figures go into bench/results.json
(under KEY) and bench/results.md is rendered again from it, the lists a section of its own
after bench.py's (`make bench` keeps them). Nothing is asserted.

    .venv/bin/python scripts/bench_lists.py [--full ../shared/fixtures/lists/full] [--out bench]

The lists imported are the rows of IMPORTS: a label, the arguments of `flows import` (with
{full} for the folder of whole releases) and the list files read. Add a list by adding a row.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLOWS = Path(sys.executable).parent / "flows"
KEY = "official_lists"  # the figures' key in bench/results.json (the other keys are bench.py's sizes)

# label, `flows import` arguments ({full}: the folder of whole releases)
IMPORTS: list[tuple[str, list[str]]] = [
    ("OFAC SDN 2021-04, whole", ["ofac", "{full}/ofac-2021-04", "--released", "2021-04-01"]),
    ("OFAC SDN 2023-12-28, sdn.csv alone, as an update",
     ["ofac", "{full}/ofac-2023-12-28", "--released", "2023-12-28", "--sdn-only"]),
    ("UN consolidated 2020-03-20, whole", ["un", "{full}/un-2020-03-20/consolidated.xml"]),
    ("UK OFSI ConList 2020-04-27 (layout until 2022), whole", ["uk", "{full}/uk-ofsi-conlist-2020-04-27/ConList.csv"]),
    ("UK FCDO UK Sanctions List 2025-11-19 (ODS), whole",
     ["uk", "{full}/uk-fcdo-2025-11-19/FCDO_SL_2025-11-19.ods", "--released", "2025-11-19"]),
    ("EU FSF 2020-04-15 (the excerpt: no whole release to hand)", ["eu", "{full}/../eu/fsf-excerpt-2020-04-15.xml"]),
    ("UK OFSI ConList 2025-04-14 (XLSX, 2022 format), whole", ["uk", "{full}/uk-ofsi-conlist-2025-04-14/ConList.xlsx"]),
]
ZIPPED = re.compile(r"\b(XLSX|ODS)\b")
TARGET_SECONDS, TARGET_MB, TARGET_RATIO, TARGET_REIMPORT = 60, 1024, 2.0, 5


def run(args: list[str], env: dict[str, str]) -> tuple[float, float, float, int, str]:
    """Wall seconds, CPU seconds (user and system), peak RSS in MB, exit code and output of one
    flows process."""
    start = time.perf_counter()
    process = subprocess.Popen([str(FLOWS), *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    output = process.stdout.read().decode("utf-8", errors="replace")
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return (time.perf_counter() - start, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024,
            process.returncode, output)


def size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else path.stat().st_size


def measure(full: Path, note: str) -> dict:
    """The figures of one run, as JSON-able values (the text is rendered from them alone)."""
    steps, imports, outputs = [], [], {}
    with tempfile.TemporaryDirectory(prefix="bench-lists-") as tmp:
        root = Path(tmp)
        # the parse cache starts empty (flows.build.parse_cache): every file is parsed once
        env = {**os.environ, "FLOWS_SHARED_SOURCES": str((ROOT / ".." / "shared" / "sources").resolve()),
               "FLOWS_CACHE_DIR": str(root / "parse-cache")}
        shutil.copytree(ROOT / "data" / "raw", root / "data" / "raw")
        shutil.copy(ROOT / "README.md", root / "README.md")
        raw = root / "data" / "raw"
        start_size = size(raw)
        runs = [(f"import: {label}", ["import", *(a.replace("{full}", str(full)) for a in args), "--root", str(root)])
                for label, args in IMPORTS]
        runs.append((f"import again, unchanged: {IMPORTS[-1][0]}", runs[-1][1]))
        runs += [(f"flows {step}", [step, "--root", str(root)]) for step in ("build", "check")]
        for label, args in runs:
            before = size(raw)
            seconds, cpu, mb, code, outputs[label] = run(args, env)
            steps.append([label, round(seconds, 2), round(cpu, 2), round(mb), code])
            if label.startswith("import: "):
                imports.append([label[len("import: "):], size(Path(args[2])), size(raw) - before])
        end_size = size(raw)
    return {"machine": f"{platform.node()}: {os.cpu_count()} cores, Python {platform.python_version()}",
            "when": dt.datetime.now().isoformat(timespec="seconds"), "load": round(os.getloadavg()[0], 1),
            "note": note, "steps": steps, "imports": imports, "raw_before": start_size, "raw_after": end_size,
            "peak_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024), "outputs": outputs}


def render(m: dict) -> str:
    """The section of bench/results.md, from the figures of a run (bench.render appends it)."""
    steps = [s for s in m["steps"] if "unchanged" not in s[0]]
    total, cpu = sum(s[1] for s in steps), sum(s[2] for s in steps)
    lines = ["## Official lists at full scale (`make bench-lists`)", "",
             f"Written by `scripts/bench_lists.py` on {m['machine']}, {m['when']}, load average {m['load']} "
             "(other work on the machine stretches wall times; CPU seconds, user and system, are each "
             "process's own). Each step is one `flows` process on a temporary copy of the project; whole "
             "releases from `../shared/fixtures/lists/full`.",
             *([] if not m["note"] else ["", m["note"]]),
             "", "| step | wall seconds | CPU seconds | peak memory MB | exit |", "|---|---|---|---|---|"]
    lines += [f"| {label} | {seconds:.1f} | {cpu_s:.1f} | {mb} | {code} |" for label, seconds, cpu_s, mb, code in m["steps"]]
    lines += ["", "| import | list files MB | added under data/raw MB | ratio |", "|---|---|---|---|"]
    lines += [f"| {label} | {listed / 1e6:.2f} | {added / 1e6:.2f} | {added / listed:.1f}× |"
              for label, listed, added in m["imports"]]
    # a zipped list (XLSX, ODS) is not compared: its bytes are not the list's text
    plain = [(added / listed, label) for label, listed, added in m["imports"] if not ZIPPED.search(label)]
    ratio, worst = max(plain)
    reimport = next(s[1] for s in m["steps"] if "unchanged" in s[0])
    failed = [s[0] for s in m["steps"] if s[4] != 0]
    lines += ["", f"data/raw: {m['raw_before'] / 1e6:.1f} MB before, {m['raw_after'] / 1e6:.1f} MB after.", "",
              "Targets (2 cores):", "",
              f"- every import, the build and the check under {TARGET_SECONDS} s together: {total:.1f} s wall "
              f"({cpu:.1f} s CPU) — " + ("met." if total < TARGET_SECONDS else "NOT met."),
              f"- peak memory under {TARGET_MB} MB: {m['peak_mb']} MB — " + ("met." if m["peak_mb"] < TARGET_MB else "NOT met."),
              f"- the curation files of a whole list within {TARGET_RATIO:.0f}× the list files (lists in text "
              f"files; XLSX and ODS are zipped): {ratio:.1f}× at worst ({worst}) — "
              + ("met." if ratio <= TARGET_RATIO else "NOT met."),
              f"- an unchanged re-import under {TARGET_REIMPORT} s: {reimport:.1f} s — "
              + ("met." if reimport < TARGET_REIMPORT else "NOT met.")]
    if failed:
        lines.append(f"- steps that failed (exit code not 0): {', '.join(failed)}")
    return "\n".join(lines) + "\n"


def main() -> None:
    import json

    import bench  # beside this script: results.md is rendered whole, from results.json

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", type=Path, default=ROOT.parent / "shared" / "fixtures" / "lists" / "full")
    parser.add_argument("--out", type=Path, default=ROOT / "bench")
    parser.add_argument("--note", default="", help="a paragraph the section carries (how it was measured)")
    args = parser.parse_args()
    m = measure(args.full.resolve(), args.note)
    outputs = m.pop("outputs")
    for label, seconds, cpu, mb, code in m["steps"]:
        print(f"{label:<70} {seconds:7.1f} s {cpu:7.1f} s CPU {mb:7} MB  exit {code}")
        if code != 0:
            print("    " + "\n    ".join(outputs[label].strip().splitlines()[-5:]))
    print(render(m))
    args.out.mkdir(parents=True, exist_ok=True)
    store = args.out / "results.json"
    results = json.loads(store.read_text()) if store.exists() else {}
    results[KEY] = m
    store.write_text(json.dumps(results, indent=2) + "\n")
    sizes = [k for k in results if k != KEY]
    (args.out / "results.md").write_text(bench.render(results) if sizes else render(m))


if __name__ == "__main__":
    main()
