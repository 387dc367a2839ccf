"""The batch commands do the work once (issue 17): counted, never timed.

- a read-only command leaves the backups folder exactly as it was;
- an import reads each pick-list once, the clerk's name once, and validates a row once;
- the streamed digests `check` takes are the digests `row_digest` takes, row for row;
- the report builds no case models; the export builds the field specs once;
- working days are counted arithmetically, agreeing with the day-by-day count;
- SQLite -> SQLite copy arrives page for page and verified.
"""
from __future__ import annotations

import datetime as dt
import random
import sqlite3

import pytest

from clerkdesk.models.casework import case_lists, records, registers
from clerkdesk.models.core import dates, user
from clerkdesk.models.core.db import close_database, database
from clerkdesk.models.core.schema import Case
from clerkdesk.models.output import csv_exchange, report
from clerkdesk.models.store import backup, chain, engine_copy, opening
from clerkdesk.tui.__main__ import main


@pytest.fixture
def sqlite_demo(demo_db):
    if not hasattr(demo_db, "parent"):
        pytest.skip("SQLite only")
    return demo_db


def test_read_only_commands_leave_the_backups_folder_untouched(sqlite_demo, tmp_path, capsys):
    # a change first, so the folder holds an automatic backup to be left alone
    records.save(registers.WARDS, {"name": "Backed up", "notes": ""})
    close_database()
    opening.open_database(sqlite_demo)
    records.save(registers.WARDS, {"name": "Backed up too", "notes": ""})
    close_database()
    folder = backup.backup_dir(sqlite_demo)
    before = sorted((p.name, p.stat().st_mtime_ns) for p in folder.iterdir())
    assert before
    for argv in (["check"], ["anchor"], ["export", "requests", str(tmp_path / "r.csv")],
                 ["export", "members"], ["report", "--out", str(tmp_path / "rep")],
                 ["export", "calendar", str(tmp_path / "c.ics")]):
        assert main(["--db", str(sqlite_demo), *argv]) == 0, argv
    capsys.readouterr()
    assert sorted((p.name, p.stat().st_mtime_ns) for p in folder.iterdir()) == before
    opening.open_database(sqlite_demo, backup=False)


def _members_file(n: int) -> bytes:
    wards = [w.name for w in registers.WARDS.model.select()]
    groups = [g.name for g in registers.GROUPS.model.select()]
    lines = ["Name,Ward,Party group,Email,Term starts"]
    for i in range(n):
        lines.append(f"Cllr Counted {i:04d},{wards[i % len(wards)]},{groups[i % len(groups)]},"
                     f"counted{i}@example.org,01/05/2023")
    return ("\n".join(lines) + "\n").encode()


def test_an_import_reads_each_pick_list_once_and_validates_each_row_once(
        sqlite_demo, monkeypatch):
    data = _members_file(120)
    statements: list[str] = []
    database.connection().set_trace_callback(statements.append)
    settings_reads = []
    real_settings = user._settings_clerk
    monkeypatch.setattr(user, "_settings_clerk",
                        lambda: settings_reads.append(1) or real_settings())
    validated = []
    real_validate = csv_exchange.validate
    monkeypatch.setattr(csv_exchange, "validate",
                        lambda *a, **k: validated.append(1) or real_validate(*a, **k))
    real_save_validate = records.validate
    monkeypatch.setattr(records, "validate",
                        lambda *a, **k: validated.append(1) or real_save_validate(*a, **k))
    try:
        preview = csv_exchange.preview_import("members", data)
        assert preview.ok, preview.errors
        preview_ward_lists = sum(1 for s in statements if 'FROM "ward"' in s
                                 and "archived" in s and "ORDER BY" in s)
        created = csv_exchange.apply_import(preview)
    finally:
        database.connection().set_trace_callback(None)
    assert len(created) == 120
    assert len(validated) == 120  # the preview's; the write reuses it
    assert preview_ward_lists == 1
    ward_lists = [s for s in statements if 'FROM "ward"' in s and "archived" in s
                  and "ORDER BY" in s]
    group_lists = [s for s in statements if 'FROM "party_group"' in s and "archived" in s
                   and "ORDER BY" in s]
    assert len(ward_lists) == 2 and len(group_lists) == 2  # once for the preview, once at the write
    assert len(settings_reads) <= 1  # the clerk's name: once for the whole import
    inserts = [s for s in statements if s.startswith('INSERT INTO "member"')]
    assert len(inserts) == 120  # one executemany: each row once, nothing else per row
    assert all(r.name.startswith("Cllr Counted") for r in created)
    path = database.obj.clerk_path
    close_database()
    from clerkdesk.models.store import integrity

    report_ = integrity.check_path(path)  # every entry sealed, every row vouched for
    assert report_.ok, report_.lines()
    opening.open_database(path, backup=False)


def test_an_import_validates_again_when_a_pick_list_changed_meanwhile(sqlite_demo):
    data = _members_file(3)
    preview = csv_exchange.preview_import("members", data)
    assert preview.ok
    ward = registers.WARDS.model.select().order_by(registers.WARDS.model.id).first()
    records.archive(registers.WARDS, ward.id)
    if any(r.values.get("ward") == ward.name for r in preview.rows):
        with pytest.raises(csv_exchange.ImportRefused):
            csv_exchange.apply_import(preview)


def test_streamed_digests_are_the_digests_of_each_row(sqlite_demo):
    con = database.connection()
    for table in chain.ATTESTED:
        streamed = dict(chain.iter_table_digests(con, table))
        ids = [r[0] for r in con.execute(f'SELECT id FROM "{table}"')]
        assert streamed == {i: chain.row_digest(con, table, i) for i in ids}, table
        assert chain.table_digests(con, table) == streamed


