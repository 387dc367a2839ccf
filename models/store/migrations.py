"""Schema migrations: small ordered functions, run forward in one transaction.

`open_database` takes a backup first (backups/ beside the file), then calls `migrate`.
Each step `MIGRATIONS[n]` takes a database at schema n to n + 1; `PRAGMA user_version`
is set inside the same transaction, so a crash leaves the file at the old version with
every row intact, and the next open simply tries again.

A migration that adds or changes columns of an audited table changes its rows' digests:
it must end by re-attesting them (`_attest_all`), as 1 -> 2 does. Re-attesting vouches
for every row as it stands, so it must never vouch for a change made behind clerkdesk's
back: before any migration (and before the backup that comes first), the chain and every
row are verified at the old schema (`verify_before_upgrade`), and a casebook that fails
is refused its upgrade, untouched. (Schema 1 had no chain: nothing can be verified.)
"""
from __future__ import annotations

from peewee import CharField, IntegerField
from playhouse.migrate import migrate as run_operations

from clerkdesk.models.core.db import SCHEMA_VERSION, DatabaseError, Tampered
from clerkdesk.models.core.schema import Setting
from clerkdesk.models.store import backend, chain, integrity, make_tables
from clerkdesk.models.store.shape import COLUMNS_NEW_IN_4, VERSIONED


def verify_before_upgrade(con, where) -> None:
    """Refuse (Tampered) to upgrade a casebook whose chain or rows do not verify at its
    present schema: the upgrade would re-attest the tampered rows. Read-only."""
    con = backend.raw(con)
    if "hash" not in backend.columns(con, "audit"):
        return  # schema 1: no chain to verify
    problems = []
    for verdict in (integrity.check_chain(con), integrity.check_records(con)):
        if not verdict.ok:
            problems.extend(verdict.problems or [verdict.summary])
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise Tampered(f"{where} was changed outside clerkdesk ({problems[0]}{more}), so it "
                       "was not upgraded and was left untouched: run `clerkdesk check`, "
                       "then restore a backup.")


def _v1_to_v2(db) -> None:
    """Schema 2: the hash-chained audit log.

    Adds the chain columns to `audit`. Entries written by schema 1 had no chain: they are
    chained here, at upgrade, in their id order, as they stand in the file (so the chain
    vouches for them from the upgrade on, not before). Each audited row's latest entry is
    given the row's digest as it is at upgrade; rows that schema 1 wrote without any
    entry get an `adopt` entry; and an `upgrade` entry records the upgrade itself.
    """
    migrator = backend.migrator(db)
    existing = {c.name for c in db.get_columns("audit")}
    ops = []
    for name, field in (
        ("undoes", IntegerField(null=True)),
        ("changes_digest", CharField(default="")),
        ("row_digest", CharField(default="")),
        ("prev_hash", CharField(default="")),
        ("hash", CharField(default="")),
    ):
        if name not in existing:
            ops.append(migrator.add_column("audit", name, field))
    run_operations(*ops)
    db.execute_sql('CREATE INDEX IF NOT EXISTS "audit_table_row_id" ON "audit" ("table", "row_id")')

    db.create_tables([Setting], safe=True)
    _attest_all(db, who="clerkdesk upgrade", note={"schema_version": [1, 2]})


_INSERT = ('INSERT INTO audit (at, who, action, "table", row_id, changes, changes_digest, '
           "row_digest, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, '', '', '', '')")


def _attest_all(db, *, who: str, note: dict) -> None:
    """Append `adopt` entries for unaudited rows and an `upgrade` entry, then re-chain the
    whole log with every audited row's current digest on its latest entry."""
    import datetime as dt
    import json

    con = backend.raw(db.connection())
    at = dt.datetime.now().replace(microsecond=0).isoformat(sep=" ")
    tables = backend.tables(con)
    digests: dict = {}
    for table in chain.ATTESTED:
        if table not in tables:
            continue
        current = chain.table_digests(con, table)
        seen = {r[0] for r in con.execute('SELECT DISTINCT row_id FROM audit WHERE "table" = ?',
                                          (table,))}
        for row_id in sorted(current):
            digests[(table, row_id)] = current[row_id]
            if row_id not in seen:
                con.execute(_INSERT, (at, who, "adopt", table, row_id, "{}"))
    con.execute(_INSERT, (at, who, "upgrade", "casebook", 0, json.dumps(note)))
    # only an entry that is the latest for its row vouches for the row's state
    latest = {}
    for entry_id, table, row_id in con.execute('SELECT id, "table", row_id FROM audit ORDER BY id'):
        latest[(table, row_id)] = entry_id
    vouch = {v: k for k, v in latest.items()}
    ids = [r[0] for r in con.execute("SELECT id FROM audit ORDER BY id")]
    prev = ""
    # chain in slices, giving each entry the digest of its row only if it is the latest
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        given = {}
        for entry_id in chunk:
            key = vouch.get(entry_id)
            if key is not None and key in digests:
                given[entry_id] = digests[key]
        prev = _seal_with(con, chunk, prev, given)


