"""The demo council (fixtures/demo.py) and the `demo` and `due` subcommands."""
from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from collections import Counter

import pytest

from clerkdesk.fixtures import demo
from clerkdesk.models.casework import cases, registers
from clerkdesk.models.core import dates, vocab
from clerkdesk.models.core.db import close_database
from clerkdesk.models.core.roles import split
from clerkdesk.models.core.schema import (
    Advice,
    Audit,
    Case,
    Committee,
    Contact,
    Council,
    Interest,
    Member,
    Officer,
    PartyGroup,
    Step,
    Task,
    Training,
)
from clerkdesk.models.store.opening import open_database
from clerkdesk.tui.__main__ import main

D = dt.date


# --- what the demo holds -----------------------------------------------------------------------

def test_register_counts(demo_db):
    assert demo.summary() | {"overdue": 0} == {
        "members": 12, "wards": 4, "groups": 3, "officers": 5, "contacts": 3, "committees": 3,
        "requests": 40, "complaints": 8, "overdue": 0}
    assert Member.select().count() == 13  # and one archived ex-member


def test_the_council(demo_db):
    c = Council.get()
    assert (c.name, c.kind, c.profile, c.nation) == ("Ashcombe Town Council", "town", "town",
                                                     "england")
    assert (c.protocol_adopted, c.protocol_review_due, c.next_election) == (
        D(2022, 2, 14), D(2026, 6, 30), D(2027, 5, 6))
    assert c.staffing_committee_name == "Policy & Resources Committee"
    assert c.clerk_name == "Helen Marsh" and c.info_response_days == 7


def test_every_kind_and_every_state_is_present(demo_db):
    for case_type, kinds in (("request", vocab.REQUEST_KINDS), ("complaint", vocab.COMPLAINT_KINDS)):
        q = Case.select().where(Case.type == case_type)
        assert {c.kind for c in q} == set(kinds), case_type
        assert {c.status for c in q} == set(vocab.STATUSES), case_type
    assert Case.select().where(Case.type == "request").count() == 40
    assert Case.select().where(Case.type == "complaint").count() == 8


def test_closed_cases_have_an_outcome_and_a_closing_date(demo_db):
    closed = list(Case.select().where(Case.status == "closed"))
    assert len(closed) >= 10
    for c in closed:
        assert c.outcome and c.closed_on and c.received <= c.closed_on <= dates.today(), c.ref
        assert cases.timeline(c)[-1].kind == "closed"
    for c in Case.select().where(Case.status != "closed"):
        assert c.closed_on is None and not c.outcome, c.ref


def test_some_overdue_some_due_soon_some_confidential(demo_db):
    assert len(cases.overdue()) >= 3
    assert len(cases.due_soon()) >= 3
    conf = Counter(c.type for c in Case.select().where(Case.confidential))
    assert conf["request"] >= 3 and conf["complaint"] >= 2
    assert cases.counts()["new"] >= 5


def test_complaints_stand_on_the_protocols_ladder(demo_db):
    now = {c.stage for c in Case.select().where(Case.type == "complaint")}
    ever = now | _stages_in_audit()
    assert {"with the Town Clerk", "with the staffing committee chair",
            "referred to the principal council's Monitoring Officer"} <= now
    assert "raised with the officer" in ever - now  # a complaint that has moved up a rung
    assert Case.select().where(Case.serious).exists()
    assert Case.select().where(Case.financial_irregularity).exists()


def _stages_in_audit():
    out = set()
    for a in Audit.select().where((Audit.table == "case") & (Audit.action == "step")):
        change = json.loads(a.changes).get("stage")
        if change:
            out.update(s for s in change if s)
    return out


