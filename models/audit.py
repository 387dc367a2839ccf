"""The audit log: who changed what, when. Append-only; written in the same transaction
as the change it records."""
from __future__ import annotations

import datetime as dt
import getpass
import json
import os

from .schema import Audit, Council


def current_user() -> str:
    """The clerk's name: $CLERKDESK_USER, else the council's clerk name, else the login."""
    env = os.environ.get("CLERKDESK_USER", "").strip()
    if env:
        return env
    council = Council.select(Council.clerk_name).first()
    if council and council.clerk_name:
        return council.clerk_name
    try:
        return getpass.getuser()
    except Exception:  # pragma: no cover - no login name at all
        return "clerk"


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
           who: str | None = None) -> Audit:
    return Audit.create(
        action=action,
        table=table,
        row_id=row_id,
        changes=json.dumps(changes or {}, default=str, ensure_ascii=False),
        who=who or current_user(),
    )


def history(table: str, row_id: int) -> list[Audit]:
    return list(
        Audit.select().where((Audit.table == table) & (Audit.row_id == row_id)).order_by(Audit.id)
    )
