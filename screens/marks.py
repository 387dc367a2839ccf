"""Marking rows in a case list for a bulk action (screens/bulk_actions.py).

`space` marks or unmarks the row under the cursor, `shift+up`/`shift+down` extend the
marks as the cursor moves, `+` marks every case the filter shows (all the rows that
match, not only those read so far: the ids are read on a worker), `-` clears them.
Marks are case ids, kept across paging, filtering and tab switches; the table draws a
marked row with a glyph and its own style (VirtualTable.marks, virtual_table.tcss), and
the filter bar counts them. While rows are marked, the case keys (close, assign,
priority, snooze, record a step) act on all of them (CasePane._run).
"""
from __future__ import annotations

from textual import on, work
from textual.binding import Binding
from textual.widgets import Label

from clerkdesk.models.casework import bulk, saved_views
from clerkdesk.models.core.db import worker_connection

from .register_pane import RegisterPane
from .widgets.virtual_table import VirtualTable


class MarkingPane(RegisterPane):
    """A register pane whose rows can be marked (the case lists)."""

    BINDINGS = [
        Binding("space", "toggle_mark", "Mark", show=False),
        Binding("shift+down", "extend_marks(1)", "Mark down", show=False),
        Binding("shift+up", "extend_marks(-1)", "Mark up", show=False),
        Binding("plus", "mark_all", "Mark all shown", show=False),
        Binding("minus", "clear_marks", "Clear marks", show=False),
    ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        #: the ids of the cases marked
        self.marks: set[int] = set()
        self._mark_when_read = False  # shift+arrow moved to a row still being read

    def on_mount(self) -> None:
        super().on_mount()
        self.table.marks = self.marks
        self.query_one(".filter-bar").mount(Label("", classes="mark-count"))
        self._show_marks()

    # --- marking ------------------------------------------------------------------------

    def _cursor_id(self) -> int | None:
        key = self.table.cursor_key
        return int(key) if key is not None else None

    def marks_changed(self) -> None:
        """Draw the marks again: the rows shown and the count."""
        self.table.refresh()
        self._show_marks()

    def _show_marks(self) -> None:
        label = self.query_one(".mark-count", Label)
        n = len(self.marks)
        label.update(f"{VirtualTable.MARK_GLYPH} {n} marked" if n else "")
        label.display = bool(n)

    def action_toggle_mark(self) -> None:
        row_id = self._cursor_id()
        if row_id is None:
            self.app.bell()
            return
        if row_id in self.marks:
            self.marks.discard(row_id)
        else:
            self.marks.add(row_id)
        self.marks_changed()

    def action_extend_marks(self, step: int) -> None:
        """Mark the row under the cursor and the one the cursor moves to."""
        table = self.table
        row_id = self._cursor_id()
        if row_id is None:
            self.app.bell()
            return
        self.marks.add(row_id)
        table.move_cursor(row=table.cursor_row + step)
        moved_to = self._cursor_id()
        if moved_to is None:  # not read yet: marked when it arrives
            self._mark_when_read = True
        else:
            self.marks.add(moved_to)
        self.marks_changed()

    @on(VirtualTable.RowHighlighted)
    def _mark_arrived(self, event: VirtualTable.RowHighlighted) -> None:
        if self._mark_when_read and event.key is not None:
            self._mark_when_read = False
            self.marks.add(int(event.key))
            self.marks_changed()

    def action_clear_marks(self) -> None:
        if not self.marks:
            self.app.notify("No rows are marked (space marks one).", severity="warning")
            return
        n = len(self.marks)
        self.clear_marks()
        self.app.notify(f"{n} mark{'s' if n != 1 else ''} cleared.")

    def clear_marks(self) -> None:
        self.marks.clear()
        self._mark_when_read = False
        self.marks_changed()

    def action_mark_all(self) -> None:
        """Mark every case the filter shows (read on a worker: the list may be long)."""
        self._mark_all(self.filter_text, self.show_archived)

    @work(thread=True, exclusive=True, group="mark-all")
    def _mark_all(self, text: str, archived: bool) -> None:
        try:
            with worker_connection():
                ids = bulk.ids_shown(self.register, text, archived=archived)
        except saved_views.ViewError as exc:  # a facet the list does not know: said
            self.app.call_from_thread(self.app.notify, str(exc), severity="warning")
            return
        self.app.call_from_thread(self._marked_all, ids, text)

    def _marked_all(self, ids: list[int], text: str) -> None:
        before = len(self.marks)
        self.marks.update(ids)
        self.marks_changed()
        added = len(self.marks) - before
        where = f" matching “{text}”" if text else ""
        self.app.notify(f"{added} more marked{where}: {len(self.marks)} in all."
                        if added != len(ids) else f"{len(ids)} marked{where}.")

    @property
    def marked_ids(self) -> list[int]:
        return sorted(self.marks)
