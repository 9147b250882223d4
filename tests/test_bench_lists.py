"""scripts/bench_lists.py keeps its figures in bench/results.json (under its own key) and
bench/results.md renders them as a section of their own after bench.py's, from the figures
alone (the machine they were measured on, not the one rendering)."""

from __future__ import annotations

import json
import platform
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import bench  # noqa: E402
import bench_lists  # noqa: E402


def test_the_lists_section_is_rendered_from_the_figures(monkeypatch):
    results = json.loads((ROOT / "bench" / "results.json").read_text())
    assert bench_lists.KEY in results
    figures = results[bench_lists.KEY]
    monkeypatch.setattr(platform, "node", lambda: "elsewhere")
    section = bench_lists.render(figures)
    assert section.startswith("## Official lists at full scale (`make bench-lists`)")
    assert f"on {figures['machine']}, {figures['when']}" in section and "elsewhere" not in section
    for label, *_ in figures["steps"]:
        assert f"| {label} |" in section
    text = bench.render(results)
    assert text.endswith("\n\n" + section)  # after bench.py's sections
    assert bench.render({k: v for k, v in results.items() if k != bench_lists.KEY}) + "\n" + section == text
