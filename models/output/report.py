"""The committee report of progress on actions (the town profile's `report_clause`:
"Progress on actions will be reported to the relevant committee").

`build_report()` gathers plain data (no names: a committee report is usually published
with the agenda); `to_markdown()` and `to_html()` render it. The HTML page is
self-contained (inline CSS, no scripts, no external assets) so it can be emailed,
attached to the agenda, or printed to PDF from a browser. No Textual here.

What may appear: references, kinds, statuses, stages, dates and counts, and the party
groups given advice (how much, and when last: even-handedness, the profile's
`advice_clause`). Subjects appear only for requests that meeting mode would show (not
confidential); complaints and confidential cases are given by reference and kind only
(models/privacy.py). Clauses come from the council's profile, never from here.

Response times run as the protocol runs the clock: working days from receipt to closing,
less the days the case waited on the member; a request is answered in time when it closed
by its due date, which is the date agreed with the member where one was agreed.

The report's charts (models/casework/stats.py, drawn by models/output/svg.py as inline
SVG in the HTML page and given as tables in the Markdown) cover the 13 weeks to the
report's date: cases opened and closed per week, cases overdue at each week's end, open
cases by ward, and working days to answer. The report is published, so it shows the
wards as meeting mode does (privacy.ward_counts: complaints and confidential requests
not counted by ward, a count of 1 or 2 given as "fewer than 3"), and a ward's response
times only from three requests up (privacy.ward_figure_shown).
"""
from __future__ import annotations

import datetime as dt
import html
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from peewee import fn

from clerkdesk.models.casework import advice, privacy, stats
from clerkdesk.models.casework import council as council_settings
from clerkdesk.models.casework.cases import open_cases, running
from clerkdesk.models.casework.council import closures, council_nation
from clerkdesk.models.casework.privacy import case_is_private
from clerkdesk.models.core import dates
from clerkdesk.models.core.schema import Case, Council
from clerkdesk.models.core.db import database
from clerkdesk.models.core.vocab import COMPLAINT_KINDS, REQUEST_KINDS, STATUSES
from clerkdesk.models.rules import rulebook
from clerkdesk.models.store import anchor
from clerkdesk.models.store.files import private_folder, replacing

from . import svg

#: the statuses an open case can have, in the order the report shows them
OPEN_STATUSES = [s for s in STATUSES if s != "closed"]


@dataclass
class KindRow:
    """Open requests of one kind, counted by status."""

    kind: str  # the label, e.g. "Information"
    by_status: dict[str, int]  # status key -> count (every open status present)
    total: int


@dataclass
class OverdueItem:
    ref: str
    case_type: str  # request | complaint
    kind: str  # label
    subject: str | None  # None when private (complaint or confidential)
    status: str  # label
    received: dt.date
    due: dt.date
    working_days_over: int


@dataclass
class ComplaintItem:
    ref: str
    kind: str
    status: str
    received: dt.date
    due: dt.date | None


@dataclass
class StageRow:
    stage: str
    complaints: list[ComplaintItem]


@dataclass
class ResponseTimes:
    """Closed information requests: working days from receipt to closing, less the days
    waited on the member; within: closed by the due date (as agreed, where agreed)."""

    target_days: int
    count: int = 0
    median: float | None = None
    within: int = 0  # closed by their due date
    longest: int | None = None
    since: dt.date | None = None
    agreed: int = 0  # of them, with a date agreed with the member
    waited: int = 0  # of them, that waited on the member
    clause: str = ""  # the profile's clause for the response time

    @property
    def share_within(self) -> float | None:
        return self.within / self.count if self.count else None


