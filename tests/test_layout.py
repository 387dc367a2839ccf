"""The desk on a small screen (80x24: a small laptop, a split screen): what must stay on
screen, said in text. The look at each size is in test_snapshots.py (test_sizes)."""
from __future__ import annotations

from helpers import make_app, screen_text, settle, settle_until
from rich.text import Text
from textual.app import App, ComposeResult

from clerkdesk.models.casework.records import Column
from clerkdesk.screens.meeting import MeetingBanner
from clerkdesk.screens.widgets.detail import DetailView
from clerkdesk.screens.widgets.items import Items
from clerkdesk.screens.widgets.key_bar import KeyBar
from clerkdesk.screens.widgets.tab_bar import TabBar
from clerkdesk.screens.widgets.virtual_table import ListSource, VirtualTable

SMALL = (80, 24)


def key_bar_text(app) -> str:
    return app.screen_stack[0].query_one(KeyBar).render().plain


async def test_at_80x24_the_desk_shows_what_is_late_and_why(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=SMALL) as pilot:
        await settle_until(pilot, lambda: app.pane("dashboard").items)
        text = screen_text(app)
        table = app.pane("dashboard").table
        # the queue keeps its ref, due and why (the owner gives way, the subject is cut)
        assert table.shown_columns == ["", "Ref", "Subject", "Due", "Why"]
        assert table.virtual_size.width <= table.size.width  # nothing off to the right
        first = table.get_row_at(0)
        assert first[1] in text and first[4] in text and first[5] in text
        assert "working days over" in text
        # the counts go onto a second line rather than off the edge: overdue is shown
        assert "due in 3 working days" in text and "overdue" in text.split("Protocol")[0]
        # the tabs are one line, with every number
        titles, _underline = app.query_one("#tabs", TabBar).render().split()
        assert titles.cell_len <= SMALL[0]
        assert all(f"{n} " in titles.plain for n in range(1, 8))
        assert "7 Council" in titles.plain and "1 Desk" in titles.plain
        # the key bar keeps close, meeting mode and quit (and ? for the rest)
        keys = key_bar_text(app)
        assert " c Close/done" in keys and " m Meeting mode" in keys and " ^q Quit" in keys
        assert " ? Keys" in keys and len(keys) == SMALL[0]


