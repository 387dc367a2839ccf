"""The actions on one case, shared by the case lists and the triage desk: the wizard,
record a step (then the advice, when the step gives advice to a group), close or reopen,
assign, priority, snooze, the clock. Each opens its modal and calls `done(result)` when
something was saved. Every form here is `about=` its case: meeting mode's mask
(privacy.shown) takes the case's subject and names out of its title and subtitle."""
from __future__ import annotations

from collections.abc import Callable

from clerkdesk.models.casework import case_route, cases, choices
from clerkdesk.models.core import vocab
from clerkdesk.models.core.db import DatabaseError
from clerkdesk.models.core.forms import validate
from clerkdesk.models.core.schema import Case

from .form import FormScreen
from .picker import PickerScreen

Done = Callable[[object], None]


def written(app, write: Callable[[], object], done: Done) -> None:
    """Run a write chosen in a picker; a refused write (a record changed behind
    clerkdesk's back, a busy or read-only casebook) is said, not a crash."""
    try:
        result = write()
    except DatabaseError as exc:
        app.notify(str(exc), title="Not saved", severity="error", timeout=15)
        return
    done(result)


def wizard(app, case_id: int, done: Done) -> None:
    from .wizard import WizardScreen

    app.push_screen(WizardScreen(case_id), done)


def wizard_on(app, case: Case, done: Done) -> None:
    wizard(app, case.id, done)


def step(app, case: Case, done: Done) -> None:
    if case.status == "closed":
        app.notify(f"{case.ref} is closed: c reopens it.", severity="warning")
        return
    specs = case_route.step_fields()
    now = case_route.current_step(case)
    before = (case_route.kept_route(case) or {}).get("position", 0)
    subtitle = case.subject + (f"\nNow: {now['action']} [{now['clause']}]" if now else
                               "\n" + case_route.where_now(case).capitalize())

    def save(raw):
        clean = validate(specs, raw)
        return case_route.record(case.id, clean["outcome"], clean["note"],
                                 contrary_to_advice=clean.get("contrary", False),
                                 clause=clean["clause"])

    def saved(result) -> None:
        # the step done gave advice to a group: record it in the advice register
        kept = case_route.kept_route(result) if result is not None else None
        moved = kept is not None and kept.get("position", 0) != before
        if moved and now is not None and now.get("records") == "advice":
            from .advice_form import record_advice

            record_advice(app, lambda _row: done(result), case=result)
            return
        done(result)

    app.push_screen(FormScreen(f"Record a step on {case.ref}", specs,
                               {s.name: s.initial() for s in specs}, save, subtitle=subtitle,
                               about=case), saved)


def close_or_reopen(app, case: Case, done: Done) -> None:
    if case.status == "closed":
        specs = case_route.reopen_fields()
        app.push_screen(FormScreen(f"Reopen {case.ref}", specs, {},
                                   lambda raw: cases.reopen_case(case.id, validate(specs, raw)["reason"]),
                                   subtitle=f"Closed {case.closed_on:%d/%m/%Y}: {case.outcome}",
                                   about=case), done)
        return
    specs = case_route.close_fields()

    def save(raw):
        clean = validate(specs, raw)
        return cases.close_case(case.id, clean["outcome"], clause=clean["clause"])

    app.push_screen(FormScreen(f"Close {case.ref}", specs, {}, save, subtitle=case.subject,
                               about=case), done)


def assign(app, case: Case, done: Done) -> None:
    from clerkdesk.models.casework import triage

    options = [(int(k), label) for k, label in choices.officer_choices()]

    def picked(officer_id) -> None:
        if officer_id is not None:
            written(app, lambda: triage.assign(case.id, officer_id), done)

    app.push_screen(PickerScreen(f"Assign {case.ref} to", options, current=case.owner_id), picked)


def priority(app, case: Case, done: Done) -> None:
    from clerkdesk.models.casework import triage

    options = list(vocab.PRIORITIES.items())

    def picked(value) -> None:
        if value is not None:
            written(app, lambda: triage.set_priority(case.id, value), done)

    app.push_screen(PickerScreen(f"Priority of {case.ref}", options, current=case.priority), picked)


def snooze(app, case: Case, done: Done) -> None:
    from clerkdesk.models.casework import triage

    specs = triage.snooze_fields()

    def save(raw):
        return triage.snooze(case.id, validate(specs, raw)["until"])

    app.push_screen(FormScreen(f"Snooze {case.ref}", specs, {s.name: s.initial() for s in specs},
                               save, subtitle=case.subject, about=case), done)


def clock(app, case: Case, done: Done) -> None:
    from .clock import clock as open_clock

    open_clock(app, case, done)