def test_timelines_have_steps_with_clauses_in_order(demo_db):
    clauses = {s.clause for s in Step.select()}
    assert {"001 §5.9", "003 §8", "003 §10", "003 §16", "000 §Political Groups"} <= clauses
    end_of_today = dt.datetime.combine(dates.today(), dt.time(23, 59))
    several = 0
    for c in Case.select():
        steps = cases.timeline(c)
        assert steps[0].kind == "opened", c.ref
        assert all(s.at <= end_of_today for s in steps), c.ref
        assert steps[0].at.date() == c.received, c.ref
        assert [s.id for s in steps] == sorted(s.id for s in steps), c.ref  # time order = entry order
        several += len(steps) >= 3
    assert several >= 20


def test_references_follow_the_order_cases_arrived(demo_db):
    for case_type in ("request", "complaint"):
        q = Case.select().where(Case.type == case_type).order_by(Case.ref)
        by_year = {}
        for c in q:
            assert c.ref.split("-")[1] == str(c.received.year), c.ref
            by_year.setdefault(c.received.year, []).append(c.received)
        for received in by_year.values():
            assert received == sorted(received)


def test_tasks_and_the_advice_register(demo_db):
    tell = Task.get(Task.description.startswith("Tell the other Group Leaders that a briefing was "
                                                "given to the Ashcombe Independents"))
    assert tell.clause == "000 §Political Groups" and tell.done_on
    assert Task.select().where(Task.done_on.is_null()).exists()  # something still to do
    assert Advice.select().count() >= 3
    assert len({a.group_id for a in Advice.select()}) >= 2


def test_members_roles_terms_interests_training(demo_db):
    active = list(Member.select().where(~Member.archived))
    roles = Counter(r for m in active for r in split(m.roles))
    assert roles["chair"] == 1 and roles["vice_chair"] == 1
    assert roles["group_leader"] == 3 and roles["deputy_group_leader"] == 3
    assert roles["committee_chair"] == 3
    assert sum(1 for m in active if m.group_id is None) >= 2  # independents outside any group
    for g in PartyGroup.select():
        assert g.leader_id and g.deputy_leader_id and g.leader_id != g.deputy_leader_id
        assert g.leader.group_id == g.id
    ended = [m for m in active if registers.member_status(m) == "term ended"]
    assert len(ended) == 1
    assert cases.open_cases().where(
        (Case.member == ended[0]) | (Case.subject_member == ended[0])).exists()
    gone = Member.get(Member.archived)
    assert Case.select().where(Case.member == gone).exists()  # their old case is kept
    assert {i.kind for i in Interest.select()} == {"professional", "personal", "pecuniary"}
    assert Training.select().count() >= 10


def test_officers_and_contacts(demo_db):
    by_title = {o.job_title: o for o in Officer.select()}
    clerk = by_title["Town Clerk"]
    assert set(split(clerk.roles)) == {"town_clerk", "proper_officer", "head_of_paid_service"}
    assert clerk.line_manager is None
    assert "deputy_clerk" in split(by_title["Deputy Town Clerk"].roles)
    assert "responsible_financial_officer" in split(by_title["Responsible Financial Officer"].roles)
    assert "junior_officer" in split(by_title["Administration Assistant"].roles)
    assert all(o.line_manager_id for o in Officer.select() if o != clerk)
    assert len({o.department for o in Officer.select()}) >= 3
    assert {c.role for c in Contact.select()} == {
        "principal_monitoring_officer", "independent_person", "county_association"}
    mo = Contact.get(Contact.role == "principal_monitoring_officer")
    assert mo.organisation == "Mid-Shire District Council"


def test_committees(demo_db):
    coms = {c.name: c for c in Committee.select()}
    assert set(coms) == {"Policy & Resources Committee", "Planning Committee", "Amenities Committee"}
    assert [c.name for c in coms.values() if c.staffing] == ["Policy & Resources Committee"]
    for c in coms.values():
        assert c.chair_id and c.vice_chair_id and c.functions
        seats = registers.committee_seat_ids(c)
        assert c.chair_id in seats and c.vice_chair_id in seats and len(seats) >= 5