async def test_at_120x40_every_column_and_the_full_titles(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle_until(pilot, lambda: app.pane("dashboard").items)
        table = app.pane("dashboard").table
        assert table.shown_columns == ["", "Ref", "Subject", "Owner", "Due", "Why"]
        assert table.column_widths == [10, 13, 33, 14, 10, 25]
        titles, _underline = app.query_one("#tabs", TabBar).render().split()
        assert "1 Dashboard" in titles.plain and "5 Party groups" in titles.plain
        assert "-narrow" not in app.screen.classes and "-short" not in app.screen.classes


async def test_on_a_short_screen_the_detail_gives_way_and_h_brings_it_back(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("4")
        pane = app.pane("requests")
        await settle_until(pilot, lambda: pane.table.row_count)
        detail = pane.query_one(".detail", DetailView)
        assert "-short" in app.screen.classes
        assert not detail.display
        assert pane.table.size.height >= 16  # the list has the room: 15 rows and its heading
        ref = pane.table.get_row_at(0)[0]
        assert "Reasons for the new Castle Street parking charges" not in screen_text(app)
        assert "h shows the detail" in screen_text(app)  # how to bring it back
        await pilot.press("h")
        await pilot.pause()
        assert detail.display and detail.size.height >= 6
        assert "h shows the detail" not in screen_text(app)
        assert "Reasons for the new Castle Street parking charges" in screen_text(app)
        assert ref in screen_text(app)
        # the choice holds for every list
        await pilot.press("6")
        complaints = app.pane("complaints")
        await settle_until(pilot, lambda: complaints.table.row_count)
        assert complaints.query_one(".detail", DetailView).display
        await pilot.press("h")
        await pilot.pause()
        assert not complaints.query_one(".detail", DetailView).display
        await pilot.press("4")
        await pilot.pause()
        assert not detail.display


async def test_on_a_tall_screen_h_hides_the_detail_and_shows_it_again(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("4")
        pane = app.pane("requests")
        await settle_until(pilot, lambda: pane.table.row_count)
        detail = pane.query_one(".detail", DetailView)
        assert detail.display
        height = pane.table.size.height
        await pilot.press("h")
        await pilot.pause()
        assert not detail.display and pane.table.size.height > height
        await pilot.press("h")
        await pilot.pause()
        assert detail.display and pane.table.size.height == height


async def test_the_key_bar_shows_the_keys_of_the_screen_in_front(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("4")
        pane = app.pane("requests")
        await settle_until(pilot, lambda: pane.table.row_count)
        assert " w Wizard" in key_bar_text(app) and " s Record step" in key_bar_text(app)
        await pilot.press("enter")  # the case full size: only its own keys work there
        await pilot.pause()
        assert type(app.screen).__name__ == "DetailScreen"
        keys = key_bar_text(app)
        assert "esc Close" in keys and "Wizard" not in keys and "Record step" not in keys
        await pilot.press("escape")
        await pilot.pause()
        assert " w Wizard" in key_bar_text(app)
        await pilot.press("e")  # a form: save and cancel, not the list's keys
        await pilot.pause()
        assert type(app.screen).__name__ == "FormScreen"
        keys = key_bar_text(app)
        assert "^s Save" in keys and "esc Cancel" in keys
        assert "Filter" not in keys and "Archive" not in keys
        await pilot.press("escape")
        await settle(pilot)
        assert " / Filter" in key_bar_text(app)


async def test_at_80x24_the_wizard_shows_the_due_date_of_the_route(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=SMALL) as pilot:
        await settle_until(pilot, lambda: app.pane("dashboard").items)
        await pilot.press("w")
        await pilot.pause()
        assert type(app.screen).__name__ == "WizardScreen"
        for _ in range(6):  # answer with the defaults up to the route
            if app.screen.route is not None:
                break
            await pilot.press("enter")
            await pilot.pause()
        assert app.screen.route is not None
        text = screen_text(app)
        assert "Due: " in text and "working days from receipt" in text
        # and the key bar under it says the wizard's keys
        assert "^s Save route" in key_bar_text(app) and "esc Cancel" in key_bar_text(app)


async def test_at_80_columns_the_meeting_banner_is_read_whole(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("m")
        await pilot.pause()
        banner = app.query_one(MeetingBanner)
        assert banner.display and banner.size.height == 1
        assert MeetingBanner.SHORT in screen_text(app)
        await pilot.press("m")
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("m")
        await pilot.pause()
        assert MeetingBanner.TEXT in screen_text(app)
        await pilot.press("m")


# --- the parts, alone ------------------------------------------------------------------


class _Columns(App):
    def compose(self) -> ComposeResult:
        yield VirtualTable([Column("Ref", priority=1), Column("Subject", priority=3, min_width=10),
                            Column("Owner", priority=4), Column("Due", priority=2)])

    def on_mount(self) -> None:
        rows = [(i, (f"R-{i:04}", "a subject of some length here", "An Owner", "01/12/2026"))
                for i in range(5)]
        self.query_one(VirtualTable).set_source(ListSource(rows))  # widths fitted to them


async def test_columns_give_way_by_their_priority():
    app = _Columns()
    async with app.run_test(size=(80, 10)) as pilot:
        table = app.query_one(VirtualTable)
        await pilot.pause()
        assert table.shown_columns == ["Ref", "Subject", "Owner", "Due"]
        assert table.column_widths == [6, 29, 8, 10]  # room for all: as fitted
        await pilot.resize_terminal(40, 10)
        await pilot.pause()
        # 40 columns: ref and due whole, the subject cut down, the owner gone
        assert table.shown_columns == ["Ref", "Subject", "Due"]
        assert table.column_widths[2] == 0 and sum(w + 2 for w in table.column_widths
                                                    if w) <= 40
        assert table.column_widths[1] >= 10
        await pilot.resize_terminal(24, 10)
        await pilot.pause()
        assert table.shown_columns == ["Ref", "Due"]
        await pilot.resize_terminal(80, 10)
        await pilot.pause()
        assert table.shown_columns == ["Ref", "Subject", "Owner", "Due"]


def test_items_wrap_between_items_never_inside_one():
    items = Items([Text(" 26  open requests"), Text(" 11  due in 3 working days"),
                   Text(" 7  overdue")])
    lines = [line.plain for line in items.lines(50)]
    assert lines == [" 26  open requests    11  due in 3 working days", " 7  overdue"]
    assert [line.plain for line in items.lines(200)] == [
        " 26  open requests    11  due in 3 working days    7  overdue"]
    assert [line.plain for line in items.lines(12)][1] == " 11  due in…"  # too wide: cut


class _Tabs(App):
    def compose(self) -> ComposeResult:
        yield TabBar([("a", "1 Dashboard"), ("b", "2 Party groups"), ("c", "3 Council")],
                     active="a", short={"a": "1 Desk", "b": "2 Groups"})


async def test_the_tab_bar_uses_short_titles_then_numbers_when_narrow():
    app = _Tabs()
    async with app.run_test(size=(60, 4)) as pilot:
        bar = app.query_one(TabBar)
        assert [t for _id, t in bar.titles()] == ["1 Dashboard", "2 Party groups", "3 Council"]
        await pilot.resize_terminal(30, 4)
        await pilot.pause()
        assert [t for _id, t in bar.titles()] == ["1 Desk", "2 Groups", "3 Council"]
        await pilot.resize_terminal(16, 4)
        await pilot.pause()
        assert [t for _id, t in bar.titles()] == ["1 Desk", "2", "3"]
        titles, _underline = bar.render().split()
        assert titles.plain == " 1 Desk  2  3 "
        assert bar.tab_at(8) == "b"  # a click goes by what is drawn
