"""Opening a casebook: an SQLite file (optionally encrypted) or a PostgreSQL URL.

Whether a file is a casebook at all is decided first, on a read-only connection: another
program's SQLite file, a file from a newer clerkdesk, a damaged or tampered casebook are
refused and left byte for byte as they were. An older schema is backed up and migrated
forward in one transaction; a new casebook gets its tables. The models are then bound to
it (`core.db.database`).
"""
from __future__ import annotations

import os
import sqlite3
from contextlib import contextmanager
from pathlib import Path

from clerkdesk.models.core.db import (
    BUSY_TIMEOUT_MS,
    PASSPHRASE_ENV,
    SCHEMA_VERSION,
    DatabaseBusy,
    DatabaseError,
    Damaged,
    NotACasebook,
    Tampered,
    busy_message,
    database,
)
from clerkdesk.models.store import backend, make_tables, shape
from clerkdesk.models.store import backup as backups
from clerkdesk.models.store.engines import (
    ClerkPgDatabase,
    _is_busy,
    _make_db,
    _not_opened,
    connect_raw,
)
from clerkdesk.models.store.files import check_path, create_private_file, is_encrypted_file


def _inspect(path: Path, passphrase: str | None) -> int:
    """Decide, on a read-only connection and before anything is written, whether the
    existing file at *path* is a clerkdesk casebook this clerkdesk may open; returns its
    schema version (0: an empty SQLite file, made into a new casebook).

    Refused, with a sentence, the file left byte for byte as it was: another program's
    SQLite file (no clerkdesk marker, whatever its user_version), a casebook from a newer
    clerkdesk, one that has lost tables or columns, one whose schema number does not
    match its tables, and an older casebook that was changed behind clerkdesk's back
    (its upgrade would re-attest every row)."""
    con = connect_raw(path, passphrase, readonly=True)
    try:
        return _decide(con, str(path))
    except Exception as exc:
        if isinstance(exc, DatabaseError):
            raise
        raise _damaged(path, exc) from None
    finally:
        con.close()


def recognise(path, passphrase: str | None = None) -> int:
    """Refuse (NotACasebook), reading only, a file that is not a clerkdesk casebook at
    all; returns its schema version. (Damaged or tampered casebooks pass: a backup of one
    is still worth having.)"""
    con = connect_raw(Path(path), passphrase, readonly=True)
    try:
        version = backend.schema_version_con(con)
        tables, columns = shape.read(con)
        if not shape.is_ours(shape.application_id(con), version, tables, columns):
            raise NotACasebook(f"{path} is not a clerkdesk database (it is another program's "
                               "SQLite file); it was left untouched.")
        return version
    except DatabaseError:
        raise
    except Exception as exc:
        raise _damaged(path, exc) from None
    finally:
        con.close()


def _decide(con, where: str) -> int:
    version = backend.schema_version_con(con)
    app_id = shape.application_id(con)
    tables, columns = shape.read(con)
    others = tables - {"clerkdesk_schema", "sqlite_sequence"}
    if not shape.is_ours(app_id, version, tables, columns):
        if version == 0 and app_id == 0 and not others:
            return 0  # an empty database: it becomes a new casebook
        raise NotACasebook(f"{where} is not a clerkdesk database (it is another program's "
                           "SQLite file); it was left untouched.")
    if version > SCHEMA_VERSION:
        raise DatabaseError(
            f"{where} was made by a newer clerkdesk (schema {version}; this one knows "
            f"{SCHEMA_VERSION}). Upgrade clerkdesk to open it; it was left untouched.")
    lost = shape.missing(version, tables, columns)
    if lost:
        raise Damaged(f"{where} has lost {shape.describe_missing(lost)}: it was damaged or "
                      "changed outside clerkdesk. Nothing was changed; run `clerkdesk check`, "
                      "then restore a backup (clerkdesk restore).")
    shown = shape.structural_version(tables, columns)
    if shown != version:
        raise Tampered(f"{where} says it is schema {version} but its tables are schema "
                       f"{shown}: its schema number was changed outside clerkdesk. Nothing "
                       "was changed; run `clerkdesk check`, then restore a backup.")
    if 2 <= version < SCHEMA_VERSION:
        from clerkdesk.models.store import migrations

        migrations.verify_before_upgrade(con, where)
    return version


def _damaged(where, exc) -> Damaged:
    return Damaged(f"{where} is damaged ({_short(exc)}): only `clerkdesk check` reads it. "
                   "Nothing was changed; restore a backup (clerkdesk restore).")


def _short(exc) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= 80 else text[:79] + "…"


