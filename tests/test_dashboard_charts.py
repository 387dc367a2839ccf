"""The Dashboard's charts (screens/widgets/charts.py) with the demo data, driven through
Pilot: shown at 120x40, behind g at 80x24, read on a worker (never while hidden), and
masked in meeting mode without another read; plus SVG snapshots at both sizes."""
from __future__ import annotations

import datetime as dt

import pytest
from helpers import SIZE, make_app, screen_text, settle, settle_until

from clerkdesk.fixtures.demo import build_demo
from clerkdesk.models.casework import privacy, stats
from clerkdesk.models.core import db
from clerkdesk.models.store import opening
from clerkdesk.screens.widgets.charts import DeskCharts
from clerkdesk.tui.app import ClerkDesk
from textual.widgets import Sparkline

SMALL = (80, 24)


def _charts(app) -> DeskCharts:
    return app.query_one("#dash-charts", DeskCharts)


def _drawn(app, reads: int = 1):
    def ready() -> bool:
        """the charts have been read and drawn"""
        return _charts(app).reads >= reads
    return ready


async def test_the_charts_show_the_demo_figures_at_120x40(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle_until(pilot, _drawn(app))
        charts = _charts(app)
        assert charts.display
        f = stats.figures()
        assert app.query_one("#spark-opened", Sparkline).data == f.flow.opened
        assert app.query_one("#spark-closed", Sparkline).data == f.flow.closed
        assert app.query_one("#spark-overdue", Sparkline).data == f.trend.overdue
        text = screen_text(app)
        for label in ("Opened / week", "Closed / week", "Overdue", "Days to answer",
                      "Open by ward"):
            assert label in text
        assert f"{sum(f.flow.opened)} in 13 weeks" in text
        assert f"limit {f.answers.limit} ({f.answers.clause})" in text
        for ward, n in privacy.ward_counts(f.wards, meeting_mode=False)[:3]:
            assert f"{ward} " in text and str(n) in text
        assert f.answers.count and f"median {f.answers.median:g}" in text


async def test_the_charts_lines_are_built_with_the_first_figures(demo_db, monkeypatch):
    """The desk's first frame lays out only the charts' heading; the lines come with the
    first figures, once, and later figures are drawn into the same lines."""
    asked = []
    monkeypatch.setattr(DeskCharts, "_read", lambda self: asked.append(self))  # held back
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle_until(pilot, lambda: app.pane("dashboard").shown)
        await settle(pilot)
        charts = _charts(app)
        assert asked and charts.reads == 0  # asked for, not read
        assert len(charts.children) == 1 and not charts.query(".chart-line")
        assert "reading the casebook" in screen_text(app)
        charts._done(stats.figures())
        await settle(pilot)
        lines = list(charts.query(".chart-line"))
        assert len(lines) == 5 and "Opened / week" in screen_text(app)
        charts._done(stats.figures())
        await settle(pilot)
        assert list(charts.query(".chart-line")) == lines


async def test_at_80x24_the_charts_wait_for_g_and_are_read_only_then(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=SMALL) as pilot:
        await settle_until(pilot, lambda: app.pane("dashboard").shown)
        await settle(pilot)
        charts = _charts(app)
        assert not charts.display and charts.reads == 0  # hidden: nothing read
        assert "Days to answer" not in screen_text(app)
        await pilot.press("g")
        await settle_until(pilot, _drawn(app))
        assert charts.display and charts.reads == 1
        text = screen_text(app)
        assert "Opened / week" in text and "Open by ward" in text
        await pilot.press("g")
        await pilot.pause()
        assert not charts.display and "Opened / week" not in screen_text(app)


async def test_a_change_is_read_again_after_the_queue(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle_until(pilot, _drawn(app))
        app.pane("dashboard").refresh_data()
        await settle_until(pilot, _drawn(app, 2))
        assert _charts(app).reads == 2


async def test_meeting_mode_masks_the_wards_without_reading_again(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle_until(pilot, _drawn(app))
        charts = _charts(app)
        rows = stats.open_by_ward()
        assert any(r.hidden for r in rows)  # the demo has complaints and confidential cases
        line = app.query_one("#chart-wards-text").render()
        assert "meeting mode" not in str(line)
        await pilot.press("m")
        await pilot.pause()
        assert app.meeting.on and charts.meeting_mode and charts.reads == 1
        masked = str(app.query_one("#chart-wards-text").render())
        for ward, n in privacy.ward_counts(rows, meeting_mode=True):
            assert f"{ward} " in masked
            assert (f"{ward} <{privacy.SMALL_COUNT}" if n is None else str(n)) in masked
        assert "complaints and confidential cases not counted" in masked
        # the totals with hidden cases are not on screen
        for r in rows:
            if r.hidden and r.ward != stats.NO_WARD:
                assert f"{r.ward} {r.total}" not in masked.replace("█ ", "").replace("▆ ", "")
        await pilot.press("m")
        await pilot.pause()
        assert "meeting mode" not in str(app.query_one("#chart-wards-text").render())


async def test_meeting_mode_turns_a_small_ward_into_fewer_than_three(db):
    """A ward with one open request: its count is hidden in meeting mode."""
    from clerkdesk.models.casework import case_lists, records, registers

    ward = records.save(registers.WARDS, {"name": "Priory"})
    m = records.save(registers.MEMBERS, {"name": "Cllr Pat Prior", "ward": str(ward.id)})
    records.save(case_lists.REQUESTS, {"kind": "information", "subject": "Bins",
                                       "member": str(m.id), "received": "today"})
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await settle_until(pilot, _drawn(app))
        assert "Priory █ 1" in screen_text(app) and "<3" not in screen_text(app)
        await pilot.press("m")
        await pilot.pause()
        assert "Priory <3" in screen_text(app)


async def test_g_is_in_the_keys(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle_until(pilot, _drawn(app))
        await pilot.press("question_mark")
        await pilot.pause()
        assert "Charts" in screen_text(app)


# --- snapshots (tests/test_snapshots.py's way: the demo with today pinned) -------------------

TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def pinned_demo(tmp_path, monkeypatch):
    monkeypatch.setenv("CLERKDESK_TODAY", TODAY.strftime("%d/%m/%Y"))
    monkeypatch.setenv("CLERKDESK_USER", "Helen Marsh")
    path = tmp_path / "demo.db"
    build_demo(path, today=TODAY)
    opening.open_database(path)
    yield path
    db.close_database()


async def _charts_drawn(pilot) -> None:
    await settle_until(pilot, _drawn(pilot.app))
    await settle(pilot)


@pytest.mark.parametrize("size, keys", [((120, 40), []), ((120, 40), ["m"]), ((80, 24), ["g"])],
                         ids=["120x40", "120x40-meeting", "80x24"])
def test_dashboard_charts_snapshot(snap_compare, pinned_demo, size, keys):
    async def run_before(pilot) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
        await _charts_drawn(pilot)
        pilot.app.clear_notifications()  # (meeting mode's toast would cover the charts)
        await pilot.pause()

    assert snap_compare(ClerkDesk(pinned_demo), terminal_size=size, run_before=run_before)
