"""The tables of the casebook (Peewee models). No Textual here.

Nothing is hard-deleted: registers and cases carry `archived`; the audit log is
append-only. Role lists are stored as comma-separated keys from `roles.py`.
"""
from __future__ import annotations

import datetime as dt

from peewee import (
    SQL,
    BlobField,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)

from clerkdesk.models.core.db import database


def now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


class BaseModel(Model):
    class Meta:
        database = database
        legacy_table_names = False


class Council(BaseModel):
    """The one row of council settings."""

    name = CharField()
    kind = CharField(default="town")  # town | parish | district | borough | city
    profile = CharField(default="town")  # protocol profile name or path to a TOML copy
    protocol_adopted = DateField(null=True)
    protocol_review_due = DateField(null=True)
    nation = CharField(default="england")  # england | wales | scotland | northern-ireland
    next_election = DateField(null=True)
    pre_election_days = IntegerField(default=42)
    staffing_committee_name = CharField(default="")
    clerk_name = CharField(default="")
    info_response_days = IntegerField(default=7)
    retention_years = IntegerField(default=6)
    closure_days = TextField(default="")  # extra closure days, UK dates comma-separated
    backups_kept = IntegerField(default=7)
    created_at = DateTimeField(default=now)
    version = IntegerField(default=1, constraints=[SQL("DEFAULT 1")])  # schema 3
    # schema 4: correspondence (documents on a case, email intake)
    document_limit_mb = IntegerField(default=25, constraints=[SQL("DEFAULT 25")])  # per file
    intake_folder = TextField(default="", constraints=[SQL("DEFAULT ''")])  # saved emails


class Ward(BaseModel):
    name = CharField(unique=True)
    notes = TextField(default="")
    archived = BooleanField(default=False, index=True)
    version = IntegerField(default=1, constraints=[SQL("DEFAULT 1")])  # schema 3


class Member(BaseModel):
    name = CharField(index=True)
    ward = ForeignKeyField(Ward, null=True, backref="members", on_delete="RESTRICT")
    roles = CharField(default="")  # comma-separated member role keys
    term_start = DateField(null=True)
    term_end = DateField(null=True)
    email = CharField(default="")
    phone = CharField(default="")
    address = TextField(default="")
    notes = TextField(default="")
    archived = BooleanField(default=False, index=True)
    version = IntegerField(default=1, constraints=[SQL("DEFAULT 1")])  # schema 3


class PartyGroup(BaseModel):
    name = CharField(unique=True)
    leader = ForeignKeyField(Member, null=True, backref="+", on_delete="RESTRICT")
    deputy_leader = ForeignKeyField(Member, null=True, backref="+", on_delete="RESTRICT")
    notes = TextField(default="")
    archived = BooleanField(default=False, index=True)
    version = IntegerField(default=1, constraints=[SQL("DEFAULT 1")])  # schema 3


# Member and PartyGroup refer to each other; SQLite accepts the forward reference, so the
# member's group key is added once both classes exist and gets a real FOREIGN KEY clause.
Member._meta.add_field(
    "group", ForeignKeyField(PartyGroup, null=True, backref="members", on_delete="RESTRICT")
)


class Interest(BaseModel):
    """A declared interest: professional, personal or pecuniary (the wizard pre-fills
    "the member has an interest" and proposes conflicts from these)."""

    member = ForeignKeyField(Member, backref="interests", on_delete="RESTRICT")
    kind = CharField()  # professional | personal | pecuniary
    description = TextField()
    declared_on = DateField(null=True)
    archived = BooleanField(default=False)
    version = IntegerField(default=1, constraints=[SQL("DEFAULT 1")])  # schema 3


class Training(BaseModel):
    """A training record (a town protocol keeps them)."""

    member = ForeignKeyField(Member, backref="training", on_delete="RESTRICT")
    course = CharField()
    taken_on = DateField(null=True)
    archived = BooleanField(default=False)
    version = IntegerField(default=1, constraints=[SQL("DEFAULT 1")])  # schema 3


