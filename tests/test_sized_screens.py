"""Every screen has its size classes from the start, and the desk is not laid out again
behind a modal while the terminal keeps its size (screens/sized.py). Work is counted
(calls), never timed."""
from __future__ import annotations

import pytest
from helpers import make_app, settle

from clerkdesk.screens.sized import Desk, SizedScreen


SIZES = [((120, 40), {"-wide", "-tall"}), ((80, 24), {"-narrow", "-short"}),
         ((100, 30), {"-wide", "-tall"}), ((99, 29), {"-narrow", "-short"}),
         ((100, 29), {"-wide", "-short"}), ((0, 0), {"-narrow", "-short"})]


async def test_the_classes_for_a_size(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)):
        desk = Desk()  # (made in the running app: the app's breakpoints)
        for size, chosen in SIZES:
            classes = desk.size_classes(*size)
            assert set(classes) == {"-narrow", "-wide", "-short", "-tall"}
            assert {name for name, on in classes.items() if on} == chosen, size


def test_a_screen_made_outside_an_app_has_no_size_classes():
    assert not {"-narrow", "-wide", "-short", "-tall"} & set(Desk().classes)


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_the_desk_and_a_modal_have_their_classes_before_their_first_layout(demo_db, size):
    made = []
    original = SizedScreen.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        made.append((self, set(self.classes)))

    SizedScreen.__init__ = init
    try:
        app = make_app(demo_db)
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            await pilot.press("question_mark")
            await settle(pilot)
            assert isinstance(app.screen_stack[0], Desk)
            kinds = {type(screen).__name__ for screen, _ in made}
            assert {"Desk", "HelpScreen"} <= kinds, kinds
            for screen, at_first in made:  # the first Resize changed nothing
                assert at_first == set(screen.classes), type(screen).__name__
            wide = size[0] >= 100
            assert app.screen.has_class("-wide" if wide else "-narrow")
            # still a ModalScreen to Textual's CSS: the desk shows through its background
            assert "ModalScreen" in app.screen._css_type_names
            assert app.screen.styles.background.a < 1
    finally:
        SizedScreen.__init__ = original


async def test_the_desk_is_laid_out_again_behind_a_modal_only_when_the_size_changes(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        desk = app.screen_stack[0]
        resized = []  # layouts for a new size (a Resize's; the desk's own refreshes pass none)
        original = desk._refresh_layout

        def refresh_layout(size=None, scroll=False):
            if size is not None:
                resized.append(size)
            return original(size, scroll)

        desk._refresh_layout = refresh_layout
        await pilot.press("question_mark")
        await settle(pilot)
        assert app.screen is not desk
        assert resized == []  # the modal's first Resize left the desk as it was
        await pilot.resize_terminal(90, 30)
        await settle(pilot)
        assert resized and resized[-1].width == 90  # a new size lays it out at once
        assert desk.has_class("-narrow") and app.screen.has_class("-narrow")
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is desk and desk.outer_size.width == 90
