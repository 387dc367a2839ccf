"""The virtual table on a generated casebook of 5,000 cases, driven through Pilot; its
reader (pages read on a worker, never on the UI thread) with a source in memory whose
reads wait until the test lets them through."""
from __future__ import annotations

import asyncio
import shutil
import threading
import traceback
from contextlib import contextmanager
from pathlib import Path

import pytest
from rich.text import Text
from textual.app import App, ComposeResult

from helpers import settle as settle_pilot

from clerkdesk.fixtures.generate import generate
from clerkdesk.models.casework import case_lists, paging, records
from clerkdesk.models.core import db
from clerkdesk.models.store import opening
from clerkdesk.screens.widgets import pager_source
from clerkdesk.screens.widgets.pager_source import PagerSource
from clerkdesk.screens.widgets.virtual_table import ListSource, VirtualTable
from clerkdesk.tui.app import ClerkDesk

SIZE = (120, 40)


@pytest.fixture(scope="session")
def _five_thousand(tmp_path_factory):
    path = tmp_path_factory.mktemp("vt") / "case_lists.db"
    generate(path, cases=5000, years=5, seed=11)
    return path


@pytest.fixture
def big(tmp_path, _five_thousand):
    path = tmp_path / "case_lists.db"
    shutil.copyfile(_five_thousand, path)
    opening.open_database(path, backup=False)
    yield path
    db.close_database()


async def settle(app, pilot):
    await settle_pilot(pilot)


async def open_requests(app, pilot):
    await pilot.press("4")
    await settle(app, pilot)
    return app.pane("requests")


async def test_row_count_and_first_rows(big):
    expected = records.rows(case_lists.REQUESTS)
    app = ClerkDesk(big)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_requests(app, pilot)
        table = pane.table
        assert table.row_count == len(expected) > 3000
        assert table.get_row_at(0)[0] == pane.cells(expected[0])[0]
        assert pane.selected_id() == expected[0][0]
        assert "requests" in str(pane.query_one(".list-count").render())


async def test_cursor_keys_page_keys_and_jump_to_end(big):
    expected = records.rows(case_lists.REQUESTS)
    app = ClerkDesk(big)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_requests(app, pilot)
        table = pane.table
        await pilot.press("down", "down", "j")
        assert table.cursor_row == 3
        await pilot.press("k")
        assert table.cursor_row == 2 and pane.selected_id() == expected[2][0]
        await pilot.press("pagedown")
        assert table.cursor_row > 10
        await pilot.press("end")
        await pilot.pause()
        assert table.cursor_row == len(expected) - 1
        assert pane.selected_id() == expected[-1][0]
        assert table.scroll_y > 3000  # scrolled, rows drawn from the last page
        assert table.get_row_at(table.cursor_row)[0] == pane.cells(expected[-1])[0]
        await pilot.press("pageup")
        assert table.cursor_row < len(expected) - 10
        await pilot.press("home")
        assert table.cursor_row == 0 and table.scroll_y == 0


async def test_scrolling_reads_pages_on_demand(big):
    expected = records.rows(case_lists.REQUESTS)
    app = ClerkDesk(big)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_requests(app, pilot)
        table = pane.table
        pager = table.source.pager
        assert len(pager._pages) <= 2  # only the top was read
        reads = table.reader.reads
        table.scroll_to(y=2000, animate=False, immediate=True)
        await settle(app, pilot)
        assert len(pager._pages) <= 4
        # the page on screen, and the one a screen below it
        assert table.reader.reads - reads <= 2
        row = table.get_row_at(2000)
        assert row[0] == pane.cells(expected[2000])[0]


async def test_click_moves_the_cursor_and_a_second_click_opens(big):
    app = ClerkDesk(big)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_requests(app, pilot)
        table = pane.table
        await pilot.click(table, offset=(5, 4))  # header, then rows 0, 1, 2, 3
        assert table.cursor_row == 3
        await pilot.click(table, offset=(5, 4))
        await pilot.pause()
        assert app.screen.__class__.__name__ == "DetailScreen"


