"""(5) The clerk's round of the app on the large casebook (`_child.py tour`): every tab,
meeting mode, a request full size, the palette, the keys, a form, the wizard, the queue.
For each step, the longest the event loop was held (the bar: never more than 100 ms),
each run in a fresh interpreter.

`tour_block_max_ms` is the median over the runs of each run's worst step;
`tour_block_ms` gives each step's median over the runs, `tour_block_worst_ms` the single
worst step of any run (a loaded machine shows in it first).

    python bench/tour.py
"""
from __future__ import annotations

from collections import Counter

from common import RUNS, casebook, child, median


def run(runs: int = RUNS) -> dict:
    db = str(casebook())
    results = [child("tour", db) for _ in range(max(3, min(5, runs)))]
    labels = list(results[0]["steps"])
    per_step = {k: median([r["steps"][k] for r in results if k in r["steps"]]) for k in labels}
    worst_of_run = [max(r["steps"].items(), key=lambda kv: kv[1]) for r in results]
    most_often = Counter(label for label, _ in worst_of_run).most_common(1)[0][0]
    return {"tour_block_ms": {k: round(v, 1) for k, v in per_step.items()},
            "tour_block_max_ms": median([ms for _, ms in worst_of_run]),
            "tour_block_max_step": most_often,
            "tour_block_worst_ms": max(ms for _, ms in worst_of_run),
            # the same in the UI thread's CPU time (a loaded machine's waits left out)
            "tour_block_cpu_max_ms": median([max(r["cpu_steps"].values()) for r in results]),
            "tour_block_cpu_ms": {k: round(median([r["cpu_steps"][k] for r in results]), 1)
                                  for k in labels},
            "tour_load_avg": median([r["load"] for r in results]),
            "tour_runs": len(results)}


if __name__ == "__main__":
    r = run()
    for label, ms in r["tour_block_ms"].items():
        print(f"  {label:34} {ms:7.1f} ms  (CPU {r['tour_block_cpu_ms'][label]:6.1f} ms; "
              f"median of {r['tour_runs']} runs)")
    print(f"longest step: {r['tour_block_max_ms']:.1f} ms (median of each run's worst; most often "
          f"{r['tour_block_max_step']}); worst of any run {r['tour_block_worst_ms']:.1f} ms; "
          f"in CPU time {r['tour_block_cpu_max_ms']:.1f} ms; load average {r['tour_load_avg']:.1f}")