@dataclass
class Report:
    council: str
    today: dt.date
    open_requests: int
    open_complaints: int
    requests_by_kind: list[KindRow] = field(default_factory=list)
    status_totals: dict[str, int] = field(default_factory=dict)
    overdue: list[OverdueItem] = field(default_factory=list)
    complaints_by_stage: list[StageRow] = field(default_factory=list)
    response: ResponseTimes = field(default_factory=lambda: ResponseTimes(7))
    closed_since: int | None = None  # cases closed on or after response.since
    advice: list[advice.GroupAdvice] = field(default_factory=list)
    report_clause: str = ""  # the profile's clause for reporting progress to a committee
    advice_clause: str = ""
    #: the audit chain's head as the report was made: printed, so the minutes anchor it
    head: anchor.Head | None = None
    #: the charts' figures, for the 13 weeks to the report's date
    figures: stats.Figures | None = None
    #: every request closed (since `response.since`, where given), for the times per kind
    #: and per ward against the protocol's target
    answers: stats.AnswerTimes | None = None

    @property
    def title(self) -> str:
        return f"{self.council}: progress on members' requests and complaints"


def _kind_label(case: Case) -> str:
    return _kind_label_of(case.type, case.kind)


def _kind_label_of(case_type: str, kind: str) -> str:
    table = REQUEST_KINDS if case_type == "request" else COMPLAINT_KINDS
    return table.get(kind, kind)


def build_report(today: dt.date | None = None, since: dt.date | None = None) -> Report:
    """Gather the report from the open casebook. *since* limits the response times (and
    the count of cases closed) to cases closed on or after that date."""
    today = today or dates.today()
    council = Council.select().first()
    nation, closed_days = council_nation(), closures()
    try:
        profile = council_settings.profile(council)
    except rulebook.ProfileError:
        profile = None
    target = council_settings.info_response_days(profile) if profile else \
        council_settings.FALLBACK_RESPONSE_DAYS

    open_q = open_cases()
    # open requests by kind and status, counted in SQL
    grid: dict[str, dict[str, int]] = {}
    for kind, status, n in (open_q.select(Case.kind, Case.status, fn.COUNT(Case.id))
                            .where(Case.type == "request")
                            .group_by(Case.kind, Case.status).tuples()):
        row = grid.setdefault(kind, {s: 0 for s in OPEN_STATUSES})
        row[status] = row.get(status, 0) + n
    open_requests = sum(sum(r.values()) for r in grid.values())
    kind_order = list(REQUEST_KINDS)
    kinds = sorted(grid, key=lambda k: (kind_order.index(k) if k in kind_order else 99, k))
    by_kind = [KindRow(REQUEST_KINDS.get(k, k), grid[k], sum(grid[k].values())) for k in kinds]
    totals = {s: sum(r.by_status.get(s, 0) for r in by_kind) for s in OPEN_STATUSES}

    # overdue, most overdue first (only the columns shown)
    overdue = []
    for ref, ctype, kind, subject, confidential, status, received, due in (
            open_q.select(Case.ref, Case.type, Case.kind, Case.subject, Case.confidential,
                          Case.status, Case.received, Case.due)
            .where((Case.due < today) & running()).order_by(Case.due, Case.ref).tuples()):
        over = dates.working_days_between(due, today, nation=nation, closures=closed_days)
        overdue.append(OverdueItem(
            ref=ref, case_type=ctype, kind=_kind_label_of(ctype, kind),
            subject=None if case_is_private(ctype, confidential) else subject,
            status=STATUSES.get(status, status), received=received, due=due,
            working_days_over=over))
    overdue.sort(key=lambda o: (-o.working_days_over, o.due, o.ref))

    # complaints by stage: references and kinds only
    stages: dict[str, list[ComplaintItem]] = {}
    open_complaints = 0
    for ref, kind, status, stage, received, due in (
            open_q.select(Case.ref, Case.kind, Case.status, Case.stage, Case.received, Case.due)
            .where(Case.type == "complaint").order_by(Case.received, Case.ref).tuples()):
        open_complaints += 1
        stages.setdefault(stage or "not yet routed", []).append(ComplaintItem(
            ref, _kind_label_of("complaint", kind), STATUSES.get(status, status), received, due))
    by_stage = [StageRow(s, items) for s, items in sorted(stages.items())]

    # response times of closed information requests, as the protocol runs the clock
    closed_q = (Case.select(Case.received, Case.closed_on, Case.waited_days, Case.due,
                            Case.agreed_due)
                .where((Case.type == "request") & (Case.kind == "information")
                       & (Case.status == "closed") & ~Case.archived
                       & Case.closed_on.is_null(False)))
    if since:
        closed_q = closed_q.where(Case.closed_on >= since)
    days, within, agreed, waited = [], 0, 0, 0
    for received, closed_on, waited_days, due, agreed_due in closed_q.tuples():
        taken = dates.working_days_between(received, closed_on, nation=nation,
                                           closures=closed_days) - (waited_days or 0)
        days.append(max(taken, 0))
        by = due or dates.add_working_days(received, target + (waited_days or 0),
                                           nation=nation, closures=closed_days)
        within += closed_on <= by
        agreed += agreed_due is not None
        waited += bool(waited_days)
    response = ResponseTimes(target_days=target, since=since,
                             clause=profile.setting_clause("info_response") if profile else "")
    if days:
        response.count = len(days)
        response.median = statistics.median(days)
        response.within = within
        response.longest = max(days)
        response.agreed, response.waited = agreed, waited

    closed_since = None
    if since:
        closed_since = (Case.select().where((Case.status == "closed") & ~Case.archived
                                            & (Case.closed_on >= since)).count())

    return Report(
        council=council.name if council else "The council", today=today,
        open_requests=open_requests, open_complaints=open_complaints,
        requests_by_kind=by_kind, status_totals=totals, overdue=overdue,
        complaints_by_stage=by_stage, response=response, closed_since=closed_since,
        advice=advice.by_group(since),
        report_clause=profile.setting_clause("report") if profile else "",
        advice_clause=profile.setting_clause("advice") if profile else "",
        head=anchor.current(database.connection()),
        figures=stats.figures(today), answers=stats.answer_times(since=since))


