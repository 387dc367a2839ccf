"""The charts' figures (models/casework/stats.py), counted on a casebook built here with
known dates, so every figure is exact; meeting mode's rule for wards (privacy.py); and
the same figures through the Python facade (clerkdesk/api.py). On both engines."""
from __future__ import annotations

import datetime as dt

import pytest

from clerkdesk import api
from clerkdesk.models.casework import case_lists, cases, privacy, records, registers, stats
from clerkdesk.models.core import dates
from clerkdesk.models.core.db import close_database

BOTH_ENGINES = True

D = dt.date
TODAY = D(2026, 11, 23)  # a Monday; the quarter's weeks run Tuesday to Monday from 25/08


def _on(monkeypatch, day: D) -> None:
    monkeypatch.setenv("CLERKDESK_TODAY", day.strftime("%d/%m/%Y"))


def _request(member, received: D, *, due: D | None = None, confidential=False,
             kind="information", subject="A question"):
    return records.save(case_lists.REQUESTS, {
        "kind": kind, "subject": subject, "member": str(member.id),
        "received": dates.fmt(received), "due": dates.fmt(due) if due else "",
        "confidential": "yes" if confidential else "no"})


def _close(monkeypatch, case, day: D) -> None:
    _on(monkeypatch, day)
    cases.close_case(case.id, "Answered")


@pytest.fixture
def book(db, monkeypatch):
    """Two wards, three members (one with no ward), an officer, and six cases:

    r1 Abbey, information, received 18/11, open (due 27/11 by the protocol's 7 days)
    r2 Abbey, information, received 10/11, closed 12/11: 2 working days, in time
    r3 Castle, correspondence, received 03/11, due 05/11, closed 12/11: 7 days, late
    r4 Castle, confidential, received 18/11, open
    r5 no ward, received 01/06, due 10/06, open: overdue all quarter
    c1 a complaint by the Abbey member, received 19/11, open
    """
    abbey = records.save(registers.WARDS, {"name": "Abbey"})
    castle = records.save(registers.WARDS, {"name": "Castle"})
    records.save(registers.WARDS, {"name": "Priory"})  # no cases at all
    a = records.save(registers.MEMBERS, {"name": "Cllr Ann Abbey", "ward": str(abbey.id)})
    c = records.save(registers.MEMBERS, {"name": "Cllr Carl Castle", "ward": str(castle.id)})
    n = records.save(registers.MEMBERS, {"name": "Cllr Nan Noward"})
    officer = records.save(registers.OFFICERS, {"name": "Olive Officer", "job_title": "RFO"})
    _on(monkeypatch, TODAY)
    made = {
        "r1": _request(a, D(2026, 11, 18)),
        "r2": _request(a, D(2026, 11, 10)),
        "r3": _request(c, D(2026, 11, 3), due=D(2026, 11, 5), kind="correspondence"),
        "r4": _request(c, D(2026, 11, 18), confidential=True),
        "r5": _request(n, D(2026, 6, 1), due=D(2026, 6, 10)),
        "c1": records.save(case_lists.COMPLAINTS, {
            "kind": "member_about_officer", "subject": "Tone of a reply",
            "complainant_member": str(a.id), "subject_officer": str(officer.id),
            "received": "19/11/2026"}),
    }
    _close(monkeypatch, made["r2"], D(2026, 11, 12))
    _close(monkeypatch, made["r3"], D(2026, 11, 12))
    _on(monkeypatch, TODAY)
    return made


def test_the_quarter_is_thirteen_weeks_ending_today():
    weeks = stats.quarter(TODAY)
    assert len(weeks) == 13
    assert weeks[0].start == D(2026, 8, 25) and weeks[-1].end == TODAY
    assert all((w.end - w.start).days == 6 for w in weeks)
    assert all(b.start - a.end == dt.timedelta(days=1) for a, b in zip(weeks, weeks[1:]))


