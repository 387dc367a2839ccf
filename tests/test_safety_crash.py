"""Crash test: a writer process works through the public domain functions and is killed
with SIGKILL at random moments, 200+ times; after each kill every write it had confirmed
is in the casebook and every check passes.

The writer is forked from this (already imported) test process so each round costs
milliseconds, not an interpreter start: it opens the casebook afresh (with its automatic
backup), then saves, steps, closes and archives in a loop, printing the id of each
confirmed write to a pipe. Linux/POSIX only.
"""
from __future__ import annotations

import os
import random
import select
import signal
import time

import pytest

from clerkdesk.models.casework import case_lists, cases, records, registers
from clerkdesk.models.core.db import close_database
from clerkdesk.models.core.schema import Audit, Case, Step, Ward
from clerkdesk.models.store import audit, integrity, undo
from clerkdesk.models.store.opening import open_database

KILLS = 200

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork (POSIX)")


def _writer(path, out_fd, seed):  # runs in the child; never returns
    try:
        rnd = random.Random(seed)
        open_database(path, backup=rnd.random() < 0.5)
        case_id = Case.select(Case.id).order_by(Case.id).first().id
        n = 0
        while True:
            n += 1
            pick = rnd.random()
            if pick < 0.5:
                step = cases.add_step(case_id, f"crash step {seed}-{n}", note="x" * rnd.randint(0, 3000))
                os.write(out_fd, f"step {step.id}\n".encode())
            elif pick < 0.8:
                ward = records.save(registers.WARDS, {"name": f"W{seed}-{n}", "notes": "n"})
                os.write(out_fd, f"ward {ward.id}\n".encode())
            elif pick < 0.9:
                ward = Ward.select().order_by(Ward.id.desc()).first()
                records.archive(registers.WARDS, ward.id, restore=ward.archived)
                os.write(out_fd, f"archived {ward.id} {int(not ward.archived)}\n".encode())
            else:
                try:
                    entry = undo.undo_last("ward")
                    os.write(out_fd, f"undo {entry.id}\n".encode())
                except undo.UndoError:
                    pass
    finally:
        os._exit(0)


def _read_lines(fd, buf):
    while True:
        ready, _, _ = select.select([fd], [], [], 0)
        if not ready:
            return
        chunk = os.read(fd, 65536)
        if not chunk:
            return
        buf.extend(chunk)


def test_sigkill_never_loses_a_confirmed_write(db, tmp_path):
    audit.record("adopt", "council", 1, {})
    records.save(registers.OFFICERS, {"name": "Helen Marsh"})
    member = records.save(registers.MEMBERS, {"name": "Cllr Test"})
    case_lists.REQUESTS  # noqa: B018
    records.save(case_lists.REQUESTS, {"kind": "information", "subject": "Crash test",
                                    "member": str(member.id), "received": "today"})
    close_database()
    rnd = random.Random(20261128)
    confirmed_steps: set[int] = set()
    confirmed_wards: set[int] = set()
    confirmed_undos: set[int] = set()
    archived_state: dict[int, int] = {}
    started = time.monotonic()
    for kill in range(KILLS):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            _writer(db, w, kill)
        os.close(w)
        buf = bytearray()
        deadline = time.monotonic() + rnd.uniform(0.005, 0.12)
        while time.monotonic() < deadline:
            _read_lines(r, buf)
            time.sleep(0.002)
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        _read_lines(r, buf)
        os.close(r)
        text = buf.decode()
        for line in text.splitlines()[:-1] if not text.endswith("\n") else text.splitlines():
            kind, *rest = line.split()
            if kind == "step":
                confirmed_steps.add(int(rest[0]))
            elif kind == "ward":
                confirmed_wards.add(int(rest[0]))
            elif kind == "archived":
                archived_state[int(rest[0])] = int(rest[1])
            elif kind == "undo":
                confirmed_undos.add(int(rest[0]))
        # after each kill: everything confirmed is there, and check passes
        report = integrity.check_path(db)
        assert report.ok, (kill, report.lines())
        open_database(db, backup=False)
        try:
            steps = {s.id for s in Step.select(Step.id)}
            wards = {w.id for w in Ward.select(Ward.id)}
            undos = {a.id for a in Audit.select(Audit.id).where(Audit.action == "undo")}
            assert confirmed_steps <= steps, kill
            assert confirmed_wards <= wards, kill
            assert confirmed_undos <= undos, kill
        finally:
            close_database()
    elapsed = time.monotonic() - started
    # the figures, for the report (pytest -s shows them)
    print(f"\n{KILLS} kills in {elapsed:.1f} s; {len(confirmed_steps)} steps, "
          f"{len(confirmed_wards)} wards, {len(confirmed_undos)} undos confirmed and found")
    assert len(confirmed_steps) + len(confirmed_wards) > KILLS  # the writer got work done
    open_database(db, backup=False)
