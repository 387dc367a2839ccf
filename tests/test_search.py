"""Full-text search: every kind of record, kept current by triggers, meeting mode."""
from __future__ import annotations

import pytest

from clerkdesk.models.casework import cases, records, registers, search
from clerkdesk.models.core.schema import Case, Member

#: the same domain tests on SQLite and on PostgreSQL (conftest.py)
BOTH_ENGINES = True


def kinds_ids(results):
    return {(k, i) for k, i, _label, _detail in results}


def test_finds_cases_by_ref_subject_details_and_notes(demo_db):
    case = Case.select().where(Case.type == "request").first()
    assert ("case", case.id) in kinds_ids(search.search(case.ref))
    word = max(case.subject.split(), key=len)
    assert ("case", case.id) in kinds_ids(search.search(word, limit=100))
    cases.add_step(case.id, "Phoned", note="Spoke about the zeppelin hangar")
    found = search.search("zeppelin")
    assert [(k, i) for k, i, *_ in found] == [("case", case.id)]
    label = found[0][2]
    assert label.startswith(case.ref)


def test_finds_people_groups_and_committees(demo_db):
    member = Member.select().first()
    surname = member.name.split()[-1]
    assert ("member", member.id) in kinds_ids(search.search(surname, kinds=["member"]))
    results = search.search(surname, kinds=["officer"])
    assert all(k == "officer" for k, *_ in results)
    group = registers.GROUPS.model.select().first()
    assert ("party_group", group.id) in kinds_ids(search.search(group.name))
    committee = registers.COMMITTEES.model.select().first()
    assert ("committee", committee.id) in kinds_ids(search.search(committee.name))


def test_renames_and_edits_are_searchable_at_once(demo_db):
    member = Member.select().where(Member.name.contains("")).first()
    raw = records.form_values(registers.MEMBERS, member)
    raw["name"] = "Cllr Quetzalcoatl Jones"
    records.save(registers.MEMBERS, raw, member.id)
    assert ("member", member.id) in kinds_ids(search.search("quetzal"))
    assert not search.search(member.name.split()[-1] + "zzz")
    # the cases that name the member follow the rename
    named = Case.select().where(Case.member == member.id).first()
    if named:
        assert ("case", named.id) in kinds_ids(search.search("quetzalcoatl", kinds=["case"], limit=200))


def test_short_words_and_specials(demo_db):
    assert search.search("") == []
    assert search.search('"') == []
    assert search.search("%%%") == []
    member = Member.select().first()
    # a short word alone matches the start of labels
    assert ("member", member.id) in kinds_ids(search.search(member.name[:2], limit=200))


def test_meeting_mode_hides_private_cases_unless_found_by_ref(demo_db):
    complaint = Case.select().where(Case.type == "complaint").first()
    word = max(complaint.subject.split(), key=len)
    hidden = search.search(word, meeting_mode=True, limit=200)
    assert ("case", complaint.id) not in kinds_ids(hidden)
    by_ref = search.search(complaint.ref, meeting_mode=True)
    assert ("case", complaint.id) in kinds_ids(by_ref)
    label = [lab for k, i, lab, _ in by_ref if i == complaint.id][0]
    assert complaint.subject not in label and "hidden" in label


@pytest.mark.sqlite_only
def test_ensure_is_idempotent_and_rebuilds_missing_triggers(demo_db):
    from clerkdesk.models.core.db import database

    search.ensure_search()
    n = database.execute_sql(f"SELECT count(*) FROM {search.TABLE}").fetchone()[0]
    search.ensure_search(force=True)
    assert database.execute_sql(f"SELECT count(*) FROM {search.TABLE}").fetchone()[0] == n
    database.execute_sql("DROP TRIGGER search_case_au")
    search.forget()
    search.ensure_search()
    names = {r[0] for r in database.execute_sql("SELECT name FROM sqlite_master WHERE type='trigger'")}
    assert "search_case_au" in names


def test_check_still_passes_with_the_index(demo_db):
    from clerkdesk.models.store import integrity

    search.ensure_search()
    case = Case.select().first()
    cases.add_step(case.id, "Noted", note="indexed note")
    assert integrity.check_path(demo_db).ok


def _sqlite_only():
    from clerkdesk.models.core.db import database
    from clerkdesk.models.store import backend

    if backend.is_postgres(database):
        pytest.skip("the words table is SQLite's (PostgreSQL finds prefixes from its GIN index)")


def test_two_letters_are_looked_up_in_the_prefix_index_never_scanned(demo_db):
    """`bu` finds a case whose subject has a word starting with it, anywhere in the label,
    and the queries are lookups in the words table's index (MATCH), the search index by
    rowid: no scan of every label."""
    from clerkdesk.models.core.db import database

    _sqlite_only()
    search.ensure_search()
    case = Case.select().where(Case.type == "request").first()
    Case.update(subject="Repairs to the Zebedee crossing").where(Case.id == case.id).execute()
    assert ("case", case.id) in kinds_ids(search.search("ze", limit=200))
    assert ("case", case.id) in kinds_ids(search.search("ze cr", limit=200))
    queries = search.prefix_queries(["ze"], list(search.RECORD_KINDS), 20)
    assert queries
    for sql, params in queries:
        plan = [row[3] for row in database.execute_sql("EXPLAIN QUERY PLAN " + sql, params)]
        words = [p for p in plan if p.startswith("SCAN w ")]
        assert words and all(":M" in p for p in words), plan  # the MATCH, by the index
        assert any(" i " in p and ":=" in p for p in plan), plan  # the index row by rowid
        assert not any("LIKE" in p for p in plan)


def test_a_casebook_indexed_before_the_words_table_gets_it_on_first_use(demo_db):
    """An older casebook (search index, no words table): the first short word builds the
    table from the index and rewrites the triggers, which then keep it current."""
    from clerkdesk.models.core.db import database

    _sqlite_only()
    search.ensure_search()
    database.execute_sql(f"DROP TABLE {search.WORDS}")
    for name, body in search._triggers(words=False).items():
        database.execute_sql(f"DROP TRIGGER IF EXISTS {name}")
        database.execute_sql(f"CREATE TRIGGER {name} {body}")
    search.forget()
    member = Member.select().where(~Member.archived).first()
    assert ("member", member.id) in kinds_ids(search.search(member.name.split()[-1][:2], limit=300))
    n = database.execute_sql(f"SELECT count(*) FROM {search.WORDS}").fetchone()[0]
    assert n == database.execute_sql(f"SELECT count(*) FROM {search.TABLE}").fetchone()[0]
    records.save(registers.MEMBERS, {**records.form_values(registers.MEMBERS, member),
                                     "name": "Cllr Xanthe Quillfeather"}, member.id)
    assert ("member", member.id) in kinds_ids(search.search("qu", limit=300))


def test_a_database_opened_later_is_never_taken_for_one_made_sure_of(tmp_path):
    """The one-time checks are kept with the database objects, not their ids (a closed
    one's id may be given to the next) and with the file each is open on."""

    class Db:
        def __init__(self, path):
            self.database = path

    done = search._PerDatabase()
    first = Db(str(tmp_path / "a.db"))
    done.add(first)
    assert first in done and Db(first.database) not in done
    first.database = str(tmp_path / "b.db")  # the same object opened on another file
    assert first not in done
    done.add(first)
    assert first in done
    done.discard(first)
    assert first not in done
    gone = Db("x.db")
    done.add(gone)
    del gone
    import gc

    gc.collect()
    assert len(done._done) == 0  # nothing kept for a database that is gone
