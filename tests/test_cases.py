"""Casework (models/case_lists.py): references, due dates, complaint parties, the timeline,
closing and reopening, the dashboard queries; and that nothing is ever hard-deleted."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from unaudited import adopt_unaudited

from clerkdesk.models.casework import case_lists, cases, council
from clerkdesk.models.casework.records import archive, rows, save
from clerkdesk.models.casework.registers import MEMBERS, OFFICERS
from clerkdesk.models.core import dates
from clerkdesk.models.core.db import database
from clerkdesk.models.core.forms import ValidationError
from clerkdesk.models.core.schema import Audit, Case, Council

D = dt.date

#: the same domain tests on SQLite and on PostgreSQL (conftest.py)
BOTH_ENGINES = True


@pytest.fixture
def people(db):
    """Two members and two officers in the empty casebook."""
    return {
        "ann": save(MEMBERS, {"name": "Cllr Ann Archer"}).id,
        "bob": save(MEMBERS, {"name": "Cllr Bob Baker"}).id,
        "clerk": save(OFFICERS, {"name": "Carol Clerk", "roles": "town_clerk"}).id,
        "dan": save(OFFICERS, {"name": "Dan Deputy", "roles": "deputy_clerk"}).id,
    }


def request(people, received="18/12/2025", kind="information", **extra):
    raw = {"kind": kind, "subject": extra.pop("subject", "Cost of the Christmas lights"),
           "member": str(people["ann"]), "received": received, **extra}
    return save(case_lists.REQUESTS, raw)


def complaint(people, kind, received="01/12/2025", **parties):
    raw = {"kind": kind, "subject": "A complaint", "received": received,
           **{k: str(people[v]) for k, v in parties.items()}}
    return save(case_lists.COMPLAINTS, raw)


# --- references ------------------------------------------------------------------------------

def test_references_run_per_year_and_per_type(people):
    refs = [
        request(people, "02/01/2025").ref,
        request(people, "03/01/2025").ref,
        request(people, "30/12/2024").ref,
        complaint(people, "code_of_conduct", "04/01/2025", subject_member="bob").ref,
        request(people, "05/01/2025").ref,
        complaint(people, "code_of_conduct", "31/12/2024", subject_member="bob").ref,
    ]
    assert refs == ["REQ-2025-0001", "REQ-2025-0002", "REQ-2024-0001", "CMP-2025-0001",
                    "REQ-2025-0003", "CMP-2024-0001"]


def test_reference_is_kept_when_the_case_is_edited(people):
    case = request(people, "02/01/2025")
    save(case_lists.REQUESTS, {**_raw(case, people), "subject": "Renamed"}, case.id)
    assert Case.get_by_id(case.id).ref == "REQ-2025-0001"
    assert Case.get_by_id(case.id).version == 2


def _raw(case, people):
    return {"kind": case.kind, "subject": case.subject, "member": str(case.member_id),
            "received": dates.fmt(case.received)}


# --- due dates ---------------------------------------------------------------------------------

def test_information_request_is_due_in_7_working_days(people):
    # Thu 18/12/2025: Christmas Day and Boxing Day fall inside the seven days
    case = request(people, "18/12/2025")
    assert case.due == D(2025, 12, 31)
    assert case.due == dates.add_working_days(D(2025, 12, 18), 7)
    assert case.status == "new"


def test_the_profile_sets_the_information_deadline(people, tmp_path):
    """One source: the council's protocol profile (an edited copy says 10 working days)."""
    from clerkdesk.models.rules import rulebook

    copy = tmp_path / "ours.toml"
    town = rulebook.load_profile("town").path
    copy.write_text(open(town, encoding="utf-8").read().replace(
        "info_response_days = 7", "info_response_days = 10"), encoding="utf-8")
    Council.update(info_response_days=3, profile=str(copy)).execute()  # the old column: unused
    assert request(people, "18/12/2025").due == D(2026, 1, 6)


def test_an_explicit_due_date_wins_and_other_kinds_have_none_by_default(people):
    assert request(people, "18/12/2025", due="09/01/2026").due == D(2026, 1, 9)
    assert request(people, "18/12/2025", kind="ward_assistance").due is None


def test_due_before_received_and_received_in_the_future_are_refused(people):
    with pytest.raises(ValidationError) as err:
        request(people, "18/12/2025", due="17/12/2025")
    assert "due" in err.value.errors
    future = dates.fmt(dates.today() + dt.timedelta(days=5))
    with pytest.raises(ValidationError) as err:
        request(people, future)
    assert "received" in err.value.errors


def test_a_request_needs_a_member_and_a_subject(people):
    with pytest.raises(ValidationError) as err:
        save(case_lists.REQUESTS, {"kind": "information", "received": "today"})
    assert {"subject", "member"} <= set(err.value.errors)


# --- complaint parties -------------------------------------------------------------------------