async def test_filter_runs_in_a_worker_and_the_last_keystroke_wins(big):
    app = ClerkDesk(big)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_requests(app, pilot)
        await pilot.press("slash", *"bus")
        await settle(app, pilot)
        expected = records.rows(case_lists.REQUESTS, "bus")
        assert pane.table.row_count == len(expected) > 0
        assert "matching" in str(pane.query_one(".list-count").render())
        # keystrokes faster than the queries: only the last one's result is shown
        for ch in " she":
            pane.query_one(".filter").value += ch
        await settle(app, pilot)
        expected = records.rows(case_lists.REQUESTS, "bus she")
        assert pane.table.row_count == len(expected)
        assert pane.filter_text == "bus she"
        assert pane.selected_id() == (expected[0][0] if expected else None)


async def test_a_stale_result_is_dropped(big):
    app = ClerkDesk(big)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_requests(app, pilot)
        count = pane.table.row_count
        from clerkdesk.models.casework import paging

        stale = paging.Pager(case_lists.REQUESTS, "zzzz")
        stale.head()
        pane._show(pane._generation - 1, stale, None, None)  # an older load finishing late
        assert pane.table.row_count == count


async def test_keep_follows_the_saved_row(big):
    app = ClerkDesk(big)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_requests(app, pilot)
        expected = records.rows(case_lists.REQUESTS)
        target = expected[1234][0]
        pane.load(keep=target)
        await settle(app, pilot)
        assert pane.selected_id() == target and pane.table.cursor_row == 1234


class _Small(App):
    def compose(self) -> ComposeResult:
        rows = [(i, (f"row {i}", "x" * (i % 7))) for i in range(100)]
        yield VirtualTable(["Name", ("Extra", 5)], source=ListSource(rows))


async def test_list_source_table_alone():
    app = _Small()
    async with app.run_test(size=(40, 12)) as pilot:
        table = app.query_one(VirtualTable)
        table.focus()
        seen = []
        app.on_virtual_table_row_selected = lambda m: seen.append(m.key)  # noqa: E731
        assert table.row_count == 100
        await pilot.press("end")
        assert table.cursor_key == 99 and table.get_row_index(99) == 99
        assert table.select_key(50) and table.cursor_row == 50
        with pytest.raises(KeyError):
            table.get_row_index(1000)
        assert table.column_widths[1] == 5


class _Styled(App):
    def compose(self) -> ComposeResult:
        badge = Text("OVERDUE !!", style="bold red")
        yield VirtualTable([("", 7), ("Subject", 12)], source=ListSource([
            ("a", (badge, "A subject far too long for its column")),
            ("b", (Text("NEW", style="cyan"), "Short")),
        ]))


async def test_styled_cells_keep_their_style_and_long_cells_end_in_an_ellipsis():
    app = _Styled()
    async with app.run_test(size=(40, 6)):
        table = app.query_one(VirtualTable)
        assert table.get_row_at(0) == ["OVERDUE !!", "A subject far too long for its column"]
        strip = table.render_line(1)  # the first row, under the header
        assert strip.text == " OVERDU…  A subject f…  ".ljust(40)
        red = [seg for seg in strip if seg.style and seg.style.color
               and seg.style.color.name == "red"]
        assert "".join(seg.text for seg in red) == "OVERDU…"
        assert table.render_line(2).text.startswith(" NEW      Short        ")


# --- the UI thread never runs the list's queries ---------------------------------------------

HERE = Path(__file__).resolve().parent


class UiThreadSql:
    """Every SQL statement SQLite runs on the UI (main) thread while `on`, with the
    clerkdesk functions it came from; a count of those run on other threads."""

    LIST_CODE = ("paging.py", "pager_source.py", "virtual_table.py")

    def __init__(self) -> None:
        self.on = False
        self.statements: list[tuple[str, list[str]]] = []
        self.elsewhere = 0

    def __call__(self, sql: str) -> None:
        if not self.on:
            return
        if threading.current_thread() is not threading.main_thread():
            self.elsewhere += 1
            return
        origin = [f"{Path(f.filename).name}:{f.name}" for f in traceback.extract_stack()
                  if "clerkdesk" in f.filename.replace("\\", "/") or
                  f.filename.startswith(str(HERE.parent))]
        origin = [o for o in origin if not o.startswith(Path(__file__).name)]
        self.statements.append((sql, origin))

    def from_the_list(self) -> list[tuple[str, list[str]]]:
        """The statements run by the list's code: its pages, counts and positions."""
        return [(sql, origin) for sql, origin in self.statements
                if any(o.split(":")[0] in self.LIST_CODE for o in origin)]


