"""Undo through the audit log: an entry's logged old values are put back, and the undo is
itself an entry (`undoes` names the one it reverts), so nothing is ever lost from the
record. `describe` turns an entry into the sentence a toast shows.

A batch (audit.batch: bulk triage) is undone as one: its `batch` entry is the newest, and
undoing it reverts each of its entries, newest first, in one transaction (each getting
its own `undo` entry, each case its own "Undone: ..." step), then appends one `undo`
entry for the batch. An entry of a batch is never undone on its own.
"""
from __future__ import annotations

import datetime as dt
import json
import re

pass
from clerkdesk.models.core import schema
from clerkdesk.models.core.db import database
from clerkdesk.models.core.schema import Audit, Case, Step, now
from clerkdesk.models.core.user import current_user
from clerkdesk.models.store.audit import BATCH_TABLE, batch_token, record

#: actions `undo` can revert
UNDOABLE = {"create", "update", "archive", "restore", "step", "batch"}


class UndoError(Exception):
    """Why a change cannot be undone, as a sentence for the clerk."""


def _models() -> dict:
    return {m._meta.table_name: m for m in schema.TABLES}


_ISO_DT = re.compile(r"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d")


def _norm(value):
    """A value as the log holds it, for comparing logged and current values."""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "id"):
        return value.id
    if isinstance(value, str) and _ISO_DT.match(value):
        return value.replace("T", " ", 1)
    return value


def _to_python(field, value):
    from peewee import DateField, DateTimeField

    if value is None or not isinstance(value, str):
        return value
    if isinstance(field, DateTimeField):
        return dt.datetime.fromisoformat(value)
    if isinstance(field, DateField):
        return dt.date.fromisoformat(value[:10])
    return value


def _undone_ids(ids) -> set[int]:
    return {e.undoes for e in Audit.select(Audit.undoes).where(Audit.undoes.in_(list(ids)))}


def _changes(entry: Audit) -> dict:
    try:
        changes = json.loads(entry.changes or "{}")
    except ValueError:
        return {}
    return changes if isinstance(changes, dict) else {}


def batch_members(entry: Audit) -> list[Audit]:
    """The entries a `batch` entry groups, oldest first."""
    ids = (_changes(entry).get("_entries") or [None, []])[1]
    if not isinstance(ids, list):
        return []
    ids = [i for i in ids if isinstance(i, int)]
    out: list[Audit] = []
    for start in range(0, len(ids), 500):  # (SQLite's limit on a statement's variables)
        out.extend(Audit.select().where(Audit.id.in_(ids[start:start + 500])))
    return sorted(out, key=lambda e: e.id)


def _plan_batch(entry: Audit) -> list[Audit]:
    """The entries to undo for a `batch` entry, newest first, or UndoError: every one
    must be undoable now (only the newest of each record is checked: undoing the later
    ones first puts the record back as the earlier ones left it)."""
    members = batch_members(entry)
    if not members:
        raise UndoError(f"Entry #{entry.id} groups no change that can be put back.")
    # one look for undos of the batch and of its entries (`undoes` has no index: a scan
    # per entry would cost a batch of hundreds minutes on a large casebook)
    ids = [entry.id] + [m.id for m in members]
    undone: set[int] = set()
    for start in range(0, len(ids), 500):
        undone |= _undone_ids(ids[start:start + 500])
    if entry.id in undone:
        raise UndoError(f"Entry #{entry.id} has already been undone.")
    if undone:
        raise UndoError(f"Part of the change in entry #{entry.id} has been undone already.")
    members.reverse()
    seen: set = set()
    for member in members:
        if (member.table, member.row_id) in seen:
            continue
        seen.add((member.table, member.row_id))
        _plan(member, in_batch=True)
    return members


def _plan(entry: Audit, *, in_batch: bool = False):
    """(model, row, {field: [current, restored]}) for undoing *entry*, or UndoError."""
    if entry.action not in UNDOABLE:
        raise UndoError(f"Entry #{entry.id} ({entry.action}) cannot be undone.")
    if entry.action == "batch":
        return None, None, _plan_batch(entry)
    if not in_batch and entry.id in _undone_ids([entry.id]):  # (a batch looks once for all)
        raise UndoError(f"Entry #{entry.id} has already been undone.")
    if not in_batch and batch_token(_changes(entry)):
        raise UndoError(f"Entry #{entry.id} was part of a change to many records at once: "
                        "undo that batch as a whole (ctrl+z).")
    model = _models().get(entry.table)
    if model is None:
        raise UndoError(f"Entry #{entry.id} is about {entry.table}, which cannot be undone.")
    row = model.get_or_none(model.id == entry.row_id)
    if row is None:
        raise UndoError(f"The {entry.table} behind entry #{entry.id} no longer exists.")
    fields = model._meta.fields
    try:
        changes = json.loads(entry.changes or "{}")
    except ValueError:
        changes = {}
    if not isinstance(changes, dict) or "_redacted" in changes:
        raise UndoError(f"Entry #{entry.id} was anonymised and cannot be undone.")
    revert: dict = {}
    if entry.action == "create":
        if "archived" not in fields:
            raise UndoError(f"A new {entry.table} cannot be undone; edit it instead.")
        if row.archived:
            raise UndoError(f"That {entry.table} is already archived.")
        return model, row, {"archived": [False, True]}
    for name, pair in changes.items():
        if name not in fields or not isinstance(pair, list) or len(pair) != 2:
            continue
        old, new = pair
        current = _norm(row.__data__.get(name))
        if current != _norm(new):
            raise UndoError(f"The {entry.table} has changed again since entry #{entry.id}: "
                            "undo the later change first.")
        revert[name] = [current, _norm(old)]
    if entry.action in ("archive", "restore") and "archived" in fields and "archived" not in revert:
        archived_now = entry.action == "archive"
        if bool(row.archived) != archived_now:
            raise UndoError(f"The {entry.table} has changed again since entry #{entry.id}.")
        revert["archived"] = [archived_now, not archived_now]
    if not revert and entry.action != "step":
        raise UndoError(f"Entry #{entry.id} changed nothing that can be put back.")
    return model, row, revert


