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


def missing_indexes(db) -> list:
    """The indexes the schema declares (its fields' and its Meta's) that the casebook does
    not have: [(model, index)]. An index added to the schema after a casebook was made
    (audit.undoes) arrives through `ensure_indexes`."""
    out = []
    for model in TABLES:
        table = model._meta.table_name
        have = {i.name for i in db.get_indexes(table)}
        for index in model._meta.fields_to_index():
            if index._name not in have:
                out.append((model, index))
    return out


def ensure_indexes(db) -> None:
    """Make the schema's indexes a casebook at today's schema lacks (CREATE INDEX IF NOT
    EXISTS, in one transaction; nothing at all when none is missing). Only on a writable
    casebook, when it is opened, before anything else is written: no row changes, so
    nothing is audited or re-attested."""
    todo = missing_indexes(db)
    if not todo:
        return
    with db.atomic():
        for model, index in todo:
            with model.bind_ctx(db):
                db.execute(model._schema._create_index(index, safe=True))
