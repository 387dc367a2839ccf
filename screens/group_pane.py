"""Party groups: the register pane plus `a`, record advice given to the group (the advice
register, so that even-handedness can be shown)."""
from __future__ import annotations

from textual.binding import Binding

from .advice_form import record_advice
from .register_pane import RegisterPane


class GroupPane(RegisterPane):
    BINDINGS = [Binding("a", "advice", "Record advice")]

    def action_advice(self) -> None:
        row_id = self.selected_id()
        if row_id is None:
            self.app.notify("Choose a party group first.", severity="warning")
            return
        group = self.register.get(row_id)

        def done(row) -> None:
            if row is not None:
                self.app.notify(f"Advice to {group.name} recorded.")
                self.load(keep=row_id)

        record_advice(self.app, done, group_id=row_id)
