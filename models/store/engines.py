"""clerkdesk's database classes for each engine, and plain DB-API connections.

- every transaction is `BEGIN IMMEDIATE` (SQLite) or takes the writers' advisory lock
  (PostgreSQL), so audit entries are chained one writer at a time;
- before any write to an audited row (or a case's steps), the row is verified against
  its latest audit entry, and before the first entry of a transaction the log's end
  against its head (`chain.verify_row`, `chain.verify_head`): a change made behind
  clerkdesk's back is refused, never laundered by the next legitimate one;
- just before COMMIT, the audit entries of the transaction are sealed (`chain.seal`);
- a busy database becomes `DatabaseBusy`, with a sentence;
- `connect_raw` is a plain sqlite3/sqlcipher3 connection for the checks and backups that
  work below Peewee.
"""
from __future__ import annotations

import os
import sqlite3
import threading
import uuid
from pathlib import Path

import peewee
from peewee import DatabaseError as PeeweeDatabaseError
from peewee import (
    ModelDelete,
    ModelInsert,
    ModelUpdate,
    OperationalError,
    PostgresqlDatabase,
    SqliteDatabase,
)

from clerkdesk.models.core.db import (
    BUSY_TIMEOUT_MS,
    PASSPHRASE_ENV,
    Damaged,
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


#: the tables whose writes are verified first: the audited ones, and `step` (a step is
#: part of its case's digest, so writing one verifies the case)
_GUARDED = frozenset(chain.ATTESTED) | {"step"}


class _Guard:
    """What one transaction has verified: rows checked against their latest entry (each
    once: later writes in the same transaction see our own changes), the rows it made
    (no entry yet until it commits), whether the log's head was checked, and the rows
    it read to verify them before writing (`read_verified`), so that the seal reads
    again only what may have changed since (`chain.digest_after`)."""

    __slots__ = ("verified", "head", "who", "before")

    def __init__(self):
        self.verified: set = set()  # (table, id): verified, or made by this transaction
        self.head = False
        self.who: str | None = None  # the clerk's name, looked up once a transaction
        #: (table, id) -> chain.RowState as read by read_verified, which reads a row only
        #: before the transaction's first write to it (so a savepoint rolled back takes
        #: the row back to that state, or to a later one the seal reads again); forgotten
        #: when the row or a case's steps are written other than by update_fields and
        #: insert_model
        self.before: dict = {}


class _PendingIds:
    """The ids of the entries this transaction appended, as a set made only when a check
    asks (a write verifies rows against the log often; building the set on every write
    made a long import quadratic)."""

    __slots__ = ("_ids", "_set", "_n")

    def __init__(self, ids: list):
        self._ids, self._set, self._n = ids, None, -1

    def __contains__(self, entry_id) -> bool:
        if self._set is None or self._n != len(self._ids):
            self._set, self._n = set(self._ids), len(self._ids)
        return entry_id in self._set


def _pk_value(query):
    """The id a `WHERE id = value` (Model.save's update) names, else None."""
    where = getattr(query, "_where", None)
    pk = query.model._meta.primary_key
    if (isinstance(where, peewee.Expression) and where.op == peewee.OP.EQ
            and isinstance(where.lhs, peewee.Field) and where.lhs.name == pk.name
            and where.lhs.model is query.model and isinstance(where.rhs, int)):
        return where.rhs
    return None


def _id_of(value):
    value = getattr(value, "id", value)
    return value if isinstance(value, int) else None


def _inserted(query, name: str) -> list:
    """The values of field *name* in an INSERT's rows (a step's case)."""
    rows = query._insert
    if isinstance(rows, dict):
        rows = [rows]
    out = []
    if not isinstance(rows, (list, tuple)):
        return out  # INSERT ... SELECT: not used on these tables
    columns = [getattr(c, "name", c) for c in (query._columns or [])]
    for row in rows:
        if isinstance(row, dict):
            for key, value in row.items():
                if getattr(key, "name", key) in (name, f"{name}_id"):
                    out.append(_id_of(value))
        elif name in columns:
            out.append(_id_of(row[columns.index(name)]))
    return [v for v in out if v is not None]


#: the tables `insert_model` writes itself (neither is attested: no new-id check)
_FAST_INSERT = frozenset({"step", "audit"})

#: the SQL `insert_model` and `update_fields` made, by (model, "insert"/"update", fields)
_SQL: dict = {}


def _none_stays_none(field) -> bool:
    """Whether *field*'s `python_value` gives None for None without being asked (Peewee's
    own `Field.python_value`; a foreign key's, through its target's)."""
    if isinstance(field, peewee.ForeignKeyField):
        field = field.rel_field
    return type(field).python_value is peewee.Field.python_value


#: Peewee's text fields' `adapt` (its CharField's and TextField's base is not public)
_STRING_ADAPT = getattr(peewee.CharField, "adapt", None)


def _kept_as(field):
    """The type whose values *field*'s `python_value` gives back as they are (str for
    Peewee's text fields, int for its integer ones and the keys to them), else None."""
    if isinstance(field, peewee.ForeignKeyField):
        field = field.rel_field
    if type(field).python_value is not peewee.Field.python_value:
        return None
    adapt = type(field).adapt
    if adapt is _STRING_ADAPT:
        return str  # a str is returned as it is
    if adapt is peewee.IntegerField.adapt:
        return int  # int(an int) is that int
    return None


#: (model, column names) -> [(index, field name, python_value, None stays None,
#: the type kept as it is)]
_READERS: dict = {}


def _instance(model, names, row):
    """A *model* instance from a row of `SELECT *` (column names *names*), as Peewee's
    own reader makes it: each value through its field's `python_value` (a value that
    would come back as it is is kept without the call), nothing dirty."""
    reader = _READERS.get((model, names))
    if reader is None:
        combined = model._meta.combined
        reader = _READERS[(model, names)] = [
            (i, f.name, f.python_value, _none_stays_none(f), _kept_as(f))
            for i, f in ((i, combined.get(n)) for i, n in enumerate(names)) if f is not None]
    data = {}
    for i, name, convert, none_stays, kept in reader:
        value = row[i]
        if type(value) is kept or (value is None and none_stays):
            data[name] = value
        else:
            data[name] = convert(value)
    obj = model(__no_default__=1)  # no defaults, nothing dirty, no related rows yet
    obj.__data__ = data
    return obj


class _ClerkMixin:
    """What clerkdesk adds to Peewee's SQLite database classes.

    - every transaction is `BEGIN IMMEDIATE`: a writer takes the write lock first, so
      audit entries are appended (and hash-chained) one writer at a time, and a busy
      database is met at the start of a change, never halfway through;
    - every write Peewee makes to an audited row (or a case's steps) first verifies the
      row against its latest audit entry, and the first audit entry of a transaction
      first verifies the log's head (`chain.verify_row`, `chain.verify_head`): a change
      made behind clerkdesk's back raises `Tampered`, and the transaction rolls back;
    - just before COMMIT, audit entries appended in the transaction are sealed
      (`chain.seal`): the row digests are taken and the hash chain extended;
    - "database is locked" becomes `DatabaseBusy` with a sentence.
    """

    _local = None

    def _clerk_local(self):
        if self._local is None:
            self._local = threading.local()
        return self._local

    def _pending(self) -> list:
        local = self._clerk_local()
        if not hasattr(local, "audit"):
            local.audit = []
        return local.audit

    def _guard(self) -> _Guard:
        """This transaction's guard (a fresh one for each statement outside a transaction)."""
        if not self.in_transaction():
            return _Guard()
        local = self._clerk_local()
        guard = getattr(local, "guard", None)
        if guard is None:
            guard = local.guard = _Guard()
        return guard

    def _end_guard(self) -> None:
        self._clerk_local().guard = None

    def execute(self, query, **context_options):
        table = None
        if isinstance(query, (ModelInsert, ModelUpdate, ModelDelete)):
            table = query.model._meta.table_name
            if table in _GUARDED or table == "audit":
                self._verify_before(query, table)
        cursor = super().execute(query, **context_options)
        if table in chain.ATTESTED and isinstance(query, ModelInsert):
            self._verify_inserted(cursor, table)
        return cursor

    def _verify_inserted(self, cursor, table: str) -> None:
        """After an INSERT: the new rows' ids must be new to the log too (a row deleted
        behind clerkdesk's back must not be replaced by a new one under its id)."""
        con = backend.raw(self.connection())
        if backend.is_postgres(self):
            if not cursor.description:
                return
            ids = [r[0] for r in cursor.fetchall()]  # RETURNING id, read and rewound
            cursor.scroll(0, mode="absolute")
        else:
            last, n = cursor.lastrowid, max(cursor.rowcount or 0, 1)
            if not isinstance(last, int):
                return
            ids = range(last - n + 1, last + 1)
        guard = self._guard()
        for row_id in ids:
            chain.verify_new_row(con, table, row_id)
            guard.verified.add((table, row_id))

    def _verify_before(self, query, table: str) -> None:
        """Before a write: the log's head (once a transaction), the rows it touches
        (each once), then the session's automatic backup (once, before its first write,
        so a refused write makes none)."""
        guard = self._guard()
        con = backend.raw(self.connection())
        if not guard.head:
            chain.verify_head(con)
            guard.head = True
        if table != "audit":
            keys = self._rows_written(guard, con, query, table)
            for key in keys:
                guard.before.pop(key, None)  # written past read_verified's knowledge
            if any(key not in guard.verified for key in keys):
                pending = _PendingIds(self._pending())
                for key in keys:
                    self._verify_row(guard, con, *key, pending=pending)
            if isinstance(query, ModelInsert) and table in chain.ATTESTED \
                    and not backend.is_postgres(self):
                # SQLite gives a new row max(id) + 1: an id the log knows is refused before
                # anything is written (checked again, exactly, once inserted)
                rows = query._insert
                n = len(rows) if isinstance(rows, (list, tuple)) else 1
                top = con.execute(f'SELECT max(id) FROM "{table}"').fetchone()[0] or 0
                for row_id in range(top + 1, top + n + 1):
                    chain.verify_new_row(con, table, row_id)
        hook = getattr(self, "clerk_before_write", None)
        if hook is not None:
            self.clerk_before_write = None
            hook()

    def insert_rows(self, model, rows: list[dict]) -> range:
        """Insert *rows* (dicts of field name -> value) into *model*'s table with one
        executemany, under the guards a Peewee insert has: the log's head verified once a
        transaction, the session's automatic backup before its first write, and every
        new id new to the log (a row deleted behind clerkdesk's back is not replaced).
        Each value goes through its field's `db_value`, and a field a row leaves out gets
        its default, as Peewee's insert gives them. SQLite, inside a transaction; returns
        the new ids (SQLite gives max(id) + 1, in order). For an import's bulk write."""
        if not self.in_transaction() or backend.is_postgres(self):
            raise RuntimeError("insert_rows needs a transaction on SQLite")
        if not rows:
            return range(0)
        table = model._meta.table_name
        fields = [f for f in model._meta.sorted_fields if f is not model._meta.primary_key]
        guard = self._guard()
        guard.before.clear()  # a bulk write (steps of any case): the seal reads all again
        con = backend.raw(self.connection())
        if not guard.head:
            chain.verify_head(con)
            guard.head = True
        top = con.execute(f'SELECT max(id) FROM "{table}"').fetchone()[0] or 0
        n = len(rows)
        if table in chain.ATTESTED:
            known = con.execute('SELECT row_id FROM audit WHERE "table" = ? AND row_id > ? '
                                "AND row_id <= ? AND row_digest <> '' ORDER BY row_id "
                                "LIMIT 1", (table, top, top + n)).fetchone()
            if known is not None:
                chain.verify_new_row(con, table, known[0])  # raises Tampered, saying so
        hook = getattr(self, "clerk_before_write", None)
        if hook is not None:
            self.clerk_before_write = None
            hook()
        defaults = model._meta.defaults
        columns, makers = [], []
        for f in fields:
            columns.append(f'"{f.column_name}"')
            makers.append((f.name, f.db_value, defaults.get(f)))
        values = []
        for row in rows:
            out = []
            for name, to_db, default in makers:
                if name in row:
                    v = row[name]
                else:
                    v = default() if callable(default) else default
                out.append(to_db(v))
            values.append(out)
        con.executemany(f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES '
                        f'({", ".join("?" * len(columns))})', values)
        ids = range(top + 1, top + n + 1)
        if table in chain.ATTESTED:
            guard.verified.update((table, i) for i in ids)
        return ids

    # --- one row read, one row written, below Peewee's query builder --------------------
    #
    # The hot path of a step (`cases.add_step`) builds the same few statements every time;
    # Peewee's query builder was most of its time. These read and write one model instance
    # with SQL made once per model and columns, the values converted by the same fields
    # (`db_value`, `python_value`), under the same guards as a Peewee write: the log's head
    # verified once a transaction, the attested rows touched verified first (each once),
    # the session's automatic backup before the first write. SQLite, inside a transaction;
    # anything else (PostgreSQL, no transaction, a table these do not cover) goes through
    # Peewee as before.

    def _fast(self) -> bool:
        return not isinstance(self, PostgresqlDatabase) and self.in_transaction()

    def read_verified(self, model, row_id):
        """*model*'s row *row_id* (an attested table) as `model.get_by_id` gives it, read
        once: the same read verifies it against its latest audit entry (`chain.verify_row`)
        and the log's head, as the write that follows would, so that write does not read
        it again. Raises `model.DoesNotExist` (before verifying anything, as get_by_id)."""
        table = model._meta.table_name
        if table not in chain.ATTESTED or not self._fast() or type(row_id) is not int:
            return model.get_by_id(row_id)
        guard = self._guard()
        con = backend.raw(self.connection())
        key = (table, row_id)
        if key in guard.verified:  # our own changes since: nothing to verify again
            cur = con.execute(f'SELECT * FROM "{table}" WHERE id = ?', (row_id,))
            names, row = tuple(d[0] for d in cur.description), cur.fetchone()
        else:
            state = chain.read_state(con, table, row_id)
            if state is None:
                raise model.DoesNotExist(f"{model.__name__} instance matching query does not "
                                         f"exist: id = {row_id}")
            if not guard.head:
                chain.verify_head(con)
                guard.head = True
            chain.verify_row(con, table, row_id, _PendingIds(self._pending()), state=state,
                             read=True)
            guard.verified.add(key)
            guard.before[key] = state
            names, row = state.names, state.row
        if row is None:
            raise model.DoesNotExist(f"{model.__name__} instance matching query does not "
                                     f"exist: id = {row_id}")
        return _instance(model, names, row)

    def insert_model(self, obj):
        """INSERT *obj* (a new instance: `obj.save(force_insert=True)`, as `Model.create`
        saves one), setting its id. Into `step` (its case verified first) or `audit`;
        other tables through Peewee."""
        model = type(obj)
        table = model._meta.table_name
        if table not in _FAST_INSERT or not self._fast():
            obj.save(force_insert=True)
            return obj
        meta = model._meta
        pk = meta.primary_key
        data = obj.__data__.copy()
        obj._populate_unsaved_relations(data)
        if data.get(pk.name) is None:
            data.pop(pk.name, None)
        fields = tuple(f for f in meta.sorted_fields if f.name in data)
        names = tuple(f.name for f in fields)
        keys = [("case", _id_of(data.get("case")))] if table == "step" else []
        if None in (k[1] for k in keys):
            obj.save(force_insert=True)  # no case id (Peewee says why)
            return obj
        if pk.name in data:  # an id of its own, perhaps below the case's known steps
            for key in keys:
                self._guard().before.pop(key, None)
        made = _SQL.get((model, "insert", names))
        if made is None:
            columns = ", ".join(f'"{f.column_name}"' for f in fields)
            marks = ", ".join("?" * len(fields))
            made = _SQL[(model, "insert", names)] = (
                f'INSERT INTO "{table}" ({columns}) VALUES ({marks})',
                [(f.name, f.db_value) for f in fields])
        sql, values = made
        con = self._before_raw_write(table, keys)
        cur = con.execute(sql, [to_db(data[name]) for name, to_db in values])
        obj._pk = cur.lastrowid
        obj._dirty.clear()
        return obj

    def update_fields(self, obj, fields) -> int:
        """UPDATE *fields* of *obj* (an attested row) by its id, as `obj.save(only=fields)`
        writes them (the row verified first); returns the rows changed."""
        model = type(obj)
        table = model._meta.table_name
        if table not in chain.ATTESTED or not self._fast() or obj._pk is None:
            return obj.save(only=fields)
        meta = model._meta
        pk, data = meta.primary_key, obj.__data__
        chosen = [meta.combined[f] if isinstance(f, str) else f for f in fields]  # or names
        # in the order given, each once, as Peewee's save(only=...) writes them
        chosen = tuple({f.name: f for f in chosen if f is not pk and f.name in data}.values())
        if not chosen:
            return obj.save(only=fields)  # Peewee's "no data to save!"
        fields = chosen
        names = tuple(f.name for f in fields)
        sql = _SQL.get((model, "update", names))
        if sql is None:
            sets = ", ".join(f'"{f.column_name}" = ?' for f in fields)
            sql = _SQL[(model, "update", names)] = (
                f'UPDATE "{table}" SET {sets} WHERE "{pk.column_name}" = ?')
        con = self._before_raw_write(table, [(table, obj._pk)])
        cur = con.execute(sql, [f.db_value(data[f.name]) for f in fields] + [obj._pk])
        obj._dirty -= {f.name for f in fields}
        return cur.rowcount

    def _before_raw_write(self, table: str, keys):
        """`_verify_before` for a write these methods make: the head once a transaction,
        *keys* (table, id) each once, then the automatic backup; returns the connection."""
        guard = self._guard()
        con = backend.raw(self.connection())
        if not guard.head:
            chain.verify_head(con)
            guard.head = True
        if any(key not in guard.verified for key in keys):
            pending = _PendingIds(self._pending())
            for key in keys:
                self._verify_row(guard, con, *key, pending=pending)
        hook = getattr(self, "clerk_before_write", None)
        if hook is not None:
            self.clerk_before_write = None
            hook()
        return con

    @staticmethod
    def _rows_written(guard: _Guard, con, query, table: str) -> list[tuple[str, int]]:
        """The (table, id) of the attested rows *query* changes (a step: its case)."""
        model = query.model
        if isinstance(query, ModelInsert):
            if table == "step":
                return [("case", case_id) for case_id in _inserted(query, "case")]
            return []
        if table == "step":
            select = model.select(model.case).distinct()
            if query._where is not None:
                select = select.where(query._where)
            ids = [r[0] for r in select.tuples()]
            moved = _id_of((getattr(query, "_update", None) or {}).get(model.case))
            if moved is not None:
                ids.append(moved)
            return [("case", i) for i in ids if i is not None]
        one = _pk_value(query)
        if one is not None:
            return [(table, one)]
        select = model.select(model._meta.primary_key)
        if query._where is not None:
            select = select.where(query._where)
        return [(table, r[0]) for r in select.tuples()]

    @staticmethod
    def _verify_row(guard: _Guard, con, table: str, row_id: int, pending=()) -> None:
        key = (table, row_id)
        if key in guard.verified:
            return  # verified already, or made by this transaction
        chain.verify_row(con, table, row_id, pending)
        guard.verified.add(key)

    def begin(self, lock_type=None):
        self._end_guard()
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
            guard = getattr(self._clerk_local(), "guard", None)
            chain.seal(self, ids, guard.before if guard is not None else None)
        self._end_guard()
        try:
            return super().commit()
        except (OperationalError, PeeweeDatabaseError) as exc:
            if _is_busy(exc):
                raise DatabaseBusy(busy_message()) from None
            raise

    def rollback(self):
        self._pending().clear()
        self._end_guard()
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
        self._end_guard()
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


def _uri(path: Path, readonly: bool) -> str:
    """A `file:` URI for *path* (any character in the name quoted), read-only if asked.

    A WAL-mode file in a folder we cannot write, with no -shm beside it, is opened
    `immutable`: nobody is writing it (a writer would have made the -shm), and SQLite
    could not make the -shm it needs to read it otherwise."""
    from urllib.parse import quote

    path = Path(path).absolute()
    uri = f"file:{quote(str(path))}"
    if not readonly:
        return uri
    uri += "?mode=ro"
    if not os.access(path.parent, os.W_OK | os.X_OK) and not Path(f"{path}-shm").exists():
        uri += "&immutable=1"
    return uri


def _make_db(path: Path, passphrase: str | None, busy_timeout_ms: int, *,
             readonly: bool = False):
    pragmas = dict(PRAGMAS, busy_timeout=busy_timeout_ms)
    if readonly:
        pragmas.pop("journal_mode")  # a casebook is in WAL mode already; nothing to switch
    # the sqlite3 module's own wait, so BEGIN IMMEDIATE waits as long as the pragma says
    timeout = busy_timeout_ms / 1000
    if passphrase:
        cls = _cipher_class()
        pragmas = {"cipher_log_level": "NONE", **pragmas}
        if readonly:
            return cls(_uri(path, True), passphrase=passphrase, pragmas=pragmas,
                       timeout=timeout, check_same_thread=False, uri=True)
        return cls(str(path), passphrase=passphrase, pragmas=pragmas, timeout=timeout,
                   check_same_thread=False)
    if readonly:
        return ClerkDatabase(_uri(path, True), pragmas=pragmas, timeout=timeout,
                             check_same_thread=False, uri=True)
    return ClerkDatabase(str(path), pragmas=pragmas, timeout=timeout, check_same_thread=False)


def connect_raw(path, passphrase: str | None = None, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS,
                readonly: bool = False):
    """A plain DB-API connection to *path* (sqlite3, or sqlcipher3 with the key given),
    for the checks and backups that work below Peewee; *readonly* opens it so that
    nothing can be written (SQLite's `mode=ro`), which also reads a read-only file.
    Raises WrongPassphrase."""
    path = Path(path)
    # reading a file clerkdesk may write: an ordinary connection kept from writing
    # (query_only), which removes its -wal and -shm as it closes; a read-only file (or
    # folder): SQLite's read-only mode
    ro_file = readonly and not (os.access(path, os.W_OK)
                                and os.access(path.parent, os.W_OK | os.X_OK))
    target = _uri(path, True) if ro_file else str(path)
    readonly, query_only = ro_file, readonly
    if passphrase:
        try:
            import sqlcipher3
        except ImportError:
            raise DatabaseError(_cipher_missing()) from None
        con = sqlcipher3.connect(target, timeout=busy_timeout_ms / 1000, uri=readonly,
                                 isolation_level=None, check_same_thread=False)
        _quiet_cipher(con)
        con.execute("PRAGMA key = '%s'" % passphrase.replace("'", "''"))
    else:
        con = sqlite3.connect(target, timeout=busy_timeout_ms / 1000, isolation_level=None,
                              check_same_thread=False, uri=readonly)
    try:
        con.execute("SELECT count(*) FROM sqlite_master").fetchone()
        if query_only:
            con.execute("PRAGMA query_only = 1")
    except Exception as exc:
        con.close()
        if "not a database" in str(exc) or "encrypted" in str(exc):
            raise _not_opened(path, passphrase) from None
        if _is_busy(exc):
            raise DatabaseBusy(busy_message(path)) from None
        if isinstance(exc, UnicodeDecodeError):  # SQLite's message quoted damaged bytes
            raise Damaged(f"{path} is damaged (SQLite cannot read its list of tables): "
                          "restore a backup (clerkdesk restore).") from None
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


# --- the same, for code that may run on a database not opened by open_database ---------

def _db_of(model):
    db = model._meta.database
    return getattr(db, "obj", db)  # a DatabaseProxy


def read_verified(model, row_id):
    """`_ClerkMixin.read_verified` on *model*'s database (else `model.get_by_id`)."""
    read = getattr(_db_of(model), "read_verified", None)
    return read(model, row_id) if read is not None else model.get_by_id(row_id)


def insert_model(obj):
    """`_ClerkMixin.insert_model` on *obj*'s database (else `obj.save(force_insert=True)`)."""
    insert = getattr(_db_of(type(obj)), "insert_model", None)
    if insert is None:
        obj.save(force_insert=True)
        return obj
    return insert(obj)


def update_fields(obj, fields) -> int:
    """`_ClerkMixin.update_fields` on *obj*'s database (else `obj.save(only=fields)`)."""
    update = getattr(_db_of(type(obj)), "update_fields", None)
    return update(obj, fields) if update is not None else obj.save(only=fields)
