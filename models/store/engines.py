"""clerkdesk's database classes for each engine, and plain DB-API connections.

- every transaction is `BEGIN IMMEDIATE` (SQLite) or takes the writers' advisory lock
  (PostgreSQL), so audit entries are chained one writer at a time;
- just before COMMIT, the audit entries of the transaction are sealed (`chain.seal`);
- a busy database becomes `DatabaseBusy`, with a sentence;
- `connect_raw` is a plain sqlite3/sqlcipher3 connection for the checks and backups that
  work below Peewee.
"""
from __future__ import annotations

import sqlite3
import threading
import uuid
from pathlib import Path

import peewee
from peewee import DatabaseError as PeeweeDatabaseError
from peewee import OperationalError, PostgresqlDatabase, SqliteDatabase

from clerkdesk.models.core.db import (
    BUSY_TIMEOUT_MS,
    PASSPHRASE_ENV,
    DatabaseBusy,
    DatabaseError,
    WrongPassphrase,
    busy_message,
)
from clerkdesk.models.store import backend, chain

PRAGMAS = {
    "foreign_keys": 1,
    "journal_mode": "wal",  # readers never block the writer, nor the writer readers
    "busy_timeout": BUSY_TIMEOUT_MS,
    # FULL in WAL mode: a confirmed write survives a power cut too, not only a crash.
    "synchronous": "full",
}


def _is_busy(exc: Exception) -> bool:
    return backend.is_busy_error(exc)


class _ClerkMixin:
    """What clerkdesk adds to Peewee's SQLite database classes.

    - every transaction is `BEGIN IMMEDIATE`: a writer takes the write lock first, so
      audit entries are appended (and hash-chained) one writer at a time, and a busy
      database is met at the start of a change, never halfway through;
    - just before COMMIT, audit entries appended in the transaction are sealed
      (`chain.seal`): the row digests are taken and the hash chain extended;
    - "database is locked" becomes `DatabaseBusy` with a sentence.
    """

    _local = None

    def _pending(self) -> list:
        if self._local is None:
            self._local = threading.local()
        if not hasattr(self._local, "audit"):
            self._local.audit = []
        return self._local.audit

    def begin(self, lock_type=None):
        try:
            return super().begin(lock_type or "IMMEDIATE")
        except (OperationalError, PeeweeDatabaseError) as exc:
            if _is_busy(exc):
                raise DatabaseBusy(busy_message()) from None
            raise

    def commit(self):
        pending = self._pending()
        if pending:
            ids = list(pending)
            pending.clear()
            chain.seal(self, ids)
        try:
            return super().commit()
        except (OperationalError, PeeweeDatabaseError) as exc:
            if _is_busy(exc):
                raise DatabaseBusy(busy_message()) from None
            raise

    def rollback(self):
        self._pending().clear()
        return super().rollback()

    def _execute_cursor(self, sql, params, **kwargs):
        try:
            return super()._execute_cursor(sql, params, **kwargs)
        except (OperationalError, PeeweeDatabaseError) as exc:
            if _is_busy(exc):
                raise DatabaseBusy(busy_message()) from None
            raise


class ClerkDatabase(_ClerkMixin, SqliteDatabase):
    pass


class Psycopg3Adapter(peewee.Psycopg3Adapter):
    """Peewee's psycopg 3 adapter, importing psycopg when a PostgreSQL casebook is opened
    rather than when Peewee is imported (Peewee is imported without its drivers: see
    `clerkdesk.models`). The same methods, with psycopg taken from here, not Peewee."""

    def __init__(self):
        import psycopg
        from psycopg.pq import TransactionStatus
        from psycopg.types.json import Json, Jsonb

        super().__init__()
        self.psycopg = psycopg
        self.json_type, self.jsonb_type = Json, Jsonb
        self.txn_idle = TransactionStatus.IDLE
        self.txn_inerror = TransactionStatus.INERROR
        self.txn_unknown = TransactionStatus.UNKNOWN
        self.txn_intrans = TransactionStatus.INTRANS

    def check_driver(self):
        pass  # __init__ has imported it

    def get_binary_type(self):
        return self.psycopg.Binary

    def connect(self, db, **params):
        if db._encoding:
            params.setdefault("client_encoding", db._encoding)
        if db.database.startswith("postgresql://"):
            params.setdefault("conninfo", db.database)
        else:
            params.setdefault("dbname", db.database)
        return self.psycopg.connect(**params)

    def server_side_cursor(self, conn):
        in_txn = self.txn_status(conn) == self.txn_intrans
        return conn.cursor(name=str(uuid.uuid1()), withhold=not in_txn)


