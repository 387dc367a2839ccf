"""A write refused because its record was changed behind clerkdesk's back (chain.Tampered)
is said in the app, in the form or as a toast, and never crashes the desk or saves."""
from __future__ import annotations

import sqlite3

from textual.widgets import Input, Static

from clerkdesk.models.core.schema import Member
from clerkdesk.screens.form import FormScreen

from helpers import make_app, settle, settle_until


def _rename_behind_its_back(path, member_id: int) -> None:
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("UPDATE member SET name = 'Someone Else' WHERE id = ?", (member_id,))
    con.close()


async def test_saving_a_member_changed_outside_clerkdesk_is_refused_in_the_form(demo_db):
    app = make_app(demo_db)
    member = Member.select().order_by(Member.id).first()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("2")
        await settle(pilot)
        app.pane("members").open_form(member.id)
        # the form mounts its fields over a few frames: every one built and settled first
        await settle_until(pilot, lambda: isinstance(app.screen, FormScreen) and app.screen.built
                           and not app.screen._unsettled)
        form = app.screen
        assert isinstance(form, FormScreen)
        _rename_behind_its_back(demo_db, member.id)
        form.query_one("#f-phone", Input).value = "07700 900999"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form and app.is_running  # refused, said, not a crash
        message = str(form.query_one("#form-message", Static).render())
        assert "changed outside clerkdesk" in message
        assert form.query_one("#f-phone", Input).value == "07700 900999"  # text kept
    assert Member.get_by_id(member.id).phone == member.phone


async def test_undo_of_a_tampered_change_is_refused_with_a_toast(demo_db):
    app = make_app(demo_db)
    member = Member.select().order_by(Member.id).first()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("2")
        await settle(pilot)
        app.pane("members").open_form(member.id)
        # the form mounts its fields over a few frames: every one built and settled first
        await settle_until(pilot, lambda: isinstance(app.screen, FormScreen) and app.screen.built
                           and not app.screen._unsettled)
        app.screen.query_one("#f-phone", Input).value = "07700 900888"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert Member.get_by_id(member.id).phone == "07700 900888"
        _rename_behind_its_back(demo_db, member.id)
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert app.is_running
        said = [n.message for n in app._notifications]
        assert any("outside clerkdesk" in m for m in said), said
    assert Member.get_by_id(member.id).phone == "07700 900888"
