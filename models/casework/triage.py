"""The triage desk: one queue of what needs the clerk, and the single-key actions on it.

The queue, in order: overdue cases (with working days over), cases due within 3 working
days, new cases, open cases not yet routed, complaints waiting at each stage, cases
waiting on the member (the clock stopped: never overdue while it is), tasks the wizards
created, members whose term has ended with cases still open, and the protocol review when
its date has passed. Snoozed cases stay out of it until their date. A due date agreed
with the member says so.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from peewee import JOIN

from clerkdesk.models.casework import cases, council, privacy
from clerkdesk.models.core import dates, vocab
from clerkdesk.models.core.db import database
from clerkdesk.models.core.forms import FieldSpec, ValidationError
from clerkdesk.models.core.schema import Case, Member, Officer, Task
from clerkdesk.models.store import audit

PRIORITY_ORDER = {"urgent": 0, "high": 1, "normal": 2, "low": 3}


@dataclass
class Item:
    kind: str  # case | task | member | review
    id: int  # the case, task or member id (0 for the review)
    badge: str  # overdue | due | new | unrouted | stage | waiting | task | term | review
    ref: str
    title: str
    owner: str
    due: dt.date | None
    why: str
    case_id: int | None = None
    private: bool = False
    priority: str = "normal"
    records: str = ""  # a task whose doing records something ("advice")

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"


def _case_item(c: Case, badge: str, why: str) -> Item:
    return Item("case", c.id, badge, c.ref, c.subject, c.owner.name if c.owner else "",
                c.due, why, case_id=c.id, private=privacy.case_is_private(c.type, c.confidential),
                priority=c.priority)


def _awake(q, today):
    return q.where(Case.snoozed_until.is_null() | (Case.snoozed_until <= today))


def _by_priority(items: list[Item]) -> list[Item]:
    return sorted(items, key=lambda i: PRIORITY_ORDER.get(i.priority, 2))


def queue(today: dt.date | None = None) -> list[Item]:
    today = today or dates.today()
    row = council.get()
    nation, closed = (row.nation if row else "england"), council.closures()
    soon = council.due_after(today, cases.DUE_SOON_DAYS)
    # every open, awake case once, with its owner (one query; sections are made in Python)
    open_now = list(_awake(cases.open_cases(), today)
                    .select(Case, Officer)
                    .join(Officer, JOIN.LEFT_OUTER, on=(Case.owner == Officer.id), attr="owner")
                    .order_by(Case.due.is_null(), Case.due, Case.received, Case.id))
    out: list[Item] = []
    seen: set[int] = set()

    def take(items):
        for item in _by_priority(items):
            if item.id not in seen:
                seen.add(item.id)
                out.append(item)

    waiting = [c for c in open_now if c.waiting_since is not None]
    open_now = [c for c in open_now if c.waiting_since is None]  # their clock is stopped

    def agreed(c) -> str:
        return " (date agreed with the member)" if c.agreed_due and c.agreed_due == c.due else ""

    overdue = []
    for c in (c for c in open_now if c.due and c.due < today):
        over = dates.working_days_between(c.due, today, nation=nation, closures=closed)
        overdue.append(_case_item(c, "overdue", f"{over} working day{'s' if over != 1 else ''} over"
                                  + agreed(c)))
    take(overdue)

    def due_in(day):
        n = dates.working_days_between(today, day, nation=nation, closures=closed)
        return "due today" if day == today else f"due in {n} working day{'s' if n != 1 else ''}"

    take([_case_item(c, "due", due_in(c.due) + agreed(c))
          for c in open_now if c.due and today <= c.due <= soon])
    take([_case_item(c, "new", "new: not yet picked up") for c in open_now if c.status == "new"])
    take([_case_item(c, "unrouted", "not routed yet (w)") for c in open_now
          if not cases.is_routed(c)])
    take([_case_item(c, "stage", f"complaint at: {c.stage or 'no stage yet'}")
          for c in sorted((c for c in open_now if c.type == "complaint"),
                          key=lambda c: (c.stage, c.received))])
    for c in sorted(waiting, key=lambda c: (c.waiting_since, c.id)):
        n = dates.working_days_between(c.waiting_since, today, nation=nation, closures=closed)
        take([_case_item(c, "waiting", f"waiting on the member since {dates.fmt(c.waiting_since)} "
                         f"({n} working day{'s' if n != 1 else ''}): the clock is stopped")])
    tasks = (Task.select(Task, Case, Officer).join(Case)
             .join(Officer, JOIN.LEFT_OUTER, on=(Case.owner == Officer.id), attr="owner")
             .where(Task.done_on.is_null() & ~Task.archived & (Case.status != "closed") & ~Case.archived)
             .order_by(Task.due, Task.id))
    for t in tasks:
        out.append(Item("task", t.id, "task", t.case.ref, t.description,
                        t.case.owner.name if t.case.owner else "", t.due,
                        f"task [{t.clause}]" if t.clause else "task", case_id=t.case_id,
                        private=privacy.case_is_private(t.case.type, t.case.confidential),
                        records=t.records or ""))
    open_by_member: dict[int, int] = {}
    for c in cases.open_cases().select(Case.member, Case.complainant_member).tuples():
        for member_id in {m for m in c if m}:
            open_by_member[member_id] = open_by_member.get(member_id, 0) + 1
    ended = (Member.select().where(~Member.archived & (Member.term_end < today)).order_by(Member.name))
    for m in ended:
        n = open_by_member.get(m.id, 0)
        if n:
            out.append(Item("member", m.id, "term", "", m.name, "", m.term_end,
                            f"term ended {dates.fmt(m.term_end)}; {n} open case{'s' if n != 1 else ''}"))
    if row and row.protocol_review_due and row.protocol_review_due < today:
        out.append(Item("review", 0, "review", "", "Review the Member/Officer Protocol", "",
                        row.protocol_review_due, "protocol review due (Council tab)"))
    return out


def snoozed_count(today: dt.date | None = None) -> int:
    today = today or dates.today()
    return cases.open_cases().where(Case.snoozed_until > today).count()


def assign(case_id: int, officer_id: int) -> Case:
    officer = Officer.get_or_none(Officer.id == officer_id)
    if officer is None or officer.archived:
        raise ValidationError({"owner": "Choose an officer on the register."})
    cases.add_step(case_id, f"Assigned to {officer.name}", kind="assigned",
                   updates={"owner": officer.id})
    return Case.get_by_id(case_id)


def set_priority(case_id: int, priority: str) -> Case:
    if priority not in vocab.PRIORITIES:
        raise ValidationError({"priority": f"Choose one of: {', '.join(vocab.PRIORITIES)}."})
    cases.add_step(case_id, f"Priority set to {vocab.PRIORITIES[priority].lower()}", kind="priority",
                   updates={"priority": priority})
    return Case.get_by_id(case_id)


def snooze_fields():
    return [FieldSpec("until", "Snooze until", "date", required=True, default="+3wd",
                      placeholder="dd/mm/yyyy, +3, +3wd",
                      help="It leaves the queue until then; it still counts as overdue.")]


def snooze(case_id: int, until: dt.date) -> Case:
    if until <= dates.today():
        raise ValidationError({"until": "Snooze to a day after today."})
    cases.add_step(case_id, f"Snoozed until {dates.fmt(until)}", kind="snoozed",
                   updates={"snoozed_until": until})
    return Case.get_by_id(case_id)


def task_done(task_id: int) -> Task:
    with database.atomic():
        task = Task.get_by_id(task_id)
        if task.done_on is None:
            task.done_on = dates.today()
            task.save()
            audit.record("update", "task", task.id, {"done_on": [None, task.done_on.isoformat()]})
    return task
