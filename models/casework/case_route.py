"""A case on its protocol route: working out the route for a case, saving it to the
case's timeline with its clauses and tasks, and moving the case along it.

The route is kept on the case (`case.route`, JSON): the rulebook's route, the people each
step resolved to when it was saved, and the position of the step the case is at now.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from clerkdesk.models.casework import cases, council, protocol_facts
from clerkdesk.models.core import dates
from clerkdesk.models.core.db import database
from clerkdesk.models.core.forms import FieldSpec, ValidationError
from clerkdesk.models.core.schema import Case, Task, now
from clerkdesk.models.rules import rulebook
from clerkdesk.models.store import audit

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


CONTRARY_CLAUSE = "004 §Addendum"


def step_fields():
    """The form `s` opens on a case."""
    return [
        FieldSpec("outcome", "What happened", "choice", required=True, choices=STEP_OUTCOMES,
                  default="note"),
        FieldSpec("note", "Note", "longtext",
                  help="Needed when the case is resolved or decided: it becomes the outcome."),
        FieldSpec("contrary", "Decided contrary to officer advice (004)", "bool", default="no"),
        FieldSpec("clause", "Clause", max_len=40, placeholder="blank: the route step's clause"),
    ]


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
    row = council.get()
    name = row.profile if row else "town"
    try:
        return rulebook.load_profile(name)
    except rulebook.ProfileError as exc:
        raise RouteError(f"The protocol profile cannot be used: {exc}") from None


def is_asked(profile, fact: str) -> bool:
    return any(q.fact == fact for q in profile.question_list)


@dataclass
class WizardStart:
    """What the wizard starts from: fixed facts (the case's kind, hidden facts such as the
    history of earlier complaints) and pre-filled answers the clerk confirms."""

    fixed: dict
    prefill: dict


def start(case: Case, profile) -> WizardStart:
    facts = protocol_facts.facts_from_case(case, profile, today=dates.today())
    fixed = {k: v for k, v in facts.items() if k == "case" or not is_asked(profile, k)}
    prefill = {k: v for k, v in facts.items() if k not in fixed}
    return WizardStart(fixed, prefill)


def route_for(case: Case, profile, answers: dict) -> tuple[rulebook.Route, list]:
    """The route for the case given the clerk's answers, with each step's people."""
    facts = rulebook.applicable_answers(profile, answers)
    try:
        route = rulebook.route(profile, facts)
    except rulebook.FactError as exc:
        raise RouteError(exc.message) from None
    return route, protocol_facts.resolve_route(route, case, today=dates.today())


def _names(people) -> list[str]:
    return [p.name for p in people]


def apply_route(case_id: int, route: rulebook.Route, resolved: list, *, reasons: str = "",
                profile=None) -> Case:
    """Save the route to the case: its timeline gets the route with the clauses, the tasks
    are created, the due date is set from the working days the route gives, the first
    step's officer owns the case if nobody does. One transaction."""
    reasons = (reasons or "").strip()
    if route.refusal and not reasons:
        raise ValidationError({"reasons": "A refusal records its reasons: say why."})
    profile = profile or profile_for_council()
    with database.atomic():
        case = Case.get_by_id(case_id)
        kept = {
            "route": route.to_dict(),
            "people": [_names(people) for _step, people in resolved],
            "position": 0,
            "routed_at": now().isoformat(),
            "reasons": reasons,
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
        cases.add_step(case.id, f"Routed: {route.outcome}", note="\n".join(lines),
                       clause=route.clause, kind="route", updates=updates)
        for task in route.tasks:
            row = Task.create(case=case, description=task.description, clause=task.clause,
                              due=dates.today())
            audit.record("create", "task", row.id,
                         {"description": [None, task.description], "clause": [None, task.clause]})
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
    return out


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
    recorded as such (004: members may decide contrary to advice)."""
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
        action += " (decided contrary to officer advice)"
        clause = clause or CONTRARY_CLAUSE
        note = (note + "\n" if note else "") + f"Recorded as a decision contrary to officer advice [{CONTRARY_CLAUSE}]."
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
