"""The audit log: who changed what, when. Append-only, hash-chained, and written in the
same transaction as the change it records.

Every entry is appended by `record()`. Just before the transaction commits, the database
(`db._ClerkMixin.commit`) calls `seal()`, which fills in for each new entry:

- `row_digest`: sha256 of the recorded row's full state as committed (a case's digest
  covers its timeline steps too, which have no entries of their own);
- `changes_digest`: sha256 of the `changes` text;
- `prev_hash` and `hash`: hash = sha256 of a canonical JSON list of (id, at, who, action,
  table, row_id, changes_digest, row_digest, undoes, prev_hash).

So an edited or deleted entry breaks the chain, and a row changed, added or deleted with
no entry behind it no longer matches its latest entry's digest (`integrity.py` checks
both). Undo reads the logged old values and is itself appended (`undo`, `undo_last`).
"""
from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import json
import os
import re

from . import backend
from .db import database
from .schema import Audit, Council

#: tables whose rows the log vouches for (the `row_digest` of their latest entry);
#: `step` rows are covered by their case's digest.
ATTESTED = ["council", "ward", "member", "party_group", "interest", "training", "officer",
            "contact", "committee", "committee_seat", "case", "task", "advice"]

#: actions `undo` can revert
UNDOABLE = {"create", "update", "archive", "restore", "step"}

HEAD_KEY = "audit.head"


class UndoError(Exception):
    """Why a change cannot be undone, as a sentence for the clerk."""


def user_settings_path():
    """The clerk's own settings file (per login, never shared): `clerk = "Name"`."""
    from pathlib import Path

    from platformdirs import user_config_dir

    return Path(user_config_dir("clerkdesk", appauthor=False)) / "settings.toml"


def _settings_clerk() -> str:
    import tomllib

    try:
        with user_settings_path().open("rb") as fh:
            return str(tomllib.load(fh).get("clerk", "")).strip()
    except (OSError, ValueError):
        return ""


def current_user() -> str:
    """The clerk's name: $CLERKDESK_USER, else `clerk` in the clerk's own settings file,
    else the council's clerk name, else the login. In a shared office (PostgreSQL) each
    clerk sets their own name in the variable or the settings file, since the council's
    clerk name is the same for everyone."""
    env = os.environ.get("CLERKDESK_USER", "").strip()
    if env:
        return env
    own = _settings_clerk()
    if own:
        return own
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
           who: str | None = None, *, undoes: int | None = None) -> Audit:
    """Append an entry; it is sealed into the hash chain when the transaction commits."""
    db = database.obj
    with database.atomic():
        entry = Audit.create(
            action=action,
            table=table,
            row_id=row_id,
            changes=json.dumps(changes or {}, default=str, ensure_ascii=False),
            who=who or current_user(),
            undoes=undoes,
        )
        pending = getattr(db, "_pending", None)
        if pending is not None:
            pending().append(entry.id)
        else:  # a database not opened by open_database: seal at once
            seal(db, [entry.id])
    return entry


def history(table: str, row_id: int) -> list[Audit]:
    return list(
        Audit.select().where((Audit.table == table) & (Audit.row_id == row_id)).order_by(Audit.id)
    )


def case_history(case_id: int) -> list[Audit]:
    """Everything the log holds about a case, oldest first (the timeline's record)."""
    return history("case", case_id)


# --- digests and the chain (plain DB-API connections, so `check` needs no Peewee) ---------

def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _canon_value(v):
    return backend.canon(v)


def _canon_rows(cursor) -> list:
    names = [d[0] for d in cursor.description]
    return [sorted((n, _canon_value(v)) for n, v in zip(names, row)) for row in cursor.fetchall()]


def _dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=True, separators=(",", ":"), sort_keys=True)


def row_digest(con, table: str, row_id: int) -> str:
    """sha256 of the row's full state ("" when there is no such row or table)."""
    con = backend.raw(con)
    if table not in ATTESTED:
        return ""
    rows = _canon_rows(con.execute(f'SELECT * FROM "{table}" WHERE id = ?', (row_id,)))
    if not rows:
        return ""
    state = {"row": rows[0]}
    if table == "case":
        state["steps"] = _canon_rows(
            con.execute('SELECT * FROM "step" WHERE case_id = ? ORDER BY id', (row_id,)))
    return sha256(_dumps(state))


