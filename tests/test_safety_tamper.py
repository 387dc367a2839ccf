"""The tamper suite: a change made behind clerkdesk's back (plain sqlite3 or psycopg, as a
tamperer would) is found by `check`, naming the record, and is never laundered: the next
legitimate write that would vouch for it is refused with one sentence that names the
record and points to `clerkdesk check`, the file is left byte for byte as it was (no
backup made either), and `check` still fails afterwards.

Every write path of the domain is tried against a tampered record: registers' save and
archive, steps, triage (assign, snooze, priority, tasks), council settings, undo,
retention, imports, interests and training, committee seats, and the upgrade that
re-attests every row (a tampered casebook is refused its upgrade).
"""
from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from clerkdesk import api
from clerkdesk.models.casework import (
    council,
    records,
    registers,
    retention,
    triage,
)
from clerkdesk.models.core.db import DatabaseError, Tampered, close_database
from clerkdesk.models.core.schema import Committee, Member
from clerkdesk.models.store import chain, undo
from clerkdesk.tui.__main__ import main

DATA = Path(__file__).parent / "data"


def run_check(path, capsys):
    status = main(["--db", str(path), "check"])
    out, err = capsys.readouterr()
    return status, out + err


def snapshot(path: Path) -> dict:
    """The casebook's bytes and every file in its folder (a backup made would show)."""
    folder = path.parent
    return {"bytes": path.read_bytes(),
            "files": sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))}


def tamper(path: Path, *statements: str) -> None:
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA foreign_keys = OFF")
    for sql in statements:
        con.execute(sql)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()


def latest_entry(path, table: str, row_id: int) -> int:
    con = sqlite3.connect(path)
    try:
        return con.execute('SELECT max(id) FROM audit WHERE "table" = ? AND row_id = ?',
                           (table, row_id)).fetchone()[0]
    finally:
        con.close()


def sql_for(path, template: str) -> str:
    """{m2}: the latest entry of member 2; {c3}: of case 3 (REQ-2026-0001); {last}: the
    last entry of the log."""
    con = sqlite3.connect(path)
    try:
        last = con.execute("SELECT max(id) FROM audit").fetchone()[0]
    finally:
        con.close()
    return template.format(m2=latest_entry(path, "member", 2),
                           c3=latest_entry(path, "case", 3), last=last)


# --- the legitimate writes, each through the domain (the api where it has the call) -----

def edit_member():
    api.edit("members", 2, email="new.address@example.org")


def archive_member():
    api.archive("members", 2)


def step_on_case_3():
    api.add_step("REQ-2026-0001", "Phoned the member")


def assign_case_3():
    triage.assign(3, 1)


def snooze_case_3():
    triage.snooze(3, dt.date.today() + dt.timedelta(days=10))


def priority_case_3():
    triage.set_priority(3, "high")


def task_4_done():
    triage.task_done(4)


def council_settings():
    council.save_settings({**council.form_values(council.get()), "retention_years": "8"})


def undo_member_2():
    undo.undo_last("member", 2)


def anonymise_case_2():
    retention.anonymise(2, today=dt.date.today() + dt.timedelta(days=365 * 10))


def new_ward():
    records.save(registers.WARDS, {"name": "Riverside", "notes": ""})


def new_member():
    records.save(registers.MEMBERS, {"name": "Cllr New Face"})


def edit_ward_1():
    api.edit("wards", 1, notes="Edited in the app")


def edit_officer_1():
    api.edit("officers", 1, phone="01632 960000")


def edit_group_1():
    api.edit("groups", 1, notes="Edited in the app")


def edit_committee_1():
    api.edit("committees", 1, functions="Everything")


def edit_contact_1():
    api.edit("contacts", 1, phone="01632 960001")


def seat_back_on_committee_1():
    c = Committee.get_by_id(1)
    raw = records.form_values(registers.COMMITTEES, c)
    raw["seats"] = ",".join(sorted(set(filter(None, raw["seats"].split(","))) | {"1"}))
    records.save(registers.COMMITTEES, raw, c.id, expected_version=c.version)


def add_interest():
    registers.add_interest(3, {"kind": "personal", "description": "Allotment holder"})


def add_training():
    registers.add_training(3, {"course": "Code of Conduct"})


def import_a_ward():
    import tempfile

    from clerkdesk.models.output import csv_exchange

    sheet = Path(tempfile.mkdtemp()) / "wards.csv"  # not beside the casebook
    sheet.write_text("Name,Notes\nRiverside,from the sheet\n", encoding="utf-8")
    csv_exchange.apply_import(csv_exchange.preview_import("wards", sheet))


