"""Views on the lists: facets in the filter box, saved views, the last view remembered."""
from __future__ import annotations

import pytest

from clerkdesk.models.casework import case_lists, records, registers, saved_views
from clerkdesk.models.core import dates
from clerkdesk.models.core.schema import Case, Member
from clerkdesk.models.store import opening
from clerkdesk.screens.picker import PickerScreen
from clerkdesk.tui.app import ClerkDesk

SIZE = (120, 40)


def ids(register, text):
    return {row[0] for row in records.rows(register, text)}


def test_facets_narrow_the_case_lists(demo_db):
    new = ids(case_lists.REQUESTS, "status:new")
    assert new and all(Case.get_by_id(i).status == "new" for i in new)
    overdue = ids(case_lists.REQUESTS, "due:overdue")
    assert overdue and all(Case.get_by_id(i).due < dates.today() for i in overdue)
    info = ids(case_lists.REQUESTS, "kind:info")
    assert info and {Case.get_by_id(i).kind for i in info} == {"information"}
    both = ids(case_lists.REQUESTS, "kind:info due:overdue")
    assert both == info & overdue
    marsh = ids(case_lists.REQUESTS, "owner:marsh")
    assert marsh and all("Marsh" in Case.get_by_id(i).owner.name for i in marsh)
    active = ids(case_lists.REQUESTS, "status:active")
    assert all(Case.get_by_id(i).status != "closed" for i in active)
    assert len(active) > len(new)


def test_facets_on_members(demo_db):
    ended = ids(registers.MEMBERS, "term:ended")
    assert ended and all(Member.get_by_id(i).term_end < dates.today() for i in ended)
    independents = ids(registers.MEMBERS, "group:independent")
    assert independents and all(Member.get_by_id(i).group_id is None for i in independents)


@pytest.mark.parametrize("text, says", [
    ("colour:red", "no 'colour:' filter"),
    ("status:pending", "means nothing here"),
    ("due:someday", "means nothing here"),
])
def test_a_bad_facet_is_a_sentence(demo_db, text, says):
    with pytest.raises(saved_views.ViewError, match=says):
        records.rows(case_lists.REQUESTS, text)


def test_saved_views_and_the_last_view(demo_db):
    assert saved_views.saved("requests") == []
    saved_views.save_view("requests", "My overdue", "due:overdue owner:marsh")
    saved_views.save_view("requests", "my OVERDUE", "due:overdue")  # same name: replaced
    assert saved_views.saved("requests") == [{"name": "my OVERDUE", "filter": "due:overdue"}]
    with pytest.raises(saved_views.ViewError):
        saved_views.save_view("requests", "   ", "x")
    saved_views.remember("requests", "kind:info")
    assert saved_views.last_filter("requests") == "kind:info"
    saved_views.delete_view("requests", "my OVERDUE")
    assert saved_views.saved("requests") == []


async def test_views_from_the_keyboard_and_remembered_across_restarts(demo_db):
    opening.open_database(demo_db)
    app = ClerkDesk(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4")
        await pilot.pause()
        pane = app.pane("requests")
        everything = pane.table.row_count
        # a bad facet: the sentence shows, the rows of the last good filter stay
        await pilot.press("slash", *"status:new")
        await app.workers.wait_for_complete()
        await pilot.pause()
        new = pane.table.row_count
        assert 0 < new < everything
        pane.query_one(".filter").value = "status:new colour:red"  # as if pasted
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "no 'colour:' filter" in str(pane.query_one(".filter-problem").render())
        assert pane.table.row_count == new
        await pilot.press("ctrl+u")  # clear the box
        await pilot.press("escape", "escape")
        await pilot.pause()
        # f: the views picker; "Overdue" is ready-made
        await pilot.press("f")
        await pilot.pause()
        assert isinstance(app.screen, PickerScreen)
        await pilot.press(*"overdue", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert pane.filter_text == "due:overdue"
        overdue = pane.table.row_count
        assert 0 < overdue < everything
        # save it under a name
        await pilot.press("f")
        await pilot.pause()
        await pilot.press(*"save", "enter")
        await pilot.pause()
        await pilot.press(*"Late ones", "ctrl+s")
        await pilot.pause()
        assert saved_views.saved("requests") == [{"name": "Late ones", "filter": "due:overdue"}]
    # the next run opens the Requests tab with the same view
    app = ClerkDesk(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4")
        await app.workers.wait_for_complete()
        await pilot.pause()
        pane = app.pane("requests")
        assert pane.filter_text == "due:overdue"
        assert pane.table.row_count == overdue
