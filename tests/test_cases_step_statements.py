"""The work one step costs (`cases.add_step`, issue 17), counted, never timed: the
statements SQLite runs for a step on a case, and that what the step's fast path reads
once (the clerk's name, the settings file, the case) is never stale: a new clerk's name
shows on the very next step, however it was changed. SQLite (the counts are SQLite's)."""
from __future__ import annotations

import shutil
import sqlite3
import threading
import time

import pytest

from clerkdesk.models.casework import cases, council
from clerkdesk.models.core import user
from clerkdesk.models.core.db import Tampered, close_database, database
from clerkdesk.models.core.schema import Audit, Case, Step
from clerkdesk.models.store import backend, chain, integrity
from clerkdesk.models.store.opening import open_database

#: the statements one step on a case issues once the connection is warm (the first step
#: of a connection also checks the search triggers: 3 reads of sqlite_master):
#:   the clerk's name; BEGIN IMMEDIATE;
#:   the case and its steps (read once: the digest that verifies it, and the Case);
#:   the log's last entry with the recorded head; the case's last entry with its
#:   neighbours in the chain;
#:   UPDATE case; INSERT step; INSERT audit;
#:   at commit (the seal): the new entry with the hash before it, the case and its steps
#:   as committed, UPDATE audit, the head's upsert; COMMIT.
STEP_STATEMENTS = 15


def _statements(fn):
    """(fn's result, the statements run meanwhile): the trace of the real connection,
    without the trigger programs' own statements (FTS5's, which begin "--") and without
    the repeats SQLite's trace makes of a statement for each trigger it fires."""
    con = backend.raw(database.connection())
    seen: list[str] = []
    con.set_trace_callback(seen.append)
    try:
        out = fn()
    finally:
        con.set_trace_callback(None)
    top = [s for s in seen if not s.startswith("--")]
    return out, [s for i, s in enumerate(top) if i == 0 or s != top[i - 1]]


@pytest.fixture
def casebook(tmp_path, _demo_template):
    """A private copy of the demo council (SQLite), open."""
    path = tmp_path / "demo.db"
    shutil.copyfile(_demo_template, path)
    open_database(path, backup=False)
    yield path
    close_database()


def _open_cases(n: int) -> list[int]:
    return [c.id for c in Case.select(Case.id).where(Case.status != "closed",
                                                      Case.archived == False)  # noqa: E712
            .order_by(Case.id).limit(n)]


def test_one_step_issues_a_fixed_number_of_statements(casebook):
    first, second, third = _open_cases(3)
    cases.add_step(first, "Warm: the search triggers are checked once a connection")
    step, statements = _statements(lambda: cases.add_step(second, "Phoned the member"))
    assert len(statements) == STEP_STATEMENTS, "\n".join(statements)
    assert isinstance(step, Step) and step.id and step.case_id == second
    assert Step.get_by_id(step.id).action == "Phoned the member"
    # one read of each kind: the case (and its steps) read twice only, once to verify
    # it before the write and once to seal it as committed
    case_reads = [s for s in statements if s.startswith('SELECT * FROM "case"')]
    assert len(case_reads) == 2
    assert sum(s.startswith("BEGIN") for s in statements) == 1
    assert sum(s.startswith("COMMIT") for s in statements) == 1
    # a step with a status and an update costs the same number
    _, statements = _statements(lambda: cases.add_step(
        third, "Assigned", kind="assigned", status="open", updates={"priority": "high"}))
    assert len(statements) == STEP_STATEMENTS, "\n".join(statements)
    assert Case.get_by_id(third).priority == "high"
    assert integrity.check_path(casebook).ok


def test_two_steps_in_one_transaction_read_the_case_once_each(casebook):
    (case_id,) = _open_cases(1)
    cases.add_step(case_id, "Warm")

    def both():
        with database.atomic():
            cases.add_step(case_id, "First")
            cases.add_step(case_id, "Second, seeing the first")

    _, statements = _statements(both)
    verifies = [s for s in statements if "FROM (SELECT id, at, who" in s]
    assert len(verifies) == 1  # verified once; the second step reads our own change
    assert [s.action for s in Case.get_by_id(case_id).steps.order_by(Step.id)][-2:] == [
        "First", "Second, seeing the first"]
    assert Case.get_by_id(case_id).version >= 3
    assert integrity.check_path(casebook).ok