def test_everything_was_made_through_the_domain_and_audited(demo_db):
    created = Counter(a.table for a in Audit.select().where(Audit.action == "create"))
    assert created["case"] == 48 and created["member"] == 13 and created["officer"] == 5
    assert created["committee_seat"] > 0 and created["task"] == Task.select().count()
    assert created["advice"] == Advice.select().count()
    assert Audit.select().where(Audit.action == "archive").count() == 1  # the ex-member
    steps = Audit.select().where((Audit.table == "case") & (Audit.action == "step")).count()
    assert steps == Step.select().where(Step.kind != "opened").count()


# --- dates are relative to today, and the demo is deterministic -----------------------------------

def _snapshot():
    return ([(c.ref, c.kind, c.subject, c.status, c.stage, c.received, c.due, c.closed_on)
             for c in Case.select().order_by(Case.id)],
            [(s.case_id, s.action, s.clause, s.at) for s in Step.select().order_by(Step.id)])


def test_the_same_day_builds_the_same_casebook(tmp_path):
    shots = []
    for name in ("a.db", "b.db"):
        demo.build_demo(tmp_path / name, today=D(2026, 3, 17))
        open_database(tmp_path / name)
        try:
            shots.append(_snapshot())
        finally:
            close_database()
    assert shots[0] == shots[1]


@pytest.mark.parametrize("today", [
    D(2026, 12, 24),  # Christmas Eve
    D(2027, 3, 29),  # Easter Monday
    D(2026, 11, 28),  # a Saturday
    D(2031, 6, 2),  # years after the real date: cases are back-dated, never refused
])
def test_whatever_the_day_some_are_overdue_due_soon_new_and_closed(tmp_path, today):
    path = tmp_path / "demo.db"
    demo.build_demo(path, today=today)
    open_database(path)
    try:
        assert cases.overdue(today) and cases.due_soon(today)
        assert Case.select().where(Case.status == "new").exists()
        assert Case.select().where(Case.status == "closed").exists()
        assert Case.select().where(Case.received > today).count() == 0
        assert max(c.received for c in Case.select()) >= today - dt.timedelta(days=3)
    finally:
        close_database()


def test_build_refuses_an_existing_file_and_a_missing_folder(tmp_path):
    path = tmp_path / "minutes.db"
    path.write_bytes(b"Minutes of the meeting of 3 March")
    with pytest.raises(FileExistsError):
        demo.build_demo(path)
    assert path.read_bytes() == b"Minutes of the meeting of 3 March"
    with pytest.raises(FileNotFoundError):
        demo.build_demo(tmp_path / "nowhere" / "demo.db")
    assert not (tmp_path / "nowhere").exists()


def test_make_temp_demo_builds_in_a_fresh_folder():
    path = demo.make_temp_demo()
    try:
        assert path.exists() and path.name == demo.DEMO_FILENAME
        other = demo.make_temp_demo()
        try:
            assert other.parent != path.parent
        finally:
            shutil.rmtree(other.parent)
        open_database(path)
        try:
            assert Council.get().name == "Ashcombe Town Council"
        finally:
            close_database()
    finally:
        shutil.rmtree(path.parent)


# --- the commands ----------------------------------------------------------------------------

def cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_demo_command_writes_and_summarises(tmp_path, capsys):
    path = tmp_path / "ashcombe.db"
    code, out, err = cli(capsys, "demo", str(path))
    assert code == 0 and err == ""
    assert str(path) in out
    assert "12 members in 4 wards, 3 party groups, 5 officers, 3 committees; 40 requests and " \
           "8 complaints" in out
    open_database(path)
    try:
        assert Case.select().count() == 48
    finally:
        close_database()


def test_demo_command_never_overwrites(tmp_path, capsys):
    path = tmp_path / "ashcombe.db"
    assert cli(capsys, "demo", str(path))[0] == 0
    before = path.read_bytes()
    code, out, err = cli(capsys, "demo", str(path))
    assert code == 1 and out == ""
    assert err.startswith("clerkdesk: ") and err.count("\n") == 1
    assert "already exists" in err and "untouched" in err
    assert path.read_bytes() == before


