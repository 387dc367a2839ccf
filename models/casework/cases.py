"""Casework: members' requests to officers and complaints either way.

A case has a reference (REQ-2026-0042, CMP-2026-0007), a status, an owner, dates, a
confidentiality flag and a timeline of steps. Every change goes through these functions,
in a transaction, with an audit entry; the desk's counts are queries here too.

The clock, as the protocol runs it ("within seven working days of receipt or otherwise as
agreed with the Member"; the profile's `info_response_days`): `due` is the date the case
is due now, and every list, count and export reads it. `agree_extension` sets a new date
agreed with the member (`agreed_due`, the agreement noted on the timeline: a step of kind
"extension", where a holding letter is offered once letters exist); `wait_on_member`
stops the clock (`waiting_since`: a waiting case is never overdue) and `member_answered`
restarts it, moving `due` on by the working days waited (added up in `waited_days`).
"""
from __future__ import annotations

import datetime as dt

from peewee import JOIN, fn

from clerkdesk.models.casework import council, search
from clerkdesk.models.casework.council import closures, council_nation, due_after
from clerkdesk.models.core import dates, user
from clerkdesk.models.core.db import database
from clerkdesk.models.core.forms import ValidationError
from clerkdesk.models.core.schema import Case, Officer, Step, now
from clerkdesk.models.core.vocab import PREFIX, REQUEST_KINDS, STATUSES
from clerkdesk.models.rules.errors import ProfileError
from clerkdesk.models.store import audit, engines


def next_ref(case_type: str, year: int) -> str:
    """The next reference of its kind and year (REQ-2026-0042), numbered as numbers, not
    as text: REQ-2026-10000 comes after REQ-2026-9999. Called inside the transaction that
    saves the case, which holds the writers' lock, so two clerks never get the same one."""
    prefix = f"{PREFIX[case_type]}-{year}-"
    # every number is written with at least four digits and no more leading zeros, so a
    # longer one is larger: the greatest is the longest, then the last as text
    last = (Case.select(Case.ref).where(Case.ref.startswith(prefix))
            .order_by(fn.LENGTH(Case.ref).desc(), Case.ref.desc()).limit(1).scalar())
    try:
        number = int(last[len(prefix):]) + 1 if last else 1
    except ValueError:  # a reference not made by clerkdesk: count the numbered ones
        numbers = [int(r[len(prefix):]) for (r,) in
                   Case.select(Case.ref).where(Case.ref.startswith(prefix)).tuples()
                   if r[len(prefix):].isdigit()]
        number = max(numbers, default=0) + 1
    return f"{prefix}{number:04d}"


def timeline(case: Case) -> list[Step]:
    return list(case.steps.order_by(Step.at, Step.id))


def case_status_text(case: Case, today: dt.date | None = None) -> str:
    today = today or dates.today()
    text = STATUSES.get(case.status, case.status)
    if case.status != "closed" and case.waiting_since:
        n = waiting_days(case, today)
        return (f"{text} on the member since {dates.fmt(case.waiting_since)} "
                f"({n} working day{'s' if n != 1 else ''}): the clock is stopped")
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
    clause = (clause or "").strip()
    problem = clause_problem(clause)
    if problem:
        raise ValidationError({"clause": problem})
    if status and status not in STATUSES:
        raise ValidationError({"status": f"Unknown status {status}."})
    search.current_triggers()  # an older casebook's search triggers: once, before writing
    with database.atomic():
        who = who or user.current_user()  # read in the transaction: no read of its own
        # the case read once: the same read verifies it against its last audit entry
        case = engines.read_verified(Case, case_id)
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
            attr = f"{name}_id" if name in _KEYS else name  # a person's or group's id
            old = getattr(case, attr)
            if old != value:
                changes[name] = [_plain(old), _plain(value)]
                setattr(case, attr, value)
        case.version += 1
        case.updated_at = now()
        # only the columns changed: a step's UPDATE stays small (Peewee would write all 35),
        # and the search index's trigger (UPDATE OF its columns) is not even considered
        engines.update_fields(case, case.dirty_fields)
        step = engines.insert_model(Step(case=case, who=who, action=action, note=note,
                                         clause=clause, kind=kind))
        changes["step"] = [None, step.id]
        audit.record("step", "case", case.id, changes, who=who)
    return step


#: the fields of a case that hold another record (`updates` gives their ids)
_KEYS = {"owner", "member", "group"}


def _plain(value):
    return value.isoformat() if isinstance(value, dt.date) else value


