"""The clock as the protocol runs it. 001 §5.9: "Officers will deal with Members' requests
for information within seven working days of receipt or otherwise as agreed with the
Member." An agreed extension sets the date; a case waiting on the member stops the clock
and restarts it when they answer; the queue, the report and the calendar use the date."""
from __future__ import annotations

import datetime as dt

import pytest

from clerkdesk.models.casework import case_lists, cases, records, registers, triage
from clerkdesk.models.core.forms import ValidationError
from clerkdesk.models.core.schema import Case, Step
from clerkdesk.models.output import ical, report

D = dt.date

BOTH_ENGINES = True


def _at(monkeypatch, day: str) -> None:
    monkeypatch.setenv("CLERKDESK_TODAY", day)


@pytest.fixture
def request_case(db, monkeypatch):
    """An information request received Mon 02/11/2026: due Wed 11/11/2026 (7 working days)."""
    _at(monkeypatch, "02/11/2026")
    member = records.save(registers.MEMBERS, {"name": "Cllr Ada Lovelace"})
    case = records.save(case_lists.REQUESTS, {"kind": "information", "subject": "Cost of the bus shelter",
                                              "member": str(member.id), "received": "02/11/2026"})
    assert case.due == D(2026, 11, 11)
    return case


def last_step(case_id: int) -> Step:
    return Step.select().where(Step.case == case_id).order_by(Step.id.desc()).get()


def test_an_agreed_extension_sets_the_date_and_notes_the_agreement(request_case, monkeypatch):
    """"... or otherwise as agreed with the Member": the new date, the agreement noted."""
    _at(monkeypatch, "05/11/2026")
    case = cases.agree_extension(request_case.id, D(2026, 11, 20), "By email on 05/11/2026")
    assert (case.due, case.agreed_due) == (D(2026, 11, 20), D(2026, 11, 20))
    step = last_step(case.id)
    assert step.kind == "extension" and step.clause == "001 §5.9"
    assert "20/11/2026" in step.action and "was 11/11/2026" in step.action
    assert step.note == "By email on 05/11/2026"
    detail = case_lists.REQUESTS.detail(case)
    assert ("Agreed with the member", "20/11/2026") in detail.fields
    # past the original date, it is not overdue: the agreed date is the one that counts
    _at(monkeypatch, "17/11/2026")
    assert request_case.id not in [c.id for c in cases.overdue()]
    item = next(i for i in triage.queue() if i.case_id == case.id)
    assert item.badge == "due" and "agreed with the member" in item.why


def test_an_extension_needs_a_date_and_the_agreement(request_case):
    with pytest.raises(ValidationError) as exc:
        cases.agree_extension(request_case.id, D(2026, 10, 1), "")
    assert set(exc.value.errors) == {"due", "agreement"}


def test_waiting_on_the_member_stops_the_clock_and_answering_restarts_it(request_case, monkeypatch):
    """The clock stops while the case waits on the member (town: 003 §6 "Members will
    endeavour to give timely responses to enquiries from officers") and restarts when
    they answer: the case is due as many working days later as it waited."""
    _at(monkeypatch, "04/11/2026")
    case = cases.wait_on_member(request_case.id, "Which bus shelter: Castle Street or Mill Lane?")
    assert case.status == "waiting" and case.waiting_since == D(2026, 11, 4)
    assert last_step(case.id).clause == "003 §6"
    with pytest.raises(ValidationError):
        cases.wait_on_member(case.id, "again")
    # past its due date, waiting: not overdue anywhere
    _at(monkeypatch, "13/11/2026")
    assert case.id not in [c.id for c in cases.overdue()]
    assert cases.counts()["overdue"] == 0
    item = next(i for i in triage.queue() if i.case_id == case.id)
    assert item.badge == "waiting" and "clock is stopped" in item.why and "7 working days" in item.why
    assert "OVERDUE" not in case_lists.REQUESTS.format(
        (case.ref, case.received, case.kind, case.subject, "", "", case.due, case.status,
         False, case.waiting_since))
    assert "clock is stopped" in cases.case_status_text(Case.get_by_id(case.id))
    # Fri 13/11 is 7 working days after Wed 04/11: due 11/11 + 7 working days = 20/11
    case = cases.member_answered(case.id, "Castle Street")
    assert (case.status, case.waiting_since, case.waited_days) == ("open", None, 7)
    assert case.due == D(2026, 11, 20)
    assert "7 working days waited" in last_step(case.id).action
    assert ("Waited on the member", "7 working days") in case_lists.REQUESTS.detail(case).fields
    with pytest.raises(ValidationError):
        cases.member_answered(case.id)


def test_the_report_counts_response_times_as_the_clock_runs(request_case, monkeypatch):
    """Response times: working days to answer less the days waited; in time when closed
    by the due date (the agreed one where agreed)."""
    member_id = request_case.member_id
    _at(monkeypatch, "04/11/2026")
    cases.wait_on_member(request_case.id, "Which shelter?")
    _at(monkeypatch, "09/11/2026")  # 3 working days waited
    cases.member_answered(request_case.id)
    _at(monkeypatch, "16/11/2026")  # 10 working days after receipt, 7 of them counted
    cases.close_case(request_case.id, "Answered")
    other = records.save(case_lists.REQUESTS, {"kind": "information", "subject": "Grit bins",
                                               "member": str(member_id), "received": "02/11/2026"})
    cases.agree_extension(other.id, D(2026, 11, 18), "Agreed at the Council meeting")
    _at(monkeypatch, "17/11/2026")  # 11 working days, by the agreed date
    cases.close_case(other.id, "Answered")
    rt = report.build_report().response
    assert (rt.count, rt.within, rt.longest, rt.agreed, rt.waited) == (2, 2, 11, 1, 1)
    assert rt.median == 9
    md = report.to_markdown(report.build_report())
    assert "2 of 2 (100%) by their due date" in md
    assert "1 had a date agreed with the member and 1 waited on the member" in md


def test_the_calendar_carries_the_agreed_date(request_case, monkeypatch):
    cases.agree_extension(request_case.id, D(2026, 11, 20), "By phone")
    text = ical.calendar_text(stamp=dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.timezone.utc))
    unfolded = text.replace("\r\n ", "")
    assert "DTSTART;VALUE=DATE:20261120" in unfolded
    assert "The date was agreed with the member." in unfolded.replace("\\", "")
    cases.wait_on_member(request_case.id, "Which shelter?")
    unfolded = ical.calendar_text(stamp=dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.timezone.utc)
                                  ).replace("\r\n ", "").replace("\\", "")
    assert "the clock is stopped" in unfolded
