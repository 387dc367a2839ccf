"""`clerkdesk copy SRC DEST`: a whole council from one engine to the other (SQLite to
PostgreSQL and back), in ONE transaction on the destination, then verified on both sides.

The destination must be empty (a new SQLite file, or an empty PostgreSQL database made
with `createdb`): a casebook is never merged into another. Rows keep their ids, the audit
log is copied entry for entry (its hashes included), and then:

- every table's row count is compared;
- every audited row's digest is compared (`chain.table_digests`, canonical on both
  engines, so a copy verifies exactly when its values are the same);
- `integrity.run_checks` runs on both sides (the audit chain and the records).

SQLite to SQLite, neither encrypted, is a page copy (SQLite's backup API: the indexes,
triggers and search index come as they are), written under an exclusive temporary name
beside DEST, without a journal or a sync of its own, made durable by one fsync (in a
thread, beside the verification) and given DEST's name only once verified. What is
verified, and why it suffices (`_page_copy`):

- When the source's every page is in its file (no frames in its write-ahead log, no
  rollback journal: a casebook no program holds open with changes not yet checkpointed,
  as a closed one is), the source's four checks beyond its pages (references, schema,
  the audit chain, every record against it: `integrity.run_checks`, each digest taken
  once, the chain in a child interpreter) run while its pages are copied; then the
  copy's pages are checked (`PRAGMA integrity_check`, on the copy), and the copy is
  compared with the source's file byte for byte (all but the header's change counter,
  schema cookie and version-valid-for/SQLite version, which the backup API writes
  itself). Around all of it, the source must have held still: SQLite's `data_version`
  (moved by a commit from any other connection, in any program), the file's size,
  inode, modification and change times (moved by any write to it, SQLite's or not) and
  an empty log, the same before the pages were copied and after the last check. So every
  reader (the page copy, the records, the chain) read the same bytes, the bytes the
  copy now holds: the copy passes every check because the source, those bytes, did;
  and a tampered source fails, so its copy is not kept. A copy whose bytes are not the
  still source's (damaged as it was written) is not kept, though its own checks might
  pass.
- Otherwise (a casebook open elsewhere with frames in its log, or one that changed while
  it was copied, whichever program changed it): the copy, a still file of its own, is
  checked itself, every check (`integrity._run_beside`), and must hold the same row
  counts and the same head of the chain as the source (else the source changed while it
  was copied, and the copy is not kept).

Either way a copy that differs from the source or is damaged is never kept, and a
tampered source is refused (its copy, page for page, would keep the evidence anyway).

No Textual here.
"""
from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from peewee import BooleanField, ForeignKeyField

from clerkdesk.models.core import schema
from clerkdesk.models.core.db import SCHEMA_VERSION, DatabaseError, close_database
from clerkdesk.models.store import backend, chain, integrity, opening
from clerkdesk.models.store.engines import connect_raw


@dataclass
class CopyResult:
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    source_report: integrity.Report | None = None
    dest_report: integrity.Report | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return (not self.problems and self.source_report is not None and self.source_report.ok
                and self.dest_report is not None and self.dest_report.ok)

    def lines(self) -> list[str]:
        rows = sum(s for s, _ in self.counts.values())
        out = [f"copied {rows} rows in {len(self.counts)} tables in {self.seconds:.2f} s"]
        bad = {t: c for t, c in self.counts.items() if c[0] != c[1]}
        out.append("row counts: " + ("the same on both sides" if not bad else
                                      f"{len(bad)} table(s) differ"))
        for p in self.problems:
            out.append(f"  - {p}")
        for side, report in (("source", self.source_report), ("destination", self.dest_report)):
            if report is not None:
                out.extend(f"{side}: {line}" for line in report.lines())
        return out


def _connect(where, passphrase: str | None = None):
    if backend.is_url(where):
        return backend.connect_url(str(where))
    path = Path(where)
    if not path.is_file():
        raise DatabaseError(f"There is no casebook at {path}.")
    return connect_raw(path, passphrase, readonly=True)


def _models():
    return schema.TABLES


def _count(con, table: str) -> int:
    return con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]


