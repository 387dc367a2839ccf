"""Opening the casebook: the database file, its pragmas, its schema version, migrations,
the automatic backup on open, optional encryption, and a busy database.

Everything that knows it is talking to an SQLite file lives here (and in `backup.py`);
a `postgresql://` URL opens a shared office's PostgreSQL database instead
(`_open_postgres`). What differs between the two engines below Peewee is in
`backend.py`; the domain modules only use the Peewee models and `atomic()`.
"""
from __future__ import annotations

import os
import re
import sqlite3
import threading
import uuid
from contextlib import contextmanager
from pathlib import Path

import peewee
from peewee import DatabaseProxy, OperationalError, PostgresqlDatabase, SqliteDatabase
from peewee import DatabaseError as PeeweeDatabaseError

from . import backend

#: The proxy every model is bound to; `open_database` points it at a real database.
database = DatabaseProxy()

#: The schema this clerkdesk writes. Stored in SQLite's `PRAGMA user_version`.
#: 1: the first release. 2: the audit log is hash-chained (see migrations.py).
#: 3: every editable record carries a version (optimistic concurrency).
SCHEMA_VERSION = 3

#: How long a second clerkdesk waits for another's write before saying "busy" (ms).
BUSY_TIMEOUT_MS = 5000

PRAGMAS = {
    "foreign_keys": 1,
    "journal_mode": "wal",  # readers never block the writer, nor the writer readers
    "busy_timeout": BUSY_TIMEOUT_MS,
    # FULL in WAL mode: a confirmed write survives a power cut too, not only a crash.
    "synchronous": "full",
}

SQLITE_MAGIC = b"SQLite format 3\x00"

#: the environment variable that holds the passphrase of an encrypted casebook
PASSPHRASE_ENV = "CLERKDESK_PASSPHRASE"


class DatabaseError(Exception):
    """A database that cannot be opened or used; the message is a sentence for the clerk."""


class DatabaseBusy(DatabaseError):
    """Another clerkdesk (or program) held the casebook for longer than we wait."""


class WrongPassphrase(DatabaseError):
    """The casebook is encrypted and the passphrase does not open it."""


def busy_message(path=None) -> str:
    where = f"The casebook {path}" if path else "The casebook"
    return (f"{where} is busy: another clerkdesk is saving to it. Nothing was changed; "
            "try again in a moment.")


def _is_busy(exc: Exception) -> bool:
    return backend.is_busy_error(exc)


class _ClerkMixin:
    """What clerkdesk adds to Peewee's SQLite database classes.

    - every transaction is `BEGIN IMMEDIATE`: a writer takes the write lock first, so
      audit entries are appended (and hash-chained) one writer at a time, and a busy
      database is met at the start of a change, never halfway through;
    - just before COMMIT, audit entries appended in the transaction are sealed
      (`audit.seal`): the row digests are taken and the hash chain extended;
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
            from . import audit

            ids = list(pending)
            pending.clear()
            audit.seal(self, ids)
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


def default_path() -> Path:
    """Where the clerk's own casebook lives when neither --db nor CLERKDESK_DB say."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("clerkdesk", appauthor=False)) / "clerkdesk.db"


def resolve_path(cli_value: str | None) -> Path | str:
    """--db PATH, else $CLERKDESK_DB, else the user's data directory. A PostgreSQL URL
    (postgresql://user@host:port/name) is returned as the string it is."""
    if cli_value:
        return cli_value if backend.is_url(cli_value) else Path(cli_value).expanduser()
    env = os.environ.get("CLERKDESK_DB")
    if env:
        return env if backend.is_url(env) else Path(env).expanduser()
    return default_path()


