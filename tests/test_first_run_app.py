"""A new clerk on an empty casebook, through Pilot: the setup screen (and its esc), then the
Dashboard's first-steps checklist followed line by line to a working desk, each line going
as its record is saved; the Council sub-tabs on ← →; the Clerk from the officers register;
an officer's employment in words; what empty lists and pick-lists say."""
from __future__ import annotations

from helpers import SIZE, make_app, screen_text, settle, settle_until
from textual.widgets import Input, SelectionList, TabbedContent

from clerkdesk.models.casework import first_run
from clerkdesk.models.core.schema import Committee, Council, Member, Officer, PartyGroup, Ward
from clerkdesk.screens.confirm import ConfirmScreen
from clerkdesk.screens.first_run import STEP_KEYS, FirstRunChecklist
from clerkdesk.screens.form import FormScreen
from clerkdesk.screens.help import HelpScreen
from clerkdesk.screens.setup import SetupScreen


def _line(step: str) -> str:
    """A step's line as the checklist shows it (its key, what it asks)."""
    title, asks = first_run.STEPS[step]
    return f"{title}: {asks}"


def _checklist(app) -> FirstRunChecklist:
    return app.pane("dashboard").query_one(FirstRunChecklist)


async def _set_up(pilot, name="Little Snoring Parish Council"):
    await settle(pilot)
    assert isinstance(pilot.app.screen, SetupScreen)
    await pilot.press(*name)
    await pilot.press("ctrl+s")
    await settle(pilot)
    assert not isinstance(pilot.app.screen, SetupScreen)


async def _fill_and_save(pilot, text: str, **fields) -> None:
    """Type *text* into the form's first field (it has the keys), set the other *fields*
    (an Input's text, a SelectionList's choices), save."""
    form = pilot.app.screen
    assert isinstance(form, FormScreen), type(form)
    await pilot.press(*text)
    for name, value in fields.items():
        widget = form.query_one(f"#f-{name}")
        if isinstance(widget, SelectionList):
            for v in value:
                widget.select(v)
        else:
            widget.value = value
    await pilot.press("ctrl+s")
    await settle(pilot)
    assert not isinstance(pilot.app.screen, FormScreen), screen_text(pilot.app)


async def test_a_new_clerk_follows_the_checklist_to_a_working_desk(tmp_path):
    app = make_app(tmp_path / "new.db")
    async with app.run_test(size=SIZE) as pilot:
        await _set_up(pilot)
        checklist = _checklist(app)
        await settle_until(pilot, lambda: checklist.display)
        text = screen_text(app)
        assert "First steps, 0 of 7 done" in text
        for step, key in STEP_KEYS.items():
            assert f" {key}  {_line(step)}" in text, step
        assert "Or import them from a spreadsheet" in text

        # each line as the screen offers it: its key opens the form on the record's tab
        walk = [
            # (a form of the three dates alone: what is typed lands in the first)
            ("council", "14/02/2022", {}, lambda: Council.get().protocol_adopted),
            ("wards", "North", {}, lambda: Ward.select().count() == 1),
            ("clerk", "Karen Doyle", {}, lambda: Officer.get(Officer.name == "Karen Doyle")),
            ("officers", "Sam Deputy", {}, lambda: Officer.select().count() == 2),
            ("members", "Cllr Ann Lee", {}, lambda: Member.select().count() == 1),
            ("groups", "Independents", {}, lambda: PartyGroup.select().count() == 1),
            ("committees", "Finance", {}, lambda: Committee.select().count() == 1),
        ]
        for done, (step, typed, fields, saved) in enumerate(walk, start=1):
            await pilot.press(STEP_KEYS[step])
            await settle(pilot)
            await _fill_and_save(pilot, typed, **fields)
            assert saved(), step
            await pilot.press("1")  # "1 comes back here"
            await settle_until(pilot, lambda: step not in [s.key for s in checklist.steps])
            text = screen_text(app)
            assert _line(step) not in text, step
            if done < len(walk):
                assert f"First steps, {done} of 7 done" in text
        # all done: the checklist is gone, the desk is the triage queue
        assert not checklist.display
        assert "First steps" not in screen_text(app)
        clerk = Officer.get(Officer.name == "Karen Doyle")
        assert "town_clerk" in clerk.roles and clerk.job_title == "Town Clerk"
        # the keys do nothing once their line is gone
        await pilot.press("W")
        await settle(pilot)
        assert not isinstance(app.screen, FormScreen)


