"""Meeting mode hides confidential names everywhere on screen, and survives a restart."""
from __future__ import annotations

import html
import re

from clerkdesk.models.casework import privacy
from clerkdesk.models.core.schema import Case
from clerkdesk.models.store import opening
from clerkdesk.tui.app import TABS, ClerkDesk

SIZE = (120, 40)


def screen_text(app) -> str:
    """The text on screen now (from the SVG screenshot, tags and entities removed)."""
    svg = app.export_screenshot()
    text = re.sub(r"<[^>]+>", "", svg)
    return html.unescape(text).replace("\xa0", " ")


def secrets() -> list[str]:
    """The subjects of private cases (confidential ones and every complaint)."""
    return [c.subject[:20] for c in Case.select().where(Case.confidential | (Case.type == "complaint"))]


def complaint_people() -> set[str]:
    """Everyone named as complainant or subject of a complaint."""
    names = set()
    for c in Case.select().where(Case.type == "complaint"):
        for person in (c.complainant_member, c.complainant_officer, c.subject_member, c.subject_officer):
            if person is not None:
                names.add(person.name)
    return names


async def test_meeting_mode_hides_private_subjects_on_every_tab(demo_db):
    opening.open_database(demo_db)
    app = ClerkDesk(demo_db)
    hidden = secrets()
    assert hidden
    async with app.run_test(size=SIZE) as pilot:
        # before: at least one private subject is visible somewhere
        seen_before = set()
        for n in range(1, len(TABS) + 1):
            await pilot.press(str(n))
            await pilot.pause()
            text = screen_text(app)
            seen_before |= {s for s in hidden if s in text}
        assert seen_before, "the test would prove nothing if nothing private were ever shown"

        await pilot.press("1", "m")
        await pilot.pause()
        assert "MEETING MODE" in screen_text(app)
        for n in range(1, len(TABS) + 1):
            await pilot.press(str(n))
            await pilot.pause()
            text = screen_text(app)
            leaks = [s for s in hidden if s in text]
            assert not leaks, f"tab {n} shows {leaks}"
        # on the Complaints tab no complainant or subject is named at all
        await pilot.press("6")
        await pilot.pause()
        text = screen_text(app)
        assert not [n for n in complaint_people() if n in text]
        # the detail opened full size is masked too
        await pilot.press("6", "enter")
        await pilot.pause()
        text = screen_text(app)
        assert not [s for s in hidden if s in text]
    assert privacy.is_on()


async def test_meeting_mode_survives_a_restart(demo_db):
    opening.open_database(demo_db)
    privacy.set_mode(True)
    app = ClerkDesk(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.meeting_mode
        assert app.query_one("#meeting-banner").display
        await pilot.press("m")
        await pilot.pause()
        assert not app.query_one("#meeting-banner").display
    assert not privacy.is_on()
