"""For test set-ups that write rows straight into the tables (`Member.create(...)`,
`row.save()`) rather than through the domain: afterwards the audit log vouches for none
of those rows, and clerkdesk refuses to write a row the log does not vouch for (a change
made behind its back must never be laundered by the next legitimate write:
`chain.verify_row`). `adopt_unaudited()` is what such a set-up calls when it is done: an
`adopt` entry for every row whose latest entry does not match it, as an upgrade adopts
the rows an older schema wrote. Production code never does this."""
from __future__ import annotations

from clerkdesk.models.core.db import database
from clerkdesk.models.store import audit, backend, chain


def adopt_unaudited() -> int:
    """Vouch for every row the log does not vouch for; returns how many were adopted."""
    con = backend.raw(database.connection())
    n = 0
    with database.atomic():
        have = backend.tables(con)
        for table in chain.ATTESTED:
            if table not in have:
                continue
            latest = {}
            for row_id, digest in con.execute(
                    'SELECT row_id, row_digest FROM audit WHERE "table" = ? ORDER BY id',
                    (table,)).fetchall():
                latest[row_id] = digest
            for row_id, digest in chain.table_digests(con, table).items():
                if latest.get(row_id) != digest:
                    audit.record("adopt", table, row_id, {}, who="test set-up")
                    n += 1
    return n


def reforge(con) -> None:
    """Rewrite the whole audit log as a forger with the file would: every row's latest
    entry given the row's digest as it is now, every hash recomputed from the first entry,
    the head moved to the end. `check` cannot tell (README, Data safety); only an anchor
    taken before (`clerkdesk anchor`, the report's head) can. *con*: a DB-API connection
    (sqlite3 or psycopg), committed by the caller."""
    con = backend.raw(con)
    have = backend.tables(con)
    latest = {}
    for entry_id, table, row_id in con.execute(
            'SELECT id, "table", row_id FROM audit ORDER BY id').fetchall():
        latest[(table, row_id)] = entry_id
    for table in chain.ATTESTED:
        if table not in have:
            continue
        for row_id, digest in chain.table_digests(con, table).items():
            entry_id = latest.get((table, row_id))
            if entry_id is not None:
                con.execute("UPDATE audit SET row_digest = ? WHERE id = ?", (digest, entry_id))
    prev = ""
    last = None
    for (id_, at, who, action, table, row_id, changes, undoes, cd, rd) in con.execute(
            'SELECT id, at, who, action, "table", row_id, changes, undoes, changes_digest, '
            'row_digest FROM audit ORDER BY id').fetchall():
        h = chain.entry_hash(id_, at, who, action, table, row_id, cd, rd, undoes, prev)
        con.execute("UPDATE audit SET prev_hash = ?, hash = ? WHERE id = ?", (prev, h, id_))
        prev, last = h, id_
    if last is not None:
        chain.set_head(con, f"{last} {prev}")