def test_opened_and_closed_per_week(book):
    flow = stats.weekly_flow(TODAY)
    # r5 was received before the quarter; r3 in week 10, r2 in week 11, r1 r4 c1 in week 12
    assert flow.opened == [0] * 10 + [1, 1, 3]
    assert flow.closed == [0] * 11 + [2, 0]


def test_overdue_at_each_weeks_end(book):
    trend = stats.overdue_trend(TODAY)
    # r5 all quarter; r3 (due 05/11) at the end of 09/11 too, closed 12/11
    assert trend.overdue == [1] * 10 + [2, 1, 1]
    assert trend.overdue[-1] == cases.counts()["overdue"]


def test_a_case_waiting_on_the_member_is_not_overdue(book):
    cases.wait_on_member(book["r5"].id, "the street's name")
    assert stats.overdue_trend(TODAY).overdue[-1] == 0


def test_open_cases_by_ward(book):
    rows = stats.open_by_ward()
    assert [(r.ward, r.shown, r.hidden) for r in rows] == [
        ("Abbey", 1, 1), ("Castle", 0, 1), ("Priory", 0, 0), (stats.NO_WARD, 1, 0)]


def test_meeting_mode_counts_only_what_it_shows_and_hides_small_counts(book):
    rows = stats.open_by_ward()
    assert privacy.ward_counts(rows, meeting_mode=False) == [
        ("Abbey", 2), ("Castle", 1), ("Priory", 0), (stats.NO_WARD, 1)]
    # in meeting mode: the complaint and the confidential request are not counted, and a
    # ward's 1 is "fewer than 3"; Castle keeps its row (0) though it has a hidden case
    assert privacy.ward_counts(rows, meeting_mode=True) == [
        ("Abbey", None), ("Castle", 0), ("Priory", 0), (stats.NO_WARD, None)]


def test_small_counts_in_meeting_mode():
    rows = [stats.WardCount("A", 5, 0), stats.WardCount("B", 2, 9), stats.WardCount("C", 3, 0),
            stats.WardCount(stats.NO_WARD, 0, 4)]
    shown = privacy.ward_counts(rows, meeting_mode=True)
    # ordered by what is shown, never by the totals (B's hidden 9 would tell of them)
    assert shown == [("A", 5), ("C", 3), ("B", None)]
    assert privacy.ward_figure_shown(2, meeting_mode=True) is False
    assert privacy.ward_figure_shown(3, meeting_mode=True) is True
    assert privacy.ward_figure_shown(1, meeting_mode=False) is True


def test_answer_times_as_the_protocol_runs_the_clock(book):
    a = stats.answer_times(since=D(2026, 8, 25), until=TODAY)
    # in the order they closed (both on 12/11), then of receipt
    assert [(x.kind, x.ward, x.days, x.in_time) for x in a.answers] == [
        ("correspondence", "Castle", 7, False), ("information", "Abbey", 2, True)]
    assert (a.count, a.median, a.within, a.share_within) == (2, 4.5, 1, 0.5)
    assert a.limit == 7 and a.clause == "001 §5.9"  # the town profile's, not a constant
    hist = a.histogram()
    assert len(hist) == 16 and hist[2] == 1 and hist[7] == 1 and sum(hist) == 2
    assert [(k, g.count) for k, g in a.by("kind")] == [("Information", 1), ("Correspondence", 1)]
    assert [(w, g.median) for w, g in a.by("ward")] == [("Abbey", 2), ("Castle", 7)]


def test_days_waited_on_the_member_are_not_counted(book, monkeypatch):
    r1 = book["r1"]
    _on(monkeypatch, D(2026, 11, 19))
    cases.wait_on_member(r1.id, "which year")
    _on(monkeypatch, D(2026, 11, 23))
    cases.member_answered(r1.id)  # 2 working days waited (20/11, 23/11)
    _close(monkeypatch, r1, D(2026, 11, 24))
    a = stats.answer_times(since=D(2026, 11, 24))
    assert [(x.days, x.in_time) for x in a.answers] == [(4 - 2, True)]


