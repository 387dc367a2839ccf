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
