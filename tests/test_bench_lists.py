"""scripts/bench_lists.py writes its own section of bench/results.md, and `make bench`
(scripts/bench.py), which writes the rest of the file anew, keeps it."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

import bench_lists  # noqa: E402


def test_the_section_is_replaced_and_kept():
    section = f"{bench_lists.BEGIN}\n## lists\nfigures\n{bench_lists.END}\n"
    text = bench_lists.put_section("# Benchmarks\n\n## Sizes\n", section)
    assert text == "# Benchmarks\n\n## Sizes\n\n" + section
    newer = section.replace("figures", "newer figures")
    assert bench_lists.put_section(text, newer) == "# Benchmarks\n\n## Sizes\n\n" + newer
    assert bench_lists.kept_section("# Benchmarks, written anew\n" + text) == section
    assert bench_lists.kept_section("# no section\n") is None