def check_path(path: Path, *, create_parent: bool = False, encrypted: bool = False) -> None:
    """Refuse, with a sentence, a path that cannot hold a clerkdesk database.

    Never writes to an existing file: it only reads its first bytes.
    """
    if path.exists():
        if path.is_dir():
            raise DatabaseError(f"{path} is a folder, not a database file.")
        if not os.access(path, os.R_OK):
            raise DatabaseError(f"{path} cannot be read: check its permissions.")
        size = path.stat().st_size
        if size and not encrypted:
            with path.open("rb") as fh:
                head = fh.read(16)
            if head != SQLITE_MAGIC:
                raise DatabaseError(
                    f"{path} is not a clerkdesk database (it is not an SQLite file, or it "
                    f"is encrypted: then give its passphrase in ${PASSPHRASE_ENV}); "
                    "it was left untouched."
                )
        if not os.access(path, os.W_OK):
            raise DatabaseError(f"{path} is read-only: clerkdesk needs to write to it.")
        return
    parent = path.parent
    if not parent.exists():
        if create_parent:
            parent.mkdir(parents=True, exist_ok=True)
        else:
            raise DatabaseError(
                f"The folder {parent} does not exist: create it first or choose another --db path."
            )
    if not parent.is_dir():
        raise DatabaseError(f"{parent} is not a folder.")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise DatabaseError(f"The folder {parent} is not writable: choose another --db path.")


def read_user_version(path: Path) -> int:
    """The schema version stored in an existing file, read without changing it."""
    uri = f"file:{path}?mode=ro"
    try:
        con = sqlite3.connect(uri, uri=True)
        try:
            return con.execute("PRAGMA user_version").fetchone()[0]
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(
            f"{path} is not a clerkdesk database ({exc}); it was left untouched."
        ) from None


def is_encrypted_file(path: Path) -> bool:
    """True for a non-empty file that is not plain SQLite (an SQLCipher file has no header)."""
    try:
        with Path(path).open("rb") as fh:
            head = fh.read(16)
    except OSError:
        return False
    return bool(head) and head != SQLITE_MAGIC


