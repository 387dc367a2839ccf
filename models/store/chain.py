"""The audit log's tamper evidence: row digests and the hash chain.

Just before a transaction commits, the database (`engines._ClerkMixin.commit`) calls
`seal()`, which fills in for each new entry:

- `row_digest`: sha256 of the recorded row's full state as committed (a case's digest
  covers its timeline steps too, which have no entries of their own);
- `changes_digest`: sha256 of the `changes` text;
- `prev_hash` and `hash`: hash = sha256 of a canonical JSON list of (id, at, who, action,
  table, row_id, changes_digest, row_digest, undoes, prev_hash).

So an edited or deleted entry breaks the chain, and a row changed, added or deleted with
no entry behind it no longer matches its latest entry's digest (`integrity.py` checks
both). Works on plain DB-API connections, so `check` needs no Peewee.
"""
from __future__ import annotations

import hashlib
import json

from clerkdesk.models.store import backend

#: tables whose rows the log vouches for (the `row_digest` of their latest entry);
#: `step` rows are covered by their case's digest.
ATTESTED = ["council", "ward", "member", "party_group", "interest", "training", "officer",
            "contact", "committee", "committee_seat", "case", "task", "advice", "document"]


HEAD_KEY = "audit.head"


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
    for row in cur:  # one row at a time: a document's bytes are not all held at once
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