@pytest.fixture
def ui_sql(monkeypatch):
    """Records the SQL run on each thread, through a trace callback on every connection
    of the open database (the one open now and every one opened later)."""
    recorder = UiThreadSql()
    obj = db.database.obj
    initialize = obj._initialize_connection

    def traced(conn):
        initialize(conn)
        conn.set_trace_callback(recorder)

    monkeypatch.setattr(obj, "_initialize_connection", traced)
    if not obj.is_closed():
        obj.connection().set_trace_callback(recorder)
    return recorder


async def test_the_ui_thread_runs_no_list_query(big, ui_sql):
    """Open the list, scroll, jump to the end, move, look a row up, filter, open a row:
    every page, count and position is read on a worker."""
    expected = records.rows(case_lists.REQUESTS)
    matching = records.rows(case_lists.REQUESTS, "bus")
    app = ClerkDesk(big)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        ui_sql.on = True
        pane = await open_requests(app, pilot)
        table = pane.table
        assert table.get_row_at(0)[0] == pane.cells(expected[0])[0]
        table.scroll_to(y=2000, animate=False, immediate=True)
        await settle(app, pilot)
        assert table.get_row_at(2005)[0] == pane.cells(expected[2005])[0]
        await pilot.press("end")
        await settle(app, pilot)
        assert pane.selected_id() == expected[-1][0]
        await pilot.press("pageup", "up", "up")
        await settle(app, pilot)
        assert pane.selected_id() == expected[table.cursor_row][0]
        assert table.select_key(expected[1234][0])
        await settle(app, pilot)
        assert table.cursor_row == 1234 and pane.selected_id() == expected[1234][0]
        await pilot.press("slash", *"bus")
        await settle(app, pilot)
        assert table.row_count == len(matching)
        await pilot.press("enter", "end")  # back to the list, to its last row
        await settle(app, pilot)
        assert pane.selected_id() == matching[-1][0]
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen.__class__.__name__ == "DetailScreen"
        ui_sql.on = False
    assert ui_sql.elsewhere > 0  # they ran, on workers
    # (what the UI thread still reads is not the list's: the detail beside it, one record
    # by its id, the filter remembered for the tab, the tabs built in the background)
    assert ui_sql.from_the_list() == []


class _Paged(App):
    def compose(self) -> ComposeResult:
        yield VirtualTable(["Ref", "Kind", "Subject"])

    def on_virtual_table_row_selected(self, message) -> None:
        self.selected = message.key


async def test_the_table_alone_runs_no_query_on_the_ui_thread(big, ui_sql):
    """A table over the Requests pager, given it once a worker would have started it:
    scrolling, jumping, looking up, a new filter and choosing a row run no SQL on the UI
    thread at all."""
    expected = records.rows(case_lists.REQUESTS)
    matching = records.rows(case_lists.REQUESTS, "shelter")

    def cells(raw):
        return records.display_row(case_lists.REQUESTS, raw)

    def started(text=""):  # as the pane's load worker leaves a pager (here on this thread)
        pager = paging.Pager(case_lists.REQUESTS, text)
        pager.head()
        pager.count()
        return pager

    first, second = started(), started("shelter")
    app = _Paged()
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(VirtualTable)
        table.focus()
        ui_sql.on = True
        table.set_source(PagerSource(first, cells), cursor=0)
        for y in (500, 1500, 2500):
            table.scroll_to(y=y, animate=False, immediate=True)
            await pilot.pause()
        await pilot.press("end", "pageup", "pagedown", "home")
        await settle(app, pilot)
        assert table.select_key(expected[3000][0])
        await settle(app, pilot)
        assert table.cursor_key == expected[3000][0]
        table.set_source(PagerSource(second, cells), cursor=0)
        await pilot.press("end")
        await settle(app, pilot)
        assert table.cursor_key == matching[-1][0]
        await pilot.press("enter")
        await pilot.pause()
        assert app.selected == matching[-1][0]
        ui_sql.on = False
    assert ui_sql.statements == []
    assert ui_sql.elsewhere > 0


