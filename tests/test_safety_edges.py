"""The casebook's edges: other programs' files left byte for byte as they were, a busy
restore, folders and files clerkdesk does not own, read-only files read, exports private
and written exclusively, copies that can be retried and arrive whole.

Real files in tmp_path; every probe ends in one sentence and an untouched file."""
from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import threading
from pathlib import Path

import pytest

from clerkdesk.models.core.db import (
    APPLICATION_ID,
    DatabaseBusy,
    NotACasebook,
    close_database,
)
from clerkdesk.models.store import backup, engines, files, integrity
from clerkdesk.models.store.opening import open_database
from clerkdesk.tui.__main__ import main

posix = pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
root = os.name == "posix" and os.geteuid() == 0


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def folder_state(folder: Path) -> dict:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


# --- other programs' SQLite files ----------------------------------------------------------

def _foreign(path: Path, user_version: int, *, tables=("CREATE TABLE notes (id INTEGER "
                                                         "PRIMARY KEY, text TEXT)",),
             app_id: int = 0) -> None:
    con = sqlite3.connect(path)
    for sql in tables:
        con.execute(sql)
    con.execute("INSERT INTO notes (text) VALUES ('a recipe')") if "notes" in tables[0] else None
    con.execute(f"PRAGMA user_version = {user_version}")
    if app_id:
        con.execute(f"PRAGMA application_id = {app_id}")
    con.commit()
    con.close()


@pytest.mark.parametrize("user_version", [0, 1, 2, 3, 4])
@pytest.mark.parametrize("argv", [[], ["export", "members"], ["report"], ["retention"],
                                  ["import", "wards", "SHEET", "--yes"], ["check"],
                                  ["backup"], ["export", "calendar", "OUT.ics"]],
                         ids=lambda a: a[0] if a else "app")
def test_another_programs_sqlite_file_is_never_written(tmp_path, capsys, user_version, argv):
    home = tmp_path / "home"
    home.mkdir()
    path = home / "notes.db"
    _foreign(path, user_version)
    sheet = tmp_path / "wards.csv"
    sheet.write_text("Name\nRiverside\n", encoding="utf-8")
    argv = [str(sheet) if a == "SHEET" else str(tmp_path / "out.ics") if a == "OUT.ics"
            else a for a in argv]
    if argv[:1] == ["report"]:
        argv += ["--out", str(tmp_path / "reports")]
    before = folder_state(home)
    code = main(["--db", str(path), *argv])
    out, err = capsys.readouterr()
    assert code != 0, (out, err)
    if argv[:1] == ["check"]:
        assert "not a clerkdesk casebook" in out and "CHECK FAILED" in out
    else:
        assert "not a clerkdesk database" in err and err.count("\n") == 1, err
    assert folder_state(home) == before  # no WAL switch, no backups/, nothing made
    assert sorted(p.name for p in home.iterdir()) == ["notes.db"]
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    con.close()


def test_a_file_with_clerkdesks_table_names_but_another_mark_is_refused(tmp_path):
    path = tmp_path / "lookalike.db"
    _foreign(path, 4, tables=("CREATE TABLE council (id INTEGER PRIMARY KEY, name, kind, "
                              "profile, nation, retention_years)",
                              'CREATE TABLE audit (id INTEGER PRIMARY KEY, at, who, action, '
                              '"table", row_id, changes)'), app_id=0x12345678)
    before = path.read_bytes()
    with pytest.raises(NotACasebook):
        open_database(path)
    assert path.read_bytes() == before


def test_new_casebooks_and_upgraded_ones_carry_the_mark(tmp_path):
    path = tmp_path / "new.db"
    open_database(path)
    close_database()
    old = tmp_path / "old.db"
    shutil.copyfile(Path(__file__).parent / "data" / "schema_v3.db", old)
    open_database(old)
    close_database()
    for p in (path, old):
        con = sqlite3.connect(p)
        assert con.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        con.close()


def test_an_empty_sqlite_file_becomes_a_casebook(tmp_path):
    path = tmp_path / "empty.db"
    sqlite3.connect(path).close()  # an SQLite file of no tables (or of zero bytes)
    open_database(path)
    close_database()
    assert integrity.check_path(path).ok


# --- restore while another program holds the write lock (defect 6) -----------------------