class Officer(BaseModel):
    name = CharField(index=True)
    job_title = CharField(default="")
    department = CharField(default="", index=True)
    line_manager = ForeignKeyField("self", null=True, backref="reports", on_delete="RESTRICT")
    roles = CharField(default="")  # comma-separated officer role keys
    email = CharField(default="")
    phone = CharField(default="")
    started_on = DateField(null=True)
    left_on = DateField(null=True)
    notes = TextField(default="")
    archived = BooleanField(default=False, index=True)
    version = IntegerField(default=1, constraints=[SQL("DEFAULT 1")])  # schema 3


class Contact(BaseModel):
    """Someone outside the council the protocol relies on."""

    name = CharField()
    role = CharField()  # principal_monitoring_officer | independent_person | county_association | other
    organisation = CharField(default="")
    email = CharField(default="")
    phone = CharField(default="")
    notes = TextField(default="")
    archived = BooleanField(default=False, index=True)
    version = IntegerField(default=1, constraints=[SQL("DEFAULT 1")])  # schema 3


class Committee(BaseModel):
    name = CharField(unique=True)
    functions = TextField(default="")  # what it deals with; used by the need-to-know test
    chair = ForeignKeyField(Member, null=True, backref="+", on_delete="RESTRICT")
    vice_chair = ForeignKeyField(Member, null=True, backref="+", on_delete="RESTRICT")
    staffing = BooleanField(default=False)  # the committee responsible for staffing
    archived = BooleanField(default=False, index=True)
    version = IntegerField(default=1, constraints=[SQL("DEFAULT 1")])  # schema 3


class CommitteeSeat(BaseModel):
    committee = ForeignKeyField(Committee, backref="seats", on_delete="RESTRICT")
    member = ForeignKeyField(Member, backref="seats", on_delete="RESTRICT")
    archived = BooleanField(default=False)
    version = IntegerField(default=1, constraints=[SQL("DEFAULT 1")])  # schema 3

    class Meta:
        indexes = ((("committee", "member"), True),)


class Case(BaseModel):
    """A request (REQ-) or a complaint (CMP-)."""

    ref = CharField(unique=True)
    type = CharField(index=True)  # request | complaint
    kind = CharField(index=True)
    subject = CharField()
    details = TextField(default="")
    status = CharField(default="new", index=True)  # new | open | waiting | closed
    priority = CharField(default="normal")  # low | normal | high | urgent
    owner = ForeignKeyField(Officer, null=True, backref="+", on_delete="RESTRICT")
    member = ForeignKeyField(Member, null=True, backref="+", on_delete="RESTRICT")
    group = ForeignKeyField(PartyGroup, null=True, backref="+", on_delete="RESTRICT")
    # complaints: who complains about whom
    complainant_type = CharField(default="")  # member | officer
    complainant_member = ForeignKeyField(Member, null=True, backref="+", on_delete="RESTRICT")
    complainant_officer = ForeignKeyField(Officer, null=True, backref="+", on_delete="RESTRICT")
    subject_member = ForeignKeyField(Member, null=True, backref="+", on_delete="RESTRICT")
    subject_officer = ForeignKeyField(Officer, null=True, backref="+", on_delete="RESTRICT")
    stage = CharField(default="")
    serious = BooleanField(default=False)
    financial_irregularity = BooleanField(default=False)
    outcome = TextField(default="")
    received = DateField(index=True)
    due = DateField(null=True, index=True)
    closed_on = DateField(null=True)
    snoozed_until = DateField(null=True)
    confidential = BooleanField(default=False)
    # schema 4: the clock as the protocol runs it ("or otherwise as agreed with the Member")
    agreed_due = DateField(null=True)  # a due date agreed with the member (an extension)
    waiting_since = DateField(null=True)  # the clock stopped: waiting on the member since
    waited_days = IntegerField(default=0, constraints=[SQL("DEFAULT 0")])  # working days
    route = TextField(default="")  # the wizard's route, JSON
    archived = BooleanField(default=False, index=True)
    created_at = DateTimeField(default=now)
    updated_at = DateTimeField(default=now)
    version = IntegerField(default=1)


