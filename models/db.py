"""Opening the casebook: the database file, its pragmas and its schema version.

Everything that knows it is talking to SQLite lives here (and, later, in a backend
module beside it); the domain modules only use the Peewee models and `atomic()`.
"""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from peewee import DatabaseProxy, SqliteDatabase

#: The proxy every model is bound to; `open_database` points it at a real database.
database = DatabaseProxy()

#: The schema this clerkdesk writes. Stored in SQLite's `PRAGMA user_version`.
SCHEMA_VERSION = 1

PRAGMAS = {
    "foreign_keys": 1,
    "journal_mode": "wal",
    "busy_timeout": 5000,
    "synchronous": "normal",
}

SQLITE_MAGIC = b"SQLite format 3\x00"


class DatabaseError(Exception):
    """A database that cannot be opened; the message is a sentence for the clerk."""


def default_path() -> Path:
    """Where the clerk's own casebook lives when neither --db nor CLERKDESK_DB say."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("clerkdesk", appauthor=False)) / "clerkdesk.db"


def resolve_path(cli_value: str | None) -> Path:
    """--db PATH, else $CLERKDESK_DB, else the user's data directory."""
    if cli_value:
        return Path(cli_value).expanduser()
    env = os.environ.get("CLERKDESK_DB")
    if env:
        return Path(env).expanduser()
    return default_path()


def check_path(path: Path, *, create_parent: bool = False) -> None:
    """Refuse, with a sentence, a path that cannot hold a clerkdesk database.

    Never writes to an existing file: it only reads its first bytes.
    """
    if path.exists():
        if path.is_dir():
            raise DatabaseError(f"{path} is a folder, not a database file.")
        if not os.access(path, os.R_OK):
            raise DatabaseError(f"{path} cannot be read: check its permissions.")
        size = path.stat().st_size
        if size:
            with path.open("rb") as fh:
                head = fh.read(16)
            if head != SQLITE_MAGIC:
                raise DatabaseError(
                    f"{path} is not a clerkdesk database (it is not an SQLite file); "
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


def open_database(path: str | os.PathLike, *, create_parent: bool = False) -> SqliteDatabase:
    """Open (creating if need be) the casebook at *path* and bind the models to it."""
    from . import schema

    path = Path(path)
    check_path(path, create_parent=create_parent)
    existed = path.exists() and path.stat().st_size > 0
    if existed:
        version = read_user_version(path)
        if version > SCHEMA_VERSION:
            raise DatabaseError(
                f"{path} was made by a newer clerkdesk (schema {version}; this one knows "
                f"{SCHEMA_VERSION}). Upgrade clerkdesk to open it; the file was left untouched."
            )
    new = not existed
    db = SqliteDatabase(str(path), pragmas=PRAGMAS, check_same_thread=False)
    try:
        db.connect(reuse_if_open=True)
    except Exception as exc:  # pragma: no cover - the checks above catch the usual causes
        raise DatabaseError(f"Could not open {path}: {exc}") from None
    database.initialize(db)
    try:
        with db.atomic():
            schema.create_tables(db)
            db.pragma("user_version", SCHEMA_VERSION)
    except Exception as exc:
        db.close()
        raise DatabaseError(f"Could not prepare {path}: {exc}") from None
    if new and os.name == "posix":
        try:
            os.chmod(path, 0o600)
        except OSError:
            pass
    return db


def close_database() -> None:
    obj = database.obj
    if obj is not None and not obj.is_closed():
        obj.close()
