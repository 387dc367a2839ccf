"""The clerk's own state (saved views, each tab's last filter, meeting mode) lives in the
clerk's config folder, one section per casebook, never in the shared casebook; a file
that cannot be read or written never stops the app."""
from __future__ import annotations

import json
import shutil

import pytest
from helpers import SIZE, make_app, settle

from clerkdesk.models.casework import privacy, saved_views
from clerkdesk.models.core import user
from clerkdesk.models.core.db import close_database
from clerkdesk.models.core.schema import Setting
from clerkdesk.models.store.opening import open_database


@pytest.fixture
def clerk(tmp_path, monkeypatch):
    """Switch to a clerk's own (empty) config folder: clerk("alice")."""
    def switch(name: str):
        folder = tmp_path / "config" / name
        monkeypatch.setenv("XDG_CONFIG_HOME", str(folder))
        return folder / "clerkdesk" / "state.json"

    return switch


@pytest.fixture
def two_casebooks(tmp_path, _demo_template):
    paths = []
    for name in ("north.db", "south.db"):
        path = tmp_path / name
        shutil.copyfile(_demo_template, path)
        paths.append(path)
    yield paths
    close_database()


def use(path) -> None:
    open_database(path, backup=False)


def test_two_casebooks_keep_their_own_views_filters_and_meeting_mode(two_casebooks, clerk):
    north, south = two_casebooks
    state_file = clerk("alice")
    use(north)
    saved_views.save_view("requests", "Late ones", "due:overdue")
    saved_views.remember("requests", "kind:info")
    privacy.set_mode(True)
    use(south)
    assert saved_views.saved("requests") == []
    assert saved_views.last_filter("requests") == ""
    assert not privacy.is_on()
    saved_views.remember("requests", "status:new")
    use(north)
    assert saved_views.saved("requests") == [{"name": "Late ones", "filter": "due:overdue"}]
    assert saved_views.last_filter("requests") == "kind:info" and privacy.is_on()
    # one file in the clerk's folder, a section per casebook, keyed by its resolved path
    books = json.loads(state_file.read_text())["casebooks"]
    assert set(books) == {str(north.resolve()), str(south.resolve())}
    assert books[str(south.resolve())]["last_view:requests"] == "status:new"
    # and nothing of it in the casebooks themselves
    for path in (north, south):
        use(path)
        assert not Setting.select().where(Setting.key.startswith("views:")
                                          | Setting.key.startswith("last_view:")
                                          | (Setting.key == "meeting_mode")).exists()


def test_two_clerks_on_one_casebook_keep_their_own(two_casebooks, clerk):
    north, _south = two_casebooks
    use(north)
    clerk("alice")
    saved_views.save_view("complaints", "Mine", "owner:marsh")
    privacy.set_mode(True)
    clerk("bob")
    assert saved_views.saved("complaints") == [] and not privacy.is_on()
    saved_views.save_view("complaints", "Bob's", "status:new")
    clerk("alice")
    assert [v["name"] for v in saved_views.saved("complaints")] == ["Mine"]
    assert privacy.is_on()


def test_a_casebook_from_before_starts_from_its_setting_rows_and_never_writes_them(
        two_casebooks, clerk):
    north, _south = two_casebooks
    use(north)
    old = {"views:requests": json.dumps([{"name": "Old view", "filter": "kind:info"}]),
           "last_view:members": json.dumps("ward:abbey"), "meeting_mode": "on"}
    for key, value in old.items():
        Setting.create(key=key, value=value)
    clerk("alice")
    assert saved_views.saved("requests") == [{"name": "Old view", "filter": "kind:info"}]
    assert saved_views.last_filter("members") == "ward:abbey" and privacy.is_on()
    saved_views.delete_view("requests", "Old view")
    saved_views.remember("members", "")
    privacy.set_mode(False)
    assert saved_views.saved("requests") == [] and not privacy.is_on()  # taken once only
    kept = {s.key: s.value for s in Setting.select().where(Setting.key.in_(list(old)))}
    assert kept == old  # the rows were never written
    clerk("bob")  # another clerk's first start also begins from them
    assert saved_views.saved("requests") == [{"name": "Old view", "filter": "kind:info"}]


def test_a_postgres_casebook_is_keyed_without_its_password():
    key = user.casebook_key("postgresql://clerk:s3cret@db.example:5433/council?sslmode=require"
                            "&password=other")
    assert key == "postgresql://clerk@db.example:5433/council?sslmode=require"
    assert user.casebook_key("postgresql://clerk@db/council") == "postgresql://clerk@db/council"


def recording(app) -> list[str]:
    """The messages the app shows from now on."""
    told = []
    shown = app.notify

    def notify(message, **kwargs):
        told.append(str(message))
        return shown(message, **kwargs)

    app.notify = notify
    return told


async def test_a_damaged_state_file_is_told_once_and_the_app_starts(two_casebooks, clerk):
    north, _south = two_casebooks
    state_file = clerk("alice")
    state_file.parent.mkdir(parents=True)
    state_file.write_text("{ this is not json")
    app = make_app(north)
    told = recording(app)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4")
        await settle(pilot)
        pane = app.pane("requests")
        assert pane.filter_text == "" and not app.meeting.on  # the defaults
        await pilot.press("slash", *"kind:info", "enter")  # a change: a fresh file
        await settle(pilot)
        await pilot.press("f", "escape")
        await pilot.pause()
    problems = [text for text in told if "saved views" in text]
    assert len(problems) == 1 and "could not be read" in problems[0]
    assert str(state_file) in problems[0]
    assert json.loads(state_file.read_text())["casebooks"][str(north.resolve())][
        "last_view:requests"] == "kind:info"
    assert state_file.with_name("state.json.damaged").read_text() == "{ this is not json"


async def test_an_unwritable_config_folder_is_told_once_and_the_views_last_the_run(
        two_casebooks, tmp_path, monkeypatch):
    north, _south = two_casebooks
    not_a_folder = tmp_path / "config"
    not_a_folder.write_text("a file where the config folder should be")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(not_a_folder))
    app = make_app(north)
    told = recording(app)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4")
        await settle(pilot)
        for text in ("kind:info", "status:new"):
            await pilot.press("slash", "ctrl+u", *text, "enter")
            await settle(pilot)
        await pilot.press("m", "m")
        await pilot.pause()
        assert saved_views.last_filter("requests") == "status:new"  # kept for the run
    problems = [text for text in told if "saved views" in text]
    assert len(problems) == 1 and "could not be saved" in problems[0]


def test_an_unwritable_config_folder_never_raises(two_casebooks, tmp_path, monkeypatch):
    north, _south = two_casebooks
    use(north)
    not_a_folder = tmp_path / "config"
    not_a_folder.write_text("a file where the config folder should be")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(not_a_folder))
    told = []
    user.on_state_problem(told.append)
    saved_views.remember("requests", "kind:info")
    saved_views.save_view("requests", "Kept", "kind:info")
    assert saved_views.last_filter("requests") == "kind:info"
    assert saved_views.saved("requests") == [{"name": "Kept", "filter": "kind:info"}]
    assert len(told) == 1 and "could not be saved" in told[0]