@pytest.mark.parametrize("kind, parties, missing", [
    ("member_about_officer", {}, {"complainant_member", "subject_officer"}),
    ("member_about_officer", {"complainant_member": "ann"}, {"subject_officer"}),
    ("officer_about_member", {"subject_member": "bob"}, {"complainant_officer"}),
    ("officer_about_member", {"complainant_officer": "dan"}, {"subject_member"}),
    ("code_of_conduct", {"complainant_member": "ann"}, {"subject_member"}),
    ("grievance", {"subject_officer": "dan"}, {"complainant_officer"}),
])
def test_complaint_kind_needs_the_right_parties(people, kind, parties, missing):
    with pytest.raises(ValidationError) as err:
        complaint(people, kind, **parties)
    assert missing <= set(err.value.errors)
    assert Case.select().count() == 0


@pytest.mark.parametrize("kind, parties, complainant_type", [
    ("member_about_officer", {"complainant_member": "ann", "subject_officer": "clerk"}, "member"),
    ("officer_about_member", {"complainant_officer": "dan", "subject_member": "bob"}, "officer"),
    ("code_of_conduct", {"subject_member": "bob"}, ""),
    ("code_of_conduct", {"complainant_member": "ann", "subject_member": "bob"}, "member"),
    ("grievance", {"complainant_officer": "dan"}, "officer"),
])
def test_complaint_with_the_right_parties_is_saved(people, kind, parties, complainant_type):
    case = complaint(people, kind, **parties)
    assert case.ref.startswith("CMP-2025-") and case.type == "complaint"
    assert case.complainant_type == complainant_type


def test_nobody_complains_about_themselves(people):
    with pytest.raises(ValidationError) as err:
        complaint(people, "code_of_conduct", complainant_member="ann", subject_member="ann")
    assert "subject_member" in err.value.errors
    with pytest.raises(ValidationError) as err:
        complaint(people, "grievance", complainant_officer="dan", subject_officer="dan")
    assert "subject_officer" in err.value.errors


# --- the timeline ------------------------------------------------------------------------------

def test_opening_writes_the_first_step(people):
    case = request(people)
    [step] = cases.timeline(case)
    assert step.kind == "opened" and step.action == "Case opened" and step.who == "Test Clerk"


def test_a_step_moves_new_to_open_and_a_note_does_not(people):
    case = request(people)
    cases.add_step(case.id, "Phoned the member", kind="note")
    assert Case.get_by_id(case.id).status == "new"
    step = cases.add_step(case.id, "Passed to the RFO", clause="001 §5.9", who="Dan Deputy")
    case = Case.get_by_id(case.id)
    assert case.status == "open"
    assert (step.clause, step.who) == ("001 §5.9", "Dan Deputy")
    entry = Audit.select().where((Audit.table == "case") & (Audit.action == "step")).order_by(
        Audit.id.desc()).first()
    assert json.loads(entry.changes)["status"] == ["new", "open"]


def test_status_and_stage_are_recorded(people):
    case = complaint(people, "member_about_officer", complainant_member="ann",
                     subject_officer="dan")
    cases.add_step(case.id, "Raised with the officer", clause="003 §16",
                   stage="raised with the officer")
    cases.add_step(case.id, "Passed to the Town Clerk", stage="with the Town Clerk",
                   status="waiting")
    case = Case.get_by_id(case.id)
    assert (case.status, case.stage) == ("waiting", "with the Town Clerk")
    assert [s.action for s in cases.timeline(case)] == [
        "Case opened", "Raised with the officer", "Passed to the Town Clerk"]
    assert cases.complaints_by_stage() == [("with the Town Clerk", 1)]


def test_a_step_needs_an_action_and_a_known_status(people):
    case = request(people)
    with pytest.raises(ValidationError):
        cases.add_step(case.id, "   ")
    with pytest.raises(ValidationError):
        cases.add_step(case.id, "Done", status="finished")
    assert len(cases.timeline(case)) == 1


# --- closing and reopening ---------------------------------------------------------------------

def test_close_needs_an_outcome(people):
    case = request(people)
    with pytest.raises(ValidationError) as err:
        cases.close_case(case.id, "  ")
    assert "outcome" in err.value.errors
    assert Case.get_by_id(case.id).status == "new"


def test_close_sets_outcome_and_closed_on_and_reopen_clears_it(people, monkeypatch):
    monkeypatch.setenv("CLERKDESK_TODAY", "06/01/2026")
    case = request(people)
    cases.close_case(case.id, "Figures sent to the member", clause="001 §5.9")
    case = Case.get_by_id(case.id)
    assert (case.status, case.outcome, case.closed_on) == (
        "closed", "Figures sent to the member", D(2026, 1, 6))
    assert cases.timeline(case)[-1].kind == "closed"
    assert case not in cases.open_cases()
    cases.reopen_case(case.id, "Member asked a follow-up question")
    case = Case.get_by_id(case.id)
    assert (case.status, case.closed_on) == ("open", None)
    assert [s.kind for s in cases.timeline(case)] == ["opened", "closed", "reopened"]
    assert case.outcome == "Figures sent to the member"  # history kept, not wiped


