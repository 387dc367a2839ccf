"""Requests and complaints: the register pane plus the case actions."""
from __future__ import annotations

from textual.binding import Binding

from clerkdesk.models.casework import case_lists, records

from . import case_actions
from .form import FormScreen
from .marks import MarkingPane


class CasePane(MarkingPane):
    BINDINGS = [
        Binding("w", "wizard", "Wizard"),
        Binding("s", "step", "Record step"),
        Binding("c", "close_case", "Close"),
        Binding("a", "assign", "Assign"),
        Binding("p", "priority", "Priority"),
        Binding("z", "snooze", "Snooze"),
        Binding("t", "clock", "Due date"),
        Binding("d", "documents", "Documents"),
        Binding("l", "letter", "Letter"),
        Binding("i", "intake", "Take in email"),
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

    def _run(self, action, message: str) -> None:
        if self.run_on_marks(action, keep_case=self.selected_id()):  # rows marked: all of them
            return
        case = self._case_or_warn()
        if case is not None:
            action(self.app, case, self._after(case.id, message.format(ref=case.ref)))

    def action_wizard(self) -> None:
        case = self._case_or_warn()
        if case is not None:
            self.open_wizard(case.id)

    def open_wizard(self, case_id: int) -> None:
        def done(routed) -> None:
            if routed is not None:
                self.app.notify(f"{routed.ref} routed: {routed.stage}.")
                self.load(keep=case_id)
                self.table.focus()

        case_actions.wizard(self.app, case_id, done)

    def open_form(self, row_id: int | None) -> None:
        """A new case goes straight on to the protocol wizard once it is saved."""
        if row_id is not None:
            super().open_form(row_id)
            return
        values = records.form_values(self.register, None)

        def done(saved) -> None:
            if saved is not None:
                self.app.notify(f"Saved {self.register.singular} {saved.ref}.")
                warning = case_lists.pre_election_warning(saved)
                if warning:
                    self.app.notify(f"{saved.ref}: {warning}", severity="warning", timeout=12)
                self.load(keep=saved.id)
                self.open_wizard(saved.id)

        self.app.push_screen(FormScreen(self.form_title(None), self.register.fields(), values,
                                        lambda raw: records.save(self.register, raw)), done)

    def action_step(self) -> None:
        self._run(case_actions.step, "Step recorded on {ref}.")

    def action_close_case(self) -> None:
        self._run(case_actions.close_or_reopen, "{ref} updated.")

    def action_assign(self) -> None:
        self._run(case_actions.assign, "{ref} assigned.")

    def action_priority(self) -> None:
        self._run(case_actions.priority, "Priority of {ref} set.")

    def action_snooze(self) -> None:
        self._run(case_actions.snooze, "{ref} snoozed.")

    def action_clock(self) -> None:
        self._run(case_actions.clock, "The clock of {ref} updated.")

    # --- correspondence: documents, letters, email intake (screens/documents_screen.py,
    # screens/intake_screen.py) ---------------------------------------------------------------

    def action_documents(self) -> None:
        from .documents_screen import show_documents

        case = self._case_or_warn()
        if case is not None:
            show_documents(self.app, case,
                           lambda changed: self.load(keep=case.id) if changed else None)

    def action_letter(self) -> None:
        from .documents_screen import make_letter

        case = self._case_or_warn()
        if case is not None:
            make_letter(self.app, case, lambda letter: self.load(keep=case.id))

    def action_intake(self) -> None:
        from .intake_screen import take_in_email

        def done(case) -> None:
            if case is not None:
                self.app.refresh_all()
                self.load(keep=case.id)

        take_in_email(self.app, done)