@dataclass
class Variant:
    id: str
    sql: list[str]
    named: str  # in check's output
    write: object  # the legitimate write that must be refused
    refused: str  # in the refusal's sentence
    extra: dict = field(default_factory=dict)


VARIANTS = [
    # rows changed behind clerkdesk's back, then the record written in the app
    Variant("member-name", ["UPDATE member SET name = 'Cllr Nobody' WHERE id = 2"],
            "member 2 (Cllr Nobody)", edit_member, "Member 2 (Cllr Nobody) was changed"),
    Variant("member-archive", ["UPDATE member SET phone = '000' WHERE id = 2"],
            "member 2 (", archive_member, "Member 2 ("),
    Variant("member-undo", ["UPDATE member SET notes = 'planted' WHERE id = 2"],
            "member 2 (", undo_member_2, "Member 2 ("),
    Variant("ward", ["UPDATE ward SET notes = 'x' WHERE id = 1"], "ward 1 (Abbey)",
            edit_ward_1, "Ward 1 (Abbey)"),
    Variant("officer", ["UPDATE officer SET job_title = 'Mayor' WHERE id = 1"],
            "officer 1 (", edit_officer_1, "Officer 1 ("),
    Variant("party-group", ["UPDATE party_group SET name = 'Renamed' WHERE id = 1"],
            "party group 1 (Renamed)", edit_group_1, "Party group 1 (Renamed)"),
    Variant("committee", ["UPDATE committee SET functions = 'secret' WHERE id = 1"],
            "committee 1 (", edit_committee_1, "Committee 1 ("),
    Variant("contact", ["UPDATE contact SET email = 'x@evil.example' WHERE id = 1"],
            "contact 1 (", edit_contact_1, "Contact 1 ("),
    Variant("council-settings", ["UPDATE council SET retention_years = 1"], "council 1 (",
            council_settings, "Council 1 ("),
    Variant("case-subject", ['UPDATE "case" SET subject = \'Nothing to see\' WHERE id = 3'],
            "case 3 (REQ-2026-0001)", step_on_case_3, "Case 3 (REQ-2026-0001)"),
    Variant("case-assign", ['UPDATE "case" SET owner_id = 2 WHERE id = 3'],
            "case 3 (REQ-2026-0001)", assign_case_3, "Case 3 (REQ-2026-0001)"),
    Variant("case-snooze", ['UPDATE "case" SET due = \'2099-01-01\' WHERE id = 3'],
            "case 3 (REQ-2026-0001)", snooze_case_3, "Case 3 (REQ-2026-0001)"),
    Variant("case-priority", ['UPDATE "case" SET confidential = 1 WHERE id = 3'],
            "case 3 (REQ-2026-0001)", priority_case_3, "Case 3 (REQ-2026-0001)"),
    Variant("retention", ['UPDATE "case" SET outcome = \'rewritten\' WHERE id = 2'],
            "case 2 (CMP-2026-0001)", anonymise_case_2, "Case 2 (CMP-2026-0001)"),
    Variant("task", ["UPDATE task SET description = 'nothing' WHERE id = 4"], "task 4",
            task_4_done, "Task 4"),
    Variant("committee-seat", ["UPDATE committee_seat SET archived = 1 WHERE id = 1"],
            "committee seat 1", seat_back_on_committee_1, "Committee seat 1"),
    # a case's timeline: steps rewritten, deleted, added, moved
    Variant("step-edited", ["UPDATE step SET note = 'edited' WHERE id = "
                            "(SELECT min(id) FROM step WHERE case_id = 3)"],
            "case 3 (REQ-2026-0001)", step_on_case_3, "Case 3 (REQ-2026-0001)"),
    Variant("step-deleted", ["DELETE FROM step WHERE id = "
                             "(SELECT max(id) FROM step WHERE case_id = 3)"],
            "case 3 (REQ-2026-0001)", step_on_case_3, "Case 3 (REQ-2026-0001)"),
    Variant("step-added", ["INSERT INTO step (case_id, at, who, action, note, clause, kind) "
                           "VALUES (3, '2026-01-01 09:00:00', 'Mallory', 'Closed', '', '', "
                           "'closed')"],
            "case 3 (REQ-2026-0001)", step_on_case_3, "Case 3 (REQ-2026-0001)"),
    Variant("step-moved", ["UPDATE step SET case_id = 4 WHERE id = "
                           "(SELECT max(id) FROM step WHERE case_id = 3)"],
            "case 3 (REQ-2026-0001)", step_on_case_3, "Case 3 (REQ-2026-0001)"),
    # rows added or deleted behind its back
    Variant("member-added", ["INSERT INTO member (name, roles, email, phone, address, notes, "
                             "archived, version) VALUES ('Cllr Ghost', '', '', '', '', '', 0, 1)"],
            "has no audit entry", None, "has no audit entry", {"edit_new": True}),
    Variant("member-deleted-id-reused", ["DELETE FROM member WHERE id = 13"],
            "member 13 is in the audit log", new_member, "was deleted outside clerkdesk"),
    Variant("ward-deleted-import-reuses", ["DELETE FROM ward WHERE id = 4"],
            "ward 4 is in the audit log", "import", "was deleted outside clerkdesk"),
    Variant("interest-deleted-id-reused", ["DELETE FROM interest WHERE id = "
                                           "(SELECT max(id) FROM interest)"],
            "is in the audit log", add_interest, "was deleted outside clerkdesk"),
    Variant("training-deleted-id-reused", ["DELETE FROM training WHERE id = "
                                           "(SELECT max(id) FROM training)"],
            "is in the audit log", add_training, "was deleted outside clerkdesk"),
    # the audit log itself
    Variant("entry-who", ["UPDATE audit SET who = 'Mallory' WHERE id = {m2}"],
            "audit entry #", edit_member, "was edited"),
    Variant("entry-changes", ["UPDATE audit SET changes = '{{}}' WHERE id = {m2}"],
            "audit entry #", edit_member, "was edited"),
    Variant("entry-fake-redaction", ["UPDATE audit SET changes = '{{\"_redacted\": 99999}}' "
                                     "WHERE id = {m2}"],
            "audit entry #", edit_member, "was edited"),
    Variant("entry-deleted", ["DELETE FROM audit WHERE id = {m2}"], "audit entry #",
            edit_member, "outside clerkdesk"),
    Variant("entry-before-deleted", ["DELETE FROM audit WHERE id = {m2} - 1"],
            "does not follow the entry before it", edit_member, "was edited, or the entries"),
    Variant("entry-retargeted", ["UPDATE audit SET row_id = 3 WHERE id = {m2}"],
            "audit entry #", edit_member, "outside clerkdesk"),
    Variant("entry-digest-forged", ["UPDATE member SET name = 'Cllr Forged' WHERE id = 2",
                                    "FORGE_DIGEST {m2}"],
            "audit entry #", edit_member, "was edited"),
    Variant("entry-hash-forged", ["UPDATE member SET name = 'Cllr Forged' WHERE id = 2",
                                  "FORGE_HASH {m2}"],
            "does not follow the entry before it", edit_member, "the entries beside it"),
    Variant("tail-deleted", ["DELETE FROM audit WHERE id > {last} - 3"], "were deleted",
            new_ward, "end of the audit log"),
    Variant("head-edited", ["UPDATE setting SET value = '1 abc' WHERE key = 'audit.head'"],
            "head", new_ward, "end of the audit log"),
    Variant("head-deleted", ["DELETE FROM setting WHERE key = 'audit.head'"],
            "head is not recorded", new_ward, "end of the audit log"),
    Variant("entry-appended-unsealed",
            ["INSERT INTO audit (at, who, action, \"table\", row_id, changes, changes_digest, "
             "row_digest, prev_hash, hash) VALUES ('2026-01-01 09:00:00', 'Mallory', 'update', "
             "'ward', 1, '{{}}', '', '', '', '')"],
            "not sealed", new_ward, "end of the audit log"),
]


