"""(1) start to first painted frame, (3) peak memory: clerkdesk on the large casebook
against a bare Textual app (header, one static, footer), each in a fresh interpreter,
alternated, median of BENCH_RUNS runs.

    python bench/startup.py
"""
from __future__ import annotations

import shutil

from common import CASES, RUNS, casebook, compile_bytecode, median, time_to_first_paint


def run(runs: int = RUNS, cases: int | None = None) -> dict:
    db = str(casebook(cases) if cases else casebook())
    compile_bytecode()
    # one start of each first, not counted: it writes what a first start on a machine
    # writes once (the bank holidays' copy in the cache folder)
    time_to_first_paint("bare")
    time_to_first_paint("clerkdesk", db)
    bare, clerk = [], []
    for _ in range(runs):
        bare.append(time_to_first_paint("bare"))
        clerk.append(time_to_first_paint("clerkdesk", db))
    shutil.rmtree(casebook(cases or CASES).parent / "backups", ignore_errors=True)  # the automatic ones
    return {
        "startup_s": median([r["wall_s"] for r in clerk]),
        "bare_textual_startup_s": median([r["wall_s"] for r in bare]),
        "startup_queue_shown_s": median([r["data_s"] for r in clerk]),
        "startup_peak_mib": median([r["rss_mib"] for r in clerk]),
        "bare_textual_peak_mib": median([r["rss_mib"] for r in bare]),
    }


if __name__ == "__main__":
    r = run()
    print(f"start to first frame: clerkdesk {r['startup_s']:.3f} s  |  bare Textual "
          f"{r['bare_textual_startup_s']:.3f} s  ({r['startup_s'] / r['bare_textual_startup_s']:.2f}x)")
    print(f"  to the triage queue on screen: {r['startup_queue_shown_s']:.3f} s")
    print(f"peak memory at first frame: clerkdesk {r['startup_peak_mib']:.1f} MiB  |  bare "
          f"{r['bare_textual_peak_mib']:.1f} MiB")
