"""Everything that differs between the two engines clerkdesk runs on, in one place.

SQLite is the embedded default (a file on the clerk's laptop); PostgreSQL is a shared
office's server (`--db postgresql://user@host:port/name`). The domain code has one code
path for both: it calls Peewee, or, below Peewee, the small functions here:

- `raw(con)`: a DB-API connection that takes `?` placeholders on both engines;
- `tables`, `columns`, `schema_version`/`set_schema_version` (SQLite's `PRAGMA
  user_version`; on PostgreSQL a one-row table `clerkdesk_schema`);
- `lock_writers`: writers one at a time (SQLite: `BEGIN IMMEDIATE`; PostgreSQL: a
  transaction-level advisory lock taken at BEGIN), so the audit chain is appended in
  order and a case's steps never overwrite each other;
- `canon`: one canonical form for dates, datetimes and booleans, so a row's digest is
  the same on both engines (a copied casebook verifies identically);
- `interrupt`, `reset_sequences`, `migrator`.

No Textual here.
"""
from __future__ import annotations

import datetime as dt
import re

from clerkdesk.models.core.db import DatabaseError

#: the advisory-lock key that serialises clerkdesk's writers on PostgreSQL ("CLRK")
WRITER_LOCK_KEY = 0x434C524B


#: how long a writer waits for another's transaction before "busy" (PostgreSQL)
PG_LOCK_TIMEOUT = "5s"


_URL = re.compile(r"^postgres(ql)?://", re.I)


def is_url(value) -> bool:
    """True for a PostgreSQL connection URL (postgresql://user@host:port/name)."""
    return isinstance(value, str) and bool(_URL.match(value))


def is_postgres(db) -> bool:
    from peewee import PostgresqlDatabase

    db = getattr(db, "obj", db)  # a DatabaseProxy
    return isinstance(db, PostgresqlDatabase)


def display_url(url: str) -> str:
    """The URL without any password, for messages, logs and titles: everything between
    the user name's colon and the last `@` is masked (a password may hold `@`, `:` or a
    bad `%` escape), and so is a `password=` parameter."""
    url = str(url)
    m = _SCHEME.match(url)
    if not m:
        return redact(url)
    rest = url[m.end():]
    head, sep, tail = rest.rpartition("@")
    if sep and ":" in head:
        user = head.split(":", 1)[0]
        rest = f"{user}:***@{tail}"
    return m.group(0) + _PARAM.sub(r"\1***", rest)


_SCHEME = re.compile(r"postgres(?:ql)?://", re.I)


#: a PostgreSQL URL inside a longer text (up to a space or a quote)
_URL_IN_TEXT = re.compile(r"postgres(?:ql)?://[^\s'\"]*", re.I)


#: `password=...` in a URL's query or a libpq key=value string
_PARAM = re.compile(r"(password\s*=\s*)('[^']*'|[^\s&'\"]+)", re.I)


#: libpq echoes a bad percent-escape's token, which may be part of the password
_TOKEN = re.compile(r'(percent-encoded token:\s*)"[^"]*"', re.I)


def url_password(url: str) -> str | None:
    """The password as typed in a PostgreSQL URL (None when it has none)."""
    m = _SCHEME.match(str(url))
    if not m:
        return None
    query = _PARAM.search(str(url).partition("?")[2])
    if query:
        return query.group(2).strip("'") or None
    head, sep, _tail = str(url)[m.end():].rpartition("@")
    if not sep or ":" not in head:
        return None
    return head.split(":", 1)[1] or None


def redact(text, *urls) -> str:
    """*text* (a message, an error from libpq) with every password masked: of any
    PostgreSQL URL in it, of `password=` parameters, of a token libpq echoes, and any
    appearance of the password of each of *urls* (as typed, or percent-decoded). The
    one function every message, log and title that could hold a URL goes through."""
    from urllib.parse import unquote

    text = str(text)
    text = _URL_IN_TEXT.sub(lambda m: display_url(m.group(0)), text)
    text = _PARAM.sub(r"\1***", text)
    text = _TOKEN.sub(r'\1"***"', text)
    for url in urls:
        secret = url_password(url) if url else None
        if not secret:
            continue
        # as typed, decoded, and each piece libpq may have split it into (at @ or :)
        forms = {secret, unquote(secret)}
        for sep in "@:":
            forms |= {piece for f in list(forms) for piece in f.split(sep)}
        for form in sorted(forms, key=len, reverse=True):
            if len(form) >= 3:
                text = text.replace(form, "***")
    return text


class PgConnection:
    """A psycopg connection taking SQLite's `?` placeholders, for the code below Peewee."""

    is_postgres = True

    def __init__(self, con):
        self.con = con

    def execute(self, sql: str, params=()):
        if params:
            sql = sql.replace("%", "%%").replace("?", "%s")
            return self.con.execute(sql, tuple(params))
        return self.con.execute(sql)

    def executemany(self, sql: str, rows) -> None:
        sql = sql.replace("%", "%%").replace("?", "%s")
        with self.con.cursor() as cur:
            cur.executemany(sql, rows)

    def cancel(self) -> None:
        self.con.cancel()

    def close(self) -> None:
        self.con.close()