def _days(n: int | float) -> str:
    text = f"{n:g}" if isinstance(n, float) else str(n)
    return f"{text} working day{'' if n == 1 else 's'}"


def _cite(clause: str) -> str:
    return f" ({clause})" if clause else ""


def _response_sentences(r: ResponseTimes) -> list[str]:
    period = f" closed since {dates.fmt(r.since)}" if r.since else ""
    if not r.count:
        return [f"No information request{period} has been closed yet, so there are no "
                f"response times to report. The target is {_days(r.target_days)} from receipt"
                f"{_cite(r.clause)}."]
    share = round(100 * (r.share_within or 0))
    out = [
        f"Target: members' requests for information answered within {_days(r.target_days)} "
        f"of receipt, or as agreed with the member{_cite(r.clause)}.",
        f"{r.count} information request{'s' if r.count != 1 else ''}{period} closed: "
        f"median {_days(r.median)}; {r.within} of {r.count} ({share}%) by their due date; "
        f"longest {_days(r.longest)}.",
    ]
    if r.agreed or r.waited:
        out.append(f"Of them, {r.agreed} had a date agreed with the member and {r.waited} "
                   "waited on the member (the days waited are not counted).")
    return out


def _advice_sentence(report: Report) -> str:
    if not report.advice:
        return "There are no party groups on the register."
    if not any(g.count for g in report.advice):
        return f"No advice to party groups is on the advice register{_cite(report.advice_clause)}."
    return (f"Advice and reports given to each party group, from the advice register, so "
            f"that even-handedness can be seen{_cite(report.advice_clause)}.")


def _intro(report: Report) -> str:
    return (f"Prepared by the Clerk on {dates.fmt(report.today)}, as progress on actions is "
            f"reported to the relevant committee{_cite(report.report_clause)}. Names are left "
            "out: complaints and confidential requests are given by reference and kind only.")