def test_restore_waits_the_busy_time_then_says_busy_and_changes_nothing(demo_db, tmp_path):
    close_database()
    good = tmp_path / "good.db"
    backup.backup(demo_db, good)
    holder = sqlite3.connect(demo_db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("UPDATE ward SET notes = notes WHERE id = 1")
    before = demo_db.read_bytes()
    done = threading.Event()
    outcome = {}

    def restore():
        try:
            backup.restore(good, demo_db, busy_timeout_ms=300)
        except Exception as exc:  # the outcome is asserted below
            outcome["error"] = exc
        done.set()

    worker = threading.Thread(target=restore, daemon=True)
    worker.start()
    finished = done.wait(60)  # a hang would last as long as the holder (never, here)
    holder.execute("ROLLBACK")
    holder.close()
    assert finished, "restore hung while another program held the write lock"
    assert isinstance(outcome.get("error"), DatabaseBusy), outcome
    assert "busy" in str(outcome["error"])
    assert demo_db.read_bytes() == before
    assert not list(backup.backup_dir(demo_db).glob("*before-restore*"))
    facts = backup.restore(good, demo_db)  # free again: it goes ahead
    assert facts["kept"] and integrity.check_path(demo_db).ok


# --- folders and files clerkdesk does not own (defects 7, 13) -----------------------------

@posix
@pytest.mark.parametrize("folder_mode", [0o1777, 0o2775, 0o755])
def test_backup_into_an_existing_folder_leaves_its_mode(demo_db, tmp_path, folder_mode):
    close_database()
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, folder_mode)
    assert main(["--db", str(demo_db), "backup", str(shared)]) == 0
    assert mode(shared) == folder_mode
    made = list(shared.glob("*.db"))
    assert len(made) == 1 and mode(made[0]) == 0o600
    new = tmp_path / "made" / "by" / "clerkdesk"
    backup.backup(demo_db, new / "copy.db")
    assert mode(new) == 0o700 and mode(new.parent) == 0o700


@posix
def test_a_planted_part_symlink_is_never_followed(demo_db, tmp_path, capsys):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    out = tmp_path / "out"
    out.mkdir()
    for name in ("members.csv.part", ".members.csv.part", "cal.ics.part", "b.db.part"):
        (out / name).symlink_to(victim)
    from clerkdesk.models.output import csv_exchange, ical

    csv_exchange.export_csv("members", out / "members.csv")
    ical.export_ics(out / "cal.ics")
    close_database()
    backup.backup(demo_db, out / "b.db")
    assert victim.read_text() == "precious"
    for made in ("members.csv", "cal.ics", "b.db"):
        assert (out / made).is_file() and not (out / made).is_symlink()
        assert mode(out / made) == 0o600
    planted = {"members.csv.part", ".members.csv.part", "cal.ics.part", "b.db.part"}
    assert {p.name for p in out.iterdir() if p.suffix == ".part"} == planted  # no leftovers


@posix
def test_exports_and_reports_are_owner_only(demo_db, tmp_path, capsys):
    close_database()
    os.umask(0o022)
    assert main(["--db", str(demo_db), "export", "members", str(tmp_path / "m.csv")]) == 0
    assert main(["--db", str(demo_db), "export", "calendar", str(tmp_path / "c.ics")]) == 0
    assert main(["--db", str(demo_db), "report", "--out", str(tmp_path / "r")]) == 0
    capsys.readouterr()
    made = [tmp_path / "m.csv", tmp_path / "c.ics", *(tmp_path / "r").iterdir()]
    assert len(made) == 4 and all(mode(p) == 0o600 for p in made), [oct(mode(p)) for p in made]


# --- the casebook is never an export's target (defect 8) ----------------------------------

@pytest.mark.parametrize("target", ["casebook", "wal", "shm", "backup", "devnull", "folder"])
def test_export_never_replaces_the_casebook_or_a_device(demo_db, tmp_path, capsys, target):
    from clerkdesk.models.casework import records, registers

    records.save(registers.WARDS, {"name": "Before", "notes": ""})  # a backup, and a WAL
    close_database()
    holder = sqlite3.connect(demo_db, isolation_level=None)
    holder.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    holder.execute("BEGIN")  # a reader: the -wal and -shm stay while it reads
    holder.execute("SELECT count(*) FROM ward").fetchone()
    made = backup.automatic_backups(demo_db)
    path = {"casebook": demo_db, "wal": Path(f"{demo_db}-wal"), "shm": Path(f"{demo_db}-shm"),
            "backup": made[0] if made else backup.backup_dir(demo_db) / "x.db",
            "devnull": Path(os.devnull), "folder": tmp_path}[target]
    if target == "backup" and not made:
        backup.backup(demo_db, path)
    before = {p: p.read_bytes() for p in (demo_db, path) if p.is_file()}
    code = main(["--db", str(demo_db), "export", "members", str(path), "--force"])
    err = capsys.readouterr().err
    assert code != 0 and err.count("\n") == 1, err
    for p, data in before.items():
        assert p.read_bytes() == data
    holder.close()
    assert integrity.check_path(demo_db).ok
    open_database(demo_db, backup=False)


