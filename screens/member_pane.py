"""Members: the register pane plus declared interests and training records."""
from __future__ import annotations

from textual.binding import Binding

from clerkdesk.models.casework import registers

from .form import FormScreen
from .register_pane import RegisterPane


class MemberPane(RegisterPane):
    BINDINGS = [
        Binding("i", "interest", "Add interest"),
        Binding("t", "training", "Add training"),
    ]

    def _add(self, title, fields, add) -> None:
        row_id = self.selected_id()
        if row_id is None:
            self.app.notify("Choose a member first.", severity="warning")
            return
        member = self.register.get(row_id)
        values = {s.name: s.initial() for s in fields}

        def done(result) -> None:
            if result is not None:
                self.app.notify(f"{title} recorded for {member.name}.")
                self.load(keep=row_id)

        self.app.push_screen(FormScreen(f"{title}: {member.name}", fields, values,
                                        lambda raw: add(row_id, raw)), done)

    def action_interest(self) -> None:
        self._add("Declared interest", registers.interest_fields(), registers.add_interest)

    def action_training(self) -> None:
        self._add("Training", registers.training_fields(), registers.add_training)
