"""(5) The clerk's round of the app on the large casebook (`_child.py tour`): every tab,
meeting mode, a request full size, the palette, the keys, a form, the wizard, the queue.
For each step, the longest the event loop was held (the bar: never more than 100 ms),
the worst of a few runs, each in a fresh interpreter.

    python bench/tour.py
"""
from __future__ import annotations

from common import RUNS, casebook, child


def run(runs: int = RUNS) -> dict:
    db = str(casebook())
    results = [child("tour", db) for _ in range(min(3, runs))]
    steps: dict[str, float] = {}
    for r in results:
        for label, ms in r["steps"].items():
            steps[label] = max(steps.get(label, 0.0), ms)
    worst = max(steps, key=steps.get)
    return {"tour_block_ms": {k: round(v, 1) for k, v in steps.items()},
            "tour_block_max_ms": steps[worst], "tour_block_max_step": worst}


if __name__ == "__main__":
    r = run()
    for label, ms in r["tour_block_ms"].items():
        print(f"  {label:34} {ms:7.1f} ms")
    print(f"longest: {r['tour_block_max_ms']:.1f} ms ({r['tour_block_max_step']})")
