"""ctrl+p finds any record and the app's commands; in meeting mode nothing confidential."""
from __future__ import annotations

from helpers import SIZE, make_app, screen_text
from textual.command import CommandPalette

from clerkdesk.models.casework import privacy
from clerkdesk.models.core.schema import Case, Member


async def palette(pilot, app, text: str) -> None:
    await pilot.press("ctrl+p")
    await pilot.pause()
    assert isinstance(app.screen, CommandPalette)
    await pilot.press(*text)
    for _ in range(20):  # the palette searches after a short debounce
        await pilot.pause(0.1)
        await app.workers.wait_for_complete()
    await pilot.pause(0.2)


async def test_palette_finds_a_request_by_a_word_of_its_subject_and_opens_it(demo_db):
    case = Case.select().where((Case.type == "request") & ~Case.confidential
                               & Case.subject.contains("Christmas lights")).first()
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await palette(pilot, app, "christmas lights")
        assert case.ref in screen_text(app)
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert app.query_one("#tabs").active == "requests"
        assert app.pane("requests").selected_id() == case.id


async def test_palette_finds_a_member_and_a_command(demo_db):
    member = Member.select().where(~Member.archived).order_by(Member.name).first()
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await palette(pilot, app, member.name.split()[-1])
        assert member.name in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        await palette(pilot, app, "meeting mode")
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert app.meeting.on and privacy.is_on()


async def test_nothing_confidential_in_the_palette_in_meeting_mode(demo_db):
    secret = Case.select().where(Case.confidential).first()
    word = max(secret.subject.split(), key=len)
    privacy.set_mode(True)
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await palette(pilot, app, word)
        assert secret.subject not in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        # by its reference it is found, with its subject hidden
        await palette(pilot, app, secret.ref)
        text = screen_text(app)
        assert secret.ref in text and secret.subject not in text
