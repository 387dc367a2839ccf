"""First run on an empty casebook: the council's name, kind and protocol profile."""
from __future__ import annotations

from clerkdesk.models.casework import council

from .confirm import ConfirmScreen
from .form import FormScreen


class SetupScreen(FormScreen):
    def __init__(self) -> None:
        specs = council.setup_fields()
        super().__init__("Welcome to clerkdesk: set up your council", specs,
                         {s.name: s.initial() for s in specs}, council.create,
                         subtitle="Three questions; everything else can be changed later "
                                  "on the Council tab (7).")

    def action_leave(self) -> None:
        def answered(quit_app: bool | None) -> None:
            if quit_app:
                self.app.exit()

        self.app.push_screen(ConfirmScreen("The council is not set up yet. Quit clerkdesk?",
                                           yes="Quit", no="Go on"), answered)
