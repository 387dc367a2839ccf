"""Casework: members' requests to officers and complaints either way.

A case has a reference (REQ-2026-0042, CMP-2026-0007), a status, an owner, dates, a
confidentiality flag and a timeline of steps. Every change goes through these functions,
in a transaction, with an audit entry.
"""
from __future__ import annotations

import datetime as dt

from peewee import JOIN, SQL, fn

from . import audit, dates
from .db import database
from .forms import FieldSpec, ValidationError
from .registers import (
    Detail, Register, council_nation, group_choices, member_choices, officer_choices,
)
from .schema import Case, Council, Member, Officer, PartyGroup, Step, Task, now

REQUEST_KINDS = {
    "information": "Information",
    "document_inspection": "Document inspection",
    "group_meeting": "Officer at a party-group meeting",
    "public_meeting": "Public meeting",
    "ward_assistance": "Ward assistance",
    "support_services": "Support services / resources",
    "motion_advice": "Motion or amendment wording",
    "correspondence": "Correspondence",
    "media": "Media",
    "service_request": "Service request",
}

COMPLAINT_KINDS = {
    "member_about_officer": "Member about an officer",
    "officer_about_member": "Officer about a member",
    "code_of_conduct": "Code-of-conduct allegation",
    "grievance": "Employee grievance",
}

#: short labels for the list columns
KIND_SHORT = {
    "information": "Information",
    "document_inspection": "Inspection",
    "group_meeting": "Group meeting",
    "public_meeting": "Public meeting",
    "ward_assistance": "Ward help",
    "support_services": "Support",
    "motion_advice": "Motion wording",
    "correspondence": "Letter",
    "media": "Media",
    "service_request": "Service",
    "member_about_officer": "Member→officer",
    "officer_about_member": "Officer→member",
    "code_of_conduct": "Code of conduct",
    "grievance": "Grievance",
}

STATUSES = {"new": "New", "open": "Open", "waiting": "Waiting", "closed": "Closed"}
PRIORITIES = {"low": "Low", "normal": "Normal", "high": "High", "urgent": "Urgent"}
PREFIX = {"request": "REQ", "complaint": "CMP"}


def council() -> Council | None:
    return Council.select().first()


def closures() -> frozenset[dt.date]:
    c = council()
    try:
        return dates.parse_closures(c.closure_days) if c else frozenset()
    except dates.DateInputError:
        return frozenset()


def due_after(received: dt.date, working_days: int) -> dt.date:
    """The due date *working_days* after *received* on the council's calendar."""
    return dates.add_working_days(received, working_days, nation=council_nation(),
                                  closures=closures())


def next_ref(case_type: str, year: int) -> str:
    prefix = f"{PREFIX[case_type]}-{year}-"
    last = (Case.select(fn.MAX(Case.ref)).where(Case.ref.startswith(prefix)).scalar())
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:04d}"


# --- forms -------------------------------------------------------------------------------

def _common_tail():
    return [
        FieldSpec("owner", "Owner (officer)", "ref", choices=officer_choices),
        FieldSpec("received", "Received", "date", required=True, default="today",
                  placeholder="dd/mm/yyyy, today, +3"),
        FieldSpec("due", "Due", "date", placeholder="blank: set by the protocol",
                  help="Blank for an information request: 7 working days from receipt."),
        FieldSpec("priority", "Priority", "choice", choices=PRIORITIES, default="normal"),
        FieldSpec("confidential", "Confidential", "bool", default="no"),
        FieldSpec("details", "Details", "longtext"),
    ]


def request_fields():
    return [
        FieldSpec("kind", "Kind", "choice", required=True, choices=REQUEST_KINDS,
                  default="information"),
        FieldSpec("subject", "Subject", required=True, max_len=200),
        FieldSpec("member", "Requesting member", "ref", required=True, choices=member_choices),
        FieldSpec("group", "On behalf of group", "ref", choices=group_choices),
    ] + _common_tail()


