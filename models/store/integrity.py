"""`clerkdesk check`: is the casebook whole, consistent and untampered?

Four checks, each a one-line verdict; every failure names the record:

1. SQLite's `PRAGMA integrity_check` (the file itself);
2. `PRAGMA foreign_key_check` (no reference to a missing row);
3. the audit chain: every entry's hash recomputes, each links to the one before, and the
   head recorded in the settings is the last entry (an edited, inserted or deleted entry
   fails, naming it);
4. the records: every row of an audited table matches the digest in its latest audit
   entry (a row changed, added or deleted with plain SQL fails, naming it).

Works on a plain DB-API connection (sqlite3, sqlcipher3 or psycopg): no Peewee, no
writes. On PostgreSQL checks 1 and 2 are the server's: it checks its pages itself and
enforces every foreign key as rows are written, so they report what was verified.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from clerkdesk.models.store import backend, chain
from clerkdesk.models.store.engines import connect_raw

#: at most this many problems are named per check; the rest are counted
MAX_NAMED = 20


@dataclass
class Verdict:
    name: str
    ok: bool
    summary: str
    problems: list[str] = field(default_factory=list)

    def line(self) -> str:
        head = f"{self.name}: {'ok' if self.ok else 'FAILED'} ({self.summary})"
        return head


@dataclass
class Report:
    verdicts: list[Verdict]

    @property
    def ok(self) -> bool:
        return all(v.ok for v in self.verdicts)

    def lines(self) -> list[str]:
        out = []
        for v in self.verdicts:
            out.append(v.line())
            for p in v.problems[:MAX_NAMED]:
                out.append(f"  - {p}")
            if len(v.problems) > MAX_NAMED:
                out.append(f"  - ... and {len(v.problems) - MAX_NAMED} more")
        return out


def check_file_integrity(con) -> Verdict:
    if backend.con_is_postgres(con):
        try:
            version = con.execute("SHOW server_version").fetchone()[0]
        except Exception as exc:
            return Verdict("integrity", False, f"the server did not answer: {exc}", [str(exc)])
        return Verdict("integrity", True, f"PostgreSQL {version} server answering; its storage "
                       "is the server's (pg_amcheck can check it)")
    try:
        rows = [r[0] for r in con.execute("PRAGMA integrity_check")]
    except Exception as exc:
        return Verdict("integrity", False, f"SQLite could not read the file: {exc}", [str(exc)])
    if rows == ["ok"]:
        return Verdict("integrity", True, "SQLite integrity_check")
    return Verdict("integrity", False, f"{len(rows)} problem(s) found by integrity_check", rows)


def check_foreign_keys(con) -> Verdict:
    if backend.con_is_postgres(con):
        n, unchecked = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE NOT convalidated) FROM pg_constraint "
            "WHERE contype = 'f' AND connamespace = current_schema()::regnamespace").fetchone()
        if unchecked:
            return Verdict("foreign keys", False, f"{unchecked} of {n} foreign keys are not "
                           "validated by PostgreSQL", [])
        return Verdict("foreign keys", True, f"{n} foreign keys, each enforced and validated "
                       "by PostgreSQL")
    try:
        rows = list(con.execute("PRAGMA foreign_key_check"))
    except Exception as exc:
        return Verdict("foreign keys", False, str(exc), [str(exc)])
    if not rows:
        return Verdict("foreign keys", True, "every reference points at a row")
    problems = [f"{table} {rowid} refers to a missing {parent} row" for table, rowid, parent, _ in rows]
    return Verdict("foreign keys", False, f"{len(rows)} broken reference(s)", problems)


def _columns(con, table) -> set[str]:
    return set(backend.columns(con, table))


def _redaction_ok(entries: dict, entry_id: int, changes: str) -> bool:
    """An entry whose text was replaced by a chained `anonymise` entry listing it."""
    try:
        data = json.loads(changes)
        by = int(data["_redacted"])
    except (ValueError, KeyError, TypeError):
        return False
    anon = entries.get(by)
    if not anon or anon["action"] != "anonymise" or by <= entry_id:
        return False
    try:
        listed = json.loads(anon["changes"]).get("_redacts", [None, []])[1]
    except (ValueError, AttributeError, IndexError, TypeError):
        return False
    return entry_id in listed


def check_chain(con) -> Verdict:
    if "hash" not in _columns(con, "audit"):
        version = backend.schema_version_con(con)
        return Verdict("audit chain", False,
                       f"schema {version} has no chain yet: open the casebook with clerkdesk "
                       "once to upgrade it", [])
    entries = {}
    order = []
    for r in con.execute('SELECT id, at, who, action, "table", row_id, changes, undoes, '
                         'changes_digest, row_digest, prev_hash, hash FROM audit ORDER BY id'):
        entries[r[0]] = {"action": r[3], "changes": r[6]}
        order.append(r)
    problems = []
    prev_hash = ""
    prev_id = None
    for (id_, at, who, action, table, row_id, changes, undoes, cd, rd, ph, h) in order:
        label = f"audit entry #{id_} ({action} {table} {row_id})"
        if not h:
            problems.append(f"{label} is not sealed into the chain: added behind the log's back")
        else:
            if chain.sha256(changes or "") != cd and not _redaction_ok(entries, id_, changes or ""):
                problems.append(f"{label} was edited: its changes do not match their digest")
            expect = chain.entry_hash(id_, at, who, action, table, row_id, cd, rd, undoes, ph)
            if expect != h:
                problems.append(f"{label} was edited: its hash does not match its contents")
            if ph != prev_hash:
                where = f"after #{prev_id}" if prev_id else "at the start"
                problems.append(f"{label} does not follow the entry before it: an entry {where} "
                                "was deleted, inserted or edited")
        prev_hash, prev_id = h, id_
    head = None
    try:
        row = con.execute("SELECT value FROM setting WHERE key = ?", (chain.HEAD_KEY,)).fetchone()
        head = row[0] if row else None
    except Exception:
        head = None
    if order:
        last_id, last_hash = order[-1][0], order[-1][-1]
        if head is None:
            problems.append("the chain's head is not recorded in the settings")
        elif head != f"{last_id} {last_hash}":
            try:
                head_id = int(head.split()[0])
            except (ValueError, IndexError):
                head_id = None
            if head_id is not None and head_id > last_id:
                problems.append(f"audit entries after #{last_id} (up to #{head_id}) were deleted")
            else:
                problems.append(f"the chain's head (entry #{head}) does not match the last entry "
                                f"#{last_id}: the end of the log was changed")
    n = len(order)
    if problems:
        return Verdict("audit chain", False, f"{len(problems)} problem(s) in {n} entries", problems)
    tip = f"; head #{order[-1][0]} {order[-1][-1][:12]}" if order else ""
    return Verdict("audit chain", True, f"{n} entries, each hash verified{tip}")


def _name(con, table, row_id) -> str:
    try:
        if table == "case":
            r = con.execute('SELECT ref FROM "case" WHERE id = ?', (row_id,)).fetchone()
            return f"case {row_id} ({r[0]})" if r else f"case {row_id}"
        if "name" in _columns(con, table):
            r = con.execute(f'SELECT name FROM "{table}" WHERE id = ?', (row_id,)).fetchone()
            if r:
                return f"{table.replace('_', ' ')} {row_id} ({r[0]})"
    except Exception:
        pass
    return f"{table.replace('_', ' ')} {row_id}"


def check_records(con) -> Verdict:
    if "row_digest" not in _columns(con, "audit"):
        return Verdict("records", False, "the audit log has no row digests yet: open the "
                       "casebook with clerkdesk once to upgrade it", [])
    tables = backend.tables(con)
    problems = []
    count = 0
    for table in chain.ATTESTED:
        if table not in tables:
            continue
        latest = {}
        for entry_id, row_id, digest in con.execute(
                'SELECT id, row_id, row_digest FROM audit WHERE "table" = ? ORDER BY id', (table,)):
            latest[row_id] = (entry_id, digest)
        current = chain.table_digests(con, table)
        count += len(current)
        for row_id, digest in current.items():
            logged = latest.get(row_id)
            if logged is None:
                problems.append(f"{_name(con, table, row_id)} has no audit entry: it was added "
                                "behind the log's back")
            elif logged[1] != digest:
                problems.append(f"{_name(con, table, row_id)} differs from its last audit entry "
                                f"#{logged[0]}: it was changed behind the log's back")
        for row_id, (entry_id, digest) in latest.items():
            if row_id not in current and digest:
                problems.append(f"{table.replace('_', ' ')} {row_id} is in the audit log "
                                f"(entry #{entry_id}) but its row is gone: deleted behind the "
                                "log's back")
    if problems:
        return Verdict("records", False, f"{len(problems)} of {count} rows do not match the "
                       "audit log", problems)
    return Verdict("records", True, f"{count} rows match their latest audit entry")


def run_checks(con) -> Report:
    con = backend.raw(con)
    return Report([check_file_integrity(con), check_foreign_keys(con), check_chain(con),
                   check_records(con)])


def check_path(path, *, passphrase: str | None = None) -> Report:
    """Run every check on the casebook at *path* (read only; waits if another is writing),
    or on the PostgreSQL database at a postgresql:// URL (in one read-only snapshot)."""
    if backend.is_url(path):
        con = backend.connect_url(str(path))
        try:
            con.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            try:
                return run_checks(con)
            finally:
                con.execute("ROLLBACK")
        finally:
            con.close()
    con = connect_raw(Path(path), passphrase)
    try:
        con.execute("PRAGMA query_only = 1")
        return run_checks(con)
    finally:
        con.close()
