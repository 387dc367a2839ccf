"""The Dashboard's charts on the large casebook: each figure's query (models/casework/
stats.py, as the worker runs them, off the UI thread), the committee report's build with
its charts, and, in the app (headless, 120x40): when the charts are drawn after start,
the longest the event loop was held while the charts were read again and drawn (once
the app has settled), and the time the UI spends drawing them (`show`).

    python bench/charts.py
"""
from __future__ import annotations

import asyncio
import datetime as dt
import os
import time

from _child import LoopWatch
from common import RUNS, casebook, median

TODAY = dt.date(2026, 11, 23)


def _timed(fn, runs=RUNS):
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        out.append((time.perf_counter() - t0) * 1000)
    return median(out), result


def queries(db: str) -> dict:
    from clerkdesk.models.casework import stats
    from clerkdesk.models.core.db import close_database
    from clerkdesk.models.output import report
    from clerkdesk.models.store import opening

    opening.open_database(db, backup=False)
    out = {}
    out["weekly_flow_ms"], _ = _timed(lambda: stats.weekly_flow(TODAY))
    out["overdue_trend_ms"], _ = _timed(lambda: stats.overdue_trend(TODAY))
    out["open_by_ward_ms"], _ = _timed(stats.open_by_ward)
    out["answer_times_quarter_ms"], a = _timed(
        lambda: stats.answer_times(since=stats.quarter(TODAY)[0].start, until=TODAY))
    out["answers_in_quarter"] = a.count
    out["answer_times_all_ms"], a = _timed(stats.answer_times, runs=1)
    out["answers_all"] = a.count
    out["figures_ms"], _ = _timed(lambda: stats.figures(TODAY))
    out["report_build_ms"], _ = _timed(lambda: report.build_report(TODAY), runs=1)
    close_database()
    return out


async def in_app(db: str) -> dict:
    from clerkdesk.models.store import opening
    from clerkdesk.screens.widgets.charts import DeskCharts
    from clerkdesk.tui.__main__ import pause_collector
    from clerkdesk.tui.app import ClerkDesk

    os.environ["CLERKDESK_TODAY"] = TODAY.strftime("%d/%m/%Y")
    opening.open_database(db, backup=False)
    pause_collector()
    shows = []
    original = DeskCharts.show

    def show(self, f):
        t0 = time.perf_counter()
        original(self, f)
        shows.append((time.perf_counter() - t0) * 1000)

    DeskCharts.show = show
    app = ClerkDesk(db)
    watch = LoopWatch()
    t0 = time.perf_counter()
    async with app.run_test(size=(120, 40)) as pilot:
        watch.start()
        charts = app.query_one(DeskCharts)
        while charts.reads == 0:
            await pilot.pause(0.05)
            if time.perf_counter() - t0 > 120:
                raise RuntimeError("the charts were never drawn")
        drawn_s = time.perf_counter() - t0
        await pilot.pause(0.2)
        worst = watch.worst_ms
        await pilot.pause(2.0)  # the other tabs built: then the charts alone
        reloads, idle = [], []
        for _ in range(RUNS):
            watch.worst_ms = 0.0
            await pilot.pause(0.5)
            idle.append(watch.worst_ms)
            watch.worst_ms = 0.0
            reads = charts.reads
            charts.reload()
            while charts.reads == reads:
                await pilot.pause(0.01)
            await pilot.pause(0.1)
            reloads.append(watch.worst_ms)
        watch.task.cancel()
    DeskCharts.show = original
    return {"charts_drawn_s": drawn_s, "startup_loop_block_max_ms": worst,
            "reload_loop_block_max_ms": max(reloads), "reload_loop_block_ms": median(reloads),
            "idle_loop_block_ms": median(idle),
            "show_max_ms": max(shows), "show_ms": median(shows)}


def run() -> dict:
    db = str(casebook())
    out = queries(db)
    out.update(asyncio.run(in_app(db)))
    return out


if __name__ == "__main__":
    r = run()
    print(f"Charts on the large casebook (today pinned to {TODAY:%d/%m/%Y}; medians of {RUNS}):")
    for key in ("weekly_flow_ms", "overdue_trend_ms", "open_by_ward_ms",
                "answer_times_quarter_ms", "answer_times_all_ms", "figures_ms",
                "report_build_ms"):
        print(f"  {key:28} {r[key]:8.1f} ms")
    print(f"  requests closed in the quarter {r['answers_in_quarter']}, ever {r['answers_all']}")
    print(f"  in the app: charts drawn {r['charts_drawn_s']:.2f} s after start (longest UI "
          f"block until then, the whole start-up's: {r['startup_loop_block_max_ms']:.1f} ms)")
    print(f"  reading and drawing them again: longest UI block {r['reload_loop_block_ms']:.1f} ms "
          f"(max {r['reload_loop_block_max_ms']:.1f}); drawing them (show, on the UI) "
          f"{r['show_ms']:.1f} ms (max {r['show_max_ms']:.1f}); the same app idle for 0.5 s: "
          f"{r['idle_loop_block_ms']:.1f} ms")
