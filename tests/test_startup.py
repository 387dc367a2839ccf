"""What start-up does and does not do (bench/ measures how long it takes): no database
driver it does not need, no subcommand modules for a plain start, the collector paused
only until the first frame, the other tabs built once the queue is on screen, and the
key bar that replaced Textual's Footer."""
from __future__ import annotations

import gc
import subprocess
import sys
import time

import pytest
from helpers import make_app, settle_until
from hypothesis import given, settings
from hypothesis import strategies as st
from textual.widgets import ContentSwitcher

from clerkdesk.models.store import engines, opening
from clerkdesk.screens.help import HelpScreen
from clerkdesk.screens.widgets.key_bar import KeyBar
from clerkdesk.screens.widgets.tab_bar import TabBar
from clerkdesk.tui import __main__ as cli
from clerkdesk.tui import premount, startup
from clerkdesk.tui.app import ClerkDesk
from clerkdesk.tui.premount import PREMOUNT_ORDER
from clerkdesk.tui.startup import resume_collector

SIZE = (120, 40)


def fresh_python(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip()


# --- imports -------------------------------------------------------------------------------

def test_the_app_imports_no_postgres_driver_and_no_migrator():
    out = fresh_python(
        "import sys, clerkdesk.tui.app, clerkdesk.models.store.opening; "
        "print(sorted(m for m in ('psycopg', 'psycopg2', 'playhouse.migrate', 'holidays', "
        "'clerkdesk.screens.form', 'clerkdesk.tui.commands.export') if m in sys.modules))")
    assert out == "[]"


def test_what_the_first_frame_does_not_need_is_not_imported_with_the_app():
    """The rulebook (its dataclasses: 8-10 ms), the route's people and facts, the charts'
    statistics: imported on the workers that read them, after the first frame."""
    out = fresh_python(
        "import sys, clerkdesk.tui.app, clerkdesk.models.store.opening; "
        "print(sorted(m for m in ('clerkdesk.models.rules.rulebook', "
        "'clerkdesk.models.casework.protocol_facts', 'clerkdesk.models.casework.case_route', "
        "'clerkdesk.models.casework.stats') if m in sys.modules))")
    assert out == "[]"


def test_a_driver_imported_before_peewee_is_left_alone():
    out = fresh_python("import sqlite3, sys; import clerkdesk.models; "
                       "print(sys.modules.get('psycopg', 'absent'))")
    assert out == "absent"  # hidden while Peewee was imported, then the entry removed
    out = fresh_python("import psycopg, sys; import clerkdesk.models, peewee; "
                       "print(peewee.psycopg is psycopg)")
    assert out == "True"  # already imported: Peewee sees it as usual


def test_the_postgres_class_brings_its_own_adapter():
    pytest.importorskip("psycopg")
    db = engines.ClerkPgDatabase("postgresql://nobody@localhost/none")
    assert isinstance(db._adapter, engines.Psycopg3Adapter)
    import psycopg
    from psycopg.types.json import Jsonb

    assert db._adapter.psycopg is psycopg and db._adapter.jsonb_type is Jsonb
    assert db._adapter.get_binary_type() is psycopg.Binary


# --- the command line ---------------------------------------------------------------------

@pytest.mark.parametrize("argv, expected", [
    ([], True), (["--demo"], True), (["--db", "x.db"], True), (["--db=x.db"], True),
    (["--db", "x.db", "--demo"], True),
    (["--help"], False), (["-h"], False), (["check"], False), (["--db", "x.db", "due"], False),
    (["--db"], False), (["--db", "--demo"], False), (["--db="], False), (["--bogus"], False),
])
def test_which_command_lines_only_open_the_app(argv, expected):
    assert cli.opens_the_app(argv) is expected


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["--demo", "--db", "a.db", "--db=b.db", "due", "-h", "x"]),
                max_size=4))
def test_the_lean_parser_reads_an_app_start_as_the_full_one_does(argv):
    if not cli.opens_the_app(argv):
        return
    lean = cli.build_parser(subcommands=False).parse_args(argv)
    full = cli.build_parser().parse_args(argv)
    assert vars(lean) == vars(full)


