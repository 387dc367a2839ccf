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