class ClerkPgDatabase(_ClerkMixin, PostgresqlDatabase):
    """The same on PostgreSQL: BEGIN takes the writers' advisory lock (backend.lock_writers),
    which is what SQLite's BEGIN IMMEDIATE does; a lock wait longer than the session's
    lock_timeout becomes `DatabaseBusy`."""

    # Peewee picks its psycopg2 adapter when it was imported without psycopg 3
    psycopg2_adapter = psycopg3_adapter = Psycopg3Adapter

    def begin(self, lock_type=None):
        try:
            PostgresqlDatabase.begin(self)
            backend.lock_writers(self)
        except Exception as exc:  # psycopg's own LockNotAvailable, or Peewee's wrapper
            if backend.is_busy_error(exc):
                try:
                    PostgresqlDatabase.rollback(self)
                except Exception:
                    pass
                raise DatabaseBusy(busy_message()) from None
            raise

    def _initialize_connection(self, conn):
        backend.session_settings(conn)


def _cipher_class():
    try:
        from playhouse.sqlcipher_ext import SqlCipherDatabase
    except ImportError:
        raise DatabaseError(
            "This casebook needs encryption support, which is not installed: "
            "install clerkdesk[encrypted] (pip install 'clerkdesk[encrypted]')."
        ) from None

    class ClerkCipherDatabase(_ClerkMixin, SqlCipherDatabase):
        pass

    return ClerkCipherDatabase


def encryption_available() -> bool:
    try:
        import sqlcipher3  # noqa: F401
    except ImportError:
        return False
    return True


def _make_db(path: Path, passphrase: str | None, busy_timeout_ms: int):
    pragmas = dict(PRAGMAS, busy_timeout=busy_timeout_ms)
    # the sqlite3 module's own wait, so BEGIN IMMEDIATE waits as long as the pragma says
    timeout = busy_timeout_ms / 1000
    if passphrase:
        cls = _cipher_class()
        pragmas = {"cipher_log_level": "NONE", **pragmas}
        return cls(str(path), passphrase=passphrase, pragmas=pragmas, timeout=timeout,
                   check_same_thread=False)
    return ClerkDatabase(str(path), pragmas=pragmas, timeout=timeout, check_same_thread=False)


def connect_raw(path, passphrase: str | None = None, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS):
    """A plain DB-API connection to *path* (sqlite3, or sqlcipher3 with the key given),
    for the checks and backups that work below Peewee. Raises WrongPassphrase."""
    path = Path(path)
    if passphrase:
        try:
            import sqlcipher3
        except ImportError:
            raise DatabaseError(_cipher_missing()) from None
        con = sqlcipher3.connect(str(path), timeout=busy_timeout_ms / 1000,
                                 isolation_level=None, check_same_thread=False)
        _quiet_cipher(con)
        con.execute("PRAGMA key = '%s'" % passphrase.replace("'", "''"))
    else:
        con = sqlite3.connect(str(path), timeout=busy_timeout_ms / 1000, isolation_level=None,
                              check_same_thread=False)
    try:
        con.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except Exception as exc:
        con.close()
        if "not a database" in str(exc) or "encrypted" in str(exc):
            raise _not_opened(path, passphrase) from None
        raise DatabaseError(f"Could not open {path}: {exc}") from None
    return con


def _cipher_missing() -> str:
    return ("Encrypted casebooks need SQLCipher, which is not installed: "
            "pip install 'clerkdesk[encrypted]'.")


def _quiet_cipher(con) -> None:
    try:
        con.execute("PRAGMA cipher_log_level = NONE")
    except Exception:
        pass


def _not_opened(path: Path, passphrase: str | None) -> DatabaseError:
    if passphrase:
        return WrongPassphrase(
            f"The passphrase does not open {path} (or it is not a clerkdesk casebook). "
            "Nothing was changed; check the passphrase and try again.")
    return WrongPassphrase(
        f"{path} is not a clerkdesk database (it is not an SQLite file, or it is encrypted: "
        f"then give its passphrase in ${PASSPHRASE_ENV} or with --passphrase-env); "
        "it was left untouched.")
