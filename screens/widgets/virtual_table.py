"""A table that renders only the rows on screen: the line API (`render_line`) over a
data source that is asked for one row at a time, so a list of 50,000 cases costs what
its 30 visible rows cost. Modelled on Toolong's log view.

The source (see `TableSource`) knows how many rows there are and gives row *i* as
`(key, cells)`; a `RegisterPane` gives it rows paged from SQLite (models/paging.py), the
Dashboard its triage queue as a list. A cell is a string, or a Rich `Text` when it has
styles of its own (the queue's coloured badges).
The table keeps a row cursor, takes the keys of a list (up/down, j/k, page up/down,
home/end, enter) and the mouse (click, wheel), draws a fixed header row, zebra stripes
and the cursor row through component classes (styled in screens.tcss), and posts
`RowHighlighted` and `RowSelected` like a DataTable does.
"""
from __future__ import annotations

from typing import Protocol

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip


class TableSource(Protocol):
    """What a VirtualTable reads its rows from."""

    @property
    def row_count(self) -> int: ...

    def row(self, index: int) -> tuple[object, tuple[str, ...]] | None:
        """(key, cells) of row *index*, or None beyond the end."""

    def index_of(self, key) -> int | None:
        """The position of the row with *key*, or None when it is not in the list."""


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


class VirtualTable(ScrollView, can_focus=True):
    """A row-cursor table over a `TableSource`, rendering only what is visible."""

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
    }

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
        """The cursor moved to another row (or the rows under it changed)."""

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
        """Show *source*'s rows, keeping the cursor at *cursor* (or where it was, clamped)."""
        self.source = source
        self._cells.clear()
        if fit:
            self._fit_columns()
        self._update_virtual_size()
        target = self.cursor_row if cursor is None else cursor
        self.move_cursor(row=target, animate=False, scroll=cursor is not None)
        self.refresh()

    def rows_changed(self) -> None:
        """The source has more (or fewer) rows than before: resize, keep the cursor."""
        self._update_virtual_size()
        if self.cursor_row >= self.row_count:
            self.move_cursor(row=self.row_count - 1)
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

    def get_row_at(self, index: int) -> list[str]:
        """The cells of row *index* as shown (as plain text)."""
        got = self._row(index)
        if got is None:
            raise IndexError(f"no row {index}")
        return [cell.plain if isinstance(cell, Text) else cell for cell in got[1]]

    def get_key_at(self, index: int):
        got = self._row(index)
        return None if got is None else got[0]

    @property
    def cursor_key(self):
        """The key of the row under the cursor, or None for an empty table."""
        if not self.row_count:
            return None
        return self.get_key_at(self.cursor_row)

    def get_row_index(self, key) -> int:
        """The position of the row with *key*; KeyError when it is not in the list."""
        index = self.source.index_of(key)
        if index is None:
            raise KeyError(key)
        return index

    def select_key(self, key) -> bool:
        """Move the cursor to the row with *key*; False when it is not in the list."""
        index = self.source.index_of(key)
        if index is None:
            return False
        self.move_cursor(row=index)
        return True

    def move_cursor(self, *, row: int | None = None, animate: bool = False,
                    scroll: bool = True) -> None:
        if row is None:
            return
        count = self.row_count
        row = max(0, min(row, count - 1)) if count else 0
        old = self.cursor_row
        self.cursor_row = row
        if scroll:
            self.scroll_to_row(row, animate=animate)
        self._refresh_row(old)
        self._refresh_row(row)

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
        self.post_message(self.RowHighlighted(self, new, self.cursor_key))

    def _refresh_row(self, row: int) -> None:
        y = row - int(self.scroll_y) + 1
        if 1 <= y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

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

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        scroll_x = int(self.scroll_x)
        base = self.rich_style
        if y == 0:
            style = base + self.get_component_rich_style("virtual-table--header")
            strip = self._strip(self._labels, style)
        else:
            index = int(self.scroll_y) + y - 1
            got = self._row(index) if index < self.row_count else None
            if got is None:
                return Strip.blank(width, base)
            if index == self.cursor_row:
                style = base + self.get_component_rich_style("virtual-table--cursor")
            elif self.zebra_stripes and index % 2 == 0:
                style = base + self.get_component_rich_style("virtual-table--even-row")
            else:
                style = base + self.get_component_rich_style("virtual-table--odd-row")
            strip = self._strip(got[1], style)
        return strip.crop_extend(scroll_x, scroll_x + width, style)

    def _strip(self, cells, style: Style) -> Strip:
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
        return Strip(segments)
