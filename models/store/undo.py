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
from clerkdesk.models.core import dates, schema
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
        return dates.from_db(value)
    return value


def _undone_ids(ids) -> set[int]:
    return {e.undoes for e in Audit.select(Audit.undoes).where(Audit.undoes.in_(list(ids)))}


def _changes(entry: Audit) -> dict:
    try:
        changes = json.loads(entry.changes or "{}")
    except ValueError:
        return {}
    return changes if isinstance(changes, dict) else {}


def batch_size(entry: Audit) -> int:
    """How many entries a `batch` entry groups (0 for any other entry), from its own
    changes: nothing is read."""
    ids = (_changes(entry).get("_entries") or [None, []])[1]
    return len(ids) if isinstance(ids, list) else 0


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
    # one look for undos of the batch and of its entries (through the `audit_undoes`
    # index; one statement per 500 rather than one per entry)
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
              who: str | None = None, on_start=None) -> Audit:
    """Undo the newest change that can still be undone (optionally of one row): what
    ctrl+z does. Raises UndoError("Nothing to undo.") when there is none. *on_start*,
    if given, is called with the entry about to be undone, in the same transaction,
    before anything is written (to say that a long one has begun)."""
    with database.atomic():
        entry = last_undoable(table, row_id)
        if entry is None:
            raise UndoError("Nothing to undo.")
        if on_start is not None:
            on_start(entry)
        return undo(entry.id, who=who)


#: what a table's row is called in a sentence
_NOUNS = {"member": "member", "officer": "officer", "party_group": "party group",
          "contact": "contact", "committee": "committee", "ward": "ward",
          "interest": "declared interest", "training": "training record",
          "committee_seat": "committee seat", "advice": "advice register entry",
          "document": "document", "task": "task", "council": "council settings",
          "case": "case"}

#: field names as a clerk says them (the rest: their name with spaces)
_FIELD_WORDS = {"group": "party group", "roles": "roles", "term_start": "term start",
                "term_end": "term end", "started_on": "start date", "left_on": "leaving date",
                "closed_on": "closing date", "snoozed_until": "snooze", "done_on": "done date",
                "complainant_member": "complainant", "complainant_officer": "complainant",
                "subject_member": "person complained about",
                "subject_officer": "person complained about",
                "financial_irregularity": "financial irregularity", "agreed_due": "agreed date",
                "owner": "owner", "due": "due date", "received": "received date"}


def _label(table: str, row_id: int) -> str:
    """How the clerk knows the row: a case by its reference, a person or body by name;
    never by an id. (Task and document words stay out: meeting mode may hide them.)"""
    model = _models().get(table)
    row = model.get_or_none(model.id == row_id) if model is not None else None
    noun = _NOUNS.get(table, table.replace("_", " "))
    if row is None:
        return f"a {noun}"
    if table == "case":
        return row.ref
    if table == "council":
        return "the council settings"
    if table in ("task", "document"):
        return f"a {noun} on {row.case.ref}"
    if table in ("interest", "training"):
        return f"a {noun} of {row.member.name}"
    if table == "committee_seat":
        return f"{row.member.name}'s seat on {row.committee.name}"
    if table == "advice":
        return f"the advice to {row.group.name}"
    name = getattr(row, "name", "")
    return f"{noun} {name}" if name else f"a {noun}"


def _fields_said(names) -> str:
    words = list(dict.fromkeys(_FIELD_WORDS.get(n, n.replace("_", " ")) for n in names))
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _officer(officer_id) -> str:
    from clerkdesk.models.core.schema import Officer

    row = Officer.get_or_none(Officer.id == officer_id) if officer_id else None
    return row.name if row else ""


def _date(value) -> str:
    try:
        return dates.fmt(dates.from_db(value))
    except ValueError:
        return str(value)


_STATUS_WORDS = {"new": "new", "open": "open", "waiting": "waiting", "closed": "closed"}