def _summary(report: Report) -> str:
    text = (f"{report.open_requests} open request{'s' if report.open_requests != 1 else ''}, "
            f"{report.open_complaints} open complaint{'s' if report.open_complaints != 1 else ''}, "
            f"{len(report.overdue)} overdue.")
    if report.closed_since is not None and report.response.since:
        text += (f" {report.closed_since} case{'s' if report.closed_since != 1 else ''} closed "
                 f"since {dates.fmt(report.response.since)}.")
    return text


def _record(report: Report) -> str:
    """The audit chain's head, for the minutes: kept there, it lets anyone prove later
    that nothing recorded up to it was rewritten (clerkdesk check --since)."""
    h = report.head
    if h is None:
        return "The casebook's audit log has no entries yet."
    return (f"Audit chain head when this report was made: entry #{h.entry} of {h.when}, "
            f"{h.token}. Minuted, it lets anyone prove later that no record up to it has "
            f"been rewritten: clerkdesk check --since {h.token}")


# --- the charts and the response times per kind and per ward ------------------------------

def _pct(n: int, d: int) -> str:
    return f"{round(100 * n / d)}%" if d else "—"


def _period(f: stats.Figures) -> str:
    return f"{dates.fmt(f.weeks[0].start)} to {dates.fmt(f.today)}"


def _target(a: stats.AnswerTimes) -> str:
    return (f"in time: closed by its due date (as agreed with the member, where agreed), "
            f"or within {_days(a.limit)} of receipt where it had none{_cite(a.clause)}")


def _answers_sentence(a: stats.AnswerTimes, period: str) -> str:
    if not a.count:
        return (f"No request was closed {period}, so there are no times to answer to "
                f"show. A request is {_target(a)}.")
    return (f"{a.count} request{'s' if a.count != 1 else ''} closed {period}: median "
            f"{_days(a.median)}; {a.within} of {a.count} ({_pct(a.within, a.count)}) in "
            f"time. A request is {_target(a)}.")


def _wards_note() -> str:
    return ("Open cases by the ward of the member they come from. Complaints and "
            "confidential requests are not counted by ward, and a count of 1 or 2 is given "
            f"as {privacy.small_count_text()}, so that no councillor can be picked out.")


def _ward_rows(f: stats.Figures) -> list[tuple[str, int | None]]:
    """The wards as the published report may show them (meeting mode's rule)."""
    return privacy.ward_counts(f.wards, meeting_mode=True)


def _histogram_rows(a: stats.AnswerTimes) -> list[tuple[str, int, bool]]:
    """(working days, requests, within the limit) for each number of days taken."""
    hist = a.histogram()
    rows = []
    for days, n in enumerate(hist):
        if n:
            label = f"{days} or more" if days == len(hist) - 1 else str(days)
            rows.append((label, n, days <= a.limit))
    return rows


def _times_rows(a: stats.AnswerTimes, key: str) -> list[tuple[str, stats.AnswerTimes | None]]:
    """Response times per kind or per ward; a ward's only from SMALL_COUNT requests up."""
    rows = []
    for name, group in a.by(key):
        shown = key == "kind" or privacy.ward_figure_shown(group.count, meeting_mode=True)
        rows.append((name, group if shown else None))
    return rows


def _times_intro(report: Report) -> str:
    a = report.answers
    period = (f"since {dates.fmt(report.response.since)}" if report.response.since
              else "so far")
    return (f"Every request closed {period}, of every kind, against the protocol's target: "
            f"a request is {_target(a)}. A ward's times are given only where at least "
            f"{privacy.SMALL_COUNT} of its requests were closed.")


