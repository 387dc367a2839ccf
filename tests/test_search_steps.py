"""A step rebuilds its case's search document once (SQLite): the case's update trigger
fires only when a column the index holds changes, an older casebook's trigger is
replaced before the first step writes, and `audit.undoes` has its index. Counted
(statements SQLite runs), never timed."""
from __future__ import annotations

import shutil
import sqlite3

from clerkdesk.models.casework import case_lists, cases, records, search
from clerkdesk.models.casework.council import council_nation
from clerkdesk.models.core.db import close_database, database
from clerkdesk.models.core.forms import ValidationError, validate
from clerkdesk.models.core.schema import Case
from clerkdesk.models.store import backend, integrity, make_tables, undo
from clerkdesk.models.store.opening import open_database

#: what FTS5 runs for each document written into the search index (not the words table)
WRITE_DOC = "INSERT INTO 'main'.'search_index_content'"

#: the case's update trigger as clerkdesk made it before it was narrowed
OLD_CASE_AU = ('CREATE TRIGGER search_case_au AFTER UPDATE ON "case" BEGIN '
               + search._redo("case", "NEW.id") + " " + search._redo_words("case", "NEW.id")
               + " END")


def _traced(fn):
    """(fn's result, the statements SQLite ran meanwhile, trigger programs included)."""
    con = backend.raw(database.connection())
    seen: list[str] = []
    con.set_trace_callback(seen.append)
    try:
        out = fn()
    finally:
        con.set_trace_callback(None)
    return out, seen


def _docs_written(statements) -> int:
    return sum(1 for s in statements if s.startswith("-- " + WRITE_DOC))


def _trigger_sql(path, name="search_case_au") -> str:
    con = sqlite3.connect(path)
    try:
        return con.execute("SELECT sql FROM sqlite_master WHERE name = ?", (name,)).fetchone()[0]
    finally:
        con.close()


def _open_case() -> Case:
    return Case.select().where(Case.status == "open", Case.archived == False).first()  # noqa: E712


def _ids(words) -> set[int]:
    return {i for k, i, *_ in search.search(words, kinds=["case"], limit=500)}


def test_a_step_rebuilds_its_cases_document_once(demo_db):
    search.ensure_search()
    case = _open_case()
    _step, seen = _traced(lambda: cases.add_step(case.id, "Phoned", note="About the gazebo"))
    assert _docs_written(seen) == 1
    assert case.id in _ids("gazebo")


def test_a_step_that_moves_the_status_still_indexes_the_new_status(demo_db):
    search.ensure_search()
    case = _open_case()
    _step, seen = _traced(lambda: cases.add_step(case.id, "Asked the member", status="waiting",
                                                 note="Awaiting the marquee plans"))
    # the status is in the document: the case's trigger and the step's each rebuild it
    assert _docs_written(seen) == 2
    row = backend.raw(database.connection()).execute(
        "SELECT detail FROM search_index WHERE rowid = ?", (case.id * 8 + 1,)).fetchone()
    assert "waiting" in row[0]
    assert case.id in _ids("marquee")


def test_editing_the_subject_updates_the_index(demo_db):
    search.ensure_search()
    # a request its form saves as it stands (a demo request may name a member since gone)
    for case in Case.select().where(Case.type == "request", Case.archived == False,  # noqa: E712
                                    Case.status != "closed").order_by(Case.id.desc()):
        raw = records.form_values(case_lists.REQUESTS, case)
        try:
            validate(case_lists.REQUESTS.fields(), raw, nation=council_nation())
        except ValidationError:
            continue
        break
    old_word = max(case.subject.split(), key=len)
    assert case.id in _ids(old_word)
    raw["subject"] = "Xylophone recital in the square"
    records.save(case_lists.REQUESTS, raw, case.id)
    assert case.id in _ids("xylophone")
    # the old word may stay in the body (details, the edit's own timeline note): the label
    # (reference and subject) is the new one
    label = backend.raw(database.connection()).execute(
        "SELECT label FROM search_index WHERE rowid = ?", (case.id * 8 + 1,)).fetchone()[0]
    assert label == f"{case.ref}  Xylophone recital in the square"
    assert old_word not in label


def test_an_older_casebooks_trigger_is_replaced_before_the_first_step(demo_db, tmp_path):
    search.ensure_search()
    close_database()
    con = sqlite3.connect(demo_db)
    with con:
        con.execute("DROP TRIGGER search_case_au")
        con.execute(OLD_CASE_AU)
    con.close()
    # read-only: the old trigger is left as it is (it keeps the index current)
    copy = tmp_path / "readonly.db"
    shutil.copyfile(demo_db, copy)
    open_database(copy, readonly=True, backup=False)
    search.forget()
    assert search.search("the")  # the index works, nothing written
    search.current_triggers()
    close_database()
    assert _trigger_sql(copy) == OLD_CASE_AU
    # writable: replaced at the first step, which then rebuilds the document once
    open_database(demo_db, backup=False)
    search.forget()
    case = _open_case()
    _step, seen = _traced(lambda: cases.add_step(case.id, "Phoned", note="About the bandstand"))
    assert not any(s.startswith("DELETE FROM search_index") and "rowid" not in s for s in seen)
    assert _docs_written(seen) == 1
    assert case.id in _ids("bandstand")
    search.current_triggers()  # idempotent
    close_database()
    sql = _trigger_sql(demo_db)
    assert sql.startswith('CREATE TRIGGER search_case_au AFTER UPDATE OF ref, subject,')
    assert integrity.check_path(demo_db).ok
    open_database(demo_db, backup=False)


def test_undo_finds_an_undone_entry_through_the_index(demo_db):
    case = _open_case()
    cases.add_step(case.id, "Phoned")
    entry = undo.last_undoable("case", case.id)
    undo.undo(entry.id)
    _out, seen = _traced(lambda: undo._undone_ids([entry.id]))
    con = backend.raw(database.connection())
    lookup = next(s for s in seen if "undoes" in s and "IN" in s)
    plan = " ".join(r[-1] for r in con.execute("EXPLAIN QUERY PLAN " + lookup))
    assert "INDEX audit_undoes" in plan
    assert undo._undone_ids([entry.id]) == {entry.id}


def test_an_existing_casebook_gets_the_undoes_index_when_opened_writable(demo_db, tmp_path):
    close_database()
    con = sqlite3.connect(demo_db)
    with con:
        con.execute("DROP INDEX audit_undoes")
    con.close()
    copy = tmp_path / "readonly.db"
    shutil.copyfile(demo_db, copy)
    open_database(copy, readonly=True, backup=False)
    assert [m._meta.table_name for m, _i in make_tables.missing_indexes(database.obj)] == ["audit"]
    close_database()
    open_database(demo_db, backup=False)
    assert make_tables.missing_indexes(database.obj) == []
    close_database()
    names = {r[0] for r in sqlite3.connect(demo_db).execute(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'audit'")}
    assert "audit_undoes" in names
    assert integrity.check_path(demo_db).ok
    assert integrity.check_path(copy).ok  # a casebook without it passes too
    open_database(demo_db, backup=False)