def clause_problem(clause: str) -> str:
    """The sentence why *clause* is not a clause a step can cite ("" when it is): each
    of its parts (joined by "; ") names the protocol and the section, "003 §16", never a
    bare "000"."""
    if not clause:
        return ""  # a step need not cite a clause
    from clerkdesk.models.rules.rulebook import CLAUSE_RE

    for part in (p.strip() for p in (clause or "").split(";")):
        if part and not CLAUSE_RE.match(part):
            return (f"'{part[:40]}' is not a clause: give the protocol and the section, "
                    "e.g. 003 §16 or 000 §Procedure for Members.")
    return ""


#: the step kinds whose action reads on after the case's reference ("REQ-2026-0016
#: assigned to Karen Doyle"); the others follow a colon ("REQ-2026-0016: Priority set to high")
_READS_ON = {"assigned", "snoozed", "closed", "reopened"}


def what_was_done(case: Case) -> str:
    """The sentence a toast says after an action on *case*: its reference and what its
    newest step did, in that step's words ("REQ-2026-0016 assigned to Karen Doyle",
    "REQ-2026-0016 snoozed until 08/12/2026")."""
    step = case.steps.order_by(Step.id.desc()).first()
    if step is None:
        return f"{case.ref} saved."
    action = step.action.rstrip(".")
    if step.kind in _READS_ON:
        return f"{case.ref} {action[:1].lower()}{action[1:]}."
    return f"{case.ref}: {action}."


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


def running():
    """The condition of a case whose clock runs (it is not waiting on the member)."""
    return Case.waiting_since.is_null()


def is_overdue(case: Case, today: dt.date | None = None) -> bool:
    today = today or dates.today()
    return bool(case.status != "closed" and case.due and case.due < today
                and case.waiting_since is None)


# --- the clock -------------------------------------------------------------------------------

def _clock_clause(name: str) -> str:
    try:
        return council.profile().setting_clause(name)
    except ProfileError:  # a broken profile never stops the clerk recording the step
        return ""


def _open_case(case_id: int) -> Case:
    case = Case.get_by_id(case_id)
    if case.status == "closed":
        raise ValidationError({"case": f"{case.ref} is closed: reopen it first."})
    return case


def agree_extension(case_id: int, new_due: dt.date, agreement: str) -> Case:
    """A due date agreed with the member ("or otherwise as agreed with the Member"): the
    case is due then; how the member agreed is noted on the timeline (a step of kind
    "extension")."""
    agreement = (agreement or "").strip()
    problems = {}
    case = _open_case(case_id)
    if new_due is None:
        problems["due"] = "Give the date agreed with the member."
    elif new_due < case.received:
        problems["due"] = "The agreed date cannot be before the case was received."
    if not agreement:
        problems["agreement"] = "Say how the member agreed (e.g. by email on 12/11/2026)."
    if problems:
        raise ValidationError(problems)
    was = f" (was {dates.fmt(case.due)})" if case.due else ""
    add_step(case_id, f"Extension agreed with the member: due {dates.fmt(new_due)}{was}",
             note=agreement, clause=_clock_clause("extension"), kind="extension",
             updates={"agreed_due": new_due, "due": new_due})
    return Case.get_by_id(case_id)


def wait_on_member(case_id: int, what: str) -> Case:
    """The case waits on the member (a question put to them): the clock stops."""
    what = (what or "").strip()
    case = _open_case(case_id)
    if case.waiting_since is not None:
        raise ValidationError({"what": f"{case.ref} is already waiting on the member, since "
                                       f"{dates.fmt(case.waiting_since)}."})
    if not what:
        raise ValidationError({"what": "Say what the member has been asked."})
    add_step(case_id, "Waiting on the member: the clock is stopped", note=what,
             clause=_clock_clause("waiting"), kind="waiting", status="waiting",
             updates={"waiting_since": dates.today()})
    return Case.get_by_id(case_id)


def waiting_days(case: Case, today: dt.date | None = None) -> int:
    """Working days the case has been waiting on the member so far (0 if it is not)."""
    if case.waiting_since is None:
        return 0
    return max(0, dates.working_days_between(case.waiting_since, today or dates.today(),
                                             nation=council_nation(), closures=closures()))


def member_answered(case_id: int, note: str = "") -> Case:
    """The member answered: the clock restarts, and the case is due as many working days
    later as it waited."""
    case = _open_case(case_id)
    if case.waiting_since is None:
        raise ValidationError({"note": f"{case.ref} is not waiting on the member."})
    waited = waiting_days(case)
    updates = {"waiting_since": None, "waited_days": (case.waited_days or 0) + waited}
    action = f"The member answered: the clock restarts ({waited} working day{'s' if waited != 1 else ''} waited"
    if case.due is not None:
        updates["due"] = due_after(case.due, waited)
        action += f"; due {dates.fmt(updates['due'])}"
    add_step(case_id, action + ")", note=(note or "").strip(), clause=_clock_clause("waiting"),
             kind="answered", status="open", updates=updates)
    return Case.get_by_id(case_id)


