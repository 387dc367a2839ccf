"""The two case lists, Requests and Complaints, as registers: their columns, the detail
pane of a case, the filter facets (`status:open kind:info owner:marsh due:overdue`) and
the ready-made views.
"""
from __future__ import annotations

import datetime as dt

from peewee import JOIN, SQL, fn

from clerkdesk.models.casework import council, documents
from clerkdesk.models.casework.case_forms import (
    _case_after_save,
    _case_before_save,
    _complaint_check,
    _request_check,
    complaint_fields,
    request_fields,
)
from clerkdesk.models.casework.cases import case_status_text, clock_lines, running, timeline
from clerkdesk.models.casework.council import due_after
from clerkdesk.models.casework.records import Column, Detail, Register, like
from clerkdesk.models.casework.saved_views import ViewError
from clerkdesk.models.core import dates
from clerkdesk.models.core.schema import Case, Member, Officer, PartyGroup, Task, Ward
from clerkdesk.models.core.schema import Member as M
from clerkdesk.models.core.vocab import (
    COMPLAINT_KINDS,
    KIND_SHORT,
    PRIORITIES,
    REQUEST_KINDS,
    STATUSES,
)
from clerkdesk.models.rules.errors import ProfileError


def case_notices(case: Case) -> list[str]:
    """The council's profile's notices that hold (or may yet hold) for an open case, as
    sentences with their clause: the pre-election warning on a public meeting a councillor
    arranges (the town profile), none where the profile has no such rule. The facts are the case's route's, if it has one, with today's pre-election period."""
    if case.status == "closed":
        return []
    try:
        prof = council.profile()
    except ProfileError:
        return []
    if not prof.notices:
        return []
    # (the route's modules and the rulebook's are not needed before the first frame)
    from clerkdesk.models.casework import protocol_facts
    from clerkdesk.models.casework.case_route import kept_route
    from clerkdesk.models.rules import rulebook

    row = council.get()
    kept = kept_route(case)
    facts = dict(kept["route"].get("facts", {})) if kept else {}
    facts.update(protocol_facts.notice_facts(case, prof, row=row))
    out = []
    for notice in rulebook.notices(prof, facts):
        where = (f"pre-election period (election {dates.fmt(row.next_election)}): "
                 if "in_pre_election_period" in notice.facts and row and row.next_election else "")
        out.append(f"{where}{notice.text} [{notice.clause}]")
    return out


def pre_election_warning(case: Case) -> str:
    """The notices of case_notices() as one sentence ("" when there are none)."""
    return " ".join(case_notices(case))


def _name(person) -> str:
    return person.name if person else "—"


#: a timeline note shows at most this many lines in the detail
NOTE_LINES = 12


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
        *clock_lines(c),
        ("Priority", PRIORITIES.get(c.priority, c.priority)),
        ("Confidential", "yes" if c.confidential else "no"),
    ]
    alarming = {"Warning"}
    if c.status != "closed" and c.due and c.due < dates.today():
        alarming.add("Status")  # (overdue: case_status_text says by how much)
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
            # every line indented (meeting mode drops a private case's indented lines), a
            # long note (an email's text) cut short: the whole of it is in the document
            lines = s.note.splitlines()
            steps.extend(f"    {ln}" for ln in lines[:NOTE_LINES])
            if len(lines) > NOTE_LINES:
                steps.append(f"    … {len(lines) - NOTE_LINES} more lines"
                             + (" (d: the documents)" if s.kind == "email" else ""))
    tasks = [("[x] " if t.done_on else "[ ] ") + t.description + (f"  [{t.clause}]" if t.clause else "")
             for t in c.tasks.where(~Task.archived)]
    sections = [("Timeline", steps or ["nothing yet"])]

    from clerkdesk.models.casework.case_route import route_lines, where_now

    route = route_lines(c)
    sections.insert(0, ("Route", route or [where_now(c)]))
    if tasks:
        sections.append(("Tasks", tasks))
    docs = documents.detail_lines(c)  # (names and sizes only: never the bytes)
    if docs:
        sections.append(("Documents", docs))
    if c.details:
        sections.insert(0, ("Details", [c.details]))
    return Detail(f"{c.ref}  {c.subject}", "Request" if c.type == "request" else "Complaint",
                  fields, sections, archived=c.archived, warnings=frozenset(alarming))


