"""A table that renders only the rows on screen: the line API (`render_line`) over a
data source that is asked for one row at a time, so a list of 50,000 cases costs what
its 30 visible rows cost. Modelled on Toolong's log view and its line reader.

The source (see `TableSource`) knows how many rows there are and gives row *i* as
`(key, cells)`. A source in memory (`ListSource`: the Dashboard's queue) answers at once.
A paged source (`PagedSource`: a register's rows from SQLite, see pager_source.py) holds
only the pages read so far: a row it does not hold is drawn as a placeholder, and the
table's `RowReader` reads its page on a thread worker, then the table draws it. The UI
thread never waits on a query: what is on screen when the reader gets to it is read (a
page at a time, the pages passed over while scrolling fast are not), and a page read for
an older source (a filter since) is dropped when it arrives. While rows on screen (or a
table's first source) are being read, the app's next frame waits for them a moment
(`HOLD_PAINT_S`; the event loop runs on), so a quick read never paints a frame of
placeholders, or of an empty list, before its rows.
A cell is a string, or a Rich `Text` when it has styles of its own (the queue's badges).

The table keeps a row cursor, takes the keys of a list (up/down, j/k, page up/down,
home/end, enter) and the mouse (click, wheel), draws a fixed header row, zebra stripes
and the cursor row through component classes (styled in screens.tcss), and posts
`RowHighlighted` and `RowSelected` like a DataTable does. The cursor moves to rows not
read yet (end, page down, `select_key`); `RowHighlighted` for such a row is posted when
it arrives.
"""
from __future__ import annotations

import threading
from contextlib import AbstractContextManager
from functools import partial
from typing import Callable, Protocol

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events, on
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.worker import Worker, WorkerState, get_current_worker


class TableSource(Protocol):
    """What a VirtualTable reads its rows from."""

    @property
    def row_count(self) -> int: ...

    def row(self, index: int) -> tuple[object, tuple[str, ...]] | None:
        """(key, cells) of row *index*, or None beyond the end (or, for a paged source,
        not read yet). Never a query."""

    def index_of(self, key) -> int | None:
        """The position of the row with *key*, or None when it is not in the list (for a
        paged source: not among the rows read so far)."""


class PagedSource(TableSource, Protocol):
    """A source whose rows are read a page at a time by the table's reader.

    `row_count`, `row`, `index_of`, `has_page` and `put_page` run on the UI thread and
    answer from the pages held; `reading`, `read_page`, `locate` and `interrupted` run on
    the reader's thread, where `read_page` and `locate` may query."""

    paged: bool  # True
    page_size: int

    def has_page(self, page: int) -> bool: ...

    def put_page(self, page: int, rows: list) -> None: ...

    def reading(self) -> AbstractContextManager[Callable[[], None] | None]:
        """Held by the reader's thread while it reads; gives what interrupts a read in
        progress (from another thread), or None."""

    def read_page(self, page: int) -> list: ...

    def locate(self, key) -> int | None: ...

    def interrupted(self, exc: Exception) -> bool:
        """Is *exc* a read stopped by that interrupt?"""


def is_paged(source) -> bool:
    return bool(getattr(source, "paged", False))


class ListSource:
    """A source over a plain list of (key, cells): for small lists and tests."""

    def __init__(self, rows: list[tuple[object, tuple[str, ...]]]) -> None:
        self.rows = rows

    @property
    def row_count(self) -> int:
        return len(self.rows)

    def row(self, index: int):
        return self.rows[index] if 0 <= index < len(self.rows) else None

    def index_of(self, key):
        for i, (k, _cells) in enumerate(self.rows):
            if k == key:
                return i
        return None


class _PageRead(Message, bubble=False):
    """The reader has read a page (for the source of *generation*)."""

    def __init__(self, generation: int, page: int, rows: list) -> None:
        super().__init__()
        self.generation = generation
        self.page = page
        self.rows = rows


class _KeyFound(Message, bubble=False):
    """The reader has found where the row asked for by `select_key` is (None: nowhere)."""

    def __init__(self, generation: int, token: int, index: int | None, page: int | None,
                 rows: list | None) -> None:
        super().__init__()
        self.generation = generation
        self.token = token
        self.index = index
        self.page = page
        self.rows = rows


