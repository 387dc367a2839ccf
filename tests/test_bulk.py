"""Bulk triage in the domain (models/casework/bulk.py, audit.batch, undo of a batch): one
action on many cases, in one transaction, one undo for the lot, each case its own step,
the chain whole after. On a real casebook, SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt

import pytest

from clerkdesk import api
from clerkdesk.models.casework import bulk, cases
from clerkdesk.models.core import dates
from clerkdesk.models.core.db import DatabaseError, database
from clerkdesk.models.core.forms import ValidationError
from clerkdesk.models.core.schema import Audit, Case, Officer, Step
from clerkdesk.models.store import audit, integrity, undo

#: the same domain tests on SQLite and on PostgreSQL (conftest.py)
BOTH_ENGINES = True


def open_requests(n: int) -> list[Case]:
    found = list(Case.select().where((Case.type == "request") & (Case.status != "closed")
                                     & ~Case.archived).order_by(Case.id).limit(n))
    assert len(found) == n, "the demo has enough open requests"
    return found


def state(ids) -> dict:
    """What a bulk action may change on each case, and its timeline's length."""
    return {c.id: (c.status, c.closed_on, c.outcome, c.owner_id, c.priority, c.snoozed_until,
                   Step.select().where(Step.case == c.id).count())
            for c in Case.select().where(Case.id.in_(list(ids)))}


def test_twelve_closes_are_one_transaction_one_batch_and_one_undo(demo_db):
    twelve = open_requests(12)
    ids = [c.id for c in twelve]
    before = state(ids)
    entries_before = Audit.select().count()
    steps_before = {i: before[i][-1] for i in ids}

    result = bulk.apply("close", ids, outcome="Answered at the surgery.")

    assert sorted(result.done) == sorted(c.ref for c in twelve) and not result.skipped
    for c in Case.select().where(Case.id.in_(ids)):
        assert c.status == "closed" and c.closed_on == dates.today()
        assert c.outcome == "Answered at the surgery."
        steps = list(Step.select().where(Step.case == c.id).order_by(Step.id))
        assert len(steps) == steps_before[c.id] + 1, "each case gets its own step"
        assert steps[-1].action == "Closed" and steps[-1].kind == "closed"
    # twelve step entries, then the one entry that groups them, which undo reverts
    new = list(Audit.select().where(Audit.id > 0).order_by(Audit.id))[entries_before:]
    assert [e.action for e in new] == ["step"] * 12 + ["batch"]
    assert result.entry.id == new[-1].id
    assert [m.id for m in undo.batch_members(result.entry)] == [e.id for e in new[:12]]
    assert undo.describe(result.entry).startswith("closing 12 cases (")
    assert integrity.check_path(demo_db).ok

    undone = undo.undo_last()  # ctrl+z, once

    assert undone.undoes == result.entry.id
    after = state(ids)
    for i in ids:
        assert after[i][:-1] == before[i][:-1], "all twelve are as they were"
        assert after[i][-1] == before[i][-1] + 2, "the step stays on record, with its undo"
    last_steps = [Step.select().where(Step.case == i).order_by(Step.id.desc()).first()
                  for i in ids]
    assert all(s.action == "Undone: Closed" for s in last_steps)
    report = integrity.check_path(demo_db)
    assert report.ok, report.lines()
    with pytest.raises(undo.UndoError):
        undo.undo(result.entry.id)  # once only


def test_one_case_of_a_batch_is_never_undone_on_its_own(demo_db):
    three = open_requests(3)
    result = bulk.apply("priority", [c.id for c in three], priority="urgent")
    member = undo.batch_members(result.entry)[0]
    assert "batch" in (undo.can_undo(member.id) or "")
    with pytest.raises(undo.UndoError):
        undo.undo(member.id)
    # the row's own undo (ctrl+z on one record) finds nothing it may revert alone
    assert undo.last_undoable("case", three[0].id) is None


def test_a_later_change_to_one_case_is_undone_first(demo_db):
    three = open_requests(3)
    result = bulk.apply("snooze", [c.id for c in three], until=dates.today() + dt.timedelta(days=9))
    cases.add_step(three[1].id, "Phoned the member")
    assert undo.last_undoable().id != result.entry.id
    undo.undo_last()  # the phone call
    assert undo.undo_last().undoes == result.entry.id  # then the batch
    assert all(c.snoozed_until is None for c in Case.select().where(Case.id.in_([c.id for c in three])))


def test_a_failure_midway_writes_nothing(demo_db):
    twelve = open_requests(12)
    ids = [c.id for c in twelve]
    before = state(ids)
    entries = Audit.select().count()
    # the seventh case is changed behind clerkdesk's back: its write is refused
    # (chain.verify_row), and so is the whole batch
    victim = sorted(twelve, key=lambda c: c.ref)[6]
    database.execute_sql('UPDATE "case" SET subject = %s WHERE id = %s'.replace(
        "%s", database.param), ("Nothing to see", victim.id))
    with pytest.raises(DatabaseError):
        bulk.apply("close", ids, outcome="Done.")
    after = state(ids)
    assert after == before, "not one case closed"
    assert Audit.select().count() == entries, "not one entry written"