def _forge(path, statement: str) -> None:
    """FORGE_DIGEST n: give entry n the row's digest now; FORGE_HASH n: and recompute its
    hash (the forger's moves; the links either side still break)."""
    kind, entry_id = statement.split()
    con = sqlite3.connect(path, isolation_level=None)
    try:
        table, row_id = con.execute('SELECT "table", row_id FROM audit WHERE id = ?',
                                    (int(entry_id),)).fetchone()
        digest = chain.row_digest(con, table, row_id)
        con.execute("UPDATE audit SET row_digest = ? WHERE id = ?", (digest, int(entry_id)))
        if kind == "FORGE_HASH":
            r = con.execute('SELECT id, at, who, action, "table", row_id, changes_digest, '
                            "row_digest, undoes, prev_hash FROM audit WHERE id = ?",
                            (int(entry_id),)).fetchone()
            con.execute("UPDATE audit SET hash = ? WHERE id = ?",
                        (chain.entry_hash(*r), int(entry_id)))
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        con.close()


@pytest.mark.parametrize("v", VARIANTS, ids=lambda v: v.id)
def test_tampering_is_found_and_never_laundered(v, demo_db, tmp_path, capsys):
    close_database()
    path = demo_db
    plain = [sql_for(path, s) for s in v.sql if not s.startswith("FORGE")]
    tamper(path, *plain)
    for s in v.sql:
        if s.startswith("FORGE"):
            _forge(path, sql_for(path, s))
    status, out = run_check(path, capsys)
    assert status == 1 and "CHECK FAILED" in out, out
    assert v.named in out, out
    before = snapshot(path)
    with pytest.raises(DatabaseError) as refused:
        with api.open_casebook(path):
            if v.extra.get("edit_new"):
                ghost = Member.get(Member.name == "Cllr Ghost")
                api.edit("members", ghost.id, email="ghost@example.org")
            elif v.write == "import":
                import_a_ward()
            else:
                v.write()
    message = str(refused.value)
    assert isinstance(refused.value, Tampered), message
    assert v.refused in message, message
    assert "clerkdesk check" in message and message.count("\n") == 0
    assert snapshot(path) == before  # byte for byte, and no backup made
    status, again = run_check(path, capsys)
    assert status == 1 and v.named in again  # not laundered


