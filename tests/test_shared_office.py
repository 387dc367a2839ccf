"""A shared office: several clerks on one database, on each engine, with real writer
processes; `clerkdesk copy` between the engines; `check` and migrations on PostgreSQL."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time

from pathlib import Path

import pytest

from clerkdesk.models.casework import records, registers
from clerkdesk.models.core.db import SCHEMA_VERSION, close_database
from clerkdesk.models.core.forms import ConflictError
from clerkdesk.models.core.schema import Case, Member, Step
from clerkdesk.models.store import engine_copy, integrity
from clerkdesk.models.store.opening import open_database
from clerkdesk.tui.__main__ import main

#: every casebook test here runs on SQLite and on PostgreSQL (conftest.py)
BOTH_ENGINES = True

WORKER = r"""
import json, os, sys, time
from clerkdesk.models.casework import cases, records, registers
from clerkdesk.models.core.forms import ConflictError
from clerkdesk.models.core.schema import Member
from clerkdesk.models.store.opening import open_database

target, mode, start_at, arg = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
open_database(target, backup=False)
if mode == "steps":
    case_id, n = map(int, arg.split(","))
    time.sleep(max(0.0, start_at - time.time()))
    for i in range(n):
        cases.add_step(case_id, f"Step {os.environ['CLERKDESK_USER']} #{i}", note="at once")
    print(json.dumps({"ok": n}))
elif mode == "edit":
    member_id, new_name = arg.split(",", 1)
    member = Member.get_by_id(int(member_id))
    raw = records.form_values(registers.MEMBERS, member)  # the form is opened...
    version = member.version
    raw["name"] = new_name
    print("ready", flush=True)  # the form is open: wait until the other clerk's is too
    sys.stdin.readline()  # ...and both clerks press save at once
    try:
        records.save(registers.MEMBERS, raw, member.id, expected_version=version)
        print(json.dumps({"saved": new_name}))
    except ConflictError as exc:
        print(json.dumps({"conflict": exc.message, "who": exc.who, "fields": exc.fields}))
