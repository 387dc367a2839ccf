"""Meeting mode hides confidential names everywhere on screen, at once on every pane and
open screen (one signal they watch), and survives a restart."""
from __future__ import annotations

import gc
import weakref

from helpers import SIZE, make_app, screen_text, settle

from clerkdesk.models.casework import privacy
from clerkdesk.models.core.schema import Case
from clerkdesk.screens.meeting import MeetingBanner
from clerkdesk.screens.wizard import WizardScreen
from clerkdesk.tui.tabs import TABS


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
    app = make_app(demo_db)
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


async def test_toggling_redraws_panes_already_open_without_reading_again(demo_db):
    """The Dashboard and a built tab hear the toggle through the signal and redraw what
    they hold: the names go in the same key press, before any new read."""
    complaint = Case.select().where(Case.type == "complaint").order_by(Case.id).first()
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("6")  # the Complaints tab, built and shown
        await settle(pilot)
        complaints = app.pane("complaints")
        complaints.show_row(complaint.id)
        await settle(pilot)
        assert complaint.subject[:20] in screen_text(app)
        dashboard = app.pane("dashboard")
        reads = []
        dashboard.refresh_data = lambda *a, **k: reads.append(a)  # no read may be needed
        await pilot.press("m")  # no pause: the redraw happened within the key press
        assert app.meeting.on and complaints.meeting_mode and dashboard.meeting_mode
        assert complaint.subject[:20] not in screen_text(app)
        assert privacy.HIDDEN in complaints.query_one(".detail").query_one(".detail-body").render().plain
        assert reads == []  # the Dashboard redrew what it had read
        await pilot.press("1")
        await pilot.pause()
        text = screen_text(app)
        assert not [s for s in secrets() if s in text]
        await pilot.press("m")
        await pilot.pause()
        assert not complaints.meeting_mode and not app.query_one(MeetingBanner).display


async def test_an_open_record_and_the_wizard_follow_the_toggle(demo_db):
    complaint = Case.select().where(Case.type == "complaint").order_by(Case.id).first()
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        pane = await app.show_tab("complaints")
        pane.show_row(complaint.id)
        await settle(pilot)
        await pilot.press("enter")  # the record full size
        await pilot.pause()
        assert app.screen.__class__.__name__ == "DetailScreen"
        assert complaint.subject[:20] in screen_text(app)
        app.action_toggle_meeting_mode()
        await pilot.pause()
        assert app.screen.__class__.__name__ == "DetailScreen"  # still open, now masked
        assert complaint.subject[:20] not in screen_text(app)
        app.action_toggle_meeting_mode()
        await pilot.pause()
        assert complaint.subject[:20] in screen_text(app)
        await pilot.press("escape", "w")  # the wizard's title names the case
        await pilot.pause()
        assert isinstance(app.screen, WizardScreen)
        assert complaint.subject[:20] in screen_text(app)
        app.action_toggle_meeting_mode()
        await pilot.pause()
        assert complaint.subject[:20] not in screen_text(app)
        assert complaint.ref in screen_text(app)


async def test_a_closed_record_is_not_kept_by_its_watch(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4")
        await settle(pilot)
        await pilot.press("enter")
        await pilot.pause()
        opened = weakref.ref(app.screen)
        assert type(opened()).__name__ == "DetailScreen"
        await pilot.press("escape")
        await pilot.pause()
        await pilot.pause()
        gc.collect()
        assert opened() is None
        await pilot.press("m")  # and the toggle still reaches the panes that are there
        await pilot.pause()
        assert app.pane("requests").meeting_mode


async def test_meeting_mode_survives_a_restart(demo_db):
    privacy.set_mode(True)
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.meeting.on
        assert app.query_one("#meeting-banner").display
        await pilot.press("m")
        await pilot.pause()
        assert not app.query_one("#meeting-banner").display
    assert not privacy.is_on()


async def test_the_dimmed_desk_behind_a_modal_follows_the_toggle(demo_db):
    """A modal keeps the tinted desk beneath it (screens/modal.py), so it is drawn once a
    modal; meeting mode turned on while the modal is open draws the desk again, masked:
    a subject shown dimmed behind the box is not left there."""
    from clerkdesk.screens.confirm import ConfirmScreen

    complaint = Case.select().where(Case.type == "complaint").order_by(Case.id).first()
    subject = complaint.subject[:20]
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        pane = await app.show_tab("complaints")
        pane.show_row(complaint.id)
        await settle(pilot)
        assert subject in screen_text(app)
        app.push_screen(ConfirmScreen("Carry on?"))
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert subject in screen_text(app)  # the desk, dimmed behind the box
        kept = app.screen._kept_desk
        assert kept is not None
        app.screen.refresh()  # drawn again: from the same kept desk
        await pilot.pause()
        assert app.screen._kept_desk is kept
        app.action_toggle_meeting_mode()
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert subject not in screen_text(app)
        assert complaint.ref in screen_text(app)  # the row is there, masked
        app.action_toggle_meeting_mode()
        await pilot.pause()
        assert subject in screen_text(app)
