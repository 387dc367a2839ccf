"""(2) the Requests list: open the tab, type a 3-character filter (each keystroke
timed), jump to the end; clerkdesk's virtual table against a DataTable loaded with every
row (the baseline in baseline.py), each run in a fresh interpreter; (3) their peak memory.

Each step is timed in the child from just before the key press to the first frame
Textual writes after the step's data is in place (see `Frames` in _child.py): a filter
keystroke to the frame showing the filtered rows (`filter_keystroke_ms`), and to the
frame showing their exact count too (`filter_count_ms`); the baseline does both at once.

    python bench/lists.py [FILTER]
"""
from __future__ import annotations

import os
import sys

from common import RUNS, casebook, child, median

FILTER = "bus"


#: the larger casebook of `at_200k` (generated once and cached, like the 50,000-case one)
BIG = 200_000


def at_200k(runs: int = RUNS, text: str = FILTER) -> dict:
    """The list bars at 200,000 cases: start-up against a bare Textual app (same runs),
    opening the Requests tab, each keystroke of *text* (each keystroke's median over the
    runs; `filter_keystroke_ms` is the worst of them, `filter_short_ms` the worst of the
    1- and 2-letter words), jumping to the end. No full-DataTable baseline here."""
    import startup

    db = str(casebook(BIG))
    up = startup.run(runs, cases=BIG)
    ours = [child("lists", "clerkdesk", db, text) for _ in range(runs)]
    keys = [median([r["filter_ms"][i] for r in ours]) for i in range(len(text))]
    counts = [median([r["filter_count_ms"][i] for r in ours]) for i in range(len(text))]
    return {
        "cases": BIG,
        "startup_ratio": up["startup_s"] / up["bare_textual_startup_s"],
        "startup_s": up["startup_s"],
        "bare_textual_startup_s": up["bare_textual_startup_s"],
        "tab_open_ms": median([r["tab_open_ms"] for r in ours]),
        "filter_keystroke_ms": max(keys),
        "filter_short_ms": max(keys[:2]),
        "filter_keystrokes_ms": [round(k, 1) for k in keys],
        "filter_count_ms": [round(c, 1) for c in counts],
        "jump_end_ms": median([r["jump_end_ms"] for r in ours]),
        "loop_block_max_ms": max(r["loop_block_max_ms"] for r in ours),
        "peak_mib": median([r["peak_mib"] for r in ours]),
        "rows": ours[0]["rows"],
        "filter": text,
        "load_avg": os.getloadavg()[0],  # (1 minute, as the runs ended: how busy it was)
    }


def run(runs: int = RUNS, text: str = FILTER, baseline_runs: int = 1) -> dict:
    db = str(casebook())
    ours = [child("lists", "clerkdesk", db, text) for _ in range(runs)]
    full = [child("lists", "datatable", db, text, timeout=1800) for _ in range(baseline_runs)]
    keystrokes = [ms for r in ours for ms in r["filter_ms"]]
    full_keys = [ms for r in full for ms in r["filter_ms"]]
    return {
        "tab_open_ms": median([r["tab_open_ms"] for r in ours]),
        "filter_keystroke_ms": median(keystrokes),
        "filter_keystroke_max_ms": max(keystrokes),
        "filter_count_ms": median([ms for r in ours for ms in r["filter_count_ms"]]),
        "filter_count_max_ms": max(ms for r in ours for ms in r["filter_count_ms"]),
        "filter_keystrokes_ms": [round(median([r["filter_ms"][i] for r in ours]), 1)
                                 for i in range(len(text))],
        "jump_end_ms": median([r["jump_end_ms"] for r in ours]),
        "peak_mib": median([r["peak_mib"] for r in ours]),
        "loop_block_max_ms": max(r["loop_block_max_ms"] for r in ours),
        "rows": ours[0]["rows"],
        "filtered_rows": ours[0]["filtered_rows"],
        "full_datatable_open_ms": median([r["tab_open_ms"] for r in full]),
        "full_datatable_filter_keystroke_ms": median(full_keys),
        "full_datatable_jump_end_ms": median([r["jump_end_ms"] for r in full]),
        "full_datatable_peak_mib": median([r["peak_mib"] for r in full]),
        "full_datatable_loop_block_max_ms": max(r["loop_block_max_ms"] for r in full),
        "filter": text,
    }


if __name__ == "__main__" and sys.argv[1:2] == ["--200k"]:
    import json

    print(json.dumps(at_200k(), indent=1))
elif __name__ == "__main__":
    r = run(text=sys.argv[1] if len(sys.argv) > 1 else FILTER)
    print(f"Requests list ({r['rows']} rows; filter {r['filter']!r} -> {r['filtered_rows']}):")
    for label, ours, base in (("open the tab", "tab_open_ms", "full_datatable_open_ms"),
                              ("filter keystroke", "filter_keystroke_ms",
                               "full_datatable_filter_keystroke_ms"),
                              ("jump to the end", "jump_end_ms", "full_datatable_jump_end_ms")):
        print(f"  {label:18} {r[ours]:8.1f} ms  |  full DataTable {r[base]:9.1f} ms")
    print(f"  peak memory        {r['peak_mib']:8.1f} MiB |  full DataTable {r['full_datatable_peak_mib']:9.1f} MiB")
    print(f"  longest UI block   {r['loop_block_max_ms']:8.1f} ms  |  full DataTable "
          f"{r['full_datatable_loop_block_max_ms']:9.1f} ms")
