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
    cur = con.execute('SELECT id, at, who, action, "table", row_id, changes, undoes, '
                      'changes_digest, row_digest, prev_hash, hash FROM audit ORDER BY id')
    problems = []
    prev_hash = ""
    prev_id = None
    n = 0
    digest, entry_hash = chain.sha256, chain.entry_hash
    for (id_, at, who, action, table, row_id, changes, undoes, cd, rd, ph, h) in cur:
        n += 1  # streamed: one entry held at a time
        if not h:
            problems.append(f"audit entry #{id_} ({action} {table} {row_id}) is not sealed "
                            "into the chain: added behind the log's back")
        else:
            if digest(changes or "") != cd and not chain.redaction_ok(con, id_, changes or ""):
                problems.append(f"audit entry #{id_} ({action} {table} {row_id}) was edited: "
                                "its changes do not match their digest")
            if entry_hash(id_, at, who, action, table, row_id, cd, rd, undoes, ph) != h:
                problems.append(f"audit entry #{id_} ({action} {table} {row_id}) was edited: "
                                "its hash does not match its contents")
            if ph != prev_hash:
                where = f"after #{prev_id}" if prev_id else "at the start"
                problems.append(f"audit entry #{id_} ({action} {table} {row_id}) does not "
                                f"follow the entry before it: an entry {where} was deleted, "
                                "inserted or edited")
        prev_hash, prev_id = h, id_
    head = None
    try:
        row = con.execute("SELECT value FROM setting WHERE key = ?", (chain.HEAD_KEY,)).fetchone()
        head = row[0] if row else None
    except Exception:
        head = None
    if n:
        last_id, last_hash = prev_id, prev_hash
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
    if problems:
        return Verdict("audit chain", False, f"{len(problems)} problem(s) in {n} entries", problems)
    tip = f"; head #{prev_id} {prev_hash[:12]}" if n else ""
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
    # the latest entry of every audited row: the engine picks each row's last entry (on
    # SQLite from the index on (table, row_id), which holds the ids), so only those are
    # read, not the whole log
    latest: dict[str, dict] = {table: {} for table in chain.ATTESTED}
    for table, entry_id, row_id, digest in con.execute(_LATEST_ENTRIES):
        rows = latest.get(table)
        if rows is not None:
            rows[row_id] = (entry_id, digest)
    for table in chain.ATTESTED:
        logged_rows = latest.pop(table)
        if table not in tables:
            vouched = sum(1 for _id, digest in logged_rows.values() if digest)
            if vouched:
                problems.append(f"the table {table} is gone: {vouched} of its records are in the "
                                "audit log")
            continue
        seen = _compare_table(con, table, logged_rows, problems)
        if seen is None:  # a damaged table: read it leniently once, then again
            seen = _compare_table(con, table, logged_rows, problems, retry=True)
        count += seen or 0
    if problems:
        return Verdict("records", False, f"{len(problems)} of {count} rows do not match the "
                       "audit log", problems)
    return Verdict("records", True, f"{count} rows match their latest audit entry")


#: each audited row's latest entry (the one with the highest id), in row order
_LATEST_ENTRIES = ('SELECT a."table", a.id, a.row_id, a.row_digest FROM audit a JOIN '
                   '(SELECT max(id) AS id FROM audit GROUP BY "table", row_id) m '
                   'ON a.id = m.id ORDER BY a."table", a.row_id')


def _compare_table(con, table, logged_rows, problems, *, retry: bool = False) -> int | None:
    """Compare each row of *table* (streamed, its digest computed as it is read) with its
    latest entry in *logged_rows* (id -> (entry id, digest)); appends the problems and
    returns the number of rows, or None when a damaged page (text that is not UTF-8)
    stopped it and reading leniently may get further (nothing appended then)."""
    found = []
    seen: set = set()
    try:
        for row_id, digest in chain.iter_table_digests(con, table):
            seen.add(row_id)
            logged = logged_rows.get(row_id)
            if logged is None:
                found.append(f"{_name(con, table, row_id)} has no audit entry: it was added "
                             "behind the log's back")
            elif logged[1] != digest:
                found.append(f"{_name(con, table, row_id)} differs from its last audit entry "
                             f"#{logged[0]}: it was changed behind the log's back")
    except Exception as exc:  # a damaged table: say so, and go on to the next
        if not retry and _lenient(con, exc):
            return None
        problems.append(f"the table {table} cannot be read: {_short(exc)}")
        return 0
    problems.extend(found)
    for row_id, (entry_id, digest) in logged_rows.items():
        if row_id not in seen and digest:
            problems.append(f"{table.replace('_', ' ')} {row_id} is in the audit log "
                            f"(entry #{entry_id}) but its row is gone: deleted behind the "
                            "log's back")
    return len(seen)


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