def complaint_fields():
    return [
        FieldSpec("kind", "Kind", "choice", required=True, choices=COMPLAINT_KINDS,
                  default="member_about_officer"),
        FieldSpec("subject", "Subject", required=True, max_len=200),
        FieldSpec("complainant_member", "Complainant (member)", "ref", choices=member_choices),
        FieldSpec("complainant_officer", "Complainant (officer)", "ref", choices=officer_choices),
        FieldSpec("subject_member", "About (member)", "ref", choices=member_choices),
        FieldSpec("subject_officer", "About (officer)", "ref", choices=officer_choices),
        FieldSpec("serious", "Serious", "bool", default="no"),
        FieldSpec("financial_irregularity", "Alleges financial irregularity", "bool", default="no"),
    ] + _common_tail()


def _date_check(clean):
    problems = {}
    if clean.get("due") and clean.get("received") and clean["due"] < clean["received"]:
        problems["due"] = "The due date cannot be before the case was received."
    if clean.get("received") and clean["received"] > dates.today() + dt.timedelta(days=1):
        problems["received"] = "A case cannot be received in the future."
    return problems


def _request_check(clean, row):
    return _date_check(clean)


#: complaint kind -> (fields it needs, sentence if missing)
_COMPLAINT_NEEDS = {
    "member_about_officer": {"complainant_member": "Which member complains?",
                             "subject_officer": "Which officer is it about?"},
    "officer_about_member": {"complainant_officer": "Which officer complains?",
                             "subject_member": "Which member is it about?"},
    "code_of_conduct": {"subject_member": "Which member is it about?"},
    "grievance": {"complainant_officer": "Which employee raises it?"},
}


def _complaint_check(clean, row):
    problems = _date_check(clean)
    for name, question in _COMPLAINT_NEEDS.get(clean["kind"], {}).items():
        if not clean.get(name):
            problems[name] = question
    if clean.get("complainant_member") and clean.get("complainant_member") == clean.get("subject_member"):
        problems["subject_member"] = "A member cannot complain about themselves."
    if clean.get("complainant_officer") and clean.get("complainant_officer") == clean.get("subject_officer"):
        problems["subject_officer"] = "An officer cannot complain about themselves."
    return problems


def _case_before_save(case_type):
    def before(row: Case, clean: dict, created: bool) -> None:
        row.type = case_type
        if created:
            row.ref = next_ref(case_type, clean["received"].year)
            row.status = "new"
            row.stage = row.stage or ""
        if case_type == "request" and not clean.get("due") and clean["kind"] == "information":
            c = council()
            row.due = due_after(clean["received"], c.info_response_days if c else 7)
        if case_type == "complaint":
            row.complainant_type = {"member_about_officer": "member",
                                    "officer_about_member": "officer",
                                    "grievance": "officer"}.get(clean["kind"],
                                    "member" if clean.get("complainant_member") else
                                    "officer" if clean.get("complainant_officer") else "")
        row.updated_at = now()  # registers.save moves the version on
    return before


def _case_after_save(row: Case, clean: dict, created: bool) -> None:
    if created:
        Step.create(case=row, who=audit.current_user(), action="Case opened", kind="opened",
                    note=row.subject)
    else:
        Step.create(case=row, who=audit.current_user(), action="Case details edited", kind="edited")


PRE_ELECTION_KINDS = {"public_meeting": "003 §11", "media": "003 §12"}


def pre_election_warning(case: Case) -> str:
    """A sentence when a public meeting or media request falls in the pre-election period."""
    from . import council

    clause = PRE_ELECTION_KINDS.get(case.kind)
    if case.type != "request" or clause is None or case.status == "closed":
        return ""
    if not council.in_pre_election_period(dates.today()):
        return ""
    row = council.get()
    return (f"pre-election period (election {dates.fmt(row.next_election)}): no meetings or "
            f"publicity that could be seen as political [{clause}]")


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


def _name(person) -> str:
    return person.name if person else "—"


