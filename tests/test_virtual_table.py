"""The virtual table on a generated casebook of 5,000 cases, driven through Pilot."""
from __future__ import annotations

import shutil

import pytest
from rich.text import Text
from textual.app import App, ComposeResult

from clerkdesk.fixtures.generate import generate
from clerkdesk.models.casework import case_lists, records
from clerkdesk.models.core import db
from clerkdesk.models.store import opening
from clerkdesk.screens.widgets.virtual_table import ListSource, VirtualTable
from clerkdesk.tui.app import ClerkDesk

SIZE = (120, 40)


@pytest.fixture(scope="session")
def _five_thousand(tmp_path_factory):
    path = tmp_path_factory.mktemp("vt") / "case_lists.db"
    generate(path, cases=5000, years=5, seed=11)
    return path


@pytest.fixture
def big(tmp_path, _five_thousand):
    path = tmp_path / "case_lists.db"
    shutil.copyfile(_five_thousand, path)
    opening.open_database(path, backup=False)
    yield path
    db.close_database()


async def settle(app, pilot):
    await app.workers.wait_for_complete()
    await pilot.pause()


async def open_requests(app, pilot):
    await pilot.press("4")
    await settle(app, pilot)
    return app.pane("requests")


async def test_row_count_and_first_rows(big):
    expected = records.rows(case_lists.REQUESTS)
    app = ClerkDesk(big)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_requests(app, pilot)
        table = pane.table
        assert table.row_count == len(expected) > 3000
        assert table.get_row_at(0)[0] == pane.cells(expected[0])[0]
        assert pane.selected_id() == expected[0][0]
        assert "requests" in str(pane.query_one(".list-count").render())


async def test_cursor_keys_page_keys_and_jump_to_end(big):
    expected = records.rows(case_lists.REQUESTS)
    app = ClerkDesk(big)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_requests(app, pilot)
        table = pane.table
        await pilot.press("down", "down", "j")
        assert table.cursor_row == 3
        await pilot.press("k")
        assert table.cursor_row == 2 and pane.selected_id() == expected[2][0]
        await pilot.press("pagedown")
        assert table.cursor_row > 10
        await pilot.press("end")
        await pilot.pause()
        assert table.cursor_row == len(expected) - 1
        assert pane.selected_id() == expected[-1][0]
        assert table.scroll_y > 3000  # scrolled, rows drawn from the last page
        assert table.get_row_at(table.cursor_row)[0] == pane.cells(expected[-1])[0]
        await pilot.press("pageup")
        assert table.cursor_row < len(expected) - 10
        await pilot.press("home")
        assert table.cursor_row == 0 and table.scroll_y == 0


async def test_scrolling_reads_pages_on_demand(big):
    expected = records.rows(case_lists.REQUESTS)
    app = ClerkDesk(big)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_requests(app, pilot)
        table = pane.table
        pager = table.source.pager
        assert len(pager._pages) <= 2  # only the top was read
        table.scroll_to(y=2000, animate=False, immediate=True)
        await pilot.pause()
        assert len(pager._pages) <= 4
        row = table.get_row_at(2000)
        assert row[0] == pane.cells(expected[2000])[0]


async def test_click_moves_the_cursor_and_a_second_click_opens(big):
    app = ClerkDesk(big)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_requests(app, pilot)
        table = pane.table
        await pilot.click(table, offset=(5, 4))  # header, then rows 0, 1, 2, 3
        assert table.cursor_row == 3
        await pilot.click(table, offset=(5, 4))
        await pilot.pause()
        assert app.screen.__class__.__name__ == "DetailScreen"


async def test_filter_runs_in_a_worker_and_the_last_keystroke_wins(big):
    app = ClerkDesk(big)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_requests(app, pilot)
        await pilot.press("slash", *"bus")
        await settle(app, pilot)
        expected = records.rows(case_lists.REQUESTS, "bus")
        assert pane.table.row_count == len(expected) > 0
        assert "matching" in str(pane.query_one(".list-count").render())
        # keystrokes faster than the queries: only the last one's result is shown
        for ch in " she":
            pane.query_one(".filter").value += ch
        await settle(app, pilot)
        expected = records.rows(case_lists.REQUESTS, "bus she")
        assert pane.table.row_count == len(expected)
        assert pane.filter_text == "bus she"
        assert pane.selected_id() == (expected[0][0] if expected else None)


async def test_a_stale_result_is_dropped(big):
    app = ClerkDesk(big)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_requests(app, pilot)
        count = pane.table.row_count
        from clerkdesk.models.casework import paging

        stale = paging.Pager(case_lists.REQUESTS, "zzzz")
        stale.head()
        pane._show(pane._generation - 1, stale, None, None)  # an older load finishing late
        assert pane.table.row_count == count


async def test_keep_follows_the_saved_row(big):
    app = ClerkDesk(big)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_requests(app, pilot)
        expected = records.rows(case_lists.REQUESTS)
        target = expected[1234][0]
        pane.load(keep=target)
        await settle(app, pilot)
        assert pane.selected_id() == target and pane.table.cursor_row == 1234


class _Small(App):
    def compose(self) -> ComposeResult:
        rows = [(i, (f"row {i}", "x" * (i % 7))) for i in range(100)]
        yield VirtualTable(["Name", ("Extra", 5)], source=ListSource(rows))


async def test_list_source_table_alone():
    app = _Small()
    async with app.run_test(size=(40, 12)) as pilot:
        table = app.query_one(VirtualTable)
        table.focus()
        seen = []
        app.on_virtual_table_row_selected = lambda m: seen.append(m.key)  # noqa: E731
        assert table.row_count == 100
        await pilot.press("end")
        assert table.cursor_key == 99 and table.get_row_index(99) == 99
        assert table.select_key(50) and table.cursor_row == 50
        with pytest.raises(KeyError):
            table.get_row_index(1000)
        assert table.column_widths[1] == 5


class _Styled(App):
    def compose(self) -> ComposeResult:
        badge = Text("OVERDUE !!", style="bold red")
        yield VirtualTable([("", 7), ("Subject", 12)], source=ListSource([
            ("a", (badge, "A subject far too long for its column")),
            ("b", (Text("NEW", style="cyan"), "Short")),
        ]))


async def test_styled_cells_keep_their_style_and_long_cells_end_in_an_ellipsis():
    app = _Styled()
    async with app.run_test(size=(40, 6)):
        table = app.query_one(VirtualTable)
        assert table.get_row_at(0) == ["OVERDUE !!", "A subject far too long for its column"]
        strip = table.render_line(1)  # the first row, under the header
        assert strip.text == " OVERDU…  A subject f…  ".ljust(40)
        red = [seg for seg in strip if seg.style and seg.style.color
               and seg.style.color.name == "red"]
        assert "".join(seg.text for seg in red) == "OVERDU…"
        assert table.render_line(2).text.startswith(" NEW      Short        ")
