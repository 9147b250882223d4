"""Benchmark of `flows import ofac` on a synthetic SDN release N times the size of the full list.

The full legacy sdn.csv is about 14,000 entries and 3.5 MB. This script writes a synthetic
release of N x 3.5 MB (default N = 50) by repeating the real fixture rows
(tests/fixtures/lists/ofac) with shifted ent_nums and numbered names (so that names stay
unique and "Linked To" stays within each copy), into a temporary folder, then measures, each
in a fresh process: (1) a streamed read of every entry, (2) the graph selection around two
seeds, (3) a whole import of that selection into a temporary copy of the project. It prints
time and peak resident memory; nothing is asserted. The synthetic files are not data.

    .venv/bin/python scripts/bench_import.py [--times 50]
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "lists" / "ofac"
FULL_SDN_BYTES = 3_500_000
STEP = 100_000  # ent_num shift per copy

_LINK = re.compile(r"(Linked To: )([^;\"]+?)(?=;|\.\"|\"$)")


def _rows(name: str) -> list[str]:
    data = (FIXTURE / name).read_bytes().decode("ascii")
    return [line for line in data.split("\r\n") if line and line != "\x1a"]


def synthesise(dest: Path, times: int) -> dict[str, int]:
    sdn, add, alt = _rows("sdn.csv"), _rows("add.csv"), _rows("alt.csv")
    target = times * FULL_SDN_BYTES
    sizes = {}
    files = {n: (dest / n).open("w", encoding="ascii", newline="") for n in ("sdn.csv", "add.csv", "alt.csv")}
    written, copy = 0, 0
    while written < target:
        shift = copy * STEP
        tag = f" {copy}" if copy else ""
        for line in sdn:
            ent, rest = line.split(",", 1)
            rest = re.sub(r'^"([^"]*)"', lambda m: f'"{m.group(1)}{tag}"', rest, count=1)
            rest = _LINK.sub(lambda m: f"{m.group(1)}{m.group(2)}{tag}", rest)
            out = f"{int(ent) + shift},{rest}\r\n"
            files["sdn.csv"].write(out)
            written += len(out)
        for name, rows in (("add.csv", add), ("alt.csv", alt)):
            for line in rows:
                ent, num, rest = line.split(",", 2)
                if name == "alt.csv":  # the alias gets the copy's number too: 'aka',"NAME n"
                    rest = re.sub(r'^("[^"]*",)"([^"]*)"', lambda m: f'{m.group(1)}"{m.group(2)}{tag}"', rest)
                files[name].write(f"{int(ent) + shift},{int(num) + shift},{rest}\r\n")
        copy += 1
    for name, f in files.items():
        f.write("\x1a")
        f.close()
        sizes[name] = (dest / name).stat().st_size
    sizes["copies"] = copy
    sizes["entries"] = copy * len(sdn)
    return sizes


MEASURE = r"""
import resource, sys, time
from pathlib import Path
sys.path.insert(0, {src!r})
from flows.importers.ofac import OfacRelease
from flows.importers.select import select
folder = Path({folder!r})
t = time.perf_counter()
what = {what!r}
if what == "read":
    n = sum(1 for _ in OfacRelease(folder).entries(None))
    detail = f"{{n}} entries parsed (aliases, addresses, remarks)"
elif what == "select":
    s = select(OfacRelease(folder), [], ["QODS AVIATION INDUSTRIES", "IRGC Air Force"], depth=1)
    detail = f"{{len(s.refs)}} entries selected in {{s.passes}} passes"
else:
    from flows.importers.registry import registry
    from flows.importers.write import Importer
    release = OfacRelease(folder)
    s = select(release, [], ["QODS AVIATION INDUSTRIES", "IRGC Air Force"], depth=1)
    r = Importer(Path({project!r}), registry()["ofac-sdn"], release, "2023-12-28").run(s, "benchmark")
    detail = f"{{r.entries}} entries imported, {{len(r.written)}} files written"
elapsed = time.perf_counter() - t
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{{what:<7}} {{elapsed:8.1f}} s  peak RSS {{rss:7.1f}} MiB  {{detail}}")
"""


def measure(what: str, folder: Path, project: Path | None = None) -> None:
    code = MEASURE.format(src=str(ROOT / "src"), folder=str(folder), what=what, project=str(project))
    subprocess.run([sys.executable, "-c", code], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--times", type=int, default=50, help="size as a multiple of the full SDN list (3.5 MB)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        for times in sorted({1, args.times}):
            folder = base / f"x{times}"
            folder.mkdir()
            t = time.perf_counter()
            sizes = synthesise(folder, times)
            print(f"== synthetic release x{times}: sdn.csv {sizes['sdn.csv'] / 1e6:.1f} MB, "
                  f"add.csv {sizes['add.csv'] / 1e6:.1f} MB, alt.csv {sizes['alt.csv'] / 1e6:.1f} MB, "
                  f"{sizes['entries']:,} entries (written in {time.perf_counter() - t:.1f} s)")
            project = base / f"project-x{times}"
            shutil.copytree(ROOT / "data" / "raw", project / "data" / "raw")
            measure("read", folder)
            measure("select", folder)
            measure("import", folder, project)
            shutil.rmtree(folder)


if __name__ == "__main__":
    main()
