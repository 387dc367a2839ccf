"""The audit log: who changed what, when. Append-only, and written in the same transaction
as the change it records.

Every entry is appended by `record()`; just before the transaction commits, the database
seals it into the hash chain (`chain.seal`, called from `engines._ClerkMixin.commit`).
Undo reads the logged old values and is itself appended (`undo.py`).

A batch (`batch()`: bulk triage, one change to many cases) groups the entries written
inside it: each carries the batch's token (`_batch`), and the batch closes with one
`batch` entry listing them, so the grouping is itself in the chain and one undo reverts
the lot.
"""
from __future__ import annotations

import datetime as dt
import json
import uuid
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar

from clerkdesk.models.core.db import database
from clerkdesk.models.core.schema import Audit
from clerkdesk.models.core.user import current_user
from clerkdesk.models.store import backend, engines
from clerkdesk.models.store.chain import seal


def _plain(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if hasattr(value, "id"):
        return value.id
    return value


def diff(before: dict, after: dict) -> dict:
    """{field: [old, new]} for the fields that changed."""
    out = {}
    for key in after:
        old, new = _plain(before.get(key)), _plain(after.get(key))
        if old != new:
            out[key] = [old, new]
    return out


#: the table a batch's closing entry is about (no row: the entry lists its members)
BATCH_TABLE = "batch"


class _Batch:
    def __init__(self, label: str) -> None:
        self.token = uuid.uuid4().hex
        self.label = label
        self.entries: list[int] = []
        self.entry: Audit | None = None  # the closing `batch` entry, once written


#: the batch open in this thread (or task), if any
_open_batch: ContextVar[_Batch | None] = ContextVar("clerkdesk_audit_batch", default=None)


@contextmanager
def batch(label: str, who: str | None = None):
    """One transaction whose entries are one change for the record and for undo: every
    entry appended inside it carries the batch's token, and on leaving, a `batch` entry
    (table `batch`, row 0) lists them with *label* ("closing 12 cases: REQ-2026-0001,
    ..."). An exception inside writes nothing (the transaction rolls back). A batch opened
    inside another joins it. Yields the batch: its `entries` (ids, as they are written),
    then its `entry` (the closing one; None when nothing was written)."""
    outer = _open_batch.get()
    if outer is not None:
        yield outer
        return
    group = _Batch(label)
    with database.atomic():
        reset = _open_batch.set(group)
        try:
            yield group
        finally:
            _open_batch.reset(reset)
        if group.entries:
            changes = {"_batch": [None, group.token], "_label": [None, label],
                       "_entries": [None, list(group.entries)]}
            group.entry = record("batch", BATCH_TABLE, 0, changes, who=who)


def batch_token(changes: dict) -> str | None:
    """The token of the batch an entry's changes say it belongs to, or None."""
    pair = changes.get("_batch") if isinstance(changes, dict) else None
    return pair[1] if isinstance(pair, list) and len(pair) == 2 else None


#: `json.dumps(changes, default=str, ensure_ascii=False)`, its encoder made once
_encode_changes = json.JSONEncoder(default=str, ensure_ascii=False).encode


def record(action: str, table: str, row_id: int, changes: dict | None = None,
           who: str | None = None, *, undoes: int | None = None) -> Audit:
    """Append an entry; it is sealed into the hash chain when the transaction commits.
    Inside a `batch()`, the entry carries the batch's token and joins its list."""
    db = database.obj
    group = _open_batch.get()
    if group is not None:
        changes = dict(changes or {}, _batch=[None, group.token])
    # inside an SQLite transaction the one INSERT needs no savepoint of its own (a
    # statement that fails changes nothing, and the transaction goes on: on PostgreSQL
    # it would not); outside one, it is its own transaction
    own = not db.in_transaction() or backend.is_postgres(db)
    with database.atomic() if own else nullcontext():
        entry = engines.insert_model(Audit(
            action=action,
            table=table,
            row_id=row_id,
            changes=_encode_changes(changes or {}),
            who=who or _who(db),
            undoes=undoes,
        ))
        if group is not None:
            group.entries.append(entry.id)
        pending = getattr(db, "_pending", None)
        if pending is not None:
            pending().append(entry.id)
        else:  # a database not opened by open_database: seal at once
            seal(db, [entry.id])
    return entry


def _who(db) -> str:
    """The clerk's name for an entry: looked up once a transaction (the settings file and
    the council's clerk are not read again for every row an import writes)."""
    guard = db._guard() if hasattr(db, "_guard") and db.in_transaction() else None
    if guard is None:
        return current_user()
    if guard.who is None:
        guard.who = current_user()
    return guard.who


def history(table: str, row_id: int) -> list[Audit]:
    return list(
        Audit.select().where((Audit.table == table) & (Audit.row_id == row_id)).order_by(Audit.id)
    )
