"""The registers (wards, members, officers, contacts, party groups, committees) as data:
their form fields, list columns, filter, detail view, and saving with audit.

Screens call `save`, `archive`, `rows`, `detail` and never build queries themselves.
"""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field

from peewee import JOIN, SQL, Model, NodeList, fn

from . import audit, backend, dates
from .db import database
from .forms import ConflictError, FieldSpec, ValidationError, validate
from .roles import CONTACT_ROLES, INTEREST_KINDS, MEMBER_ROLES, OFFICER_ROLES, join, labels
from .schema import (
    Committee, CommitteeSeat, Contact, Council, Interest, Member, Officer, PartyGroup, Training, Ward,
)


# --- choices --------------------------------------------------------------------------

def ward_choices():
    return [(str(w.id), w.name) for w in Ward.select().where(~Ward.archived).order_by(Ward.name)]


def group_choices():
    return [(str(g.id), g.name)
            for g in PartyGroup.select().where(~PartyGroup.archived).order_by(PartyGroup.name)]


def member_choices():
    return [(str(m.id), m.name) for m in Member.select().where(~Member.archived).order_by(Member.name)]


def officer_choices():
    return [(str(o.id), f"{o.name} ({o.job_title})" if o.job_title else o.name)
            for o in Officer.select().where(~Officer.archived & Officer.left_on.is_null())
            .order_by(Officer.name)]


def council_nation() -> str:
    c = Council.select(Council.nation).first()
    return c.nation if c else "england"


# --- detail view ------------------------------------------------------------------------

@dataclass
class Detail:
    """What the detail pane shows: a title, label/value pairs and titled sections."""

    title: str
    subtitle: str = ""
    fields: list[tuple[str, str]] = field(default_factory=list)
    sections: list[tuple[str, list[str]]] = field(default_factory=list)
    archived: bool = False


# --- the register description -------------------------------------------------------------

@dataclass
class Register:
    key: str
    title: str
    singular: str
    model: type[Model]
    fields: Callable[[], list[FieldSpec]]
    columns: list[str]
    query: Callable[[], object]  # a select of (id, *columns) with the joins it needs
    search: Callable[[], list]  # expressions a filter matches against (LIKE)
    order: Callable[[], list]
    detail: Callable[[Model], Detail]
    to_form: Callable[[Model], dict[str, str]] | None = None
    check: Callable[[dict, Model | None], dict[str, str]] | None = None
    after_save: Callable[[Model, dict, bool], None] | None = None
    before_save: Callable[[Model, dict, bool], None] | None = None
    #: turns one row of `query` (without its id) into the strings the list shows
    format: Callable[[tuple], tuple] | None = None
    #: facets the filter box understands (`status:open`): name -> (help, value -> condition)
    facets: dict = field(default_factory=dict)
    #: ready-made views offered with the saved ones: (name, filter text)
    builtin_views: tuple = ()
    #: meeting mode: does this row (with its id) hide names, and which shown columns
    private: Callable[[tuple], bool] | None = None
    private_columns: tuple[int, ...] = ()
    #: the kind in the full-text index (search.py) whose matches a filter word of 3 or more
    #: characters uses instead of LIKE over `search` (the index covers those columns too)
    search_kind: str | None = None

    def get(self, row_id: int) -> Model:
        return self.model.get_by_id(row_id)


def like(expr, word: str):
    """`expr` contains `word`, case-insensitively, with % and _ taken literally."""
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    op = "ILIKE" if backend.is_postgres(database) else "LIKE"  # SQLite's LIKE ignores case
    return NodeList((fn.COALESCE(expr, ""), SQL(op), f"%{escaped}%", SQL("ESCAPE '\\'")))


def rows(register: Register, text: str = "", *, archived: bool = False, limit: int | None = None,
         offset: int = 0) -> list[tuple]:
    """The list's rows as tuples (id, *columns), filtered in SQL."""
    q = filtered(register, text, archived=archived).order_by(*register.order())
    if limit is not None:
        q = q.limit(limit).offset(offset)
    return list(q.tuples())


