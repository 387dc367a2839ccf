"""The triage desk: the queue (domain) and each single-key action (Pilot), with undo."""
from __future__ import annotations

import datetime as dt

from helpers import SIZE, make_app, settle, settle_until

from clerkdesk.models.casework import triage
from clerkdesk.models.core import dates
from clerkdesk.models.core.schema import Case, Officer, Task
from clerkdesk.models.store import undo
from clerkdesk.screens.form import FormScreen
from clerkdesk.screens.picker import PickerScreen

#: the same domain tests on SQLite and on PostgreSQL (conftest.py)
BOTH_ENGINES = True


def test_queue_order_and_contents(demo_db):
    items = triage.queue()
    badges = [i.badge for i in items]
    order = ["overdue", "due", "new", "unrouted", "stage", "waiting", "task", "term", "review"]
    ranks = [order.index(b) for b in badges]
    assert ranks == sorted(ranks), "sections come in the documented order"
    assert {"overdue", "due", "new", "task", "term", "review"} <= set(badges)
    overdue = [i for i in items if i.badge == "overdue"]
    for item in overdue:
        assert item.due < dates.today() and "working day" in item.why
    case_ids = [i.case_id for i in items if i.kind == "case"]
    assert len(case_ids) == len(set(case_ids)), "a case shows once"


def test_snoozed_case_leaves_the_queue_until_its_date(demo_db):
    item = next(i for i in triage.queue() if i.badge == "overdue")
    triage.snooze(item.case_id, dates.today() + dt.timedelta(days=5))
    assert item.case_id not in {i.case_id for i in triage.queue()}
    assert triage.snoozed_count() == 1
    later = dates.today() + dt.timedelta(days=5)
    assert item.case_id in {i.case_id for i in triage.queue(later)}


def test_actions_are_one_undoable_change_each(demo_db):
    case = Case.select().where(Case.status != "closed").first()
    officer = Officer.select().where(Officer.id != (case.owner_id or 0)).first()
    old_owner = case.owner_id
    triage.assign(case.id, officer.id)
    assert Case.get_by_id(case.id).owner_id == officer.id
    undo.undo_last()
    assert Case.get_by_id(case.id).owner_id == old_owner
    triage.set_priority(case.id, "urgent")
    undo.undo_last()
    assert Case.get_by_id(case.id).priority == case.priority


def test_bad_action_input_is_refused_with_a_sentence(demo_db):
    case = Case.select().first()
    for call in (lambda: triage.set_priority(case.id, "whenever"),
                 lambda: triage.snooze(case.id, dates.today()),
                 lambda: triage.assign(case.id, 99999)):
        try:
            call()
        except Exception as exc:  # noqa: BLE001 - asserting the type below
            assert type(exc).__name__ == "ValidationError" and list(exc.errors.values())[0]
        else:
            raise AssertionError("accepted bad input")


# --- the desk, driven from the keyboard ---------------------------------------------------

def current_key(app):
    return app.pane("dashboard").table.cursor_key


async def test_assign_with_the_fuzzy_picker_then_move_on(demo_db):
    app = make_app(demo_db)
    target = Officer.select().where(Officer.name.contains("Ingram")).first() or Officer.select().first()
    async with app.run_test(size=SIZE) as pilot:
        await settle_until(pilot, lambda: current_key(app) is not None)
        first = current_key(app)
        case_id = int(first.split(":")[1])
        second = app.pane("dashboard").table.get_key_at(1)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, PickerScreen)
        await pilot.press(*target.name.split()[-1][:4].lower())
        await pilot.press("enter")
        await settle(pilot)
        assert Case.get_by_id(case_id).owner_id == target.id
        assert current_key(app) == second, "the cursor moves to the next item"


async def test_priority_snooze_close_and_undo(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle_until(pilot, lambda: current_key(app) is not None)
        case_id = int(current_key(app).split(":")[1])
        # p: priority, three keys (p, type, enter)
        await pilot.press("p", "u", "enter")
        await settle(pilot)
        assert Case.get_by_id(case_id).priority == "urgent"
        # k back up, z: snooze (the default is +3 working days)
        await pilot.press("k")
        await settle(pilot)
        assert current_key(app) == f"case:{case_id}"
        await pilot.press("z")
        await settle(pilot)
        assert isinstance(app.screen, FormScreen)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert Case.get_by_id(case_id).snoozed_until == dates.add_working_days(dates.today(), 3)
        assert f"case:{case_id}" not in app.pane("dashboard").items
        # ctrl+z undoes the snooze, with a toast
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert Case.get_by_id(case_id).snoozed_until is None
        assert f"case:{case_id}" in app.pane("dashboard").items
        # c closes with an outcome
        app.pane("dashboard").table.move_cursor(
            row=app.pane("dashboard").table.get_row_index(f"case:{case_id}"))
        await pilot.press("c")
        await settle(pilot)
        await pilot.press(*"Answered at the meeting")
        await pilot.press("ctrl+s")
        await settle(pilot)
        case = Case.get_by_id(case_id)
        assert case.status == "closed" and case.outcome == "Answered at the meeting"


async def test_c_on_a_task_marks_it_done(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle_until(pilot, lambda: current_key(app) is not None)
        pane = app.pane("dashboard")
        key = next(k for k, item in pane.items.items() if item.kind == "task")
        pane.table.move_cursor(row=pane.table.get_row_index(key))
        await pilot.press("c")
        await settle(pilot)
        assert Task.get_by_id(int(key.split(":")[1])).done_on == dates.today()
        assert key not in pane.items


async def test_step_and_wizard_from_the_desk(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle_until(pilot, lambda: current_key(app) is not None)
        case_id = int(current_key(app).split(":")[1])
        steps = Case.get_by_id(case_id).steps.count()
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("tab", *"Chased the RFO", "ctrl+s")
        await settle(pilot)
        assert Case.get_by_id(case_id).steps.count() == steps + 1
        await pilot.press("k", "w")
        await settle(pilot)
        assert app.screen.__class__.__name__ == "WizardScreen"
