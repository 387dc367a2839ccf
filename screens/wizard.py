"""The protocol wizard: one question per step, keyboard only, back and forward; each
question shows its clause and a one-line reason (and, under it, where a pre-filled answer
came from); it ends with the route, which `ctrl+s` saves to the case's timeline. On the
route, `d` declares a handler conflicted (with the reason) or withdraws it; handlers the
register of interests suggests are marked already."""
from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from clerkdesk.models.casework import case_route, cases, privacy
from clerkdesk.models.core import dates
from clerkdesk.models.core.db import DatabaseError
from clerkdesk.models.core.forms import FieldSpec, ValidationError, validate
from clerkdesk.models.core.schema import Case
from clerkdesk.screens.modal import Modal

from .confirm import ConfirmScreen
from .form import FormScreen
from .meeting import mode_of
from .picker import PickerScreen
from .widgets.theme import component_style

#: the parts of the wizard's text, each styled by the component class `wizard--<part>`
#: (wizard.tcss)
PARTS = ("heading", "strong", "clause", "clause-text", "role", "nobody", "in-writing",
         "reason", "warning", "problem", "progress", "muted")


def _choices(question) -> list[tuple[object, str]]:
    if question.kind == "bool" and not question.choices:
        return [(True, "Yes"), (False, "No")]
    return [(c.value, c.label) for c in question.choices]


def _due_text(route, case: Case) -> str:
    """The due line: the protocol's working days, or the date agreed with the member."""
    if case.agreed_due:
        return f"Due: {dates.fmt(case.due)} (agreed with the member)"
    days = route.due_working_days
    computed = cases.due_after(case.received, days)
    due = case.due or computed
    text = f"Due: {dates.fmt(due)} ({days} working days from receipt on {dates.fmt(case.received)})"
    if case.due and case.due != computed:
        text = (f"Due: {dates.fmt(case.due)} (set on the case; {days} working days from receipt "
                f"would be {dates.fmt(computed)})")
    if case.waited_days:
        text += f"; {case.waited_days} working days waited on the member"
    return text


def _unstyled(part: str) -> str:
    return ""


def _as_is(text: str) -> str:
    return text


def render_route(route, resolved, profile, case: Case, style=_unstyled,
                 conflicts: dict | None = None, proposed: set | None = None,
                 say=_as_is) -> Text:
    """The route as text; *style(part)* gives each part's style (one of PARTS); every
    piece of it goes through *say* (meeting mode: privacy.Shown.text takes the case's
    names out)."""
    text = Text()

    def add(piece: str, style=None) -> None:
        text.append(say(piece), style=style)

    add("Route\n", style=style("heading"))
    add(route.outcome + "\n", style=style("strong"))
    if route.due_working_days is not None:  # (first: on a 24-row screen it is in view)
        add(f"{_due_text(route, case)}\n", style=style("strong"))
    add(f"[{route.clause}] ", style=style("clause"))
    add(profile.quote(route.clause, 300, focus=route.outcome) + "\n\n",
        style=style("clause-text"))
    for i, (step, people) in enumerate(resolved, start=1):
        now_next = "now " if i == 1 else ("next" if i == 2 else "then")
        add(f"{now_next}  {i}. ", style=style("strong"))
        add(profile.role_label(step.handler), style=style("role"))
        if people:
            add(" (" + ", ".join(p.name for p in people) + ")")
        else:
            add(" (nobody holds this role in the registers)", style=style("nobody"))
        add("\n      " + step.action)
        if step.in_writing:
            add("  IN WRITING", style=style("in-writing"))
        add(f"  [{step.clause}]\n", style=style("clause"))
        if step.reason:
            add(f"      {step.reason}\n", style=style("reason"))
    if conflicts:
        add("\nConflicts declared\n", style=style("heading"))
        for role, why in conflicts.items():
            add(f"  {profile.role_label(role)}: ", style=style("strong"))
            add(why)
            clause = case_route.conflict_clause(profile, role, case)
            if clause:
                add(f"  [{clause}]", style=style("clause"))
            if role in (proposed or ()):
                add("  (from the register of interests; d to withdraw)", style=style("muted"))
            add("\n")
    if route.tasks:
        add("\nTasks it creates\n", style=style("heading"))
        for t in route.tasks:
            add(f"  [ ] {t.description}  ")
            add(f"[{t.clause}]\n", style=style("clause"))
    if route.warnings:
        add("\nBear in mind\n", style=style("heading"))
        for w in route.warnings:
            add(f"  ! {w.text}  ", style=style("warning"))
            add(f"[{w.clause}]\n", style=style("clause"))
    return text


