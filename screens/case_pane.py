"""Requests and complaints: the register pane plus the case actions."""
from __future__ import annotations

from textual.binding import Binding

from clerkdesk.models import cases
from clerkdesk.models.forms import FieldSpec

from .form import FormScreen
from .register_pane import RegisterPane


class CasePane(RegisterPane):
    BINDINGS = [
        Binding("s", "step", "Record step"),
        Binding("c", "close_case", "Close"),
    ]

    def _case_or_warn(self):
        row_id = self.selected_id()
        if row_id is None:
            self.app.notify("The list is empty: press n for a new one.", severity="warning")
            return None
        return self.register.get(row_id)

    def _after(self, case_id: int, message: str):
        def done(result) -> None:
            if result is not None:
                self.app.notify(message)
                self.load(keep=case_id)
                self.table.focus()
        return done

    def action_step(self) -> None:
        case = self._case_or_warn()
        if case is None:
            return

        def save(raw):
            return cases.add_step(case.id, raw["action"], note=raw["note"], clause=raw["clause"],
                                  status=raw["status"] or None)

        self.app.push_screen(
            FormScreen(f"Record a step on {case.ref}", cases.STEP_FIELDS,
                       {"status": ""}, save, subtitle=case.subject),
            self._after(case.id, f"Step recorded on {case.ref}."))

    def action_close_case(self) -> None:
        case = self._case_or_warn()
        if case is None:
            return
        if case.status == "closed":
            specs = [FieldSpec("reason", "Why reopen it?", required=True, max_len=200)]
            self.app.push_screen(
                FormScreen(f"Reopen {case.ref}", specs, {},
                           lambda raw: cases.reopen_case(case.id, raw["reason"]),
                           subtitle=f"Closed {case.closed_on:%d/%m/%Y}: {case.outcome}"),
                self._after(case.id, f"{case.ref} reopened."))
            return
        specs = [FieldSpec("outcome", "Outcome", "longtext", required=True),
                 FieldSpec("clause", "Clause", max_len=40)]
        self.app.push_screen(
            FormScreen(f"Close {case.ref}", specs, {},
                       lambda raw: cases.close_case(case.id, raw["outcome"], clause=raw["clause"]),
                       subtitle=case.subject),
            self._after(case.id, f"{case.ref} closed."))