def plain(value) -> str:
    """A cell as text: UK dates, blank for nothing."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, dt.date):
        return dates.fmt(value)
    return str(value)


def display_row(register: Register, row: tuple, width: int = 34, *,
                meeting_mode: bool = False) -> tuple[str, ...]:
    """The strings the list shows for one row (row[0] is the id and is not shown);
    long text is cut to *width* characters with an ellipsis; in meeting mode the
    private columns of a private row are hidden."""
    values = row[1:]
    if register.format:
        values = register.format(values)
    cells = tuple(_cut(plain(v), width) for v in values)[: len(register.columns)]
    if meeting_mode and register.private and register.private(row):
        from .privacy import mask_cells

        cells = mask_cells(cells, register.private_columns)
    return cells


def detail_for(register: Register, row_id: int, *, meeting_mode: bool = False) -> Detail:
    """The detail pane's content for one row, masked in meeting mode where private."""
    row = register.get(row_id)
    detail = register.detail(row)
    if meeting_mode and getattr(row, "ref", None):
        from .privacy import case_is_private, mask_detail

        if case_is_private(row.type, row.confidential):
            detail = mask_detail(detail, row)
    return detail


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def count(register: Register, text: str = "", *, archived: bool = False) -> int:
    return filtered(register, text, archived=archived).count()


def filtered(register: Register, text: str = "", *, archived: bool = False):
    """The register's query narrowed by a filter: free words (every one must match) and
    facets (`status:open`); raises views.ViewError for a facet the list does not know."""
    from .views import ViewError, parse

    q = register.query()
    if not archived:
        # an equality (not NOT archived), so an index with `archived` in it can serve it
        q = q.where(register.model.archived == False)  # noqa: E712
    wanted = parse(text, register.facets)
    for name, value in wanted.facets.items():
        condition = register.facets[name][1](value)
        if condition is None:
            raise ViewError(f"'{name}:{value}' means nothing here: {register.facets[name][0]}")
        q = q.where(condition)
    words = wanted.words
    if register.search_kind:
        from . import search

        indexed = [w for w in words if search.indexable(w)]
        if backend.is_postgres(database):
            # PostgreSQL's index finds word prefixes: a word with punctuation in it (h_w,
            # 100%) is found by the LIKE below alone
            indexed = [w for w in indexed if w.isalnum()]
        if indexed:
            q = q.where(register.model.id.in_(search.ids_matching(indexed, register.search_kind)))
            if not backend.is_postgres(database):
                # SQLite's trigram index matches exactly; PostgreSQL's word prefixes only
                # narrow, and the LIKE below keeps the rows that hold the word as typed
                words = [w for w in words if not search.indexable(w)]
    for word in words:
        cond = None
        for expr in register.search():
            c = like(expr, word)
            cond = c if cond is None else (cond | c)
        q = q.where(cond)
    return q


def form_values(register: Register, row: Model | None) -> dict[str, str]:
    """The raw strings a form starts with: the row's values, or the fields' defaults."""
    specs = register.fields()
    if row is None:
        return {s.name: s.initial() for s in specs}
    if register.to_form:
        return register.to_form(row)
    return generic_form_values(specs, row)


def generic_form_values(specs: list[FieldSpec], row: Model) -> dict[str, str]:
    out: dict[str, str] = {}
    for s in specs:
        if s.kind == "ref":
            value = getattr(row, f"{s.name}_id", None)
            out[s.name] = "" if value is None else str(value)
        elif s.kind == "date":
            out[s.name] = dates.fmt(getattr(row, s.name))
        elif s.kind == "bool":
            out[s.name] = "yes" if getattr(row, s.name) else "no"
        elif s.kind == "refs":
            out[s.name] = ""
        else:
            value = getattr(row, s.name)
            out[s.name] = "" if value is None else str(value)
    return out


def save(register: Register, raw: dict[str, str], row_id: int | None = None, *,
         expected_version: int | None = None) -> Model:
    """Validate *raw* and create or update the row, with its audit entry, in one transaction.

    *expected_version* is the row's version when the form was opened: if someone else has
    saved it since, nothing is written and ConflictError says who changed what and when.
    Every update moves the version on by one."""
    specs = register.fields()
    clean = validate(specs, raw, nation=council_nation())
    with database.atomic():
        row = register.get(row_id) if row_id else None
        if row is not None:
            check_version(row, expected_version)
        if register.check:
            problems = register.check(clean, row)
            if problems:
                raise ValidationError(problems)
        before = {s.name: _current(row, s) for s in specs} if row else {}
        if row is None:
            row = register.model()
        for s in specs:
            if s.kind == "refs":
                continue
            value = clean[s.name]
            if s.kind == "roles":
                value = join(value)
            setattr(row, f"{s.name}_id" if s.kind == "ref" else s.name, value)
        created = row.id is None
        if not created and "version" in row._meta.fields:
            row.version = (row.version or 0) + 1
        if register.before_save:
            register.before_save(row, clean, created)
        row.save()
        after = {s.name: _current(row, s) for s in specs}
        if register.after_save:
            register.after_save(row, clean, created)
        changes = audit.diff(before, after)
        if created or changes:
            audit.record("create" if created else "update", register.model._meta.table_name,
                         row.id, changes)
    return row