async def test_the_import_line_opens_the_import_and_x_hides_the_list(tmp_path):
    app = make_app(tmp_path / "new.db")
    async with app.run_test(size=SIZE) as pilot:
        await _set_up(pilot)
        checklist = _checklist(app)
        await settle_until(pilot, lambda: checklist.display)
        await pilot.press("I")
        await settle(pilot)
        assert isinstance(app.screen, FormScreen)
        assert "Import from a spreadsheet" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("X")
        await settle(pilot)
        assert not checklist.display
        assert "First steps" not in screen_text(app)
        app.pane("dashboard").refresh_data()  # hidden stays hidden when the desk re-reads
        await settle(pilot)
        assert not checklist.display


async def test_esc_on_setup_asks_then_gives_the_keys_back(tmp_path):
    app = make_app(tmp_path / "new.db")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(*"Little")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert "Quit clerkdesk now?" in app.screen.question
        assert "Quit (y)" in screen_text(app) and "Go on (n)" in screen_text(app)
        await pilot.press("n")  # go on
        await settle(pilot)
        assert isinstance(app.screen, SetupScreen)
        assert app.focused is app.screen.query_one("#f-name", Input)
        await pilot.press(*" Snoring")  # what is typed next lands in the field
        assert app.screen.query_one("#f-name", Input).value == "Little Snoring"
        await pilot.press("escape", "escape")  # esc on the question is "go on" too
        await settle(pilot)
        assert isinstance(app.screen, SetupScreen)
        assert app.focused is app.screen.query_one("#f-name", Input)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, SetupScreen)
    assert Council.get().name == "Little Snoring"


async def test_esc_then_quit_leaves_without_a_council(tmp_path):
    app = make_app(tmp_path / "new.db")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("y")
        await pilot.pause()
        assert not app.is_running
    assert Council.select().count() == 0


async def test_right_and_left_switch_the_council_sub_tabs(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("7")
        await settle(pilot)
        tabs = app.query_one("#council-tabs", TabbedContent)
        assert tabs.active == "council-settings"
        seen = []
        for _ in range(4):
            await pilot.press("right")
            await settle(pilot)
            seen.append(tabs.active)
        assert seen == ["council-committees", "council-wards", "council-contacts",
                        "council-settings"]
        await pilot.press("left")
        await settle(pilot)
        assert tabs.active == "council-contacts"
        # the focus moves with the sub-tab, so n adds to the list shown
        assert app.focused in tabs.get_pane("council-contacts").query("*").nodes
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        said = {title: [b[2] for b in keys if isinstance(b, tuple)]
                for title, keys in app.screen.groups}
        assert any("previous / next sub-tab" in line for line in said["Council tab"])


async def test_the_clerk_setting_follows_an_officer_with_the_clerk_role(db):
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("7")
        await settle(pilot)
        assert "Test Clerk  (from the council settings)" in screen_text(app)
        await pilot.press("3", "n")
        await settle(pilot)
        await _fill_and_save(pilot, "Karen Doyle", roles=["town_clerk"])
        await pilot.press("7")
        await settle(pilot)
        text = screen_text(app)
        assert "Karen Doyle  (from the officers register)" in text
        assert "Clerk                    —" not in text


async def test_an_officer_without_dates_is_said_in_words(db):
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3", "n")
        await settle(pilot)
        await _fill_and_save(pilot, "New Starter")
        await settle(pilot)
        text = screen_text(app)
        assert "serving (start date not recorded)" in text
        assert "? to now" not in text


async def test_empty_lists_and_pick_lists_say_what_n_does(db):
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        await settle(pilot)
        text = screen_text(app)
        assert "0 members  (n adds the first member)" in text
        assert "No members yet" in text and "add the first member" in text
        assert "from a spreadsheet" in text
        await pilot.press("n")
        await settle(pilot)
        text = screen_text(app)  # the member form: no wards or groups to pick yet
        assert "No wards yet: add them on the Council tab (7, then → to Wards, n)." in text
        assert "No party groups yet" in text
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("slash", *"zzz")
        await settle(pilot)
        text = screen_text(app)
        assert "(esc in the filter clears it)" in text and "No members match" in text
        await pilot.press("escape", "escape")
        await pilot.press("7")  # the Council tab (built when first shown), then its committees
        await settle_until(pilot, lambda: app.pane_or_none("council") is not None
                           and app.pane("council").query("TabbedContent").first().has_focus_within)
        await pilot.press("right")
        await settle_until(pilot, lambda: "0 committees" in screen_text(app))
        text = screen_text(app)
        assert "0 committees  (n adds the first committee)" in text
        assert "No committees yet" in text
        await pilot.press("4", "n")  # a request needs a member: the form says where to add one
        await settle(pilot)
        assert isinstance(app.screen, FormScreen)
        assert "No members yet: add them on the Members tab (2, n)." in screen_text(app)
