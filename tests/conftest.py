"""Shared fixtures: real SQLite casebooks in pytest's tmp_path, never mocks.

- `db`: a fresh, empty casebook with one Council row ("Testham Town Council", nation
  England). The database is open and the models are bound to it; yields its path.
- `demo_db`: a fresh copy of the demo council (fixtures/demo.py, dated relative to
  today), open and bound; yields its path. The demo is built once per test session and
  copied for each test, so a test may change it freely.

Both close the database afterwards. A test may call `open_database(path)` again (the
app tests do): that simply rebinds the models to the same file.
"""
from __future__ import annotations

import shutil

import pytest

from clerkdesk.fixtures.demo import build_demo
from clerkdesk.models.db import close_database, open_database
from clerkdesk.models import audit, council


@pytest.fixture
def db(tmp_path):
    """An empty casebook with a Council row; yields the path, database open."""
    path = tmp_path / "casebook.db"
    open_database(path)
    council.create({"name": "Testham Town Council", "kind": "town", "profile": "town"})
    row = council.get()
    row.clerk_name = "Test Clerk"
    row.save()  # the name only; the audit entry above covers the row it made
    audit.record("update", "council", row.id, {"clerk_name": ["", "Test Clerk"]})
    yield path
    close_database()


@pytest.fixture(scope="session")
def _demo_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo-template") / "demo.db"
    build_demo(path)  # leaves the database closed, its WAL checkpointed into the file
    return path


@pytest.fixture
def demo_db(tmp_path, _demo_template):
    """A private copy of the demo council; yields the path, database open."""
    path = tmp_path / "demo.db"
    shutil.copyfile(_demo_template, path)
    open_database(path)
    yield path
    close_database()