def test_help_still_lists_every_subcommand(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = capsys.readouterr().out
    for name in ("demo", "route", "due", "check", "backup", "restore", "report", "export",
                 "import", "copy"):
        assert name in out


def test_a_subcommand_leaves_the_collector_on(capsys):
    assert cli.main(["due", "23/12/2026", "7"]) == 0
    assert gc.isenabled()


def test_a_failed_start_leaves_the_collector_on(tmp_path, capsys):
    bad = tmp_path / "not-a-casebook.db"
    bad.write_bytes(b"this is not SQLite at all")
    assert cli.main(["--db", str(bad)]) != 0
    assert gc.isenabled()


def test_resume_collector_turns_it_back_on_and_leaves_an_enabled_one_be():
    cli.pause_collector()
    try:
        assert not gc.isenabled()
        assert resume_collector() is True
        assert gc.isenabled()
        assert resume_collector() is False  # (already on: nothing to do)
        assert gc.isenabled()
    finally:
        gc.enable()
        gc.unfreeze()


async def test_a_paused_collector_is_resumed_by_the_first_frame_and_frozen_again_later(
        demo_db, monkeypatch):
    frozen = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(gc.isenabled()))
    threshold = gc.get_threshold()
    opening.open_database(demo_db)
    app = ClerkDesk(demo_db)
    cli.pause_collector()  # as main() does
    try:
        async with app.run_test(size=SIZE) as pilot:
            for _ in range(100):
                await pilot.pause(0.05)
                if len(frozen) == 2:
                    break
            assert gc.isenabled() and app.collector.resumed
        assert frozen == [False, True]  # at the first frame, then with every tab built
        assert gc.get_threshold()[0] == startup.YOUNG_COLLECT
    finally:
        gc.enable()
        gc.set_threshold(*threshold)


# --- the app -------------------------------------------------------------------------------

def record_builds(monkeypatch, note) -> list:
    """Each pane the app builds, as (tab, note(app)) at the moment it starts building."""
    built = []
    original = ClerkDesk.ensure_pane

    async def ensure_pane(self, tab):
        if self.pane_or_none(tab) is None:
            built.append((tab, note(self)))
        return await original(self, tab)

    monkeypatch.setattr(ClerkDesk, "ensure_pane", ensure_pane)
    return built


async def test_the_other_tabs_are_built_after_the_queue_is_shown(demo_db, monkeypatch):
    opening.open_database(demo_db)
    app = ClerkDesk(demo_db)
    queue_shown_when_built = record_builds(monkeypatch, lambda app: app.pane("dashboard").shown)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(200):
            await pilot.pause(0.05)
            if not app.builder.left():
                break
        dashboard = app.pane("dashboard")
        assert dashboard.shown and dashboard.table.row_count > 1
        assert app.builder.left() == []
    assert queue_shown_when_built == [(tab, True) for tab in PREMOUNT_ORDER]


