"""A case on its protocol route: working out the route for a case, saving it to the
case's timeline with its clauses and tasks, and moving the case along it.

The route is kept on the case (`case.route`, JSON): the rulebook's route, the people each
step resolved to when it was saved, the position of the step the case is at now, and the
conflicts the clerk declared in the wizard (role -> reason), which also go on the timeline.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from clerkdesk.models.casework import cases, council
from clerkdesk.models.core import dates
from clerkdesk.models.core.db import database
from clerkdesk.models.core.forms import FieldSpec, ValidationError
from clerkdesk.models.core.schema import Case, Task, now
from clerkdesk.models.rules import rulebook
from clerkdesk.models.store import audit

if TYPE_CHECKING:  # (imported where a case is routed: not at start-up)
    from clerkdesk.models.casework import protocol_facts

#: what `s` can record on a routed case, and what it does to the route
STEP_OUTCOMES = {
    "note": "A note only: the case stays at this step",
    "done": "This step is done: move on to the next",
    "escalated": "Escalated: move on to the next step",
    "referred": "Referred on: move on to the next step",
    "resolved": "Resolved informally: close the case",
    "outcome": "Decided: close the case with the outcome",
}


MOVES_ON = {"done", "escalated", "referred"}


CLOSES = {"resolved", "outcome"}


def close_fields() -> list[FieldSpec]:
    """The form `c` opens on an open case (`cases.close_case`)."""
    return [FieldSpec("outcome", "Outcome", "longtext", required=True),
            FieldSpec("clause", "Clause", max_len=40)]


def reopen_fields() -> list[FieldSpec]:
    """The form `c` opens on a closed case (`cases.reopen_case`)."""
    return [FieldSpec("reason", "Why reopen it?", required=True, max_len=200)]


class RouteError(Exception):
    """The case cannot be routed now (a broken profile, a fact the engine refuses)."""


def profile_for_council():
    try:
        return council.profile()
    except rulebook.ProfileError as exc:
        raise RouteError(f"The protocol profile cannot be used: {exc}") from None


def contrary_clause(profile) -> str:
    """The clause under which members may decide against officer advice, or "" when the
    profile has no such rule (then the app does not offer it): the clause of the question
    that sets the profile's CONTRARY_FACT."""
    if profile is None or rulebook.CONTRARY_FACT not in profile.facts:
        return ""
    return next((q.clause for q in profile.question_list if q.fact == rulebook.CONTRARY_FACT), "")


def step_fields(profile=None):
    """The form `s` opens on a case; "decided contrary to officer advice" only where the
    council's profile has the rule."""
    if profile is None:
        try:
            profile = profile_for_council()
        except RouteError:
            profile = None
    specs = [
        FieldSpec("outcome", "What happened", "choice", required=True, choices=STEP_OUTCOMES,
                  default="note"),
        FieldSpec("note", "Note", "longtext",
                  help="Needed when the case is resolved or decided: it becomes the outcome."),
    ]
    clause = contrary_clause(profile)
    if clause:
        specs.append(FieldSpec("contrary", f"Decided contrary to officer advice ({clause})",
                               "bool", default="no"))
    specs.append(FieldSpec("clause", "Clause", max_len=40,
                           placeholder="blank: the route step's clause"))
    return specs


def is_asked(profile, fact: str) -> bool:
    return any(q.fact == fact for q in profile.question_list)


@dataclass
class WizardStart:
    """What the wizard starts from: fixed facts (the case's kind, hidden facts such as the
    history of earlier complaints), pre-filled answers the clerk confirms, and where those
    came from (fact -> lines shown under its question)."""

    fixed: dict
    prefill: dict
    evidence: dict = field(default_factory=dict)
    #: fact -> where its pre-filled answer came from ("from the registers", "as recorded
    #: on the case"): what the wizard says beside it
    sources: dict = field(default_factory=dict)


def start(case: Case, profile) -> WizardStart:
    facts = _facts().facts_from_case(case, profile, today=dates.today())
    fixed = {k: v for k, v in facts.items() if k == "case" or not is_asked(profile, k)}
    prefill = {k: v for k, v in facts.items() if k not in fixed}
    return WizardStart(fixed, prefill, _facts().evidence(case, profile),
                       {k: _facts().source_of(k) for k in prefill})