def _case_detail(c: Case) -> Detail:
    kinds = REQUEST_KINDS if c.type == "request" else COMPLAINT_KINDS
    fields = [("Kind", kinds.get(c.kind, c.kind)), ("Status", case_status_text(c))]
    if c.stage:
        fields.append(("Stage", c.stage))
    if c.type == "request":
        fields.append(("Member", _name(c.member)))
        if c.group_id:
            fields.append(("Group", c.group.name))
    else:
        complainant = c.complainant_member or c.complainant_officer
        about = c.subject_member or c.subject_officer
        fields += [("Complainant", _name(complainant)), ("About", _name(about))]
        flags = [f for f, on in (("serious", c.serious),
                                 ("financial irregularity", c.financial_irregularity)) if on]
        if flags:
            fields.append(("Flags", ", ".join(flags)))
    fields += [
        ("Owner", _name(c.owner)),
        ("Received", dates.fmt(c.received)),
        ("Due", dates.fmt(c.due) or "—"),
        ("Priority", PRIORITIES.get(c.priority, c.priority)),
        ("Confidential", "yes" if c.confidential else "no"),
    ]
    warning = pre_election_warning(c)
    if warning:
        fields.append(("Warning", warning))
    if c.closed_on:
        fields.append(("Closed", dates.fmt(c.closed_on)))
    if c.outcome:
        fields.append(("Outcome", c.outcome))
    steps = []
    for s in timeline(c):
        line = f"{s.at:%d/%m/%Y %H:%M}  {s.action}"
        if s.clause:
            line += f"  [{s.clause}]"
        if s.who:
            line += f"  ({s.who})"
        steps.append(line)
        if s.note and s.note != c.subject:
            steps.append(f"    {s.note}")
    tasks = [("[x] " if t.done_on else "[ ] ") + t.description + (f"  [{t.clause}]" if t.clause else "")
             for t in c.tasks.where(~Task.archived)]
    sections = [("Timeline", steps or ["nothing yet"])]
    from .routes import route_lines

    route = route_lines(c)
    sections.insert(0, ("Route", route or ["not routed yet: w runs the protocol wizard"]))
    if tasks:
        sections.append(("Tasks", tasks))
    if c.details:
        sections.insert(0, ("Details", [c.details]))
    return Detail(f"{c.ref}  {c.subject}", "Request" if c.type == "request" else "Complaint",
                  fields, sections, archived=c.archived)


_ReqMember = Member.alias("req_member")
_Owner = Officer.alias("owner")


def _case_query(case_type):
    def query():
        q = (Case.select(Case.id, Case.ref, Case.received, Case.kind, Case.subject,
                         fn.COALESCE(_ReqMember.name, ""), fn.COALESCE(_Owner.name, ""),
                         Case.due, Case.status, Case.confidential)
             .join(_ReqMember, JOIN.LEFT_OUTER,
                   on=(_ReqMember.id == fn.COALESCE(Case.member, Case.complainant_member)))
             .switch(Case).join(_Owner, JOIN.LEFT_OUTER, on=(Case.owner == _Owner.id))
             .where(Case.type == case_type))
        return q
    return query


def _format_case(row):
    ref, received, kind, subject, person, owner, due, status, confidential = row
    status_text = STATUSES.get(status, status)
    if status != "closed" and due and due < dates.today():
        status_text = "OVERDUE"
    return (ref + (" *" if confidential else ""), KIND_SHORT.get(kind, kind), subject, person,
            due, status_text)


def _case_order():
    # open cases first, then by due date (none last), newest received first
    # the 'closed' literal is written into the SQL (not a parameter) so that SQLite matches
    # the expression in the `case_list_order` index (paging.INDEXES) and walks it in order
    return [(Case.status == SQL("'closed'")), Case.due.is_null(), Case.due, Case.received.desc(),
            Case.id.desc()]


REQUESTS = Register(
    key="requests", title="Requests", singular="request", model=Case, fields=request_fields,
    columns=["Ref", "Kind", "Subject", "Member", "Due", "Status"],
    query=_case_query("request"),
    search=lambda: [Case.ref, Case.subject, Case.kind, Case.status, _ReqMember.name, _Owner.name],
    order=_case_order,
    detail=_case_detail,
    check=_request_check,
    before_save=_case_before_save("request"),
    after_save=_case_after_save,
    format=_format_case,
    private=lambda row: bool(row[9]),  # confidential requests
    private_columns=(2, 3),
    search_kind="case",
)