def _case_step(ref: str, changes: dict) -> str:
    """A step on a case, said by what it did and how the case is again."""
    step_id = (changes.get("step") or [None, None])[1]
    step = Step.get_or_none(Step.id == step_id) if step_id else None
    kind = step.kind if step else ""
    old_status = (changes.get("status") or [None])[0]
    again = f"it is {_STATUS_WORDS.get(old_status, old_status)} again" if old_status else ""
    if kind == "closed":
        return f"closing {ref} ({again or 'it is open again'})"
    if kind == "reopened":
        return f"reopening {ref} (it is closed again)"
    if kind == "assigned":
        if "owner" not in changes:  # assigned to whoever had it: the owner did not change
            return f"the step “{step.action}” on {ref}"
        old, new = changes["owner"]
        before = _officer(old)
        to = f" to {_officer(new)}" if _officer(new) else ""
        return (f"assigning {ref}{to} (" + (f"it is with {before} again)" if before
                                             else "it has no owner again)"))
    if kind == "priority":
        old, new = changes.get("priority") or [None, None]
        return f"setting the priority of {ref} to {new} (it is {old} again)" if old else \
            f"setting the priority of {ref}"
    if kind == "snoozed":
        old = (changes.get("snoozed_until") or [None])[0]
        return f"snoozing {ref} (" + (f"snoozed until {_date(old)} again)" if old
                                       else "it is back in the queue)")
    if kind == "extension":
        old = (changes.get("due") or [None])[0]
        return f"the extension agreed on {ref} (" + (f"due {_date(old)} again)" if old
                                                     else "no due date again)")
    if kind == "waiting":
        return f"waiting on the member on {ref} (the clock runs again)"
    if kind == "answered":
        return f"the member's answer on {ref} (the clock is stopped again)"
    if kind == "route":
        old_stage = (changes.get("stage") or [None])[0]
        return f"routing {ref} (" + (f"back at: {old_stage})" if old_stage
                                      else "it is not routed again)")
    what = f"the step “{step.action}” on {ref}" if step else f"a step on {ref}"
    if "stage" in changes and changes["stage"][0]:
        return f"{what} (back at: {changes['stage'][0]})"
    if again:
        return f"{what} ({again})"
    return what


def describe(entry: Audit) -> str:
    """What the entry did, in the clerk's words, by the record's reference or name: what a
    toast says after "Undone: " ("closing REQ-2026-0016 (it is open again)", "changing the
    phone and notes of member Karen Doyle"); a batch says what it did ("closing 12 cases:
    REQ-2026-0001, ...")."""
    if entry.action == "batch":
        label = (_changes(entry).get("_label") or [None, ""])[1]
        if label:
            return str(label)
    try:
        changes = json.loads(entry.changes or "{}")
    except ValueError:
        changes = {}
    if not isinstance(changes, dict):
        changes = {}
    label = _label(entry.table, entry.row_id)
    if entry.table == "case" and entry.action == "step":
        return _case_step(label, changes)
    if entry.action == "create":
        if entry.table == "case":
            return f"opening {label} (it is archived)"
        if entry.table == "committee_seat":
            return f"giving {label} (it is archived)"
        return f"adding {label} (it is archived)"
    if entry.action == "archive":
        where = "list" if entry.table in ("case", "task", "document") else "register"
        return f"archiving {label} (it is back on the {where})"
    if entry.action == "restore":
        return f"restoring {label} (it is archived again)"
    if entry.action == "update" and entry.table == "task" and set(changes) == {"done_on"}:
        return f"ticking off {label} (it is to do again)"
    fields = [k for k in changes if not k.startswith("_") and k != "version"]
    if entry.action == "update":
        if entry.table == "council":
            return f"changing the council settings ({_fields_said(fields)})" if fields else \
                "changing the council settings"
        return f"changing the {_fields_said(fields)} of {label}" if fields else f"changing {label}"
    if entry.action == "undo":
        return f"an undo on {label}"
    return f"a change to {label}"