def quick_check(db=None) -> None:
    """Refuse (Damaged) to write to a casebook whose file SQLite finds damaged
    (`PRAGMA quick_check`, which reads every page: about half a second for 50,000 cases).
    The command-line commands that write call it before writing; PostgreSQL checks its
    own pages."""
    db = db or database.obj
    if backend.is_postgres(db):
        return
    where = getattr(db, "clerk_path", None) or "The casebook"
    try:
        rows = [r[0] for r in db.connection().execute("PRAGMA quick_check")]
    except UnicodeDecodeError:  # its report quotes the damaged text
        raise _damaged(where, "SQLite's quick_check found damaged pages") from None
    except Exception as exc:
        raise _damaged(where, exc) from None
    if rows != ["ok"]:
        raise _damaged(where, rows[0])


def open_database(path: str | os.PathLike, *, create_parent: bool = False, backup: bool = True,
                  passphrase: str | None = None, busy_timeout_ms: int = BUSY_TIMEOUT_MS,
                  readonly: bool | None = False):
    """Open (creating if need be) the casebook at *path* and bind the models to it.

    - whether the file is a casebook at all is decided first, on a read-only connection:
      anything else (another program's SQLite file, a newer, damaged or tampered
      casebook) is refused, the file untouched (`_inspect`);
    - an older schema is backed up (backups/ beside the file) and then migrated forward
      in one transaction;
    - *backup*: the automatic backup is taken just before this session's first write,
      and only when the casebook changed since the newest one (`backup.automatic_backup`):
      reading never makes a backup;
    - *readonly*: True opens the file read-only (nothing can be written; an older schema
      is refused, since upgrading it is a write); None does so when the file itself is
      read-only; False needs a writable file;
    - *passphrase* (default: $CLERKDESK_PASSPHRASE) opens an SQLCipher-encrypted file,
      or creates a new file encrypted; a wrong one raises WrongPassphrase, never writes.
    """
    if backend.is_url(path):
        return _open_postgres(str(path))
    if passphrase is None:
        passphrase = os.environ.get(PASSPHRASE_ENV) or None
    path = Path(path)
    existed = path.exists() and path.is_file() and path.stat().st_size > 0
    if readonly is None:
        readonly = existed and not os.access(path, os.W_OK)
    if readonly and not existed:
        raise DatabaseError(f"There is no casebook at {path}.")
    encrypted = bool(passphrase) or (existed and is_encrypted_file(path))
    check_path(path, create_parent=create_parent, encrypted=encrypted, writable=not readonly)
    if encrypted and not passphrase:
        raise _not_opened(path, None)
    version = 0
    if existed:
        version = _inspect(path, passphrase)
        if readonly and version != SCHEMA_VERSION:
            raise DatabaseError(
                f"{path} was made by an older clerkdesk (schema {version}) and upgrading it "
                "is a change, but it was opened read-only: open it once with clerkdesk to "
                "upgrade it. It was left untouched.")
    elif not path.exists() and os.name == "posix":
        create_private_file(path)
    if existed and 0 < version < SCHEMA_VERSION:
        try:
            backups.backup(path, backups.upgrade_backup_path(path, version),
                           passphrase=passphrase)
        except DatabaseBusy:
            raise
        except (OSError, sqlite3.Error, DatabaseError) as exc:
            raise DatabaseError(f"Could not back up {path} before upgrading it "
                                f"({_short(exc)}); it was left untouched.") from None
    db = _make_db(path, passphrase, busy_timeout_ms, readonly=bool(readonly))
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
        raise DatabaseError(f"Could not open {path}: {_short(exc)}") from None
    database.initialize(db)
    if not existed and os.name == "posix":
        try:
            os.chmod(path, 0o600)
        except OSError:
            pass
    db.clerk_path = path
    db.clerk_passphrase = passphrase
    db.clerk_readonly = bool(readonly)
    if not readonly:
        with _closing_on_error(db, path):
            _bring_up_to_date(db, version if existed else 0)
        if backup:
            db.clerk_before_write = lambda: backups.before_write(path, passphrase)
    return db


def _open_postgres(url: str):
    """Open (creating the tables if it is empty) the clerkdesk database at a PostgreSQL URL.

    The database itself must exist (`createdb`); backups are the server's (`pg_dump`)."""
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
        raise DatabaseError(f"Could not connect to {where}: "
                            f"{backend.redact(str(exc).strip(), url)}. Check that the server "
                            "is running and the database exists (createdb).") from None
    with _closing_on_error(db, where):
        con = backend.raw(db.connection())
        version = _decide(con, where)
        database.initialize(db)
        _bring_up_to_date(db, version)
    db.clerk_path = url
    db.clerk_passphrase = None
    db.clerk_readonly = False
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


def _bring_up_to_date(db, version: int) -> None:
    """Migrate an older casebook forward, or make a new one's tables, on either engine.
    (A casebook that lost tables was refused before this: they are never made again.)"""
    if 0 < version < SCHEMA_VERSION:
        from clerkdesk.models.store import migrations

        migrations.migrate(db, version)
    elif version == 0:
        with db.atomic():
            make_tables.create_tables(db)
            make_tables.mark(db)
            backend.set_schema_version(db, SCHEMA_VERSION)
    else:  # today's schema: an index added since it was made (audit.undoes)
        make_tables.ensure_indexes(db)