def test_the_suite_is_at_least_thirty_strong():
    assert len(VARIANTS) + len(SCHEMA_VARIANTS) >= 30


# --- the schema number and the tables --------------------------------------------------

SCHEMA_VARIANTS = [
    ("user-version-2-after-a-tampered-row",
     ["UPDATE member SET name = 'Cllr Nobody' WHERE id = 2", "PRAGMA user_version = 2"],
     "schema number", "schema number was changed"),
    ("user-version-1-rechains-the-log", ["PRAGMA user_version = 1"], "schema number",
     "schema number was changed"),
    ("user-version-3-on-schema-4", ["PRAGMA user_version = 3"], "schema number",
     "schema number was changed"),
    ("tables-dropped", ['DROP TABLE step', 'DROP TABLE task', 'DROP TABLE advice',
                        'DROP TABLE "case"'], "table step is missing", "has lost the tables"),
    ("council-dropped", ["DROP TABLE council"], "table council is missing",
     "has lost the table council"),
    ("column-dropped", ["ALTER TABLE member DROP COLUMN email"], "column email of member",
     "has lost the column email of member"),
]


@pytest.mark.parametrize("statements, named, refused",
                         [v[1:] for v in SCHEMA_VARIANTS], ids=[v[0] for v in SCHEMA_VARIANTS])
def test_schema_tricks_are_found_and_refused_untouched(statements, named, refused, demo_db,
                                                       capsys):
    close_database()
    tamper(demo_db, *statements)
    status, out = run_check(demo_db, capsys)
    assert status == 1 and named in out, out
    before = snapshot(demo_db)
    for argv in ([], ["export", "members"], ["report", "--out", str(demo_db.parent / "r")],
                 ["import", "wards", str(demo_db)], ["retention"]):
        code = main(["--db", str(demo_db), *argv])
        err = capsys.readouterr().err
        assert code != 0 and refused in err and err.count("\n") == 1, (argv, err)
    assert snapshot(demo_db) == before  # never recreated, migrated or backed up


def test_a_tampered_older_casebook_is_refused_its_upgrade(tmp_path, capsys):
    path = tmp_path / "old.db"
    shutil.copyfile(DATA / "schema_v3.db", path)
    tamper(path, "UPDATE member SET name = 'Cllr Nobody' WHERE id = 2")
    before = snapshot(path)
    with pytest.raises(Tampered, match="was not upgraded and was left untouched"):
        with api.open_casebook(path):
            pass
    assert snapshot(path) == before
    status, out = run_check(path, capsys)
    assert status == 1 and "member 2 (Cllr Nobody)" in out


def test_an_untampered_older_casebook_still_upgrades(tmp_path):
    path = tmp_path / "old.db"
    shutil.copyfile(DATA / "schema_v3.db", path)
    with api.open_casebook(path):
        assert api.check().ok


def test_a_forged_rewrite_of_the_whole_log_is_caught_only_against_an_anchor(demo_db, capsys):
    """What check cannot catch (README): every hash recomputed. An anchor can."""
    from unaudited import reforge

    close_database()
    assert main(["--db", str(demo_db), "anchor"]) == 0
    token = capsys.readouterr().out.rsplit("--since ", 1)[1].strip(" )\n")
    con = sqlite3.connect(demo_db, isolation_level=None)
    con.execute("UPDATE member SET name = 'Cllr Rewritten' WHERE id = 2")
    con.execute("BEGIN")
    reforge(con)
    con.execute("COMMIT")
    con.close()
    status, out = run_check(demo_db, capsys)
    assert status == 0  # the forgery verifies on its own
    assert main(["--db", str(demo_db), "check", "--since", token]) == 1
    out = capsys.readouterr().out
    assert "anchor: FAILED" in out and "CHECK FAILED" in out


