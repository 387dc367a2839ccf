"""Backups, restore, file permissions, a busy database, synced folders, encryption and
retention: real files in tmp_path."""
from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import stat
import threading
import time

import pytest

from clerkdesk.models.casework import cases, records, registers, retention
from clerkdesk.models.core import db
from clerkdesk.models.core.db import DatabaseBusy, DatabaseError, WrongPassphrase, close_database
from clerkdesk.models.core.schema import Audit, Case, Council, Ward
from clerkdesk.models.store import audit, backup, engines, files, integrity, undo
from clerkdesk.models.store.opening import open_database
from clerkdesk.tui.__main__ import main

posix = pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@posix
def test_new_casebook_and_backups_are_owner_only(tmp_path):
    path = tmp_path / "new.db"
    open_database(path)
    records.save(registers.WARDS, {"name": "Abbey", "notes": ""})
    close_database()
    assert mode(path) == 0o600
    open_database(path)
    records.save(registers.WARDS, {"name": "Bridge", "notes": ""})  # backed up first
    close_database()
    made = backup.automatic_backups(path)
    assert made and all(mode(p) == 0o600 for p in made)
    assert mode(backup.backup_dir(path)) == 0o700


def test_reading_never_backs_up_and_writing_backs_up_once_per_change(demo_db):
    close_database()
    for _ in range(7):  # seven reads: the "7 in 15 s push out every older copy"
        open_database(demo_db)
        Ward.select().count()
        close_database()
    assert backup.automatic_backups(demo_db) == []
    assert not backup.backup_dir(demo_db).exists()
    open_database(demo_db)
    records.save(registers.WARDS, {"name": "One", "notes": ""})
    records.save(registers.WARDS, {"name": "Two", "notes": ""})  # same session: no second
    close_database()
    first = backup.automatic_backups(demo_db)
    assert len(first) == 1
    con = sqlite3.connect(first[0])  # the state before the session's first write
    assert con.execute("SELECT count(*) FROM ward WHERE name IN ('One', 'Two')").fetchone() == (0,)
    con.close()
    open_database(demo_db)
    records.save(registers.WARDS, {"name": "Three", "notes": ""})
    close_database()
    second = backup.automatic_backups(demo_db)
    assert len(second) == 2
    con = sqlite3.connect(second[-1])
    assert con.execute("SELECT count(*) FROM ward WHERE name IN ('One', 'Two')").fetchone() == (2,)
    con.close()
    open_database(demo_db)


def test_read_only_commands_never_back_up(demo_db, tmp_path, capsys):
    close_database()
    before = demo_db.read_bytes()
    for argv in (["check"], ["export", "members"], ["report", "--out", str(tmp_path / "r")],
                 ["export", "calendar", str(tmp_path / "c.ics")], ["retention"],
                 ["backup", str(tmp_path / "b.db")]):
        assert main(["--db", str(demo_db), *argv]) == 0, argv
    capsys.readouterr()
    assert not backup.backup_dir(demo_db).exists()
    assert demo_db.read_bytes() == before
    open_database(demo_db, backup=False)


def _days(*ages):
    now = dt.datetime(2026, 11, 28, 12, 0)
    return now, [now - dt.timedelta(days=a) for a in ages]


def test_backup_tiers_keep_the_last_seven_a_day_for_30_days_a_month_for_a_year():
    # twenty over three days (noon on the 28th back to the 26th, 21:36)
    now, taken = _days(*[i / 10 for i in range(20)])
    assert backup.keep(taken, now) == set(range(7)) | {16}  # the newest 7; the 26th's newest
    now, taken = _days(*range(0, 400))  # one a day for 400 days
    kept = sorted(backup.keep(taken, now))
    assert kept[:30] == list(range(30))  # the last 30 days, one each
    months = {(taken[i].year, taken[i].month) for i in kept}
    assert len(months) == 12  # and one for each month of the year
    assert max(kept) < 366
    assert len(kept) < 30 + 12
    # the newest of each month is the one kept
    for i in kept[30:]:
        assert taken[i - 1].month != taken[i].month


def test_automatic_backups_keep_the_tiers_and_the_councils_setting(demo_db):
    with db.database.atomic():
        Council.update(backups_kept=3).execute()
        audit.record("update", "council", 1, {"backups_kept": [7, 3]})
    close_database()
    shutil.rmtree(backup.backup_dir(demo_db))  # the one taken before the write above
    start = dt.datetime(2026, 11, 1, 9, 0)
    for i in range(5):  # five changes on one day: the newest 3 kept
        open_database(demo_db, backup=False)
        records.save(registers.WARDS, {"name": f"W{i}", "notes": ""})
        close_database()
        backup.automatic_backup(demo_db, now=start + dt.timedelta(minutes=i))
    assert len(backup.automatic_backups(demo_db)) == 3
    # unchanged since the newest: nothing new
    assert backup.automatic_backup(demo_db, now=start + dt.timedelta(hours=1)) is None
    open_database(demo_db)


