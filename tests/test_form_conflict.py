"""Two clerks, one record: the form never overwrites someone else's save. It says who
changed what and when, and offers reload (take theirs) or keep mine (to copy from)."""
from __future__ import annotations

import os

from textual.widgets import Input, Static

from clerkdesk.models.casework import records, registers
from clerkdesk.models.core.schema import Member
from clerkdesk.models.store import opening
from clerkdesk.screens.form import FormScreen
from clerkdesk.tui.app import ClerkDesk

#: on SQLite and on PostgreSQL (conftest.py)
BOTH_ENGINES = True


def _save_as(user: str, member_id: int, **changes) -> None:
    os.environ["CLERKDESK_USER"] = user
    try:
        member = Member.get_by_id(member_id)
        raw = records.form_values(registers.MEMBERS, member) | changes
        records.save(registers.MEMBERS, raw, member_id, expected_version=member.version)
    finally:
        del os.environ["CLERKDESK_USER"]


async def test_a_stale_save_shows_who_changed_what_then_reload_or_keep_mine(demo_db):
    opening.open_database(demo_db)
    app = ClerkDesk(demo_db)
    member = Member.select().order_by(Member.id).first()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        app.pane("members").open_form(member.id)
        await pilot.pause()
        form = app.screen
        assert isinstance(form, FormScreen)
        # the other clerk saves the same member while this form is open
        _save_as("Bob Other", member.id, email="bob-set@example.org")
        phone = form.query_one("#f-phone", Input)
        phone.value = "07700 900123"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form  # nothing was overwritten, the form stays
        message = str(form.query_one("#form-message", Static).render())
        assert "Bob Other" in message and "email" in message and "Nothing was saved" in message
        assert form.query_one("#conflict-buttons").display
        assert Member.get_by_id(member.id).phone == member.phone
        # keep mine: the text stays to copy, saving stays refused
        await pilot.click("#keep-mine")
        await pilot.pause()
        assert phone.value == "07700 900123"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form and Member.get_by_id(member.id).phone == member.phone
        assert "reload" in str(form.query_one("#form-message", Static).render()).lower()
        # reload: their version comes in; then a save goes through on top of theirs
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert form.query_one("#f-email", Input).value == "bob-set@example.org"
        assert phone.value == (member.phone or "")
        assert not form.query_one("#conflict-buttons").display
        phone.value = "07700 900123"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, FormScreen)
    saved = Member.get_by_id(member.id)
    assert saved.email == "bob-set@example.org" and saved.phone == "07700 900123"
    assert saved.version == member.version + 2