async def test_end_shows_placeholders_then_the_last_rows(big):
    expected = records.rows(case_lists.REQUESTS)
    app = ClerkDesk(big)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_requests(app, pilot)
        table = pane.table
        gate = Gate(monkeypatch=None)
        with gate.holding(PagerSource):
            await pilot.press("end")
            assert table.cursor_row == len(expected) - 1  # the cursor is there at once
            assert not table.is_read(table.cursor_row)
            line = table.render_line(table.cursor_row - int(table.scroll_y) + 1)
            assert line.text.startswith(" " + VirtualTable.PENDING)
            assert pane.selected_id() is None
        await settle(app, pilot)
        assert table.get_row_at(table.cursor_row) == list(pane.cells(expected[-1]))
        assert pane.selected_id() == expected[-1][0]  # the detail follows the row


async def test_a_filter_while_a_page_is_read_shows_no_stale_row(big):
    """The last page of the whole list is being read when a filter is typed: the page
    arrives after the filtered rows are shown and is dropped."""
    matching = records.rows(case_lists.REQUESTS, "bus")
    app = ClerkDesk(big)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_requests(app, pilot)
        table = pane.table
        gate = Gate()
        with gate.holding(PagerSource):
            await pilot.press("end")
            await gate.entered()  # the reader is in the middle of it
            old = table.source
            await pilot.press("slash", *"bus")
            for _ in range(200):  # the filter's rows are shown while the read still waits
                if table.source is not old:
                    break
                await asyncio.sleep(0.01)
            assert table.source is not old and table.row_count == len(matching)
        await settle(app, pilot)
        assert gate.finished == 1  # the old read went through (to be dropped)
        refs = {pane.cells(r)[0] for r in matching}
        top = int(table.scroll_y)
        shown = [table.get_row_at(i)[0] for i in range(top, min(top + 30, table.row_count))]
        assert shown and set(shown) <= refs
        assert pane.selected_id() == matching[0][0]


class Gate:
    """Holds the reads of a source class until the test opens it (a read in flight)."""

    def __init__(self, monkeypatch=None) -> None:
        self.open = threading.Event()
        self._entered = threading.Event()
        self.finished = 0

    @contextmanager
    def holding(self, cls):
        original = cls.read_page

        def read_page(source, page):
            self._entered.set()
            self.open.wait(10)
            try:
                return original(source, page)
            finally:
                self.finished += 1

        cls.read_page = read_page
        try:
            yield self
        finally:
            self.open.set()
            cls.read_page = original

    async def entered(self) -> None:
        for _ in range(500):
            if self._entered.is_set():
                return
            await asyncio.sleep(0.01)
        raise AssertionError("the reader never started a read")


# --- the reader, on a source in memory ----------------------------------------------------


class Stopped(Exception):
    """A read stopped by the reader's interrupt."""


