"""Making the casebook's tables on either engine (a new casebook, or the tables a
migration adds)."""
from __future__ import annotations

from clerkdesk.models.core.db import APPLICATION_ID
from clerkdesk.models.core.schema import TABLES, Member
from clerkdesk.models.store import backend


def create_tables(db) -> None:
    if backend.is_postgres(db) and not db.table_exists("member"):
        # PostgreSQL refuses a FOREIGN KEY to a table not made yet: member.group_id gets
        # its constraint once party_group exists
        group = Member._meta.fields["group"]
        group.deferred = True
        try:
            db.create_tables(TABLES, safe=True)
        finally:
            group.deferred = False
        with Member.bind_ctx(db):
            Member._schema.create_foreign_key(Member._meta.fields["group"])
        return
    db.create_tables(TABLES, safe=True)


def mark(db) -> None:
    """Mark an SQLite file as a clerkdesk casebook (`PRAGMA application_id`, schema 4 on),
    inside the transaction that makes or upgrades it. PostgreSQL's mark is the
    `clerkdesk_schema` table."""
    if not backend.is_postgres(db):
        db.execute_sql(f"PRAGMA application_id = {APPLICATION_ID}")