def _dest_empty(where) -> None:
    """Refuse a destination holding any clerkdesk rows (a SQLite file or a PG database)."""
    if backend.is_url(where):
        con = backend.connect_url(str(where))
        try:
            have = backend.tables(con)
            names = [m._meta.table_name for m in _models()]
            full = [t for t in names if t in have and _count(con, t)]
            others = have - set(names) - {"clerkdesk_schema", "search_index"}
            if full or others:
                raise DatabaseError(
                    f"{backend.display_url(str(where))} is not empty "
                    f"({', '.join(sorted(full) or sorted(others))}): copy only into a new, "
                    "empty database (createdb); nothing was changed.")
        finally:
            con.close()
    else:
        path = Path(where)
        if path.exists() and path.stat().st_size > 0:
            raise DatabaseError(f"{path} already exists: copy only into a new file; "
                                "nothing was changed.")


def copy(src, dest, *, passphrase: str | None = None, dest_passphrase: str | None = None,
         finish=None) -> CopyResult:
    """Copy the casebook *src* into the empty *dest* (paths or postgresql:// URLs).

    *passphrase* opens an encrypted source; *dest_passphrase* encrypts the destination
    (default: not encrypted, whatever $CLERKDESK_PASSPHRASE says). *finish(db)* runs on
    the destination, open, once the rows are in (the command builds the search index
    there, so the copy arrives with it). An SQLite destination is written under an
    exclusive temporary name beside it and given its name only once copied and verified:
    a copy killed halfway leaves nothing in the way of the next try."""
    start = time.perf_counter()
    scon = _connect(src, passphrase)
    target = dest
    tmp = None
    try:
        version = backend.schema_version_con(scon)
        if version != SCHEMA_VERSION:
            raise DatabaseError(f"{src} is at schema {version}; open it with this clerkdesk "
                                f"once (it upgrades it to {SCHEMA_VERSION}), then copy it.")
        _dest_empty(dest)
        if not backend.is_url(dest):
            dest = Path(dest)
            if not dest.parent.is_dir():
                raise DatabaseError(f"The folder {dest.parent} does not exist: create it first.")
            fd, name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
            os.close(fd)
            tmp = target = Path(name)
        if _page_copy_ok(src, dest, passphrase, dest_passphrase):
            return _page_copy(scon, Path(src), dest, tmp, start)
        ddb = opening.open_database(target, backup=False, passphrase=dest_passphrase or "")
        try:
            with ddb.atomic():
                dcon = backend.raw(ddb.connection())
                pg = backend.con_is_postgres(dcon)
                result = CopyResult()
                _copy_rows(scon, dcon, pg, result)
                backend.reset_sequences(dcon, [m._meta.table_name for m in _models()])
            if finish is not None:
                finish(ddb)
        finally:
            close_database()
        result.seconds = time.perf_counter() - start
        # verify, the destination on a fresh connection
        dcon = _connect(target, dest_passphrase)
        try:
            for m in _models():
                t = m._meta.table_name
                s_n, d_n = _count(scon, t), _count(dcon, t)
                result.counts[t] = (s_n, d_n)
                if s_n != d_n:
                    result.problems.append(f"{t}: {s_n} rows in the source, {d_n} in the copy")
            for table in chain.ATTESTED:
                s_d, d_d = chain.table_digests(scon, table), chain.table_digests(dcon, table)
                diff = sorted(k for k in set(s_d) | set(d_d) if s_d.get(k) != d_d.get(k))
                if diff:
                    result.problems.append(f"{table}: {len(diff)} row(s) differ from the source "
                                           f"(first: id {diff[0]})")
            result.source_report = integrity.run_checks(scon)
            result.dest_report = integrity.run_checks(dcon)
        finally:
            dcon.close()
        if tmp is not None:
            _keep(tmp, dest, result)
    finally:
        scon.close()
        if tmp is not None:
            for leftover in (tmp, *(Path(f"{tmp}{x}") for x in ("-wal", "-shm", "-journal"))):
                try:
                    leftover.unlink()
                except OSError:
                    pass
    return result


def _page_copy_ok(src, dest, passphrase, dest_passphrase) -> bool:
    """SQLite to SQLite, neither encrypted: the copy is SQLite's own backup API, page for
    page (its indexes, triggers and search index come with it, as they are)."""
    return not (backend.is_url(src) or backend.is_url(dest) or passphrase or dest_passphrase)