def raw(con):
    """*con* (sqlite3/sqlcipher3 or psycopg), as something whose `execute(sql, params)`
    takes `?` placeholders."""
    if isinstance(con, PgConnection) or _is_sqlite_con(con):
        return con
    return PgConnection(con)


def _is_sqlite_con(con) -> bool:
    return hasattr(con, "interrupt") and not isinstance(con, PgConnection)


def con_is_postgres(con) -> bool:
    return isinstance(con, PgConnection) or (hasattr(con, "pgconn"))


def connect_url(url: str):
    """A plain psycopg connection (autocommit) to *url*, for `check` and `copy`."""
    try:
        import psycopg
    except ImportError:
        raise DatabaseError("PostgreSQL support is not installed: pip install "
                            "'clerkdesk[postgres]'.") from None
    try:
        con = psycopg.connect(url, autocommit=True)
    except Exception as exc:
        raise DatabaseError(f"Could not connect to {display_url(url)}: "
                            f"{redact(str(exc).strip(), url)}") from None
    return PgConnection(con)


def tables(con) -> set[str]:
    con = raw(con)
    if isinstance(con, PgConnection):
        return {r[0] for r in con.execute(
            "SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = current_schema()")}
    return {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def indexes(con) -> set[str]:
    con = raw(con)
    if isinstance(con, PgConnection):
        return {r[0] for r in con.execute(
            "SELECT indexname FROM pg_catalog.pg_indexes WHERE schemaname = current_schema()")}
    return {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='index'")}


def columns(con, table: str) -> list[str]:
    con = raw(con)
    if isinstance(con, PgConnection):
        return [r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = "
            "current_schema() AND table_name = ? ORDER BY ordinal_position", (table,))]
    return [r[1] for r in con.execute(f'PRAGMA table_info("{table}")')]


def schema_version_con(con) -> int:
    con = raw(con)
    if isinstance(con, PgConnection):
        if "clerkdesk_schema" not in tables(con):
            return 0
        row = con.execute("SELECT version FROM clerkdesk_schema").fetchone()
        return row[0] if row else 0
    return con.execute("PRAGMA user_version").fetchone()[0]


def schema_version(db) -> int:
    return schema_version_con(db.connection())


def set_schema_version(db, version: int) -> None:
    if is_postgres(db):
        db.execute_sql("CREATE TABLE IF NOT EXISTS clerkdesk_schema (version INTEGER NOT NULL)")
        db.execute_sql("DELETE FROM clerkdesk_schema")
        db.execute_sql("INSERT INTO clerkdesk_schema (version) VALUES (%s)", (int(version),))
    else:
        db.pragma("user_version", int(version))


def session_settings(con) -> None:
    """PostgreSQL session settings for a new connection: how long to wait for a lock."""
    con.execute(f"SET lock_timeout = '{PG_LOCK_TIMEOUT}'")


def lock_writers(db) -> None:
    """Called at BEGIN on PostgreSQL: wait for any other clerkdesk's transaction to end.
    (SQLite's BEGIN IMMEDIATE does the same by itself.)"""
    db.cursor().execute("SELECT pg_advisory_xact_lock(%s)", (WRITER_LOCK_KEY,))


def is_busy_error(exc: Exception) -> bool:
    text = str(exc).lower()
    return ("database is locked" in text or "database is busy" in text
            or "database table is locked" in text or "lock timeout" in text
            or "canceling statement due to lock timeout" in text)


def interrupt(con) -> None:
    """Stop the query running on *con* (another thread's), on either engine."""
    if hasattr(con, "interrupt"):
        con.interrupt()
    else:
        con.cancel()


def is_interrupted(exc: Exception) -> bool:
    text = str(exc).lower()
    return "interrupt" in text or "canceling statement due to user request" in text


def canon(value):
    """One form for a value read from either engine: SQLite gives dates as text and
    booleans as 0/1; PostgreSQL gives date, datetime and bool objects."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        # a document's bytes by their SHA-256 (hashlib lets go of the GIL), not as text: a
        # 25 MB document's hex in JSON held the interpreter for 0.3 s and took 150 MB
        import hashlib

        return {"sha256": hashlib.sha256(value).hexdigest(), "size": len(value)}
    return value


def reset_sequences(con, table_names) -> None:
    """After rows were inserted with their ids (a copy), move PostgreSQL's id sequences
    past them. SQLite's AUTOINCREMENT-less ids need nothing."""
    con = raw(con)
    if not isinstance(con, PgConnection):
        return
    for table in table_names:
        if "id" not in columns(con, table):
            continue
        con.execute(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                    f"COALESCE((SELECT max(id) FROM \"{table}\"), 0) + 1, false)")


def migrator(db):
    from playhouse.migrate import PostgresqlMigrator, SqliteMigrator

    return PostgresqlMigrator(db) if is_postgres(db) else SqliteMigrator(db)