def test_the_step_and_its_entry_are_what_peewee_would_have_written(casebook):
    (case_id,) = _open_cases(1)
    before = Case.get_by_id(case_id)
    step = cases.add_step(case_id, "Wrote to the member", note="By post", clause="001 §5.9")
    again = Step.get_by_id(step.id)
    assert (again.case_id, again.who, again.action, again.note, again.clause, again.kind,
            again.at) == (step.case_id, step.who, step.action, step.note, step.clause,
                          step.kind, step.at)
    assert step.case is not None and step.case.id == case_id
    after = Case.get_by_id(case_id)
    assert after.version == before.version + 1
    entry = Audit.select().order_by(Audit.id.desc()).first()
    assert (entry.table, entry.row_id, entry.action) == ("case", case_id, "step")
    assert entry.hash and entry.row_digest == chain.row_digest(
        database.connection(), "case", case_id)
    assert integrity.check_path(casebook).ok


def test_a_tampered_case_is_refused_by_the_read_that_verifies_it(casebook):
    (case_id,) = _open_cases(1)
    cases.add_step(case_id, "Warm")
    steps = Step.select().where(Step.case == case_id).count()
    raw = sqlite3.connect(casebook, isolation_level=None)
    raw.execute("UPDATE \"case\" SET subject = 'Rewritten' WHERE id = ?", (case_id,))
    raw.close()
    with pytest.raises(Tampered):
        cases.add_step(case_id, "Would launder it")
    assert Step.select().where(Step.case == case_id).count() == steps
    with pytest.raises(Case.DoesNotExist):
        cases.add_step(10 ** 9, "No such case")


def _rename_clerk(name: str) -> None:
    council.save_settings({**council.form_values(council.get()), "clerk_name": name})


def _rename_clerk_on_its_own_connection(name: str) -> None:
    try:
        _rename_clerk(name)  # Peewee gives this thread a connection of its own
    finally:
        database.close()


def test_a_new_clerk_name_shows_on_the_very_next_step(casebook, monkeypatch, tmp_path):
    monkeypatch.delenv("CLERKDESK_USER", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    first, second, third, fourth, fifth = _open_cases(5)
    _rename_clerk("Alice Able")
    assert cases.add_step(first, "One").who == "Alice Able"
    _rename_clerk("Brian Bold")  # the Council tab, on this connection
    step = cases.add_step(second, "Two")
    assert step.who == "Brian Bold"
    assert Audit.select().order_by(Audit.id.desc()).first().who == "Brian Bold"
    # another connection (a worker thread has its own; another clerkdesk likewise)
    worker = threading.Thread(target=_rename_clerk_on_its_own_connection, args=("Carol Calm",))
    worker.start()
    worker.join()
    assert cases.add_step(third, "Three").who == "Carol Calm"
    # the settings file names the clerk: read when it appears, and again when it changes,
    # even twice within one tick of the clock with the same length
    settings = user.user_settings_path()
    assert str(settings).startswith(str(tmp_path / "config"))
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text('clerk = "Dora Dee"\n')
    assert cases.add_step(fourth, "Four").who == "Dora Dee"
    settings.write_text('clerk = "Eric Eel"\n')
    assert cases.add_step(fifth, "Five").who == "Eric Eel"
    settings.unlink()
    assert user.current_user() == "Carol Calm"
    monkeypatch.setenv("CLERKDESK_USER", "Fay Fox")
    assert user.current_user() == "Fay Fox"
    assert integrity.check_path(casebook).ok


def test_a_settled_settings_file_is_read_once_until_it_changes(monkeypatch, tmp_path):
    monkeypatch.delenv("CLERKDESK_USER", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    settings = user.user_settings_path()
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text('clerk = "Gus Grey"\n')
    reads = []
    real_open = type(settings).open
    monkeypatch.setattr(type(settings), "open",
                        lambda self, *a, **k: reads.append(self) or real_open(self, *a, **k))
    # just written: read every time (a second save in the same tick would look the same)
    assert [user._settings_clerk() for _ in range(2)] == ["Gus Grey"] * 2
    assert reads.count(settings) == 2
    # settled (the clock moved on): read once more, then kept
    real_now = time.time_ns
    monkeypatch.setattr(user.time, "time_ns", lambda: real_now() + 10 * 10 ** 9)
    assert [user._settings_clerk() for _ in range(3)] == ["Gus Grey"] * 3
    assert reads.count(settings) == 3
    settings.write_text('clerk = "Hal Hayes"\n')  # changed: read again
    assert user._settings_clerk() == "Hal Hayes"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "elsewhere"))
    assert user.user_settings_path() != settings  # the folder follows the variable
    assert user._settings_clerk() == ""