def _page_copy(scon, src: Path, dest: Path, tmp: Path, start: float) -> CopyResult:
    """Copy *src* into *tmp* with the backup API, verify it (see below), and give it the
    name *dest* when all is well (the caller removes *tmp*).

    When every page of the source is in its file (no frames in its write-ahead log, no
    rollback journal: a casebook no program has open for writing), the source is checked
    while its pages are copied, side by side (`_checked_beside`), and the copy is then
    proved to be it byte for byte; otherwise, or when the source changed meanwhile, the
    copy, once made, is checked itself (`_check_the_copy`)."""
    result = CopyResult()
    before = _stillness(scon, src)
    beside = _SourceChecks(src) if before is not None else None
    # (stopped here, the source's checks, which only read, end on their own)
    out = connect_raw(tmp, None)
    try:
        # a new private file nobody reads until it is verified: written without a journal
        # or a sync of its own (a copy cut short is removed, never named *dest*); made
        # durable by the one fsync below, beside the verification, before it is named
        out.execute("PRAGMA journal_mode = OFF")
        out.execute("PRAGMA synchronous = OFF")
        _copy_pages(scon, out, src)
    finally:
        out.close()
    synced = _sync_beside(tmp)
    result.seconds = time.perf_counter() - start
    try:
        if beside is None or not _checked_beside(scon, src, tmp, before, beside, result):
            _check_the_copy(scon, tmp, result)
    finally:
        trouble = synced()  # waited for whatever happens, so the file can go
    if trouble:
        result.problems.append(f"the copy could not be written to the disk ({trouble})")
    if _keep(tmp, dest, result):
        _sync_folder(dest.parent)
    return result


def _keep(tmp: Path, dest: Path, result: CopyResult) -> bool:
    """Give the verified copy *tmp* the name *dest* (never over a file made meanwhile), or
    say why it was not kept. True when it was."""
    if not result.ok:
        result.problems.append(f"the copy did not match, so {dest} was not kept")
        return False
    try:
        os.link(tmp, dest)
    except FileExistsError:
        raise DatabaseError(f"{dest} appeared while copying: the copy was not "
                            "kept; nothing was changed.") from None
    return True


def _counts(scon, dcon, result: CopyResult) -> None:
    for m in _models():
        t = m._meta.table_name
        s_n, d_n = _count(scon, t), _count(dcon, t)
        result.counts[t] = (s_n, d_n)
        if s_n != d_n:
            result.problems.append(f"{t}: {s_n} rows in the source, {d_n} in the copy")


def _check_the_copy(scon, tmp: Path, result: CopyResult) -> None:
    """The copy's every check (its pages, references, schema, the audit chain and every
    record against it, each digest computed once; the pages and the chain checked beside
    the records, see `integrity._run_beside`), and the same row counts in every table
    and the same head of the chain on both sides (the source did not change meanwhile)."""
    result.counts.clear()
    del result.problems[:]
    dcon = _connect(tmp)
    try:
        _counts(scon, dcon, result)
        heads = [con.execute("SELECT value FROM setting WHERE key = ?",
                             (chain.HEAD_KEY,)).fetchone() for con in (scon, dcon)]
        same = heads[0] == heads[1] and not result.problems
        result.dest_report = integrity._run_beside(dcon, tmp, None)
    finally:
        dcon.close()
    shown = (heads[0][0].split()[0] if heads[0] and heads[0][0] else "none")
    result.source_report = integrity.Report([integrity.Verdict(
        "same as the copy", same,
        f"every table's row count and the audit chain's head (entry #{shown}) match the "
        "copy, made page for page by SQLite's backup API and checked itself" if same
        else "the source changed while it was copied")])