class RowReader:
    """Reads a paged source's pages for one table on a thread worker, one read at a time.

    The table says which pages it wants now (`want`, on every scroll, cursor move and
    draw of a missing row): the list replaces the last one, so the worker, which takes
    the first page still wanted each time it is free, never reads a page the table has
    scrolled past. At most one worker runs per table, inside the source's `reading()`
    context (for a Pager: a connection of its own) for as long as there is something to
    read; it ends when there is nothing. Results go back as messages carrying the
    source's generation; the table drops a stale one, and a read still running for an
    older source when a new one is shown is interrupted.
    """

    def __init__(self, table: VirtualTable) -> None:
        self.table = table
        self._lock = threading.Lock()
        self._generation = 0
        self._source = None
        self._wanted: list[int] = []
        self._taken: set[int] = set()  # read (or being read), not yet held by the table
        self._find: tuple[object, int] | None = None  # (key, cursor token)
        self._running = False
        self._worker: Worker | None = None
        self._stop = None  # interrupts the worker's query in progress
        self._reading: int | None = None  # the generation of the read in progress
        #: pages read and positions looked up, all told (the tests count work with them)
        self.reads = 0
        self.finds = 0

    def reset(self, generation: int, source) -> None:
        """A new source: forget what was wanted for the old one (its reads are dropped)."""
        with self._lock:
            self._generation = generation
            self._source = source
            self._wanted = []
            self._taken = set()
            self._find = None
            stop = self._stop if self._reading not in (None, generation) else None
        if stop is not None:  # a page of an older source is being read: stop it
            try:
                stop()
            except Exception:  # it has finished in the meantime
                pass

    def want(self, pages: list[int]) -> None:
        """Read these pages (most wanted first) and no others still waiting."""
        with self._lock:
            pages = [p for p in pages if p not in self._taken]
            if pages == self._wanted:
                return
            self._wanted = pages
        self._start()

    def find(self, key, token: int) -> None:
        """Look up where the row with *key* is (the last one asked for wins)."""
        with self._lock:
            self._find = (key, token)
        self._start()

    def held(self, generation: int, page: int) -> None:
        """The table now holds *page*: a later want of it reads it again."""
        with self._lock:
            if generation == self._generation:
                self._taken.discard(page)

    @property
    def busy(self) -> bool:
        """Is a worker reading (or about to)?"""
        with self._lock:
            return self._running

    def _start(self) -> None:
        with self._lock:
            if not self._wanted and self._find is None:
                return
            if self._running and not (self._worker is not None and self._worker.state in (
                    WorkerState.CANCELLED, WorkerState.ERROR, WorkerState.SUCCESS)):
                return  # the worker takes the new wants when it is free
            self._running = True
            source = self._source
        self._worker = self.table.run_worker(partial(self._run, source), name="rows",
                                             group="virtual-table-rows", thread=True)

    def _take(self):
        """The next job, under the lock: a look-up first, then the first page wanted."""
        if self._find is not None:
            (key, token), self._find = self._find, None
            return ("find", self._generation, self._source, key, token)
        if self._wanted:
            page = self._wanted.pop(0)
            self._taken.add(page)
            return ("page", self._generation, self._source, page, None)
        return None

    def _run(self, source) -> None:
        worker = get_current_worker()
        try:
            with source.reading() as stop:
                while True:
                    with self._lock:
                        job = None if worker.is_cancelled else self._take()
                        if job is None:  # nothing to read: a later want starts a worker
                            self._running = False
                            self._stop = None
                            return
                        self._stop, self._reading = stop, job[1]
                    try:
                        self._do(*job)
                    finally:
                        with self._lock:
                            self._reading = None
        except BaseException:
            with self._lock:  # (no other worker can have started: this one still runs)
                self._running = False
                self._stop = None
            raise

    def _do(self, what: str, generation: int, source, arg, token) -> None:
        table = self.table
        try:
            if what == "page":
                self.reads += 1
                rows = source.read_page(arg)
                table.post_message(_PageRead(generation, arg, rows))
            else:
                self.finds += 1
                index = source.locate(arg)
                page = rows = None
                if index is not None:
                    page = index // source.page_size
                    self.reads += 1
                    rows = source.read_page(page)
                table.post_message(_KeyFound(generation, token, index, page, rows))
        except Exception as exc:
            if not source.interrupted(exc):
                raise
            # stopped because a newer source was shown (or, on PostgreSQL, a cancel meant
            # for the read before this one): a read still wanted is taken again
            with self._lock:
                if generation == self._generation:
                    if what == "page":
                        self._taken.discard(arg)
                        self._wanted.insert(0, arg)
                    elif self._find is None:
                        self._find = (arg, token)


