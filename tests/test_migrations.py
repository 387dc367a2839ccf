"""Migrations: a casebook made by each released schema version, kept in tests/data/, opens
in this clerkdesk with every row intact, a backup taken first, and its chain verified."""
from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from clerkdesk.models.core.db import (
    APPLICATION_ID,
    SCHEMA_VERSION,
    DatabaseError,
    close_database,
)
from clerkdesk.models.store import backup, files, integrity
from clerkdesk.models.store.opening import open_database

DATA = Path(__file__).parent / "data"
RELEASED = sorted(DATA.glob("schema_v*.db"))


def dump(path) -> dict[str, list[tuple]]:
    """Every table's rows, as plain tuples over the columns schema 1 had."""
    con = sqlite3.connect(path)
    out = {}
    for (table,) in con.execute("SELECT name FROM sqlite_master WHERE type='table' "
                                "AND name NOT LIKE 'sqlite_%' ORDER BY name"):
        out[table] = con.execute(f'SELECT * FROM "{table}" ORDER BY rowid').fetchall()
        out[table + ":columns"] = [r[1] for r in con.execute(f'PRAGMA table_info("{table}")')]
    con.close()
    return out


def test_there_is_a_file_for_every_released_version():
    versions = {int(p.stem.split("_v")[1]) for p in RELEASED}
    assert versions == set(range(1, SCHEMA_VERSION))


@pytest.mark.parametrize("source", RELEASED, ids=lambda p: p.stem)
def test_every_row_survives_the_migration(source, tmp_path):
    path = tmp_path / "old.db"
    shutil.copyfile(source, path)
    before = dump(path)
    open_database(path)
    close_database()
    after = dump(path)
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    con.close()
    for key, rows in before.items():
        if key.endswith(":columns"):
            continue
        old_cols = before[key + ":columns"]
        new_cols = after[key + ":columns"]
        assert new_cols[: len(old_cols)] == old_cols, key
        kept = [row[: len(old_cols)] for row in after[key]]
        if key == "setting":
            # the chain's head is recorded at upgrade
            assert ([r for r in kept if r[0] != "audit.head"]
                    == [r for r in rows if r[0] != "audit.head"])
        elif key == "audit":
            # entries appended at upgrade come after the old ones
            assert kept[: len(rows)] == rows
            added = {row[3] for row in kept[len(rows):]}
            assert added <= {"adopt", "upgrade"} and "upgrade" in added
        else:
            assert kept == rows, key
    report = integrity.check_path(path)
    assert report.ok, report.lines()
    # the backup taken before the upgrade is the old file, row for row
    copies = list(backup.backup_dir(path).glob("*before-upgrade-from-v*.db"))
    assert len(copies) == 1
    assert {k: v for k, v in dump(copies[0]).items()} == before


def test_a_newer_casebook_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / "future.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE council (id INTEGER PRIMARY KEY, name TEXT)")
    con.execute("CREATE TABLE audit (id INTEGER PRIMARY KEY)")
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    con.execute(f"PRAGMA application_id = {APPLICATION_ID}")  # a newer clerkdesk marks it
    con.commit()
    con.close()
    raw = path.read_bytes()
    with pytest.raises(DatabaseError, match="newer clerkdesk"):
        open_database(path)
    assert path.read_bytes() == raw
    assert not backup.backup_dir(path).exists()


def test_a_failed_migration_leaves_the_file_as_it_was(tmp_path, monkeypatch):
    from clerkdesk.models.store import migrations

    path = tmp_path / "old.db"
    shutil.copyfile(RELEASED[0], path)
    before = dump(path)

    def broken(database):
        migrations._v1_to_v2(database)
        raise RuntimeError("power cut")

    monkeypatch.setitem(migrations.MIGRATIONS, 1, broken)
    with pytest.raises(DatabaseError, match="left as it was"):
        open_database(path)
    close_database()
    assert dump(path) == before


def test_a_foreign_sqlite_file_is_refused(tmp_path):
    path = tmp_path / "other.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE recipes (id INTEGER PRIMARY KEY)")
    con.commit()
    con.close()
    with pytest.raises(DatabaseError, match="not a clerkdesk database"):
        open_database(path)


def test_migrated_casebook_accepts_new_writes(tmp_path):
    from clerkdesk.models.casework import records, registers

    path = tmp_path / "old.db"
    shutil.copyfile(RELEASED[0], path)
    open_database(path)
    try:
        records.save(registers.WARDS, {"name": "Riverside", "notes": ""})
    finally:
        close_database()
    assert integrity.check_path(path).ok
    assert files.read_user_version(path) == SCHEMA_VERSION