def test_backup_cli_makes_a_checked_copy_and_restore_brings_it_back(demo_db, tmp_path, capsys):
    close_database()
    dest = tmp_path / "copy.db"
    assert main(["--db", str(demo_db), "backup", str(dest)]) == 0
    assert integrity.check_path(dest).ok
    assert main(["--db", str(demo_db), "backup", str(dest)]) == 1  # never overwrites
    open_database(demo_db, backup=False)
    records.save(registers.WARDS, {"name": "After the backup", "notes": ""})
    close_database()
    capsys.readouterr()
    assert main(["--db", str(demo_db), "restore", str(dest)]) == 0
    out = capsys.readouterr().out
    assert "kept as" in out
    open_database(demo_db, backup=False)
    assert not Ward.select().where(Ward.name == "After the backup").exists()
    kept = list(backup.backup_dir(demo_db).glob("*before-restore*.db"))
    assert len(kept) == 1
    con = sqlite3.connect(kept[0])
    assert con.execute("SELECT count(*) FROM ward WHERE name = 'After the backup'").fetchone()[0] == 1
    con.close()
    assert integrity.check_path(demo_db).ok


def test_backup_while_another_connection_writes(demo_db, tmp_path):
    dest = tmp_path / "live.db"
    records.save(registers.WARDS, {"name": "Before", "notes": ""})
    backup.backup(demo_db, dest)  # the app holds the database open: the online API is safe
    assert integrity.check_path(dest).ok


@pytest.mark.parametrize("content, message", [
    (b"", "empty"),
    (b"hello, this is not a database at all" * 100, "not a clerkdesk"),
])
def test_restore_refuses_junk_and_keeps_the_casebook(demo_db, tmp_path, content, message):
    close_database()
    bad = tmp_path / "bad.db"
    bad.write_bytes(content)
    before = demo_db.read_bytes()
    with pytest.raises(DatabaseError, match=message):
        backup.restore(bad, demo_db)
    assert demo_db.read_bytes() == before


def test_restore_refuses_a_newer_or_foreign_file(demo_db, tmp_path, capsys):
    close_database()
    newer = tmp_path / "newer.db"
    backup.backup(demo_db, newer)
    con = sqlite3.connect(newer)
    con.execute("PRAGMA user_version = 99")
    con.commit()
    con.close()
    assert main(["--db", str(demo_db), "restore", str(newer)]) == 1
    assert "newer clerkdesk" in capsys.readouterr().err
    foreign = tmp_path / "foreign.db"
    con = sqlite3.connect(foreign)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    assert main(["--db", str(demo_db), "restore", str(foreign)]) == 1
    assert "not a clerkdesk casebook" in capsys.readouterr().err


# --- concurrency ------------------------------------------------------------------------