def test_demo_command_explains_a_missing_folder_and_a_folder(tmp_path, capsys):
    code, _, err = cli(capsys, "demo", str(tmp_path / "nowhere" / "demo.db"))
    assert code == 1 and "does not exist" in err and err.count("\n") == 1
    assert not (tmp_path / "nowhere").exists()
    code, _, err = cli(capsys, "demo", str(tmp_path))
    assert code == 1 and "is a folder" in err and err.count("\n") == 1


@pytest.mark.parametrize("argv, expected", [
    # Wed 23/12/2026: Christmas (Fri), Boxing Day's substitute (Mon 28) and New Year's Day
    # (Fri) are skipped; day 0 is the date itself, so the 7th working day is Wed 6 January.
    (["23/12/2026", "7"], "06/01/2027"),
    (["23/12/2026", "6"], "05/01/2027"),
    (["23/12/2026", "0"], "23/12/2026"),
    (["06/01/2027", "-7"], "23/12/2026"),
    (["2/4/26", "1"], "07/04/2026"),  # Easter 2026
    (["31/12/2025", "1", "--nation", "scotland"], "05/01/2026"),  # 2 January
    (["31/12/2025", "1"], "02/01/2026"),
    (["16/03/2026", "1", "--nation", "northern-ireland"], "18/03/2026"),
    (["today", "1"], "30/11/2026"),  # CLERKDESK_TODAY is Friday 27/11/2026 here
    (["tomorrow", "0"], "28/11/2026"),
    (["+3wd", "0"], "02/12/2026"),
])
def test_due_command(capsys, monkeypatch, argv, expected):
    monkeypatch.setenv("CLERKDESK_TODAY", "27/11/2026")
    code, out, err = cli(capsys, "due", *argv)
    assert (code, out, err) == (0, expected + "\n", "")


@pytest.mark.parametrize("argv, words", [
    (["31/02/2026", "7"], "not a real date"),
    (["banana", "7"], "is not a date"),
    (["", "7"], "Enter a date"),
    (["23/12/2026", "seven"], "not a number of working days"),
    (["23/12/2026", "1.5"], "not a number of working days"),
    (["23/12/2026", "99999999"], "too far"),
    (["31/12/9999", "1"], "runs off the calendar"),
])
def test_due_command_refuses_with_one_line(capsys, argv, words):
    code, out, err = cli(capsys, "due", *argv)
    assert code == 2 and out == ""
    assert err.startswith("clerkdesk: ") and err.count("\n") == 1 and words in err


def test_due_command_refuses_an_unknown_nation(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli(capsys, "due", "23/12/2026", "7", "--nation", "narnia")
    assert exit_.value.code == 2


def test_commands_do_not_import_textual(tmp_path):
    code = (
        "import sys, argparse\n"
        "from clerkdesk.tui.commands import demo, due\n"
        "p = argparse.ArgumentParser(); s = p.add_subparsers(dest='command')\n"
        "demo.add_parser(s); due.add_parser(s)\n"
        f"demo.run(p.parse_args(['demo', {str(tmp_path / 'd.db')!r}]))\n"
        "due.run(p.parse_args(['due', '23/12/2026', '7']))\n"
        "assert 'textual' not in sys.modules, 'textual was imported'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("06/01/2027")


def test_python_dash_m_runs_the_commands(tmp_path):
    result = subprocess.run([sys.executable, "-m", "clerkdesk.tui", "due", "23/12/2026", "7"],
                            capture_output=True, text=True, timeout=120)
    assert (result.returncode, result.stdout) == (0, "06/01/2027\n")
    result = subprocess.run([sys.executable, "-m", "clerkdesk.tui", "due", "banana", "7"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and result.stderr.count("\n") == 1
