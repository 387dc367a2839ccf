"""SVG snapshots of the main tabs at 120x40 on the demo council, with "today" pinned.

Update them after a deliberate change of the look: `pytest tests/test_snapshots.py --snapshot-update`.
"""
from __future__ import annotations

import datetime as dt

import pytest
from helpers import settle

from clerkdesk.fixtures.demo import build_demo
from clerkdesk.models.core import db
from clerkdesk.models.store import opening
from clerkdesk.tui.app import ClerkDesk

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


@pytest.mark.parametrize("keys", [[], ["2"], ["4"], ["7"]], ids=["dashboard", "members", "requests", "council"])
def test_main_tabs(snap_compare, pinned_demo, keys):
    assert snap_compare(ClerkDesk(pinned_demo), terminal_size=(120, 40), press=keys,
                        run_before=settle)


async def _to_the_route(pilot) -> None:
    """The wizard on the queue's first case, answered with its defaults up to the route."""
    await settle(pilot)
    await pilot.press("w")
    for _ in range(6):
        await pilot.pause()
        if getattr(pilot.app.screen, "route", None) is not None:
            break
        await pilot.press("enter")
    await settle(pilot)


VIEWS = {"dashboard": [], "requests": ["4"], "complaints": ["6"]}


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (120, 40)], ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("view", [*VIEWS, "wizard"])
def test_sizes(snap_compare, pinned_demo, view, size):
    """The desk at a small laptop's 80x24, at 100x30 and at 120x40: it gives way on purpose
    (the columns by priority, short tab titles, the detail pane, the wizard's due date)."""
    if view == "wizard":
        assert snap_compare(ClerkDesk(pinned_demo), terminal_size=size, run_before=_to_the_route)
    else:
        assert snap_compare(ClerkDesk(pinned_demo), terminal_size=size, press=VIEWS[view],
                            run_before=settle)
