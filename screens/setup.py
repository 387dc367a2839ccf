"""First run on an empty casebook: the council's name, kind and protocol profile.

esc (or the Quit button) asks before quitting, since the desk cannot open without a
council; "Go on" puts the keys back in the field they were in, so what is typed next
lands there."""
from __future__ import annotations

from textual.widgets import Button

from clerkdesk.models.casework import council

from .confirm import ConfirmScreen
from .form import FormScreen


class SetupScreen(FormScreen):
    def __init__(self) -> None:
        specs = council.setup_fields()
        super().__init__("Welcome to clerkdesk: set up your council", specs,
                         {s.name: s.initial() for s in specs}, council.create,
                         subtitle="Three questions; everything else can be changed later "
                                  "on the Council tab (7). ctrl+s saves; esc quits.")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#cancel", Button).label = "Quit (esc)"

    def action_leave(self) -> None:
        field = self.focused if self.focused is not None else self.query(".field-input").first()

        def answered(quit_app: bool | None) -> None:
            if quit_app:
                self.app.exit()
            elif field is not None and field.is_attached:
                field.focus()  # back where the clerk was: what is typed next goes there

        self.app.push_screen(ConfirmScreen(
            "The desk needs the council's name before it can open. Quit clerkdesk now? "
            "Nothing is saved; the next start asks again.", yes="Quit", no="Go on"), answered)
