"""One measured run in a fresh interpreter (called by the bench scripts, not by hand).

    _child.py startup bare|clerkdesk [DB]
        start the app headless (120x40) and print one JSON line at its first painted
        frame: {"rss_mib": peak RSS so far}; clerkdesk prints a second one at the first
        frame showing the triage queue; then exit at once. The parent times each line.
    _child.py tour DB
        start the app and go round it (tabs, meeting mode, full view, palette, help,
        forms, wizard, queue); print, per step, the longest the event loop was held.
    _child.py lists clerkdesk|datatable DB FILTER
        drive the app through Pilot: open the Requests tab, type FILTER a key at a time,
        clear it, jump to the end (to the frame showing the last rows, which the table's
        reader reads); print the milliseconds of each step and the peak RSS.
"""
from __future__ import annotations

import asyncio
import json
import os
import resource
import sys
import time

SIZE = (120, 40)


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _painted(app, *, exit: bool = True) -> None:
    """Report the next painted frame (after the refresh that follows what was just done):
    one JSON line; then, with *exit*, end the process at once."""
    def done():
        sys.stdout.write(json.dumps({"rss_mib": peak_mib()}) + "\n")
        sys.stdout.flush()
        if exit:
            os._exit(0)

    app.call_after_refresh(lambda: app.call_after_refresh(done))


def startup(mode: str, db: str | None = None) -> None:
    if mode == "bare":
        from textual.app import App
        from textual.widgets import Footer, Header, Static

        class Bare(App):
            def compose(self):
                yield Header()
                yield Static("Hello")
                yield Footer()

            def on_mount(self):
                _painted(self)

        Bare().run(headless=True, size=SIZE)
        return
    # clerkdesk exactly as `clerkdesk --db DB` starts it: `main()` imports the app, opens
    # the casebook and runs it (scheduling its automatic backup for after the first frame);
    # only `App.run` is wrapped, to run headless at 120x40 and report the first frame.
    # (Textual is imported here, before main(), as the bare app imports it.)
    from textual.app import App

    from clerkdesk.tui import __main__ as cli

    original_run = App.run

    def run(self, *args, **kwargs):
        from clerkdesk.screens.dashboard import DashboardPane

        cls = type(self)
        original_mount, original_fill = cls.on_mount, DashboardPane._fill

        def on_mount(app):
            original_mount(app)
            _painted(app, exit=False)

        def fill(pane, *a, **kw):  # the triage queue is on screen: report the next frame
            original_fill(pane, *a, **kw)
            _painted(pane.app)

        cls.on_mount, DashboardPane._fill = on_mount, fill
        return original_run(self, headless=True, size=SIZE)

    App.run = run
    cli.main(["--db", db])


class Frames:
    """When each frame was written (App._display), and when the data a step waits for was
    put in place ("applied": the pane showed its rows, or the baseline filled its table).

    A step's latency is from just before the key press to the first frame written after
    the last "applied" of that step that shows the list: what the clerk waits for. Pilot's
    own waiting (about 80 ms a key even for a bare Input) is not counted; Textual's frame
    pacing is."""

    def __init__(self, app) -> None:
        self.frames: list[float] = []
        self.applied: list[float] = []
        self.first: list[float] = []  # when the rows (before their count) were shown
        #: a frame counts only when this says the list is on screen (a tab switch's first
        #: frame may be painted before the new tab is laid out: it does not show the list)
        self.shows = lambda: True
        original = app._display

        def _display(screen, renderable):
            if self.shows():
                self.frames.append(time.perf_counter())
            return original(screen, renderable)

        app._display = _display

    def mark(self) -> None:
        self.applied.append(time.perf_counter())

    def latency_ms(self, t0: float, *, first: bool = False) -> float:
        marks = [t for t in (self.first if first else self.applied) if t >= t0]
        if first and marks:
            marks = marks[:1]
        after = marks[-1] if marks else t0
        painted = [t for t in self.frames if t >= after]
        if not painted:
            raise RuntimeError("no frame was painted after the change")
        return (painted[0] - t0) * 1000


