"""The case lists' pane: a register pane whose rows can be marked (screens/marks.py holds
the marking itself, which the Dashboard's queue shares without being a register pane, so
the Dashboard does not pull the register panes and their forms in at start-up)."""
from __future__ import annotations

from textual import on, work

from clerkdesk.models.casework import bulk, saved_views
from clerkdesk.models.core.db import worker_connection

from .marks import MARK_BINDINGS, Marking
from .register_pane import RegisterPane
from .widgets.virtual_table import VirtualTable


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
