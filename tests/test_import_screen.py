"""Importing from a CSV through the app: the preview explains every bad line; nothing is
written unless all rows are right."""
from __future__ import annotations

from helpers import SIZE, fill_and_preview, make_app, settle
from textual.widgets import Static

from clerkdesk.models.core.schema import Ward
from clerkdesk.screens.form import FormScreen
from clerkdesk.screens.import_screen import ImportPreviewScreen


async def test_a_bad_file_is_explained_and_nothing_is_added(demo_db, tmp_path):
    bad = tmp_path / "wards.csv"
    bad.write_text("Ward name,Notes\nRiverside,new ward\n,no name here\n", encoding="utf-8")
    before = Ward.select().count()
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await fill_and_preview(pilot, app, bad)
        screen = app.screen
        assert isinstance(screen, ImportPreviewScreen)
        text = str(screen.query_one("#import-body Static").render())
        assert "line 3" in text
        await pilot.press("ctrl+s")
        await settle(pilot)  # (the preview and the import run on workers)
        assert isinstance(app.screen, ImportPreviewScreen)  # refused
    assert Ward.select().count() == before


async def test_a_good_file_is_added_in_one_go(demo_db, tmp_path):
    good = tmp_path / "wards.csv"
    good.write_text("Ward name,Notes\nRiverside,new ward\nHilltop,\n", encoding="utf-8")
    before = Ward.select().count()
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await fill_and_preview(pilot, app, good)
        assert isinstance(app.screen, ImportPreviewScreen)
        await pilot.press("ctrl+s")
        await settle(pilot)  # (the preview and the import run on workers)
        assert not isinstance(app.screen, ImportPreviewScreen)
    assert Ward.select().count() == before + 2


async def test_a_missing_file_is_a_sentence_on_the_field(demo_db, tmp_path):
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await fill_and_preview(pilot, app, tmp_path / "nowhere.csv")
        form = app.screen
        assert isinstance(form, FormScreen)
        assert "no file" in str(form.query_one("#err-path", Static).render())