def create_private_file(path: Path) -> None:
    """Create an empty file readable and writable by its owner only (0600 on POSIX).

    SQLite gives its -wal and -shm files the database file's permissions.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)


# --- synced folders and network shares ---------------------------------------------------

_SYNCED = [
    ("dropbox", "Dropbox"),
    ("onedrive", "OneDrive"),
    ("google drive", "Google Drive"),
    ("googledrive", "Google Drive"),
    ("my drive", "Google Drive"),
    ("icloud drive", "iCloud Drive"),
    ("iclouddrive", "iCloud Drive"),
    ("mobile documents", "iCloud Drive"),
    ("com~apple~clouddocs", "iCloud Drive"),
    ("nextcloud", "Nextcloud"),
    ("owncloud", "ownCloud"),
    ("pcloud", "pCloud"),
    ("box sync", "Box"),
]

_NETWORK_FS = {"nfs", "nfs4", "cifs", "smb", "smb2", "smb3", "smbfs", "fuse.sshfs", "sshfs",
               "afs", "ncpfs", "davfs", "fuse.davfs2", "fuse.rclone", "glusterfs", "ceph",
               "fuse.s3fs", "9p"}


def _mount_fstype(path: Path, mounts_file: str = "/proc/mounts") -> str | None:
    """The filesystem type of the mount holding *path* (Linux), or None."""
    try:
        text = Path(mounts_file).read_text()
    except OSError:
        return None
    best, fstype = "", None
    target = str(path)
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        mount = parts[1].replace("\\040", " ")
        if (target == mount or target.startswith(mount.rstrip("/") + "/")) and len(mount) >= len(best):
            best, fstype = mount, parts[2]
    return fstype


def location_warning(path, *, mounts_file: str = "/proc/mounts") -> str | None:
    """A sentence warning that *path* is in a synced folder or on a network share, else None.

    SQLite's locking is not reliable there, and a sync client may copy a half-written file
    or make "conflicted copies". The app shows this as a notification; the CLI on stderr.
    """
    if backend.is_url(path):
        return None  # a server's storage is the server's business
    p = Path(path).expanduser()
    try:
        p = p.resolve()
    except OSError:
        pass
    lowered = [part.lower() for part in p.parts]
    for part in lowered:
        for needle, name in _SYNCED:
            if part == needle or part.startswith(needle + " ") or part.startswith(needle + "-") \
                    or (needle in ("dropbox", "onedrive") and part.startswith(needle)):
                return (f"{p} is in a {name} folder: sync can copy a half-written casebook or "
                        "make conflicting copies. Keep the casebook in a local folder and let "
                        "`clerkdesk backup` put copies in the synced folder instead.")
    fstype = _mount_fstype(p if p.exists() else p.parent, mounts_file)
    if fstype and (fstype in _NETWORK_FS or fstype.split(".")[-1] in _NETWORK_FS):
        return (f"{p} is on a network share ({fstype}): file locking there is unreliable, so "
                "two clerkdesks could damage the casebook. Keep it on this computer's own disk.")
    return None


# --- opening -------------------------------------------------------------------------------

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


def _inspect(path: Path, passphrase: str | None) -> int:
    """The schema version of an existing file, refusing foreign SQLite files."""
    con = connect_raw(path, passphrase)
    try:
        version = con.execute("PRAGMA user_version").fetchone()[0]
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        con.close()
    if version == 0 and tables and not {"council", "audit"} <= tables:
        raise DatabaseError(f"{path} is an SQLite file but not a clerkdesk database; "
                            "it was left untouched.")
    return version


def open_database(path: str | os.PathLike, *, create_parent: bool = False, backup: bool = True,
                  passphrase: str | None = None, busy_timeout_ms: int = BUSY_TIMEOUT_MS):
    """Open (creating if need be) the casebook at *path* and bind the models to it.

    - a file from a newer clerkdesk is refused and left untouched;
    - an older schema is backed up (backups/ beside the file) and then migrated forward
      in one transaction;
    - otherwise an existing file gets its automatic rotating backup first (*backup*);
    - *passphrase* (default: $CLERKDESK_PASSPHRASE) opens an SQLCipher-encrypted file,
      or creates a new file encrypted; a wrong one raises WrongPassphrase, never writes.
    """
    from . import schema

    if backend.is_url(path):
        return _open_postgres(str(path))
    if passphrase is None:
        passphrase = os.environ.get(PASSPHRASE_ENV) or None
    path = Path(path)
    existed = path.exists() and path.is_file() and path.stat().st_size > 0
    encrypted = bool(passphrase) or (existed and is_encrypted_file(path))
    check_path(path, create_parent=create_parent, encrypted=encrypted)
    if encrypted and not passphrase:
        raise _not_opened(path, None)
    version = 0
    if existed:
        version = _inspect(path, passphrase)
        if version > SCHEMA_VERSION:
            raise DatabaseError(
                f"{path} was made by a newer clerkdesk (schema {version}; this one knows "
                f"{SCHEMA_VERSION}). Upgrade clerkdesk to open it; the file was left untouched."
            )
    elif not path.exists() and os.name == "posix":
        create_private_file(path)
    if existed and (backup or 0 < version < SCHEMA_VERSION):
        from . import backup as backups

        try:
            if 0 < version < SCHEMA_VERSION:
                backups.backup(path, backups.upgrade_backup_path(path, version),
                               passphrase=passphrase)
            else:
                backups.automatic_backup(path, passphrase=passphrase)
        except DatabaseBusy:
            raise
        except (OSError, sqlite3.Error) as exc:
            if 0 < version < SCHEMA_VERSION:
                raise DatabaseError(f"Could not back up {path} before upgrading it ({exc}); "
                                    "it was left untouched.") from None
            # an automatic backup that fails must not stop the clerk working
    db = _make_db(path, passphrase, busy_timeout_ms)
    try:
        db.connect(reuse_if_open=True)
    except DatabaseBusy:
        raise
    except Exception as exc:
        try:
            db.close()
        except Exception:
            pass
        if "not a database" in str(exc):
            raise _not_opened(path, passphrase) from None
        if _is_busy(exc):
            raise DatabaseBusy(busy_message(path)) from None
        raise DatabaseError(f"Could not open {path}: {exc}") from None
    database.initialize(db)
    if not existed and os.name == "posix":
        try:
            os.chmod(path, 0o600)
        except OSError:
            pass
    with _closing_on_error(db, path):
        _bring_up_to_date(db, version if existed else 0,
                          lambda: any(not db.table_exists(t._meta.table_name) for t in schema.TABLES))
    db.clerk_path = path
    db.clerk_passphrase = passphrase
    return db


def _open_postgres(url: str):
    """Open (creating the tables if it is empty) the clerkdesk database at a PostgreSQL URL.

    The database itself must exist (`createdb`); backups are the server's (`pg_dump`)."""
    from . import schema

    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise DatabaseError("PostgreSQL support is not installed: pip install "
                            "'clerkdesk[postgres]'.") from None
    where = backend.display_url(url)
    db = ClerkPgDatabase(url)
    try:
        db.connect(reuse_if_open=True)
    except Exception as exc:
        try:
            db.close()
        except Exception:
            pass
        raise DatabaseError(f"Could not connect to {where}: {str(exc).strip()}. Check that "
                            "the server is running and the database exists (createdb).") from None
    with _closing_on_error(db, where):
        version = backend.schema_version(db)
        have = backend.tables(db.connection())
        if version == 0 and (have - {"clerkdesk_schema"}) and not {"council", "audit"} <= have:
            raise DatabaseError(f"{where} holds other tables but no clerkdesk casebook; "
                                "it was left untouched.")
        if version > SCHEMA_VERSION:
            raise DatabaseError(
                f"{where} was made by a newer clerkdesk (schema {version}; this one knows "
                f"{SCHEMA_VERSION}). Upgrade clerkdesk to open it; it was left untouched.")
        database.initialize(db)
        _bring_up_to_date(db, version,
                          lambda: any(t._meta.table_name not in have for t in schema.TABLES))
    db.clerk_path = url
    db.clerk_passphrase = None
    return db


