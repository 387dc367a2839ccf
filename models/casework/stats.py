"""The desk's figures: the counts behind the Dashboard's charts and the committee
report's (models/output/report.py), each from one aggregate query, returned as plain data.

- `weekly_flow`: requests and complaints opened, and closed, in each week of the last
  quarter (13 weeks, the last ending today);
- `overdue_trend`: how many cases were overdue at the end of each of those weeks, as
  their due dates stand now (an extension agreed later moves a case out of the past
  weeks too; a case waiting on the member is never overdue, as on the desk);
- `open_by_ward`: open cases by the ward of the member they come from (the requesting
  member; for a complaint, the member who complains or, failing one, the member
  complained about), split into what meeting mode may show and what it hides, so that
  `privacy.ward_counts` can mask them without another read;
- `answer_times`: closed requests, each with its working days from receipt to closing
  (less the days waited on the member, as the protocol runs the clock) and whether it
  was answered in time: by its due date (as agreed with the member, where agreed), or,
  with no due date, within the profile's `info_response_days`. The limit is the
  profile's, never a number here (council.info_response_days).

Nothing here names anyone: wards, kinds, dates and counts only. No Textual.
"""
from __future__ import annotations

import bisect
import datetime as dt
import statistics
from dataclasses import dataclass, field
from functools import cached_property

from peewee import JOIN, fn
from peewee import Case as When

from clerkdesk.models.casework import council
from clerkdesk.models.core import dates
from clerkdesk.models.core.db import database
from clerkdesk.models.core.schema import Case, Member, Ward
from clerkdesk.models.core.vocab import NO_WARD, REQUEST_KINDS
from clerkdesk.models.rules import rulebook

#: the charts look back a quarter: 13 weeks, the last of them ending today
WEEKS = 13

#: (a case with no member's ward is counted under NO_WARD, from the vocabulary)


@dataclass(frozen=True)
class Week:
    start: dt.date
    end: dt.date  # inclusive: start + 6 days


def quarter(today: dt.date, weeks: int = WEEKS) -> list[Week]:
    """The *weeks* weeks ending today, oldest first."""
    first = today - dt.timedelta(days=7 * weeks - 1)
    return [Week(first + dt.timedelta(days=7 * i), first + dt.timedelta(days=7 * i + 6))
            for i in range(weeks)]


@dataclass(frozen=True)
class Flow:
    weeks: list[Week]
    opened: list[int]  # cases received in each week
    closed: list[int]  # cases closed in each week


def _sum_if(condition):
    return fn.SUM(When(None, [(condition, 1)], 0))


def weekly_flow(today: dt.date | None = None, weeks: int = WEEKS) -> Flow:
    """Cases (requests and complaints, not archived) opened and closed in each week."""
    spans = quarter(today or dates.today(), weeks)
    first = spans[0].start
    cols = [_sum_if(Case.received.between(w.start, w.end)) for w in spans]
    cols += [_sum_if((Case.status == "closed") & Case.closed_on.between(w.start, w.end))
             for w in spans]
    row = (Case.select(*cols)
           .where(~Case.archived & ((Case.received >= first) | (Case.closed_on >= first)))
           .tuples().first()) or ()
    values = [int(v or 0) for v in row] or [0] * (2 * weeks)
    return Flow(spans, values[:weeks], values[weeks:])


@dataclass(frozen=True)
class Trend:
    weeks: list[Week]
    overdue: list[int]  # cases overdue at the end of each week


def _overdue_on(day: dt.date):
    """The condition of a case overdue at the end of *day*: received by then, still open
    then, due before it, and not waiting on the member."""
    still_open = (Case.status != "closed") | (Case.closed_on > day)
    waiting = Case.waiting_since.is_null(False) & (Case.waiting_since <= day)
    return (Case.received <= day) & (Case.due < day) & still_open & ~waiting


def overdue_trend(today: dt.date | None = None, weeks: int = WEEKS) -> Trend:
    """How many cases were overdue at the end of each week of the quarter (the last
    point is today's overdue count, as the Dashboard counts it)."""
    spans = quarter(today or dates.today(), weeks)
    cols = [_sum_if(_overdue_on(w.end)) for w in spans]
    row = (Case.select(*cols)
           .where(~Case.archived & Case.due.is_null(False) & (Case.due < spans[-1].end)
                  & ((Case.status != "closed") | (Case.closed_on > spans[0].end)))
           .tuples().first()) or ()
    return Trend(spans, [int(v or 0) for v in row] or [0] * weeks)


