"""(4) `clerkdesk check` and `clerkdesk backup` on the large casebook (wall time of the
real command in a fresh interpreter, median of 3).

    python bench/safety.py
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import time

from common import CACHE, casebook, median


def _timed(*args: str) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "clerkdesk", *args], capture_output=True,
                          text=True)
    took = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"clerkdesk {' '.join(args)} failed:\n{proc.stdout}{proc.stderr}")
    return took


def run(runs: int = 3) -> dict:
    db = casebook()
    out_dir = CACHE / "bench-backups"
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir()
    checks = [_timed("--db", str(db), "check") for _ in range(runs)]
    backups = [_timed("--db", str(db), "backup", str(out_dir / f"copy-{i}.db")) for i in range(runs)]
    size = (out_dir / "copy-0.db").stat().st_size / 2**20
    shutil.rmtree(out_dir, ignore_errors=True)
    return {"check_s": median(checks), "backup_s": median(backups), "db_mib": size}


if __name__ == "__main__":
    r = run()
    print(f"clerkdesk check: {r['check_s']:.2f} s   clerkdesk backup: {r['backup_s']:.2f} s "
          f"({r['db_mib']:.0f} MiB casebook)")
