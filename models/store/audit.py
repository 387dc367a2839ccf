"""The audit log: who changed what, when. Append-only, and written in the same transaction
as the change it records.

Every entry is appended by `record()`; just before the transaction commits, the database
seals it into the hash chain (`chain.seal`, called from `engines._ClerkMixin.commit`).
Undo reads the logged old values and is itself appended (`undo.py`).
"""
from __future__ import annotations

import datetime as dt
import json

from clerkdesk.models.core.db import database
from clerkdesk.models.core.schema import Audit
from clerkdesk.models.core.user import current_user
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


def record(action: str, table: str, row_id: int, changes: dict | None = None,
           who: str | None = None, *, undoes: int | None = None) -> Audit:
    """Append an entry; it is sealed into the hash chain when the transaction commits."""
    db = database.obj
    with database.atomic():
        entry = Audit.create(
            action=action,
            table=table,
            row_id=row_id,
            changes=json.dumps(changes or {}, default=str, ensure_ascii=False),
            who=who or _who(db),
            undoes=undoes,
        )
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
