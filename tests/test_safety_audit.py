"""The tamper-evident audit log: `clerkdesk check` passes on the demo and fails, naming
the record, on every tampered copy (plain sqlite3, as a tamperer would); undo."""
from __future__ import annotations

import json
import shutil
import sqlite3

import pytest

from clerkdesk.models.casework import cases, records, registers
from clerkdesk.models.core.db import close_database
from clerkdesk.models.core.schema import Audit, Case, Member, Step
from clerkdesk.models.store import audit, chain, integrity, undo
from clerkdesk.models.store.opening import open_database
from clerkdesk.tui.__main__ import main


def run_check(path, capsys):
    status = main(["--db", str(path), "check"])
    out = capsys.readouterr().out
    return status, out


def tampered(demo_db, tmp_path, *sql):
    close_database()
    copy = tmp_path / "tampered.db"
    shutil.copyfile(demo_db, copy)
    con = sqlite3.connect(copy)
    for statement in sql:
        con.execute(statement)
    con.commit()
    con.close()
    return copy


def test_check_passes_on_the_demo(demo_db, capsys):
    close_database()
    status, out = run_check(demo_db, capsys)
    assert status == 0, out
    lines = out.splitlines()
    assert lines[0].startswith("integrity: ok")
    assert lines[1].startswith("foreign keys: ok")
    assert lines[2].startswith("schema: ok")
    assert lines[3].startswith("audit chain: ok")
    assert lines[4].startswith("records: ok")
    assert "all checks passed" in lines[-1]


@pytest.mark.parametrize("sql, named", [
    (['UPDATE audit SET who = \'Mallory\' WHERE id = 40'], "audit entry #40"),
    (['UPDATE audit SET changes = \'{}\' WHERE id = 41'], "audit entry #41"),
    (['DELETE FROM audit WHERE id = 42'], "audit entry #43"),
    (['DELETE FROM audit WHERE id = (SELECT max(id) FROM audit)'], "were deleted"),
    (['UPDATE "case" SET subject = \'Nothing to see\' WHERE id = 3'], "case 3 (REQ-"),
    (['UPDATE "case" SET priority = \'urgent\' || priority WHERE id = 5'], "case 5 ("),
    (['DELETE FROM step WHERE id = (SELECT min(id) FROM step WHERE case_id = 4)'], "case 4 ("),
    (['UPDATE step SET note = \'edited\' WHERE id = 7'], "case "),
    (['UPDATE member SET name = \'Cllr Nobody\' WHERE id = 2'], "member 2 (Cllr Nobody)"),
    (['PRAGMA foreign_keys = OFF', 'DELETE FROM task WHERE id = 1'], "task 1 is in the audit log"),
    (["INSERT INTO ward (name, notes, archived) VALUES ('Secret ward', '', 0)"],
     "has no audit entry"),
])
def test_check_fails_on_a_tampered_copy_naming_the_record(demo_db, tmp_path, capsys, sql, named):
    copy = tampered(demo_db, tmp_path, *sql)
    status, out = run_check(copy, capsys)
    assert status == 1
    assert "CHECK FAILED" in out
    assert named in out, out


def test_rewriting_an_entry_and_its_hash_still_breaks_the_link(demo_db, tmp_path, capsys):
    close_database()
    con = sqlite3.connect(demo_db)
    id_, at, who, action, table, row_id, changes, undoes, cd, rd, ph = con.execute(
        'SELECT id, at, who, action, "table", row_id, changes, undoes, changes_digest, '
        "row_digest, prev_hash FROM audit WHERE id = 60").fetchone()
    con.close()
    forged = chain.entry_hash(id_, at, "Mallory", action, table, row_id, cd, rd, undoes, ph)
    copy = tampered(demo_db, tmp_path,
                    f"UPDATE audit SET who = 'Mallory', hash = '{forged}' WHERE id = 60")
    status, out = run_check(copy, capsys)
    assert status == 1
    assert "audit entry #61" in out


def test_a_foreign_key_break_is_named(demo_db, tmp_path, capsys):
    copy = tampered(demo_db, tmp_path, "PRAGMA foreign_keys = OFF",
                    "UPDATE task SET case_id = 99999 WHERE id = 2")
    status, out = run_check(copy, capsys)
    assert status == 1
    assert "foreign keys: FAILED" in out and "task 2 refers to a missing case row" in out


