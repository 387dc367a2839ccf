"""The commands that can take seconds run on workers (Pilot): ctrl+z (undoing a batch of
386 cases takes 6.2 s at 50,000), Back up now, the committee report and the calendar
file. The event loop never waits on them. While one runs, the same command again is told
to wait (a second ctrl+z would undo the change before); a long undo says it has begun; a
refused or failed one says why. Nothing here looks at a time: the thread each job runs
on is recorded, and the job is held on an event to see the desk meanwhile."""
from __future__ import annotations

import threading

import pytest
from helpers import SIZE, fill_and_preview, make_app, settle

from clerkdesk.models.casework import bulk, cases
from clerkdesk.models.core.schema import Case
from clerkdesk.models.store import undo as undoing
from clerkdesk.tui import actions


def open_ids(n: int) -> list[int]:
    return [c.id for c in Case.select().where(Case.status == "open").order_by(Case.id).limit(n)]


def said(app) -> list[str]:
    return [n.message for n in app._notifications]


async def started(pilot, event: threading.Event, rounds: int = 3000) -> None:
    """Let the event loop run (the worker's thread starts from it) until *event* is set;
    counted in rounds of the loop, not timed."""
    for _ in range(rounds):
        if event.is_set():
            return
        await pilot.pause(0.01)
    raise AssertionError("the job never started")


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
        await started(pilot, running)
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


@pytest.mark.parametrize("command, module, name, busy, told", [
    (actions.backup_now, "clerkdesk.models.store.backup", "backup_now",
     "A backup is still being taken.", "Backed up to "),
    (actions.write_report, "clerkdesk.models.output.report", "write_report",
     "The committee report is still being written.", "Written: "),
    (actions.export_calendar, "clerkdesk.models.output.ical", "export_ics",
     "The calendar file is still being written.", " written to "),
])
async def test_the_palettes_slow_commands_run_on_a_worker(demo_db, monkeypatch, command,
                                                         module, name, busy, told):
    """Back up now (most of a second at 50,000 cases), the committee report and the
    calendar file: each is read and written on a worker, a second one waits its turn,
    and the result is said when it is done."""
    import importlib

    target = importlib.import_module(module)
    release, running, threads = threading.Event(), threading.Event(), []
    real = getattr(target, name)

    def held(*args, **kwargs):
        threads.append(threading.current_thread())
        running.set()
        assert release.wait(30), "the test never let the command go on"
        return real(*args, **kwargs)

    monkeypatch.setattr(target, name, held)
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        command(app)
        await started(pilot, running)
        command(app)  # while the first runs
        await pilot.pause()
        assert busy in said(app), said(app)
        release.set()
        await settle(pilot)
        assert any(told in m for m in said(app)), said(app)
    assert len(threads) == 1 and threads[0] is not threading.main_thread()


async def test_a_failed_backup_is_said_and_the_desk_goes_on(demo_db, monkeypatch):
    from clerkdesk.models.store import backup

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(backup, "backup_now", full)
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        actions.backup_now(app)
        await settle(pilot)
        assert any(m.startswith("The backup failed: ") and "No space left" in m
                   for m in said(app)), said(app)
        assert app.is_running


async def test_an_import_is_read_and_added_on_workers_and_esc_waits_for_it(demo_db, tmp_path,
                                                                         monkeypatch):
    """10,000 rows take a second or two to check and as long to add: the preview is read
    on a worker (the form says so), the rows are added on another, and esc cannot leave
    while they are going in (the write goes on either way: all or nothing)."""
    from clerkdesk.models.core.schema import Ward
    from clerkdesk.models.output import csv_exchange
    from clerkdesk.screens.import_screen import ImportPreviewScreen

    good = tmp_path / "wards.csv"
    good.write_text("Ward name,Notes\nRiverside,new ward\nHilltop,\n", encoding="utf-8")
    before = Ward.select().count()
    threads: dict[str, threading.Thread] = {}
    release, running = threading.Event(), threading.Event()
    real_preview, real_apply = csv_exchange.preview_from_form, csv_exchange.apply_import

    def preview(raw):
        threads["preview"] = threading.current_thread()
        return real_preview(raw)

    def apply(p):
        threads["apply"] = threading.current_thread()
        running.set()
        assert release.wait(30), "the test never let the import go on"
        return real_apply(p)

    monkeypatch.setattr(csv_exchange, "preview_from_form", preview)
    monkeypatch.setattr(csv_exchange, "apply_import", apply)
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await fill_and_preview(pilot, app, good)
        assert isinstance(app.screen, ImportPreviewScreen) and app.screen.preview.ok
        await pilot.press("ctrl+s")
        await started(pilot, running)
        await pilot.press("escape")  # while the rows go in
        await pilot.pause()
        assert isinstance(app.screen, ImportPreviewScreen)
        assert any(m.startswith("The rows are being added") for m in said(app)), said(app)
        assert "Adding 2 rows…" in str(app.screen.query_one(".hint").render())
        release.set()
        await settle(pilot)
        assert not isinstance(app.screen, ImportPreviewScreen)
    assert Ward.select().count() == before + 2
    assert all(t is not threading.main_thread() for t in threads.values()) and len(threads) == 2


async def test_a_file_that_cannot_be_read_is_said_on_its_field_from_the_worker(demo_db,
                                                                             tmp_path):
    from textual.widgets import Static

    from clerkdesk.screens.form import FormScreen

    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await fill_and_preview(pilot, app, tmp_path / "nowhere.csv")
        form = app.screen
        assert isinstance(form, FormScreen)
        assert "no file" in str(form.query_one("#err-path", Static).render())
        assert "Reading" not in str(form.query_one("#form-message", Static).render())
