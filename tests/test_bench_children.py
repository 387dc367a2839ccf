"""The bench's measured runs still run (bench/_child.py), on a small generated casebook.

The bench is not a test and nothing here looks at a time: this only proves that each
child drives the app (and the baseline app) to the end and reports every figure the
bench reads, so a change to the app cannot quietly break the bench until the day a
figure is wanted (the baseline's columns broke once when the lists' columns became
`records.Column`).
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from clerkdesk.fixtures.generate import generate

BENCH = Path(__file__).resolve().parent.parent / "bench"


@pytest.fixture(scope="module")
def small_casebook(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("bench") / "cases-300.db"
    generate(path, cases=300, years=2, seed=7)
    return path


def _child(*args: str) -> list[dict]:
    # (the test session's cache and settings folders, from conftest, are inherited)
    proc = subprocess.run([sys.executable, str(BENCH / "_child.py"), *args], cwd=BENCH.parent,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]


@pytest.mark.parametrize("mode", ["clerkdesk", "datatable"])
def test_the_lists_child_reports_every_figure(small_casebook, mode):
    (out,) = _child("lists", mode, str(small_casebook), "bus")
    assert set(out) >= {"tab_open_ms", "filter_ms", "filter_count_ms", "jump_end_ms",
                        "peak_mib", "loop_block_max_ms", "rows", "filtered_rows"}
    assert len(out["filter_ms"]) == len(out["filter_count_ms"]) == 3  # one per key of "bus"
    assert out["rows"] > 0 and 0 <= out["filtered_rows"] <= out["rows"]
    assert all(ms > 0 for ms in [out["tab_open_ms"], out["jump_end_ms"], *out["filter_ms"]])


def test_the_startup_child_reports_both_frames(small_casebook):
    first, queue = _child("startup", "clerkdesk", str(small_casebook))
    assert first["rss_mib"] > 0 and queue["rss_mib"] >= first["rss_mib"]
    (bare,) = _child("startup", "bare")
    assert bare["rss_mib"] > 0
