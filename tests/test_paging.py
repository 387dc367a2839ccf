"""Keyset paging gives the same rows as OFFSET paging, every row exactly once, in the
register's order; counts and positions agree; filters take LIKE's specials literally."""
from __future__ import annotations

import shutil

import pytest

from clerkdesk.fixtures.generate import generate
from clerkdesk.models.casework import case_lists, paging, records, registers
from clerkdesk.models.core.db import close_database
from clerkdesk.models.core.schema import Case
from clerkdesk.models.store.opening import open_database

#: the same domain tests on SQLite and on PostgreSQL (conftest.py)
BOTH_ENGINES = True


@pytest.fixture(scope="session")
def _big_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("big") / "big.db"
    generate(path, cases=3000, years=4, seed=3)
    return path


@pytest.fixture
def big_db(tmp_path, _big_template):
    path = tmp_path / "big.db"
    shutil.copyfile(_big_template, path)
    open_database(path, backup=False)
    yield path
    close_database()


def offset_rows(register, text="", archived=False):
    return records.rows(register, text, archived=archived)


@pytest.mark.parametrize("register", [case_lists.REQUESTS, case_lists.COMPLAINTS, registers.MEMBERS,
                                      registers.OFFICERS], ids=lambda r: r.key)
def test_keyset_pages_walk_every_row_once_in_order(big_db, register):
    pager = paging.Pager(register, page_size=37)
    total = pager.count()
    walked = [r for p in range((total + 36) // 37) for r in pager.rows(p * 37, p * 37 + 37)]
    expected = offset_rows(register)
    # the register's own order plus the id tiebreaker
    assert [r[0] for r in walked] == [r[0] for r in expected]
    assert len({r[0] for r in walked}) == total == len(expected)
    assert walked == [tuple(r) for r in expected]


def test_backwards_and_far_jumps_give_the_offset_pages(big_db):
    register = case_lists.REQUESTS
    expected = offset_rows(register)
    size = 50
    for start_page in (0, 7):
        pager = paging.Pager(register, page_size=size)
        pager.count()
        last = (len(expected) - 1) // size
        # jump to the end (read backwards from the end), then walk back up by keyset
        for p in range(last, start_page - 1, -1):
            assert pager.rows(p * size, p * size + size) == [tuple(r) for r in
                                                             expected[p * size:p * size + size]]
    pager = paging.Pager(register, page_size=size)
    pager.count()
    for p in (13, 2, last - 3, 20):  # far jumps: OFFSET from the nearer end
        assert pager.rows(p * size, p * size + size) == [tuple(r) for r in
                                                         expected[p * size:p * size + size]]


def test_keyset_condition_matches_python_order(big_db):
    """keyset(after) of row k selects exactly the rows after k."""
    register = case_lists.COMPLAINTS
    pager = paging.Pager(register, page_size=1000)
    rows = pager._fetch(limit=5000)
    keys = pager.keys
    for k in (0, 1, len(rows) // 2, len(rows) - 2):
        after = paging.keyset(keys, pager.key_of(rows[k]), after=True)
        got = [r[0] for r in pager._base().where(after).order_by(*paging._ordering(keys)).tuples()]
        assert got == [r[0] for r in rows[k + 1:]]


def test_count_and_index_of(big_db):
    register = case_lists.REQUESTS
    expected = offset_rows(register, "bus")
    pager = paging.Pager(register, "bus")
    assert pager.count() == len(expected) > 0
    for i in (0, len(expected) // 2, len(expected) - 1):
        assert paging.Pager(register, "bus").index_of(expected[i][0]) == i
    other = Case.select().where(Case.type == "complaint").first()
    assert pager.index_of(other.id) is None


def test_head_reads_the_top_without_counting(big_db):
    pager = paging.Pager(case_lists.REQUESTS, page_size=20)
    assert pager.head(pages=2) is False  # more than 40 rows: the count is still to come
    assert pager.known_rows == 40
    assert pager.count() == len(offset_rows(case_lists.REQUESTS))
    small = paging.Pager(case_lists.REQUESTS, "REQ-2023-0001", page_size=20)
    assert small.head() is True and small.known_rows == 1


def test_keeping_a_row_the_head_holds_counts_nothing(big_db):
    """A filter keystroke keeps the selected row: when the head holds it, the rows are
    shown without counting first (a one-letter filter's count is a scan of the list)."""
    pager = paging.Pager(case_lists.REQUESTS, "b", page_size=20)
    assert pager.head(pages=2) is False
    kept = pager.cached_rows()[0][1][5][0]
    index = pager.index_of(kept)
    assert index == 5
    pager.prefetch(index)
    assert pager.counted is None  # still to count, after the rows are shown
    pager.prefetch(45)  # a page not read yet is read, and then the list is counted
    assert pager.counted == pager.count() and 2 in dict(pager.cached_rows())


def test_filters_find_the_same_as_a_scan(big_db):
    """The search-index filter (words of 3+ characters) finds every case the LIKE scan
    over the list's columns finds (it also looks in details and notes)."""
    register = case_lists.REQUESTS
    for text in ("shelter", "REQ-2024", "cllr alice", "closed bus"):
        via_index = {r[0] for r in offset_rows(register, text)}
        scan = set()
        q = register.query().where(Case.archived == False)  # noqa: E712
        for word in text.split():
            cond = None
            for expr in register.search():
                c = records.like(expr, word)
                cond = c if cond is None else cond | c
            q = q.where(cond)
        scan = {r[0] for r in q.tuples()}
        assert scan <= via_index, text
        assert via_index, text


def test_like_specials_are_literal(db):
    from clerkdesk.models.casework.records import save
    from clerkdesk.models.casework.registers import CONTACTS

    save(CONTACTS, {"name": "100% Fenwick_Lane", "role": "other"})
    save(CONTACTS, {"name": "1000 FenwickXLane", "role": "other"})
    assert [r[1] for r in paging.Pager(CONTACTS, "100%").rows(0, 10)] == ["100% Fenwick_Lane"]
    assert [r[1] for r in paging.Pager(CONTACTS, "k_L").rows(0, 10)] == ["100% Fenwick_Lane"]
    assert paging.Pager(CONTACTS, "%").count() == 1


def test_case_filter_takes_specials_literally_through_the_index(db):
    from clerkdesk.models.casework.records import save
    from clerkdesk.models.casework.registers import MEMBERS

    member = save(MEMBERS, {"name": "Cllr Ann Test"})
    for subject in ("Budget 100% spent", "Budget 1000 spent", "Path_way repairs", "Pathway repairs"):
        save(case_lists.REQUESTS, {"kind": "media", "subject": subject, "member": str(member.id),
                              "received": "today", "priority": "normal", "confidential": "no"})
    subjects = lambda text: sorted(r[4] for r in records.rows(case_lists.REQUESTS, text))  # noqa: E731
    assert subjects("100%") == ["Budget 100% spent"]
    assert subjects("h_w") == ["Path_way repairs"]
    assert subjects("'\"x") == []


def test_ordering_is_deterministic_with_id_tiebreak(big_db):
    keys = paging.order_keys(registers.MEMBERS)
    assert keys[-1][0] is registers.MEMBERS.model.id
    keys = paging.order_keys(case_lists.REQUESTS)
    assert sum(1 for expr, _ in keys if expr is Case.id) == 1


def test_what_a_pager_has_read_is_given_without_a_query(big_db):
    pager = paging.Pager(case_lists.REQUESTS, page_size=25)
    assert pager.counted is None and pager.cached_rows() == []
    pager.head(pages=2)
    expected = [tuple(r) for r in offset_rows(case_lists.REQUESTS)]
    assert pager.cached_rows() == [(0, expected[:25]), (1, expected[25:50])]
    assert pager.page_rows(7) == expected[175:200]
    assert pager.counted is None
    assert pager.count() == pager.counted == len(expected)


def test_a_common_word_walks_the_order_index_a_rare_one_fetches_its_matches(big_db, monkeypatch):
    """A filter word the index finds many times: the first page walks the list's order
    index, testing each row against the matches (never sorting them all); a word found a
    few times drives the query from its matches. The same rows either way."""
    from clerkdesk.models.casework import search
    from clerkdesk.models.core.db import database
    from clerkdesk.models.store import backend

    if backend.is_postgres(database):
        pytest.skip("SQLite's query plans")
    register = case_lists.REQUESTS

    def first_page():
        pager = paging.Pager(register, "shelter", page_size=20)
        q = pager._base().order_by(*paging._ordering(pager.keys)).limit(20)
        sql, params = q.sql()
        plan = " / ".join(r[3] for r in database.execute_sql("EXPLAIN QUERY PLAN " + sql, params))
        return [r[0] for r in q.tuples()], plan

    monkeypatch.setattr(search, "WALK_AT", 1)  # "many": walk the order
    walked, plan = first_page()
    assert "case_list_order" in plan and "TEMP B-TREE" not in plan, plan
    monkeypatch.setattr(search, "WALK_AT", 10**9)  # "few": fetch the matches, sort them
    fetched, plan = first_page()
    assert "PRIMARY KEY" in plan.split(" / ")[0], plan
    assert walked == fetched and walked