# --- read-only files are read (defect 12) ----------------------------------------------------

def _read_only(path: Path) -> None:
    os.chmod(path, 0o400)


@pytest.mark.skipif(root, reason="root writes to read-only files; tested under setpriv below")
def test_read_only_casebook_and_backup_are_read(demo_db, tmp_path, capsys):
    close_database()
    copy = tmp_path / "ro.db"
    backup.backup(demo_db, copy)
    _read_only(copy)
    assert main(["--db", str(copy), "check"]) == 0
    assert main(["--db", str(copy), "backup", str(tmp_path / "again.db")]) == 0
    assert main(["--db", str(copy), "export", "members"]) == 0
    assert main(["--db", str(demo_db), "restore", str(copy)]) == 0
    capsys.readouterr()


def _setpriv():
    return shutil.which("setpriv")


@pytest.mark.skipif(not root or not _setpriv(), reason="needs root and setpriv to drop to "
                    "another user")
def test_read_only_files_are_read_by_a_user_who_cannot_write_them(demo_db):
    """As another user (setpriv), for whom the files are read-only: check, backup,
    export and restore from a read-only backup work, and say no word about writing."""
    import subprocess
    import sys
    import tempfile

    close_database()
    top = Path(tempfile.mkdtemp(prefix="clerkdesk-ro-"))  # a folder the other user can reach
    try:
        os.chmod(top, 0o755)
        work = top / "work"
        work.mkdir()
        os.chmod(work, 0o777)
        ro = top / "ro.db"
        backup.backup(demo_db, ro)
        os.chmod(ro, 0o644)  # theirs to read, not to write (nor the folder it is in)
        mine = work / "mine.db"
        backup.backup(demo_db, mine)
        os.chown(mine, 65534, 65534)
        env = {**os.environ, "HOME": str(work), "XDG_DATA_HOME": str(work),
               "XDG_CONFIG_HOME": str(work), "XDG_CACHE_HOME": str(work),
               "PYTHONDONTWRITEBYTECODE": "1"}

        def run(*argv):
            return subprocess.run(["setpriv", "--reuid=65534", "--regid=65534",
                                   "--clear-groups", sys.executable, "-m", "clerkdesk", *argv],
                                  capture_output=True, text=True, env=env, cwd=work,
                                  timeout=120)

        # the other user must be able to run this clerkdesk at all: a checkout or venv in a
        # folder only root may enter (mktemp -d makes them 0700) cannot be tested this way
        probe = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                sys.executable, "-c", "import clerkdesk.tui.__main__"],
                               capture_output=True, text=True, env=env, cwd=work, timeout=120)
        if probe.returncode != 0:
            pytest.skip("the other user cannot import this clerkdesk (its checkout or venv is "
                        f"in a folder they cannot enter): {probe.stderr.strip()[-200:]}")
        for argv in (["--db", str(ro), "check"],
                     ["--db", str(ro), "backup", str(work / "b.db")],
                     ["--db", str(ro), "export", "members"],
                     ["--db", str(mine), "restore", str(ro)]):
            proc = run(*argv)
            assert proc.returncode == 0, (argv, proc.stderr)
            assert "writable" not in proc.stderr and "read-only" not in proc.stderr
        assert sorted(p.name for p in top.iterdir()) == ["ro.db", "work"]
    finally:
        shutil.rmtree(top, ignore_errors=True)


# --- copy (defect 15) --------------------------------------------------------------------

def test_a_killed_copy_leaves_nothing_in_the_way(demo_db, tmp_path, monkeypatch):
    from clerkdesk.models.store import engine_copy

    close_database()
    dest = tmp_path / "copy.db"

    def killed(*args, **kwargs):
        raise KeyboardInterrupt  # as a kill would, halfway through the rows

    monkeypatch.setattr(engine_copy, "_copy_rows", killed)
    monkeypatch.setattr(engine_copy, "_copy_pages", killed)  # SQLite -> SQLite: by pages
    with pytest.raises(KeyboardInterrupt):
        engine_copy.copy(demo_db, dest)
    monkeypatch.undo()
    assert not dest.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".copy.db")]
    assert engine_copy.copy(demo_db, dest).ok  # the retry


