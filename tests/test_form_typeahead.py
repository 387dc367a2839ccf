"""Keys that arrive in one burst (typing ahead while a form opens, a paste, tmux's
send-keys) and end with ctrl+s: the form saves what the fields show. ctrl+s is a priority
key and used to run before the field had taken the keys queued ahead of it, so the setup
screen said "Council name is needed" under a name it showed."""
from __future__ import annotations

from helpers import SIZE, make_app, settle
from textual import events

from clerkdesk.models.core.schema import Council, Ward
from clerkdesk.screens.form import FormScreen
from clerkdesk.screens.setup import SetupScreen


def _burst(app, text: str, *then: str) -> None:
    """*text* then the keys *then*, posted at once as a terminal delivers a burst."""
    for ch in text:
        app.post_message(events.Key("space" if ch == " " else ch, ch))
    for key in then:
        app.post_message(events.Key(key, None))


async def test_a_name_typed_in_a_burst_with_ctrl_s_is_saved(tmp_path):
    app = make_app(tmp_path / "new.db")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, SetupScreen)
        _burst(app, "Ashcombe Town Council", "ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, SetupScreen)
    assert Council.get().name == "Ashcombe Town Council"


async def test_a_register_form_saved_in_a_burst_keeps_every_key(db):
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("7", "right", "right", "n")  # Council tab → Wards, a new ward
        await settle(pilot)
        assert isinstance(app.screen, FormScreen)
        _burst(app, "Abbey Ward", "ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, FormScreen)
    assert [w.name for w in Ward.select()] == ["Abbey Ward"]
