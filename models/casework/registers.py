"""The council's six registers as data: wards, members (with their interests and training),
officers, external contacts, party groups and committees; their form fields, list
columns, detail views and filter facets.
"""
from __future__ import annotations

import datetime as dt

from peewee import JOIN, fn

from clerkdesk.models.casework.choices import (
    group_choices,
    member_choices,
    officer_choices,
    ward_choices,
)
from clerkdesk.models.casework.council import council_nation
from clerkdesk.models.casework.records import Detail, Register, generic_form_values, like
from clerkdesk.models.core import dates
from clerkdesk.models.core.db import database
from clerkdesk.models.core.forms import FieldSpec, validate
from clerkdesk.models.core.roles import (
    CONTACT_ROLES,
    INTEREST_KINDS,
    MEMBER_ROLES,
    OFFICER_ROLES,
    labels,
)
from clerkdesk.models.core.schema import (
    Advice,
    Committee,
    CommitteeSeat,
    Contact,
    Interest,
    Member,
    Officer,
    PartyGroup,
    Training,
    Ward,
)
from clerkdesk.models.store import audit


def _ward_fields():
    return [
        FieldSpec("name", "Ward name", required=True, max_len=80),
        FieldSpec("notes", "Notes", "longtext"),
    ]


def _unique_name(model):
    """No two rows with the same name, whatever the case (Zoë and ZOË are the same).

    Compared in Python with casefold(): SQLite's LOWER() only knows ASCII. These registers
    are small (wards, groups, committees), archived rows included."""
    def check(clean, row):
        wanted = clean["name"].casefold()
        q = model.select(model.id, model.name)
        if row is not None:
            q = q.where(model.id != row.id)
        if any(name.casefold() == wanted for _id, name in q.tuples()):
            return {"name": f"There is already one called {clean['name']}."}
        return {}
    return check


def _ward_detail(w: Ward) -> Detail:
    members = [m.name for m in w.members.where(~Member.archived).order_by(Member.name)]
    return Detail(w.name, "Ward", [("Members", str(len(members)))],
                  [("Ward members", members or ["none"]), ("Notes", [w.notes] if w.notes else [])],
                  archived=w.archived)


WARDS = Register(
    key="wards", title="Wards", singular="ward", model=Ward, fields=_ward_fields,
    columns=["Ward", "Members"],
    query=lambda: Ward.select(
        Ward.id, Ward.name,
        Member.select(fn.COUNT(Member.id)).where((Member.ward == Ward.id) & ~Member.archived)
        .alias("member_count")),
    search=lambda: [Ward.name, Ward.notes],
    order=lambda: [Ward.name],
    detail=_ward_detail,
    check=_unique_name(Ward),
)


def _member_fields():
    return [
        FieldSpec("name", "Name", required=True, max_len=120, placeholder="Cllr Jane Smith"),
        FieldSpec("ward", "Ward", "ref", choices=ward_choices),
        FieldSpec("group", "Party group", "ref", choices=group_choices,
                  help="Leave blank for an Independent member."),
        FieldSpec("roles", "Roles", "roles", choices=MEMBER_ROLES),
        FieldSpec("term_start", "Term starts", "date", placeholder="dd/mm/yyyy"),
        FieldSpec("term_end", "Term ends", "date", placeholder="dd/mm/yyyy"),
        FieldSpec("email", "Email", max_len=200),
        FieldSpec("phone", "Phone", max_len=40),
        FieldSpec("address", "Address", "longtext"),
        FieldSpec("notes", "Notes", "longtext"),
    ]


def _term_check(clean, row):
    if clean.get("term_start") and clean.get("term_end") and clean["term_end"] < clean["term_start"]:
        return {"term_end": "The term cannot end before it starts."}
    return {}


def member_status(m: Member, today: dt.date | None = None) -> str:
    today = today or dates.today()
    if m.archived:
        return "archived"
    if m.term_end and m.term_end < today:
        return "term ended"
    if m.term_start and m.term_start > today:
        return "not yet serving"
    return "serving"


def _member_detail(m: Member) -> Detail:
    fields = [
        ("Ward", m.ward.name if m.ward else "—"),
        ("Group", m.group.name if m.group else "Independent"),
        ("Roles", labels(m.roles, MEMBER_ROLES) or "—"),
        ("Term", f"{dates.fmt(m.term_start) or '?'} to {dates.fmt(m.term_end) or '?'} ({member_status(m)})"),
        ("Email", m.email or "—"),
        ("Phone", m.phone or "—"),
    ]
    interests = [f"{INTEREST_KINDS.get(i.kind, i.kind)}: {i.description}"
                 + (f" (declared {dates.fmt(i.declared_on)})" if i.declared_on else "")
                 for i in m.interests.where(~Interest.archived)]
    training = [f"{dates.fmt(t.taken_on) or '—'}  {t.course}"
                for t in m.training.where(~Training.archived).order_by(Training.taken_on)]
    committees = [s.committee.name for s in
                  m.seats.join(Committee).where(~CommitteeSeat.archived & ~Committee.archived)]
    sections = [
        ("Declared interests", interests or ["none declared"]),
        ("Committees", committees or ["none"]),
        ("Training", training or ["none recorded"]),
    ]
    if m.address:
        sections.append(("Address", [m.address]))
    if m.notes:
        sections.append(("Notes", [m.notes]))
    return Detail(m.name, "Member", fields, sections, archived=m.archived)