def _run_one(con, name, check) -> Verdict:
    for _attempt in range(2):
        try:
            return check(con)
        except Exception as exc:
            if _lenient(con, exc):
                continue
            return Verdict(name, False, f"could not be checked: {_short(exc)}", [_short(exc)])
    return Verdict(name, False, "could not be checked", [])


def run_checks(con, *, skip: tuple[str, ...] = ()) -> Report:
    """Every check, each as far as it can go: one that cannot finish (a damaged page, a
    missing table) is a FAILED verdict saying why, and the others still run. The checks
    named in *skip* are left out (the caller runs them itself)."""
    con = backend.raw(con)
    verdicts = []
    for name, check in CHECKS:
        if name in skip:
            continue
        verdicts.append(_run_one(con, name, check))
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
        return _run_beside(con, Path(path), passphrase)
    finally:
        con.close()


def _run_beside(con, path: Path, passphrase: str | None) -> Report:
    """Every check on the SQLite casebook at *path*, sharing the machine's cores: the
    file's pages (SQLite's integrity_check, in a thread: SQLite lets go of the
    interpreter meanwhile) and the audit chain (in a child interpreter of its own, for an
    unencrypted file) while this one hashes the records. A part that cannot be had
    beside runs here, in turn. The verdicts come in the usual order."""
    integrity = _integrity_beside(path, passphrase)
    chain_verdict = None if passphrase else _chain_beside(path)
    skip = tuple(name for name, beside in (("integrity", integrity),
                                           ("audit chain", chain_verdict)) if beside)
    report = run_checks(con, skip=skip)
    got = {v.name: v for v in report.verdicts}
    if chain_verdict:
        got["audit chain"] = chain_verdict() or _run_one(con, "audit chain", check_chain)
    if integrity:
        got["integrity"] = integrity()
    report.verdicts = [got[name] for name, _check in CHECKS if name in got]
    return report


#: the child interpreter that verifies the chain of the file named by its argument
_CHAIN_CHILD = ("import json, sys\n"
                "from clerkdesk.models.store import integrity as i\n"
                "print(json.dumps(i._chain_of_file(sys.argv[1])))\n")


def _chain_of_file(path: str) -> dict:
    con = connect_raw(Path(path), None, readonly=True)
    try:
        v = _run_one(con, "audit chain", check_chain)
    finally:
        con.close()
    return {"name": v.name, "ok": v.ok, "summary": v.summary, "problems": v.problems}


def _chain_beside(path: Path):
    """Start verifying the audit chain of *path* in a child interpreter; returns the
    function that waits for its verdict (None if the child failed: the caller then
    verifies it itself), or None when no child can be started. Set
    CLERKDESK_CHECK_ONE_PROCESS=1 to keep every check in this process."""
    import os
    import subprocess
    import sys

    if os.environ.get("CLERKDESK_CHECK_ONE_PROCESS"):
        return None
    try:
        proc = subprocess.Popen([sys.executable, "-c", _CHAIN_CHILD, str(path)],
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
    except OSError:
        return None

    def verdict() -> Verdict | None:
        import json

        out, _err = proc.communicate()
        if proc.returncode != 0 or not out.strip():
            return None
        try:
            data = json.loads(out.strip().splitlines()[-1])
            return Verdict(data["name"], bool(data["ok"]), data["summary"],
                           list(data["problems"]))
        except (ValueError, KeyError, TypeError):
            return None

    return verdict


def _integrity_beside(path: Path, passphrase: str | None):
    """SQLite's integrity_check on a connection of its own, in a thread, while the
    chain and the records are hashed in this one (SQLite lets go of the interpreter while
    it checks the pages, so the two share the machine's cores); returns the function
    that waits for its verdict, or None when a second connection cannot be had (the
    check then runs in turn, on the first)."""
    import threading

    done: list[Verdict] = []

    def work():
        try:
            con = connect_raw(path, passphrase, readonly=True)
        except Exception as exc:
            done.append(Verdict("integrity", False, f"SQLite could not read the file: "
                                f"{_short(exc)}", [_short(exc)]))
            return
        try:
            done.append(_run_one(con, "integrity", check_file_integrity))
        finally:
            con.close()

    try:
        thread = threading.Thread(target=work, name="clerkdesk-integrity-check", daemon=True)
        thread.start()
    except RuntimeError:
        return None

    def verdict() -> Verdict:
        thread.join()
        return done[0] if done else Verdict("integrity", False, "could not be checked", [])

    return verdict
