"""Recording advice in the advice register: from a case's route (its step or its task),
or from the Party groups tab. The form says what advice is already on the register on a
matter like this one, so the clerk can give the same advice to each group."""
from __future__ import annotations

from collections.abc import Callable

from clerkdesk.models.casework import advice
from clerkdesk.models.core.schema import Case

from .form import FormScreen


def record_advice(app, done: Callable[[object], None], *, case: Case | None = None,
                  group_id: int | None = None, officer_id: int | None = None,
                  task_id: int | None = None) -> None:
    """Open the advice form (pre-filled from the case or group); `done(row)` once saved,
    `done(None)` if the clerk leaves it."""
    values = advice.initial_values(case, group_id=group_id, officer_id=officer_id)
    lines = []
    if case is not None:
        for c in advice.same_matter(f"{case.subject} {case.details}", limit=4):
            lines.append(f"  {c.line}")
    subtitle = (case.ref + "  " + case.subject) if case is not None else ""
    if lines:
        subtitle += ("\n" if subtitle else "") + "On the register already, on a matter like this:\n" \
            + "\n".join(lines)

    def save(raw):
        return advice.record(raw, case_id=case.id if case is not None else None, task_id=task_id)

    app.push_screen(FormScreen("Record advice given to a party group", advice.advice_fields(),
                               values, save, subtitle=subtitle, about=case), done)