def test_a_seal_in_batches_gives_the_same_chain_as_one_at_a_time(sqlite_demo, tmp_path):
    close_database()
    copy = tmp_path / "again.db"
    src = sqlite3.connect(sqlite_demo)
    con = sqlite3.connect(copy)
    src.backup(con)
    src.close()
    entries = con.execute("SELECT id, hash, row_digest FROM audit ORDER BY id").fetchall()
    head = con.execute("SELECT value FROM setting WHERE key = 'audit.head'").fetchone()[0]
    con.execute("UPDATE audit SET hash = '', row_digest = '', prev_hash = ''")
    chain.seal_entries(con, [e[0] for e in entries], prev="")  # every entry sealed again
    assert con.execute("SELECT id, hash, row_digest FROM audit ORDER BY id").fetchall() == entries
    assert con.execute("SELECT value FROM setting WHERE key = 'audit.head'").fetchone()[0] == head
    con.close()
    opening.open_database(sqlite_demo, backup=False)


def test_the_report_builds_no_case_models(sqlite_demo, monkeypatch):
    made = []
    real_init = Case.__init__

    def counting(self, *a, **k):
        made.append(1)
        real_init(self, *a, **k)

    monkeypatch.setattr(Case, "__init__", counting)
    built = report.build_report()
    assert built.open_requests + built.open_complaints > 0
    assert made == []


def test_the_export_builds_its_field_specs_once(sqlite_demo, monkeypatch):
    import io

    calls = []
    real = case_lists.REQUESTS.fields
    monkeypatch.setattr(case_lists.REQUESTS, "fields", lambda: calls.append(1) or real())
    n = csv_exchange.export_csv("requests", io.StringIO())
    assert n > 1
    assert len(calls) == 2  # the header's columns, and the rows'


def _day_by_day(start, end, nation, closures):
    if end == start:
        return 0
    sign = 1 if end > start else -1
    lo, hi = (start, end) if sign > 0 else (end, start)
    count, day = 0, lo
    while day < hi:
        day += dt.timedelta(days=1)
        count += dates.is_working_day(day, nation=nation, closures=closures)
    return sign * count


def test_working_days_between_counted_arithmetically_agree_with_the_calendar():
    rng = random.Random(17)
    for _ in range(800):
        start = dt.date(2019, 1, 1) + dt.timedelta(days=rng.randrange(2500))
        end = start + dt.timedelta(days=rng.randrange(-500, 500))
        closures = frozenset(start + dt.timedelta(days=rng.randrange(-40, 40))
                             for _ in range(rng.randrange(4)))
        nation = rng.choice(list(dates.NATIONS))
        assert dates.working_days_between(start, end, nation=nation, closures=closures) \
            == _day_by_day(start, end, nation, closures), (start, end, nation, closures)


def test_a_sqlite_copy_is_made_by_pages_and_verified(sqlite_demo, tmp_path):
    close_database()
    dest = tmp_path / "copy.db"
    result = engine_copy.copy(sqlite_demo, dest)
    assert result.ok, result.lines()
    # closed, its every page in its file: the source checked beside the page copy, the
    # copy's pages checked and proved the source's byte for byte (tests/test_copy_pages.py)
    names = [v.name for v in result.source_report.verdicts]
    assert names == ["foreign keys", "schema", "audit chain", "records"]
    assert [v.name for v in result.dest_report.verdicts] == ["integrity", "same as the source"]

    def shape(p):
        con = sqlite3.connect(p)
        try:
            return sorted(con.execute("SELECT type, name, sql FROM sqlite_master").fetchall())
        finally:
            con.close()

    assert shape(dest) == shape(sqlite_demo)
    opening.open_database(sqlite_demo, backup=False)


def test_a_command_that_writes_backs_up_first(sqlite_demo, tmp_path, capsys):
    ref = Case.select().order_by(Case.id).first().ref
    close_database()
    assert backup.automatic_backups(sqlite_demo) == []
    note = tmp_path / "note.txt"
    note.write_text("A note from the member.\n")
    assert main(["--db", str(sqlite_demo), "attach", ref, str(note)]) == 0
    capsys.readouterr()
    kept = backup.automatic_backups(sqlite_demo)
    assert len(kept) == 1
    con = sqlite3.connect(kept[0])
    try:  # taken before the change: the document is not in it
        assert con.execute("SELECT count(*) FROM document WHERE name = 'note.txt'"
                           ).fetchone() == (0,)
    finally:
        con.close()
    opening.open_database(sqlite_demo, backup=False)


def test_a_subject_access_export_backs_up_before_its_audit_entry(sqlite_demo, tmp_path, capsys):
    """`clerkdesk sar` writes one audit entry (the disclosure): the automatic backup is
    taken first, like every writing command's, so it holds the casebook before it."""
    close_database()
    assert backup.automatic_backups(sqlite_demo) == []
    out = tmp_path / "okafor.zip"
    assert main(["--db", str(sqlite_demo), "sar", "Cllr David Okafor", "--out", str(out)]) == 0
    capsys.readouterr()
    kept = backup.automatic_backups(sqlite_demo)
    assert len(kept) == 1 and out.exists()

    def disclosures(path):
        con = sqlite3.connect(path)
        try:
            return con.execute("SELECT count(*) FROM audit WHERE action = 'disclose'").fetchone()[0]
        finally:
            con.close()

    assert disclosures(sqlite_demo) == 1 and disclosures(kept[0]) == 0  # taken before it
    opening.open_database(sqlite_demo, backup=False)
