"""Members: the register pane plus declared interests and training records."""
from __future__ import annotations

from textual.binding import Binding

from clerkdesk.models.casework import cases, choices, records, registers

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

    def action_archive(self) -> None:
        """A councillor with open cases: say how many, and offer to pass the requests
        they made to another councillor before archiving them."""
        from .picker import PickerScreen

        row_id = self.selected_id()
        member = self.register.get(row_id) if row_id is not None else None
        if member is None or member.archived:
            super().action_archive()
            return
        found = cases.member_open_cases(member.id)
        said = cases.open_cases_sentence(member.name, found)
        if not said:
            super().action_archive()
            return
        n = len(found["requests"])
        options = []
        if n:
            options.append(("pass", f"Pass the {n} open request{'s' if n != 1 else ''} to another "
                                    "councillor, then archive"))
        options.append(("archive", "Archive only: the cases stay as they are"))

        def archive() -> None:
            records.archive(self.register, member.id)
            self.app.notify(f"Archived {member.name}.")
            self.load()

        def pass_to(to_id) -> None:
            if to_id is None:
                return
            moved = cases.pass_requests(member.id, int(to_id))
            archive()
            to = self.register.get(int(to_id)).name
            self.app.notify(f"{len(moved)} open request{'s' if len(moved) != 1 else ''} passed "
                            f"to {to}: " + ", ".join(c.ref for c in moved[:6]))

        def chosen(choice) -> None:
            if choice == "archive":
                archive()
            elif choice == "pass":
                others = [(k, label) for k, label in choices.member_choices()
                          if str(k) != str(member.id)]
                self.app.push_screen(PickerScreen(f"Pass {member.name}'s open requests to",
                                                  others), pass_to)

        self.app.push_screen(PickerScreen(f"Archive {member.name}?", options, subtitle=said), chosen)