def check_version(row: Model, expected_version: int | None) -> None:
    """Raise ConflictError when *row* has moved on from *expected_version* (None: no check)."""
    if expected_version is None or "version" not in row._meta.fields:
        return
    if (row.version or 0) == expected_version:
        return
    raise conflict(row, expected_version)


def conflict(row: Model, expected_version: int) -> ConflictError:
    """The ConflictError for *row*: who changed it, what and when, from the audit log."""
    table = row._meta.table_name
    entries = list(audit.Audit.select().where((audit.Audit.table == table)
                                              & (audit.Audit.row_id == row.id))
                   .order_by(audit.Audit.id.desc()).limit(max(1, (row.version or 0) - expected_version)))
    who, at, fields = "", None, []
    for e in entries:
        try:
            changes = json.loads(e.changes or "{}")
        except ValueError:
            changes = {}
        for k in (changes if isinstance(changes, dict) else {}):
            if not k.startswith("_") and k not in fields and k != "version":
                fields.append(k)
    if entries:
        who, at = entries[0].who, entries[0].at
    label = getattr(row, "ref", None) or getattr(row, "name", None) or f"{table} {row.id}"
    when = at.strftime("%d/%m/%Y at %H:%M") if hasattr(at, "strftime") else str(at or "")
    what = (", ".join(f.replace("_", " ") for f in fields)) or "it"
    by = who or "another clerk"
    message = (f"{by} changed {label} ({what}) on {when}, after you opened it. Nothing was "
               "saved. Reload to take their version, or keep yours on screen to copy "
               "from.") if when else (
               f"{by} changed {label} after you opened it. Nothing was saved. Reload to "
               "take their version, or keep yours on screen to copy from.")
    return ConflictError(message, who=by, at=at, fields=fields, current_version=row.version)


def _current(row, spec: FieldSpec):
    if row is None:
        return None
    if spec.kind == "ref":
        return getattr(row, f"{spec.name}_id")
    if spec.kind == "refs":
        return None
    return getattr(row, spec.name)


def archive(register: Register, row_id: int, *, restore: bool = False) -> Model:
    """Archive (or restore) a row: it leaves the lists but is never deleted."""
    with database.atomic():
        row = register.get(row_id)
        if row.archived != (not restore):
            row.archived = not restore
            if "version" in row._meta.fields:
                row.version = (row.version or 0) + 1
            row.save()
            audit.record("restore" if restore else "archive", register.model._meta.table_name,
                         row.id, {"archived": [restore, not restore]})
    return row


# --- wards ---------------------------------------------------------------------------------

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


# --- members -------------------------------------------------------------------------------

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


# --- officers ------------------------------------------------------------------------------

def _officer_fields():
    return [
        FieldSpec("name", "Name", required=True, max_len=120),
        FieldSpec("job_title", "Job title", max_len=120),
        FieldSpec("department", "Department", max_len=120),
        FieldSpec("line_manager", "Line manager", "ref", choices=officer_choices),
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


def _officer_detail(o: Officer) -> Detail:
    reports = [r.name for r in o.reports.where(~Officer.archived)]
    fields = [
        ("Job title", o.job_title or "—"),
        ("Department", o.department or "—"),
        ("Roles", labels(o.roles, OFFICER_ROLES) or "—"),
        ("Line manager", o.line_manager.name if o.line_manager else "—"),
        ("Email", o.email or "—"),
        ("Phone", o.phone or "—"),
        ("Employed", f"{dates.fmt(o.started_on) or '?'} to {dates.fmt(o.left_on) or 'now'}"),
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


# --- external contacts ------------------------------------------------------------------------

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


# --- party groups ---------------------------------------------------------------------------

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
    from .schema import Advice

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


# --- committees -------------------------------------------------------------------------------

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


# --- facets of the registers ------------------------------------------------------------------

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