_MWard = Ward.alias("mward")


_MGroup = PartyGroup.alias("mgroup")


MEMBERS = Register(
    key="members", title="Members", singular="member", model=Member, fields=_member_fields,
    columns=["Name", "Ward", "Group", "Roles", "Term ends"],
    query=lambda: Member.select(
        Member.id, Member.name, fn.COALESCE(_MWard.name, ""),
        fn.COALESCE(_MGroup.name, "Independent"), Member.roles, Member.term_end)
    .join(_MWard, JOIN.LEFT_OUTER, on=(Member.ward == _MWard.id))
    .switch(Member).join(_MGroup, JOIN.LEFT_OUTER, on=(Member.group == _MGroup.id)),
    search=lambda: [Member.name, _MWard.name, _MGroup.name, Member.roles, Member.email],
    order=lambda: [Member.name],
    detail=_member_detail,
    check=_term_check,
    format=lambda r: (*r[:3], labels(r[3], MEMBER_ROLES),
                      f"{dates.fmt(r[4])} (ended)" if r[4] and r[4] < dates.today() else r[4]),
)


def interest_fields():
    return [
        FieldSpec("kind", "Kind", "choice", required=True, choices=INTEREST_KINDS),
        FieldSpec("description", "Interest", required=True, max_len=300),
        FieldSpec("declared_on", "Declared on", "date", default="today"),
    ]


def training_fields():
    return [
        FieldSpec("course", "Course", required=True, max_len=200),
        FieldSpec("taken_on", "Taken on", "date", default="today"),
    ]


def add_interest(member_id: int, raw: dict[str, str]) -> Interest:
    clean = validate(interest_fields(), raw, nation=council_nation())
    with database.atomic():
        row = Interest.create(member=member_id, **clean)
        audit.record("create", "interest", row.id, {k: [None, v] for k, v in clean.items()})
    return row


def add_training(member_id: int, raw: dict[str, str]) -> Training:
    clean = validate(training_fields(), raw, nation=council_nation())
    with database.atomic():
        row = Training.create(member=member_id, **clean)
        audit.record("create", "training", row.id, {k: [None, v] for k, v in clean.items()})
    return row


def _officer_fields():
    return [
        FieldSpec("name", "Name", required=True, max_len=120),
        FieldSpec("job_title", "Job title", max_len=120),
        FieldSpec("department", "Department", max_len=120),
        FieldSpec("line_manager", "Line manager", "ref", choices=officer_choices,
                  empty_help="No other serving officers yet: add them on the Officers tab (3, n)."),
        FieldSpec("roles", "Protocol roles", "roles", choices=OFFICER_ROLES),
        FieldSpec("email", "Email", max_len=200),
        FieldSpec("phone", "Phone", max_len=40),
        FieldSpec("started_on", "Started", "date"),
        FieldSpec("left_on", "Left employment", "date"),
        FieldSpec("notes", "Notes", "longtext"),
    ]


def _officer_check(clean, row):
    problems = {}
    if row is not None and clean.get("line_manager") == row.id:
        problems["line_manager"] = "An officer cannot be their own line manager."
    if clean.get("started_on") and clean.get("left_on") and clean["left_on"] < clean["started_on"]:
        problems["left_on"] = "They cannot leave before they started."
    return problems


def employed_line(started: dt.date | None, left: dt.date | None,
                  today: dt.date | None = None) -> str:
    """An officer's employment as a sentence, whatever of its dates is known."""
    today = today or dates.today()
    if left is not None and left <= today:
        return (f"{dates.fmt(started)} to {dates.fmt(left)}" if started
                else f"left on {dates.fmt(left)} (start date not recorded)")
    if started and started > today:
        now = f"starts on {dates.fmt(started)}"
    else:
        now = f"since {dates.fmt(started)}" if started else "serving (start date not recorded)"
    return now + (f", leaving on {dates.fmt(left)}" if left else "")


