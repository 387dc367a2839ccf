"""The case keys on the rows marked (screens/marks.py): close, assign, priority, snooze and
record a step, each asking what the single-case key asks (the same form or picker),
then a preview of what will happen ("Close 12 cases?", the cases, those skipped and
why), then ONE batch (models/casework/bulk.py) that one ctrl+z undoes. The preview and
the batch are read and written on a worker (thousands of cases may be marked): the UI
never waits on them.

The preview is masked as meeting mode masks (privacy.case_title), again whenever meeting
mode changes while it is open."""
from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Label, Static

from clerkdesk.models.casework import bulk, case_route, choices, triage
from clerkdesk.models.core import vocab
from clerkdesk.models.core.db import DatabaseError, worker_connection
from clerkdesk.models.core.forms import ValidationError, validate
from clerkdesk.screens.modal import Modal

from . import case_actions
from .form import FormScreen
from .meeting import mode_of
from .picker import PickerScreen

#: the single-case actions (screens/case_actions.py) that have a bulk form, and its name
BULK_OF = {
    case_actions.close_or_reopen: "close",
    case_actions.assign: "assign",
    case_actions.priority: "priority",
    case_actions.snooze: "snooze",
    case_actions.step: "step",
}


class BulkConfirmScreen(Modal[bool]):
    """The preview of a bulk action: what will happen to which cases, and which are
    skipped and why; y does it, n or esc leaves everything as it is."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
        Binding("m", "meeting", "Meeting mode"),
    ]

    def __init__(self, preview: bulk.Preview) -> None:
        super().__init__()
        self.preview = preview

    def compose(self) -> ComposeResult:
        with Vertical(id="bulk-box", classes="modal-box"):
            yield Label(self.preview.question, id="bulk-question", classes="form-title")
            with VerticalScroll(id="bulk-cases"):
                yield Static("", id="bulk-list")
            yield Label("One change for the record: ctrl+z undoes all of it.   m meeting mode",
                        classes="hint")
            with Horizontal(classes="buttons"):
                yield Button("Yes (y)", variant="primary", id="yes")
                yield Button("No (n)", id="no")

    def on_mount(self) -> None:
        self.meeting_mode_changed(mode_of(self).watch(self, self.meeting_mode_changed))
        self.query_one("#no", Button).focus()

    def on_unmount(self) -> None:
        mode_of(self).unwatch(self)

    def meeting_mode_changed(self, on: bool) -> None:
        lines = self.preview.lines(meeting_mode=on)[1:]  # (the question is the title)
        self.query_one("#bulk-list", Static).update("\n".join(lines))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)

    def action_meeting(self) -> None:
        """m here too (a modal takes the app's keys): the preview redraws at once."""
        self.app.action_toggle_meeting_mode()


def _on_worker(app, job: Callable[[], object], then: Callable[[object], None]) -> None:
    """Run *job* (a read or a write) on a worker with a connection of its own, then
    *then(result)* on the UI thread; a refused write or a bad value is said, not a crash."""

    def work() -> None:
        try:
            with worker_connection():
                result = job()
        except ValidationError as exc:
            app.call_from_thread(app.notify, " ".join(exc.errors.values()), title="Not saved",
                                 severity="warning", timeout=10)
            return
        except DatabaseError as exc:  # a record changed behind clerkdesk's back, a busy casebook
            app.call_from_thread(app.notify, str(exc), title="Not saved", severity="error",
                                 timeout=15)
            return
        app.call_from_thread(then, result)

    app.run_worker(work, thread=True, group="bulk", exit_on_error=False)


def _preview(app, action: str, ids: list[int], params: dict,
             done: Callable[[bulk.Result], None]) -> None:
    """Read the preview on a worker, then ask."""
    _on_worker(app, lambda: bulk.preview(action, ids, **params),
               lambda preview: _confirm_then_apply(app, preview, ids, done))


def _confirm_then_apply(app, preview: bulk.Preview, ids: list[int],
                        done: Callable[[bulk.Result], None]) -> None:
    if not preview.ready:
        reasons = sorted({why for _t, why in preview.skipped})
        app.notify(preview.question + (f" ({'; '.join(reasons)})" if reasons else ""),
                   severity="warning", timeout=8)
        return

    def answered(yes: bool | None) -> None:
        if yes:
            if len(preview.ready) > 50:
                app.notify(f"Working on {len(preview.ready)} cases…", timeout=3)
            _on_worker(app, lambda: bulk.apply(preview.action, ids, **preview.params), done)

    app.push_screen(BulkConfirmScreen(preview), answered)


def _picked(app, action: str, ids: list[int], done, **params) -> None:
    try:
        params = bulk.check(action, **params)
    except ValidationError as exc:
        app.notify(" ".join(exc.errors.values()), severity="warning")
        return
    _preview(app, action, ids, params, done)


def start(app, action: str, ids: list[int], done: Callable[[bulk.Result], None]) -> None:
    """Ask for what *action* needs, preview it on the cases *ids*, and do it on yes."""
    n = len(ids)
    many = f"{n} marked case{'s' if n != 1 else ''}"

    def checked(params) -> None:
        if params is not None:
            _preview(app, action, ids, params, done)

    def form(title: str, specs, values: dict, params: Callable[[dict], dict]) -> None:
        # the form only checks what was typed: the preview follows, nothing is written
        # until yes
        save = lambda raw: bulk.check(action, **params(validate(specs, raw)))  # noqa: E731
        app.push_screen(FormScreen(title, specs, values, save,
                                   subtitle="A preview follows: nothing is changed before you say yes."),
                        checked)

    if action == "close":
        specs = case_route.close_fields()
        form(f"Close {many}", specs, {},
             lambda clean: {"outcome": clean["outcome"], "clause": clean["clause"]})
    elif action == "snooze":
        specs = triage.snooze_fields()
        form(f"Snooze {many}", specs, {s.name: s.initial() for s in specs},
             lambda clean: {"until": clean["until"]})
    elif action == "step":
        specs = case_route.step_fields()
        form(f"Record a step on {many}", specs, {s.name: s.initial() for s in specs},
             lambda clean: {"outcome": clean["outcome"], "note": clean["note"],
                            "clause": clean.get("clause", ""),
                            "contrary_to_advice": clean.get("contrary", False)})
    elif action == "assign":
        options = [(int(k), label) for k, label in choices.officer_choices()]
        app.push_screen(PickerScreen(f"Assign {many} to", options),
                        lambda officer_id: officer_id is not None and _picked(
                            app, "assign", ids, done, officer_id=officer_id))
    elif action == "priority":
        app.push_screen(PickerScreen(f"Priority of {many}", list(vocab.PRIORITIES.items())),
                        lambda value: value is not None and _picked(
                            app, "priority", ids, done, priority=value))
    else:
        raise ValueError(f"no bulk action {action!r}")