class LoopWatch:
    """The longest the event loop went without running a 5 ms heartbeat, beyond those
    5 ms: the longest anything (a query, a frame, a pane being built) held the UI.

    With *cpu*, also the longest single callback of the loop in the UI thread's own CPU
    time (`cpu_worst_ms`): what the same block costs when the thread is not waiting for a
    core, which on a loaded machine the heartbeat's wall time cannot tell apart."""

    def __init__(self, *, cpu: bool = False) -> None:
        self.worst_ms = 0.0
        self.cpu_worst_ms = 0.0
        self.task = None
        if cpu:
            from asyncio import events

            original = events.Handle._run
            watch = self

            def _run(handle):
                t0 = time.thread_time()
                try:
                    return original(handle)
                finally:
                    watch.cpu_worst_ms = max(watch.cpu_worst_ms,
                                             (time.thread_time() - t0) * 1000)

            events.Handle._run = _run

    def start(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self._beat())

    async def _beat(self) -> None:
        while True:
            t0 = time.perf_counter()
            await asyncio.sleep(0.005)
            self.worst_ms = max(self.worst_ms, (time.perf_counter() - t0 - 0.005) * 1000)


async def lists(mode: str, db: str, text: str) -> dict:
    from clerkdesk.models.store import opening

    opening.open_database(db, backup=False)
    if mode == "clerkdesk":
        from clerkdesk.screens import register_pane
        from clerkdesk.tui.__main__ import pause_collector
        from clerkdesk.tui.app import ClerkDesk

        pause_collector()  # as `clerkdesk` does before it starts the app (it resumes it)

        app = ClerkDesk(db)
        for name in ("_show", "_counted"):
            original = getattr(register_pane.RegisterPane, name)

            def wrapped(self, *a, _original=original, _name=name, **kw):
                result = _original(self, *a, **kw)
                frames.mark()
                if _name == "_show":
                    frames.first.append(frames.applied[-1])
                return result

            setattr(register_pane.RegisterPane, name, wrapped)
        # rows the table's reader brings in (a jump to rows not read yet): "applied" when
        # a page with rows on screen is in place
        from clerkdesk.screens.widgets.virtual_table import VirtualTable

        original_hold = getattr(VirtualTable, "_hold", None)  # (None: rows read in place)

        def hold(table, page, rows, _original=original_hold):
            _original(table, page, rows)
            size, top = table.source.page_size, int(table.scroll_y)
            if page * size < top + table.size.height - 1 and page * size + len(rows) > top:
                frames.mark()

        if original_hold is not None:
            VirtualTable._hold = hold
    else:
        from baseline import FullTableApp

        app = FullTableApp()
        original_load = FullTableApp.load

        def load(self):
            original_load(self)
            frames.mark()
            frames.first.append(frames.applied[-1])

        FullTableApp.load = load
    frames = Frames(app)
    out: dict = {"filter_ms": [], "filter_count_ms": []}

    def table():
        return app.pane("requests").table if mode == "clerkdesk" else app.query_one(".register-table")

    def filter_input():
        return app.pane("requests").query_one(".filter") if mode == "clerkdesk" else app.query_one(".filter")

    def shows() -> bool:
        try:
            return table().is_on_screen
        except Exception:  # the tab is not built yet
            return False

    frames.shows = shows
    watch = LoopWatch()
    async with app.run_test(size=SIZE) as pilot:
        watch.start()  # from the app's first moment (start-up, the other tabs built, ...)

        async def step(*keys, both: bool = False):
            t0 = time.perf_counter()
            await pilot.press(*keys)
            await app.workers.wait_for_complete()
            await pilot.pause()
            await pilot.pause()
            if both:
                return frames.latency_ms(t0, first=True), frames.latency_ms(t0)
            return frames.latency_ms(t0)

        await app.workers.wait_for_complete()
        await pilot.pause()
        out["tab_open_ms"] = await step("4")
        out["rows"] = table().row_count
        await pilot.press("slash")
        await pilot.pause()
        for ch in text:
            rows_ms, count_ms = await step(ch, both=True)
            out["filter_ms"].append(rows_ms)
            out["filter_count_ms"].append(count_ms)
        out["filtered_rows"] = table().row_count
        filter_input().value = ""
        await app.workers.wait_for_complete()
        await pilot.pause()
        table().focus()
        await pilot.pause()
        # to the first frame after the last rows are in place (read by the table's reader;
        # the frame after the key if they were read already)
        out["jump_end_ms"] = await step("end")
        out["end_row"] = table().cursor_row
        out["peak_mib"] = peak_mib()
        out["loop_block_max_ms"] = watch.worst_ms
        watch.task.cancel()
    return out


