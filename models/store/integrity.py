"""`clerkdesk check`: is the casebook whole, consistent and untampered?

Five checks, each a one-line verdict; every failure names the record. Each goes as far
as it can: a damaged page or a missing table makes that verdict FAILED, saying why, and
the others still run:

1. SQLite's `PRAGMA integrity_check` (the file itself);
2. `PRAGMA foreign_key_check` (no reference to a missing row);
3. the schema: every table and column the casebook's schema version expects, and a
   schema number that matches them;
4. the audit chain: every entry's hash recomputes, each links to the one before, and the
   head recorded in the settings is the last entry (an edited, inserted or deleted entry
   fails, naming it);
5. the records: every row of an audited table matches the digest in its latest audit
   entry (a row changed, added or deleted with plain SQL fails, naming it).

Works on a plain DB-API connection (sqlite3, sqlcipher3 or psycopg): no Peewee, no
writes. On PostgreSQL checks 1 and 2 are the server's: it checks its pages itself and
enforces every foreign key as rows are written, so they report what was verified.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from clerkdesk.models.core.db import SCHEMA_VERSION, DatabaseError, WrongPassphrase
from clerkdesk.models.store import backend, chain, shape
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
        summary = " ".join(str(self.summary).split())
        return f"{self.name}: {'ok' if self.ok else 'FAILED'} ({summary})"


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
                out.append(f"  - {' '.join(str(p).split())}")  # one line each
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
        if not _lenient(con, exc):  # its report quotes damaged text: read it leniently
            return Verdict("integrity", False, f"SQLite could not read the file: {exc}",
                           [str(exc)])
        try:
            rows = [r[0] for r in con.execute("PRAGMA integrity_check")]
        except Exception as exc2:
            return Verdict("integrity", False, f"SQLite could not read the file: {exc2}",
                           [str(exc2)])
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


def check_chain(con) -> Verdict:
    if "hash" not in _columns(con, "audit"):
        version = backend.schema_version_con(con)
        return Verdict("audit chain", False,
                       f"schema {version} has no chain yet: open the casebook with clerkdesk "
                       "once to upgrade it", [])
    order = con.execute('SELECT id, at, who, action, "table", row_id, changes, undoes, '
                        'changes_digest, row_digest, prev_hash, hash FROM audit '
                        'ORDER BY id').fetchall()
    problems = []
    prev_hash = ""
    prev_id = None
    for (id_, at, who, action, table, row_id, changes, undoes, cd, rd, ph, h) in order:
        label = f"audit entry #{id_} ({action} {table} {row_id})"
        if not h:
            problems.append(f"{label} is not sealed into the chain: added behind the log's back")
        else:
            if chain.sha256(changes or "") != cd and not chain.redaction_ok(con, id_, changes or ""):
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
    return chain.record_label(con, table, row_id)


def check_schema(con) -> Verdict:
    """The tables and columns the casebook's schema version expects, and a schema number
    that matches them (a missing table is never made again empty by opening)."""
    version = backend.schema_version_con(con)
    tables, columns = shape.read(con)
    problems = []
    if not shape.is_ours(shape.application_id(con), version, tables, columns):
        return Verdict("schema", False, "this is not a clerkdesk casebook (no clerkdesk mark, "
                       "or its council and audit tables are missing)",
                       [f"{item} is missing" for item in shape.missing(max(version, 1),
                                                                      tables, columns)])
    if version > SCHEMA_VERSION:
        return Verdict("schema", False, f"schema {version} is newer than this clerkdesk "
                       f"({SCHEMA_VERSION}): upgrade clerkdesk to check it", [])
    problems = [f"{item} is missing" for item in shape.missing(version, tables, columns)]
    shown = shape.structural_version(tables, columns)
    if shown != version and not problems:
        problems.append(f"the schema number says {version} but the tables are schema {shown}: "
                        "the number was changed outside clerkdesk")
    if problems:
        return Verdict("schema", False, f"{len(problems)} problem(s) against schema {version}",
                       problems)
    n = len(shape.expected(version))
    return Verdict("schema", True, f"schema {version}, {n} tables as expected")


def check_records(con) -> Verdict:
    if "row_digest" not in _columns(con, "audit"):
        return Verdict("records", False, "the audit log has no row digests yet: open the "
                       "casebook with clerkdesk once to upgrade it", [])
    tables = backend.tables(con)
    problems = []
    count = 0
    for table in chain.ATTESTED:
        latest = {}
        for entry_id, row_id, digest in con.execute(
                'SELECT id, row_id, row_digest FROM audit WHERE "table" = ? ORDER BY id', (table,)):
            latest[row_id] = (entry_id, digest)
        if table not in tables:
            vouched = sum(1 for _id, digest in latest.values() if digest)
            if vouched:
                problems.append(f"the table {table} is gone: {vouched} of its records are in the "
                                "audit log")
            continue
        try:
            current = chain.table_digests(con, table)
        except Exception as exc:  # a damaged table: say so, and go on to the next
            if not _lenient(con, exc):
                problems.append(f"the table {table} cannot be read: {_short(exc)}")
                continue
            try:
                current = chain.table_digests(con, table)
            except Exception as exc2:
                problems.append(f"the table {table} cannot be read: {_short(exc2)}")
                continue
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


def _short(exc) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= 120 else text[:119] + "…"


def _lenient(con, exc) -> bool:
    """After a text that is not UTF-8 (a damaged page): read text leniently from now on,
    so the damaged rows are named (their digests no longer match) instead of stopping the
    check. True if that was the trouble and the caller should try again."""
    if "decode" not in str(exc).lower() or not hasattr(con, "text_factory"):
        return False
    if getattr(con, "text_factory", str) is not str:
        return False
    con.text_factory = lambda b: b.decode("utf-8", "surrogateescape")
    return True


#: the checks, in the order they print
CHECKS = [("integrity", check_file_integrity), ("foreign keys", check_foreign_keys),
          ("schema", check_schema), ("audit chain", check_chain), ("records", check_records)]


def run_checks(con) -> Report:
    """Every check, each as far as it can go: one that cannot finish (a damaged page, a
    missing table) is a FAILED verdict saying why, and the others still run."""
    con = backend.raw(con)
    verdicts = []
    for name, check in CHECKS:
        for _attempt in range(2):
            try:
                verdicts.append(check(con))
                break
            except Exception as exc:
                if _lenient(con, exc):
                    continue
                verdicts.append(Verdict(name, False, f"could not be checked: {_short(exc)}",
                                        [_short(exc)]))
                break
    return Report(verdicts)


def check_path(path, *, passphrase: str | None = None) -> Report:
    """Run every check on the casebook at *path* (read only: a read-only file will do),
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
    try:
        con = connect_raw(Path(path), passphrase, readonly=True)
    except WrongPassphrase:
        raise
    except DatabaseError as exc:  # not even its list of tables can be read: say so, each
        why = " ".join(str(exc).split())
        return Report([Verdict(name, False, f"could not be checked: {why}", [])
                       for name, _check in CHECKS])
    try:
        return run_checks(con)
    finally:
        con.close()
