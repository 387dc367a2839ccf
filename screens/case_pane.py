"""Requests and complaints: the register pane plus the case actions."""
from __future__ import annotations

from textual.binding import Binding

from clerkdesk.models import cases, registers, routes
from clerkdesk.models.forms import FieldSpec

from .form import FormScreen
from .register_pane import RegisterPane


class CasePane(RegisterPane):
    BINDINGS = [
        Binding("w", "wizard", "Wizard"),
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

    def action_wizard(self) -> None:
        case = self._case_or_warn()
        if case is None:
            return
        self.open_wizard(case.id)

    def open_wizard(self, case_id: int) -> None:
        from .wizard import WizardScreen

        def done(routed) -> None:
            if routed is not None:
                self.app.notify(f"{routed.ref} routed: {routed.stage}.")
                self.load(keep=case_id)
                self.table.focus()

        self.app.push_screen(WizardScreen(case_id), done)

    def open_form(self, row_id: int | None) -> None:
        """A new case goes straight on to the protocol wizard once it is saved."""
        if row_id is not None:
            super().open_form(row_id)
            return
        values = registers.form_values(self.register, None)

        def done(saved) -> None:
            if saved is not None:
                self.app.notify(f"Saved {self.register.singular} {saved.ref}.")
                self.load(keep=saved.id)
                self.open_wizard(saved.id)

        self.app.push_screen(FormScreen(self.form_title(None), self.register.fields(), values,
                                        lambda raw: registers.save(self.register, raw)), done)

    def action_step(self) -> None:
        case = self._case_or_warn()
        if case is None:
            return
        if case.status == "closed":
            self.app.notify(f"{case.ref} is closed: c reopens it.", severity="warning")
            return
        specs = routes.step_fields()
        now = routes.current_step(case)
        subtitle = case.subject + (f"\nNow: {now['action']} [{now['clause']}]" if now else
                                   "\nNot routed yet (w runs the wizard).")

        def save(raw):
            from clerkdesk.models.forms import validate

            clean = validate(specs, raw)
            return routes.record(case.id, clean["outcome"], clean["note"],
                                 contrary_to_advice=clean["contrary"], clause=clean["clause"])

        self.app.push_screen(
            FormScreen(f"Record a step on {case.ref}", specs, {s.name: s.initial() for s in specs},
                       save, subtitle=subtitle),
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
