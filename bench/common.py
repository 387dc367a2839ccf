"""Shared by the bench scripts: the cached large casebook, child processes, medians."""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
CASES = int(os.environ.get("BENCH_CASES", "50000"))
RUNS = int(os.environ.get("BENCH_RUNS", "5"))


def casebook(cases: int = CASES) -> Path:
    """The generated casebook (generated once, then reused from bench/.cache/)."""
    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"cases-{cases}-seed7.db"
    if not path.exists():
        from clerkdesk.fixtures.generate import generate

        print(f"generating {path.name} (once)…", file=sys.stderr)
        t0 = time.perf_counter()
        part = path.with_suffix(".part")
        for p in CACHE.glob(part.name + "*"):
            p.unlink()
        generate(part, cases=cases, years=10, seed=7)
        os.replace(part, path)
        print(f"  done in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return path


def median(values):
    return statistics.median(values) if values else None


def child(*args: str, timeout: float = 600) -> dict:
    """Run `python bench/_child.py ARGS` and return the JSON it prints last."""
    proc = subprocess.run([sys.executable, str(HERE / "_child.py"), *args], capture_output=True,
                          text=True, timeout=timeout, cwd=HERE.parent)
    if proc.returncode != 0:
        raise RuntimeError(f"child {args} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def time_to_first_paint(mode: str, *extra: str) -> dict:
    """Wall time from spawning a fresh interpreter to the app's first painted frame,
    measured by this (parent) process; the child exits the moment it has painted."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(HERE / "_child.py"), "startup", mode, *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=HERE.parent)
    line = proc.stdout.readline()
    elapsed = time.perf_counter() - t0
    rest, err = proc.communicate(timeout=120)
    if not line.startswith("{"):
        raise RuntimeError(f"startup {mode} failed:\n{line}{rest}{err[-3000:]}")
    data = json.loads(line)
    data["wall_s"] = elapsed
    return data