def with_conflicts(answers: dict, declared: dict | None) -> dict:
    """The answers with the roles the clerk declared conflicted added to conflicted_roles."""
    if not declared:
        return dict(answers)
    roles = list(answers.get(rulebook.CONFLICT_FACT, [])) + list(declared)
    return {**answers, rulebook.CONFLICT_FACT: list(dict.fromkeys(roles))}


def route_for(case: Case, profile, answers: dict, declared: dict | None = None
              ) -> tuple[rulebook.Route, list]:
    """The route for the case given the clerk's answers (and the roles the clerk declared
    conflicted, role -> reason), with each step's people."""
    facts = rulebook.applicable_answers(profile, with_conflicts(answers, declared))
    try:
        route = rulebook.route(profile, facts)
    except rulebook.FactError as exc:
        raise RouteError(exc.message) from None
    return route, _facts().resolve_route(route, case, today=dates.today())


def proposed_conflicts(case: Case, profile, route: rulebook.Route) -> list[protocol_facts.Conflict]:
    """Handlers of the route whom the members' declared interests suggest are conflicted
    on this case, for the wizard to mark (the clerk may withdraw each)."""
    return _facts().interest_conflicts(case, profile, route.handlers, today=dates.today())


def conflict_clause(profile, role: str, case: Case) -> str:
    """The clause a declared conflict cites: the profile's officer or member conflict
    clause, by who holds the role for this case."""
    ctx = _facts().context_from_case(case, dates.today())
    people = _facts().resolve(role, ctx)
    kind = "member" if people and all(p.kind == "member" for p in people) else "officer"
    return profile.setting_clause(f"{kind}_conflict")


def _names(people) -> list[str]:
    return [p.name for p in people]


def apply_route(case_id: int, route: rulebook.Route, resolved: list, *, reasons: str = "",
                profile=None, conflicts: dict | None = None) -> Case:
    """Save the route to the case: its timeline gets the route with the clauses (and each
    conflict the clerk declared, with its reason), the tasks are created, the due date is
    set from the working days the route gives, the first step's officer owns the case if
    nobody does. One transaction."""
    reasons = (reasons or "").strip()
    if route.refusal and not reasons:
        raise ValidationError({"reasons": "A refusal records its reasons: say why."})
    conflicts = {role: (why or "").strip() for role, why in (conflicts or {}).items()}
    for role, why in conflicts.items():
        if not why:
            raise ValidationError({"conflicts": "A declared conflict records its reason: say why."})
    profile = profile or profile_for_council()
    with database.atomic():
        case = Case.get_by_id(case_id)
        kept = {
            "route": route.to_dict(),
            "people": [_names(people) for _step, people in resolved],
            "position": 0,
            "routed_at": now().isoformat(),
            "reasons": reasons,
            "conflicts": conflicts,
        }
        updates = {"route": json.dumps(kept, ensure_ascii=False)}
        if route.due_working_days is not None and case.due is None:
            updates["due"] = council.due_after(case.received, route.due_working_days)
        if case.owner_id is None and resolved:
            officers = [p for p in resolved[0][1] if p.kind == "officer"]
            if len(officers) == 1:
                updates["owner"] = officers[0].id
        updates["stage"] = stage_label(kept, profile) if route.steps else "routed"
        lines = []
        for i, (step, people) in enumerate(resolved, start=1):
            who = profile.role_label(step.handler)
            if people:
                who += f" ({', '.join(_names(people))})"
            lines.append(f"{i}. {who}: {step.action}"
                         f"{' In writing.' if step.in_writing else ''} [{step.clause}]")
        if reasons:
            lines.append(f"Reasons: {reasons}")
        for role, why in conflicts.items():
            clause = conflict_clause(profile, role, case)
            lines.append(f"Conflict declared: {profile.role_label(role)}: {why}"
                         + (f" [{clause}]" if clause else ""))
        cases.add_step(case.id, f"Routed: {route.outcome}", note="\n".join(lines),
                       clause=route.clause, kind="route", updates=updates)
        for task in route.tasks:
            row = Task.create(case=case, description=task.description, clause=task.clause,
                              due=dates.today(), records=task.records)
            changes = {"description": [None, task.description], "clause": [None, task.clause]}
            if task.records:
                changes["records"] = [None, task.records]
            audit.record("create", "task", row.id, changes)
    return Case.get_by_id(case_id)


def kept_route(case: Case) -> dict | None:
    if not case.route:
        return None
    try:
        data = json.loads(case.route)
    except ValueError:
        return None
    return data if isinstance(data, dict) and "route" in data else None


