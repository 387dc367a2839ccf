"""clerkdesk from Python: a small, stable facade for scripts and integrations.

    from clerkdesk import api

    with api.open_casebook("council.db") as book:
        ref = api.new_request(member_id=3, kind="information",
                              subject="Cost of the Christmas lights")
        api.add_step(ref, "Asked the RFO for the figures")
        for hit in api.find("christmas"):
            print(hit.kind, hit.label)
        assert api.check().ok

Every call goes through the same domain functions as the app and the command line: the
same validation (a `ValidationError` whose `.errors` maps each bad field to a sentence),
the same audit entry in the same transaction, the same version checks. Values are plain
Python (`datetime.date`, `int` ids, `bool`); they are turned into the form's text and
validated exactly as if the clerk had typed them. Nothing here imports Textual.

One casebook is open at a time (the models are bound to it): `open_casebook` refuses a
second while the first is open.
"""
from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clerkdesk.models.casework import bulk as bulk_triage
from clerkdesk.models.casework import cases, case_lists, council, records, registers, search, stats
from clerkdesk.models.casework import first_run
from clerkdesk.models.core import dates
from clerkdesk.models.core.db import DatabaseError, close_database, database
from clerkdesk.models.core.forms import ValidationError
from clerkdesk.models.core.schema import Case
from clerkdesk.models.rules import rulebook
from clerkdesk.models.store import backend, integrity, opening
from clerkdesk.models.store import undo as undoing

__all__ = [
    "Casebook", "Found", "open_casebook", "new_request", "new_complaint", "add_step", "edit",
    "archive", "find", "check", "route", "figures", "response_times", "first_steps",
    "bulk_preview", "bulk", "undo_last", "REGISTER_NAMES", "ValidationError", "DatabaseError",
]

#: the names `edit` and `archive` take, and the registers they stand for
REGISTER_NAMES = ("members", "officers", "wards", "groups", "committees", "contacts",
                  "requests", "complaints")


@dataclass(frozen=True)
class Casebook:
    """The open casebook: where it is, and the council it belongs to."""

    where: str  # the file's path, or the PostgreSQL URL without its password
    council: str  # the council's name ("" before first-run setup)


@dataclass(frozen=True)
class Found:
    """One record `find` matched."""

    kind: str  # case, member, officer, party_group, committee
    id: int
    label: str
    detail: str


@contextmanager
def open_casebook(path_or_url: str | os.PathLike, passphrase: str | None = None
                  ) -> Iterator[Casebook]:
    """Open the casebook at a path (an SQLite file, made if it does not exist) or a
    `postgresql://` URL, for the calls below; closed again when the block ends.
    *passphrase* opens an encrypted casebook (default: $CLERKDESK_PASSPHRASE)."""
    if database.obj is not None and not database.obj.is_closed():
        raise DatabaseError("A casebook is already open: close it (end its `with` block) "
                            "before opening another.")
    target = str(path_or_url) if backend.is_url(str(path_or_url)) else Path(path_or_url)
    opening.open_database(target, passphrase=passphrase)
    try:
        row = council.get()
        where = backend.display_url(target) if isinstance(target, str) else str(target)
        yield Casebook(where=where, council=row.name if row else "")
    finally:
        close_database()


def _text(value: Any) -> str:
    """A Python value as the text a form field takes."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (dt.date, dt.datetime)):
        return dates.fmt(value if isinstance(value, dt.date) else value.date())
    if isinstance(value, (list, tuple, set)):
        return ",".join(_text(v) for v in value)
    return str(value)


def _register(name: str) -> records.Register:
    if name in registers.REGISTERS:
        return registers.REGISTERS[name]
    if name == "requests":
        return case_lists.REQUESTS
    if name == "complaints":
        return case_lists.COMPLAINTS
    raise ValueError(f"There is no register {name!r}: use one of {', '.join(REGISTER_NAMES)}.")


def _raw(register: records.Register, values: dict[str, Any], start: dict[str, str]
         ) -> dict[str, str]:
    known = {s.name for s in register.fields()}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ValueError(f"A {register.singular} has no field {unknown[0]!r}: it has "
                         f"{', '.join(sorted(known))}.")
    return {**start, **{k: _text(v) for k, v in values.items()}}


def _new_case(register: records.Register, fields: dict[str, Any]) -> str:
    raw = _raw(register, fields, records.form_values(register, None))
    return records.save(register, raw).ref


def new_request(member_id: int, kind: str, subject: str, **fields: Any) -> str:
    """Log a member's request; returns its reference (REQ-2026-0042). *fields* are the
    request form's other fields: group, owner (officer ids), received, due (dates),
    priority, confidential, details. An information request is due as the protocol says
    unless *due* is given."""
    return _new_case(case_lists.REQUESTS,
                     {"member": member_id, "kind": kind, "subject": subject, **fields})


def new_complaint(kind: str, subject: str, **fields: Any) -> str:
    """Log a complaint; returns its reference (CMP-2026-0007). *fields*:
    complainant_member, complainant_officer, subject_member, subject_officer (ids),
    serious, financial_irregularity (bools), owner, received, due, priority, confidential,
    details. Each kind needs its parties (a member about an officer needs both)."""
    return _new_case(case_lists.COMPLAINTS, {"kind": kind, "subject": subject, **fields})


def _case(ref: str) -> Case:
    case = Case.get_or_none(Case.ref == str(ref).strip().upper())
    if case is None:
        raise ValueError(f"There is no case {ref}.")
    return case


def add_step(ref: str, note: str, *, action: str = "Note", **fields: Any) -> int:
    """Record a step on a case's timeline; returns the step's id. *fields*: clause,
    status (new, open, waiting, closed), stage. One audited change, as in the app."""
    allowed = {"clause", "status", "stage"}
    unknown = sorted(set(fields) - allowed)
    if unknown:
        raise ValueError(f"A step has no field {unknown[0]!r}: it has action, note, "
                         f"{', '.join(sorted(allowed))}.")
    return cases.add_step(_case(ref).id, action, note=note, **fields).id


def _record_id(register: records.Register, record_id: int | str) -> int:
    if register.model is Case and isinstance(record_id, str) and not record_id.isdigit():
        return _case(record_id).id
    row = register.model.get_or_none(register.model.id == int(record_id))
    if row is None:
        raise ValueError(f"There is no {register.singular} {record_id}.")
    return row.id


def edit(register: str, record_id: int | str, **changes: Any) -> None:
    """Change fields of a record (a case may be given by its reference), validated and
    audited as the app's form does; only the fields named change."""
    reg = _register(register)
    row_id = _record_id(reg, record_id)
    row = reg.get(row_id)
    raw = _raw(reg, changes, records.form_values(reg, row))
    records.save(reg, raw, row_id, expected_version=getattr(row, "version", None))