class VirtualTable(ScrollView, can_focus=True):
    """A row-cursor table over a `TableSource`, rendering only what is visible."""

    DEFAULT_CSS = """
    VirtualTable > .virtual-table--pending {
        color: $text-muted;
    }
    """

    BINDINGS = [
        Binding("enter", "select_cursor", "Open"),
        Binding("up,k", "cursor_up", "Up", show=False),
        Binding("down,j", "cursor_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Last", show=False),
    ]

    COMPONENT_CLASSES = {
        "virtual-table--header",
        "virtual-table--cursor",
        "virtual-table--even-row",
        "virtual-table--odd-row",
        "virtual-table--pending",
        "virtual-table--marked",
    }

    #: what a marked row shows in the space before its first column (screens/marks.py)
    MARK_GLYPH = "●"

    #: what a row not read yet shows in its first column
    PENDING = "…"
    #: the longest the screen's next frame waits for rows on screen being read (the event
    #: loop runs on meanwhile): a quick read shows the rows in the next frame, never a
    #: frame of placeholders before them; a slow one shows the placeholders after this
    HOLD_PAINT_S = 0.05

    class _RowMessage(Message):
        def __init__(self, table: VirtualTable, cursor_row: int, key) -> None:
            super().__init__()
            self.table = table
            self.cursor_row = cursor_row
            self.key = key

        @property
        def control(self) -> VirtualTable:
            return self.table

    class RowHighlighted(_RowMessage):
        """The cursor moved to another row (or the rows under it changed). For a row not
        read yet, posted when it has been read. *key* is None only in an empty table."""

    class RowSelected(_RowMessage):
        """Enter (or a click on the cursor row) chose a row."""

    cursor_row: reactive[int] = reactive(0, always_update=True, repaint=False, init=False)

    def __init__(self, columns: list[str | tuple[str, int]] | None = None, *,
                 source: TableSource | None = None, zebra_stripes: bool = True,
                 name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.zebra_stripes = zebra_stripes
        self._labels: list[str] = []
        self._fixed: list[int | None] = []
        self._widths: list[int] = []
        self.source: TableSource = source or ListSource([])
        self._cells: dict[int, tuple] = {}
        self._generation = 0  # the source's number: a page read for an older one is dropped
        self.reader = RowReader(self)
        self.reader.reset(self._generation, self.source)
        self._cursor_token = 0  # each cursor move's number: a late select_key yields to it
        self._highlight_pending = False  # the cursor row is being read: highlight it then
        self._at_end = False  # `end` was pressed: stay at the end as more rows are counted
        self._request_queued = False  # a draw found a row missing and asks for it next
        self._paint_hold = None  # the app's batch update while rows on screen are read
        self._paint_timer = None
        self._hold_spent = False  # a hold ran out: no other until the screen is complete
        self._expecting = False  # the first source is being read: the frame waits for it
        #: the keys of the rows marked (a set the owner keeps: screens/marks.py), or None
        self.marks: set | None = None
        if columns:
            self.set_columns(columns)

    # --- columns and source ----------------------------------------------------------------

    def set_columns(self, columns: list[str | tuple[str, int]]) -> None:
        """Column labels, each optionally with a fixed width ("Ref", ("Due", 10))."""
        self._labels = [c if isinstance(c, str) else c[0] for c in columns]
        self._fixed = [None if isinstance(c, str) else c[1] for c in columns]
        self._widths = [w or cell_len(label) for label, w in zip(self._labels, self._fixed)]
        self._update_virtual_size()

    @property
    def columns(self) -> list[str]:
        return list(self._labels)

    @property
    def column_widths(self) -> list[int]:
        return list(self._widths)

    def set_source(self, source: TableSource, *, cursor: int | None = None,
                   fit: bool = True) -> None:
        """Show *source*'s rows, keeping the cursor at *cursor* (or where it was, clamped).

        A page still being read for the source shown before is dropped when it arrives."""
        self.source = source
        self._generation += 1
        self.reader.reset(self._generation, source)
        self._cells.clear()
        self._at_end = False
        if fit:
            self._fit_columns()
        self._update_virtual_size()
        target = self.cursor_row if cursor is None else cursor
        self._expecting = False
        self.move_cursor(row=target, animate=False, scroll=cursor is not None)
        if not is_paged(source):
            self._hold_paint(False)
        self.refresh()

    def expect_source(self) -> None:
        """The caller's worker is reading this table's first source: rather than a frame of
        an empty table before the rows, the next frame waits for `set_source` (at most
        HOLD_PAINT_S; the event loop runs on). Later sources replace rows already shown,
        so nothing waits for them."""
        if self._generation == 0 and not self._expecting and not self._hold_spent:
            self._expecting = True
            self._begin_hold()

    def rows_changed(self) -> None:
        """The source has more (or fewer) rows than before: resize, keep the cursor (at
        the end, if `end` took it there before the rows were all counted)."""
        self._update_virtual_size()
        if self._at_end and self.cursor_row != self.row_count - 1:
            self.move_cursor(row=self.row_count - 1)
            self._at_end = True
        elif self.cursor_row >= self.row_count:
            self.move_cursor(row=self.row_count - 1)
        self._request_rows()
        self.refresh()

    def refresh_rows(self) -> None:
        """Forget the cells drawn so far (e.g. meeting mode changed) and draw again."""
        self._cells.clear()
        self.refresh()

    def _fit_columns(self) -> None:
        """Widths that fit the header and the rows near the top (like a DataTable's auto
        widths over what it holds; a virtual list measures only what it has read)."""
        widths = [cell_len(label) for label in self._labels]
        top = int(self.scroll_y)
        for i in range(top, min(self.row_count, top + max(self.size.height, 40))):
            got = self._row(i)
            if got is None:
                break
            for c, cell in enumerate(got[1][: len(widths)]):
                widths[c] = max(widths[c], cell.cell_len if isinstance(cell, Text)
                                else cell_len(str(cell)))
        self._widths = [f or w for w, f in zip(widths, self._fixed)]

    def _update_virtual_size(self) -> None:
        width = sum(w + 2 for w in self._widths)
        self.virtual_size = Size(width, self.row_count + 1)

    # --- the DataTable-like API -------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return self.source.row_count

    def _row(self, index: int):
        got = self._cells.get(index)
        if got is None:
            got = self.source.row(index)
            if got is not None:
                if len(self._cells) > 2000:
                    self._cells.clear()
                self._cells[index] = got
        return got

    def is_read(self, index: int) -> bool:
        """Is row *index* in memory (always, for a source in memory)?"""
        return self._row(index) is not None

    def get_row_at(self, index: int) -> list[str]:
        """The cells of row *index* as shown (as plain text); IndexError beyond the end
        or while the row is still being read."""
        got = self._row(index)
        if got is None:
            raise IndexError(f"no row {index}" if index >= self.row_count
                             else f"row {index} is not read yet")
        return [cell.plain if isinstance(cell, Text) else cell for cell in got[1]]

    def get_key_at(self, index: int):
        """The key of row *index*; None beyond the end or while it is being read."""
        got = self._row(index)
        return None if got is None else got[0]

    @property
    def cursor_key(self):
        """The key of the row under the cursor, or None for an empty table (or while the
        row under the cursor is being read: RowHighlighted follows when it is)."""
        if not self.row_count:
            return None
        return self.get_key_at(self.cursor_row)

    def get_row_index(self, key) -> int:
        """The position of the row with *key* (among the rows read, for a paged source);
        KeyError when it is not there."""
        index = self.source.index_of(key)
        if index is None:
            raise KeyError(key)
        return index

    def select_key(self, key) -> bool:
        """Move the cursor to the row with *key*. A row the table holds: at once. Else, for
        a paged source, the reader looks it up and the cursor moves when it is found,
        unless the cursor has been moved since (True: asked). False when it is not there."""
        index = self.source.index_of(key)
        if index is not None:
            self.move_cursor(row=index)
            return True
        if not is_paged(self.source):
            return False
        self.reader.find(key, self._cursor_token)
        return True

    def move_cursor(self, *, row: int | None = None, animate: bool = False,
                    scroll: bool = True) -> None:
        if row is None:
            return
        count = self.row_count
        row = max(0, min(row, count - 1)) if count else 0
        old = self.cursor_row
        self._cursor_token += 1
        self._at_end = False
        self.cursor_row = row
        if scroll:
            self.scroll_to_row(row, animate=animate)
        self._refresh_row(old)
        self._refresh_row(row)
        self._request_rows()

    def scroll_to_row(self, row: int, *, animate: bool = False) -> None:
        """Scroll the least that shows *row* below the header."""
        visible = max(1, self.scrollable_content_region.height - 1)
        top = int(self.scroll_y)
        if row < top:
            top = row
        elif row >= top + visible:
            top = row - visible + 1
        if top != int(self.scroll_y):
            self.scroll_to(y=top, animate=animate, immediate=True)

    def watch_cursor_row(self, old: int, new: int) -> None:
        key = self.cursor_key
        # a row still being read is highlighted when it arrives (the detail beside the
        # list then goes from one row to the next, never through "nothing")
        self._highlight_pending = key is None and new < self.row_count
        if not self._highlight_pending:
            self.post_message(self.RowHighlighted(self, new, key))

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._request_rows()

    def _refresh_row(self, row: int) -> None:
        y = row - int(self.scroll_y) + 1
        if 1 <= y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    # --- reading pages ------------------------------------------------------------------------

    def _request_rows(self) -> None:
        """Tell the reader the pages wanted now: those on screen, the cursor's, then those
        a screen above and below (so paging through rarely shows a placeholder)."""
        self._request_queued = False
        source = self.source
        if not is_paged(source):
            return
        count = self.row_count
        size = source.page_size
        pages: list[int] = []
        on_screen = 0
        if count:
            height = max(1, self.scrollable_content_region.height - 1)
            first = min(int(self.scroll_y), count - 1)
            last = min(count, first + height) - 1
            pages = list(range(first // size, last // size + 1))
            on_screen = len(pages)
            for p in (min(self.cursor_row, count - 1) // size,
                      min(count - 1, last + height) // size, max(0, first - height) // size):
                if p not in pages:
                    pages.append(p)
        missing = [p for p in pages if not source.has_page(p)]
        self.reader.want(missing)
        self._hold_paint(any(p in missing for p in pages[:on_screen]))

    def _hold_paint(self, waiting: bool) -> None:
        """Hold the app's next frame while rows on screen are being read (at most
        HOLD_PAINT_S), and let it go when they are in."""
        if not waiting:
            if not self._expecting:
                self._hold_spent = False
                self._release_paint()
            return
        if not self._hold_spent and self.is_on_screen:
            self._begin_hold()

    def _begin_hold(self) -> None:
        if self._paint_hold is not None:
            return
        hold = self.app.batch_update()
        hold.__enter__()
        self._paint_hold = hold
        self._paint_timer = self.set_timer(self.HOLD_PAINT_S, self._paint_hold_ran_out)

    def _paint_hold_ran_out(self) -> None:
        self._hold_spent = True
        self._expecting = False
        self._release_paint()

    def _release_paint(self) -> None:
        hold, self._paint_hold = self._paint_hold, None
        timer, self._paint_timer = self._paint_timer, None
        if timer is not None:
            timer.stop()
        if hold is not None:
            hold.__exit__(None, None, None)

    def on_unmount(self) -> None:
        self._release_paint()

    @on(_PageRead)
    def _page_read(self, message: _PageRead) -> None:
        message.stop()
        if message.generation != self._generation:
            return  # read for a source no longer shown
        self._hold(message.page, message.rows)

    @on(_KeyFound)
    def _key_found(self, message: _KeyFound) -> None:
        message.stop()
        if message.generation != self._generation:
            return
        if message.rows is not None:
            self._hold(message.page, message.rows)
        if message.index is not None and message.token == self._cursor_token:
            self.move_cursor(row=message.index)

    def _hold(self, page: int, rows: list) -> None:
        """Keep a page the reader read, and draw its rows that are on screen."""
        source = self.source
        before = source.row_count
        source.put_page(page, rows)
        self.reader.held(self._generation, page)
        size = source.page_size
        for i in range(page * size, page * size + len(rows)):
            self._cells.pop(i, None)
        if source.row_count != before:  # more rows known from the top (not counted yet)
            self._update_virtual_size()
        top = int(self.scroll_y)
        lo = max(page * size, top)
        hi = min(page * size + len(rows), top + self.size.height - 1)
        if hi > lo:
            self.refresh(Region(0, lo - top + 1, self.size.width, hi - lo))
        if self._highlight_pending and page * size <= self.cursor_row < page * size + len(rows):
            self._highlight_pending = False
            self.post_message(self.RowHighlighted(self, self.cursor_row, self.cursor_key))
        self._request_rows()  # whatever is still missing on screen

    # --- keys and mouse -----------------------------------------------------------------------

    @property
    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height - 2)

    def action_cursor_up(self) -> None:
        self.move_cursor(row=self.cursor_row - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(row=self.cursor_row + 1)

    def action_page_up(self) -> None:
        self.move_cursor(row=self.cursor_row - self._page)

    def action_page_down(self) -> None:
        self.move_cursor(row=self.cursor_row + self._page)

    def action_first(self) -> None:
        self.move_cursor(row=0)

    def action_last(self) -> None:
        self.move_cursor(row=self.row_count - 1)
        self._at_end = True  # the count may still be to come: follow it

    def action_select_cursor(self) -> None:
        if self.row_count:
            self.post_message(self.RowSelected(self, self.cursor_row, self.cursor_key))

    async def _on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < 1:
            return
        row = int(self.scroll_y) + offset.y - 1
        if row >= self.row_count:
            return
        event.stop()
        if row == self.cursor_row and self.has_focus:
            self.action_select_cursor()  # a click on the cursor row opens it, as in a DataTable
        else:
            self.move_cursor(row=row, scroll=False)

    # --- drawing ------------------------------------------------------------------------------

    def on_resize(self) -> None:
        self._update_virtual_size()
        self._request_rows()

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        scroll_x = int(self.scroll_x)
        base = self.rich_style
        if y == 0:
            style = base + self.get_component_rich_style("virtual-table--header")
            strip = self._strip(self._labels, style)
        else:
            index = int(self.scroll_y) + y - 1
            if index >= self.row_count:
                return Strip.blank(width, base)
            if index == self.cursor_row:
                style = base + self.get_component_rich_style("virtual-table--cursor")
            elif self.zebra_stripes and index % 2 == 0:
                style = base + self.get_component_rich_style("virtual-table--even-row")
            else:
                style = base + self.get_component_rich_style("virtual-table--odd-row")
            got = self._row(index)
            if got is None:  # not read yet: its page is asked for (no query here)
                if not self._request_queued and not self.reader.busy:
                    self._request_queued = True
                    self.call_later(self._request_rows)
                pending = style + self.get_component_rich_style("virtual-table--pending",
                                                                partial=True)
                strip = Strip([Segment(" " + self.PENDING, pending)])
            else:
                marked = bool(self.marks) and got[0] in self.marks
                if marked and index != self.cursor_row:
                    style = base + self.get_component_rich_style("virtual-table--marked")
                strip = self._strip(got[1], style, marked=marked)
        return strip.crop_extend(scroll_x, scroll_x + width, style)

    def _strip(self, cells, style: Style, *, marked: bool = False) -> Strip:
        segments = []
        for cell, w in zip(cells, self._widths):
            if isinstance(cell, Text):  # its own styles over the row's
                segments.append(Segment(" ", style))
                line = cell.copy()
                line.truncate(w, overflow="ellipsis", pad=True)
                console = self.app.console
                own = style + console.get_style(line.style) if line.style else style
                segments.extend(Segment(text, own + span_style if span_style else own)
                                for text, span_style, _ in line.render(console))
                segments.append(Segment(" ", style))
            else:
                text = str(cell)
                if cell_len(text) > w > 1:  # cut short: say so
                    text = set_cell_size(text, w - 1) + "…"
                segments.append(Segment(" " + set_cell_size(text, w) + " ", style))
        if marked and segments:  # the glyph in the space before the first column
            first = segments[0]
            segments[0] = Segment(self.MARK_GLYPH + first.text[1:], first.style)
        return Strip(segments)
