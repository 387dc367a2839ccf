"""(1) start to first painted frame, (3) peak memory: clerkdesk on the large casebook
against a bare Textual app (header, one static, footer), each in a fresh interpreter,
alternated, median of BENCH_RUNS runs.

    python bench/startup.py
"""
from __future__ import annotations

import shutil

from common import RUNS, casebook, median, time_to_first_paint


def run(runs: int = RUNS) -> dict:
    db = str(casebook())
    bare, clerk = [], []
    for _ in range(runs):
        bare.append(time_to_first_paint("bare"))
        clerk.append(time_to_first_paint("clerkdesk", db))
    # as shipped: `clerkdesk --db` also takes its automatic backup before the first frame
    shipped = [time_to_first_paint("clerkdesk-backup", db) for _ in range(min(3, runs))]
    shutil.rmtree(casebook().parent / "backups", ignore_errors=True)
    return {
        "startup_s": median([r["wall_s"] for r in clerk]),
        "bare_textual_startup_s": median([r["wall_s"] for r in bare]),
        "startup_with_auto_backup_s": median([r["wall_s"] for r in shipped]),
        "startup_peak_mib": median([r["rss_mib"] for r in clerk]),
        "bare_textual_peak_mib": median([r["rss_mib"] for r in bare]),
    }


if __name__ == "__main__":
    r = run()
    print(f"start to first frame: clerkdesk {r['startup_s']:.3f} s  |  bare Textual "
          f"{r['bare_textual_startup_s']:.3f} s  ({r['startup_s'] / r['bare_textual_startup_s']:.2f}x)")
    print(f"  with the automatic backup on open: {r['startup_with_auto_backup_s']:.3f} s")
    print(f"peak memory at first frame: clerkdesk {r['startup_peak_mib']:.1f} MiB  |  bare "
          f"{r['bare_textual_peak_mib']:.1f} MiB")