class SlowSource:
    """A paged source of *n* rows in memory (page 0 held) whose reads wait at `gate`.

    Keys are "<name><index>"; `reads` lists the pages read, `stops` the reads stopped."""

    paged = True

    def __init__(self, n: int, name: str = "a", *, page_size: int = 100,
                 interruptible: bool = True, counted: bool = True) -> None:
        self.n, self.name, self.page_size = n, name, page_size
        self.interruptible = interruptible
        self.counted = counted
        self.gate = threading.Event()
        self.gate.set()
        self.reads: list[int] = []
        self.stops = 0
        self._stop = threading.Event()
        self._pages: dict[int, list] = {}
        self.put_page(0, self.read_rows(0))

    def read_rows(self, page: int) -> list:
        lo = page * self.page_size
        return [(f"{self.name}{i}", (f"{self.name} row {i}",))
                for i in range(lo, min(self.n, lo + self.page_size))]

    @property
    def row_count(self) -> int:
        return self.n if self.counted else min(self.n, 2 * self.page_size)

    def has_page(self, page):
        return page in self._pages

    def put_page(self, page, rows):
        self._pages[page] = rows

    def row(self, index):
        rows = self._pages.get(index // self.page_size)
        if rows is None or index % self.page_size >= len(rows):
            return None
        return rows[index % self.page_size]

    def index_of(self, key):
        for rows in self._pages.values():
            for i, (k, _cells) in enumerate(rows):
                if k == key:
                    return int(k[len(self.name):])
        return None

    @contextmanager
    def reading(self):
        yield self._stop.set if self.interruptible else None

    def _wait(self) -> None:
        for _ in range(1000):  # (as an interrupt stops a query running on a connection)
            opened = self.gate.wait(0.01)
            if self._stop.is_set():
                self._stop.clear()
                self.stops += 1
                raise Stopped()
            if opened:
                return

    def read_page(self, page):
        self.reads.append(page)
        self._wait()
        return self.read_rows(page)

    def locate(self, key):
        self._wait()
        index = int(key[len(self.name):])
        return index if 0 <= index < self.n else None

    @staticmethod
    def interrupted(exc):
        return isinstance(exc, Stopped)


class _Reading(App):
    def __init__(self, source) -> None:
        super().__init__()
        self.source = source
        self.highlighted: list = []

    def compose(self) -> ComposeResult:
        yield VirtualTable(["Row"], source=self.source)

    def on_mount(self) -> None:
        self.query_one(VirtualTable).focus()

    def on_virtual_table_row_highlighted(self, message) -> None:
        self.highlighted.append(message.key)


async def test_cursor_keys_keep_working_while_a_page_is_read():
    source = SlowSource(50_000)
    app = _Reading(source)
    async with app.run_test(size=(40, 20)) as pilot:
        table = app.query_one(VirtualTable)
        source.gate.clear()
        try:
            await pilot.press("end")
            assert table.cursor_row == 49_999 and table.reader.busy
            await pilot.press("up", "up", "k")
            assert table.cursor_row == 49_996
            await pilot.press("pageup")
            assert table.cursor_row < 49_990 and table.cursor_key is None
            assert "a49999" not in app.highlighted  # no highlight without its row
        finally:
            source.gate.set()
        await settle(app, pilot)
        assert table.cursor_key == f"a{table.cursor_row}"
        assert app.highlighted[-1] == table.cursor_key  # highlighted when it arrived
        assert not table.reader.busy


async def test_scrolling_fast_reads_only_the_pages_on_screen_when_the_reader_is_free():
    source = SlowSource(50_000)
    app = _Reading(source)
    async with app.run_test(size=(40, 20)) as pilot:
        table = app.query_one(VirtualTable)
        source.gate.clear()
        try:
            for y in range(1000, 49_001, 1000):  # 48 screens, 480 pages passed over
                table.scroll_to(y=y, animate=False, immediate=True)
                await pilot.pause()
        finally:
            source.gate.set()
        await settle(app, pilot)
        # the page wanted first (in flight when the scrolling went on), then those on
        # screen at the end and a screen either side of it
        assert source.reads[0] == 10
        assert set(source.reads[1:]) <= {489, 490, 491} and len(source.reads) <= 4
        assert table.get_row_at(49_005) == ["a row 49005"]


@pytest.mark.parametrize("interruptible", [True, False], ids=["interrupted", "dropped"])
async def test_a_new_source_drops_the_old_ones_read(interruptible):
    old = SlowSource(50_000, "a", interruptible=interruptible)
    new = SlowSource(5_000, "b")
    app = _Reading(old)
    async with app.run_test(size=(40, 20)) as pilot:
        table = app.query_one(VirtualTable)
        old.gate.clear()
        try:
            table.scroll_to(y=3000, animate=False, immediate=True)
            for _ in range(500):
                if old.reads:
                    break
                await asyncio.sleep(0.01)
            table.set_source(new)  # a filter typed meanwhile
            # nothing of the old source's shown meanwhile: the new one's rows, once read
            waiting = [table.get_key_at(i) for i in range(3000, 3005)]
        finally:
            old.gate.set()
        await settle(app, pilot)
        assert old.reads == [30]
        assert old.stops == (1 if interruptible else 0)
        assert [table.get_row_at(i)[0] for i in range(3000, 3005)] == \
            [f"b row {i}" for i in range(3000, 3005)]
        assert all(key is None or key.startswith("b") for key in waiting)
        assert 30 in new.reads  # read again, for the new source


async def test_select_key_moves_to_a_row_not_read_yet_unless_the_cursor_moved():
    source = SlowSource(50_000)
    app = _Reading(source)
    async with app.run_test(size=(40, 20)) as pilot:
        table = app.query_one(VirtualTable)
        assert table.select_key("a31234")
        await settle(app, pilot)
        assert table.cursor_row == 31_234 and table.cursor_key == "a31234"
        source.gate.clear()
        try:
            assert table.select_key("a40000")
            await pilot.press("down")  # the clerk moved on before it was found
        finally:
            source.gate.set()
        await settle(app, pilot)
        assert table.cursor_row == 31_235
        assert table.select_key("a99999")  # not in the list: the cursor stays
        await settle(app, pilot)
        assert table.cursor_row == 31_235


async def test_the_next_frame_waits_briefly_for_rows_on_screen():
    """A read of rows on screen holds the next frame (no frame of placeholders before a
    quick read's rows) until they arrive, or until the hold runs out; then not again
    until the screen is complete."""
    source = SlowSource(50_000)
    app = _Reading(source)
    async with app.run_test(size=(40, 20)) as pilot:
        table = app.query_one(VirtualTable)
        table.HOLD_PAINT_S = 30.0  # longer than any read here
        source.gate.clear()
        try:
            await pilot.press("end")
            assert table._paint_hold is not None
        finally:
            source.gate.set()
        await settle(app, pilot)
        assert table._paint_hold is None and table.cursor_key == "a49999"

        table.HOLD_PAINT_S = 0.001  # a read slower than the hold
        source.gate.clear()
        try:
            await pilot.press("home")
            await pilot.press("end")  # (page 499 is held: nothing to wait for)
            table.scroll_to(y=20_000, animate=False, immediate=True)
            await pilot.pause(0.1)
            assert table._paint_hold is None and not table.is_read(20_000)  # ran out
            table.scroll_to(y=20_001, animate=False, immediate=True)
            assert table._paint_hold is None  # and is not taken again meanwhile
            assert table.render_line(1).text.startswith(" " + VirtualTable.PENDING)
        finally:
            source.gate.set()
        await settle(app, pilot)
        assert table.get_row_at(20_001) == ["a row 20001"]


async def test_a_first_source_being_read_holds_the_frame_until_it_is_set():
    app = _Reading(None)
    async with app.run_test(size=(40, 20)) as pilot:
        table = app.query_one(VirtualTable)
        table.HOLD_PAINT_S = 30.0
        table.expect_source()  # a pane's worker reads the first rows: no empty frame first
        assert table._paint_hold is not None
        table.set_source(SlowSource(500))
        assert table._paint_hold is None
        table.expect_source()  # later sources replace rows already shown: no waiting
        assert table._paint_hold is None
        await pilot.pause()
        assert table.get_row_at(3) == ["a row 3"]


async def test_end_before_the_count_follows_the_count():
    source = SlowSource(50_000, counted=False)
    app = _Reading(source)
    async with app.run_test(size=(40, 20)) as pilot:
        table = app.query_one(VirtualTable)
        await pilot.press("end")
        assert table.cursor_row == 199  # as far as the rows known so far
        source.counted = True  # the pane's worker has counted them
        table.rows_changed()
        await settle(app, pilot)
        assert table.cursor_row == 49_999 and table.cursor_key == "a49999"


def test_pager_source_answers_from_the_pages_it_holds(big):
    pager = paging.Pager(case_lists.REQUESTS, page_size=50)
    pager.head()  # pages 0 and 1, not counted
    source = PagerSource(pager, lambda raw: (str(raw[0]),))
    assert source.row_count == 100 and source.has_page(1) and not source.has_page(2)
    assert source.row(99) is not None and source.row(100) is None
    far = source.read_page(40)  # (on the reader's thread in the app)
    source.put_page(40, far)
    assert source.row_count == 40 * 50 + len(far)  # as far as read, before the count
    assert source.row(2000) == (far[0][0], (str(far[0][0]),))
    assert source.index_of(far[3][0]) == 2003 and source.index_of(-1) is None
    assert source.locate(far[3][0]) == 2003
    pager.count()
    assert source.row_count == pager.counted
    for p in range(100):
        source.put_page(100 + p, [])
    assert not source.has_page(0)  # the least recently read pages are let go
    assert pager_source.PagerSource.paged
