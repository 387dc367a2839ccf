"""Casework: members' requests to officers and complaints either way.

A case has a reference (REQ-2026-0042, CMP-2026-0007), a status, an owner, dates, a
confidentiality flag and a timeline of steps. Every change goes through these functions,
in a transaction, with an audit entry; the desk's counts are queries here too.
"""
from __future__ import annotations

import datetime as dt

from peewee import JOIN, fn

from clerkdesk.models.casework.council import closures, council_nation, due_after
from clerkdesk.models.core import dates, user
from clerkdesk.models.core.db import database
from clerkdesk.models.core.forms import ValidationError
from clerkdesk.models.core.schema import Case, Officer, Step, now
from clerkdesk.models.core.vocab import PREFIX, REQUEST_KINDS, STATUSES
from clerkdesk.models.store import audit


def next_ref(case_type: str, year: int) -> str:
    prefix = f"{PREFIX[case_type]}-{year}-"
    last = (Case.select(fn.MAX(Case.ref)).where(Case.ref.startswith(prefix)).scalar())
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:04d}"


def timeline(case: Case) -> list[Step]:
    return list(case.steps.order_by(Step.at, Step.id))


def case_status_text(case: Case, today: dt.date | None = None) -> str:
    today = today or dates.today()
    text = STATUSES.get(case.status, case.status)
    if case.status != "closed" and case.due:
        if case.due < today:
            over = dates.working_days_between(case.due, today, nation=council_nation(),
                                              closures=closures())
            text += f", overdue {over} working day{'s' if over != 1 else ''}"
        elif case.due == today:
            text += ", due today"
    return text


def add_step(case_id: int, action: str, *, note: str = "", clause: str = "", kind: str = "step",
             status: str | None = None, stage: str | None = None, who: str | None = None,
             updates: dict | None = None) -> Step:
    """Record a step on the case's timeline, moving its status/stage and setting any other
    *updates* (owner, priority, snoozed_until, outcome...), as ONE audited change: one
    ctrl+z puts all of it back."""
    action = (action or "").strip()
    if not action:
        raise ValidationError({"action": "Say what happened."})
    if status and status not in STATUSES:
        raise ValidationError({"status": f"Unknown status {status}."})
    who = who or user.current_user()
    with database.atomic():
        case = Case.get_by_id(case_id)
        changes = {}
        if status and status != case.status:
            changes["status"] = [case.status, status]
            case.status = status
            if status == "closed":
                case.closed_on = dates.today()
                changes["closed_on"] = [None, case.closed_on.isoformat()]
            elif case.closed_on:
                changes["closed_on"] = [case.closed_on.isoformat(), None]
                case.closed_on = None
        elif case.status == "new" and kind in ("step", "route"):
            changes["status"] = ["new", "open"]
            case.status = "open"
        if stage is not None and stage != case.stage:
            changes["stage"] = [case.stage, stage]
            case.stage = stage
        for name, value in (updates or {}).items():
            old = getattr(case, f"{name}_id" if name == "owner" else name)
            if old != value:
                changes[name] = [_plain(old), _plain(value)]
                setattr(case, f"{name}_id" if name == "owner" else name, value)
        case.version += 1
        case.updated_at = now()
        case.save()
        step = Step.create(case=case, who=who, action=action, note=note, clause=clause, kind=kind)
        changes["step"] = [None, step.id]
        audit.record("step", "case", case.id, changes, who=who)
    return step


def _plain(value):
    return value.isoformat() if isinstance(value, dt.date) else value


def close_case(case_id: int, outcome: str, *, clause: str = "") -> Case:
    outcome = (outcome or "").strip()
    if not outcome:
        raise ValidationError({"outcome": "Say how the case ended."})
    add_step(case_id, "Closed", note=outcome, clause=clause, kind="closed", status="closed",
             updates={"outcome": outcome})
    return Case.get_by_id(case_id)


def reopen_case(case_id: int, reason: str) -> Case:
    add_step(case_id, "Reopened", note=reason, kind="reopened", status="open")
    return Case.get_by_id(case_id)


def open_cases():
    return Case.select().where((Case.status != "closed") & ~Case.archived)


_QueueOwner = Officer.alias("queue_owner")


def _with_owner(query):
    """The cases with their owner read in the same query (the queue shows every owner's
    name: one query, not one more per case)."""
    return (query.select_extend(_QueueOwner)
            .join(_QueueOwner, JOIN.LEFT_OUTER, on=(Case.owner == _QueueOwner.id), attr="owner"))


def overdue(today: dt.date | None = None) -> list[Case]:
    today = today or dates.today()
    return list(_with_owner(open_cases().where(Case.due < today)).order_by(Case.due, Case.id))


#: "due soon" is due within this many working days (the dashboard, the queue, the report)
DUE_SOON_DAYS = 3


def _due_soon_query(today: dt.date, working_days: int = DUE_SOON_DAYS):
    until = due_after(today, working_days)
    return open_cases().where((Case.due >= today) & (Case.due <= until))


def due_soon(today: dt.date | None = None, working_days: int = DUE_SOON_DAYS) -> list[Case]:
    today = today or dates.today()
    return list(_with_owner(_due_soon_query(today, working_days)).order_by(Case.due, Case.id))


def counts() -> dict[str, int]:
    """Open requests and complaints, new ones, overdue ones, confidential ones."""
    today = dates.today()
    base = open_cases()
    return {
        "open_requests": base.where(Case.type == "request").count(),
        "open_complaints": base.where(Case.type == "complaint").count(),
        "new": base.where(Case.status == "new").count(),
        "overdue": base.where(Case.due < today).count(),
        "due_soon": _due_soon_query(today).count(),
    }


def complaints_by_stage() -> list[tuple[str, int]]:
    q = (open_cases().select(Case.stage, fn.COUNT(Case.id)).where(Case.type == "complaint")
         .group_by(Case.stage).order_by(Case.stage).tuples())
    return [(stage or "not yet routed", n) for stage, n in q]


def requests_by_kind() -> list[tuple[str, int]]:
    q = (open_cases().select(Case.kind, fn.COUNT(Case.id)).where(Case.type == "request")
         .group_by(Case.kind).tuples())
    return sorted(((REQUEST_KINDS.get(k, k), n) for k, n in q), key=lambda kv: (-kv[1], kv[0]))