@dataclass(frozen=True)
class WardCount:
    ward: str
    shown: int  # open cases meeting mode shows (not a complaint, not confidential)
    hidden: int  # open complaints and confidential requests

    @property
    def total(self) -> int:
        return self.shown + self.hidden


def _case_member():
    """The member a case comes from: the requesting member, else the complainant, else
    the member complained about."""
    return fn.COALESCE(Case.member, Case.complainant_member, Case.subject_member)


def open_by_ward() -> list[WardCount]:
    """Open cases by ward, most first (then by name); cases with no member's ward last,
    under NO_WARD. Every ward on the register is listed, with no open case or many."""
    private = (Case.type == "complaint") | Case.confidential
    q = (Case.select(Ward.name, _sum_if(~private), _sum_if(private))
         .join(Member, JOIN.LEFT_OUTER, on=(Member.id == _case_member()))
         .join(Ward, JOIN.LEFT_OUTER, on=(Ward.id == Member.ward))
         .where((Case.status != "closed") & ~Case.archived)
         .group_by(Ward.name).tuples())
    found = {name: (int(s or 0), int(h or 0)) for name, s, h in q}
    for (name,) in Ward.select(Ward.name).where(~Ward.archived).tuples():
        found.setdefault(name, (0, 0))
    rows = [WardCount(name, s, h) for name, (s, h) in found.items() if name is not None]
    rows.sort(key=lambda w: (-w.total, w.ward.casefold()))
    if None in found and sum(found[None]):
        rows.append(WardCount(NO_WARD, *found[None]))
    return rows


@dataclass(frozen=True)
class Answer:
    """One closed request, as the protocol's clock counts it."""

    kind: str  # the kind's key (information, ...)
    ward: str  # the member's ward, or NO_WARD
    received: dt.date
    closed_on: dt.date
    days: int  # working days from receipt to closing, less the days waited on the member
    in_time: bool  # closed by its due date (or within the profile's limit, with none)


@dataclass(frozen=True)
class AnswerTimes:
    limit: int  # the profile's info_response_days
    clause: str  # the profile's clause for it
    answers: list[Answer] = field(default_factory=list)  # (not changed once made)

    # worked out once each (the report asks for each group's several times)
    @property
    def count(self) -> int:
        return len(self.answers)

    @cached_property
    def median(self) -> float | None:
        return statistics.median(a.days for a in self.answers) if self.answers else None

    @cached_property
    def within(self) -> int:
        return sum(a.in_time for a in self.answers)

    @property
    def share_within(self) -> float | None:
        return self.within / self.count if self.count else None

    def histogram(self) -> list[int]:
        """How many took 0, 1, ... working days, up to twice the limit; the last bucket
        holds those that took longer still."""
        top = 2 * max(self.limit, 1) + 1
        out = [0] * (top + 1)
        for a in self.answers:
            out[min(a.days, top)] += 1
        return out

    def by(self, key: str) -> list[tuple[str, AnswerTimes]]:
        """The same figures per kind ("kind": labelled as the desk labels them) or per
        ward ("ward"), in the order of the kinds' list or by ward name (grouped once per
        key: the report's Markdown and HTML ask for the same groups)."""
        memo = self.__dict__.setdefault("_groups_by", {})
        if key not in memo:
            memo[key] = self._by(key)
        return memo[key]

    def _by(self, key: str) -> list[tuple[str, AnswerTimes]]:
        groups: dict[str, list[Answer]] = {}
        for a in self.answers:
            groups.setdefault(getattr(a, key), []).append(a)
        if key == "kind":
            order = list(REQUEST_KINDS)
            names = sorted(groups, key=lambda k: (order.index(k) if k in order else 99, k))
            return [(REQUEST_KINDS.get(k, k), AnswerTimes(self.limit, self.clause, groups[k]))
                    for k in names]
        names = sorted(groups, key=lambda w: (w == NO_WARD, w.casefold()))
        return [(w, AnswerTimes(self.limit, self.clause, groups[w])) for w in names]