def _charts_markdown(report: Report) -> list[str]:
    f = report.figures
    if f is None:
        return []
    out = [f"## The last {len(f.weeks)} weeks at a glance", "",
           f"From {_period(f)}. Weeks run from the day shown.", "",
           "### Cases opened, closed and overdue each week", "",
           "| Week from | Opened | Closed | Overdue at the week's end |",
           "| --- | ---: | ---: | ---: |"]
    for w, o, c, d in zip(f.weeks, f.flow.opened, f.flow.closed, f.trend.overdue):
        out.append(f"| {dates.fmt(w.start)} | {o} | {c} | {d} |")
    out += ["", "### Open cases by ward", "", _wards_note(), "",
            "| Ward | Open cases |", "| --- | ---: |"]
    for ward, n in _ward_rows(f):
        out.append(f"| {_md(ward)} | {privacy.small_count_text() if n is None else n} |")
    out += ["", "### Working days to answer", "",
            _answers_sentence(f.answers, f"in these {len(f.weeks)} weeks"), ""]
    rows = _histogram_rows(f.answers)
    if rows:
        out += [f"| Working days taken | Requests | Within {f.answers.limit} |",
                "| ---: | ---: | --- |"]
        out += [f"| {label} | {n} | {'yes' if ok else 'no'} |" for label, n, ok in rows]
        out.append("")
    return out


def _times_markdown(report: Report) -> list[str]:
    a = report.answers
    if a is None:
        return []
    out = ["## Response times by kind and by ward", "", _times_intro(report), ""]
    if not a.count:
        return out + ["No request has been closed yet.", ""]
    for key, head in (("kind", "Kind"), ("ward", "Ward")):
        out += [f"| {head} | Closed | Median working days | In time | Share in time |",
                "| --- | ---: | ---: | ---: | ---: |"]
        for name, g in _times_rows(a, key):
            if g is None:
                out.append(f"| {_md(name)} | {privacy.small_count_text()} | — | — | — |")
            else:
                out.append(f"| {_md(name)} | {g.count} | {g.median:g} | {g.within} "
                           f"| {_pct(g.within, g.count)} |")
        out.append(f"| **All requests** | **{a.count}** | **{a.median:g}** | **{a.within}** "
                   f"| **{_pct(a.within, a.count)}** |")
        out.append("")
    return out


def chart_svgs(report: Report) -> list[tuple[str, str, str]]:
    """The report's four charts: (heading, inline SVG, caption) each."""
    f = report.figures
    if f is None:
        return []
    labels = [stats.week_label(w) for w in f.weeks]
    wards = _ward_rows(f)
    a = f.answers
    hist = a.histogram()
    hist_labels = [str(d) for d in range(len(hist) - 1)] + [f"{len(hist) - 1}+"]
    return [
        ("Cases opened and closed each week",
         svg.column_chart("Cases opened and closed each week", labels,
                          [("Opened", f.flow.opened), ("Closed", f.flow.closed)]),
         f"Cases opened and closed in each week from {_period(f)} (weeks from the day shown)."),
        ("Cases overdue at the end of each week",
         svg.line_chart("Cases overdue at the end of each week", labels, f.trend.overdue,
                        name="Overdue"),
         "Cases overdue at the end of each week, as their due dates stand now."),
        ("Open cases by ward",
         svg.bar_chart("Open cases by ward",
                       [(w, n) for w, n in wards], missing=privacy.small_count_text()),
         _wards_note()),
        ("Working days to answer",
         svg.column_chart("Working days to answer", hist_labels, [("Requests", hist)],
                          marker=(a.limit, f"limit {a.limit}")),
         _answers_sentence(a, f"in these {len(f.weeks)} weeks")),
    ]


def _charts_html(report: Report) -> list[str]:
    f = report.figures
    if f is None:
        return []
    p = [f"<h2>The last {len(f.weeks)} weeks at a glance</h2>",
         f"<p>From {_e(_period(f))}. Weeks run from the day shown.</p>"]
    for heading, chart, caption in chart_svgs(report):
        p += [f"<h3>{_e(heading)}</h3>", '<figure class="chart">', chart, f"<figcaption>{_e(caption)}</figcaption>",
              "</figure>"]
    return p