async def test_a_priority_mark_is_seen_on_every_badge(demo_db):
    from clerkdesk.screens.dashboard import BADGE_TEXT

    opening.open_database(demo_db)
    app = ClerkDesk(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        dashboard = app.pane("dashboard")
        for badge in BADGE_TEXT:
            mark = dashboard.badge_style(badge) + dashboard.mark_style(badge)
            assert mark.color is not None and mark.color != mark.bgcolor, badge  # never red on red


async def test_the_palette_searches_off_the_ui_thread(demo_db, monkeypatch):
    import threading

    from clerkdesk.models.casework import search

    threads = []
    original = search.search

    def recording(*args, **kwargs):
        threads.append(threading.current_thread() is threading.main_thread())
        return original(*args, **kwargs)

    monkeypatch.setattr(search, "search", recording)
    opening.open_database(demo_db)
    app = ClerkDesk(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p", *"langley")
        for _ in range(40):
            await pilot.pause(0.05)
            if threads:
                break
        await pilot.pause(0.3)
        assert "Langley" in str(app.screen.query_one("CommandList").get_option_at_index(0).prompt)
    assert threads and not any(threads)


async def test_the_key_bar_shows_the_focused_widgets_keys_and_a_click_presses_one(demo_db):
    opening.open_database(demo_db)
    app = ClerkDesk(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        bar = app.query_one(KeyBar)
        line = bar.render().plain
        # at 120 columns every key of the desk fits, drawn close together
        assert line.startswith(" ⏎ Open a Assign p Priority ")
        assert " c Close/done " in line and " m Meeting mode " in line and " ^q Quit " in line
        assert line.rstrip().endswith("▏^p palette") and len(line) == SIZE[0]
        await pilot.press("4")
        await pilot.pause()
        assert " n New " in bar.render().plain and " a Assign " in bar.render().plain
        # a click on "? Keys" does what ? does
        start = next(s for s, _e, key in bar.spans if key.key == "question_mark")
        await pilot.click(KeyBar, offset=(start + 1, 0))
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)


async def test_the_key_bar_keeps_the_palette_key_when_narrow_and_lights_the_hovered_key(demo_db):
    opening.open_database(demo_db)
    app = ClerkDesk(demo_db)
    async with app.run_test(size=(60, 30)) as pilot:
        await pilot.pause()
        bar = app.query_one(KeyBar)
        line = bar.render().plain
        assert len(line) == 60 and line.endswith("▏^p palette ")
        shown = [key.description for _s, _e, key in bar.spans]
        # the most important keys stay (PRIORITY), in the order they are bound, none cut
        assert shown[0] == "Open" and {"Quit", "Meeting mode", "Keys"} <= set(shown)
        assert "Priority" not in shown and "Due date" not in shown
        assert all(f" {key.display} {key.description}" in line for _s, _e, key in bar.spans[:-1])
        assert shown[-2:] == ["Keys", "palette"]  # ? stays: it lists the keys left out
        start, end, key = bar.spans[1]
        await pilot.hover(KeyBar, offset=(start, 0))
        assert bar.hover == 1
        hover_style = bar.get_component_rich_style("key-bar--hover")
        text = bar.render()
        assert any(span.style == hover_style and span.start >= start and span.end <= end
                   for span in text.spans)


async def test_the_tab_bar_switches_tabs_on_a_click_and_lights_the_active_title(demo_db):
    opening.open_database(demo_db)
    app = ClerkDesk(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        bar = app.query_one("#tabs", TabBar)
        titles, underline = bar.render().split()
        assert titles.plain.startswith(" 1 Dashboard  2 Members  3 Officers  4 Requests ")
        assert len(underline.plain) == SIZE[0]
        start, end, _tab = next(span for span in bar.spans() if span[2] == "requests")
        await pilot.click(TabBar, offset=(start + 2, 0))
        await pilot.pause()
        assert app.active_tab == "requests"
        assert app.query_one("#tab-panes", ContentSwitcher).current == "requests"
        assert app.focused is app.pane("requests").table  # the list has the keys at once
        highlight = bar.get_component_rich_style("tab-bar--highlight")
        titles, underline = bar.render().split()
        assert [(s.start, s.end) for s in underline.spans if s.style == highlight] == [(start, end)]
        await pilot.hover(TabBar, offset=(1, 0))
        assert bar.hover == "dashboard"
        await pilot.press("6")  # and the number keys, as ever
        await pilot.pause()
        assert bar.active == "complaints" and app.focused is app.pane("complaints").table


def test_a_tab_bar_must_start_on_one_of_its_tabs():
    with pytest.raises(ValueError, match="no tab 'nowhere'"):
        TabBar([("a", "1 A"), ("b", "2 B")], active="nowhere")


async def test_no_tab_is_built_in_the_background_while_the_clerk_types(demo_db, monkeypatch):
    opening.open_database(demo_db)
    app = ClerkDesk(demo_db)
    built = record_builds(monkeypatch, lambda app: time.monotonic() - app.last_key_at)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(30):  # a key every 0.1 s or so for 3 s
            await pilot.press("j")
            await pilot.pause(0.1)
        for _ in range(100):
            await pilot.pause(0.05)
            if len(built) == len(PREMOUNT_ORDER):
                break
    # what is promised is measured where it is decided, not from how fast this loop ran
    # (on a loaded machine two key presses can be more than the quiet time apart): every
    # pane was built at least PREMOUNT_QUIET_S after the last key, and all were built
    assert [tab for tab, _ in built] == PREMOUNT_ORDER
    assert all(quiet >= premount.PREMOUNT_QUIET_S for _tab, quiet in built)


# --- what a closed form leaves behind ------------------------------------------------------

async def test_a_form_starts_on_its_first_field_and_leaves_nothing_behind(demo_db):
    from textual.containers import VerticalScroll

    from clerkdesk.screens.form import FormScreen, LongText

    opening.open_database(demo_db)
    app = ClerkDesk(demo_db)
    live_objects = []
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4")
        for _ in range(200):  # every tab built in the background first
            await pilot.pause(0.05)
            if not app.builder.left():
                break
        for _ in range(5):
            await pilot.press("n")
            await pilot.pause()
            form = app.screen
            assert isinstance(form, FormScreen)
            assert app.focused is form.query(".field-input").first()  # no stop on the way
            assert not form.query_one(".form-fields", VerticalScroll).can_focus
            assert form.query_one(".form-fields", VerticalScroll).scroll_y == 0  # label shown
            assert form.query(LongText)  # the request's details
            await pilot.press("escape")
            await pilot.pause()
            await pilot.pause()
            assert not isinstance(app.screen, FormScreen)
            del form
            gc.collect()
            live_objects.append(len(gc.get_objects()))
        # while the app runs, nothing of a closed form is kept (a text area held by the
        # theme's watchers, or the style caches of its widgets: ~9,000 objects a form)
        assert not [o for o in gc.get_objects() if isinstance(o, (FormScreen, LongText))]
        assert live_objects[-1] - live_objects[1] < 1_000, live_objects


@pytest.mark.parametrize("idle_s, counts, generation", [
    (0.1, (500, 15, 3), None),  # typing: never (the young passes go on as usual)
    (0.5, (500, 0, 0), None),  # a pause, but nothing has left the young generation
    (0.5, (500, 2, 0), 1),  # a pause: the middle generation, before it falls due mid-work
    (0.5, (500, 0, 4), None),  # a short pause is not the moment for a full collection
    (3.0, (500, 0, 0), None),  # idle, but nothing collected since the last full one
    (3.0, (500, 0, 1), 2),  # idle, and something to do: a full collection now
    (3.0, (500, 3, 0), 2),  # (which takes the middle generation with it)
])
def test_the_older_generations_are_collected_at_idle_moments(idle_s, counts, generation):
    assert startup.idle_collection(idle_s, counts) == generation


async def test_idle_collections_only_when_the_app_paused_the_collector(demo_db, monkeypatch):
    real_collect = gc.collect
    collected = []
    monkeypatch.setattr(gc, "collect", lambda *a: collected.append(a))
    opening.open_database(demo_db)
    app = ClerkDesk(demo_db)
    async with app.run_test(size=SIZE) as pilot:  # as in the tests: not paused
        await pilot.pause(1.5)
        assert not app.collector.resumed
    assert collected == []
    app = ClerkDesk(demo_db)
    threshold = gc.get_threshold()
    cli.pause_collector()  # as `clerkdesk` does
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause(0.5)
            assert app.collector.resumed
            collected.clear()  # (the idle ticks of the half second above, at no key yet)
            # Python collects the middle generation itself only as a backstop
            assert gc.get_threshold()[1:] == (startup.MIDDLE_BACKSTOP, startup.FULL_BACKSTOP)
            real_collect(0)  # a young pass: something has reached the middle generation
            app.last_key_at = time.monotonic()  # the clerk is typing: not now
            app.collector.collect_when_idle()
            assert collected == []
            app.last_key_at = time.monotonic() - 1  # a pause: the middle generation
            app.collector.collect_when_idle()
            assert collected == [(1,)]
            real_collect(1)  # younger generations collected since the last full pass
            app.last_key_at = time.monotonic() - 10  # ten seconds without a key: all of it
            app.collector.collect_when_idle()
            assert collected == [(1,), ()]
    finally:
        gc.enable()
        gc.set_threshold(*threshold)
        gc.unfreeze()


@pytest.mark.parametrize("sub_tab, noun", [("council-committees", "committees"),
                                           ("council-wards", "wards"),
                                           ("council-contacts", "external contacts")])
async def test_a_sub_tab_of_a_tab_opened_before_its_build_reads_its_list(db, monkeypatch,
                                                                         sub_tab, noun):
    """The Council tab opened before the background builder reached it is built as it
    opens, its sub-tabs' lists hidden: each reads its list the first time it is shown
    (they were left unread, an empty list with no count)."""
    from clerkdesk.tui.premount import BackgroundBuilder

    monkeypatch.setattr(BackgroundBuilder, "start", lambda self: None)  # never reached
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("7")
        await settle_until(pilot, lambda: app.pane_or_none("council") is not None)
        pane = app.pane("council").show_sub_tab(sub_tab)
        await settle_until(pilot, lambda: pane.query_one(".list-count").content)
        assert str(pane.query_one(".list-count").content).startswith(f"0 {noun}")