def test_every_domain_write_keeps_the_check_green(demo_db):
    member = Member.select().where(~Member.archived).first()
    records.save(registers.MEMBERS, {**records.form_values(registers.MEMBERS, member),
                                       "phone": "01632 000000"}, member.id)
    case = Case.select().where(Case.status != "closed").first()
    cases.add_step(case.id, "Phoned the member", note="left a message", clause="001 §5.9")
    cases.close_case(case.id, "Answered in full.")
    cases.reopen_case(case.id, "The member had a follow-up question.")
    records.archive(registers.MEMBERS, member.id)
    registers.add_interest(member.id, {"kind": "personal", "description": "Allotment holder"})
    ward = records.save(registers.WARDS, {"name": "Riverside", "notes": ""})
    undo.undo_last()
    assert registers.WARDS.get(ward.id).archived
    report = integrity.check_path(demo_db)
    assert report.ok, report.lines()


def test_entries_are_chained_in_order(demo_db):
    entries = list(Audit.select().order_by(Audit.id))
    assert all(e.hash for e in entries)
    for before, after in zip(entries, entries[1:]):
        assert after.prev_hash == before.hash


# --- undo ------------------------------------------------------------------------------

def test_undo_an_update_restores_the_logged_old_values(demo_db):
    member = Member.select().where(~Member.archived).first()
    old = records.form_values(registers.MEMBERS, member)
    records.save(registers.MEMBERS, {**old, "phone": "0000", "notes": "changed"}, member.id)
    entry = undo.undo_last(who="Test Clerk")
    assert entry.action == "undo" and entry.who == "Test Clerk"
    again = Member.get_by_id(member.id)
    assert again.phone == member.phone and again.notes == member.notes
    assert json.loads(entry.changes)["phone"] == ["0000", member.phone]
    assert integrity.check_path(demo_db).ok


def test_undo_a_step_restores_status_and_keeps_the_step_on_record(demo_db):
    case = Case.select().where(Case.status == "open").first()
    steps_before = Step.select().where(Step.case == case.id).count()
    cases.add_step(case.id, "Sent to the Clerk", status="waiting", stage="clerk")
    undo.undo_last("case", case.id)
    again = Case.get_by_id(case.id)
    assert again.status == "open" and again.stage == case.stage
    timeline = cases.timeline(again)
    assert len(timeline) == steps_before + 2
    assert timeline[-1].action == "Undone: Sent to the Clerk"
    assert integrity.check_path(demo_db).ok


def test_undo_close_in_two_steps(demo_db):
    case = Case.select().where(Case.status == "open").first()
    cases.close_case(case.id, "Done.")
    undo.undo_last("case", case.id)  # the outcome
    assert Case.get_by_id(case.id).outcome == case.outcome
    undo.undo_last("case", case.id)  # the closing step
    again = Case.get_by_id(case.id)
    assert again.status == "open" and again.closed_on is None


def test_undo_is_refused_when_the_row_changed_since(demo_db):
    ward = records.save(registers.WARDS, {"name": "Riverside", "notes": "one"})
    records.save(registers.WARDS, {"name": "Riverside", "notes": "two"}, ward.id)
    first = audit.history("ward", ward.id)[1]
    records.save(registers.WARDS, {"name": "Riverside", "notes": "three"}, ward.id)
    with pytest.raises(undo.UndoError, match="changed again"):
        undo.undo(first.id)
    assert undo.can_undo(first.id)


def test_undo_twice_and_nothing_to_undo(db):
    audit.record("create", "council", 1, {})
    with pytest.raises(undo.UndoError, match="Nothing to undo"):
        undo.undo_last("ward")
    ward = records.save(registers.WARDS, {"name": "Riverside", "notes": ""})
    records.save(registers.WARDS, {"name": "Riverside", "notes": "x"}, ward.id)
    entry = audit.history("ward", ward.id)[-1]
    undo.undo(entry.id)
    with pytest.raises(undo.UndoError, match="already been undone"):
        undo.undo(entry.id)
    assert undo.describe(entry) == "changing the notes of ward Riverside"


def test_an_unaudited_casebook_row_is_found(db):
    assert integrity.check_path(db).ok
    from clerkdesk.models.core.schema import Ward

    ghost = Ward.create(name="Ghost ward")  # written behind the domain's (and the log's) back
    report = integrity.check_path(db)
    assert not report.ok
    assert any(f"ward {ghost.id}" in p for v in report.verdicts for p in v.problems)
    audit.record("adopt", "ward", ghost.id, {})
    assert integrity.check_path(db).ok


def test_reopening_rebinds_and_the_chain_continues(demo_db):
    close_database()
    open_database(demo_db, backup=False)
    records.save(registers.WARDS, {"name": "Riverside", "notes": ""})
    assert integrity.check_path(demo_db).ok