"""


def _spawn(target, mode, start_at, arg, user, stdin=False):
    env = dict(os.environ, CLERKDESK_USER=user)
    return subprocess.Popen([sys.executable, "-c", WORKER, str(target), mode, str(start_at), arg],
                            stdin=subprocess.PIPE if stdin else None,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def _results(procs):
    out = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=120)
        assert p.returncode == 0, stderr
        out.append(json.loads(stdout.strip().splitlines()[-1]))
    return out


def test_many_steps_at_once_all_land_and_check_passes(demo_db):
    case = Case.select().where(Case.status != "closed").first()
    steps_before, version_before = case.steps.count(), case.version
    writers, each = 6, 8
    start_at = time.time() + 2.0
    procs = [_spawn(demo_db, "steps", start_at, f"{case.id},{each}", f"Clerk {i}")
             for i in range(writers)]
    assert all(r == {"ok": each} for r in _results(procs))
    elapsed = time.time() - start_at  # from the moment all writers start together
    case = Case.get_by_id(case.id)
    assert case.steps.count() == steps_before + writers * each
    assert case.version == version_before + writers * each  # no lost update
    actions = {s.action for s in Step.select().where(Step.case == case.id)}
    assert {f"Step Clerk {i} #{j}" for i in range(writers) for j in range(each)} <= actions
    close_database()
    report = integrity.check_path(demo_db)
    assert report.ok, report.lines()
    print(f"\n{writers} writers x {each} steps on one case: {elapsed:.2f} s from the start signal to the last exit")


def test_two_clerks_saving_the_same_record_one_gets_the_conflict(demo_db):
    member = Member.select().first()
    procs = [_spawn(demo_db, "edit", 0, f"{member.id},Cllr Ann Alpha", "Alice Clerk", stdin=True),
             _spawn(demo_db, "edit", 0, f"{member.id},Cllr Bea Beta", "Bob Clerk", stdin=True)]
    # both forms are open (each read the record's version) before either clerk saves:
    # however slowly the processes start, the second save is always a stale one
    for p in procs:
        assert p.stdout.readline().strip() == "ready", p.stderr.read()
    for p in procs:
        p.stdin.write("go\n")
        p.stdin.flush()
    results = _results(procs)
    saved = [r for r in results if "saved" in r]
    conflicts = [r for r in results if "conflict" in r]
    assert len(saved) == 1 and len(conflicts) == 1, results
    winner = saved[0]["saved"]
    loser_who = conflicts[0]["who"]
    assert loser_who == ("Alice Clerk" if winner == "Cllr Ann Alpha" else "Bob Clerk")
    assert "name" in conflicts[0]["fields"]
    assert loser_who in conflicts[0]["conflict"] and "Nothing was saved" in conflicts[0]["conflict"]
    member = Member.get_by_id(member.id)
    assert member.name == winner  # the winner's change is kept, the loser's never written
    close_database()
    assert integrity.check_path(demo_db).ok


def test_a_stale_save_in_one_process_says_who_changed_what(db):
    member = records.save(registers.MEMBERS, {"name": "Cllr Ann Test"})
    os.environ["CLERKDESK_USER"] = "Other Clerk"
    try:
        raw = records.form_values(registers.MEMBERS, member)
        raw["email"] = "ann@example.org"
        records.save(registers.MEMBERS, raw, member.id, expected_version=member.version)
    finally:
        del os.environ["CLERKDESK_USER"]
    raw = records.form_values(registers.MEMBERS, member)
    raw["phone"] = "01234 567890"
    with pytest.raises(ConflictError) as err:
        records.save(registers.MEMBERS, raw, member.id, expected_version=member.version)
    assert err.value.who == "Other Clerk" and err.value.fields == ["email"]
    assert err.value.current_version == member.version + 1
    assert Member.get_by_id(member.id).phone == ""  # nothing written
    # reloaded, the save goes through
    saved = records.save(registers.MEMBERS, raw | {"email": "ann@example.org"}, member.id,
                           expected_version=err.value.current_version)
    assert saved.phone == "01234 567890" and saved.version == member.version + 2


# --- copy between engines -------------------------------------------------------------------

def _sqlite_rows(path) -> dict:
    con = sqlite3.connect(path)
    out = {}
    for (table,) in con.execute("SELECT name FROM sqlite_master WHERE type='table' AND name "
                                "NOT LIKE 'sqlite_%' AND name NOT LIKE 'search_index%'"):
        cols = sorted(r[1] for r in con.execute(f'PRAGMA table_info("{table}")'))
        out[table] = con.execute(f'SELECT {", ".join(chr(34) + c + chr(34) for c in cols)} '
                                 f'FROM "{table}" ORDER BY 1, 2').fetchall()
    con.close()
    return out


def test_round_trip_sqlite_postgres_sqlite_keeps_every_row(pg_server, _demo_template, tmp_path,
                                                           capsys):
    url = pg_server.url(pg_server.create_database())
    back = tmp_path / "back.db"
    started = time.perf_counter()
    assert main(["copy", str(_demo_template), url]) == 0
    there = time.perf_counter() - started
    assert main(["copy", url, str(back)]) == 0
    out = capsys.readouterr().out
    assert out.count("copy verified") == 2 and "audit chain: ok" in out
    assert _sqlite_rows(_demo_template) == _sqlite_rows(back)
    assert main(["--db", url, "check"]) == 0
    assert main(["--db", str(back), "check"]) == 0
    print(f"\ndemo SQLite -> PostgreSQL copy, verified: {there:.2f} s")


def test_copy_refuses_a_destination_that_is_not_empty(pg_server, _demo_template, tmp_path, capsys):
    url = pg_server.url(pg_server.create_database())
    assert main(["copy", str(_demo_template), url]) == 0
    capsys.readouterr()
    assert main(["copy", str(_demo_template), url]) == 1
    assert "is not empty" in capsys.readouterr().err
    existing = tmp_path / "x.db"
    existing.write_bytes(b"something")
    assert main(["copy", url, str(existing)]) == 1
    assert "already exists" in capsys.readouterr().err
    assert existing.read_bytes() == b"something"


# --- check and migrations on PostgreSQL -----------------------------------------------------

def test_check_on_postgres_names_a_row_changed_behind_the_log(pg_server, _demo_template, capsys):
    import psycopg

    url = pg_server.url(pg_server.create_database())
    engine_copy.copy(_demo_template, url)
    assert main(["--db", url, "check"]) == 0
    with psycopg.connect(url, autocommit=True) as con:
        con.execute("UPDATE member SET email = 'x@example.org' WHERE id = 2")
    capsys.readouterr()
    assert main(["--db", url, "check"]) == 1
    out = capsys.readouterr().out
    assert "records: FAILED" in out and "member 2" in out and "behind the log's back" in out


def test_schema_2_on_postgres_is_migrated_and_verifies(pg_server, _demo_template):
    import psycopg

    from unaudited import reforge

    from clerkdesk.models.store.shape import COLUMNS_NEW_IN_4, NEW_IN_4, VERSIONED

    url = pg_server.url(pg_server.create_database())
    engine_copy.copy(_demo_template, url)
    with psycopg.connect(url, autocommit=True) as con:  # as schema 2 left it
        for table in VERSIONED:
            con.execute(f'ALTER TABLE "{table}" DROP COLUMN version')
        for table, added in COLUMNS_NEW_IN_4.items():  # every column schema 4 added
            for column in added:
                con.execute(f'ALTER TABLE "{table}" DROP COLUMN {column}')
        for table in NEW_IN_4:
            con.execute(f'DROP TABLE "{table}"')
        con.execute("UPDATE clerkdesk_schema SET version = 2")
        # schema 2's digests covered schema 2's columns: the log as schema 2 wrote it
        reforge(con)
    open_database(url)
    try:
        assert Member.select().first().version == 1
        with psycopg.connect(url) as con:
            assert con.execute("SELECT version FROM clerkdesk_schema").fetchone()[0] == SCHEMA_VERSION
    finally:
        close_database()
    report = integrity.check_path(url)
    assert report.ok, report.lines()


def test_backup_on_postgres_runs_pg_dump_or_says_it_is_the_servers_job(
        pg_server, tmp_path, capsys, monkeypatch):
    url = pg_server.url(pg_server.create_database())
    open_database(url)  # a casebook in it
    close_database()
    assert main(["--db", url, "backup", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    dumps = list(tmp_path.glob("*.dump"))
    assert len(dumps) == 1 and "pg_dump" in out and str(dumps[0]) in out
    assert dumps[0].read_bytes().startswith(b"PGDMP")  # pg_dump's custom format
    assert (dumps[0].stat().st_mode & 0o777) == 0o600
    assert not [p for p in Path.cwd().iterdir() if "postgresql" in p.name]
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools-here"))
    assert main(["--db", url, "backup", str(tmp_path)]) == 1
    assert "backed up on the server" in capsys.readouterr().err


def test_a_writer_held_up_too_long_on_postgres_is_told_busy(pg_server, monkeypatch):
    """The writers' advisory lock: a clerk whose save waits past the lock timeout is told
    the casebook is busy, and nothing is written."""
    import psycopg

    from clerkdesk.models.core.db import DatabaseBusy
    from clerkdesk.models.store import backend

    monkeypatch.setattr(backend, "PG_LOCK_TIMEOUT", "300ms")
    url = pg_server.url(pg_server.create_database())
    open_database(url)
    try:
        with psycopg.connect(url) as other:  # another clerkdesk, mid-transaction
            other.execute("SELECT pg_advisory_xact_lock(%s)", (backend.WRITER_LOCK_KEY,))
            with pytest.raises(DatabaseBusy):
                records.save(registers.WARDS, {"name": "Castle"})
            other.rollback()
        assert records.save(registers.WARDS, {"name": "Castle"}).name == "Castle"
    finally:
        close_database()


def test_restore_on_postgres_points_at_pg_restore(pg_server, tmp_path, capsys):
    src = tmp_path / "some.db"
    src.write_bytes(b"")
    url = pg_server.url(pg_server.create_database())
    assert main(["--db", url, "restore", str(src)]) == 1
    assert "pg_restore" in capsys.readouterr().err