COMPLAINTS = Register(
    key="complaints", title="Complaints", singular="complaint", model=Case, fields=complaint_fields,
    columns=["Ref", "Kind", "Subject", "Complainant", "Due", "Status"],
    query=_case_query("complaint"),
    search=lambda: [Case.ref, Case.subject, Case.kind, Case.status, Case.stage, _ReqMember.name,
                    _Owner.name],
    order=_case_order,
    detail=_case_detail,
    check=_complaint_check,
    before_save=_case_before_save("complaint"),
    after_save=_case_after_save,
    format=_format_case,
    private=lambda row: True,  # every complaint names people
    private_columns=(2, 3),
    search_kind="case",
)


# --- steps along the case ------------------------------------------------------------------



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
    who = who or audit.current_user()
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


# --- the dashboard -------------------------------------------------------------------------

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


# --- facets of the case lists (status:open kind:info owner:marsh due:overdue ...) --------

def _pick(value: str, table: dict[str, str]) -> list[str]:
    """Keys whose key or label starts with *value* (case-insensitively)."""
    v = value.casefold()
    return [k for k, label in table.items()
            if k.casefold().startswith(v) or label.casefold().startswith(v)
            or KIND_SHORT.get(k, "").casefold().startswith(v)]


def _status_facet(value):
    v = value.casefold()
    if v in ("active", "notclosed", "live"):
        return Case.status != "closed"
    keys = _pick(value, STATUSES)
    return Case.status.in_(keys) if keys else None


def _kind_facet(kinds):
    def facet(value):
        keys = _pick(value, kinds)
        return Case.kind.in_(keys) if keys else None
    return facet


def _owner_facet(value):
    from .registers import like

    ids = Officer.select(Officer.id).where(like(Officer.name, value))
    return Case.owner.in_(ids)


def _members_where(condition):
    from .schema import Member as M

    ids = M.select(M.id).where(condition)
    return Case.member.in_(ids) | Case.complainant_member.in_(ids) | Case.subject_member.in_(ids)


def _ward_facet(value):
    from .registers import like
    from .schema import Ward

    return _members_where(Member.ward.in_(Ward.select(Ward.id).where(like(Ward.name, value))))


def _group_facet(value):
    from .registers import like

    groups = PartyGroup.select(PartyGroup.id).where(like(PartyGroup.name, value))
    return _members_where(Member.group.in_(groups)) | Case.group.in_(groups)


def _due_facet(value):
    today = dates.today()
    v = value.casefold()
    if v == "overdue":
        return (Case.due < today) & (Case.status != "closed")
    if v == "today":
        return Case.due == today
    if v in ("week", "soon"):
        return (Case.due >= today) & (Case.due <= due_after(today, 5))
    if v == "none":
        return Case.due.is_null()
    if v.isdigit() and int(v) <= 3650:
        return (Case.due >= today) & (Case.due <= today + dt.timedelta(days=int(v)))
    return None


def _priority_facet(value):
    keys = _pick(value, PRIORITIES)
    return Case.priority.in_(keys) if keys else None


def case_facets(kinds):
    return {
        "status": ("new, open, waiting, closed, or active (anything not closed)", _status_facet),
        "kind": ("the start of a kind, e.g. kind:info", _kind_facet(kinds)),
        "owner": ("part of the owner's name", _owner_facet),
        "ward": ("part of a ward's name (of the member)", _ward_facet),
        "group": ("part of a party group's name", _group_facet),
        "due": ("overdue, today, week, none, or a number of days ahead", _due_facet),
        "priority": ("urgent, high, normal or low", _priority_facet),
    }


CASE_VIEWS = (
    ("Overdue", "due:overdue"),
    ("Due within 5 working days", "due:week"),
    ("New, not picked up", "status:new"),
    ("Everything not closed", "status:active"),
    ("Urgent", "priority:urgent"),
)

REQUESTS.facets = case_facets(REQUEST_KINDS)
REQUESTS.builtin_views = CASE_VIEWS
COMPLAINTS.facets = case_facets(COMPLAINT_KINDS)
COMPLAINTS.builtin_views = CASE_VIEWS