def test_the_preview_says_what_will_happen_and_what_is_skipped(demo_db):
    ten = open_requests(10)
    closed = list(Case.select().where((Case.type == "request") & (Case.status == "closed"))
                  .order_by(Case.id).limit(2))
    ids = [c.id for c in ten + closed] + [999999]
    pv = bulk.preview("close", ids, outcome="Done.")
    assert pv.question == "Close 10 cases?"
    text = pv.text(meeting_mode=False)
    for c in ten:
        assert f"{c.ref}  {c.subject}" in text
    assert "2 cases cannot take it and are skipped:" in text
    for c in closed:
        assert f"{c.ref}  already closed" in text
    assert "1 case marked is no longer on record" in text
    assert Audit.select().where(Audit.action == "batch").count() == 0, "a preview writes nothing"

    officer = Officer.select().where(~Officer.archived).first()
    pv = bulk.preview("assign", [c.id for c in ten], officer_id=officer.id)
    assert pv.question.startswith(f"Assign ") and pv.question.endswith(f"to {officer.name}?")
    already = [t for t, why in pv.skipped if why == f"already with {officer.name}"]
    assert len(pv.ready) + len(already) == 10


def test_the_preview_hides_subjects_in_meeting_mode(demo_db):
    complaints = list(Case.select().where((Case.type == "complaint") & (Case.status != "closed")))
    assert complaints
    pv = bulk.preview("priority", [c.id for c in complaints], priority="low")
    shown = pv.text(meeting_mode=True)
    for c in complaints:
        assert c.subject not in shown
    assert f"{complaints[0].ref}  (hidden)" in shown
    assert complaints[0].subject in pv.text(meeting_mode=False)


def test_bad_parameters_are_refused_with_a_sentence_before_anything_is_read(demo_db):
    ids = [c.id for c in open_requests(2)]
    for action, params, name in [("close", {"outcome": "  "}, "outcome"),
                                 ("assign", {"officer_id": 999999}, "owner"),
                                 ("priority", {"priority": "whenever"}, "priority"),
                                 ("snooze", {"until": dates.today()}, "until"),
                                 ("step", {"outcome": "resolved", "note": ""}, "note"),
                                 ("shred", {}, "action")]:
        with pytest.raises(ValidationError) as err:
            bulk.apply(action, ids, **params)
        assert name in err.value.errors and err.value.errors[name].endswith(".")
    assert Audit.select().where(Audit.action == "batch").count() == 0


def test_every_action_gives_each_case_its_own_step_and_undoes_as_one(demo_db):
    four = open_requests(4)
    ids = [c.id for c in four]
    officer = Officer.select().where(~Officer.archived).order_by(Officer.id.desc()).first()
    for action, params, kind in [
            ("assign", {"officer_id": officer.id}, "assigned"),
            ("priority", {"priority": "high"}, "priority"),
            ("snooze", {"until": dates.today() + dt.timedelta(days=7)}, "snoozed"),
            ("step", {"outcome": "note", "note": "Chased the RFO for all of these."}, "step")]:
        before = state(ids)
        result = bulk.apply(action, ids, **params)
        assert result.entry is not None, action
        for ref in result.done:
            case = Case.get(Case.ref == ref)
            assert Step.select().where(Step.case == case).order_by(Step.id.desc()).first().kind == kind
        undo.undo_last()
        assert {i: s[:-1] for i, s in state(ids).items()} == {i: s[:-1] for i, s in before.items()}
    assert integrity.check_path(demo_db).ok


def test_nothing_to_do_writes_nothing(demo_db):
    closed = [c.id for c in Case.select().where(Case.status == "closed").limit(3)]
    result = bulk.apply("close", closed, outcome="Again.")
    assert result.entry is None and result.done == [] and len(result.skipped) == 3
    assert result.message() == "Closed 0 cases; 3 skipped (already closed)."
    assert Audit.select().where(Audit.action == "batch").count() == 0


def test_a_batch_inside_a_batch_is_one_batch(demo_db):
    two = open_requests(2)
    with audit.batch("outer") as outer:
        cases.add_step(two[0].id, "One")
        with audit.batch("inner") as inner:
            cases.add_step(two[1].id, "Two")
        assert inner is outer
    assert outer.entry is not None and len(outer.entries) == 2
    assert Audit.select().where(Audit.action == "batch").count() == 1


def test_the_api_closes_refs_in_bulk_and_undoes_them(demo_db):
    refs = [c.ref for c in open_requests(5)]
    said = api.bulk_preview("close", refs, outcome="Done.")
    assert said.splitlines()[0] == "Close 5 cases?"
    result = api.bulk("close", refs, outcome="Done.")
    assert sorted(result.done) == sorted(refs)
    assert api.undo_last().startswith("closing 5 cases")
    assert all(Case.get(Case.ref == r).status != "closed" for r in refs)
    with pytest.raises(ValueError, match="There is no case REQ-1999-9999"):
        api.bulk("close", ["REQ-1999-9999"], outcome="Done.")
