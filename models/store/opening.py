"""Opening a casebook: an SQLite file (optionally encrypted) or a PostgreSQL URL.

A file from a newer clerkdesk is refused and left untouched; an older schema is backed up
and migrated forward in one transaction; a new casebook gets its tables. The models are
then bound to it (`core.db.database`).
"""
from __future__ import annotations

import os
import sqlite3
from contextlib import contextmanager
from pathlib import Path

from clerkdesk.models.core import schema
from clerkdesk.models.core.db import (
    BUSY_TIMEOUT_MS,
    PASSPHRASE_ENV,
    SCHEMA_VERSION,
    DatabaseBusy,
    DatabaseError,
    busy_message,
    database,
)
from clerkdesk.models.store import backend, make_tables
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
    if 0 < version < SCHEMA_VERSION:
        from clerkdesk.models.store import migrations

        migrations.migrate(db, version)
    elif version != SCHEMA_VERSION or tables_missing():
        with db.atomic():
            make_tables.create_tables(db)
            backend.set_schema_version(db, SCHEMA_VERSION)
