"""`clerkdesk copy` SQLite -> SQLite (issue 17): the source checked while its pages are
copied, the copy proved to be it byte for byte, each digest taken once; and whatever
shortcut, a tampered source, a copy damaged as it is written, or a source that changes
meanwhile never leaves a copy that was not verified.

Counted, never timed."""
from __future__ import annotations

import os
import sqlite3

import pytest

from clerkdesk.models.core.db import close_database
from clerkdesk.models.store import chain, engine_copy, integrity, opening

FAST = ["foreign keys", "schema", "audit chain", "records"]


@pytest.fixture
def closed_demo(demo_db):
    if not hasattr(demo_db, "parent"):
        pytest.skip("SQLite only")
    close_database()  # closed: its log checkpointed into the file
    assert not os.path.exists(f"{demo_db}-wal") or not os.path.getsize(f"{demo_db}-wal")
    return demo_db


@pytest.fixture
def counted(monkeypatch):
    """How often each table's rows are hashed and the chain verified (in this process)."""
    monkeypatch.setenv("CLERKDESK_CHECK_ONE_PROCESS", "1")  # the chain here, to be counted
    calls = {"digests": [], "chain": 0, "copy checked": 0}
    digests, check_chain, check_copy = (chain.iter_table_digests, integrity.check_chain,
                                        engine_copy._check_the_copy)

    def count_digests(con, table):
        calls["digests"].append(table)
        return digests(con, table)

    def count_chain(con):
        calls["chain"] += 1
        return check_chain(con)

    def count_copy(*args):
        calls["copy checked"] += 1
        return check_copy(*args)

    monkeypatch.setattr(chain, "iter_table_digests", count_digests)
    monkeypatch.setattr(integrity, "check_chain", count_chain)
    monkeypatch.setattr(integrity, "CHECKS", [(n, count_chain if n == "audit chain" else c)
                                              for n, c in integrity.CHECKS])
    monkeypatch.setattr(engine_copy, "_check_the_copy", count_copy)
    return calls


def _tamper(path, *sql):
    con = sqlite3.connect(path)
    try:
        for s in sql:
            con.execute(s)
        con.commit()
    finally:
        con.close()


def _names(report):
    return [v.name for v in report.verdicts]


def test_a_closed_casebook_is_checked_beside_its_copy_each_digest_once(closed_demo, tmp_path,
                                                                       counted):
    dest = tmp_path / "copy.db"
    result = engine_copy.copy(closed_demo, dest)
    assert result.ok, result.lines()
    assert dest.exists()
    assert _names(result.source_report) == FAST
    assert _names(result.dest_report) == ["integrity", "same as the source"]
    # every attested table hashed once, the chain verified once, the copy not again
    assert sorted(counted["digests"]) == sorted(chain.ATTESTED)
    assert counted["chain"] == 1
    assert counted["copy checked"] == 0
    assert integrity.check_path(dest).ok
    assert all(s == d for s, d in result.counts.values())


@pytest.mark.parametrize("sql, named", [
    (['UPDATE "case" SET subject = \'Nothing to see\' WHERE id = 3'], "case 3 (REQ-"),
    (["UPDATE audit SET who = 'Mallory' WHERE id = 40"], "audit entry #40"),
    (["UPDATE step SET note = 'edited' WHERE id = 7"], "case "),
])
def test_a_tampered_source_is_refused_and_no_copy_kept(closed_demo, tmp_path, sql, named):
    _tamper(closed_demo, *sql)
    dest = tmp_path / "copy.db"
    result = engine_copy.copy(closed_demo, dest)
    assert not result.ok
    assert not dest.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".copy.db")]
    assert _names(result.source_report) == FAST  # the checks beside the copy found it
    assert named in "\n".join(result.lines())


def _damaging(monkeypatch, *sql):
    """The page copy, then the copy changed as if damaged on its way to the file."""
    pages = engine_copy._copy_pages

    def damaged(scon, out, src):
        pages(scon, out, src)
        for s in sql:
            out.execute(s)

    monkeypatch.setattr(engine_copy, "_copy_pages", damaged)


