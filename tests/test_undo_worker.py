"""ctrl+z undoes on a worker (Pilot): undoing a batch of hundreds of cases takes seconds
(6.2 s for 386 cases at 50,000), and the event loop must never wait on it. While one
runs, a second ctrl+z is told to wait (it would undo the change before); a long one says
it has begun; a refused one says why. Nothing here looks at a time: the thread the undo
runs on is recorded, and the worker is held on an event to see the desk meanwhile."""
from __future__ import annotations

import threading

from helpers import SIZE, make_app, settle

from clerkdesk.models.casework import bulk, cases
from clerkdesk.models.core.schema import Case
from clerkdesk.models.store import undo as undoing
from clerkdesk.tui import actions


def open_ids(n: int) -> list[int]:
    return [c.id for c in Case.select().where(Case.status == "open").order_by(Case.id).limit(n)]


def said(app) -> list[str]:
    return [n.message for n in app._notifications]


async def test_ctrl_z_undoes_on_a_worker_and_a_second_one_waits(demo_db, monkeypatch):
    (case_id,) = open_ids(1)
    cases.add_step(case_id, "Phoned the member", status="waiting")
    release, running, threads = threading.Event(), threading.Event(), []
    real = undoing.undo_last

    def held(*args, **kwargs):
        threads.append(threading.current_thread())
        running.set()
        assert release.wait(30), "the test never let the undo go on"
        return real(*args, **kwargs)

    monkeypatch.setattr(undoing, "undo_last", held)
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+z")
        assert running.wait(30)
        # the undo is held on its worker, and the desk still answers keys
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert any(m.startswith("An undo is still running") for m in said(app)), said(app)
        assert Case.get_by_id(case_id).status == "waiting"
        release.set()
        await settle(pilot)
        assert Case.get_by_id(case_id).status != "waiting"
        assert any(m.startswith("Undone: ") for m in said(app)), said(app)
    assert len(threads) == 1, "the second ctrl+z undid nothing"
    assert threads[0] is not threading.main_thread()


async def test_a_long_undo_says_it_has_begun(demo_db, monkeypatch):
    ids = [c.id for c in Case.select().where((Case.status == "open") & (Case.priority != "high"))
           .order_by(Case.id).limit(6)]
    result = bulk.apply("priority", ids, priority="high")
    assert len(result.done) == 6
    monkeypatch.setattr(actions, "SAY_UNDO_BEGUN_OVER", 5)
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+z")
        await settle(pilot)
        begun = [m for m in said(app) if m.startswith("Undoing ")]
        assert len(begun) == 1 and "6 cases" in begun[0], said(app)
        assert any(m.startswith("Undone: ") for m in said(app)), said(app)
    assert all(Case.get_by_id(i).priority != "high" for i in ids)


async def test_nothing_to_undo_is_said_from_the_worker(demo_db, monkeypatch):
    def nothing(*args, **kwargs):
        raise undoing.UndoError("Nothing to undo.")

    monkeypatch.setattr(undoing, "undo_last", nothing)
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert "Nothing to undo." in said(app), said(app)
        assert app.is_running
