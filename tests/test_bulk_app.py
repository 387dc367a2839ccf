"""Bulk triage through the keys (Pilot): mark rows in a case list, act on them all in one
batch, undo it with one key; marks are ids, kept across paging and filtering; the
preview says what will happen, masked in meeting mode."""
from __future__ import annotations

import shutil

import pytest
from rich.console import Console
from helpers import SIZE, make_app, screen_text, settle, settle_until

from clerkdesk.fixtures.generate import generate
from clerkdesk.models.casework import bulk, case_lists
from clerkdesk.models.core.schema import Audit, Case, Step
from clerkdesk.screens.bulk_actions import BulkConfirmScreen
from clerkdesk.screens.form import FormScreen
from clerkdesk.screens.help import HelpScreen, bindings_table

#: twelve open requests of the demo, all at normal priority
TWELVE = "priority:normal status:open"


def shown(pane) -> bool:
    """the list shows its rows"""
    return pane.table.row_count > 0 and pane.table.cursor_key is not None


async def requests_pane(app, pilot):
    await pilot.press("4")
    await settle_until(pilot, lambda: app.pane_or_none("requests") is not None
                       and shown(app.pane("requests")))
    return app.pane("requests")


async def test_twelve_cases_closed_with_a_handful_of_keys_and_undone_with_one(demo_db):
    twelve = bulk.ids_shown(case_lists.REQUESTS, TWELVE)
    assert len(twelve) == 12
    steps = {i: Step.select().where(Step.case == i).count() for i in twelve}
    app = make_app(demo_db)
    keys = 0

    async def press(*names):
        nonlocal keys
        keys += len(names)
        await pilot.press(*names)
        await settle(pilot)

    async with app.run_test(size=SIZE) as pilot:
        pane = await requests_pane(app, pilot)
        await press("slash")
        await pilot.press(*TWELVE)  # (typed text: not counted as keys)
        await press("enter")
        await settle_until(pilot, lambda: pane.table.row_count == 12)
        await press("plus")  # mark all shown
        assert pane.marks == set(twelve)
        assert "● 12 marked" in screen_text(app)
        await press("c")
        assert isinstance(app.screen, FormScreen)
        await pilot.press(*"Answered at the surgery")
        await press("ctrl+s")
        assert isinstance(app.screen, BulkConfirmScreen)
        text = screen_text(app)
        assert "Close 12 cases?" in text
        assert Case.select().where(Case.id.in_(twelve) & (Case.status == "closed")).count() == 0
        await press("y")
        closed = list(Case.select().where(Case.id.in_(twelve)))
        assert all(c.status == "closed" and c.outcome == "Answered at the surgery" for c in closed)
        assert all(Step.select().where(Step.case == i).count() == steps[i] + 1 for i in twelve)
        assert keys <= 6, f"{keys} keys to close twelve cases"
        assert not pane.marks, "the marks go once the batch is done"

        await press("ctrl+z")  # one key undoes all twelve
        assert all(c.status != "closed" for c in Case.select().where(Case.id.in_(twelve)))
        said = [n.message for n in app._notifications]
        assert any(m.startswith("Closed 12 cases. ctrl+z undoes it all.") for m in said), said
        assert any(m.startswith("Undone: closing 12 cases (REQ-") for m in said), said
    assert Audit.select().where(Audit.action == "batch").count() == 1


