"""The protocol wizard: one question per step, keyboard only, back and forward; each
question shows its clause and a one-line reason; it ends with the route, which `ctrl+s`
saves to the case's timeline."""
from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from clerkdesk.models.casework import case_route, privacy
from clerkdesk.models.core import dates
from clerkdesk.models.core.forms import ValidationError
from clerkdesk.models.core.schema import Case

from .confirm import ConfirmScreen
from .meeting import mode_of
from .widgets.theme import component_style

#: the parts of the wizard's text, each styled by the component class `wizard--<part>`
#: (wizard.tcss)
PARTS = ("heading", "strong", "clause", "clause-text", "role", "nobody", "in-writing",
         "reason", "warning", "problem", "progress")


def _choices(question) -> list[tuple[object, str]]:
    if question.kind == "bool" and not question.choices:
        return [(True, "Yes"), (False, "No")]
    return [(c.value, c.label) for c in question.choices]


def render_route(route, resolved, profile, case: Case, style) -> Text:
    """The route as text; *style(part)* gives each part's style (one of PARTS)."""
    out = Text()
    out.append("Route\n", style=style("heading"))
    out.append(route.outcome + "\n", style=style("strong"))
    out.append(f"[{route.clause}] ", style=style("clause"))
    out.append(profile.clause_text(route.clause)[:300] + "\n\n", style=style("clause-text"))
    for i, (step, people) in enumerate(resolved, start=1):
        now_next = "now " if i == 1 else ("next" if i == 2 else "then")
        out.append(f"{now_next}  {i}. ", style=style("strong"))
        out.append(profile.role_label(step.handler), style=style("role"))
        if people:
            out.append(" (" + ", ".join(p.name for p in people) + ")")
        else:
            out.append(" (nobody holds this role in the registers)", style=style("nobody"))
        out.append("\n      " + step.action)
        if step.in_writing:
            out.append("  IN WRITING", style=style("in-writing"))
        out.append(f"  [{step.clause}]\n", style=style("clause"))
        if step.reason:
            out.append(f"      {step.reason}\n", style=style("reason"))
    if route.due_working_days is not None:
        due = case.due or case_route.cases.due_after(case.received, route.due_working_days)
        out.append(f"\nDue: {dates.fmt(due)} ({route.due_working_days} working days from "
                   f"receipt on {dates.fmt(case.received)})\n", style=style("strong"))
    if route.tasks:
        out.append("\nTasks it creates\n", style=style("heading"))
        for t in route.tasks:
            out.append(f"  [ ] {t.description}  ")
            out.append(f"[{t.clause}]\n", style=style("clause"))
    if route.warnings:
        out.append("\nBear in mind\n", style=style("heading"))
        for w in route.warnings:
            out.append(f"  ! {w.text}  ", style=style("warning"))
            out.append(f"[{w.clause}]\n", style=style("clause"))
    return out