class Step(BaseModel):
    """One entry of a case's timeline: who did what, when, under which clause."""

    case = ForeignKeyField(Case, backref="steps", on_delete="RESTRICT")
    at = DateTimeField(default=now, index=True)
    who = CharField(default="")
    action = CharField()
    note = TextField(default="")
    clause = CharField(default="")
    kind = CharField(default="note")  # opened | note | route | step | closed | reopened | edited


class Task(BaseModel):
    """Something a route asks the clerk to do (tell the other Group Leaders...)."""

    case = ForeignKeyField(Case, backref="tasks", on_delete="RESTRICT")
    description = TextField()
    clause = CharField(default="")
    due = DateField(null=True)
    done_on = DateField(null=True)
    archived = BooleanField(default=False)
    version = IntegerField(default=1, constraints=[SQL("DEFAULT 1")])  # schema 3
    # schema 4: what doing the task records besides ticking it ("advice": the advice
    # register), from the route's task (the profile's `records`)
    records = CharField(default="", constraints=[SQL("DEFAULT ''")])


class Advice(BaseModel):
    """The advice register: what an officer told which party group on which matter, so
    that even-handedness can be shown (the profiles' `advice_clause`)."""

    officer = ForeignKeyField(Officer, null=True, backref="+", on_delete="RESTRICT")
    group = ForeignKeyField(PartyGroup, backref="advice", on_delete="RESTRICT")
    matter = TextField()
    given_on = DateField()
    case = ForeignKeyField(Case, null=True, backref="advice", on_delete="RESTRICT")
    # schema 4: what was advised (facts and options), besides the matter it was on
    summary = TextField(default="", constraints=[SQL("DEFAULT ''")])
    archived = BooleanField(default=False)
    version = IntegerField(default=1, constraints=[SQL("DEFAULT 1")])  # schema 3


class Document(BaseModel):
    """A file on a case (an email taken in, its attachments, a letter sent), its bytes in
    the casebook itself: encrypted, backed up, copied and checked with it. Schema 4.

    List queries never select `data` (a document may be megabytes)."""

    case = ForeignKeyField(Case, backref="documents", on_delete="RESTRICT")
    name = CharField()
    media_type = CharField(default="application/octet-stream")
    size = IntegerField()
    sha256 = CharField()  # of `data`; also in the document's audit entry
    source = CharField(default="attached")  # attached | email | attachment | letter
    message_id = CharField(null=True, index=True)  # an email taken in: its Message-ID
    added_by = CharField(default="")
    added_at = DateTimeField(default=now)
    data = BlobField()
    archived = BooleanField(default=False)
    version = IntegerField(default=1, constraints=[SQL("DEFAULT 1")])


class Audit(BaseModel):
    """Append-only record of every change, hash-chained (see audit.py).

    Written only through `audit.record()`; the chain columns are filled in just before
    the transaction commits (`audit.seal`).
    """

    at = DateTimeField(default=now, index=True)
    who = CharField(default="")
    action = CharField()  # create | update | archive | restore | step | batch | undo | anonymise | adopt | upgrade
    table = CharField()
    row_id = IntegerField()
    changes = TextField(default="{}")  # JSON {field: [old, new]}
    # schema 2: the tamper-evident chain
    undoes = IntegerField(null=True)  # the entry an undo reverts
    changes_digest = CharField(default="")  # sha256 of `changes` as first written
    row_digest = CharField(default="")  # sha256 of the row's full state when committed
    prev_hash = CharField(default="")  # the previous entry's hash
    hash = CharField(default="")  # sha256 over this entry's fields and prev_hash

    class Meta:
        # `undoes`: whether an entry was undone already, one lookup (each ctrl+z asks)
        indexes = ((("table", "row_id"), False), (("undoes",), False))


class Setting(BaseModel):
    """Small key/value rows kept from older casebooks: the clerk's remembered views and
    meeting mode now live in their own state file (core/user.py), which reads these rows
    once for a casebook it has no section for and never writes them."""

    key = CharField(primary_key=True)
    value = TextField(default="")


TABLES = [
    Council, Ward, Member, PartyGroup, Interest, Training, Officer, Contact,
    Committee, CommitteeSeat, Case, Step, Task, Advice, Document, Audit, Setting,
]