def _seal_with(con, ids, prev, given: dict) -> str:
    con = backend.raw(con)
    last = None
    for entry_id in ids:
        id_, at, who, action, table, row_id, changes, undoes = con.execute(
            chain._ENTRY_SQL, (entry_id,)).fetchone()
        rd = given.get(entry_id, "")
        cd = chain.sha256(changes or "")
        h = chain.entry_hash(id_, at, who, action, table, row_id, cd, rd, undoes, prev)
        con.execute("UPDATE audit SET changes_digest = ?, row_digest = ?, prev_hash = ?, "
                    "hash = ? WHERE id = ?", (cd, rd, prev, h, id_))
        prev, last = h, id_
    if last is not None:
        chain.set_head(con, f"{last} {prev}")
    return prev


def _v2_to_v3(db) -> None:
    """Schema 3: every editable record carries a version, so two clerks saving the same
    record never overwrite each other silently (optimistic concurrency, registers.save).

    Adds `version` (1) to each editable table, then re-attests the rows, whose digests
    now cover the new column: an `adopt` entry per row and an `upgrade` entry are appended
    to the chain (the entries already there are left exactly as they were)."""
    for table in VERSIONED:
        if "version" not in {c.name for c in db.get_columns(table)}:
            # the same statement on both engines; no table rebuild (other tables refer here)
            db.execute_sql(f'ALTER TABLE "{table}" ADD COLUMN version INTEGER NOT NULL DEFAULT 1')
    _reattest(db, who="clerkdesk upgrade", note={"schema_version": [2, 3]})


def _reattest(db, *, who: str, note: dict) -> None:
    import datetime as dt
    import json

    con = backend.raw(db.connection())
    at = dt.datetime.now().replace(microsecond=0).isoformat(sep=" ")
    have = backend.tables(con)
    for table in chain.ATTESTED:
        if table in have:
            for (row_id,) in con.execute(f'SELECT id FROM "{table}" ORDER BY id').fetchall():
                con.execute(_INSERT, (at, who, "adopt", table, row_id, "{}"))
    con.execute(_INSERT, (at, who, "upgrade", "casebook", 0, json.dumps(note)))
    head = con.execute("SELECT value FROM setting WHERE key = ?", (chain.HEAD_KEY,)).fetchone()
    last = int(head[0].split()[0]) if head else 0
    ids = [r[0] for r in con.execute("SELECT id FROM audit WHERE id > ? ORDER BY id", (last,))]
    chain.seal_entries(con, ids)


def _v3_to_v4(db) -> None:
    """Schema 4: documents on a case (the `document` table, made by `migrate` with the
    other new tables) and the case's clock as the protocol runs it: a due date agreed
    with the member, and the days the clock stood still waiting on them; what a task
    records when done (the advice register), and what the advice itself was.

    The council gains its correspondence settings (the size limit of one document, the
    folder of saved emails). The rows' digests now cover the new columns, so they are
    re-attested. From schema 4 an SQLite casebook carries clerkdesk's mark
    (`PRAGMA application_id`)."""
    for table, columns in COLUMNS_NEW_IN_4.items():
        have = {c.name for c in db.get_columns(table)}
        for name, sql_type in columns.items():
            if name not in have:
                db.execute_sql(f'ALTER TABLE "{table}" ADD COLUMN {name} {sql_type}')
    make_tables.mark(db)
    _reattest(db, who="clerkdesk upgrade", note={"schema_version": [3, 4]})


#: schema n -> the function that takes it to n + 1
MIGRATIONS = {
    1: _v1_to_v2,
    2: _v2_to_v3,
    3: _v3_to_v4,
}


def migrate(db, from_version: int) -> int:
    """Run every migration from *from_version* up to SCHEMA_VERSION in ONE transaction;
    returns the new version. On any error the file is left as it was."""
    if from_version > SCHEMA_VERSION:
        raise DatabaseError(f"Schema {from_version} is newer than this clerkdesk knows.")
    version = from_version
    try:
        with db.atomic():
            if version >= 2:  # inside the transaction: nobody changes it in between
                verify_before_upgrade(db.connection(), getattr(db, "clerk_path", "The casebook"))
            while version < SCHEMA_VERSION:
                step = MIGRATIONS.get(version)
                if step is None:
                    raise DatabaseError(f"No way to upgrade a casebook from schema {version}.")
                step(db)
                version += 1
            make_tables.create_tables(db)  # tables new in this version, if any
            backend.set_schema_version(db, SCHEMA_VERSION)
    except DatabaseError:
        raise
    except Exception as exc:
        raise DatabaseError(f"Could not upgrade the casebook from schema {from_version} "
                            f"({exc}); it was left as it was, and a backup was taken.") from None
    return version