def test_the_copy_arrives_with_its_search_index_and_triggers(demo_db, tmp_path, capsys):
    from clerkdesk.models.casework import search

    search.ensure_search()
    close_database()
    dest = tmp_path / "copy.db"
    assert main(["copy", str(demo_db), str(dest)]) == 0
    capsys.readouterr()

    def shape(p):
        con = sqlite3.connect(p)
        try:
            return sorted(con.execute("SELECT type, name FROM sqlite_master WHERE name NOT "
                                      "LIKE 'sqlite_%'").fetchall())
        finally:
            con.close()

    assert shape(dest) == shape(demo_db)


needs_cipher = pytest.mark.skipif(not engines.encryption_available(),
                                  reason="SQLCipher (clerkdesk[encrypted]) not installed")


@needs_cipher
def test_copy_reads_an_encrypted_casebook_and_writes_a_plain_one_unless_asked(
        demo_db, tmp_path, capsys, monkeypatch):
    close_database()
    secret = tmp_path / "secret.db"
    from clerkdesk.models.store import engine_copy

    assert engine_copy.copy(demo_db, secret, dest_passphrase="correct horse").ok
    assert not secret.read_bytes().startswith(b"SQLite format 3")
    monkeypatch.setenv("CLERKDESK_PASSPHRASE", "correct horse")
    plain = tmp_path / "plain.db"
    assert main(["copy", str(secret), str(plain)]) == 0, capsys.readouterr()
    assert plain.read_bytes().startswith(b"SQLite format 3")
    monkeypatch.setenv("OTHER", "another one")
    again = tmp_path / "again.db"
    assert main(["copy", str(secret), str(again), "--dest-passphrase-env", "OTHER"]) == 0
    out = capsys.readouterr().out
    assert "copy verified" in out and "not a clerkdesk" not in out
    assert not again.read_bytes().startswith(b"SQLite format 3")


# --- the busy message, not a hang, from every command that writes -------------------------