def _times_html(report: Report) -> list[str]:
    a = report.answers
    if a is None:
        return []
    p = ["<h2>Response times by kind and by ward</h2>", f"<p>{_e(_times_intro(report))}</p>"]
    if not a.count:
        return p + ["<p>No request has been closed yet.</p>"]
    for key, head in (("kind", "Kind"), ("ward", "Ward")):
        p.append(f'<table><thead><tr><th>{head}</th><th class="n">Closed</th>'
                 '<th class="n">Median working days</th><th class="n">In time</th>'
                 '<th class="n">Share in time</th></tr></thead><tbody>')
        for name, g in _times_rows(a, key):
            if g is None:
                p.append(f'<tr><td>{_e(name)}</td><td class="n">'
                         f'{_e(privacy.small_count_text())}</td><td class="n">—</td>'
                         '<td class="n">—</td><td class="n">—</td></tr>')
            else:
                p.append(f'<tr><td>{_e(name)}</td><td class="n">{g.count}</td>'
                         f'<td class="n">{g.median:g}</td><td class="n">{g.within}</td>'
                         f'<td class="n">{_pct(g.within, g.count)}</td></tr>')
        p.append(f'<tr class="total"><td>All requests</td><td class="n">{a.count}</td>'
                 f'<td class="n">{a.median:g}</td><td class="n">{a.within}</td>'
                 f'<td class="n">{_pct(a.within, a.count)}</td></tr>')
        p.append("</tbody></table>")
    return p


def _md(text: str) -> str:
    """Cell text safe inside a Markdown table: no pipes, no line breaks, no markup."""
    text = " ".join(str(text).split())
    for ch in "\\`*_[]<>|#":
        text = text.replace(ch, "\\" + ch)
    return text


def to_markdown(report: Report) -> str:
    out = [f"# {_md(report.title)}", "", _intro(report), "", f"**{_summary(report)}**", ""]

    out += ["## Open requests by kind and status", ""]
    if report.requests_by_kind:
        heads = ["Kind"] + [STATUSES[s] for s in OPEN_STATUSES] + ["Total"]
        out += ["| " + " | ".join(heads) + " |",
                "| --- | " + " | ".join("---:" for _ in heads[1:]) + " |"]
        for r in report.requests_by_kind:
            cells = [_md(r.kind)] + [str(r.by_status.get(s, 0)) for s in OPEN_STATUSES] + [str(r.total)]
            out.append("| " + " | ".join(cells) + " |")
        cells = ["**Total**"] + [f"**{report.status_totals.get(s, 0)}**" for s in OPEN_STATUSES]
        out.append("| " + " | ".join(cells + [f"**{report.open_requests}**"]) + " |")
    else:
        out.append("No open requests.")
    out.append("")

    out += ["## Overdue", ""]
    if report.overdue:
        out += ["| Ref | Kind | Subject | Status | Received | Due | Working days over |",
                "| --- | --- | --- | --- | --- | --- | ---: |"]
        for o in report.overdue:
            out.append(f"| {o.ref} | {_md(o.kind)} | {_md(o.subject) if o.subject else '*withheld*'} "
                       f"| {o.status} | {dates.fmt(o.received)} | {dates.fmt(o.due)} "
                       f"| {o.working_days_over} |")
    else:
        out.append("Nothing is overdue.")
    out.append("")

    out += ["## Complaints by stage", ""]
    if report.complaints_by_stage:
        out += ["| Stage | Ref | Kind | Status | Received | Due |",
                "| --- | --- | --- | --- | --- | --- |"]
        for row in report.complaints_by_stage:
            for c in row.complaints:
                out.append(f"| {_md(row.stage)} | {c.ref} | {_md(c.kind)} | {c.status} "
                           f"| {dates.fmt(c.received)} | {dates.fmt(c.due) or '—'} |")
    else:
        out.append("No open complaints.")
    out.append("")

    out += ["## Response times for information requests", ""]
    out += [f"- {s}" for s in _response_sentences(report.response)]
    out.append("")

    out += _times_markdown(report)
    out += _charts_markdown(report)

    out += ["## Advice to party groups", "", _advice_sentence(report), ""]
    if any(g.count for g in report.advice):
        out += ["| Group | Advice given | Latest |", "| --- | ---: | --- |"]
        for g in report.advice:
            out.append(f"| {_md(g.group)} | {g.count} | {dates.fmt(g.latest) or '—'} |")
        out.append("")
    out += ["## The record", "", _md(_record(report)), ""]
    return "\n".join(out)


