"""The advice register: what advice or report an officer gave to which party group, on
which matter, so that even-handedness can be shown (the profile's `advice_clause`: the
same advice to each group on the same matter). No Textual.

* `advice_fields()` / `initial_values(...)`: the form, pre-filled from the case, the
  route's step or task, or the group it is recorded from.
* `record(raw, case_id=None, task_id=None)`: one audited row; on a case, a step on its
  timeline too, and the route's "record the advice" task ticked off, in one transaction.
* `same_matter(text, exclude_group=...)`: earlier advice on the same matter to another
  group, by full-text similarity (the casebook's search index: FTS5 trigram on SQLite, a
  tsvector on PostgreSQL), best first, for the clerk to confirm; `for_case(case)` runs it
  for a group-meeting request.
* `by_group(since=None)`: how much advice each group was given, for the report.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from peewee import fn

from clerkdesk.models.casework import cases, council, search
from clerkdesk.models.casework.choices import group_choices, officer_choices
from clerkdesk.models.core import dates
from clerkdesk.models.core.db import database
from clerkdesk.models.core.forms import FieldSpec, ValidationError, validate
from clerkdesk.models.core.schema import Advice, Case, Officer, PartyGroup, Task
from clerkdesk.models.rules.errors import ProfileError
from clerkdesk.models.store import audit


def advice_fields() -> list[FieldSpec]:
    return [
        FieldSpec("group", "Party group advised", "ref", required=True, choices=group_choices),
        FieldSpec("officer", "Officer who advised", "ref", choices=officer_choices),
        FieldSpec("matter", "Matter", required=True, max_len=300,
                  help="What it was about: the same words find it when another group asks."),
        FieldSpec("summary", "What was advised", "longtext",
                  help="Facts and options given (no recommendations to a group)."),
        FieldSpec("given_on", "Given on", "date", required=True, default="today",
                  placeholder="dd/mm/yyyy, today"),
    ]


def initial_values(case: Case | None = None, *, group_id: int | None = None,
                   officer_id: int | None = None) -> dict[str, str]:
    """The form's starting values: the case's group and subject, the officer who owns it
    (or the one the route's step resolved to), today."""
    out = {s.name: s.initial() for s in advice_fields()}
    if case is not None:
        out["matter"] = case.subject
        group_id = group_id or case.group_id
        officer_id = officer_id or case.owner_id
    if group_id:
        out["group"] = str(group_id)
    if officer_id:
        out["officer"] = str(officer_id)
    return out


def _clause() -> str:
    try:
        return council.profile().setting_clause("advice")
    except ProfileError:
        return ""


def record(raw: dict, *, case_id: int | None = None, task_id: int | None = None) -> Advice:
    """Add advice to the register from the form's raw values. With *case_id* the case's
    timeline says so; with *task_id* that task (the route's "record the advice") is done."""
    clean = validate(advice_fields(), raw)
    if clean["given_on"] > dates.today():
        raise ValidationError({"given_on": "Advice cannot be given in the future."})
    with database.atomic():
        row = Advice.create(group=clean["group"], officer=clean["officer"], matter=clean["matter"],
                            summary=clean["summary"], given_on=clean["given_on"], case=case_id)
        audit.record("create", "advice", row.id,
                     {k: [None, v.isoformat() if isinstance(v, dt.date) else v]
                      for k, v in {**clean, "case": case_id}.items() if v not in (None, "")})
        if case_id is not None:
            group = PartyGroup.get_by_id(clean["group"])
            cases.add_step(case_id, f"Advice recorded in the advice register: {group.name}",
                           note=clean["matter"] + (f"\n{clean['summary']}" if clean["summary"] else ""),
                           clause=_clause(), kind="advice")
        if task_id is not None:
            task = Task.get_by_id(task_id)
            if task.done_on is None:
                task.done_on = dates.today()
                task.save()
                audit.record("update", "task", task.id, {"done_on": [None, task.done_on.isoformat()]})
    return row


# --- the same matter -------------------------------------------------------------------------

#: words that say nothing about the matter itself
STOP_WORDS = frozenset("""
    about above after again against also among and another any are asked asks attend attendance
    attending been before being between brief briefed briefing but can clerk council councillor
    councillors could does during each for from further give given group groups has have her him
    his into its matter matters may meet meeting meetings member members more must officer
    officers offer offered on once only other our out over party political report reports
    request requests requested same she should some such than that the their them then there
    these they this those through town under upon very was were what when where which while who
    will with would your
""".split())


WORD = re.compile(r"[^\W\d_][\w'-]*", re.UNICODE)


def matter_words(text: str) -> list[str]:
    """The words of *text* that say what the matter is: four letters or more, not a stop
    word, not a party group's name (a request from the Conservative Group about the budget
    is about the budget)."""
    names = {w.lower() for g in PartyGroup.select(PartyGroup.name) for w in WORD.findall(g.name)}
    out = []
    for w in WORD.findall(text or ""):
        low = w.lower().strip("'-")
        if len(low) >= 4 and low not in STOP_WORDS and low not in names and low not in out:
            out.append(low)
    return out


@dataclass(frozen=True)
class Candidate:
    """Earlier advice that may be on the same matter."""

    advice_id: int
    group: str
    group_id: int
    officer: str
    matter: str
    given_on: dt.date
    shared: tuple[str, ...]  # the words it shares with the question asked

    @property
    def line(self) -> str:
        who = f" ({self.officer})" if self.officer else ""
        return f"{dates.fmt(self.given_on)}  {self.group}{who}: {self.matter}"


def same_matter(text: str, *, exclude_group: int | None = None, limit: int = 5) -> list[Candidate]:
    """Advice (not archived) to a group other than *exclude_group* whose matter or summary
    is like *text*, most alike first: candidates for the clerk to confirm, never a verdict."""
    words = matter_words(text)
    if not words:
        return []
    found = search.similar(words, "advice", limit=limit * 4)
    if not found:
        return []
    ids = [i for i, _score in found]
    rows = {a.id: a for a in Advice.select(Advice, PartyGroup).join(PartyGroup)
            .where(Advice.id.in_(ids) & ~Advice.archived & ~PartyGroup.archived)}
    officers = {o.id: o.name for o in Officer.select(Officer.id, Officer.name)
                .where(Officer.id.in_([a.officer_id for a in rows.values() if a.officer_id]))}
    out = []
    for advice_id, _score in found:
        a = rows.get(advice_id)
        if a is None or (exclude_group is not None and a.group_id == exclude_group):
            continue
        have = set(matter_words(f"{a.matter} {a.summary}"))
        shared = tuple(w for w in words if w in have or any(w in h or h in w for h in have))
        if not shared:
            continue  # a trigram match inside an unrelated word
        out.append(Candidate(a.id, a.group.name, a.group_id, officers.get(a.officer_id, ""),
                             a.matter, a.given_on, shared))
        if len(out) >= limit:
            break
    return out


def for_case(case: Case, limit: int = 5) -> list[Candidate]:
    """For a group-meeting request: advice already given to another group on the same
    matter (the case's subject and details)."""
    if case.kind != "group_meeting":
        return []
    return same_matter(f"{case.subject} {case.details}", exclude_group=case.group_id, limit=limit)


# --- even-handedness -------------------------------------------------------------------------

@dataclass
class GroupAdvice:
    group: str
    count: int
    latest: dt.date | None


def by_group(since: dt.date | None = None) -> list[GroupAdvice]:
    """Each party group (not archived) with the advice it was given (since *since*), so
    that even-handedness can be seen; groups given none are listed too."""
    q = (Advice.select(Advice.group, fn.COUNT(Advice.id), fn.MAX(Advice.given_on))
         .where(~Advice.archived).group_by(Advice.group))
    if since is not None:
        q = q.where(Advice.given_on >= since)
    counts = {g: (n, latest) for g, n, latest in q.tuples()}
    out = []
    for g in PartyGroup.select().where(~PartyGroup.archived).order_by(PartyGroup.name):
        n, latest = counts.get(g.id, (0, None))
        out.append(GroupAdvice(g.name, n, dates.from_db(latest)))
    return out