class WizardScreen(ModalScreen[object]):
    """Walks the clerk through the protocol for one case; dismisses the routed case or None."""

    COMPONENT_CLASSES = {f"wizard--{part}" for part in PARTS}

    BINDINGS = [
        Binding("escape", "leave", "Cancel"),
        Binding("left,b", "back", "Back"),
        Binding("ctrl+s", "confirm", "Save route", priority=True),
    ]

    def __init__(self, case_id: int) -> None:
        super().__init__()
        self.case = Case.get_by_id(case_id)
        self.profile = None
        self.answers: dict = {}
        self.asked: list = []  # the questions answered, in order, for going back
        self.question = None
        self.route = None
        self.resolved = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box wizard-box"):
            yield Label("", classes="form-title", id="wiz-title")
            yield Static("", id="wiz-progress")
            with Vertical(id="wiz-question"):
                yield Static("", id="wiz-prompt")
                yield Static("", id="wiz-reason")
                yield OptionList(id="wiz-choices")
                yield Static("", id="wiz-clause")
            with VerticalScroll(id="wiz-route"):
                yield Static("", id="wiz-route-body")
                yield Label("Reasons for the refusal *", id="wiz-reasons-label")
                yield Input(placeholder="Why: recorded on the case with the clause", id="wiz-reasons")
                yield Static("", id="wiz-error", classes="field-error")
            yield Static("", id="wiz-keys", classes="hint")

    def style(self, part: str):
        return component_style(self, f"wizard--{part}")

    def on_mount(self) -> None:
        self.meeting_mode_changed(mode_of(self).watch(self, self.meeting_mode_changed))
        try:
            self.profile = case_route.profile_for_council()
        except case_route.RouteError as exc:
            self.app.notify(str(exc), severity="error", timeout=10)
            self.dismiss(None)
            return
        begin = case_route.start(self.case, self.profile)
        self.fixed = begin.fixed
        self.prefill = begin.prefill
        self.show_next()

    def on_unmount(self) -> None:
        mode_of(self).unwatch(self)

    def meeting_mode_changed(self, on: bool) -> None:
        title = privacy.case_title(self.case, on)
        self.query_one("#wiz-title", Label).update(f"Protocol wizard: {title}")

    # --- the questions ------------------------------------------------------------------

    def facts(self) -> dict:
        return {**self.fixed, **self.answers}

    def show_next(self) -> None:
        from clerkdesk.models.rules import rulebook

        try:
            question = rulebook.next_question(self.profile, self.facts())
        except rulebook.FactError as exc:
            self.show_problem(exc.message)
            return
        if question is None:
            self.show_route()
            return
        self.question = question
        self.route = None
        self.query_one("#wiz-question").display = True
        self.query_one("#wiz-route").display = False
        number = len(self.asked) + 1
        self.query_one("#wiz-progress", Static).update(
            Text(f"Question {number}" + (f"  ·  answered: {len(self.asked)}" if self.asked else ""),
                 style=self.style("progress")))
        self.query_one("#wiz-prompt", Static).update(Text(question.prompt, style=self.style("strong")))
        self.query_one("#wiz-reason", Static).update(question.reason)
        clause = Text()
        clause.append(f"[{question.clause}] ", style=self.style("clause"))
        clause.append(self.profile.clause_text(question.clause)[:280], style=self.style("clause-text"))
        self.query_one("#wiz-clause", Static).update(clause)
        options = self.query_one("#wiz-choices", OptionList)
        options.clear_options()
        choices = _choices(question)
        known = self.answers.get(question.fact, self.prefill.get(question.fact, question.default))
        for i, (_value, label) in enumerate(choices):
            suffix = "   (from the registers)" if question.fact in self.prefill and \
                self.prefill[question.fact] == _value and question.fact not in self.answers else ""
            options.add_option(Option(f"{label}{suffix}", id=str(i)))
        highlight = next((i for i, (v, _l) in enumerate(choices) if v == known), 0)
        options.highlighted = highlight
        options.focus()
        self.query_one("#wiz-keys", Static).update(
            "↑↓ choose   enter answer   ← / b back   esc cancel")

    def show_problem(self, message: str) -> None:
        self.query_one("#wiz-question").display = False
        self.query_one("#wiz-route").display = True
        self.query_one("#wiz-route-body", Static).update(
            Text(f"The protocol cannot route these answers: {message}\n\nGo back (←) and "
                 "change an answer.", style=self.style("problem")))
        self.query_one("#wiz-reasons-label").display = False
        self.query_one("#wiz-reasons").display = False
        self.route = None

    @on(OptionList.OptionSelected, "#wiz-choices")
    def answered(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        value = _choices(self.question)[int(event.option.id)][0]
        self.answers[self.question.fact] = value
        if self.question not in self.asked:
            self.asked.append(self.question)
        self.show_next()

    def action_back(self) -> None:
        if not self.asked:
            self.app.bell()
            return
        last = self.asked.pop()
        # keep the answer as the highlighted default, but ask the question again
        self.prefill[last.fact] = self.answers.pop(last.fact, self.prefill.get(last.fact))
        self.show_next()

    # --- the route ------------------------------------------------------------------------

    def show_route(self) -> None:
        try:
            self.route, self.resolved = case_route.route_for(self.case, self.profile, self.facts())
        except case_route.RouteError as exc:
            self.show_problem(str(exc))
            return
        self.query_one("#wiz-question").display = False
        self.query_one("#wiz-route").display = True
        self.query_one("#wiz-route-body", Static).update(
            render_route(self.route, self.resolved, self.profile, self.case, self.style))
        self.query_one("#wiz-progress", Static).update(
            Text(f"{len(self.asked)} answer{'s' if len(self.asked) != 1 else ''}: the route",
                 style=self.style("progress")))
        refusal = self.route.refusal
        self.query_one("#wiz-reasons-label").display = refusal
        reasons = self.query_one("#wiz-reasons", Input)
        reasons.display = refusal
        if refusal:
            reasons.focus()
        else:
            self.query_one("#wiz-route").focus()
        self.query_one("#wiz-keys", Static).update(
            "ctrl+s save the route to the case   ← / b back   esc cancel")

    def action_confirm(self) -> None:
        if self.route is None:
            self.app.bell()
            return
        reasons = self.query_one("#wiz-reasons", Input).value
        try:
            case = case_route.apply_route(self.case.id, self.route, self.resolved, reasons=reasons,
                                      profile=self.profile)
        except ValidationError as exc:
            self.query_one("#wiz-error", Static).update(" ".join(exc.errors.values()))
            self.query_one("#wiz-error").add_class("shown")
            self.query_one("#wiz-reasons", Input).focus()
            return
        self.dismiss(case)

    def action_leave(self) -> None:
        if not self.asked:
            self.dismiss(None)
            return

        def answered(leave: bool | None) -> None:
            if leave:
                self.dismiss(None)

        self.app.push_screen(ConfirmScreen("Leave the wizard? Your answers are not saved.",
                                           yes="Leave", no="Stay"), answered)