@contextmanager
def _closing_on_error(db, where) -> None:
    """Close *db* if preparing it fails; a failure is a DatabaseError sentence (busy when
    another clerk holds the write lock), never a traceback."""
    try:
        yield
    except DatabaseError:  # DatabaseBusy included: already a sentence
        db.close()
        raise
    except Exception as exc:
        db.close()
        if _is_busy(exc):
            raise DatabaseBusy(busy_message(where)) from None
        raise DatabaseError(f"Could not prepare {where}: {exc}") from None


def _bring_up_to_date(db, version: int, tables_missing) -> None:
    """Migrate an older casebook forward, or create what a new (or partly made) one lacks,
    on either engine."""
    from . import schema

    if 0 < version < SCHEMA_VERSION:
        from . import migrations  # (Peewee's migrator is imported only when it is needed)

        migrations.migrate(db, version)
    elif version != SCHEMA_VERSION or tables_missing():
        with db.atomic():
            schema.create_tables(db)
            backend.set_schema_version(db, SCHEMA_VERSION)


def current_path() -> Path | None:
    obj = database.obj
    return getattr(obj, "clerk_path", None) if obj is not None else None


def current_passphrase() -> str | None:
    obj = database.obj
    return getattr(obj, "clerk_passphrase", None) if obj is not None else None


def close_database() -> None:
    obj = database.obj
    if obj is not None and not obj.is_closed():
        obj.close()


@contextmanager
def worker_connection():
    """A connection of its own for one job of a UI worker.

    Textual runs thread workers on a pool, and Peewee keeps one connection per thread,
    so without this two jobs that land on the same pooled thread share a connection (and
    an interrupt meant for one stops the other). This closes whatever connection the
    thread had, yields a fresh one, and closes it when the job ends."""
    obj = database.obj
    if obj is not None and not obj.is_closed():
        obj.close()
    try:
        yield database.connection()
    finally:
        obj = database.obj
        if obj is not None and not obj.is_closed():
            obj.close()


_SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


def safe_stem(path: Path) -> str:
    return _SAFE_NAME.sub("_", Path(path).stem) or "casebook"