def test_a_held_write_lock_gives_database_busy_not_a_crash(demo_db):
    close_database()
    open_database(demo_db, backup=False, busy_timeout_ms=200)
    holder = sqlite3.connect(demo_db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        with pytest.raises(DatabaseBusy, match="busy: another clerkdesk"):
            records.save(registers.WARDS, {"name": "Blocked", "notes": ""})
        assert time.monotonic() - started >= 0.15  # it waited first
        assert Ward.select().count() >= 4  # reads still work while another writes
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    records.save(registers.WARDS, {"name": "Now free", "notes": ""})
    assert integrity.check_path(demo_db).ok


def test_a_long_read_does_not_block_a_write(demo_db):
    reader = sqlite3.connect(demo_db, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM audit").fetchone()  # holds a read snapshot
    try:
        records.save(registers.WARDS, {"name": "Written during a read", "notes": ""})
    finally:
        reader.execute("COMMIT")
        reader.close()
    assert Ward.select().where(Ward.name == "Written during a read").exists()


def test_two_writers_in_threads_keep_the_chain_whole(demo_db):
    errors = []

    def work(n):
        try:
            for i in range(15):
                records.save(registers.WARDS, {"name": f"T{n}-{i}", "notes": ""})
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert integrity.check_path(demo_db).ok


# --- synced folders -------------------------------------------------------------------------

@pytest.mark.parametrize("folder", ["Dropbox", "OneDrive - Ashcombe TC", "Google Drive",
                                    "iCloud Drive"])
def test_synced_folders_are_warned_about(tmp_path, folder):
    warning = files.location_warning(tmp_path / folder / "clerkdesk.db")
    assert warning and "folder" in warning


def test_network_shares_are_warned_about(tmp_path):
    mounts = tmp_path / "mounts"
    mounts.write_text("/dev/sda1 / ext4 rw 0 0\n//server/share /mnt/office cifs rw 0 0\n")
    assert "network share (cifs)" in files.location_warning("/mnt/office/c.db",
                                                            mounts_file=str(mounts))
    assert files.location_warning("/home/clerk/c.db", mounts_file=str(mounts)) is None


# --- encryption ------------------------------------------------------------------------------

needs_cipher = pytest.mark.skipif(not engines.encryption_available(),
                                  reason="SQLCipher (clerkdesk[encrypted]) not installed")


@needs_cipher
def test_encrypted_casebook_round_trip_and_wrong_passphrase(tmp_path, capsys, monkeypatch):
    path = tmp_path / "laptop.db"
    open_database(path, passphrase="correct horse")
    Council.create(name="Crypt Town Council")
    audit.record("create", "council", 1, {})
    records.save(registers.WARDS, {"name": "Secret Ward", "notes": ""})
    close_database()
    raw = path.read_bytes()
    assert b"Secret Ward" not in raw and not raw.startswith(b"SQLite format 3")
    with pytest.raises(WrongPassphrase, match="passphrase does not open"):
        open_database(path, passphrase="wrong")
    with pytest.raises(WrongPassphrase, match="or it is encrypted"):
        open_database(path)
    assert path.read_bytes() == raw  # never overwritten
    monkeypatch.setenv("MY_PASS", "correct horse")
    assert main(["--db", str(path), "check", "--passphrase-env", "MY_PASS"]) == 0
    monkeypatch.setenv("MY_PASS", "wrong")
    assert main(["--db", str(path), "check", "--passphrase-env", "MY_PASS"]) == 1
    err = capsys.readouterr().err
    assert "passphrase does not open" in err and "Traceback" not in err
    open_database(path, passphrase="correct horse")
    assert Ward.get(Ward.name == "Secret Ward")
    records.save(registers.WARDS, {"name": "Second Ward", "notes": ""})  # backed up first
    close_database()
    copies = backup.automatic_backups(path)
    assert copies and b"Secret Ward" not in copies[-1].read_bytes()


# --- retention ------------------------------------------------------------------------------

def test_old_closed_complaints_are_listed_and_anonymised(demo_db, capsys):
    complaint = Case.select().where((Case.type == "complaint") & (Case.status == "closed")).first()
    subject = complaint.subject
    later = complaint.closed_on + dt.timedelta(days=365 * 7)
    assert complaint.id in {c.id for c in retention.due_for_review(later)}
    entry = retention.anonymise(complaint.id, who="Test Clerk", today=later)
    again = Case.get_by_id(complaint.id)
    assert again.subject == retention.ANON_SUBJECT and again.details == ""
    assert again.complainant_member_id is None and again.subject_officer_id is None
    assert (again.kind, again.stage, again.received, again.closed_on) == (
        complaint.kind, complaint.stage, complaint.received, complaint.closed_on)
    assert all(s.note == "" for s in cases.timeline(again))
    # the old text is gone from the audit log too, and the chain still verifies
    texts = [a.changes for a in Audit.select().where((Audit.table == "case")
                                                      & (Audit.row_id == complaint.id))]
    assert not any(subject in t for t in texts)
    assert entry.action == "anonymise" and entry.who == "Test Clerk"
    report = integrity.check_path(demo_db)
    assert report.ok, report.lines()
    assert complaint.id not in {c.id for c in retention.due_for_review(later)}
    with pytest.raises(retention.RetentionError, match="already"):
        retention.anonymise(complaint.id, today=later)
    with pytest.raises(undo.UndoError):
        undo.undo(entry.id)


def test_recent_complaints_are_not_anonymised(demo_db, capsys):
    close_database()
    assert main(["--db", str(demo_db), "retention"]) == 0
    assert "No closed case is past the retention period" in capsys.readouterr().out
    complaint = None
    open_database(demo_db, backup=False)
    complaint = Case.select().where((Case.type == "complaint") & (Case.status == "closed")).first()
    close_database()
    assert main(["--db", str(demo_db), "retention", "--anonymise", complaint.ref, "--yes"]) == 2
    assert "retention period" in capsys.readouterr().err
    open_database(demo_db, backup=False)


def test_a_faked_redaction_is_caught(demo_db, tmp_path):
    close_database()
    con = sqlite3.connect(demo_db)
    con.execute("UPDATE audit SET changes = '{\"_redacted\": 5}' WHERE id = 90")
    con.commit()
    con.close()
    report = integrity.check_path(demo_db)
    assert not report.ok
    assert any("audit entry #90" in p for v in report.verdicts for p in v.problems)
    open_database(demo_db, backup=False)