def _officer_detail(o: Officer) -> Detail:
    reports = [r.name for r in o.reports.where(~Officer.archived)]
    fields = [
        ("Job title", o.job_title or "—"),
        ("Department", o.department or "—"),
        ("Roles", labels(o.roles, OFFICER_ROLES) or "—"),
        ("Line manager", o.line_manager.name if o.line_manager else "—"),
        ("Email", o.email or "—"),
        ("Phone", o.phone or "—"),
        ("Employed", employed_line(o.started_on, o.left_on)),
    ]
    sections = [("Reports to them", reports or ["none"])]
    if o.notes:
        sections.append(("Notes", [o.notes]))
    return Detail(o.name, "Officer", fields, sections, archived=o.archived)


_Mgr = Officer.alias("mgr")


OFFICERS = Register(
    key="officers", title="Officers", singular="officer", model=Officer, fields=_officer_fields,
    columns=["Name", "Job title", "Department", "Roles", "Left"],
    query=lambda: Officer.select(
        Officer.id, Officer.name, Officer.job_title, Officer.department, Officer.roles,
        Officer.left_on),
    search=lambda: [Officer.name, Officer.job_title, Officer.department, Officer.roles],
    order=lambda: [Officer.name],
    detail=_officer_detail,
    check=_officer_check,
    format=lambda r: (*r[:3], labels(r[3], OFFICER_ROLES), r[4]),
)


def _contact_fields():
    return [
        FieldSpec("name", "Name", required=True, max_len=120),
        FieldSpec("role", "Role", "choice", required=True, choices=CONTACT_ROLES),
        FieldSpec("organisation", "Organisation", max_len=120),
        FieldSpec("email", "Email", max_len=200),
        FieldSpec("phone", "Phone", max_len=40),
        FieldSpec("notes", "Notes", "longtext"),
    ]


def _contact_detail(c: Contact) -> Detail:
    return Detail(c.name, CONTACT_ROLES.get(c.role, c.role),
                  [("Organisation", c.organisation or "—"), ("Email", c.email or "—"),
                   ("Phone", c.phone or "—")],
                  [("Notes", [c.notes])] if c.notes else [], archived=c.archived)


CONTACTS = Register(
    key="contacts", title="External contacts", singular="contact", model=Contact,
    fields=_contact_fields, columns=["Name", "Role", "Organisation"],
    query=lambda: Contact.select(Contact.id, Contact.name, Contact.role, Contact.organisation),
    search=lambda: [Contact.name, Contact.role, Contact.organisation],
    order=lambda: [Contact.name],
    detail=_contact_detail,
    format=lambda r: (r[0], CONTACT_ROLES.get(r[1], r[1]), r[2]),
)


def _group_fields():
    return [
        FieldSpec("name", "Group name", required=True, max_len=120),
        FieldSpec("leader", "Leader", "ref", choices=member_choices),
        FieldSpec("deputy_leader", "Deputy leader", "ref", choices=member_choices),
        FieldSpec("notes", "Notes", "longtext"),
    ]


def _group_check(clean, row):
    problems = _unique_name(PartyGroup)(clean, row)
    if clean.get("leader") and clean.get("leader") == clean.get("deputy_leader"):
        problems["deputy_leader"] = "The deputy leader must be someone other than the leader."
    return problems


def _group_detail(g: PartyGroup) -> Detail:
    members = [m.name for m in g.members.where(~Member.archived).order_by(Member.name)]

    advice = [f"{dates.fmt(a.given_on)}  {a.matter}" for a in
              g.advice.where(~Advice.archived).order_by(Advice.given_on.desc()).limit(10)]
    return Detail(g.name, "Party group",
                  [("Leader", g.leader.name if g.leader else "—"),
                   ("Deputy leader", g.deputy_leader.name if g.deputy_leader else "—"),
                   ("Members", str(len(members)))],
                  [("Members", members or ["none"]), ("Advice given (latest)", advice or ["none"])]
                  + ([("Notes", [g.notes])] if g.notes else []),
                  archived=g.archived)


_Leader = Member.alias("leader")


_Deputy = Member.alias("deputy")


GROUPS = Register(
    key="groups", title="Party groups", singular="party group", model=PartyGroup,
    fields=_group_fields, columns=["Group", "Leader", "Deputy", "Members"],
    query=lambda: PartyGroup.select(
        PartyGroup.id, PartyGroup.name, fn.COALESCE(_Leader.name, ""), fn.COALESCE(_Deputy.name, ""),
        Member.select(fn.COUNT(Member.id)).where((Member.group == PartyGroup.id) & ~Member.archived)
        .alias("member_count"))
    .join(_Leader, JOIN.LEFT_OUTER, on=(PartyGroup.leader == _Leader.id))
    .switch(PartyGroup).join(_Deputy, JOIN.LEFT_OUTER, on=(PartyGroup.deputy_leader == _Deputy.id)),
    search=lambda: [PartyGroup.name, _Leader.name, _Deputy.name],
    order=lambda: [PartyGroup.name],
    detail=_group_detail,
    check=_group_check,
)


