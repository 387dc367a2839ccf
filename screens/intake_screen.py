"""Taking in a saved email from the app (`i` on the Dashboard and the case lists, or the
palette): a file picker over the folder last used (or the council's intake folder), the
email read on a thread, then

- a new case: the case's own form, filled in from the email (who, the subject, the date,
  the guessed kind) for the clerk to confirm or change; saving writes the case, the email
  and its attachments in one go (on a thread), and the protocol wizard opens next;
- a reply (its subject names a case, or it answers an email filed on one): a question,
  then a step on that case;
- an email taken in before, or a file that cannot be taken in: one sentence.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from clerkdesk.models.casework import intake
from clerkdesk.models.casework.council import council_nation
from clerkdesk.models.core.db import worker_connection
from clerkdesk.models.core.forms import ValidationError, validate


def _marks(folder: Path, paths: list[Path]) -> dict[Path, str]:
    """"taken in" beside the emails of the folder already filed on a case."""
    waiting = set(intake.waiting(folder))
    return {p: "✓ taken in" for p in paths if p not in waiting}


def take_in_email(app, done: Callable[[object], None]) -> None:
    """The whole flow; `done(case)` after something was written (the caller refreshes),
    then, for a new case, the wizard opens."""
    from .file_picker import FilePickerScreen

    def picked(path) -> None:
        if path is None:
            return
        try:
            intake.remember_folder(path.parent)
        except Exception:  # remembering the folder is a nicety, never a failure
            pass
        app.notify(f"Reading {path.name}…", timeout=2)
        app.run_worker(lambda: _read(app, path, done), thread=True, group="intake",
                       exit_on_error=False)

    app.push_screen(FilePickerScreen("Take in a saved email (.eml)", intake.start_folder(),
                                     suffixes=intake.EMAIL_SUFFIXES, mark=_marks), picked)


def _read(app, path: Path, done) -> None:
    try:
        with worker_connection():
            plan = intake.plan_file(path, apart=True)  # (a large one in a child process)
            if plan.case is not None:
                plan.case.ref  # (read here, not on the screen's thread)
    except intake.IntakeError as exc:
        app.call_from_thread(app.notify, str(exc), severity="error", timeout=15)
        return
    except Exception as exc:  # never a traceback for the clerk
        app.call_from_thread(app.notify, f"{path.name} could not be read: {exc}",
                             severity="error", timeout=15)
        return
    app.call_from_thread(_next, app, plan, done)


def _private(app, plan) -> bool:
    from clerkdesk.models.casework import privacy

    from .documents_screen import meeting_mode

    if not meeting_mode(app):
        return False
    if plan.case is not None:
        return privacy.case_is_private(plan.case.type, plan.case.confidential)
    return privacy.case_is_private(plan.case_type, False)


def _next(app, plan: intake.Plan, done) -> None:
    from clerkdesk.models.casework import privacy
    from clerkdesk.models.casework.privacy import HIDDEN

    from .confirm import ConfirmScreen
    from .form import FormScreen

    if plan.action == "duplicate":
        app.notify(f"{plan.name} was taken in already, on {plan.case.ref}: nothing to do.",
                   severity="warning", timeout=10)
        return
    hide = _private(app, plan)
    lines = plan.lines()
    if hide:  # meeting mode: what the screen says names nobody
        lines = [lines[0].split(" from ")[0] + " (names hidden in meeting mode)"]
    if plan.action == "reply":
        if plan.problems:
            app.notify(f"{plan.name}: {plan.problems[0]}", severity="error", timeout=12)
            return

        def answer(yes) -> None:
            if yes:
                _write(app, plan, None, done)

        question = "Add this email to the case's timeline?\n\n" + "\n".join(lines)
        app.push_screen(ConfirmScreen(question, yes="Add it"), answer)
        return
    register = plan.register()
    specs = register.fields()

    def check(raw):
        clean = validate(specs, raw, nation=council_nation())
        problems = register.check(clean, None) if register.check else {}
        if problems:
            raise ValidationError(problems)
        return dict(raw)

    def confirmed(raw) -> None:
        if raw is not None:
            _write(app, plan, raw, done)

    subtitle = "\n".join(lines) if hide else _short(plan)
    title = f"New {plan.case_type} from an email" + ("" if hide else f": {plan.sender.name}"
                                                     if plan.sender else "")
    values = plan.form_values()
    if hide:
        title = f"New {plan.case_type} from an email ({HIDDEN})"

        # meeting mode: the form's fields hold the email's names and subject, so the
        # clerk says so first (the same question as the edit form's, privacy.py)
        def show(yes) -> None:
            if yes:
                app.push_screen(FormScreen(title, specs, values, check, subtitle=subtitle),
                                confirmed)

        app.push_screen(ConfirmScreen(privacy.EDIT_QUESTION.format(ref=f"this {plan.case_type}"),
                                      yes="Show them", no="Keep hidden"), show)
        return
    app.push_screen(FormScreen(title, specs, values, check, subtitle=subtitle), confirmed)


def _write(app, plan: intake.Plan, form, done) -> None:
    def job() -> None:
        try:
            with worker_connection():
                result = intake.take_in(plan, form=form)
                result.case.ref  # (read here)
        except intake.Duplicate as exc:
            app.call_from_thread(app.notify, str(exc), severity="warning", timeout=10)
            return
        except ValidationError as exc:
            app.call_from_thread(app.notify, "Nothing was taken in: " + "; ".join(
                exc.errors.values()), severity="error", timeout=12)
            return
        except Exception as exc:  # DocumentError, IntakeError, a database error: a sentence
            app.call_from_thread(app.notify, f"Nothing was taken in: {exc}", severity="error",
                                 timeout=12)
            return
        app.call_from_thread(_written, app, result, done)

    app.notify("Taking the email in…", timeout=2)
    app.run_worker(job, thread=True, group="intake", exit_on_error=False)


def _written(app, result, done) -> None:
    n = len(result.documents)
    what = f"{n} document{'s' if n != 1 else ''}"
    if result.created:
        app.notify(f"Taken in as {result.case.ref} ({what}): now the protocol wizard.",
                   title="Email taken in", timeout=8)
    else:
        app.notify(f"Added to {result.case.ref} as a step ({what}).", title="Email taken in",
                   timeout=8)
    done(result.case)
    if result.created:
        from . import case_actions

        def routed(case) -> None:
            if case is not None:
                app.notify(f"{case.ref} routed: {case.stage}.")
                done(case)

        case_actions.wizard(app, result.case.id, routed)


def _short(plan: intake.Plan) -> str:
    """The form's two lines about the email (the form itself shows the rest)."""
    from clerkdesk.models.core import dates

    who = plan.sender.name if plan.sender else plan.source.sender
    first = f"From {who}, received {dates.fmt(plan.received)}; files: the email and " \
            f"{plan.attachment_text()}."
    how = (f"The kind is guessed from {', '.join(repr(w) for w in plan.kind_words[:3])}"
           if plan.kind_words else "The kind is the usual one (no words to go on)")
    second = how + ": confirm it, then ctrl+s; the wizard opens next."
    if plan.forwarded_by is not None:
        second = f"Forwarded by {plan.forwarded_by.name}. " + second
    return f"{first}\n{second}"