def test_an_anchor_holds_across_legitimate_writes(demo_db, capsys):
    close_database()
    assert main(["--db", str(demo_db), "anchor"]) == 0
    line = capsys.readouterr().out
    token = line.rsplit("--since ", 1)[1].strip(" )\n")
    assert "Ashcombe" in line and "#" in line
    with api.open_casebook(demo_db):
        api.add_step("REQ-2026-0001", "A later, legitimate step")
        api.edit("members", 3, phone="01632 960002")
    assert main(["--db", str(demo_db), "check", "--since", token]) == 0
    out = capsys.readouterr().out
    assert "anchor: ok" in out and "entries since" in out
    other = "1" if token[-1] == "0" else "0"  # the same token with its last digit changed
    for bad in ("nonsense", "1:abc", token[:-1] + other):
        code = main(["--db", str(demo_db), "check", "--since", bad])
        captured = capsys.readouterr()
        assert code == 1 and "Traceback" not in captured.err


def test_the_committee_report_prints_the_head_so_the_minutes_anchor_it(demo_db, tmp_path,
                                                                       capsys):
    close_database()
    assert main(["--db", str(demo_db), "report", "--out", str(tmp_path / "r")]) == 0
    capsys.readouterr()
    md = next((tmp_path / "r").glob("*.md")).read_text()
    html = next((tmp_path / "r").glob("*.html")).read_text()
    token = re.search(r"--since (\d+:[0-9a-f]{32})", md).group(1)
    assert token in html and "Audit chain head" in md
    with api.open_casebook(demo_db):
        api.add_step("REQ-2026-0001", "After the meeting")
    assert main(["--db", str(demo_db), "check", "--since", token]) == 0
    assert "anchor: ok" in capsys.readouterr().out


# --- PostgreSQL -------------------------------------------------------------------------

PG_VARIANTS = [
    ("member", "UPDATE member SET name = 'Cllr Nobody' WHERE id = 2", edit_member,
     "Member 2 (Cllr Nobody)"),
    ("step", "DELETE FROM step WHERE id = (SELECT max(id) FROM step WHERE case_id = 3)",
     step_on_case_3, "Case 3 (REQ-2026-0001)"),
    ("head", "UPDATE setting SET value = '1 abc' WHERE key = 'audit.head'", new_ward,
     "end of the audit log"),
]


@pytest.mark.parametrize("statement, write, refused", [v[1:] for v in PG_VARIANTS],
                         ids=[v[0] for v in PG_VARIANTS])
def test_tampering_on_postgres_is_found_and_never_laundered(statement, write, refused,
                                                            pg_server, _pg_demo_template,
                                                            capsys):
    import psycopg

    url = pg_server.url(pg_server.create_database(_pg_demo_template))
    with psycopg.connect(url, autocommit=True) as con:
        con.execute("SET session_replication_role = replica")  # foreign keys off
        con.execute(statement)
    assert main(["--db", url, "check"]) == 1
    assert "CHECK FAILED" in capsys.readouterr().out
    with pytest.raises(Tampered, match=re.escape(refused)):
        with api.open_casebook(url):
            write()
    assert main(["--db", url, "check"]) == 1


def test_an_anchor_on_postgres(pg_server, _pg_demo_template, capsys):
    url = pg_server.url(pg_server.create_database(_pg_demo_template))
    assert main(["--db", url, "anchor"]) == 0
    token = capsys.readouterr().out.rsplit("--since ", 1)[1].strip(" )\n")
    with api.open_casebook(url):
        api.add_step("REQ-2026-0001", "On the server")
    assert main(["--db", url, "check", "--since", token]) == 0
    assert "anchor: ok" in capsys.readouterr().out


@pytest.mark.skipif(os.name != "posix", reason="POSIX")
def test_the_refusal_reaches_the_command_line_as_one_sentence(demo_db, tmp_path, capsys):
    close_database()
    tamper(demo_db, "DELETE FROM ward WHERE id = 4")
    sheet = tmp_path / "w.csv"
    sheet.write_text("Name\nRiverside\n", encoding="utf-8")
    assert main(["--db", str(demo_db), "import", "wards", str(sheet), "--yes"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("clerkdesk: ") and err.count("\n") == 1
    assert "clerkdesk check" in err
