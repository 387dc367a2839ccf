"""The case's clock: a due date agreed with the member, and waiting on the member (the
clock stops, and restarts when they answer). `d` on a case opens the choice."""
from __future__ import annotations

from collections.abc import Callable

from clerkdesk.models.casework import cases
from clerkdesk.models.core import dates
from clerkdesk.models.core.forms import FieldSpec, validate
from clerkdesk.models.core.schema import Case

from .form import FormScreen
from .picker import PickerScreen

Done = Callable[[object], None]


def extension_fields() -> list[FieldSpec]:
    return [
        FieldSpec("due", "New due date, agreed with the member", "date", required=True,
                  placeholder="dd/mm/yyyy, +5wd"),
        FieldSpec("agreement", "How the member agreed", "longtext", required=True,
                  help="e.g. by email on 12/11/2026; by phone with the Clerk."),
    ]


def clock(app, case: Case, done: Done) -> None:
    """Agree a new date, or stop / restart the clock, for *case*."""
    if case.status == "closed":
        app.notify(f"{case.ref} is closed: c reopens it.", severity="warning")
        return
    options = [("extension", "Agree a new due date with the member")]
    if case.waiting_since:
        options.append(("answered", "The member answered: restart the clock"))
    else:
        options.append(("waiting", "Waiting on the member: stop the clock"))
    due = f"due {dates.fmt(case.due)}" if case.due else "no due date"

    def picked(choice) -> None:
        if choice == "extension":
            specs = extension_fields()

            def save(raw):
                clean = validate(specs, raw)
                return cases.agree_extension(case.id, clean["due"], clean["agreement"])

            app.push_screen(FormScreen(f"Agree a new date for {case.ref}", specs, {}, save,
                                       subtitle=f"{case.subject}\nNow {due}.", about=case), done)
        elif choice == "waiting":
            specs = [FieldSpec("what", "What the member has been asked", "longtext", required=True)]

            def save(raw):
                return cases.wait_on_member(case.id, validate(specs, raw)["what"])

            app.push_screen(FormScreen(f"{case.ref} waits on the member", specs, {}, save,
                                       subtitle=f"{case.subject}\nThe clock stops until they answer.",
                                       about=case),
                            done)
        elif choice == "answered":
            specs = [FieldSpec("note", "What they said", "longtext")]

            def save(raw):
                return cases.member_answered(case.id, validate(specs, raw)["note"])

            n = cases.waiting_days(case)
            app.push_screen(FormScreen(f"The member answered on {case.ref}", specs, {}, save,
                                       subtitle=f"Waiting since {dates.fmt(case.waiting_since)} "
                                                f"({n} working day{'s' if n != 1 else ''}); "
                                                f"{due} before the wait.", about=case), done)

    app.push_screen(PickerScreen(f"The clock of {case.ref} ({due})", options), picked)