_CSS = """
body { font-family: Georgia, "Times New Roman", serif; max-width: 60rem; margin: 2rem auto;
       padding: 0 1rem; color: #1a1a1a; line-height: 1.45; }
h1 { font-size: 1.6rem; border-bottom: 2px solid #1a1a1a; padding-bottom: .3rem; }
h2 { font-size: 1.2rem; margin-top: 2rem; }
h3 { font-size: 1.05rem; margin: 1.2rem 0 .3rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: .95rem; }
th, td { border: 1px solid #999; padding: .25rem .5rem; text-align: left; vertical-align: top; }
th { background: #eee; }
td.n, th.n { text-align: right; }
tr.total td { font-weight: bold; background: #f6f6f6; }
.summary { font-weight: bold; }
.withheld { color: #666; font-style: italic; }
.intro { color: #333; }
figure.chart { margin: 1rem 0 1.5rem; break-inside: avoid; }
figure.chart svg { max-width: 100%; height: auto; display: block; }
figcaption { font-size: .9rem; color: #333; margin-top: .3rem; }
@media print { body { margin: 0; max-width: none; } h2 { break-after: avoid; }
               tr { break-inside: avoid; } figure.chart { break-inside: avoid; } }
"""


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def to_html(report: Report) -> str:
    """A self-contained HTML page: inline CSS, no scripts, no external assets."""
    p = ["<!DOCTYPE html>", '<html lang="en-GB">', "<head>", '<meta charset="utf-8">',
         '<meta name="viewport" content="width=device-width, initial-scale=1">',
         f"<title>{_e(report.title)}</title>", f"<style>{_CSS}</style>", "</head>", "<body>",
         f"<h1>{_e(report.title)}</h1>", f'<p class="intro">{_e(_intro(report))}</p>',
         f'<p class="summary">{_e(_summary(report))}</p>']

    p.append("<h2>Open requests by kind and status</h2>")
    if report.requests_by_kind:
        heads = "".join(f'<th class="n">{_e(STATUSES[s])}</th>' for s in OPEN_STATUSES)
        p.append(f'<table><thead><tr><th>Kind</th>{heads}<th class="n">Total</th></tr></thead><tbody>')
        for r in report.requests_by_kind:
            cells = "".join(f'<td class="n">{r.by_status.get(s, 0)}</td>' for s in OPEN_STATUSES)
            p.append(f'<tr><td>{_e(r.kind)}</td>{cells}<td class="n">{r.total}</td></tr>')
        cells = "".join(f'<td class="n">{report.status_totals.get(s, 0)}</td>' for s in OPEN_STATUSES)
        p.append(f'<tr class="total"><td>Total</td>{cells}<td class="n">{report.open_requests}</td></tr>')
        p.append("</tbody></table>")
    else:
        p.append("<p>No open requests.</p>")

    p.append("<h2>Overdue</h2>")
    if report.overdue:
        p.append("<table><thead><tr><th>Ref</th><th>Kind</th><th>Subject</th><th>Status</th>"
                 '<th>Received</th><th>Due</th><th class="n">Working days over</th></tr></thead><tbody>')
        for o in report.overdue:
            subject = _e(o.subject) if o.subject else '<span class="withheld">withheld</span>'
            p.append(f"<tr><td>{_e(o.ref)}</td><td>{_e(o.kind)}</td><td>{subject}</td>"
                     f"<td>{_e(o.status)}</td><td>{dates.fmt(o.received)}</td>"
                     f'<td>{dates.fmt(o.due)}</td><td class="n">{o.working_days_over}</td></tr>')
        p.append("</tbody></table>")
    else:
        p.append("<p>Nothing is overdue.</p>")

    p.append("<h2>Complaints by stage</h2>")
    if report.complaints_by_stage:
        p.append("<table><thead><tr><th>Stage</th><th>Ref</th><th>Kind</th><th>Status</th>"
                 "<th>Received</th><th>Due</th></tr></thead><tbody>")
        for row in report.complaints_by_stage:
            for c in row.complaints:
                p.append(f"<tr><td>{_e(row.stage)}</td><td>{_e(c.ref)}</td><td>{_e(c.kind)}</td>"
                         f"<td>{_e(c.status)}</td><td>{dates.fmt(c.received)}</td>"
                         f"<td>{dates.fmt(c.due) or '—'}</td></tr>")
        p.append("</tbody></table>")
    else:
        p.append("<p>No open complaints.</p>")

    p.append("<h2>Response times for information requests</h2><ul>")
    p += [f"<li>{_e(s)}</li>" for s in _response_sentences(report.response)]
    p.append("</ul>")

    p += _times_html(report)
    p += _charts_html(report)

    p += ["<h2>Advice to party groups</h2>", f"<p>{_e(_advice_sentence(report))}</p>"]
    if any(g.count for g in report.advice):
        p.append('<table><thead><tr><th>Group</th><th class="n">Advice given</th><th>Latest</th>'
                 "</tr></thead><tbody>")
        for g in report.advice:
            p.append(f'<tr><td>{_e(g.group)}</td><td class="n">{g.count}</td>'
                     f"<td>{dates.fmt(g.latest) or '—'}</td></tr>")
        p.append("</tbody></table>")
    p += ["<h2>The record</h2>", f'<p class="record">{_e(_record(report))}</p>',
          "</body>", "</html>", ""]
    return "\n".join(p)


