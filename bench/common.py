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
    """Wall time from spawning a fresh interpreter to the app's first painted frame
    (`wall_s`) and, for clerkdesk, to the first frame showing the triage queue
    (`data_s`), measured by this (parent) process as the child's lines arrive; the child
    exits the moment it has reported."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(HERE / "_child.py"), "startup", mode, *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=HERE.parent)
    line = proc.stdout.readline()
    elapsed = time.perf_counter() - t0
    second = proc.stdout.readline() if mode != "bare" else ""
    data_elapsed = time.perf_counter() - t0
    rest, err = proc.communicate(timeout=120)
    if not line.startswith("{"):
        raise RuntimeError(f"startup {mode} failed:\n{line}{rest}{err[-3000:]}")
    data = json.loads(line)
    data["wall_s"] = elapsed
    data["data_s"] = data_elapsed if second.startswith("{") else elapsed
    return data


def compile_bytecode() -> None:
    """Compile clerkdesk's modules to bytecode, as `pip install` does: an editable install
    under PYTHONDONTWRITEBYTECODE (set on some machines) would otherwise compile every
    module from source on every start, which an installed clerkdesk never does."""
    import compileall
    import importlib

    for name in ("clerkdesk.models", "clerkdesk.screens", "clerkdesk.tui", "clerkdesk.fixtures"):
        folder = Path(importlib.import_module(name).__file__).parent
        compileall.compile_dir(str(folder), quiet=1)
