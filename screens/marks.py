"""Marking rows in a case list for a bulk action (screens/bulk_actions.py).

`space` marks or unmarks the row under the cursor, `shift+up`/`shift+down` extend the
marks as the cursor moves, `+` marks every case the list shows (in a register's list,
all the rows its filter matches, not only those read so far: the ids are read on a
worker), `-` clears them. Marks are the table's row keys, kept across paging, filtering
and tab switches; the table draws a marked row with a glyph and its own style
(VirtualTable.marks, virtual_table.tcss), and a label counts them. While rows are
marked, the case keys (close, assign, priority, snooze, record a step) act on all of
them (`run_on_marks`).

`Marking` is the behaviour, mixed into a pane that has a `table`: the case lists
(`MarkingPane`, below) and the Dashboard's queue (whose tasks cannot be marked).
"""
from __future__ import annotations

from textual import on, work
from textual.binding import Binding
from textual.widgets import Label

from clerkdesk.models.casework import bulk, saved_views
from clerkdesk.models.core.db import worker_connection

from .register_pane import RegisterPane
from .widgets.virtual_table import VirtualTable

#: the marking keys (a pane lists them in its BINDINGS: Textual merges only its own)
MARK_BINDINGS = [
    Binding("space", "toggle_mark", "Mark", show=False),
    Binding("shift+down", "extend_marks(1)", "Mark down", show=False),
    Binding("shift+up", "extend_marks(-1)", "Mark up", show=False),
    Binding("plus", "mark_all", "Mark all shown", show=False),
    Binding("minus", "clear_marks", "Clear marks", show=False),
]


class Marking:
    """Marks on a pane's `table` (a VirtualTable); the pane calls `init_marks` in its
    __init__ and `show_marks_in(container)` once mounted."""

    table: VirtualTable

    def init_marks(self) -> None:
        #: the row keys marked
        self.marks: set = set()
        self._mark_when_read = False  # shift+arrow moved to a row still being read

    def show_marks_in(self, container, before=None) -> None:
        """Give the table the marks and put the count in *container* (hidden while none)."""
        self.table.marks = self.marks
        label = Label("", classes="mark-count")
        label.display = False
        container.mount(label, before=before)

    # --- what a pane may override -----------------------------------------------------------

    def can_mark(self, key) -> bool:
        """May the row *key* be marked (a case, not a task)?"""
        return key is not None

    def case_id_of(self, key) -> int:
        return int(key)

    def mark_all_shown(self) -> None:
        """Mark every case the list shows."""
        raise NotImplementedError

    def after_bulk(self, keep_case: int | None) -> None:
        """Read the list again after a batch."""
        raise NotImplementedError

    # --- marking ------------------------------------------------------------------------

    def marks_changed(self) -> None:
        """Draw the marks again: the rows shown and the count."""
        self.table.refresh()
        label = self.query_one(".mark-count", Label)
        n = len(self.marks)
        label.update(f"{VirtualTable.MARK_GLYPH} {n} marked" if n else "")
        label.display = bool(n)

    def _markable_cursor(self):
        key = self.table.cursor_key
        if key is None:
            self.app.bell()
            return None
        if not self.can_mark(key):
            self.app.notify("Only cases can be marked.", severity="warning")
            return None
        return key

    def action_toggle_mark(self) -> None:
        key = self._markable_cursor()
        if key is None:
            return
        if key in self.marks:
            self.marks.discard(key)
        else:
            self.marks.add(key)
        self.marks_changed()

    def action_extend_marks(self, step: int) -> None:
        """Mark the row under the cursor and the one the cursor moves to."""
        table = self.table
        if self.screen.focused is not table:  # (typing in the filter box)
            return
        key = table.cursor_key
        if key is None:
            self.app.bell()
            return
        if self.can_mark(key):
            self.marks.add(key)
        table.move_cursor(row=table.cursor_row + step)
        moved_to = table.cursor_key
        if moved_to is None:  # not read yet: marked when it arrives (mark_arrived)
            self._mark_when_read = True
        elif self.can_mark(moved_to):
            self.marks.add(moved_to)
        self.marks_changed()

    def mark_arrived(self, key) -> None:
        """The row under the cursor has been read: mark it if shift+arrow moved there."""
        if self._mark_when_read and key is not None:
            self._mark_when_read = False
            if self.can_mark(key):
                self.marks.add(key)
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
        self.mark_all_shown()

    def add_marks(self, keys, where: str = "") -> None:
        before = len(self.marks)
        keys = list(keys)
        self.marks.update(keys)
        self.marks_changed()
        added = len(self.marks) - before
        self.app.notify(f"{added} more marked{where}: {len(self.marks)} in all."
                        if added != len(keys) or before else f"{len(keys)} marked{where}.")

    @property
    def marked_ids(self) -> list[int]:
        """The case ids marked."""
        return sorted({self.case_id_of(key) for key in self.marks})

    # --- the case keys on the marked rows ---------------------------------------------------

    def run_on_marks(self, action, keep_case: int | None = None) -> bool:
        """If rows are marked and *action* (a screens/case_actions function) has a bulk
        form, run it on the marked cases (screens/bulk_actions.py): True when it has."""
        from .bulk_actions import BULK_OF, start

        name = BULK_OF.get(action)
        if not self.marks or name is None:
            return False

        def done(result) -> None:
            self.app.notify(result.message() + (" ctrl+z undoes it all." if result.entry
                                                 else ""), title="Marked cases")
            if result.entry is not None:
                self.clear_marks()
            self.after_bulk(keep_case)
            self.table.focus()

        start(self.app, name, self.marked_ids, done)
        return True


class MarkingPane(Marking, RegisterPane):
    """A register pane whose rows can be marked (the case lists)."""

    BINDINGS = MARK_BINDINGS

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.init_marks()

    def on_mount(self) -> None:
        # (Textual calls RegisterPane.on_mount too, after this: each class's own handler)
        self.show_marks_in(self.query_one(".filter-bar"))

    @on(VirtualTable.RowHighlighted)
    def _mark_arrived(self, event: VirtualTable.RowHighlighted) -> None:
        self.mark_arrived(event.key)

    def mark_all_shown(self) -> None:
        """All the rows the filter matches (read on a worker: the list may be long)."""
        self._mark_all(self.filter_text, self.show_archived)

    @work(thread=True, exclusive=True, group="mark-all")
    def _mark_all(self, text: str, archived: bool) -> None:
        try:
            with worker_connection():
                ids = bulk.ids_shown(self.register, text, archived=archived)
        except saved_views.ViewError as exc:  # a facet the list does not know: said
            self.app.call_from_thread(self.app.notify, str(exc), severity="warning")
            return
        self.app.call_from_thread(self.add_marks, ids, f" matching “{text}”" if text else "")

    def after_bulk(self, keep_case: int | None) -> None:
        self.load(keep=keep_case)