def _committee_fields():
    return [
        FieldSpec("name", "Committee", required=True, max_len=120),
        FieldSpec("functions", "Functions", "longtext",
                  help="What it deals with: used by the need-to-know test."),
        FieldSpec("chair", "Chair", "ref", choices=member_choices),
        FieldSpec("vice_chair", "Vice-chair", "ref", choices=member_choices),
        FieldSpec("staffing", "Responsible for staffing", "bool"),
        FieldSpec("seats", "Members", "refs", choices=member_choices),
    ]


def _committee_check(clean, row):
    problems = _unique_name(Committee)(clean, row)
    if clean.get("chair") and clean.get("chair") == clean.get("vice_chair"):
        problems["vice_chair"] = "The vice-chair must be someone other than the chair."
    return problems


def committee_seat_ids(c: Committee) -> list[int]:
    return [s.member_id for s in c.seats.where(~CommitteeSeat.archived)]


def _committee_form(c: Committee) -> dict:
    out = generic_form_values(_committee_fields(), c)
    out["seats"] = ",".join(str(i) for i in committee_seat_ids(c))
    return out


def _committee_after(c: Committee, clean: dict, created: bool) -> None:
    wanted = set(clean.get("seats") or [])
    for chair in (clean.get("chair"), clean.get("vice_chair")):
        if chair:
            wanted.add(chair)
    existing = {s.member_id: s for s in CommitteeSeat.select().where(CommitteeSeat.committee == c)}
    for member_id, seat in existing.items():
        archived = member_id not in wanted
        if seat.archived != archived:
            seat.archived = archived
            seat.save()
            audit.record("archive" if archived else "restore", "committee_seat", seat.id,
                         {"member": [member_id, member_id]})
    for member_id in wanted - existing.keys():
        seat = CommitteeSeat.create(committee=c, member=member_id)
        audit.record("create", "committee_seat", seat.id, {"member": [None, member_id]})


def _committee_detail(c: Committee) -> Detail:
    members = sorted(Member.get_by_id(i).name for i in committee_seat_ids(c))
    return Detail(c.name, "Committee",
                  [("Chair", c.chair.name if c.chair else "—"),
                   ("Vice-chair", c.vice_chair.name if c.vice_chair else "—"),
                   ("Staffing", "yes: complaints about the Clerk go to its chair" if c.staffing else "no")],
                  [("Functions", [c.functions] if c.functions else ["not recorded"]),
                   ("Members", members or ["none"])],
                  archived=c.archived)


_Chair = Member.alias("chair")


COMMITTEES = Register(
    key="committees", title="Committees", singular="committee", model=Committee,
    fields=_committee_fields, columns=["Committee", "Chair", "Members"],
    query=lambda: Committee.select(
        Committee.id, Committee.name, fn.COALESCE(_Chair.name, ""),
        CommitteeSeat.select(fn.COUNT(CommitteeSeat.id)).where(
            (CommitteeSeat.committee == Committee.id) & ~CommitteeSeat.archived)
        .alias("member_count"))
    .join(_Chair, JOIN.LEFT_OUTER, on=(Committee.chair == _Chair.id)),
    search=lambda: [Committee.name, Committee.functions, _Chair.name],
    order=lambda: [Committee.name],
    detail=_committee_detail,
    to_form=_committee_form,
    check=_committee_check,
    after_save=_committee_after,
)


REGISTERS = {r.key: r for r in (WARDS, MEMBERS, OFFICERS, CONTACTS, GROUPS, COMMITTEES)}


def _member_facets():
    def ward(value):
        return Member.ward.in_(Ward.select(Ward.id).where(like(Ward.name, value)))

    def group(value):
        if value.casefold().startswith("indep"):
            return Member.group.is_null()
        return Member.group.in_(PartyGroup.select(PartyGroup.id).where(like(PartyGroup.name, value)))

    def role(value):
        return like(Member.roles, value.replace(" ", "_"))

    def term(value):
        today = dates.today()
        v = value.casefold()
        if v == "ended":
            return Member.term_end < today
        if v in ("serving", "current"):
            return Member.term_end.is_null() | (Member.term_end >= today)
        return None

    return {"ward": ("part of a ward's name", ward),
            "group": ("part of a group's name, or independent", group),
            "role": ("a role, e.g. role:group_leader", role),
            "term": ("ended or serving", term)}


def _officer_facets():
    return {"department": ("part of a department's name", lambda v: like(Officer.department, v)),
            "role": ("a protocol role, e.g. role:town_clerk", lambda v: like(Officer.roles, v.replace(" ", "_")))}


MEMBERS.facets = _member_facets()


MEMBERS.builtin_views = (("Term ended", "term:ended"), ("Independents", "group:independent"))


OFFICERS.facets = _officer_facets()