class WizardScreen(Modal[object]):
    """Walks the clerk through the protocol for one case; dismisses the routed case or None."""

    COMPONENT_CLASSES = {f"wizard--{part}" for part in PARTS}

    BINDINGS = [
        Binding("escape", "leave", "Cancel"),
        Binding("left,b", "back", "Back"),
        Binding("d", "conflict", "Declare a conflict"),
        Binding("ctrl+d", "conflict", "Declare a conflict", show=False, priority=True),
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
        self.evidence: dict = {}
        self.sources: dict = {}  # fact -> where its pre-filled answer came from
        self.found: dict = {}
        self.conflicts: dict[str, str] = {}  # role -> reason: declared by the clerk
        self.proposed: set[str] = set()  # ... of which marked from the register of interests
        self.withdrawn: set[str] = set()  # proposals the clerk withdrew: not marked again
        self.shown = privacy.shown(self.case, False)  # (set from meeting mode on mount)

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box wizard-box"):
            yield Label("", classes="form-title", id="wiz-title")
            yield Static("", id="wiz-progress")
            with Vertical(id="wiz-question"):
                yield Static("", id="wiz-prompt")
                yield Static("", id="wiz-reason")
                yield Static("", id="wiz-evidence")
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
        self.evidence = begin.evidence
        self.sources = begin.sources
        self.found = dict(begin.prefill)  # what the case and the registers said at the start
        self.show_next()

    def on_unmount(self) -> None:
        mode_of(self).unwatch(self)

    def meeting_mode_changed(self, on: bool) -> None:
        self.shown = privacy.shown(self.case, on)
        self.query_one("#wiz-title", Label).update(f"Protocol wizard: {self.shown.title}")
        if self.profile is None:
            return  # (mounting: the first question is drawn next)
        if self.route is not None:
            self.show_route()  # drawn again through the mask (or without it)
        elif self.question is not None:
            self.show_next()

    def say(self, text: str) -> str:
        """*text* about this case as the screen may show it now (privacy.py)."""
        return self.shown.text(text)

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
        say = self.say
        self.query_one("#wiz-prompt", Static).update(Text(say(question.prompt),
                                                          style=self.style("strong")))
        self.query_one("#wiz-reason", Static).update(say(question.reason))
        lines = self.evidence.get(question.fact, [])
        evidence = self.query_one("#wiz-evidence", Static)
        evidence.update(Text(say("\n".join(lines)), style="italic"))
        evidence.display = bool(lines)
        clause = Text()
        clause.append(f"[{question.clause}] ", style=self.style("clause"))
        clause.append(self.profile.question_quote(question, 280), style=self.style("clause-text"))
        self.query_one("#wiz-clause", Static).update(clause)
        options = self.query_one("#wiz-choices", OptionList)
        options.clear_options()
        choices = _choices(question)
        known = self.answers.get(question.fact, self.prefill.get(question.fact, question.default))
        for i, (_value, label) in enumerate(choices):
            # (the case's own pre-filled answer, not one the clerk gave and went back over)
            suffix = f"   ({self.sources[question.fact]})" if question.fact in self.sources \
                and self.found.get(question.fact) == _value and question.fact not in self.answers \
                else ""
            options.add_option(Option(say(f"{label}{suffix}"), id=str(i)))
        highlight = next((i for i, (v, _l) in enumerate(choices) if v == known), 0)
        options.highlighted = highlight
        options.focus()
        self.query_one("#wiz-keys", Static).update(
            "↑↓ choose   enter answer   ← / b back   esc cancel")

    def show_problem(self, message: str) -> None:
        self.query_one("#wiz-question").display = False
        self.query_one("#wiz-route").display = True
        self.query_one("#wiz-route-body", Static).update(
            Text(f"The protocol cannot route these answers: {self.say(message)}\n\nGo back (←) and "
                 "change an answer" + (", or withdraw a conflict (d)." if self.conflicts else "."),
                 style=self.style("problem")))
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

    def _route_now(self):
        return case_route.route_for(self.case, self.profile, self.facts(), self.conflicts)

    def _mark_proposed(self) -> None:
        """Mark the handlers the register of interests suggests (until none is new)."""
        for _ in range(4):
            new = [c for c in case_route.proposed_conflicts(self.case, self.profile, self.route)
                   if c.role not in self.conflicts and c.role not in self.withdrawn]
            if not new:
                return
            for c in new:
                self.conflicts[c.role] = c.reason
                self.proposed.add(c.role)
            try:
                self.route, self.resolved = self._route_now()
            except case_route.RouteError:
                for c in new:  # the interest would leave nobody: the clerk decides
                    self.conflicts.pop(c.role, None)
                    self.proposed.discard(c.role)
                    self.withdrawn.add(c.role)
                self.route, self.resolved = self._route_now()
                return

    def show_route(self) -> None:
        try:
            self.route, self.resolved = self._route_now()
            self._mark_proposed()
        except case_route.RouteError as exc:
            self.show_problem(str(exc))
            return
        self.query_one("#wiz-question").display = False
        self.query_one("#wiz-route").display = True
        self.query_one("#wiz-route-body", Static).update(
            render_route(self.route, self.resolved, self.profile, self.case, self.style,
                         self.conflicts, self.proposed, say=self.say))
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
            "ctrl+s save the route to the case   d declare a conflict   ← / b back   esc cancel")

    def action_confirm(self) -> None:
        if self.route is None:
            self.app.bell()
            return
        reasons = self.query_one("#wiz-reasons", Input).value
        try:
            case = case_route.apply_route(self.case.id, self.route, self.resolved, reasons=reasons,
                                          profile=self.profile, conflicts=self.conflicts)
        except (ValidationError, DatabaseError) as exc:
            message = (" ".join(exc.errors.values()) if isinstance(exc, ValidationError)
                       else str(exc))
            self.query_one("#wiz-error", Static).update(self.say(message))
            self.query_one("#wiz-error").add_class("shown")
            self.query_one("#wiz-reasons", Input).focus()
            return
        self.dismiss(case)

    # --- conflicts ------------------------------------------------------------------------

    def conflict_options(self) -> list[tuple[str, str]]:
        """The roles the clerk may declare conflicted (the route's handlers, and the roles
        whose steps an alternate took) and the ones declared, to withdraw."""
        out = [(role, self.say(f"Withdraw: {self.profile.role_label(role)} ({why})"))
               for role, why in self.conflicts.items()]
        if self.route is not None:
            for step, people in self.resolved:
                if step.handler in self.conflicts or step.handler in {r for r, _ in out}:
                    continue
                who = f" ({', '.join(p.name for p in people)})" if people else ""
                out.append((step.handler, self.say(f"{self.profile.role_label(step.handler)}{who}")))
        return out

    def action_conflict(self) -> None:
        if self.question is not None and self.route is None and not self.conflicts:
            self.app.bell()  # still asking: the handlers are not known yet
            return
        options = self.conflict_options()
        if not options:
            self.app.bell()
            return

        def picked(role) -> None:
            if role is None:
                return
            if role in self.conflicts:
                self.conflicts.pop(role)
                self.proposed.discard(role)
                self.withdrawn.add(role)
                self.show_route()
                return
            self.ask_reason(role)

        self.app.push_screen(PickerScreen("Declare a handler conflicted (or withdraw)", options),
                             picked)

    def ask_reason(self, role: str) -> None:
        label = self.profile.role_label(role)
        specs = [FieldSpec("reason", f"Why the {label} may not act on this case", "longtext",
                           required=True,
                           help="Recorded on the case's timeline with the route, e.g. a "
                                "declared interest or a personal connection.")]

        def save(raw):
            return validate(specs, raw)["reason"]

        def done(reason) -> None:
            if reason:
                self.conflicts[role] = reason
                self.withdrawn.discard(role)
                self.show_route()

        self.app.push_screen(FormScreen(f"{label}: a conflict on {self.case.ref}", specs, {}, save,
                                        subtitle="Its steps go to the protocol's alternate.",
                                        about=self.case), done)

    def action_leave(self) -> None:
        if not self.asked:
            self.dismiss(None)
            return

        def answered(leave: bool | None) -> None:
            if leave:
                self.dismiss(None)

        self.app.push_screen(ConfirmScreen("Leave the wizard? Your answers are not saved.",
                                           yes="Leave", no="Stay"), answered)