def table_digests(con, table: str) -> dict[int, str]:
    """{id: digest} for every row of an attested table, as `row_digest` computes it."""
    con = backend.raw(con)
    cur = con.execute(f'SELECT * FROM "{table}" ORDER BY id')
    names = [d[0] for d in cur.description]
    id_index = names.index("id")
    rows = {}
    for row in cur.fetchall():
        rows[row[id_index]] = sorted((n, _canon_value(v)) for n, v in zip(names, row))
    steps: dict[int, list] = {}
    if table == "case":
        cur = con.execute('SELECT * FROM "step" ORDER BY id')
        snames = [d[0] for d in cur.description]
        ci = snames.index("case_id")
        for row in cur.fetchall():
            steps.setdefault(row[ci], []).append(
                sorted((n, _canon_value(v)) for n, v in zip(snames, row)))
    out = {}
    for row_id, canon in rows.items():
        state = {"row": canon}
        if table == "case":
            state["steps"] = steps.get(row_id, [])
        out[row_id] = sha256(_dumps(state))
    return out


def entry_hash(id, at, who, action, table, row_id, changes_digest, row_digest, undoes,
               prev_hash) -> str:
    at = backend.canon(at)  # text on SQLite, a datetime on PostgreSQL: the same string
    return sha256(_dumps([id, at, who, action, table, row_id, changes_digest, row_digest,
                          undoes, prev_hash]))


_ENTRY_SQL = ('SELECT id, at, who, action, "table", row_id, changes, undoes FROM audit '
              'WHERE id = ?')


def seal_entries(con, ids, *, prev: str | None = None, digests: dict | None = None) -> str:
    """Fill in the digests and chain hashes of entries *ids* (ascending), inside the
    caller's transaction; returns the last hash. *digests* may give ready row digests."""
    con = backend.raw(con)
    ids = sorted(ids)
    if not ids:
        return prev or ""
    if prev is None:
        r = con.execute("SELECT hash FROM audit WHERE id < ? ORDER BY id DESC LIMIT 1",
                        (ids[0],)).fetchone()
        prev = r[0] if r else ""
    cache: dict = {}
    last_id = None
    for entry_id in ids:
        r = con.execute(_ENTRY_SQL, (entry_id,)).fetchone()
        if r is None:  # rolled back with a savepoint
            continue
        id_, at, who, action, table, row_id, changes, undoes = r
        key = (table, row_id)
        if digests is not None and key in digests:
            rd = digests[key]
        else:
            if key not in cache:
                cache[key] = row_digest(con, table, row_id)
            rd = cache[key]
        cd = sha256(changes or "")
        h = entry_hash(id_, at, who, action, table, row_id, cd, rd, undoes, prev or "")
        con.execute("UPDATE audit SET changes_digest = ?, row_digest = ?, prev_hash = ?, "
                    "hash = ? WHERE id = ?", (cd, rd, prev or "", h, id_))
        prev, last_id = h, id_
    if last_id is not None:
        set_head(con, f"{last_id} {prev}")
    return prev


#: one upsert for both engines (SQLite 3.24+ and PostgreSQL)
UPSERT_SETTING = ("INSERT INTO setting (key, value) VALUES (?, ?) "
                  "ON CONFLICT (key) DO UPDATE SET value = excluded.value")


def set_head(con, value: str) -> None:
    backend.raw(con).execute(UPSERT_SETTING, (HEAD_KEY, value))


def seal(db, ids) -> None:
    """Called by the database just before COMMIT with the entries this transaction added."""
    seal_entries(db.connection(), ids)


# --- undo ---------------------------------------------------------------------------------

def _models() -> dict:
    from . import schema

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


def _plan(entry: Audit):
    """(model, row, {field: [current, restored]}) for undoing *entry*, or UndoError."""
    if entry.action not in UNDOABLE:
        raise UndoError(f"Entry #{entry.id} ({entry.action}) cannot be undone.")
    if entry.id in _undone_ids([entry.id]):
        raise UndoError(f"Entry #{entry.id} has already been undone.")
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
    from .schema import Case, Step, now

    who = who or current_user()
    with database.atomic():
        entry = Audit.get_or_none(Audit.id == entry_id)
        if entry is None:
            raise UndoError(f"There is no audit entry #{entry_id}.")
        model, row, revert = _plan(entry)
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
    """One line for a status bar: 'updated member 3 (name, email)'."""
    try:
        changes = json.loads(entry.changes or "{}")
    except ValueError:
        changes = {}
    fields = [k for k in changes if not k.startswith("_")] if isinstance(changes, dict) else []
    what = f"{entry.action} {entry.table.replace('_', ' ')} {entry.row_id}"
    return what + (f" ({', '.join(fields)})" if fields else "")
