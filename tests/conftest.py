"""Shared fixtures: real SQLite casebooks in pytest's tmp_path, never mocks.

- `db`: a fresh, empty casebook with one Council row ("Testham Town Council", nation
  England). The database is open and the models are bound to it; yields its path.
- `demo_db`: a fresh copy of the demo council (fixtures/demo.py, dated relative to
  today), open and bound; yields its path. The demo is built once per test session and
  copied for each test, so a test may change it freely.

Both close the database afterwards. A test may call `open_database(path)` again (the
app tests do): that simply rebinds the models to the same file.

Engines: both fixtures run on SQLite unless a test module sets `BOTH_ENGINES = True`:
then each of its tests that uses a casebook runs on SQLite and on PostgreSQL (a throwaway server started once per session, in a temporary folder,
see pgserver.py; a database of its own per test, and on PostgreSQL `db`/`demo_db` yield
the postgresql:// URL). The PostgreSQL tier skips, saying why, only if no server starts.
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

# the user's cache folder (the bank holidays' copy) and config folder (the clerk's own
# settings and per-casebook state: saved views, last filters, meeting mode) are throwaway
# ones for the whole run, this process and the clerkdesk processes the tests start
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="clerkdesk-test-cache-")
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="clerkdesk-test-config-")

sys.path.insert(0, str(Path(__file__).parent))
import pgserver  # noqa: E402

from clerkdesk.fixtures.demo import build_demo
from clerkdesk.models.casework import council
from clerkdesk.models.core.db import close_database
from clerkdesk.models.store import audit
from clerkdesk.models.store.opening import open_database

ENGINES = ["sqlite", "postgres"]


def pytest_generate_tests(metafunc):
    """A module with `BOTH_ENGINES = True` runs each casebook test on both engines."""
    if getattr(metafunc.module, "BOTH_ENGINES", False) and "engine" in metafunc.fixturenames:
        only = metafunc.definition.get_closest_marker("sqlite_only")
        metafunc.parametrize("engine", ["sqlite"] if only else ENGINES)


@pytest.fixture
def engine():
    """The engine under test: SQLite unless the module parametrises `engine`."""
    return "sqlite"


@pytest.fixture(scope="session")
def pg_server():
    """A throwaway PostgreSQL server for the session (skips, saying why, if none starts)."""
    try:
        server = pgserver.start()
    except pgserver.PgUnavailable as exc:
        print(f"\nPostgreSQL tier skipped: {exc}", file=sys.stderr)
        pytest.skip(f"PostgreSQL tier skipped: {exc}")
    yield server
    server.stop()


def _pg_database(request, template=None):
    server = request.getfixturevalue("pg_server")
    name = server.create_database(template)
    request.addfinalizer(lambda: server.drop_database(name))
    return server.url(name)


@pytest.fixture
def db(request, tmp_path, engine):
    """An empty casebook with a Council row; yields the path (or URL), database open."""
    path = _pg_database(request) if engine == "postgres" else tmp_path / "casebook.db"
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


@pytest.fixture(scope="session")
def _pg_demo_template(pg_server, _demo_template):
    """The demo council copied into PostgreSQL once (`clerkdesk copy`'s own code), to be
    cloned per test with CREATE DATABASE ... TEMPLATE."""
    from clerkdesk.models.store import engine_copy

    name = pg_server.create_database()
    result = engine_copy.copy(_demo_template, pg_server.url(name))
    assert result.ok, result.lines()
    return name


@pytest.fixture
def demo_db(request, tmp_path, _demo_template, engine):
    """A private copy of the demo council; yields the path (or URL), database open."""
    if engine == "postgres":
        path = _pg_database(request, request.getfixturevalue("_pg_demo_template"))
    else:
        path = tmp_path / "demo.db"
        shutil.copyfile(_demo_template, path)
    open_database(path)
    yield path
    close_database()