def _checked_beside(scon, src: Path, tmp: Path, before, beside: _SourceChecks,
                    result: CopyResult) -> bool:
    """The copy's pages (integrity_check, on the copy) and that it is the source byte for
    byte, while the source's references, schema, chain and records are checked (begun
    before its pages were copied). True when that settled it, either way; False when the
    source did not hold still (a commit, a write to its file, from any program): then
    the copy itself must be checked."""
    pages = integrity._integrity_beside(tmp, None)
    same = _same_bytes(tmp, src)
    page_verdict = pages() if pages is not None else _pages_here(tmp)
    source = beside.report()
    if _stillness(scon, src) != before or same is None:
        return False
    dcon = _connect(tmp)
    try:
        _counts(scon, dcon, result)
    finally:
        dcon.close()
    result.source_report = source
    result.dest_report = integrity.Report([page_verdict, integrity.Verdict(
        "same as the source", same,
        "byte for byte the source's pages (SQLite's backup API; only the header's change "
        "counters differ), the source unchanged while it was copied and checked: the "
        "source's verdicts are the copy's" if same else
        "the copy's bytes are not the source's, and the source did not change meanwhile: "
        "the copy was damaged as it was written")])
    return True


def _stillness(scon, src: Path):
    """What moves whenever the source changes: SQLite's data_version (moved by a commit
    from any other connection, in any program) and the size, times and inode of the file
    (moved by any write to it, SQLite's, a checkpoint's, or not); None when its pages are
    not all in its file (frames in its write-ahead log, a rollback journal), which the
    byte-for-byte comparison needs. (The log, empty, may come and go as connections open
    and close; a commit puts frames in it, or moves data_version.)"""
    try:
        if Path(f"{src}-journal").exists() or _size(f"{src}-wal"):
            return None
        version = scon.execute("PRAGMA data_version").fetchone()[0]
        st = os.stat(src)
        if _size(f"{src}-wal"):
            return None
    except Exception:
        return None
    return (version, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except FileNotFoundError:
        return 0


#: the header's bytes the backup API writes itself in the copy (the file change counter,
#: the schema cookie, version-valid-for and the SQLite version): the rest is the source's
_OWN_BYTES = ((24, 28), (40, 44), (92, 100))


def _same_bytes(copy: Path, src: Path) -> bool | None:
    """*copy* holds *src*'s bytes, all of them, but for `_OWN_BYTES` of the header (True)
    or not (False); None when that cannot be told (the source's file runs on past its
    last page, which the backup API leaves out, or a file cannot be read)."""
    size = 1 << 20
    try:
        with open(copy, "rb") as a, open(src, "rb") as b:
            n, m = os.fstat(a.fileno()).st_size, os.fstat(b.fileno()).st_size
            if n > m:
                return False
            if n < m:
                return None
            x, y = bytearray(a.read(size)), bytearray(b.read(size))
            if len(x) < 100 or len(x) != len(y):
                return False
            for lo, hi in _OWN_BYTES:
                x[lo:hi] = y[lo:hi] = bytes(hi - lo)
            if x != y:
                return False
            while True:
                x, y = a.read(size), b.read(size)
                if x != y:
                    return False
                if not x:
                    return True
    except OSError:
        return None


class _SourceChecks:
    """The source's references, schema, chain and records checked while its pages are
    copied: the records in a thread (the backup API lets go of the interpreter), the
    chain in a child interpreter (`integrity._chain_beside`; here, in turn, when none
    can be had)."""

    def __init__(self, src: Path):
        import threading

        self.src = src
        self.chain = integrity._chain_beside(src)
        self.done: list = []
        self.thread = threading.Thread(target=self._work, name="clerkdesk-copy-source",
                                       daemon=True)
        self.thread.start()

    def _work(self):
        chain_verdict = None
        try:
            con = _connect(self.src)
        except Exception as exc:
            self.done.append(exc)
            if self.chain:
                self.chain()  # the child's end waited for, its verdict no use now
            return
        try:
            skip = ("integrity",) + (("audit chain",) if self.chain else ())
            report = integrity.run_checks(con, skip=skip)
            if self.chain:
                chain_verdict = self.chain() or _chain_here(con)
            self.done.append(report)
            if chain_verdict is not None:
                self.done.append(chain_verdict)
        except Exception as exc:
            self.done.append(exc)
        finally:
            con.close()

    def report(self) -> integrity.Report:
        """The source's verdicts (integrity_check is the copy's, see `_checked_beside`)."""
        self.thread.join()
        if not self.done or isinstance(self.done[0], Exception):
            why = integrity._short(self.done[0]) if self.done else "it stopped"
            return integrity.Report([integrity.Verdict("source", False,
                                                       f"could not be checked: {why}", [])])
        report = self.done[0]
        if len(self.done) > 1:
            got = {v.name: v for v in report.verdicts}
            got["audit chain"] = self.done[1]
            report.verdicts = [got[n] for n, _check in integrity.CHECKS if n in got]
        return report


def _chain_here(con) -> integrity.Verdict:
    return integrity._run_one(con, "audit chain", integrity.check_chain)


def _pages_here(path: Path) -> integrity.Verdict:
    con = _connect(path)
    try:
        return integrity._run_one(con, "integrity", integrity.check_file_integrity)
    finally:
        con.close()


def _sync_beside(path: Path):
    """fsync *path* in a thread (the disk's work, not the interpreter's: it goes on while
    the copy is verified); returns the function that waits for it and gives the error's
    text, or "" when the file is on the disk."""
    import threading

    trouble: list[str] = []

    def work():
        try:
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            trouble.append(str(exc))

    thread = threading.Thread(target=work, name="clerkdesk-copy-sync", daemon=True)
    thread.start()

    def wait() -> str:
        thread.join()
        return trouble[0] if trouble else ""

    return wait


def _sync_folder(folder: Path) -> None:
    """fsync the folder, so the copy's new name is on the disk too (POSIX; elsewhere, and
    on a filesystem that cannot, the name is as durable as the system makes it)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _copy_pages(scon, out, src) -> None:
    """SQLite's online backup API from the source into the new file (busy-aware)."""
    from clerkdesk.models.store.backup import _copy as backup_pages

    backup_pages(scon, out, src)


def _copy_rows(scon, dcon, pg: bool, result: CopyResult) -> None:
    done: set[str] = set()
    deferred: list[tuple[str, str, list[tuple[int, object]]]] = []
    for model in _models():
        table = model._meta.table_name
        fields = {f.column_name: f for f in model._meta.sorted_fields}
        cols = [c for c in backend.columns(scon, table) if c in fields]
        later = [c for c in cols if isinstance(fields[c], ForeignKeyField)
                 and (fields[c].rel_model._meta.table_name not in done
                      or fields[c].rel_model is model)]
        cur = scon.execute(f'SELECT {", ".join(chr(34) + c + chr(34) for c in cols)} '
                           f'FROM "{table}" ORDER BY 1')
        rows = cur.fetchall()
        pending = {c: [] for c in later}
        out = []
        pk = model._meta.primary_key.column_name
        for row in rows:
            values = []
            for c, v in zip(cols, row):
                f = fields[c]
                if c in pending:
                    if v is not None:
                        pending[c].append((row[cols.index(pk)], v))
                    v = None
                values.append(_value(f, v, pg))
            out.append(tuple(values))
        if out:
            marks = ", ".join("?" * len(cols))
            sql = (f'INSERT INTO "{table}" ({", ".join(chr(34) + c + chr(34) for c in cols)}) '
                   f"VALUES ({marks})")
            _insert_many(dcon, sql, out)
        for c, pairs in pending.items():
            if pairs:
                deferred.append((table, c, pairs))
        done.add(table)
    for table, c, pairs in deferred:
        for row_id, v in pairs:
            dcon.execute(f'UPDATE "{table}" SET "{c}" = ? WHERE id = ?', (v, row_id))


def _value(f, v, pg: bool):
    if v is None:
        return None
    if isinstance(f, BooleanField):
        return bool(v) if pg else int(bool(v))
    if isinstance(v, (bytes, bytearray, memoryview)):
        return bytes(v)  # a document's bytes, as they are, on either engine
    if pg:
        return f.python_value(v) if isinstance(v, str) else v
    return backend.canon(v)


def _insert_many(dcon, sql: str, rows: list[tuple]) -> None:
    if isinstance(dcon, backend.PgConnection):
        sql = sql.replace("%", "%%").replace("?", "%s")
        with dcon.con.cursor() as cur:
            cur.executemany(sql, rows)
    else:
        dcon.executemany(sql, rows)
