"""The first-run checklist's facts (models/casework/first_run.py), the Clerk of record, and
an officer's employment line: plain functions on a real casebook."""
from __future__ import annotations

import datetime as dt

from clerkdesk.models.casework import council, first_run, registers
from clerkdesk.models.casework.records import archive, detail_for, save
from clerkdesk.models.casework.registers import (
    COMMITTEES,
    GROUPS,
    MEMBERS,
    OFFICERS,
    WARDS,
    employed_line,
)
from clerkdesk.models.core import dates


def _to_do():
    return [step.key for step in first_run.to_do()]


def test_a_new_council_has_every_step_to_do_in_order(db):
    assert _to_do() == list(first_run.STEPS)
    steps = first_run.checklist()
    assert [s.key for s in steps] == list(first_run.STEPS)
    assert not any(s.done for s in steps)
    assert all(s.title and s.asks for s in steps)


def test_each_step_is_done_by_its_own_record_and_the_list_empties(db):
    expected = list(first_run.STEPS)

    def done(step):
        expected.remove(step)
        assert _to_do() == expected

    council.save_settings({**council.form_values(council.get()), "next_election": "07/05/2027"})
    done("council")
    ward = save(WARDS, {"name": "North"})
    done("wards")
    # an officer who is not the Clerk does the "other officers" step, not "you as Clerk"
    save(OFFICERS, {"name": "Sam Deputy", "roles": "deputy_clerk"})
    done("officers")
    save(OFFICERS, {"name": "Pat Clerk", "roles": "town_clerk,proper_officer"})
    done("clerk")
    member = save(MEMBERS, {"name": "Cllr Ann Lee", "ward": str(ward.id)})
    done("members")
    save(GROUPS, {"name": "Independents", "leader": str(member.id)})
    done("groups")
    save(COMMITTEES, {"name": "Finance", "chair": str(member.id)})
    done("committees")
    assert expected == [] and first_run.to_do() == []
    assert all(s.done for s in first_run.checklist())


def test_an_archived_record_does_not_count(db):
    ward = save(WARDS, {"name": "North"})
    assert "wards" not in _to_do()
    archive(WARDS, ward.id)
    assert "wards" in _to_do()


def test_the_clerk_alone_is_not_the_other_officers(db):
    save(OFFICERS, {"name": "Pat Clerk", "roles": "town_clerk"})
    todo = _to_do()
    assert "clerk" not in todo and "officers" in todo


def test_an_officer_who_has_left_is_not_the_clerk(db):
    left = (dates.today() - dt.timedelta(days=30)).strftime("%d/%m/%Y")
    save(OFFICERS, {"name": "Old Clerk", "roles": "town_clerk", "left_on": left})
    assert "clerk" in _to_do()
    assert first_run.clerk_officer() is None


def test_no_council_yet_means_no_checklist(tmp_path):
    from clerkdesk.models.core.db import close_database
    from clerkdesk.models.store.opening import open_database

    open_database(tmp_path / "new.db")
    try:
        assert council.needs_setup()
        assert first_run.to_do() == []
    finally:
        close_database()


def test_the_demo_council_has_done_every_step(demo_db):
    assert first_run.to_do() == []


def test_the_clerk_follows_the_officers_register(db):
    # the fixture's council names "Test Clerk" in its settings
    assert first_run.clerk_of_record() == ("Test Clerk", "the council settings")
    save(OFFICERS, {"name": "Head Of Paid", "roles": "head_of_paid_service"})
    assert first_run.clerk_of_record() == ("Head Of Paid", "the officers register")
    save(OFFICERS, {"name": "Pat Clerk", "roles": "town_clerk"})  # the role itself leads
    assert first_run.clerk_of_record() == ("Pat Clerk", "the officers register")


def test_no_clerk_anywhere(db):
    council.save_settings({**council.form_values(council.get()), "clerk_name": ""})
    assert first_run.clerk_of_record() == ("", "")


def test_employed_line_says_what_is_known():
    today = dt.date(2026, 11, 23)
    start, gone, later = dt.date(2019, 4, 1), dt.date(2026, 3, 31), dt.date(2027, 3, 31)
    assert employed_line(start, None, today) == "since 01/04/2019"
    assert employed_line(None, None, today) == "serving (start date not recorded)"
    assert employed_line(start, gone, today) == "01/04/2019 to 31/03/2026"
    assert employed_line(None, gone, today) == "left on 31/03/2026 (start date not recorded)"
    assert employed_line(start, later, today) == "since 01/04/2019, leaving on 31/03/2027"
    assert employed_line(later, None, today) == "starts on 31/03/2027"
    for line in (employed_line(a, b, today) for a in (None, start) for b in (None, gone)):
        assert "?" not in line


def test_officer_detail_never_says_question_mark(db):
    officer = save(OFFICERS, {"name": "New Starter"})
    fields = dict(detail_for(OFFICERS, officer.id).fields)
    assert fields["Employed"] == "serving (start date not recorded)"


def test_empty_pick_lists_say_where_to_add(db):
    from clerkdesk.models.casework import case_forms, choices

    specs = {s.name: s for s in registers.MEMBERS.fields()}
    ward = choices.empty_help(specs["ward"])
    assert "Council tab" in ward and "Wards" in ward
    assert "Party groups" in choices.empty_help(specs["group"])
    line_manager = {s.name: s for s in OFFICERS.fields()}["line_manager"]
    assert choices.empty_help(line_manager).startswith("No other serving officers")
    every = (COMMITTEES.fields() + GROUPS.fields() + registers.MEMBERS.fields()
             + OFFICERS.fields() + case_forms.request_fields() + case_forms.complaint_fields())
    for spec in every:
        if spec.kind in ("ref", "refs"):
            assert choices.empty_help(spec), spec.name
        else:
            assert choices.empty_help(spec) == "", spec.name


def test_the_api_gives_the_same_steps(db):
    from clerkdesk import api

    save(WARDS, {"name": "North"})
    steps = api.first_steps()
    assert [s["step"] for s in steps] == list(first_run.STEPS)
    assert {s["step"]: s["done"] for s in steps}["wards"] is True
    assert sum(s["done"] for s in steps) == 1


def test_saving_the_dates_changes_only_the_dates(db):
    before = council.form_values(council.get())
    row = council.save_dates({"protocol_adopted": "14/02/2022", "next_election": "07/05/2027",
                              "name": "Renamed"})
    assert row.name == "Testham Town Council" and row.protocol_adopted == dt.date(2022, 2, 14)
    after = council.form_values(council.get())
    changed = {k for k in after if after[k] != before[k]}
    assert changed == {"protocol_adopted", "next_election"}
    assert "council" not in _to_do()