async def test_space_and_shift_arrows_mark_rows_shown_with_a_glyph_and_a_count(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        pane = await requests_pane(app, pilot)
        table = pane.table
        first = [table.get_key_at(i) for i in range(4)]
        await pilot.press("space", "shift+down", "shift+down")
        await settle(pilot)
        assert pane.marks == set(first[:3])
        assert table.cursor_row == 2
        text = screen_text(app)
        assert "● 3 marked" in text
        assert text.count(VirtualGlyph()) >= 3
        await pilot.press("space")  # unmark the cursor row
        assert pane.marks == set(first[:2])
        await pilot.press("shift+up")  # marks it again, and the one above (marked already)
        assert pane.marks == set(first[:3]) and table.cursor_row == 1
        await pilot.press("minus")
        await settle(pilot)
        assert not pane.marks
        assert not pane.query_one(".mark-count").display and "● " not in screen_text(app)


def VirtualGlyph() -> str:
    from clerkdesk.screens.widgets.virtual_table import VirtualTable

    return VirtualTable.MARK_GLYPH + "REQ-"


async def test_the_preview_lists_refs_and_says_what_is_skipped(demo_db):
    closed = bulk.ids_shown(case_lists.REQUESTS, "status:closed")[:2]
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        pane = await requests_pane(app, pilot)
        await pilot.press("space", "shift+down")
        pane.marks.update(closed)  # (two closed ones, marked as if from another view)
        await pilot.press("c")
        await settle(pilot)
        await pilot.press(*"Done", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, BulkConfirmScreen)
        text = screen_text(app)
        assert "Close 2 cases?" in text
        assert "2 cases cannot take it and are skipped:" in text
        for c in Case.select().where(Case.id.in_(closed)):
            assert f"{c.ref}  already closed" in text
        await pilot.press("n")  # nothing is written
        await settle(pilot)
        assert Audit.select().where(Audit.action == "batch").count() == 0
        assert len(pane.marks) == 4, "the marks stay when the clerk says no"


async def test_the_preview_hides_subjects_in_meeting_mode(demo_db):
    complaints = list(Case.select().where((Case.type == "complaint") & (Case.status != "closed")))
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("6")
        await settle_until(pilot, lambda: app.pane_or_none("complaints") is not None
                           and shown(app.pane("complaints")))
        await pilot.press("m", "plus")  # meeting mode on; mark every complaint shown
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        await pilot.press(*"low", "enter")
        await settle(pilot)
        assert isinstance(app.screen, BulkConfirmScreen)
        text = screen_text(app)
        assert "Set the priority of" in text and "(hidden)" in text
        for c in complaints:
            assert c.subject[:20] not in text
        ready = app.screen.preview.ready
        assert ready
        await pilot.press("m")  # meeting mode off: the preview shows them again
        await settle(pilot)
        assert isinstance(app.screen, BulkConfirmScreen)
        assert ready[0].subject[:20] in screen_text(app)


async def test_help_lists_the_marking_keys(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        console = Console(width=120, record=True)
        console.print(bindings_table(app.screen.groups))
        text = console.export_text()
        assert "Marking cases (Dashboard, Requests, Complaints)" in text
        for key, does in [("space", "Mark"), ("shift+down", "Mark down"),
                          ("shift+up", "Mark up"), ("+", "Mark all shown"),
                          ("-", "Clear marks"), ("c a p z s", "with cases marked")]:
            assert any(line.split()[:len(key.split())] == key.split() and does in line
                       for line in text.splitlines()), (key, does)


# --- a list longer than its pages ------------------------------------------------------------

@pytest.fixture(scope="module")
def _big_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("bulk-big") / "big.db"
    generate(path, cases=1500, years=3, seed=5)
    return path


@pytest.fixture
def big_db(_big_template, tmp_path):
    from clerkdesk.models.core.db import close_database

    path = tmp_path / "big.db"
    shutil.copyfile(_big_template, path)
    yield path
    close_database()


async def test_marks_are_ids_kept_across_paging_and_filtering(big_db):
    app = make_app(big_db)
    async with app.run_test(size=SIZE) as pilot:
        pane = await requests_pane(app, pilot)
        table = pane.table
        assert table.row_count > 2 * table.source.page_size, "a list of several pages"
        first = table.cursor_key
        await pilot.press("space", "end")  # mark the first row; to the last page
        await settle_until(pilot, lambda: table.cursor_key is not None
                           and table.cursor_row == table.row_count - 1)
        last = table.cursor_key
        await pilot.press("shift+up")
        await settle_until(pilot, lambda: len(pane.marks) == 3)
        assert {first, last} <= pane.marks
        # a filter: the marks not shown stay marked; + adds every row it matches
        await pilot.press("slash", *"status:new", "enter")
        await settle_until(pilot, lambda: pane.filter_text == "status:new" and shown(pane))
        new = set(bulk.ids_shown(case_lists.REQUESTS, "status:new"))
        assert new and not new <= {first, last}
        before = set(pane.marks)
        await pilot.press("plus")
        await settle(pilot)
        assert pane.marks == new | before and {first, last} <= pane.marks
        assert f"● {len(pane.marks)} marked" in screen_text(app)
        # the filter cleared: the first row is still marked, drawn so
        await pilot.press("slash", "escape", "escape")
        await settle_until(pilot, lambda: pane.filter_text == "" and shown(pane))
        await pilot.press("home")
        await settle(pilot)
        assert table.cursor_key == first and first in pane.marks
        assert VirtualGlyph() in screen_text(app)
        # the preview covers every mark, shown or not
        await pilot.press("z")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, BulkConfirmScreen)
        preview = app.screen.preview
        assert {t.id for t in preview.ready} | {t.id for t, _ in preview.skipped} == pane.marks


async def test_the_dashboard_queue_marks_cases_not_tasks_and_assigns_them_all(demo_db):
    from clerkdesk.models.core.schema import Officer

    target = Officer.select().where(Officer.name.contains("Ingram")).first()
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        pane = app.pane("dashboard")
        await settle_until(pilot, lambda: pane.table.cursor_key is not None)
        await pilot.press("space", "shift+down", "shift+down")
        await settle(pilot)
        ids = pane.marked_ids
        assert len(ids) == 3 and "● 3 marked" in screen_text(app)
        owners = {i: Case.get_by_id(i).owner_id for i in ids}
        task_row = next(i for i in range(pane.table.row_count)
                        if str(pane.table.get_key_at(i)).startswith("task:"))
        pane.table.move_cursor(row=task_row)
        await pilot.press("space")
        await settle(pilot)
        assert len(pane.marks) == 3, "a task is not marked"
        assert any("Only cases can be marked" in n.message for n in app._notifications)
        await pilot.press("a")
        await settle(pilot)
        await pilot.press(*"ingr", "enter")
        await settle(pilot)
        assert isinstance(app.screen, BulkConfirmScreen)
        assert f"to {target.name}?" in screen_text(app)
        await pilot.press("y")
        await settle(pilot)
        already = [i for i in ids if Case.get_by_id(i).owner_id == target.id]
        assert len(already) == 3 and not pane.marks
        await pilot.press("ctrl+z")  # one key: all three as they were
        await settle(pilot)
        assert {i: Case.get_by_id(i).owner_id for i in ids} == owners


async def test_a_refused_batch_is_said_and_writes_nothing(demo_db):
    from clerkdesk.models.core.db import database

    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        pane = await requests_pane(app, pilot)
        await pilot.press("space", "shift+down", "shift+down")
        await settle(pilot)
        ids = pane.marked_ids
        # the second is changed behind clerkdesk's back: the whole batch is refused
        database.execute_sql('UPDATE "case" SET subject = ? WHERE id = ?', ("Nothing", ids[1]))
        entries = Audit.select().count()
        await pilot.press("c")
        await settle(pilot)
        await pilot.press(*"Done", "ctrl+s")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert not isinstance(app.screen, BulkConfirmScreen)
        assert any(n.title == "Not saved" and "outside clerkdesk" in n.message
                   for n in app._notifications), [n.message for n in app._notifications]
        assert Audit.select().count() == entries
        assert Case.select().where(Case.id.in_(ids) & (Case.status == "closed")).count() == 0
        assert len(pane.marks) == 3, "the marks stay for another try"