def test_the_limit_is_the_profiles(book, tmp_path):
    """A council whose own copy of the profile sets 3 days is measured against 3."""
    from clerkdesk.models.casework import council

    from importlib.resources import files

    text = (files("clerkdesk.models.rules.protocols") / "town.toml").read_text(encoding="utf-8")
    copy = tmp_path / "ours.toml"
    copy.write_text(text.replace("info_response_days = 7", "info_response_days = 3"),
                    encoding="utf-8")
    row = council.get()
    row.profile = str(copy)
    row.save()
    a = stats.answer_times()
    assert a.limit == 3 and len(a.histogram()) == 8


def test_an_empty_casebook_has_figures_of_nothing(db):
    f = stats.figures(TODAY)
    assert f.flow.opened == [0] * 13 and f.flow.closed == [0] * 13
    assert f.trend.overdue == [0] * 13
    assert f.wards == [] and f.answers.count == 0 and f.answers.median is None


def test_archived_cases_are_not_counted(book):
    records.archive(case_lists.REQUESTS, book["r1"].id)
    assert stats.weekly_flow(TODAY).opened[-1] == 2
    assert stats.open_by_ward()[0].shown == 0


def test_each_figure_is_one_query(book):
    from clerkdesk.models.core.db import database

    seen = []
    original = database.obj.execute_sql

    def counting(sql, *args, **kwargs):
        if sql.lstrip().upper().startswith("SELECT") and '"case"' in sql.lower():
            seen.append(sql)
        return original(sql, *args, **kwargs)

    database.obj.execute_sql = counting
    try:
        stats.weekly_flow(TODAY)
        stats.overdue_trend(TODAY)
        n = len(seen)
    finally:
        del database.obj.execute_sql
    assert n == 2


def test_the_figures_through_the_facade(book, db):
    close_database()
    with api.open_casebook(db):
        f = api.figures(TODAY)
        assert f.flow.opened[-3:] == [1, 1, 3]
        assert [(w.ward, w.total) for w in f.wards][:2] == [("Abbey", 2), ("Castle", 1)]
        assert f.answers.median == 4.5
        times = api.response_times(since=D(2026, 11, 1))
        assert times.count == 2 and times.within == 1


# --- working days from one calendar walk (stats._WorkingDays) --------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_SPAN = (dt.date(2025, 11, 1), dt.date(2027, 2, 28))  # two Christmases, two Easters


@settings(max_examples=300, deadline=None)
@given(offset=st.integers(0, 480), n=st.integers(0, 40),
       nation=st.sampled_from(sorted(dates.NATIONS)),
       closed=st.sets(st.integers(0, 480), max_size=6))
def test_working_days_added_from_the_counts_are_the_calendars(offset, n, nation, closed):
    lo, hi = _SPAN
    closures = frozenset(lo + dt.timedelta(days=d) for d in closed)
    wd = stats._WorkingDays(lo, hi, nation, closures)
    start = lo + dt.timedelta(days=offset)
    assert wd.add(start, n) == dates.add_working_days(start, n, nation=nation, closures=closures)


def test_working_days_added_past_the_counts_fall_back_to_the_calendar():
    wd = stats._WorkingDays(dt.date(2026, 12, 1), dt.date(2026, 12, 10), "england", frozenset())
    for start in (dt.date(2026, 11, 20), dt.date(2026, 12, 8), dt.date(2027, 1, 5)):
        assert wd.add(start, 7) == dates.add_working_days(start, 7)


def test_a_date_column_read_plain_is_a_date():
    assert dates.from_db("2026-12-02") == dt.date(2026, 12, 2)
    assert dates.from_db("2026-12-02 15:00:00") == dt.date(2026, 12, 2)
    assert dates.from_db(dt.date(2026, 12, 2)) == dt.date(2026, 12, 2)
    assert dates.from_db(None) is None
    with pytest.raises(ValueError):
        dates.from_db("not a date")
