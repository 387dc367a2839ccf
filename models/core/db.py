"""The database every model is bound to, and the errors opening or using it can raise.

`database` is a Peewee proxy: `store.opening.open_database` points it at a real SQLite
file or PostgreSQL server. The errors are sentences for the clerk. The engines and the
opening itself live a floor up, in `clerkdesk.models.store`.
"""
from __future__ import annotations

from contextlib import contextmanager

from peewee import DatabaseProxy

#: The proxy every model is bound to; `open_database` points it at a real database.
database = DatabaseProxy()


#: The schema this clerkdesk writes. Stored in SQLite's `PRAGMA user_version`.
#: 1: the first release. 2: the audit log is hash-chained (see migrations.py).
#: 3: every editable record carries a version (optimistic concurrency).
#: 4: documents on a case; the agreed and waiting clock of a case.
SCHEMA_VERSION = 4


#: SQLite's `PRAGMA application_id` of a clerkdesk casebook ("CLRK"), set from schema 4
#: (new casebooks, and the 3 -> 4 upgrade): what tells a casebook from another
#: program's SQLite file before anything is written to it.
APPLICATION_ID = 0x434C524B


#: How long a second clerkdesk waits for another's write before saying "busy" (ms).
BUSY_TIMEOUT_MS = 5000


#: the environment variable that holds the passphrase of an encrypted casebook
PASSPHRASE_ENV = "CLERKDESK_PASSPHRASE"


class DatabaseError(Exception):
    """A database that cannot be opened or used; the message is a sentence for the clerk."""


class DatabaseBusy(DatabaseError):
    """Another clerkdesk (or program) held the casebook for longer than we wait."""


class WrongPassphrase(DatabaseError):
    """The casebook is encrypted and the passphrase does not open it."""


class Tampered(DatabaseError):
    """A record (or the audit log) no longer matches what the log last recorded: it was
    changed behind clerkdesk's back, so a write that would vouch for it is refused."""


class NotACasebook(DatabaseError):
    """A file that is not a clerkdesk casebook (another program's SQLite file): it is
    left exactly as it was."""


class Damaged(DatabaseError):
    """A casebook whose file or tables are damaged: only `clerkdesk check` reads it."""


def busy_message(path=None) -> str:
    where = f"The casebook {path}" if path else "The casebook"
    return (f"{where} is busy: another clerkdesk is saving to it. Nothing was changed; "
            "try again in a moment.")


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
