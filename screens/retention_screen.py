"""Retention in the app (the palette's "Retention"): the closed requests and complaints
past the council's retention period, with their documents, and anonymising the
highlighted one (`a`) or all of them (`A`), each after a confirmation. Anonymising runs
on a thread: a case's documents may be large. Meeting mode hides the subjects of private
cases (privacy.py decides).
"""
from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Label, Static

from clerkdesk.models.casework import privacy, retention
from clerkdesk.models.core import dates
from clerkdesk.models.core.db import worker_connection
from clerkdesk.models.core.vocab import COMPLAINT_KINDS, KIND_SHORT, REQUEST_KINDS
from clerkdesk.screens.modal import Modal


class RetentionScreen(Modal[object]):
    BINDINGS = [
        Binding("escape,q", "leave", "Close"),
        Binding("a", "anonymise", "Anonymise"),
        Binding("A", "anonymise_all", "Anonymise all"),
        Binding("m", "meeting", "Meeting mode"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.due: list = []
        self.docs: dict[int, int] = {}
        self.done = 0

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box retention-box"):
            yield Label("Retention: closed cases past the retention period", classes="form-title")
            yield Static("Reading…", id="ret-summary")
            yield DataTable(id="ret-table", cursor_type="row", zebra_stripes=True)
            yield Label("a anonymise the highlighted case   A anonymise all listed   esc close"
                        "   (anonymising cannot be undone: the statistics stay)", classes="hint")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Ref", "Closed", "Kind", "Docs", "Subject")  # (REQ-/CMP-: the type)
        table.focus()
        self.reload()

    @work(thread=True, exclusive=True, group="retention", exit_on_error=False)
    def reload(self) -> None:
        with worker_connection():
            due = retention.due_for_review()
            docs = retention.documents_count(c.id for c in due)
            years, cutoff = retention.retention_years(), retention.cutoff()
        self.app.call_from_thread(self._fill, due, docs, years, cutoff)

    def _fill(self, due, docs, years, cutoff) -> None:
        self.due, self.docs = due, docs
        from .documents_screen import meeting_mode

        hide = meeting_mode(self.app)
        table = self.query_one(DataTable)
        table.clear()
        for c in due:
            kinds = REQUEST_KINDS if c.type == "request" else COMPLAINT_KINDS
            subject = privacy.shown(c, hide).subject
            table.add_row(c.ref, dates.fmt(c.closed_on),
                          KIND_SHORT.get(c.kind, kinds.get(c.kind, c.kind)),
                          str(docs.get(c.id, 0) or ""), subject, key=str(c.id))
        n = len(due)
        self.query_one("#ret-summary", Static).update(
            f"Kept for {years} years: cases closed before {dates.fmt(cutoff)} are due. "
            + (f"{n} case{'s' if n != 1 else ''} due." if n else "Nothing is due."))

    def current(self):
        table = self.query_one(DataTable)
        if not self.due or table.cursor_row is None:
            return None
        return self.due[min(table.cursor_row, len(self.due) - 1)]

    def action_anonymise(self) -> None:
        case = self.current()
        if case is None:
            self.app.notify("Nothing is due for anonymising.", severity="warning")
            return
        self._confirm([case])

    def action_anonymise_all(self) -> None:
        if not self.due:
            self.app.notify("Nothing is due for anonymising.", severity="warning")
            return
        self._confirm(list(self.due))

    def _confirm(self, cases: list) -> None:
        from .confirm import ConfirmScreen

        n = len(cases)
        docs = sum(self.docs.get(c.id, 0) for c in cases)
        what = cases[0].ref if n == 1 else f"these {n} cases"
        question = (f"Anonymise {what}? The subject, details, outcome, the people and the "
                    f"timeline's notes are removed{f', and {docs} document(s) emptied' if docs else ''}"
                    ". This cannot be undone; the statistics stay.")

        def answer(yes) -> None:
            if yes:
                self._anonymise([c.id for c in cases])

        self.app.push_screen(ConfirmScreen(question, yes="Anonymise"), answer)

    @work(thread=True, exclusive=True, group="retention", exit_on_error=False)
    def _anonymise(self, ids: list[int]) -> None:
        refs = {c.id: c.ref for c in self.due}
        done, problems = [], []
        with worker_connection():
            for case_id in ids:
                try:
                    retention.anonymise(case_id)
                    done.append(refs.get(case_id, str(case_id)))
                except retention.RetentionError as exc:
                    problems.append(str(exc))
        self.app.call_from_thread(self._anonymised, done, problems)

    def _anonymised(self, done: list[str], problems: list[str]) -> None:
        self.done += len(done)
        if done:
            self.app.notify(f"Anonymised {', '.join(done[:5])}"
                            + (f" and {len(done) - 5} more" if len(done) > 5 else "") + ".",
                            title="Retention")
        for p in problems[:3]:
            self.app.notify(p, severity="error", timeout=10)
        self.reload()

    def action_meeting(self) -> None:
        """m here too: meeting mode on or off, and the list drawn again at once."""
        self.app.action_toggle_meeting_mode()
        if self.due:
            self._fill(self.due, self.docs, retention.retention_years(), retention.cutoff())

    def action_leave(self) -> None:
        self.dismiss(self.done or None)
