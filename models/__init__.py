"""The domain: registers, casework, the protocol engine and the casebook's safety.
Plain Python over Peewee; nothing here imports Textual.

Peewee imports every database driver it can find when it is first imported: with
psycopg installed (the `[postgres]` extra) that is about 70 ms and 8 MiB on every
start-up, for a driver that only a PostgreSQL casebook uses. So the drivers are hidden
while Peewee is first imported, and the PostgreSQL database class brings its own adapter
that imports psycopg when such a casebook is opened (`db.Psycopg3Adapter`).
"""
from __future__ import annotations

import sys

#: the drivers Peewee looks for at import time, other than SQLite's
_DRIVERS = ("psycopg", "psycopg2", "psycopg2cffi", "pymysql", "MySQLdb")


def _import_peewee_without_drivers() -> None:
    if "peewee" in sys.modules:
        return
    hidden = [name for name in _DRIVERS if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # makes `import name` raise ImportError
    try:
        import peewee  # noqa: F401
    finally:
        for name in hidden:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]


_import_peewee_without_drivers()