# --- the dashboard, on the demo council ----------------------------------------------------------

def test_overdue_due_soon_and_counts_on_the_demo(demo_db):
    today = dates.today()
    late = cases.overdue()
    soon = cases.due_soon()
    assert late and soon
    assert all(c.status != "closed" and c.due < today for c in late)
    limit = council.due_after(today, 3)
    assert all(c.status != "closed" and today <= c.due <= limit for c in soon)
    assert not {c.id for c in late} & {c.id for c in soon}
    n = cases.counts()
    open_q = Case.select().where((Case.status != "closed") & ~Case.archived)
    assert n["overdue"] == len(late) and n["due_soon"] == len(soon)
    assert n["open_requests"] == open_q.where(Case.type == "request").count()
    assert n["open_complaints"] == open_q.where(Case.type == "complaint").count()
    assert n["new"] == open_q.where(Case.status == "new").count() > 0
    assert "overdue" in cases.case_status_text(late[0])


def test_the_dashboard_follows_the_day_it_is_asked_for(demo_db):
    far = dates.today() + dt.timedelta(days=400)
    with_due = Case.select().where(
        (Case.status != "closed") & ~Case.archived & Case.due.is_null(False)).count()
    assert len(cases.overdue(far)) == with_due  # a year on, everything open is late
    assert len(cases.overdue(far)) > len(cases.overdue())
    assert cases.overdue(D(2000, 1, 1)) == []


def test_archived_case_leaves_the_lists_and_the_dashboard_but_stays(demo_db):
    late = cases.overdue()[0]
    before = len(cases.overdue())
    archive(case_lists.REQUESTS if late.type == "request" else case_lists.COMPLAINTS, late.id)
    assert len(cases.overdue()) == before - 1
    assert late.id not in [r[0] for r in rows(case_lists.REQUESTS)]
    assert Case.get_by_id(late.id).archived
    assert late.id in [r[0] for r in rows(case_lists.REQUESTS, archived=True)] + [
        r[0] for r in rows(case_lists.COMPLAINTS, archived=True)]


# --- nothing is hard-deleted ---------------------------------------------------------------------

@pytest.mark.sqlite_only
def test_nothing_is_ever_deleted(demo_db):
    """Every kind of change, watched at the SQLite level: not one DELETE statement."""
    statements = []
    database.obj.connection().set_trace_callback(statements.append)
    tables = ("case", "step", "audit", "member", "committee_seat")
    counts_before = {t: database.obj.execute_sql(f'select count(*) from "{t}"').fetchone()[0]
                     for t in tables}
    try:
        case = cases.overdue()[0]
        cases.add_step(case.id, "Chased the officer", clause="001 §5.9")
        cases.close_case(case.id, "Answered")
        cases.reopen_case(case.id, "Not fully answered")
        archive(case_lists.REQUESTS, case.id)
        archive(case_lists.REQUESTS, case.id, restore=True)
        member = rows(MEMBERS)[0][0]
        archive(MEMBERS, member)
        from clerkdesk.models.casework.registers import COMMITTEES, committee_seat_ids
        from clerkdesk.models.core.schema import Committee
        com = Committee.select().first()
        save(COMMITTEES, {"name": com.name, "seats": ""}, com.id)  # empty the committee
        assert committee_seat_ids(com) == []
    finally:
        database.obj.connection().set_trace_callback(None)
    assert statements, "the trace saw the writes"
    assert not [s for s in statements if s.lstrip().upper().startswith(("DELETE", "DROP"))]
    for t in tables:
        after = database.obj.execute_sql(f'select count(*) from "{t}"').fetchone()[0]
        assert after >= counts_before[t], t


def test_pre_election_warning_on_public_meetings_and_media(db):
    from clerkdesk.models.casework import council, records, registers

    _dt = dt
    row = Council.get()
    row.next_election = dates.today() + _dt.timedelta(days=20)
    row.pre_election_days = 42
    row.save()
    ward = records.save(registers.WARDS, {"name": "Quay"})
    member = records.save(registers.MEMBERS, {"name": "Cllr Q", "ward": str(ward.id)})
    media = records.save(case_lists.REQUESTS, {"kind": "media", "subject": "Radio slot",
                                            "member": str(member.id), "received": "today"})
    info = records.save(case_lists.REQUESTS, {"kind": "information", "subject": "Costs",
                                           "member": str(member.id), "received": "today"})
    assert "003 §12" in case_lists.pre_election_warning(media)
    assert case_lists.pre_election_warning(info) == ""
    assert any(label == "Warning" for label, _ in case_lists.REQUESTS.detail(media).fields)
    row.next_election = dates.today() + _dt.timedelta(days=200)
    adopt_unaudited()  # the first save above went straight into the table
    row.save()
    assert not council.in_pre_election_period()
    assert case_lists.pre_election_warning(media) == ""