def test_a_write_command_meets_a_held_lock_with_the_busy_sentence(demo_db, tmp_path, capsys,
                                                                  monkeypatch):
    from clerkdesk.models.core import db

    close_database()
    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 300)
    from clerkdesk.models.store import opening

    monkeypatch.setattr(opening, "BUSY_TIMEOUT_MS", 300)
    sheet = tmp_path / "w.csv"
    sheet.write_text("Name\nRiverside\n", encoding="utf-8")
    holder = sqlite3.connect(demo_db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        code = main(["--db", str(demo_db), "import", "wards", str(sheet), "--yes"])
        err = capsys.readouterr().err
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert code == 1 and "busy" in err and err.count("\n") == 1


# --- references past 9,999 in a year (defect 10) ------------------------------------------

def test_references_are_numbered_as_numbers_past_9999(db):
    from unaudited import adopt_unaudited

    from clerkdesk.models.casework import case_lists, records, registers
    from clerkdesk.models.core.schema import Case

    member = records.save(registers.MEMBERS, {"name": "Cllr Busy"})
    first = records.save(case_lists.REQUESTS, {"kind": "information", "subject": "One",
                                                "member": str(member.id),
                                                "received": "01/03/2026"})
    assert first.ref == "REQ-2026-0001"
    Case.update(ref="REQ-2026-9999").where(Case.id == first.id).execute()  # a busy year
    adopt_unaudited()
    refs = [records.save(case_lists.REQUESTS, {"kind": "information", "subject": f"N{i}",
                                                "member": str(member.id),
                                                "received": "02/03/2026"}).ref
            for i in range(3)]
    assert refs == ["REQ-2026-10000", "REQ-2026-10001", "REQ-2026-10002"]
    assert integrity.check_path(db).ok


# --- the import's preview and its write agree (defect 17) ---------------------------------

def test_a_line_manager_who_has_left_is_refused_by_the_preview_by_name(demo_db, tmp_path,
                                                                        capsys):
    close_database()
    sheet = tmp_path / "officers.csv"
    sheet.write_text("Name,Job title,Line manager,Left on\n"
                     "Olive Manager,Head of Parks,,01/10/2026\n"
                     "Pat Gardener,Gardener,Olive Manager,\n", encoding="utf-8")
    before = demo_db.read_bytes()
    code = main(["--db", str(demo_db), "import", "officers", str(sheet)])
    out, err = capsys.readouterr()
    assert code == 1, out  # the preview says what --yes would refuse
    assert "Olive Manager" in out and "has left" in out
    assert "'" + "6" + "'" not in out and "not one of the choices" not in out
    code = main(["--db", str(demo_db), "import", "officers", str(sheet), "--yes"])
    out2, err2 = capsys.readouterr()
    assert code == 1 and "Olive Manager" in out2 and "not one of the choices" not in out2
    assert demo_db.read_bytes() == before


def test_an_officer_on_the_register_who_has_left_is_named_not_numbered(demo_db, tmp_path,
                                                                       capsys):
    from clerkdesk.models.casework import records, registers

    gone = records.save(registers.OFFICERS, {"name": "Gone Away", "left_on": "01/01/2026"})
    close_database()
    sheet = tmp_path / "officers.csv"
    sheet.write_text("Name,Line manager\nNew Starter,Gone Away\n", encoding="utf-8")
    code = main(["--db", str(demo_db), "import", "officers", str(sheet)])
    out = capsys.readouterr().out
    assert code == 1 and "Gone Away" in out and "has left" in out
    assert f"'{gone.id}'" not in out


def test_a_preview_that_passes_is_written_by_yes(demo_db, tmp_path, capsys):
    close_database()
    sheet = tmp_path / "officers.csv"
    sheet.write_text("Name,Job title,Line manager\nOlive Manager,Head of Parks,\n"
                     "Pat Gardener,Gardener,Olive Manager\n", encoding="utf-8")
    assert main(["--db", str(demo_db), "import", "officers", str(sheet)]) == 0
    assert main(["--db", str(demo_db), "import", "officers", str(sheet), "--yes"]) == 0
    assert "Imported 2 officers" in capsys.readouterr().out


# --- retention and the backups that still hold the text (defect 14) ----------------------

def test_retention_offers_to_purge_the_backups_that_hold_anonymised_text(demo_db, capsys,
                                                                         monkeypatch):
    from clerkdesk.models.core.schema import Case

    complaint = Case.select().where((Case.type == "complaint")
                                    & (Case.status == "closed")).first()
    subject = complaint.subject
    close_database()
    backup.backup(demo_db, backup.default_dest(demo_db, "manual"))
    later = complaint.closed_on.replace(year=complaint.closed_on.year + 7)
    monkeypatch.setenv("CLERKDESK_TODAY", later.strftime("%d/%m/%Y"))
    assert main(["--db", str(demo_db), "retention", "--anonymise", complaint.ref, "--yes"]) == 0
    out = capsys.readouterr().out
    older = backup.all_backups(demo_db)
    assert len(older) == 2  # the manual one, and the one taken just before anonymising
    assert all(subject.encode() in p.read_bytes() for p in older)
    assert "still hold the text" in out and "--purge-backups" in out
    assert main(["--db", str(demo_db), "retention", "--purge-backups"]) == 0
    out = capsys.readouterr().out
    left = backup.all_backups(demo_db)
    assert len(left) == 1 and "Deleted 2 older backups" in out
    assert subject.encode() not in left[0].read_bytes()
    assert integrity.check_path(left[0]).ok


# --- "Back up now" and the app's output folders on PostgreSQL (defect 3) ----------------

def test_back_up_now_on_postgres_is_pg_dump_or_a_sentence(pg_server, tmp_path, monkeypatch):

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    url = pg_server.url(pg_server.create_database())
    open_database(url)
    try:
        said = backup.backup_now()
        dumps = list((tmp_path / "data" / "clerkdesk" / "backups").glob("*.dump"))
        assert len(dumps) == 1 and str(dumps[0]) in said
        assert dumps[0].read_bytes().startswith(b"PGDMP")
        for name in ("reports", "exports"):
            folder = files.output_folder(name)
            assert folder == tmp_path / "data" / "clerkdesk" / name
        monkeypatch.setenv("PATH", str(tmp_path / "nothing"))
        assert backup.backup_now() == backup.PG_BACKUP_IS_THE_SERVERS
    finally:
        close_database()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]  # no folder named after a URL


def test_back_up_now_on_sqlite_is_a_copy_beside_it(demo_db):
    said = backup.backup_now()
    made = list(backup.backup_dir(demo_db).glob("*-manual-*.db"))
    assert len(made) == 1 and str(made[0]) in said
    assert integrity.check_path(made[0]).ok