def clock_lines(case: Case, today: dt.date | None = None) -> list[tuple[str, str]]:
    """The clock's fields for the case's detail: the agreed date, the days waited."""
    out = []
    if case.agreed_due:
        out.append(("Agreed with the member", dates.fmt(case.agreed_due)))
    waited = (case.waited_days or 0) + waiting_days(case, today)
    if waited or case.waiting_since:
        now = " (waiting now)" if case.waiting_since else ""
        out.append(("Waited on the member", f"{waited} working day{'s' if waited != 1 else ''}{now}"))
    return out


_QueueOwner = Officer.alias("queue_owner")


def _with_owner(query):
    """The cases with their owner read in the same query (the queue shows every owner's
    name: one query, not one more per case)."""
    return (query.select_extend(_QueueOwner)
            .join(_QueueOwner, JOIN.LEFT_OUTER, on=(Case.owner == _QueueOwner.id), attr="owner"))


def overdue(today: dt.date | None = None) -> list[Case]:
    today = today or dates.today()
    return list(_with_owner(open_cases().where((Case.due < today) & running()))
                .order_by(Case.due, Case.id))


#: "due soon" is due within this many working days (the dashboard, the queue, the report)
DUE_SOON_DAYS = 3


def _due_soon_query(today: dt.date, working_days: int = DUE_SOON_DAYS):
    until = due_after(today, working_days)
    return open_cases().where((Case.due >= today) & (Case.due <= until) & running())


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
        "overdue": base.where((Case.due < today) & running()).count(),
        "due_soon": _due_soon_query(today).count(),
    }


#: what a case is "at" before anything put it on the protocol's ladder
NOT_ROUTED = "not yet routed"


def is_routed(case: Case) -> bool:
    """Is the case on the protocol's ladder: a route saved by the wizard, or a stage its
    steps recorded ("with the Town Clerk")? One answer for the queue, the counts by
    stage, the detail and the step form, so a case is never both at a stage and "not
    routed yet"."""
    return bool(case.route or case.stage)


def stage_of(case: Case) -> str:
    """Where the case stands on the ladder, as the Dashboard and the report count it."""
    return case.stage or NOT_ROUTED


def complaints_by_stage() -> list[tuple[str, int]]:
    q = (open_cases().select(Case.stage, fn.COUNT(Case.id)).where(Case.type == "complaint")
         .group_by(Case.stage).order_by(Case.stage).tuples())
    return [(stage or NOT_ROUTED, n) for stage, n in q]


def requests_by_kind() -> list[tuple[str, int]]:
    q = (open_cases().select(Case.kind, fn.COUNT(Case.id)).where(Case.type == "request")
         .group_by(Case.kind).tuples())
    return sorted(((REQUEST_KINDS.get(k, k), n) for k, n in q), key=lambda kv: (-kv[1], kv[0]))


# --- a councillor's open cases (archiving one who leaves) ----------------------------------------

def member_open_cases(member_id: int) -> dict[str, list[Case]]:
    """A member's open cases: the requests they made (which another councillor can take
    on) and the complaints they are party to (which stay as they are)."""
    base = open_cases().order_by(Case.received, Case.id)
    return {
        "requests": list(base.where((Case.type == "request") & (Case.member == member_id))),
        "complaints": list(base.where((Case.type == "complaint") & (
            (Case.complainant_member == member_id) | (Case.subject_member == member_id)))),
    }


def open_cases_sentence(name: str, found: dict[str, list[Case]]) -> str:
    """"Cllr Ann Finch has 3 open cases: 2 requests they made and 1 complaint.", or ""."""
    n_req, n_cmp = len(found["requests"]), len(found["complaints"])
    if not n_req + n_cmp:
        return ""
    parts = []
    if n_req:
        parts.append(f"{n_req} request{'s' if n_req != 1 else ''} they made")
    if n_cmp:
        parts.append(f"{n_cmp} complaint{'s' if n_cmp != 1 else ''} they are party to")
    total = n_req + n_cmp
    return f"{name} has {total} open case{'s' if total != 1 else ''}: {' and '.join(parts)}."


def pass_requests(from_member: int, to_member: int) -> list[Case]:
    """Pass a member's open requests to another councillor (one leaving the council):
    each case's timeline says so, each in its own audited step."""
    from clerkdesk.models.core.schema import Member

    old, new = Member.get_by_id(from_member), Member.get_by_id(to_member)
    if new.archived or new.id == old.id:
        raise ValidationError({"member": "Choose another councillor on the register."})
    moved = []
    with database.atomic():
        for case in member_open_cases(from_member)["requests"]:
            add_step(case.id, f"Passed from {old.name} to {new.name}", kind="passed",
                     updates={"member": new.id})
            moved.append(Case.get_by_id(case.id))
    return moved