def archive(register: str, record_id: int | str) -> None:
    """Archive a record: it leaves the lists and is never deleted (audited)."""
    reg = _register(register)
    records.archive(reg, _record_id(reg, record_id))


def find(text: str, limit: int = 20) -> list[Found]:
    """Records matching every word of *text*, best first (the command palette's search)."""
    return [Found(kind, row_id, label, detail)
            for kind, row_id, label, detail in search.search(text, limit=limit)]


def bulk_preview(action: str, refs: list[str], **params: Any) -> str:
    """What `bulk` would do, as the app's confirm modal says it ("Close 12 cases?", the
    cases, then those skipped and why); nothing is written. Names are not masked."""
    ids = [_case(ref).id for ref in refs]
    return bulk_triage.preview(action, ids, **params).text(meeting_mode=False)


def bulk(action: str, refs: list[str], **params: Any) -> bulk_triage.Result:
    """One action on many cases, as marking them in the app does: *action* is close
    (outcome, clause=""), assign (officer_id), priority (priority), snooze (until: a
    date) or step (outcome, note="", clause=""). In one transaction, one audit batch
    (one `undo_last` reverts it), each case getting its own step; the cases that cannot
    take it (already closed, ...) are skipped and said in `.skipped`. Returns `.done`
    (the references changed), `.skipped` and `.message()`."""
    ids = [_case(ref).id for ref in refs]
    return bulk_triage.apply(action, ids, **params)


def undo_last() -> str:
    """Undo the newest change that can still be undone (a batch as a whole), as ctrl+z
    does; returns what was undone ("closing 12 cases (REQ-2026-0001, ...)"). Raises
    undo.UndoError("Nothing to undo.") when there is nothing."""
    from clerkdesk.models.core.schema import Audit

    entry = undoing.undo_last()
    return undoing.describe(Audit.get_by_id(entry.undoes))


def check() -> integrity.Report:
    """Every check `clerkdesk check` runs, on the open casebook: `.ok`, `.verdicts` (each
    with name, ok, summary, problems) and `.lines()`."""
    obj = database.obj
    if obj is None or obj.is_closed():
        raise DatabaseError("No casebook is open: use open_casebook first.")
    return integrity.check_path(obj.clerk_path, passphrase=obj.clerk_passphrase)


def route(profile: str, facts: dict[str, Any]) -> dict[str, Any]:
    """The protocol's route for the facts of one case, as `clerkdesk route` prints it:
    outcome, steps (handler, action, in_writing, clause), tasks, due_working_days,
    warnings, clauses. *profile* is a bundled profile (town, principal) or a .toml path.
    Raises rulebook.FactError (a sentence) for an unknown or contradictory fact."""
    return rulebook.route(rulebook.load_profile(profile), facts).to_dict()


def figures(today: dt.date | None = None) -> stats.Figures:
    """The Dashboard's charts as plain data, for the 13 weeks to *today*: `.flow` (cases
    `.opened` and `.closed` per week), `.trend.overdue` (overdue at each week's end),
    `.wards` (open cases by ward: `.ward`, `.shown`, `.hidden`, `.total`) and `.answers`
    (requests closed in the quarter: `.count`, `.median`, `.within`, `.limit`)."""
    return stats.figures(today)


def response_times(since: dt.date | None = None, until: dt.date | None = None
                   ) -> stats.AnswerTimes:
    """Requests closed from *since* to *until*, each with the working days it took and
    whether it was in time against the protocol's target; `.by("kind")`, `.by("ward")`."""
    return stats.answer_times(since, until)


def first_steps() -> list[dict[str, Any]]:
    """What the Dashboard's first-steps checklist is made of: each step of setting up the
    council (its dates, wards, the Clerk, the other officers, members, groups, committees),
    in order, as {"step", "title", "asks", "done"}."""
    return [{"step": s.key, "title": s.title, "asks": s.asks, "done": s.done}
            for s in first_run.checklist()]