def can_undo(entry_id: int) -> str | None:
    """None if the entry can be undone now, else the sentence why not."""
    entry = Audit.get_or_none(Audit.id == entry_id)
    if entry is None:
        return f"There is no audit entry #{entry_id}."
    try:
        _plan(entry)
    except UndoError as exc:
        return str(exc)
    return None


def undo(entry_id: int, *, who: str | None = None) -> Audit:
    """Revert one change from its logged old values, in one transaction, and append an
    `undo` entry (its `undoes` names the entry). Returns the new entry.

    create -> the row is archived (nothing is deleted); update/archive/restore -> the
    logged old values come back; step -> the case's status/stage/closed date come back and
    the timeline gets an "Undone: ..." step (the step itself stays on the record).
    Refused (UndoError) when the row has changed again since, or it was undone already.
    """
    who = who or current_user()
    with database.atomic():
        entry = Audit.get_or_none(Audit.id == entry_id)
        if entry is None:
            raise UndoError(f"There is no audit entry #{entry_id}.")
        if entry.action == "batch":
            members = _plan_batch(entry)
            undone = [_undo_one(m, who, in_batch=True).id for m in members]
            return record("undo", BATCH_TABLE, entry.row_id, {"_entries": [None, undone]},
                          who=who, undoes=entry.id)
        return _undo_one(entry, who)


def _undo_one(entry: Audit, who: str, *, in_batch: bool = False) -> Audit:
    """Undo one entry (not a batch), inside the caller's transaction."""
    model, row, revert = _plan(entry, in_batch=in_batch)
    fields = model._meta.fields
    for name, (_current, restored) in revert.items():
        setattr(row, name, _to_python(fields[name], restored))
    if "version" in fields:
        row.version = (row.version or 0) + 1
        revert.pop("version", None)
    if model is Case:
        row.updated_at = now()
    row.save()
    if entry.action == "step" and model is Case:
        changes = json.loads(entry.changes or "{}")
        step_id = (changes.get("step") or [None, None])[1]
        step = Step.get_or_none(Step.id == step_id) if step_id else None
        label = step.action if step else "a step"
        undo_step = Step.create(case=row, who=who, action=f"Undone: {label}", kind="undo",
                                note=f"Reverted audit entry #{entry.id}.")
        revert["step"] = [None, undo_step.id]
    return record("undo", entry.table, entry.row_id, revert, who=who, undoes=entry.id)


def last_undoable(table: str | None = None, row_id: int | None = None,
                  scan: int = 500) -> Audit | None:
    """The newest entry that `undo` would revert now (optionally for one row), or None."""
    q = Audit.select().where(Audit.action.in_(sorted(UNDOABLE)))
    if table is not None:
        q = q.where(Audit.table == table)
    if row_id is not None:
        q = q.where(Audit.row_id == row_id)
    entries = list(q.order_by(Audit.id.desc()).limit(scan))
    undone = _undone_ids([e.id for e in entries]) if entries else set()
    for e in entries:
        if e.id in undone:
            continue
        try:
            _plan(e)
        except UndoError:
            if table is None and row_id is None:
                continue
            return None
        return e
    return None


def undo_last(table: str | None = None, row_id: int | None = None, *,
              who: str | None = None) -> Audit:
    """Undo the newest change that can still be undone (optionally of one row): what
    ctrl+z does. Raises UndoError("Nothing to undo.") when there is none."""
    with database.atomic():
        entry = last_undoable(table, row_id)
        if entry is None:
            raise UndoError("Nothing to undo.")
        return undo(entry.id, who=who)


def describe(entry: Audit) -> str:
    """One line for a status bar: 'updated member 3 (name, email)'; a batch says what it
    did ('closing 12 cases: REQ-2026-0001, ...')."""
    if entry.action == "batch":
        label = (_changes(entry).get("_label") or [None, ""])[1]
        if label:
            return str(label)
    try:
        changes = json.loads(entry.changes or "{}")
    except ValueError:
        changes = {}
    fields = [k for k in changes if not k.startswith("_")] if isinstance(changes, dict) else []
    what = f"{entry.action} {entry.table.replace('_', ' ')} {entry.row_id}"
    return what + (f" ({', '.join(fields)})" if fields else "")