FORMATS = ("md", "html")


def report_filename(report: Report, fmt: str) -> str:
    return f"committee-report-{report.today:%Y-%m-%d}.{fmt}"


def write_report(out_dir, formats=FORMATS, *, today: dt.date | None = None,
                 since: dt.date | None = None, pdf: bool = False) -> list[Path]:
    """Build the report and write it into *out_dir* (created if missing) as each of
    *formats* ("md", "html"), and as a PDF when *pdf* (RuntimeError(PDF_HELP) when no PDF
    library is installed: checked before anything is written). A same-day report is
    replaced. Returns the paths written."""
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ValueError(f"Unknown report format {unknown[0]!r}: choose md or html.")
    if pdf and not pdf_available():
        raise RuntimeError(PDF_HELP)
    out = private_folder(Path(out_dir).expanduser())
    report = build_report(today, since)
    written = []
    for fmt in formats:
        text = to_markdown(report) if fmt == "md" else to_html(report)
        written.append(_replace_file(out / report_filename(report, fmt), text.encode("utf-8")))
    if pdf:
        target = out / report_filename(report, "pdf")
        with replacing(target, "wb") as fh:
            write_pdf(report, fh.name)
        written.append(target)
    return written


def _replace_file(path: Path, data: bytes) -> Path:
    """Write *data* to *path* through an exclusive, owner-only temporary file, so a
    half-written file never replaces a good one (`files.replacing`)."""
    with replacing(path, "wb") as fh:
        fh.write(data)
    return path


PDF_HELP = ("No PDF library is installed, so clerkdesk cannot write a PDF itself: open the "
            "HTML report in a web browser and choose Print, then Save as PDF (or install "
            "WeasyPrint: pip install weasyprint).")


def pdf_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("weasyprint") is not None


def write_pdf(report: Report, path) -> None:
    """Write the report as a PDF through WeasyPrint, when it is installed (it is not a
    dependency); raise RuntimeError(PDF_HELP) otherwise."""
    if not pdf_available():
        raise RuntimeError(PDF_HELP)
    import weasyprint  # type: ignore[import-not-found]

    weasyprint.HTML(string=to_html(report)).write_pdf(str(path))