_ReqMember = Member.alias("req_member")


_Owner = Officer.alias("owner")


def _case_query(case_type):
    def query():
        q = (Case.select(Case.id, Case.ref, Case.received, Case.kind, Case.subject,
                         fn.COALESCE(_ReqMember.name, ""), fn.COALESCE(_Owner.name, ""),
                         Case.due, Case.status, Case.confidential, Case.waiting_since)
             .join(_ReqMember, JOIN.LEFT_OUTER,
                   on=(_ReqMember.id == fn.COALESCE(Case.member, Case.complainant_member)))
             .switch(Case).join(_Owner, JOIN.LEFT_OUTER, on=(Case.owner == _Owner.id))
             .where(Case.type == case_type))
        return q
    return query


def _format_case(row):
    ref, received, kind, subject, person, owner, due, status, confidential, waiting = row
    status_text = STATUSES.get(status, status)
    if status != "closed" and due and due < dates.today() and waiting is None:
        status_text = "OVERDUE"
    return (ref + (" *" if confidential else ""), KIND_SHORT.get(kind, kind), subject, person,
            due, status_text)


def _case_order():
    # open cases first, then by due date (none last), newest received first
    # the 'closed' literal is written into the SQL (not a parameter) so that SQLite matches
    # the expression in the `case_list_order` index (paging.INDEXES) and walks it in order
    return [(Case.status == SQL("'closed'")), Case.due.is_null(), Case.due, Case.received.desc(),
            Case.id.desc()]


def _case_columns(person: str) -> list[Column]:
    """A case list's columns; on a narrow screen (80 columns) the kind gives way first,
    then the person, and the subject is cut down: the reference, the due date and the
    status stay."""
    return [Column("Ref", priority=1), Column("Kind", priority=6),
            Column("Subject", priority=4, min_width=14), Column(person, priority=5, min_width=10),
            Column("Due", priority=2), Column("Status", priority=3)]


REQUESTS = Register(
    key="requests", title="Requests", singular="request", model=Case, fields=request_fields,
    columns=_case_columns("Member"),
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
    private_where=lambda: Case.confidential == True,  # noqa: E712
    shown_search=lambda: [Case.ref, Case.kind, Case.status],
    search_kind="case",
)


COMPLAINTS = Register(
    key="complaints", title="Complaints", singular="complaint", model=Case, fields=complaint_fields,
    columns=_case_columns("Complainant"),
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
    private_where=lambda: None,  # (every row)
    shown_search=lambda: [Case.ref, Case.kind, Case.status, Case.stage],
    search_kind="case",
)


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
    ids = Officer.select(Officer.id).where(like(Officer.name, value))
    return Case.owner.in_(ids)


def _members_where(condition):
    ids = M.select(M.id).where(condition)
    return Case.member.in_(ids) | Case.complainant_member.in_(ids) | Case.subject_member.in_(ids)


def _ward_facet(value):
    return _members_where(Member.ward.in_(Ward.select(Ward.id).where(like(Ward.name, value))))


def _group_facet(value):
    groups = PartyGroup.select(PartyGroup.id).where(like(PartyGroup.name, value))
    return _members_where(Member.group.in_(groups)) | Case.group.in_(groups)


def _due_facet(value):
    today = dates.today()
    v = value.casefold()
    if v == "overdue":
        return (Case.due < today) & (Case.status != "closed") & running()
    if v == "today":
        return Case.due == today
    if v in ("week", "soon"):
        return (Case.due >= today) & (Case.due <= due_after(today, 5))
    if v == "none":
        return Case.due.is_null()
    if v.isdigit() and int(v) <= 3650:
        return (Case.due >= today) & (Case.due <= today + dt.timedelta(days=int(v)))
    if "/" in v or "-" in v:  # a date: due by then (a wrong one is said, as a form says it)
        try:
            by = dates.parse(value, today=today)
        except dates.DateInputError as exc:
            raise ViewError(f"due:{value}: {exc}") from None
        return Case.due <= by
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
        "due": ("overdue, today, week, none, a number of days ahead, or a date (due by then)",
                _due_facet),
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
