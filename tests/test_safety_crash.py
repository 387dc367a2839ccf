"""Crash test: a writer process works through the public domain functions and is killed
with SIGKILL 200 times; after each kill every write it had confirmed is in the casebook
with the contents it wrote, every ward's archived state is the last one confirmed, and
every check passes.

The writer is forked from this (already imported) test process so each round costs
milliseconds, not an interpreter start: it opens the casebook afresh (half the time with
its automatic backup, taken before its first write), then saves, steps, closes, archives
and undoes in a loop, reporting each confirmed write on a pipe. The parent waits for a
random number of confirmations (counting work, never timing it: a loaded machine only
makes the rounds slower) and kills the writer at once, in the middle of its next write.
Linux/POSIX only.
"""
from __future__ import annotations

import os
import random
import signal
import sqlite3

import pytest

from clerkdesk.models.casework import case_lists, cases, records, registers
from clerkdesk.models.core.db import close_database
from clerkdesk.models.core.schema import Audit, Case, Step, Ward
from clerkdesk.models.store import audit, backup, integrity, undo
from clerkdesk.models.store.opening import open_database

KILLS = 200

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork (POSIX)")


def _say(fd, line: str) -> None:
    os.write(fd, (line + "\n").encode())


def _last_entry(ward_id: int) -> int:
    return audit.history("ward", ward_id)[-1].id


def _writer(path, out_fd, seed):  # runs in the child; never returns
    try:
        rnd = random.Random(seed)
        open_database(path, backup=rnd.random() < 0.5)
        case_id = Case.select(Case.id).order_by(Case.id).first().id
        n = 0
        while True:
            n += 1
            pick = rnd.random()
            if pick < 0.45:
                size = rnd.randint(0, 3000)
                step = cases.add_step(case_id, f"crash step {seed}-{n}", note="x" * size)
                _say(out_fd, f"step {step.id} {seed}-{n} {size}")
            elif pick < 0.75:
                ward = records.save(registers.WARDS, {"name": f"W{seed}-{n}",
                                                      "notes": f"notes {seed}-{n}"})
                _say(out_fd, f"ward {ward.id} W{seed}-{n} {_last_entry(ward.id)}")
            elif pick < 0.9:
                ward = Ward.select().order_by(Ward.id.desc()).first()
                if ward is None:
                    continue
                row = records.archive(registers.WARDS, ward.id, restore=ward.archived)
                _say(out_fd, f"archived {row.id} {int(row.archived)} {_last_entry(row.id)}")
            else:
                try:
                    entry = undo.undo_last("ward")
                except undo.UndoError:
                    continue
                row = Ward.get_by_id(entry.row_id)  # committed: what the undo left
                _say(out_fd, f"undo {entry.id} {row.id} {int(row.archived)} {entry.id}")
    except BaseException as exc:  # reported, so the parent fails loudly
        _say(out_fd, f"error {type(exc).__name__}: {' '.join(str(exc).split())}")
    finally:
        os._exit(0)


def _read_until(fd, wanted: int) -> bytes:
    """What the writer said, once it has confirmed *wanted* writes (or ended)."""
    buf = bytearray()
    while buf.count(b"\n") < wanted:
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        buf.extend(chunk)
    return bytes(buf)


def _rest(fd) -> bytes:
    out = bytearray()
    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            return bytes(out)
        out.extend(chunk)


def test_sigkill_never_loses_a_confirmed_write(db, tmp_path):
    audit.record("adopt", "council", 1, {})
    records.save(registers.OFFICERS, {"name": "Helen Marsh"})
    member = records.save(registers.MEMBERS, {"name": "Cllr Test"})
    records.save(case_lists.REQUESTS, {"kind": "information", "subject": "Crash test",
                                       "member": str(member.id), "received": "today"})
    close_database()
    rnd = random.Random(20261128)
    steps: dict[int, tuple[str, int]] = {}  # id -> (action's tail, note length)
    wards: dict[int, str] = {}  # id -> name
    archived: dict[int, tuple[int, int]] = {}  # ward id -> (confirmed state, its entry)
    undos: set[int] = set()
    confirmed = 0
    for kill in range(KILLS):
        wanted = rnd.randint(1, 6)
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            _writer(db, w, kill)
        os.close(w)
        said = _read_until(r, wanted)
        os.kill(pid, signal.SIGKILL)  # now: in the middle of the next write
        os.waitpid(pid, 0)
        said += _rest(r)  # a confirmation written just before the kill counts too
        os.close(r)
        lines = said.decode().split("\n")[:-1]  # complete lines only
        assert not [ln for ln in lines if ln.startswith("error")], lines
        for line in lines:
            kind, *rest = line.split()
            confirmed += 1
            if kind == "step":
                steps[int(rest[0])] = (rest[1], int(rest[2]))
            elif kind == "ward":
                wards[int(rest[0])] = rest[1]
                archived[int(rest[0])] = (0, int(rest[2]))
            elif kind == "archived":
                archived[int(rest[0])] = (int(rest[1]), int(rest[2]))
            elif kind == "undo":
                undos.add(int(rest[0]))
                archived[int(rest[1])] = (int(rest[2]), int(rest[3]))
        # after each kill: everything confirmed is there as written, and check passes
        report = integrity.check_path(db)
        assert report.ok, (kill, report.lines())
        open_database(db, backup=False)
        try:
            found = {s.id: s for s in Step.select().where(Step.id.in_(list(steps)))}
            for step_id, (tail, size) in steps.items():
                assert step_id in found, (kill, step_id)
                assert found[step_id].action == f"crash step {tail}", kill
                assert found[step_id].note == "x" * size, kill
            rows = {x.id: x for x in Ward.select().where(Ward.id.in_(list(set(wards) | set(archived))))}
            for ward_id, name in wards.items():  # (a ward made just before a kill, its
                # confirmation lost, may still be archived by a later writer: both count)
                assert rows[ward_id].name == name and rows[ward_id].notes == \
                    f"notes {name[1:]}", kill
            latest = {}
            for entry_id, row_id in Audit.select(Audit.id, Audit.row_id).where(
                    Audit.table == "ward").tuples():
                latest[row_id] = max(entry_id, latest.get(row_id, 0))
            for ward_id, (state, entry_id) in archived.items():
                # the confirmed change is in the log; unless a later one (made just
                # before a kill, its confirmation lost) followed it, the ward is as it left it
                assert latest[ward_id] >= entry_id, (kill, ward_id)
                if latest[ward_id] == entry_id:
                    assert int(rows[ward_id].archived) == state, (kill, ward_id)
            found_undos = {a.id for a in Audit.select(Audit.id).where(Audit.action == "undo")}
            assert undos <= found_undos, kill
        finally:
            close_database()
    # the writer got work done: counted, not timed
    assert confirmed >= KILLS
    assert steps and wards and archived
    # no half-made backup under a backup's name
    for made in backup.automatic_backups(db):
        con = sqlite3.connect(f"file:{made}?mode=ro", uri=True)
        assert con.execute("PRAGMA quick_check").fetchone()[0] == "ok", made
        con.close()
    print(f"\n{KILLS} kills; {len(steps)} steps, {len(wards)} wards, {len(undos)} undos "
          f"confirmed and found with their contents")
    open_database(db, backup=False)
