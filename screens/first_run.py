"""The Dashboard's first-run checklist: on a new casebook, what the council still lacks
(models/casework/first_run.py says what is done), each line with the key that opens the
form for it on its own tab. A line goes as soon as its step is done; the whole list goes
once all are (or when the clerk hides it with X). Styles: first_run.tcss.

The keys are the Dashboard's (FIRST_RUN_BINDINGS, so they work while its queue has the
focus); they act only while the checklist shows.
"""
from __future__ import annotations

from rich.text import Text
from textual import work
from textual.binding import Binding
from textual.widgets import Static
from textual.worker import get_current_worker

from clerkdesk.models.casework import council, first_run
from clerkdesk.models.core import user
from clerkdesk.models.core.db import worker_connection

from .widgets.theme import component_style

#: step -> the key that opens its form (capitals: the Dashboard's own keys are lower case)
STEP_KEYS = {"council": "D", "wards": "W", "clerk": "Y", "officers": "O", "members": "M",
             "groups": "G", "committees": "C"}

#: the Dashboard's keys for the checklist (shown by the checklist itself and by ?)
FIRST_RUN_BINDINGS = [
    *(Binding(key, f"first_run('{step}')", first_run.STEPS[step][0], show=False)
      for step, key in STEP_KEYS.items()),
    Binding("I", "first_run('import')", "Import registers from a spreadsheet", show=False),
    Binding("X", "first_run('hide')", "Hide the first-steps checklist", show=False),
]

#: where each step's form is: (the app's tab, the Council tab's sub-tab or None)
WHERE = {"council": ("council", "council-settings"), "wards": ("council", "council-wards"),
         "clerk": ("officers", None), "officers": ("officers", None),
         "members": ("members", None), "groups": ("groups", None),
         "committees": ("council", "council-committees")}

#: the tab named after each line, so the clerk learns where the records live
PLACE = {"council": "tab 7", "wards": "tab 7, → Wards", "clerk": "tab 3", "officers": "tab 3",
         "members": "tab 2", "groups": "tab 5", "committees": "tab 7, → Committees"}

#: the clerk's state key (per casebook) that hides the list
HIDDEN = "first_run_hidden"


class FirstRunChecklist(Static):
    """The steps still to do; hidden when there are none (or the clerk hid it)."""

    COMPONENT_CLASSES = {"first-run--title", "first-run--key", "first-run--muted"}

    def __init__(self, **kwargs) -> None:
        super().__init__("", **kwargs)
        self.steps: list[first_run.Step] = []
        self.display = False

    def refresh_steps(self) -> None:
        """Read what is still to do on a worker, then draw it (the Dashboard asks each time
        it reads its queue: as it mounts, when its tab is shown again, after a change)."""
        self._read_steps()

    @work(thread=True, exclusive=True, group="first-run", exit_on_error=False)
    def _read_steps(self) -> None:
        with worker_connection():
            steps = [] if user.get_state(HIDDEN, False) else first_run.to_do()
            done = len(first_run.STEPS) - len(steps)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.show_steps, steps, done)

    def show_steps(self, steps: list[first_run.Step], done: int) -> None:
        self.steps = steps
        self.display = bool(steps)
        if not steps:
            self.update("")
            return
        key = component_style(self, "first-run--key")
        muted = component_style(self, "first-run--muted")
        out = Text()
        out.append(f"First steps, {done} of {len(first_run.STEPS)} done:", style=component_style(
            self, "first-run--title"))
        out.append(" each key opens a form; 1 comes back here", style=muted)
        for step in steps:
            out.append("\n")
            out.append(f" {STEP_KEYS[step.key]} ", style=key)
            out.append(f" {step.title}: {step.asks}")
            out.append(f" ({PLACE[step.key]})", style=muted)
        if any(step.key in first_run.IMPORTABLE_STEPS for step in steps):
            out.append("\n")
            out.append(" I ", style=key)
            out.append(" Or import them from a spreadsheet (.xlsx, .csv)")
            out.append(" (or clerkdesk import)", style=muted)
        out.append("\n")
        out.append(" X ", style=key)
        out.append(" Hide this list (no wards or groups? skip them)", style=muted)
        self.update(out)

    def is_offered(self, step: str) -> bool:
        if step in ("hide", "import"):
            return bool(self.steps)
        return any(s.key == step for s in self.steps)

    # --- the keys ---------------------------------------------------------------------------

    def open_step(self, step: str) -> None:
        """The key of a line: open its form (on its tab), the import, or hide the list."""
        if not self.is_offered(step):
            return  # (the list is gone, or that step is done: the key does nothing)
        if step == "hide":
            user.put_state(HIDDEN, True)
            self.show_steps([], len(first_run.STEPS))
            self.app.notify("First steps hidden. Each register's tab still adds records "
                            "with n.")
            return
        if step == "import":
            self._import()
            return
        self.app.call_later(self._open_form, step)

    async def _open_form(self, step: str) -> None:
        tab, sub = WHERE[step]
        pane = await self.app.show_tab(tab)
        if tab == "council":
            target = pane.show_sub_tab(sub)
            if step == "council":
                from .council_pane import edit_dates

                def saved(row) -> None:
                    if row is not None:
                        self.app.notify("The council's dates saved.")
                        target.refresh_data()

                edit_dates(self.app, saved)
                return
        else:
            target = pane
        target.open_form(None, values=_prefill(step))

    def _import(self) -> None:
        from .import_screen import start_import

        def done(created) -> None:
            if created is not None:
                n = len(created)
                self.app.notify(f"{n} record{'s' if n != 1 else ''} added.", title="Import")
                self.app.refresh_all()

        start_import(self.app, done)


def _prefill(step: str) -> dict[str, str] | None:
    """What the new record's form starts with: the Clerk's roles and job title."""
    if step != "clerk":
        return None
    row = council.get()
    title = {"town": "Town Clerk", "parish": "Parish Clerk"}.get(row.kind if row else "", "Clerk")
    return {"job_title": title, "roles": "town_clerk,proper_officer,head_of_paid_service"}