class _WorkingDays:
    """Working days between dates by a prefix count over the span asked about: one
    calendar walk for the lot, not one per case."""

    def __init__(self, lo: dt.date, hi: dt.date, nation: str, closures) -> None:
        self.lo = lo
        self.nation, self.closures = nation, frozenset(closures)
        self.counts = [0]
        day = lo
        while day < hi:
            day += dt.timedelta(days=1)
            working = dates.is_working_day(day, nation=nation, closures=self.closures)
            self.counts.append(self.counts[-1] + working)

    def between(self, start: dt.date, end: dt.date) -> int:
        if start < self.lo or end < start:
            return dates.working_days_between(start, end, nation=self.nation,
                                              closures=self.closures)
        i, j = (start - self.lo).days, (end - self.lo).days
        if j >= len(self.counts):
            return dates.working_days_between(start, end, nation=self.nation,
                                              closures=self.closures)
        return self.counts[j] - self.counts[i]

    def add(self, start: dt.date, n: int) -> dt.date:
        """dates.add_working_days(start, n) for n >= 0, from the same counts: the first
        day on which the count since *start* reaches *n* (a working day)."""
        i = (start - self.lo).days
        if n == 0:
            return start
        if n > 0 and 0 <= i < len(self.counts):
            j = bisect.bisect_left(self.counts, self.counts[i] + n)
            if j < len(self.counts):
                return self.lo + dt.timedelta(days=j)
        return dates.add_working_days(start, n, nation=self.nation, closures=self.closures)


def _limit() -> tuple[int, str]:
    try:
        prof = council.profile()
    except rulebook.ProfileError:
        return council.FALLBACK_RESPONSE_DAYS, ""
    return council.info_response_days(prof), prof.setting_clause("info_response")


def answer_times(since: dt.date | None = None, until: dt.date | None = None,
                 kind: str | None = None) -> AnswerTimes:
    """Requests (not archived) closed from *since* to *until* (either open-ended), of
    *kind* if given, with the working days each took and whether it was in time."""
    limit, clause = _limit()
    q = (Case.select(Case.kind, Ward.name, Case.received, Case.closed_on, Case.waited_days,
                     Case.due)
         .join(Member, JOIN.LEFT_OUTER, on=(Member.id == Case.member))
         .join(Ward, JOIN.LEFT_OUTER, on=(Ward.id == Member.ward))
         .where((Case.type == "request") & (Case.status == "closed") & ~Case.archived
                & Case.closed_on.is_null(False)))
    if since:
        q = q.where(Case.closed_on >= since)
    if until:
        q = q.where(Case.closed_on <= until)
    if kind:
        q = q.where(Case.kind == kind)
    # plain values from the cursor (every closed request, at the report: Peewee's row
    # conversion was most of its time), the dates made from their ISO text
    day = dates.from_db
    rows = [(kind_key, ward, day(received), day(closed_on), waited, day(due))
            for kind_key, ward, received, closed_on, waited, due
            in database.execute(q.tuples())]
    if not rows:
        return AnswerTimes(limit, clause)
    nation, closed_days = council.council_nation(), council.closures()
    lo = min(r[2] for r in rows)
    hi = max(max(r[3] for r in rows), max((r[5] for r in rows if r[5]), default=lo))
    wd = _WorkingDays(lo, hi, nation, closed_days)
    answers = []
    for kind_key, ward, received, closed_on, waited, due in rows:
        waited = waited or 0
        days = max(wd.between(received, closed_on) - waited, 0)
        if due:
            in_time = closed_on <= due
        else:
            in_time = closed_on <= wd.add(received, limit + waited)
        answers.append(Answer(kind_key, ward or NO_WARD, received, closed_on, days, in_time))
    answers.sort(key=lambda a: (a.closed_on, a.received))
    return AnswerTimes(limit, clause, answers)


@dataclass(frozen=True)
class Figures:
    """Everything the Dashboard's charts draw (and the report's), read at once."""

    today: dt.date
    flow: Flow
    trend: Trend
    wards: list[WardCount]
    answers: AnswerTimes  # requests closed in the quarter

    @property
    def weeks(self) -> list[Week]:
        return self.flow.weeks


def figures(today: dt.date | None = None, weeks: int = WEEKS) -> Figures:
    """The four figures for the quarter ending *today*: four queries in all."""
    today = today or dates.today()
    flow = weekly_flow(today, weeks)
    return Figures(today=today, flow=flow, trend=overdue_trend(today, weeks),
                   wards=open_by_ward(),
                   answers=answer_times(since=flow.weeks[0].start, until=today))


def week_label(week: Week) -> str:
    """A week as a chart labels it: the day it starts, "23/11"."""
    return week.start.strftime("%d/%m")


__all__ = ["WEEKS", "NO_WARD", "Week", "quarter", "Flow", "weekly_flow", "Trend",
           "overdue_trend", "WardCount", "open_by_ward", "Answer", "AnswerTimes",
           "answer_times", "Figures", "figures", "week_label"]