@pytest.mark.parametrize("sql", [
    ['UPDATE "case" SET subject = \'Changed on the way\' WHERE id = 3'],
    # nothing the copy's own checks would see: only its bytes tell
    ["INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('case', 'nowhere', '1')"],
])
def test_a_copy_whose_bytes_are_not_the_sources_is_not_kept(closed_demo, tmp_path,
                                                             monkeypatch, sql):
    con = sqlite3.connect(closed_demo)
    try:
        con.execute("ANALYZE")  # so the copy has a sqlite_stat1 to change
        con.commit()
    finally:
        con.close()
    _damaging(monkeypatch, *sql)
    dest = tmp_path / "copy.db"
    result = engine_copy.copy(closed_demo, dest)
    assert not result.ok, result.lines()
    assert not dest.exists()
    assert result.source_report.ok  # the source is sound: the copy is not it
    same = result.dest_report.verdicts[-1]
    assert (same.name, same.ok) == ("same as the source", False)


def test_a_source_that_changes_while_copied_has_its_copy_checked_itself(closed_demo, tmp_path,
                                                                        monkeypatch, counted):
    pages = engine_copy._copy_pages

    def then_written(scon, out, src):
        pages(scon, out, src)
        # a change committed by another program once the pages are copied: the copy is
        # of the casebook as it was, and the source's checks may have read either
        _tamper(src, 'UPDATE "case" SET subject = \'Changed meanwhile\' WHERE id = 3')

    monkeypatch.setattr(engine_copy, "_copy_pages", then_written)
    dest = tmp_path / "copy.db"
    result = engine_copy.copy(closed_demo, dest)
    assert counted["copy checked"] == 1
    assert _names(result.source_report) == ["same as the copy"]
    assert _names(result.dest_report) == ["integrity", "foreign keys", "schema",
                                          "audit chain", "records"]
    # the copy is the casebook before the change, whole: verified in itself
    assert result.ok, result.lines()
    con = sqlite3.connect(dest)
    try:
        assert con.execute('SELECT subject FROM "case" WHERE id = 3').fetchone()[0] \
            != "Changed meanwhile"
    finally:
        con.close()


def test_a_write_to_the_file_behind_sqlites_back_is_noticed(closed_demo, tmp_path,
                                                           monkeypatch, counted):
    pages = engine_copy._copy_pages

    def then_touched(scon, out, src):
        pages(scon, out, src)
        with open(src, "r+b") as f:  # the same bytes written back: no commit, a write
            f.seek(8192)
            block = f.read(4096)
            f.seek(8192)
            f.write(block)

    monkeypatch.setattr(engine_copy, "_copy_pages", then_touched)
    before = os.stat(closed_demo).st_mtime_ns
    os.utime(closed_demo, ns=(before - 10**9, before - 10**9))  # so the write moves it
    result = engine_copy.copy(closed_demo, tmp_path / "copy.db")
    assert counted["copy checked"] == 1  # not trusted: the copy checked itself
    assert result.ok, result.lines()


def test_a_casebook_open_with_its_log_unwritten_has_its_copy_checked_itself(demo_db, tmp_path,
                                                                           counted):
    if not hasattr(demo_db, "parent"):
        pytest.skip("SQLite only")
    from clerkdesk.models.casework import records, registers

    records.save(registers.WARDS, {"name": "In the log", "notes": ""})  # left open
    assert os.path.getsize(f"{demo_db}-wal")
    dest = tmp_path / "copy.db"
    result = engine_copy.copy(demo_db, dest)
    assert result.ok, result.lines()
    assert counted["copy checked"] == 1
    con = sqlite3.connect(dest)
    try:
        assert con.execute("SELECT count(*) FROM ward WHERE name = 'In the log'"
                           ).fetchone() == (1,)
    finally:
        con.close()
    close_database()
    opening.open_database(demo_db, backup=False)
