"""What a casebook's tables look like at each schema version, what tells a casebook from
another program's database, and how a file's own tables differ from what its version
expects.

Opening uses it to decide, before anything is written, whether a file is a clerkdesk
casebook at all (its `PRAGMA application_id`, or for files made before schema 4 the
council and audit tables with clerkdesk's columns), and to refuse one that has lost
tables or columns (it never makes them again, empty) or whose schema number does not
match its tables (a `PRAGMA user_version` set by hand would otherwise send it through
upgrades that re-attest every row). `check` reports the same differences.

Works on plain DB-API connections (sqlite3, sqlcipher3 or psycopg); no Peewee queries.
"""
from __future__ import annotations

from clerkdesk.models.core.db import APPLICATION_ID, SCHEMA_VERSION
from clerkdesk.models.core.schema import TABLES
from clerkdesk.models.store import backend

#: the columns of `audit` that schema 2 added (the hash chain)
CHAIN_COLUMNS = {"undoes", "changes_digest", "row_digest", "prev_hash", "hash"}

#: the tables that gained a `version` column in schema 3 (`case` had one from the start)
VERSIONED = ["council", "ward", "member", "party_group", "interest", "training", "officer",
             "contact", "committee", "committee_seat", "task", "advice"]

#: the columns schema 4 added to tables schema 3 already had: {table: {column: its SQL
#: type and default}} (the 3 -> 4 migration adds exactly these)
COLUMNS_NEW_IN_4 = {
    # the case's clock: a date agreed with the member, the clock stopped waiting on them
    "case": {"agreed_due": "DATE", "waiting_since": "DATE",
             "waited_days": "INTEGER NOT NULL DEFAULT 0"},
    # correspondence: the largest document one file may be (MB), the folder of saved emails
    "council": {"document_limit_mb": "INTEGER NOT NULL DEFAULT 25",
                "intake_folder": "TEXT NOT NULL DEFAULT ''"},
    # the advice register: what doing a task records, and what the advice was
    "task": {"records": "VARCHAR(255) NOT NULL DEFAULT ''"},
    "advice": {"summary": "TEXT NOT NULL DEFAULT ''"},
}

#: tables schema 4 added
NEW_IN_4 = {"document"}

#: what every casebook of any version has, with clerkdesk's own columns
SIGNATURE = {
    "council": {"name", "kind", "profile", "nation", "retention_years"},
    "audit": {"at", "who", "action", "table", "row_id", "changes"},
}


def expected(version: int = SCHEMA_VERSION) -> dict[str, set[str]]:
    """{table: columns} of a casebook at schema *version*."""
    out = {m._meta.table_name: {f.column_name for f in m._meta.sorted_fields} for m in TABLES}
    if version < 4:
        for table in NEW_IN_4:
            out.pop(table, None)
        for table, added in COLUMNS_NEW_IN_4.items():
            out[table] -= set(added)
    if version < 3:
        for table in VERSIONED:
            out[table] -= {"version"}
    if version < 2:
        out["audit"] -= CHAIN_COLUMNS
    return out


def read(con) -> tuple[set[str], dict[str, set[str]]]:
    """(tables, {table: columns}) as the database holds them, for the tables clerkdesk
    knows."""
    con = backend.raw(con)
    tables = backend.tables(con)
    known = {m._meta.table_name for m in TABLES}
    return tables, {t: set(backend.columns(con, t)) for t in sorted(tables & known)}


def application_id(con) -> int:
    con = backend.raw(con)
    if backend.con_is_postgres(con):
        return 0
    return con.execute("PRAGMA application_id").fetchone()[0]


def looks_like_casebook(tables: set[str], columns: dict[str, set[str]]) -> bool:
    """Clerkdesk's council and audit tables, with clerkdesk's columns."""
    return all(t in tables and need <= columns.get(t, set()) for t, need in SIGNATURE.items())


def structural_version(tables: set[str], columns: dict[str, set[str]]) -> int:
    """The schema the tables themselves show (whatever the recorded number says)."""
    if tables & NEW_IN_4 or any(set(added) & columns.get(table, set())
                                for table, added in COLUMNS_NEW_IN_4.items()):
        return 4
    if "version" in columns.get("member", set()):
        return 3
    if "hash" in columns.get("audit", set()):
        return 2
    return 1


def missing(version: int, tables: set[str], columns: dict[str, set[str]]) -> list[str]:
    """What a casebook at *version* should have and does not: ["table step", "column
    email of member", ...] (empty when whole)."""
    out = []
    for table, need in expected(version).items():
        if table not in tables:
            out.append(f"table {table}")
            continue
        for col in sorted(need - columns.get(table, set())):
            out.append(f"column {col} of {table}")
    return out


def describe_missing(items: list[str]) -> str:
    tables = [i.split(" ", 1)[1] for i in items if i.startswith("table ")]
    cols = [i.split(" ", 1)[1] for i in items if i.startswith("column ")]
    parts = []
    if tables:
        parts.append(("the table " if len(tables) == 1 else "the tables ") + ", ".join(tables))
    if cols:
        shown = ", ".join(cols[:5]) + (f" and {len(cols) - 5} more" if len(cols) > 5 else "")
        parts.append(("the column " if len(cols) == 1 else "the columns ") + shown)
    return " and ".join(parts)


def is_ours(app_id: int, version: int, tables: set[str], columns: dict[str, set[str]]) -> bool:
    """A clerkdesk casebook: its application_id says so, or (made before schema 4 set
    one) it has clerkdesk's council and audit tables and a schema number clerkdesk
    wrote."""
    if app_id == APPLICATION_ID:
        return True
    if app_id != 0:
        return False
    return version >= 1 and looks_like_casebook(tables, columns)