#: the clerk's round of the app for `tour`: (label, keys), each step timed on its own
TOUR = [
    ("switch to each tab", ["2", "3", "4", "5", "6", "7", "1"]),
    ("meeting mode on and off", ["m", "m"]),
    ("open a request full size", ["4", "enter"]),
    ("close it", ["escape"]),
    ("search the palette", ["ctrl+p", *"langley"]),
    ("close the palette", ["escape"]),
    ("the keys (?)", ["question_mark"]),
    ("close them", ["escape"]),
    ("new request form", ["4", "n"]),
    ("leave the form", ["escape"]),
    ("edit a member", ["2", "e"]),
    ("leave the form", ["escape"]),
    ("the wizard on a complaint", ["6", "w"]),
    ("leave the wizard", ["escape"]),
    ("move through the queue", ["1", "j", "j", "k"]),
    ("open a case from the queue", ["enter"]),
]


async def tour(db: str) -> dict:
    """The app started as `clerkdesk` starts it (collector paused), then TOUR twice; for
    each step the longest the event loop was held (LoopWatch)."""
    from clerkdesk.models.store import opening
    from clerkdesk.tui.__main__ import pause_collector
    from clerkdesk.tui.app import ClerkDesk

    opening.open_database(db, backup=False)
    pause_collector()
    app = ClerkDesk(db)
    watch = LoopWatch(cpu=True)
    worst: dict[str, float] = {}
    cpu: dict[str, float] = {}
    async with app.run_test(size=SIZE) as pilot:
        watch.start()
        await pilot.pause(2.0)  # the queue shown, the other tabs built
        worst["start-up and building the tabs"] = watch.worst_ms
        cpu["start-up and building the tabs"] = watch.cpu_worst_ms
        for _round in range(2):
            for label, keys in TOUR:
                watch.worst_ms = watch.cpu_worst_ms = 0.0
                for key in keys:
                    await pilot.press(key)
                await app.workers.wait_for_complete()
                await pilot.pause(0.5)
                worst[label] = max(worst.get(label, 0.0), watch.worst_ms)
                cpu[label] = max(cpu.get(label, 0.0), watch.cpu_worst_ms)
        watch.task.cancel()
    return {"steps": worst, "cpu_steps": cpu, "peak_mib": peak_mib(),
            "load": os.getloadavg()[0]}


def main() -> None:
    what = sys.argv[1]
    if what in ("lists", "tour"):
        # no tab-underline animation in either app: it is cosmetic and would add its
        # duration to every tab switch of both
        os.environ["TEXTUAL_ANIMATIONS"] = "none"
    if what == "startup":
        startup(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None)
    elif what == "tour":
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        print(json.dumps(asyncio.run(tour(sys.argv[2]))))
        sys.stdout.flush()
        os._exit(0)
    elif what == "lists":
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        result = asyncio.run(lists(sys.argv[2], sys.argv[3], sys.argv[4]))
        print(json.dumps(result))
        sys.stdout.flush()
        os._exit(0)


if __name__ == "__main__":
    main()
