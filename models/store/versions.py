"""Optimistic concurrency: every editable record carries a version. A save that started
from an older version than the row has now is refused with a `ConflictError` that says
who changed what and when (read from the audit log).
"""
from __future__ import annotations

import json

from peewee import Model

from clerkdesk.models.core import schema
from clerkdesk.models.core.forms import ConflictError


def check_version(row: Model, expected_version: int | None) -> None:
    """Raise ConflictError when *row* has moved on from *expected_version* (None: no check)."""
    if expected_version is None or "version" not in row._meta.fields:
        return
    if (row.version or 0) == expected_version:
        return
    raise conflict(row, expected_version)


def conflict(row: Model, expected_version: int) -> ConflictError:
    """The ConflictError for *row*: who changed it, what and when, from the audit log."""
    table = row._meta.table_name
    entries = list(schema.Audit.select().where((schema.Audit.table == table)
                                              & (schema.Audit.row_id == row.id))
                   .order_by(schema.Audit.id.desc()).limit(max(1, (row.version or 0) - expected_version)))
    who, at, fields = "", None, []
    for e in entries:
        try:
            changes = json.loads(e.changes or "{}")
        except ValueError:
            changes = {}
        for k in (changes if isinstance(changes, dict) else {}):
            if not k.startswith("_") and k not in fields and k != "version":
                fields.append(k)
    if entries:
        who, at = entries[0].who, entries[0].at
    label = getattr(row, "ref", None) or getattr(row, "name", None) or f"{table} {row.id}"
    when = at.strftime("%d/%m/%Y at %H:%M") if hasattr(at, "strftime") else str(at or "")
    what = (", ".join(f.replace("_", " ") for f in fields)) or "it"
    by = who or "another clerk"
    message = (f"{by} changed {label} ({what}) on {when}, after you opened it. Nothing was "
               "saved. Reload to take their version, or keep yours on screen to copy "
               "from.") if when else (
               f"{by} changed {label} after you opened it. Nothing was saved. Reload to "
               "take their version, or keep yours on screen to copy from.")
    return ConflictError(message, who=by, at=at, fields=fields, current_version=row.version)
