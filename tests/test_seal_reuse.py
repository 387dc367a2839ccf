"""What a step's write reuses of what it already read, and why the seal still writes the
digests a full read would: each test fails if the reuse ever gives another answer.

- a case's steps are put into its digest's text as each step's own text, made once
  (`chain._steps_text`): the same text as encoding the whole state;
- a digest is kept by the exact state it was taken of (`chain._state_digest`): never
  for values that are equal with different texts (1 and 1.0, 0.0 and -0.0, True);
- the seal takes a case's digest from the state `read_verified` read, the case read
  again and only the steps added since (`chain.digest_after`), and forgets that state
  when the case's steps are written any other way;
- `read_verified` gives the instance Peewee's own read gives, with text and integer
  values kept as they come (`engines._instance`).
"""
from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from clerkdesk.models.casework import cases
from clerkdesk.models.core.db import database
from clerkdesk.models.core.schema import Audit, Case, Step
from clerkdesk.models.store import backend, chain, engines, integrity

NAMES = ("id", "at", "note", "n")
plain_values = st.one_of(st.none(), st.integers(-2**63, 2**63 - 1), st.text(max_size=12),
                         st.floats(allow_nan=False), st.booleans())
rows = st.tuples(st.integers(1, 10**6), st.text(max_size=8), plain_values, plain_values)


def whole_text(names, row, snames, steps) -> str:
    """The state's text made the plain way: the whole dict encoded at once."""
    fast, _ = chain._canonizers(names)
    sfast, _ = chain._canonizers(snames)
    return chain._ENCODE({"row": fast(row), "steps": [sfast(s) for s in steps]})


@settings(max_examples=200, deadline=None)
@given(rows, st.lists(rows, max_size=6), st.integers(1, 4))
def test_a_state_made_of_its_steps_texts_is_the_text_of_the_whole(row, steps, size):
    saved = chain._STEP_TEXTS_MAX
    chain._STEP_TEXTS_MAX = size  # the cache starting again mid-state changes nothing
    try:
        for _ in range(2):  # made, then taken from the cache
            assert chain._state_text(NAMES, row, NAMES, steps, plain=True) == \
                whole_text(NAMES, row, NAMES, steps)
    finally:
        chain._STEP_TEXTS_MAX = saved


@settings(max_examples=200, deadline=None)
@given(rows, st.lists(rows, max_size=4), rows, st.lists(rows, max_size=4))
def test_a_kept_digest_is_always_the_digest_of_the_state_asked_for(row, steps, row2, steps2):
    chain._state_digest(NAMES, row, NAMES, steps, plain=True)  # keeps the first
    for r, s in ((row2, steps2), (row, steps)):
        assert chain._state_digest(NAMES, r, NAMES, s, plain=True) == \
            chain.sha256(whole_text(NAMES, r, NAMES, s))


def test_values_equal_with_different_texts_are_never_taken_for_each_other():
    """A step's 0 turned into 0.0 (or False) behind clerkdesk's back must change the
    digest: were its text or its state's digest looked up by the equal value, the
    change would pass its verification, and the next write would launder it."""
    for a, b in ((1, 1.0), (0, 0.0), (0.0, -0.0), (1, True), (0, False)):
        for row, steps in (((1, "x", a, None), []), ((1, "x", 0, None), [(7, "s", a, None)])):
            first = chain._state_digest(NAMES, row, NAMES, steps, plain=True)
            # the same state with b in a's place
            row2 = tuple(b if v is a else v for v in row)
            steps2 = [tuple(b if v is a else v for v in s) for s in steps]
            second = chain._state_digest(NAMES, row2, NAMES, steps2, plain=True)
            assert first != second, (a, b, row, steps)
            assert second == chain.sha256(whole_text(NAMES, row2, NAMES, steps2))


def latest_digest_matches(case_id: int) -> bool:
    con = backend.raw(database.obj.connection())
    entry = (Audit.select().where((Audit.table == "case") & (Audit.row_id == case_id))
             .order_by(Audit.id.desc()).first())
    return entry.row_digest == chain.row_digest(con, "case", case_id)


def an_open_case() -> Case:
    return Case.select().where(Case.status != "closed").order_by(Case.id).first()


def test_a_step_seals_the_digest_a_full_read_gives(demo_db):
    case = an_open_case()
    cases.add_step(case.id, "Phoned the member")
    assert latest_digest_matches(case.id)
    cases.add_step(case.id, "Phoned again", status="waiting")  # the kept state, read again
    assert latest_digest_matches(case.id)
    assert integrity.check_records(backend.raw(database.obj.connection())).ok


def test_steps_of_one_case_in_one_transaction_are_all_sealed(demo_db):
    case = an_open_case()
    with database.atomic():
        cases.add_step(case.id, "First")
        cases.add_step(case.id, "Second")
        cases.add_step(case.id, "Third", status="waiting")
    assert latest_digest_matches(case.id)


def test_a_step_changed_another_way_in_the_same_transaction_is_read_again(demo_db):
    case = an_open_case()
    with database.atomic():
        cases.add_step(case.id, "Phoned the member")
        guard = database.obj._guard()
        assert ("case", case.id) in guard.before
        first = Step.select().where(Step.case == case.id).order_by(Step.id).first()
        # through Peewee: a step below the kept ones changes, and the kept state goes
        Step.update(note="corrected").where(Step.id == first.id).execute()
        assert ("case", case.id) not in guard.before
    assert latest_digest_matches(case.id)


def test_a_savepoint_rolled_back_after_the_read_leaves_the_seal_right(demo_db):
    """The state is read before the transaction's first write to the case, so a
    savepoint rolled back takes the case back to it; the step written inside is gone."""
    case, other = Case.select().where(Case.status != "closed").order_by(Case.id).limit(2)
    with database.atomic():
        try:
            with database.atomic():  # a savepoint
                cases.add_step(case.id, "Undone", status="waiting")
                cases.add_step(other.id, "Undone too")
                raise RuntimeError
        except RuntimeError:
            pass
        assert ("case", case.id) in database.obj._guard().before
        cases.add_step(case.id, "After")
    assert latest_digest_matches(case.id)
    assert not Step.select().where(Step.action == "Undone").exists()
    assert Case.get_by_id(case.id).status != "waiting"


def test_read_verified_gives_what_peeweees_own_read_gives(demo_db):
    checked = 0
    with database.atomic():
        for case in Case.select().order_by(Case.id).limit(40):
            ours = engines.read_verified(Case, case.id)
            assert ours.__data__ == Case.get_by_id(case.id).__data__
            assert {type(v) for v in ours.__data__.values()} <= {
                int, str, bool, dt.date, dt.datetime, type(None)}
            assert not ours.dirty_fields
            checked += 1
    assert checked == 40