def stage_label(kept: dict, profile=None) -> str:
    steps = kept["route"]["steps"]
    pos = kept.get("position", 0)
    if pos >= len(steps):
        return "route complete"
    step = steps[pos]
    role = profile.role_label(step["handler"]) if profile else step["handler"]
    return f"step {pos + 1} of {len(steps)}: {role}"


def route_lines(case: Case) -> list[str]:
    """The route section of a case's detail: ✓ done, ▶ now, · to come."""
    kept = kept_route(case)
    if kept is None:
        return []
    try:
        profile = profile_for_council()
        label = profile.role_label
    except RouteError:
        label = str
    route = kept["route"]
    pos = kept.get("position", 0)
    out = [f"{route['outcome']}  [{route['clause']}]"]
    for i, step in enumerate(route["steps"]):
        mark = "✓" if i < pos else ("▶" if i == pos else "·")
        people = kept["people"][i] if i < len(kept.get("people", [])) else []
        who = label(step["handler"]) + (f" ({', '.join(people)})" if people else "")
        writing = " In writing." if step["in_writing"] else ""
        out.append(f"{mark} {i + 1}. {who}: {step['action']}{writing}  [{step['clause']}]")
    for w in route.get("warnings", []):
        out.append(f"! {w['text']}  [{w['clause']}]")
    if kept.get("reasons"):
        out.append(f"Reasons: {kept['reasons']}")
    for role, why in (kept.get("conflicts") or {}).items():
        out.append(f"Conflicted: {label(role)}: {why}")
    return out


def where_now(case: Case) -> str:
    """One line on where an unrouted case stands: at the stage its steps recorded (no
    route saved), or not routed yet. (A routed case has its route's lines.)"""
    if case.stage and kept_route(case) is None:
        return f"at: {case.stage} (recorded step by step; w runs the protocol wizard)"
    return "not routed yet: w runs the protocol wizard"


def current_step(case: Case) -> dict | None:
    kept = kept_route(case)
    if kept is None:
        return None
    steps = kept["route"]["steps"]
    pos = kept.get("position", 0)
    return steps[pos] if pos < len(steps) else None


def record(case_id: int, outcome: str, note: str = "", *, contrary_to_advice: bool = False,
           clause: str = "") -> Case:
    """`s` on a case: record what happened and move it along its route.

    *outcome* is a key of STEP_OUTCOMES. A decision taken against officer advice is
    recorded as such, under the profile's clause for it (a profile without one refuses it)."""
    if outcome not in STEP_OUTCOMES:
        raise ValidationError({"outcome": "Choose what happened."})
    note = (note or "").strip()
    if outcome in CLOSES and not note:
        raise ValidationError({"note": "Say how it was resolved or decided."})
    if outcome == "note" and not note:
        raise ValidationError({"note": "Write the note."})
    case = Case.get_by_id(case_id)
    kept = kept_route(case)
    step = current_step(case)
    updates: dict = {}
    action = STEP_OUTCOMES[outcome].split(":")[0]
    if step is not None:
        action = f"{action}: {step['action']}" if outcome in MOVES_ON | {"note"} else action
        clause = clause or step["clause"]
    if contrary_to_advice:
        try:
            contrary = contrary_clause(profile_for_council())
        except RouteError:
            contrary = ""
        if not contrary:
            raise ValidationError({"contrary": "The council's protocol has no rule on decisions "
                                               "contrary to officer advice."})
        action += " (decided contrary to officer advice)"
        clause = clause or contrary
        note = (note + "\n" if note else "") + f"Recorded as a decision contrary to officer advice [{contrary}]."
    if kept is not None and outcome in MOVES_ON:
        kept["position"] = min(kept.get("position", 0) + 1, len(kept["route"]["steps"]))
        updates["route"] = json.dumps(kept, ensure_ascii=False)
        try:
            updates["stage"] = stage_label(kept, profile_for_council())
        except RouteError:
            updates["stage"] = stage_label(kept)
    if outcome in CLOSES:
        updates["outcome"] = note
        cases.add_step(case_id, action, note=note, clause=clause, kind="closed", status="closed",
                       updates=updates)
    else:
        cases.add_step(case_id, action, note=note, clause=clause, kind="step", updates=updates)
    return Case.get_by_id(case_id)


def _facts():
    """models/casework/protocol_facts.py, imported the first time a case is routed."""
    from clerkdesk.models.casework import protocol_facts

    return protocol_facts
